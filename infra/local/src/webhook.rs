//! The customer webhook on the local stack: the part the EventBridge bus and its API destination
//! play in AWS. The stream reader ([`crate::live`]) derives the outbound events
//! ([`workbench::live::outbound`]) and hands them here; one worker posts them in order to
//! `CUSTOMER_WEBHOOK_URL`, signed with `CUSTOMER_WEBHOOK_SECRET`, at least once: a delivery that
//! fails (no answer, or not a 2xx) is tried again with a doubling wait, and after the last try it
//! is logged as dead-lettered, as the DLQ keeps it in AWS. The events after it wait their turn,
//! so a session's events arrive in order.

use std::time::Duration;
use tokio::sync::mpsc;
use workbench::live::outbound::{signature_header, OutboundEvent, EVENT_ID_HEADER, SIGNATURE_HEADER};

/// Where and how webhooks go.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: Vec<u8>,
    /// Tries per event, the first included (EventBridge's retry policy plays this in AWS).
    pub attempts: u32,
    /// The wait after the first failure; doubled after each further one, up to [`MAX_WAIT`].
    pub first_wait: Duration,
}

const MAX_WAIT: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

impl WebhookTarget {
    pub fn new(url: impl Into<String>, secret: impl Into<Vec<u8>>) -> Self {
        WebhookTarget { url: url.into(), secret: secret.into(), attempts: 8, first_wait: Duration::from_millis(200) }
    }

    /// `CUSTOMER_WEBHOOK_URL` and `CUSTOMER_WEBHOOK_SECRET`, when both are set.
    pub fn from_env() -> Option<Self> {
        let url = std::env::var("CUSTOMER_WEBHOOK_URL").ok().filter(|u| !u.trim().is_empty())?;
        match std::env::var("CUSTOMER_WEBHOOK_SECRET").ok().filter(|s| !s.is_empty()) {
            Some(secret) => Some(WebhookTarget::new(url, secret.into_bytes())),
            None => {
                tracing::warn!("CUSTOMER_WEBHOOK_URL is set without CUSTOMER_WEBHOOK_SECRET: no webhooks (they are always signed)");
                None
            }
        }
    }
}

/// Where the stream reader puts a batch's outbound events.
pub type OutboundSink = mpsc::UnboundedSender<Vec<OutboundEvent>>;

/// Start the worker that delivers to `target`.
pub fn spawn_deliverer(target: WebhookTarget) -> OutboundSink {
    let (sink, mut batches) = mpsc::unbounded_channel::<Vec<OutboundEvent>>();
    let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("an HTTP client");
    tokio::spawn(async move {
        while let Some(batch) = batches.recv().await {
            for event in batch {
                deliver(&http, &target, &event).await;
            }
        }
    });
    sink
}

/// Post one event until it is taken or the tries run out. Each try is signed afresh, so a retry
/// an hour later is not refused as stale.
async fn deliver(http: &reqwest::Client, target: &WebhookTarget, event: &OutboundEvent) -> bool {
    let body = event.to_body();
    let mut wait = target.first_wait;
    for attempt in 1..=target.attempts.max(1) {
        let signature = signature_header(&target.secret, chrono::Utc::now().timestamp(), &body);
        let sent = http
            .post(&target.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(EVENT_ID_HEADER, &event.event_id)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => return true,
            Ok(response) => {
                tracing::info!(event_id = %event.event_id, attempt, status = response.status().as_u16(), "webhook refused; trying again")
            }
            Err(err) => tracing::info!(event_id = %event.event_id, attempt, error = %err, "webhook unreachable; trying again"),
        }
        if attempt < target.attempts {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(MAX_WAIT);
        }
    }
    tracing::error!(event_id = %event.event_id, url = %target.url, "webhook dead-lettered after every try");
    false
}
