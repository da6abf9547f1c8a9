//! The AWS SDK's HTTPS client (rustls on ring, `workbench::app::https_client`) speaks TLS and
//! verifies certificates: a DynamoDB call over https to a local TLS endpoint succeeds when the
//! issuer of its certificate is trusted and fails when it is not. A test CA and the endpoint's
//! certificate are made by `openssl` at test time; without `openssl` the test says so and passes.

use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use workbench::app::{https_client, https_client_trusting};

/// A test CA and a certificate it issued for `localhost`: (CA PEM, leaf PEM, leaf key PEM).
fn certificates() -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let dir = std::env::temp_dir().join(format!("tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = |name: &str| dir.join(name).to_string_lossy().to_string();
    std::fs::write(dir.join("leaf.ext"), "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n").ok()?;
    let steps: [Vec<String>; 3] = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=workbench test CA", "-keyout"]
            .iter()
            .map(|s| s.to_string())
            .chain([path("ca.key"), "-out".into(), path("ca.pem")])
            .collect(),
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout"]
            .iter()
            .map(|s| s.to_string())
            .chain([path("leaf.key"), "-out".into(), path("leaf.csr")])
            .collect(),
        ["x509", "-req", "-days", "1", "-CAcreateserial", "-in"]
            .iter()
            .map(|s| s.to_string())
            .chain([path("leaf.csr"), "-CA".into(), path("ca.pem"), "-CAkey".into(), path("ca.key")])
            .chain(["-extfile".into(), path("leaf.ext"), "-out".into(), path("leaf.pem")])
            .collect(),
    ];
    let made = steps.iter().all(|args| {
        std::process::Command::new("openssl")
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    let read = |name: &str| std::fs::read(dir.join(name)).ok();
    let pems = made.then(|| (read("ca.pem"), read("leaf.pem"), read("leaf.key")));
    let _ = std::fs::remove_dir_all(&dir);
    match pems {
        Some((Some(ca), Some(leaf), Some(key))) => Some((ca, leaf, key)),
        _ => None,
    }
}

/// An HTTPS server on localhost answering every request as DynamoDB answers a GetItem of a
/// missing item (`{}`). Returns its port.
async fn tls_endpoint(cert_pem: &[u8], key_pem: &[u8]) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = vec![CertificateDer::from_pem_slice(cert_pem).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(key_pem).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else { return };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then as much body as Content-Length says.
                loop {
                    let Ok(n) = tls.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let body = "{}";
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn client(port: u16, http: aws_smithy_runtime_api::client::http::SharedHttpClient) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("a", "b", None, None, "test"))
        .endpoint_url(format!("https://localhost:{port}"))
        .http_client(http)
        .timeout_config(workbench::app::store_timeouts(5_000))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

async fn get_item(client: &aws_sdk_dynamodb::Client) -> Result<(), String> {
    client
        .get_item()
        .table_name("t")
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("x".into()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
}

#[tokio::test]
async fn the_sdk_client_speaks_tls_on_ring_and_verifies_the_certificate() {
    let Some((ca, cert, key)) = certificates() else {
        eprintln!("openssl is not available: the TLS test is skipped");
        return;
    };
    let port = tls_endpoint(&cert, &key).await;
    use aws_smithy_http_client::tls::{TlsContext, TrustStore};
    let trusting = TlsContext::builder().with_trust_store(TrustStore::empty().with_pem_certificate(ca)).build().unwrap();
    get_item(&client(port, https_client_trusting(trusting))).await.expect("a trusted certificate: the call succeeds over TLS");

    // The same endpoint with the system's roots only: its certificate is refused.
    let refused = get_item(&client(port, https_client())).await.expect_err("an unknown issuer must be refused");
    assert!(refused.to_lowercase().contains("certificate") || refused.contains("UnknownIssuer"), "{refused}");
}
