//! A real order system over HTTP, in the JSON shapes of the dataset:
//!
//! | call | request |
//! | --- | --- |
//! | customer | `GET {base}/customers/{user_id}` |
//! | order | `GET {base}/orders/{order_id}` |
//! | orders of a customer | `GET {base}/customers/{user_id}/orders` |
//! | shipment / refunds / invoices | `GET {base}/orders/{order_id}/shipment` / `refunds` / `invoices` |
//! | cancel | `POST {base}/orders/{order_id}/cancel` `{"user_id"}` |
//! | change address | `POST {base}/orders/{order_id}/address` `{"user_id", "shipping_address"}` |
//! | request refund | `POST {base}/orders/{order_id}/refunds` `{"user_id", "refund_id", "amount", "reason", "requested_at"}` |
//!
//! 404 is "no such thing" (for a write: not this customer's order); 409 or 422 is a refused
//! write, with `{"status": "<current order status>"}` or `{"error": "refund_in_progress"}`.
//!
//! Each attempt has its own timeout (default 2 s). Reads are retried twice, with backoff, on a
//! timeout, a 5xx or a connection error. A write is retried only when the connection could not
//! be made (nothing was sent): after a timeout or a 5xx it may have executed, and executing it
//! twice is worse than reporting a failure.
//!
//! `http://` or `https://`: the client is hyper with rustls on ring, the HTTP and TLS stack the
//! AWS SDK's client already links into the function, so calling an order system adds no HTTP or
//! TLS library of its own (the system's root certificates are trusted).

use super::backend::{BackendError, BackendResult, BusinessBackend};
use super::records::{Customer, Invoice, Order, Refund, RefundRequest, Shipment};
use crate::config::ConfigError;
use bytes::Bytes;
use futures::FutureExt;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::time::Duration;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
pub const DEFAULT_RETRIES: u32 = 2;
const DEFAULT_BACKOFF: Duration = Duration::from_millis(100);
/// Larger answers are not an order system's.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct HttpBusinessBackend {
    client: HttpsClient,
    base: String,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
}

