//! Process start to ready, and to the first served invocation, of one function binary: runs the
//! release binary against a minimal Lambda Runtime API on loopback, like a cold start.
//!
//! `cold-start <binary> <event.json> [runs]`; env DYNAMODB_ENDPOINT for the table it uses.

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use workbench_local::latency::percentile;

#[derive(Default)]
struct Marks {
    ready: Option<Instant>,
    responded: Option<Instant>,
    status: Option<String>,
}

async fn runtime_api(listener: tokio::net::TcpListener, event: Arc<String>, marks: Arc<Mutex<Marks>>, done: Arc<Notify>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { return };
        let (event, marks, done) = (event.clone(), marks.clone(), done.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (event, marks, done) = (event.clone(), marks.clone(), done.clone());
                async move {
                    let path = req.uri().path().to_string();
                    if path.ends_with("/invocation/next") {
                        let first = {
                            let mut m = marks.lock().unwrap();
                            let first = m.ready.is_none();
                            if first {
                                m.ready = Some(Instant::now());
                            }
                            first
                        };
                        if !first {
                            // One invocation per process: park the runtime until it is killed.
                            std::future::pending::<()>().await;
                        }
                        let deadline = (std::time::SystemTime::now() + Duration::from_secs(30))
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap()
                            .as_millis();
                        return Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .header("lambda-runtime-aws-request-id", "req-cold-start")
                                .header("lambda-runtime-deadline-ms", deadline.to_string())
                                .header("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
                                .header("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000")
                                .body(Full::new(Bytes::from(event.as_bytes().to_vec())))
                                .unwrap(),
                        );
                    }
                    {
                        let mut m = marks.lock().unwrap();
                        m.responded = Some(Instant::now());
                        m.status = Some(if path.ends_with("/response") { "response".into() } else { format!("error at {path}") });
                    }
                    done.notify_one();
                    Ok(hyper::Response::builder().status(202).body(Full::new(Bytes::new())).unwrap())
                }
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (binary, event_path) = match (args.get(1), args.get(2)) {
        (Some(b), Some(e)) => (b.clone(), e.clone()),
        _ => return Err("usage: cold-start <binary> <event.json> [runs]".into()),
    };
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(20);
    let event = Arc::new(std::fs::read_to_string(event_path)?);
    // The function reads this table; make sure it exists so the invocation is a real one.
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "cold-start".to_string());
    let endpoint = std::env::var("DYNAMODB_ENDPOINT")?;
    workbench::store::Store::new(workbench::app::local_dynamodb_client(&endpoint), &table).create_table_if_missing().await?;
    let (mut ready, mut first) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let marks = Arc::new(Mutex::new(Marks::default()));
        let done = Arc::new(Notify::new());
        let server = tokio::spawn(runtime_api(listener, event.clone(), marks.clone(), done.clone()));
        let started = Instant::now();
        let mut child = std::process::Command::new(&binary)
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
            .env("RUST_LOG", "warn")
            .env("TABLE_NAME", &table)
            .env("API_KEY", "local-dev-key")
            .stdout(std::process::Stdio::null())
            .spawn()?;
        let answered = tokio::time::timeout(Duration::from_secs(20), done.notified()).await;
        let _ = child.kill();
        let _ = child.wait();
        answered.map_err(|_| "no invocation response")?;
        server.abort();
        let m = marks.lock().unwrap();
        if m.status.as_deref() != Some("response") {
            return Err(format!("the function reported {:?}", m.status).into());
        }
        ready.push(m.ready.unwrap() - started);
        first.push(m.responded.unwrap() - started);
    }
    ready.sort();
    first.sort();
    println!(
        "| {} | {runs} | {:.1} | {:.1} | {:.1} |",
        std::path::Path::new(&binary).file_name().unwrap().to_string_lossy(),
        percentile(&ready, 0.5).as_secs_f64() * 1000.0,
        percentile(&first, 0.5).as_secs_f64() * 1000.0,
        percentile(&first, 0.99).as_secs_f64() * 1000.0,
    );
    Ok(())
}
