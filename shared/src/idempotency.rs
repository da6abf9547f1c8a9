//! `Idempotency-Key` on POST requests, with the semantics of AWS Lambda Powertools' idempotency
//! utility: the same key with the same body within 24 hours replays the first response (status
//! and body) without doing anything again; the same key with another body is a 422
//! `idempotency_key_reused`; a duplicate that arrives while the first is still running is a 409
//! `request_in_progress`.
//!
//! A record is claimed by one conditional Put before the handler runs (so two concurrent
//! duplicates can never both run) and completed with the response after it. A key is scoped to
//! the caller and the route, so nobody can replay another caller's response by guessing a key.
//!
//! Exactly once even when an answer is lost: a handler whose effect is one transaction (a chat
//! turn, an agent message, a solution) stores its response in that same transaction
//! ([`Answer`]), conditioned on still holding the claim. A write applied after its caller saw a
//! timeout (a paused store) therefore completes the record too, and the retry replays it; a write
//! refused or never applied leaves the claim to be released or to lapse, and the retry runs anew.

use crate::auth::Principal;
use crate::error::{ApiError, StoreError};
use crate::store::{IdempotencyClaim, RecordCompletion, Store};
use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// The header set on a replayed response.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// How long a completed response is replayed.
pub const RECORD_SECONDS: i64 = 24 * 3600;
/// How long a claim holds while its request runs; after that a crashed request no longer
/// blocks retries. Longer than any route may run (a Lambda's timeout is 10 s); a write of a run
/// that lapsed is refused by its claim condition, so a retry after the lapse cannot double it.
pub const IN_PROGRESS_SECONDS: i64 = 15;
const MAX_KEY_CHARS: usize = 255;

/// A key the caller sent, validated, with the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentRequest {
    /// The record's id: the caller, the route and the key, hashed.
    pub record_id: String,
    /// Method, path and body, hashed: what "the same request" means.
    pub fingerprint: String,
}

/// The claim a keyed request holds while its handler runs.
#[derive(Debug)]
pub struct Held {
    pub request: IdempotentRequest,
    /// Which claim of this record is ours (a lapsed claim may be taken over by a retry).
    pub run: String,
    /// The handler's own write stored the response already: no separate completion.
    completed_in_write: AtomicBool,
}

tokio::task_local! {
    static HELD: Arc<Held>;
}

/// Run `handler` holding the claim, so its write can complete the record ([`Answer`]).
pub async fn holding<F: std::future::Future>(held: Arc<Held>, handler: F) -> F::Output {
    HELD.scope(held, handler).await
}

/// A handler's 200 answer, serialized before its write so the write can store it.
pub struct Answer {
    body: String,
    completion: Option<RecordCompletion>,
}

impl Answer {
    pub fn ok<T: Serialize + ?Sized>(value: &T) -> Result<Self, ApiError> {
        let body = serde_json::to_string(value).map_err(|e| ApiError::Internal(Box::new(e)))?;
        let completion = HELD
            .try_with(|held| RecordCompletion {
                record_id: held.request.record_id.clone(),
                run: held.run.clone(),
                status: 200,
                body: body.clone(),
            })
            .ok();
        Ok(Answer { body, completion })
    }

    /// What the write should store with itself: `None` for a request without a key.
    pub fn completion(&self) -> Option<&RecordCompletion> {
        self.completion.as_ref()
    }

