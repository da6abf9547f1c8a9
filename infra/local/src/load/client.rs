//! The simulated users' HTTP client: one request, timed and journaled; and the retry rule the
//! README gives clients (after a 503 or a 409 `request_in_progress`, send the same request again
//! with the same `Idempotency-Key`, waiting `Retry-After` and then longer with each failed try).

use super::journal::Sample;
use super::rng::Rng;
use super::Shared;
use reqwest::Method;
use serde_json::Value;
use std::time::{Duration, Instant};

pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub key: String,
}

#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// `X-API-Key`: the customers' front door (the bot's key).
    Key,
    /// `Authorization: Bearer`: an agent's own token.
    Bearer(&'a str),
}

#[derive(Debug)]
pub struct Reply {
    /// `None`: no answer (the client's timeout, or no connection).
    pub status: Option<u16>,
    pub body: Value,
    pub retry_after: Option<u64>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    pub fn code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

impl Api {
    pub fn new(base: String, key: String, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(4096)
            .timeout(timeout)
            .build()
            .expect("an HTTP client");
        Api { http, base, key }
    }
}

/// One request, journaled under `route`.
pub async fn send(
    shared: &Shared,
    route: &'static str,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<&Value>,
    idempotency_key: Option<&str>,
) -> Reply {
    let api = &shared.api;
    let mut req = api.http.request(method, format!("{}{}", api.base, path));
    req = match auth {
        Auth::Key => req.header("x-api-key", &api.key),
        Auth::Bearer(token) => req.bearer_auth(token),
    };
    if let Some(key) = idempotency_key {
        req = req.header("idempotency-key", key);
    }
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body.to_string());
    }
    shared.journal.count_request();
    let started = Instant::now();
    let result = req.send().await;
    let reply = match result {
        Err(_) => Reply { status: None, body: Value::Null, retry_after: None },
        Ok(res) => {
            let status = res.status().as_u16();
            let retry_after = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok());
            match res.text().await {
                Err(_) => Reply { status: None, body: Value::Null, retry_after: None },
                Ok(text) => Reply {
                    status: Some(status),
                    body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
                    retry_after,
                },
            }
        }
    };
    shared.journal.record(Sample { route, status: reply.status, started, elapsed: started.elapsed() });
    if let Some(status) = reply.status.filter(|s| !(200..300).contains(s)) {
        shared.journal.note_refusal(route, status, reply.code());
    }
    reply
}

/// A request sent until it gets an answer other than "not now": a 503, a 409
/// `request_in_progress` or no answer at all, for as long as the run allows retries. The last
/// reply is returned.
///
/// The wait before each retry is [`retry_wait`]: `Retry-After` at least, and doubling with every
/// failed try, with jitter, as the README's "Retries" asks of clients. A retry every `Retry-After`
/// seconds turns an outage into a storm: every request cut by it comes back at once, again and
/// again, and the restarted store meets a backlog several times its steady load.
pub async fn send_until_answered(
    shared: &Shared,
    route: &'static str,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<&Value>,
    idempotency_key: Option<&str>,
) -> Reply {
    let mut jitter = Rng::new(shared.journal.requests() as u64 ^ path.len() as u64 ^ jitter_seed());
    let mut failed_tries = 0;
    loop {
        let reply = send(shared, route, method.clone(), path, auth, body, idempotency_key).await;
        let not_now = match reply.status {
            None | Some(503) => true,
            Some(409) => reply.code() == "request_in_progress",
            _ => false,
        };
        if !not_now || !shared.may_retry() {
            return reply;
        }
        failed_tries += 1;
        tokio::time::sleep(retry_wait(reply.retry_after, failed_tries, &mut jitter)).await;
    }
}

/// The first retry waits `Retry-After` (1 s if none); each later one doubles the ceiling, up to
/// 16 s, and waits a uniform time between `Retry-After` and that ceiling ("full jitter"), so the
/// requests an outage cut spread out instead of returning together.
pub fn retry_wait(retry_after: Option<u64>, failed_tries: u32, jitter: &mut Rng) -> Duration {
    let floor = Duration::from_secs(retry_after.unwrap_or(1).clamp(1, 10));
    let ceiling = (floor * 2u32.saturating_pow(failed_tries.saturating_sub(1))).min(Duration::from_secs(16)).max(floor);
    jitter.between((floor, ceiling))
}

fn jitter_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos() as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_retry_after_first_then_spread_over_a_doubling_ceiling() {
        let mut rng = Rng::new(7);
        assert_eq!(retry_wait(Some(1), 1, &mut rng), Duration::from_secs(1));
        assert_eq!(retry_wait(Some(3), 1, &mut rng), Duration::from_secs(3));
        for tries in 2..12 {
            let ceiling = Duration::from_secs(2u64.pow(tries - 1).min(16));
            let waits: Vec<Duration> = (0..200).map(|_| retry_wait(None, tries, &mut rng)).collect();
            assert!(waits.iter().all(|w| *w >= Duration::from_secs(1) && *w <= ceiling), "try {tries}: {waits:?}");
            assert!(waits.iter().any(|w| *w > ceiling / 2), "try {tries}: the waits use the upper half too");
        }
        // A long Retry-After is always honoured, and the cap still bounds the wait.
        let wait = retry_wait(Some(10), 9, &mut rng);
        assert!(wait >= Duration::from_secs(10) && wait <= Duration::from_secs(16), "{wait:?}");
    }
}
