//! The simulated users' HTTP client: one request, timed and journaled; and the retry rule the
//! README gives clients (after a 503 wait `Retry-After` and send the same request again with the
//! same `Idempotency-Key`; after a 409 `request_in_progress` wait a moment and do the same).

use super::journal::Sample;
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
    if reply.status == Some(503) {
        shared.journal.note_outage(route, reply.body["message"].as_str().unwrap_or(""));
    }
    reply
}

/// A request sent until it gets an answer other than "not now": a 503, a 409
/// `request_in_progress` (both after `Retry-After`) or no answer at all, for as long as the run
/// allows retries. The last reply is returned.
pub async fn send_until_answered(
    shared: &Shared,
    route: &'static str,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<&Value>,
    idempotency_key: Option<&str>,
) -> Reply {
    loop {
        let reply = send(shared, route, method.clone(), path, auth, body, idempotency_key).await;
        let wait = match reply.status {
            None => Duration::from_secs(1),
            Some(503) => Duration::from_secs(reply.retry_after.unwrap_or(1).clamp(1, 10)),
            Some(409) if reply.code() == "request_in_progress" => Duration::from_secs(reply.retry_after.unwrap_or(1).clamp(1, 10)),
            _ => return reply,
        };
        if !shared.may_retry() {
            return reply;
        }
        tokio::time::sleep(wait).await;
    }
}