    /// The answer's JSON, for a channel that is not an HTTP response (the customer socket).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The response, once the write that carried it succeeded.
    pub fn respond(self) -> Result<Response<Body>, ApiError> {
        if self.completion.is_some() {
            let _ = HELD.try_with(|held| held.completed_in_write.store(true, Ordering::Relaxed));
        }
        Ok(crate::http::raw_json_response(200, self.body))
    }
}

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Decision {
    /// First time: run it inside [`holding`], then call [`complete`].
    Run(Arc<Held>),
    /// Seen and finished: answer this again.
    Replay(Response<Body>),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of a POST request, if it has one; a malformed key is a 400. `route` names the route
/// the request matched (its endpoint), so the record is the route's and its decoded parameters',
/// not the raw path's: `…/messages/`, `…/messages` and a percent-encoded session id are one
/// request, never three.
pub fn requested(req: &Request, caller: &Principal, route: &str) -> Result<Option<IdempotentRequest>, ApiError> {
    if req.method() != lambda_http::http::Method::POST {
        return Ok(None);
    }
    let Some(raw) = req.headers().get(IDEMPOTENCY_HEADER) else { return Ok(None) };
    let key = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_CHARS && k.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid_field(format!("`Idempotency-Key` must be 1-{MAX_KEY_CHARS} visible ASCII characters"))
        })?;
    let target = canonical_target(req, route);
    let record_id = hex(&Sha256::digest(format!("{}\n{}\n{}", caller.log_name(), target, key).as_bytes()));
    let mut body_hash = Sha256::new();
    body_hash.update(req.method().as_str().as_bytes());
    body_hash.update(b"\n");
    body_hash.update(target.as_bytes());
    body_hash.update(b"\n");
    body_hash.update(crate::http::body_bytes(req));
    Ok(Some(IdempotentRequest { record_id, fingerprint: hex(&body_hash.finalize()) }))
}