impl HttpBusinessBackend {
    /// `base_url` like `https://orders.example.com/api`; a trailing slash is ignored.
    pub fn new(base_url: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid { name: "BUSINESS_API_URL", reason };
        let base = base_url.trim().trim_end_matches('/').to_string();
        let parsed: hyper::Uri = base.parse().map_err(|e| invalid(format!("not a URL: {e}")))?;
        match (parsed.scheme_str(), parsed.host()) {
            (Some("http" | "https"), Some(host)) if !host.is_empty() => {}
            _ => return Err(invalid("expected an http:// or https:// URL with a host".into())),
        }
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(DEFAULT_TIMEOUT));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| invalid(format!("no trusted root certificates: {e}")))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .build(connector);
        Ok(HttpBusinessBackend {
            client,
            base,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            backoff: DEFAULT_BACKOFF,
        })
    }

    /// `BUSINESS_API_URL` (unset: `None`, the DynamoDB backend is used) and
    /// `BUSINESS_API_TIMEOUT_MS` (default 2000).
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        let Some(url) = std::env::var("BUSINESS_API_URL").ok().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let mut backend = Self::new(&url)?;
        if let Ok(raw) = std::env::var("BUSINESS_API_TIMEOUT_MS") {
            let ms: u64 = raw.trim().parse().ok().filter(|ms| *ms > 0).ok_or(ConfigError::Invalid {
                name: "BUSINESS_API_TIMEOUT_MS",
                reason: "expected a positive integer".into(),
            })?;
            backend = backend.with_timeout(Duration::from_millis(ms));
        }
        Ok(Some(backend))
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.retries = retries;
        self.backoff = backoff;
        self
    }

    fn url(&self, segments: &[&str]) -> Result<String, BackendError> {
        let mut url = self.base.clone();
        for segment in segments {
            if !is_safe_segment(segment) {
                return Err(BackendError::OrderNotFound((*segment).chars().take(64).collect()));
            }
            url.push('/');
            url.push_str(segment);
        }
        Ok(url)
    }

    /// One call with the retry policy of its kind. Returns the status and the body of the last
    /// attempt that got an answer other than a retryable failure.
    async fn call(
        &self,
        kind: Kind,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Vec<u8>), BackendError> {
        let mut attempt = 0;
        loop {
            let outcome = self.attempt(method.clone(), url, body).await;
            let retryable = match &outcome {
                Ok((status, _)) => status.is_server_error() && kind == Kind::Read,
                Err(Failure::Connect(_)) => true,
                Err(Failure::Timeout | Failure::Other(_)) => kind == Kind::Read,
                Err(Failure::TooLarge) => false,
            };
            if !retryable || attempt >= self.retries {
                return match outcome {
                    Ok((status, _)) if status.is_server_error() => {
                        Err(BackendError::Unavailable(format!("the order system answered {status}")))
                    }
                    Ok(answer) => Ok(answer),
                    Err(Failure::Timeout) => Err(BackendError::Timeout),
                    Err(Failure::Connect(reason)) | Err(Failure::Other(reason)) => {
                        Err(BackendError::Unavailable(reason))
                    }
                    Err(Failure::TooLarge) => Err(BackendError::InvalidResponse(format!(
                        "the answer is larger than {MAX_RESPONSE_BYTES} bytes"
                    ))),
                };
            }
            attempt += 1;
            tracing::warn!(url, attempt, "order system call failed, retrying");
            tokio::time::sleep(self.backoff_for(attempt)).await;
        }
    }

    async fn attempt(&self, method: Method, url: &str, body: Option<&Value>) -> Result<(StatusCode, Vec<u8>), Failure> {
        let mut request = hyper::Request::builder().method(method).uri(url).header("accept", "application/json");
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Full::new(Bytes::from(body.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request.body(body).map_err(|e| Failure::Other(e.to_string()))?;
        // One timeout for the whole attempt: connecting, sending, and reading the answer.
        let exchange = async {
            let response = self.client.request(request).await.map_err(Failure::from)?;
            let status = response.status();
            let declared = response.headers().get("content-length").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            if declared.is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
                return Err(Failure::TooLarge);
            }
            let collected = Limited::new(response.into_body(), MAX_RESPONSE_BYTES).collect().await.map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                    Failure::TooLarge
                } else {
                    Failure::Other(e.to_string())
                }
            })?;
            Ok((status, collected.to_bytes().to_vec()))
        };
        tokio::time::timeout(self.timeout, exchange).await.unwrap_or(Err(Failure::Timeout))
    }

    /// Exponential from the base backoff, with jitter so that retries from many containers spread.
    fn backoff_for(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff.saturating_mul(1 << attempt.saturating_sub(1).min(6));
        let jitter = f64::from(uuid::Uuid::new_v4().as_bytes()[0]) / 255.0;
        ceiling.mul_f64(0.5 + jitter / 2.0)
    }

    async fn get<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<Option<T>, BackendError> {
        let url = self.url(segments)?;
        let (status, body) = self.call(Kind::Read, Method::GET, &url, None).await?;
        match status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => parse(&body).map(Some),
            s => Err(BackendError::Unavailable(format!("the order system answered {s}"))),
        }
    }

    async fn post<T: DeserializeOwned>(
        &self,
        order_id: &str,
        segments: &[&str],
        body: Value,
    ) -> Result<T, BackendError> {
        let url = self.url(segments)?;
        let (status, answer) = self.call(Kind::Write, Method::POST, &url, Some(&body)).await?;
        match status {
            s if s.is_success() => parse(&answer),
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => Err(BackendError::OrderNotFound(order_id.to_string())),
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => {
                let refusal: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
                if refusal["error"] == "refund_in_progress" {
                    return Err(BackendError::RefundInProgress(order_id.to_string()));
                }
                let status = refusal["status"].as_str().unwrap_or("in a status that does not allow this").to_string();
                Err(BackendError::NotAllowed { order_id: order_id.to_string(), status })
            }
            s => Err(BackendError::Unavailable(format!("the order system answered {s}"))),
        }
    }
}