/// The route and its path parameters, percent-decoded and in name order: what identifies the
/// resource a keyed request acts on, however the client spelled the path.
fn canonical_target(req: &Request, route: &str) -> String {
    use lambda_http::RequestExt;
    let parameters = req.path_parameters_ref();
    let mut pairs: Vec<(&str, String)> = parameters
        .map(|p| {
            p.iter()
                .map(|(name, value)| (name, percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    let mut target = route.to_string();
    for (name, value) in pairs {
        target.push_str(&format!("\n{name}={value}"));
    }
    target
}

/// Claim the record, or learn what happened to the first request with this key.
pub async fn begin(store: &Store, request: IdempotentRequest, now: DateTime<Utc>) -> Result<Decision, ApiError> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let claim = store.claim_idempotency(&request.record_id, &request.fingerprint, &run, now, IN_PROGRESS_SECONDS, RECORD_SECONDS);
    match claim.await? {
        IdempotencyClaim::Claimed => Ok(Decision::Run(Arc::new(Held { request, run, completed_in_write: AtomicBool::new(false) }))),
        IdempotencyClaim::Existing { fingerprint, .. } if fingerprint != request.fingerprint => {
            Err(ApiError::Unprocessable {
                code: "idempotency_key_reused",
                message: "this Idempotency-Key was used with another request; use a new key for a new request".into(),
            })
        }
        IdempotencyClaim::Existing { response: None, .. } => Err(ApiError::Conflict {
            code: "request_in_progress",
            message: "a request with this Idempotency-Key is still running; retry in a moment".into(),
        }),
        IdempotencyClaim::Existing { response: Some((status, body)), .. } => {
            let mut response = crate::http::raw_json_response(status, body);
            response.headers_mut().insert(REPLAYED_HEADER, lambda_http::http::HeaderValue::from_static("true"));
            Ok(Decision::Replay(response))
        }
    }
}

/// Keep the response for replays (unless the handler's write kept it already). A server error
/// is not kept: the claim is released so a retry runs again; if the store cannot be reached to
/// release it, it lapses after [`IN_PROGRESS_SECONDS`].
pub async fn complete(store: &Store, held: &Held, response: &Response<Body>) -> Result<(), StoreError> {
    let status = response.status().as_u16();
    let request = &held.request;
    if status >= 500 {
        return store.release_idempotency(&request.record_id, &held.run).await;
    }
    if held.completed_in_write.load(Ordering::Relaxed) {
        return Ok(());
    }
    let body = match response.body() {
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    store.complete_idempotency(&request.record_id, &held.run, status, &body).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AgentPrincipal, Role};
    use lambda_http::http::Method;

    fn caller(id: &str) -> Principal {
        Principal::Agent(AgentPrincipal { agent_id: id.into(), name: id.into(), roles: vec![Role::Agent] })
    }

    fn post(path: &str, key: Option<&str>, body: &str) -> Request {
        let mut builder = lambda_http::http::Request::builder().method(Method::POST).uri(path);
        if let Some(key) = key {
            builder = builder.header(IDEMPOTENCY_HEADER, key);
        }
        builder.body(Body::Text(body.into())).unwrap()
    }

    #[test]
    fn the_same_key_and_body_is_the_same_request_and_another_body_is_not() {
        let a = requested(&post("/api/v1/chat", Some("k1"), r#"{"m":1}"#), &caller("a"), "/api/v1/chat").unwrap().unwrap();
        let again = requested(&post("/api/v1/chat", Some("k1"), r#"{"m":1}"#), &caller("a"), "/api/v1/chat").unwrap().unwrap();
        let other_body = requested(&post("/api/v1/chat", Some("k1"), r#"{"m":2}"#), &caller("a"), "/api/v1/chat").unwrap().unwrap();
        assert_eq!(a, again);
        assert_eq!(a.record_id, other_body.record_id);
        assert_ne!(a.fingerprint, other_body.fingerprint);
    }

    #[test]
    fn keys_are_scoped_to_the_caller_and_the_route() {
        let mine = requested(&post("/x", Some("k"), "{}"), &caller("a"), "/x").unwrap().unwrap();
        let theirs = requested(&post("/x", Some("k"), "{}"), &caller("b"), "/x").unwrap().unwrap();
        let elsewhere = requested(&post("/y", Some("k"), "{}"), &caller("a"), "/y").unwrap().unwrap();
        assert_ne!(mine.record_id, theirs.record_id);
        assert_ne!(mine.record_id, elsewhere.record_id);
    }

    #[test]
    fn the_record_is_the_routes_and_its_decoded_parameters_not_the_raw_paths() {
        use lambda_http::RequestExt;
        let keyed = |path: &str, session: &str| {
            let params: std::collections::HashMap<String, String> = [("session_id".to_string(), session.to_string())].into();
            post(path, Some("k"), "{}").with_path_parameters(params)
        };
        let plain = requested(&keyed("/api/v1/agent/sessions/s-1/messages", "s-1"), &caller("a"), "send-message").unwrap().unwrap();
        for (path, session) in [
            ("/api/v1/agent/sessions/s-1/messages/", "s-1"),
            ("/api/v1/agent/sessions/s%2D1/messages", "s%2D1"),
            ("/api/v1/agent/sessions/s%2d1/messages", "s%2d1"),
        ] {
            let same = requested(&keyed(path, session), &caller("a"), "send-message").unwrap().unwrap();
            assert_eq!(same, plain, "{path}");
        }
        let other = requested(&keyed("/api/v1/agent/sessions/s-2/messages", "s-2"), &caller("a"), "send-message").unwrap().unwrap();
        assert_ne!(other.record_id, plain.record_id);
    }

    #[test]
    fn no_key_or_not_a_post_means_no_idempotency_and_a_bad_key_is_a_400() {
        assert_eq!(requested(&post("/x", None, "{}"), &caller("a"), "/x").unwrap(), None);
        let get = lambda_http::http::Request::builder()
            .method(Method::GET)
            .header(IDEMPOTENCY_HEADER, "k")
            .body(Body::Empty)
            .unwrap();
        assert_eq!(requested(&get, &caller("a"), "/x").unwrap(), None);
        for bad in ["", "   ", "has space", &"k".repeat(256)] {
            let err = requested(&post("/x", Some(bad), "{}"), &caller("a"), "/x").unwrap_err();
            assert_eq!(err.code(), "invalid_field", "{bad:?}");
        }
    }
}