enum Failure {
    Timeout,
    /// The connection was never made: nothing was sent, so even a write may be retried.
    Connect(String),
    Other(String),
    TooLarge,
}

impl From<hyper_util::client::legacy::Error> for Failure {
    fn from(err: hyper_util::client::legacy::Error) -> Self {
        if err.is_connect() {
            Failure::Connect(err.to_string())
        } else {
            Failure::Other(err.to_string())
        }
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, BackendError> {
    serde_json::from_slice(body).map_err(|e| BackendError::InvalidResponse(e.to_string()))
}

/// Ids go into the path as they are, so only plain ones are sent.
fn is_safe_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment.len() <= 128
        && !segment.starts_with('.')
        && segment.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

impl BusinessBackend for HttpBusinessBackend {
    fn customer<'a>(&'a self, user_id: &'a str) -> BackendResult<'a, Option<Customer>> {
        async move { self.get(&["customers", user_id]).await }.boxed()
    }

    fn order<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Option<Order>> {
        async move { self.get(&["orders", order_id]).await }.boxed()
    }

    fn orders_of<'a>(&'a self, user_id: &'a str) -> BackendResult<'a, Vec<Order>> {
        async move {
            let mut orders: Vec<Order> = self.get(&["customers", user_id, "orders"]).await?.unwrap_or_default();
            orders.retain(|o| o.user_id == user_id);
            orders.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.order_id.cmp(&a.order_id)));
            Ok(orders)
        }
        .boxed()
    }

    fn shipment<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Option<Shipment>> {
        async move { self.get(&["orders", order_id, "shipment"]).await }.boxed()
    }

    fn refunds<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Vec<Refund>> {
        async move {
            let mut refunds: Vec<Refund> = self.get(&["orders", order_id, "refunds"]).await?.unwrap_or_default();
            refunds.sort_by(|a, b| b.requested_at.cmp(&a.requested_at));
            Ok(refunds)
        }
        .boxed()
    }

    fn invoices<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Vec<Invoice>> {
        async move { Ok(self.get(&["orders", order_id, "invoices"]).await?.unwrap_or_default()) }.boxed()
    }

    fn cancel_order<'a>(&'a self, user_id: &'a str, order_id: &'a str) -> BackendResult<'a, Order> {
        async move { self.post(order_id, &["orders", order_id, "cancel"], json!({ "user_id": user_id })).await }.boxed()
    }

    fn change_address<'a>(&'a self, user_id: &'a str, order_id: &'a str, address: &'a str) -> BackendResult<'a, Order> {
        let body = json!({ "user_id": user_id, "shipping_address": address });
        async move { self.post(order_id, &["orders", order_id, "address"], body).await }.boxed()
    }

    fn request_refund<'a>(
        &'a self,
        user_id: &'a str,
        order_id: &'a str,
        request: &'a RefundRequest,
    ) -> BackendResult<'a, Refund> {
        let body = json!({
            "user_id": user_id,
            "refund_id": request.refund_id,
            "amount": request.amount,
            "reason": request.reason,
            "requested_at": request.requested_at,
        });
        async move { self.post(order_id, &["orders", order_id, "refunds"], body).await }.boxed()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// What the stub answers to every request.
    #[derive(Clone)]
    pub(crate) enum Stub {
        Json(&'static str),
        Status(u16),
        Garbage,
        Sleep(Duration),
    }

    /// A raw HTTP/1.1 server on 127.0.0.1:0 that answers every request the same way and counts them.
    pub(crate) async fn stub(answer: Stub) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let answer = answer.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let _ = socket.read(&mut buf).await;
                    counter.fetch_add(1, Ordering::SeqCst);
                    let (status, body): (u16, String) = match answer {
                        Stub::Json(body) => (200, body.to_string()),
                        Stub::Status(code) => (code, "{\"error\":\"boom\"}".to_string()),
                        Stub::Garbage => (200, "<html>not json".to_string()),
                        Stub::Sleep(d) => {
                            tokio::time::sleep(d).await;
                            (200, "{}".to_string())
                        }
                    };
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        (base, hits)
    }

    fn backend(base: &str) -> HttpBusinessBackend {
        HttpBusinessBackend::new(base)
            .unwrap()
            .with_timeout(Duration::from_millis(200))
            .with_retries(2, Duration::from_millis(5))
    }

    const ORDER: &str = r#"{"order_id":"ORD-001","user_id":"u_1","status":"shipped","items":[],"total":10.0,"currency":"CNY","created_at":"2026-07-01","estimated_delivery":"2026-07-05","shipping_address":"北京市朝阳区建国路88号","contact_phone":"13812341234"}"#;

    #[tokio::test]
    async fn an_order_is_read_in_the_dataset_shape() {
        let (base, hits) = stub(Stub::Json(ORDER)).await;
        let order = backend(&base).order("ORD-001").await.unwrap().unwrap();
        assert_eq!(order.status, "shipped");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_read_that_times_out_is_retried_twice_then_reported() {
        let (base, hits) = stub(Stub::Sleep(Duration::from_secs(5))).await;
        let err = backend(&base).order("ORD-001").await.unwrap_err();
        assert!(matches!(err, BackendError::Timeout), "{err:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_read_answered_500_is_retried_then_reported_unavailable() {
        let (base, hits) = stub(Stub::Status(500)).await;
        let err = backend(&base).shipment("ORD-001").await.unwrap_err();
        assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn garbage_is_an_invalid_response_and_not_retried() {
        let (base, hits) = stub(Stub::Garbage).await;
        let err = backend(&base).customer("u_1").await.unwrap_err();
        assert!(matches!(err, BackendError::InvalidResponse(_)), "{err:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn not_found_is_none_for_reads_and_order_not_found_for_writes() {
        let (base, _) = stub(Stub::Status(404)).await;
        assert!(backend(&base).order("ORD-404").await.unwrap().is_none());
        assert!(backend(&base).refunds("ORD-404").await.unwrap().is_empty());
        let err = backend(&base).cancel_order("u_1", "ORD-404").await.unwrap_err();
        assert!(matches!(err, BackendError::OrderNotFound(_)), "{err:?}");
    }

    #[tokio::test]
    async fn a_write_that_may_have_executed_is_never_retried() {
        for answer in [Stub::Sleep(Duration::from_secs(5)), Stub::Status(503)] {
            let (base, hits) = stub(answer).await;
            let err = backend(&base).cancel_order("u_1", "ORD-001").await.unwrap_err();
            assert!(matches!(err, BackendError::Timeout | BackendError::Unavailable(_)), "{err:?}");
            assert_eq!(hits.load(Ordering::SeqCst), 1, "one attempt only");
        }
    }

    #[tokio::test]
    async fn a_refused_write_names_the_current_status() {
        let (base, _) = stub(Stub::Status(409)).await;
        let err = backend(&base).change_address("u_1", "ORD-001", "x").await.unwrap_err();
        assert!(matches!(err, BackendError::NotAllowed { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn connection_refused_is_unavailable_for_reads_and_writes() {
        // Bind then drop: the port is (almost certainly) closed.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = backend(&base).order("ORD-001").await.unwrap_err();
        assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
        let err = backend(&base).cancel_order("u_1", "ORD-001").await.unwrap_err();
        assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
    }

    #[test]
    fn only_http_and_https_urls_and_plain_ids_are_accepted() {
        assert!(HttpBusinessBackend::new("ftp://x").is_err());
        assert!(HttpBusinessBackend::new("https://orders.example.com").is_ok(), "https over rustls");
        assert!(HttpBusinessBackend::new("not a url").is_err());
        let b = HttpBusinessBackend::new("http://orders.local/api/").unwrap();
        assert_eq!(b.url(&["orders", "ORD-1"]).unwrap(), "http://orders.local/api/orders/ORD-1");
        assert!(b.url(&["orders", ".."]).is_err());
        assert!(b.url(&["orders", "a/b"]).is_err());
    }
}
