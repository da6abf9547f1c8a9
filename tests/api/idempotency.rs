//! `Idempotency-Key`: a retried POST replays the first answer and does nothing again.

use crate::helpers::{escalate, spawn_app, token, TestApp, API_KEY};
use reqwest::StatusCode;
use serde_json::{json, Value};
use workbench::idempotency::{IN_PROGRESS_SECONDS, RECORD_SECONDS};
use workbench::domain::EventKind;

async fn post_with_key(t: &TestApp, path: &str, key: &str, body: Value) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let res = t
        .http
        .post(format!("{}{}", t.address, path))
        .header("x-api-key", API_KEY)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_retried_chat_turn_adds_no_second_message_and_gets_the_same_answer() {
    let t = spawn_app().await;
    let body = json!({"user_id": "u_idem", "message": "What is the return window?"});
    let (first_status, first_headers, first) = post_with_key(&t, "/api/v1/chat", "turn-1", body.clone()).await;
    assert_eq!(first_status, StatusCode::OK, "{first}");
    assert!(!first_headers.contains_key("idempotent-replayed"));
    let session_id = first["session_id"].as_str().unwrap().to_string();
    let turns = t.stored(&session_id).await.turn_count;

    let (again_status, again_headers, again) = post_with_key(&t, "/api/v1/chat", "turn-1", body).await;
    assert_eq!(again_status, first_status);
    assert_eq!(again, first, "the replay is the first answer, byte for byte");
    assert_eq!(again_headers["idempotent-replayed"], "true");
    assert_eq!(t.stored(&session_id).await.turn_count, turns, "no second message");
    assert_eq!(t.app.store.history(&session_id).await.unwrap().len() as u32, turns);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let t = spawn_app().await;
    let (status, _, _) = post_with_key(&t, "/api/v1/chat", "k", json!({"user_id": "u_a", "message": "hi"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = post_with_key(&t, "/api/v1/chat", "k", json!({"user_id": "u_a", "message": "bye"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "idempotency_key_reused");
}

#[tokio::test]
async fn a_duplicate_while_the_first_runs_is_told_to_wait() {
    let t = spawn_app().await;
    let path = "/api/v1/chat";
    let body = json!({"user_id": "u_b", "message": "hello"});
    // The first request's claim, as it stands while its handler runs.
    let caller = workbench::auth::principal_of(
        &t.app.config.api_keys,
        &lambda_http::http::Request::builder().header("x-api-key", API_KEY).body(lambda_http::Body::Empty).unwrap(),
    )
    .unwrap();
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("idempotency-key", "slow")
        .body(lambda_http::Body::Text(body.to_string()))
        .unwrap();
    let (request, route) = as_routed(request);
    let claim = workbench::idempotency::requested(&request, &caller, route).unwrap().unwrap();
    let now = chrono::Utc::now();
    t.app
        .store
        .claim_idempotency(&claim.record_id, &claim.fingerprint, "first-run", now, IN_PROGRESS_SECONDS, RECORD_SECONDS)
        .await
        .unwrap();
    let (status, _, reply) = post_with_key(&t, path, "slow", body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{reply}");
    assert_eq!(reply["error"], "request_in_progress");
}

#[tokio::test]
async fn concurrent_retries_of_a_solution_make_one_candidate() {
    let t = spawn_app().await;
    let session_id = escalate(&t.app, "high", "u_c").await;
    let agent = token("agent-001", &["agent"]);
    t.post_as(&agent, &format!("/api/v1/agent/sessions/{session_id}/accept"), json!({})).await;
    t.post_as(&agent, &format!("/api/v1/agent/sessions/{session_id}/resolve"), json!({})).await;
    let path = format!("/api/v1/agent/sessions/{session_id}/solution");
    let body = json!({"question": "How do I reset my password?", "solution": "Use the link on the sign-in page."});
    let send = || {
        let req = t.http.post(format!("{}{}", t.address, path)).bearer_auth(&agent).header("idempotency-key", "sol-1").json(&body);
        async move {
            let res = req.send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }
    };
    let replies = futures::future::join_all((0..6).map(|_| send())).await;
    let created: Vec<&Value> = replies.iter().filter(|(s, _)| *s == StatusCode::OK).map(|(_, b)| b).collect();
    for (status, reply) in &replies {
        assert!(
            *status == StatusCode::OK || (*status == StatusCode::CONFLICT && reply["error"] == "request_in_progress"),
            "{status}: {reply}"
        );
    }
    assert!(!created.is_empty());
    let ids: std::collections::BTreeSet<&str> = created.iter().map(|b| b["solution_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1, "every success is the same candidate: {ids:?}");
    let pending = t.app.store.list_solutions(workbench::domain::ReviewStatus::Pending, 50, None).await.unwrap();
    assert_eq!(pending.solutions.iter().filter(|s| s.session_id == session_id).count(), 1);
}

/// The record agent-001's request with this key and body claims.
fn record_of(path: &str, key: &str, body: &Value) -> workbench::idempotency::IdempotentRequest {
    let caller = workbench::auth::Principal::Agent(workbench::auth::AgentPrincipal {
        agent_id: "agent-001".into(),
        name: "agent-001 (test)".into(),
        roles: vec![workbench::auth::Role::Agent],
    });
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("idempotency-key", key)
        .body(lambda_http::Body::Text(body.to_string()))
        .unwrap();
    let (request, route) = as_routed(request);
    workbench::idempotency::requested(&request, &caller, route).unwrap().unwrap()
}

/// The request as the server hands it to a handler: with the route it matched and its path
/// parameters, which is what an idempotency record is keyed on.
fn as_routed(request: lambda_http::Request) -> (lambda_http::Request, &'static str) {
    use lambda_http::RequestExt;
    let functions = workbench_local::template::load(&crate::helpers::repo_root().join("template.yaml")).unwrap();
    let router = workbench_local::router::Router::from_routes(&functions.routes).unwrap();
    match router.find(request.method().as_str(), request.uri().path()) {
        workbench_local::router::Match::Found { endpoint, path_parameters, .. } => {
            (request.with_path_parameters(path_parameters), endpoint.binary())
        }
        other => panic!("{} is not a route: {other:?}", request.uri().path()),
    }
}

fn agent_message(content: &str) -> workbench::domain::Message {
    workbench::domain::Message {
        message_id: format!("msg-{}", uuid::Uuid::new_v4().simple()),
        role: workbench::domain::Role::Assistant,
        author: workbench::domain::Author::Agent,
        content: content.into(),
        timestamp: chrono::Utc::now(),
        agent_id: Some("agent-001".into()),
        agent_name: Some("agent-001 (test)".into()),
    }
}

#[tokio::test]
async fn a_keyed_write_applied_after_its_answer_was_lost_is_replayed_on_retry_not_repeated() {
    let t = spawn_app().await;
    let session_id = escalate(&t.app, "high", "u_lost").await;
    let agent = token("agent-001", &["agent"]);
    t.post_as(&agent, &format!("/api/v1/agent/sessions/{session_id}/accept"), json!({})).await;
    let path = format!("/api/v1/agent/sessions/{session_id}/messages");
    let body = json!({"content": "Your parcel left the warehouse today."});
    let record = record_of(&path, "lost-answer", &body);
    // The first try: claimed, and its write reached the store, but the answer never reached the
    // caller (a store paused mid-request applies the write when it resumes).
    let now = chrono::Utc::now();
    t.app
        .store
        .claim_idempotency(&record.record_id, &record.fingerprint, "first-try", now, IN_PROGRESS_SECONDS, RECORD_SECONDS)
        .await
        .unwrap();
    let message = agent_message("Your parcel left the warehouse today.");
    let answer = json!({"message_id": message.message_id, "timestamp": message.timestamp, "role": "assistant"}).to_string();
    let completion = workbench::store::RecordCompletion {
        record_id: record.record_id.clone(),
        run: "first-try".into(),
        status: 200,
        body: answer.clone(),
    };
    t.app.store.append_agent_message(&session_id, &message, Some("agent-001"), EventKind::AgentMessage, "agent-001", now, Some(&completion)).await.unwrap();

    // The retry with the same key gets the first try's answer and writes nothing.
    let reply = t
        .http
        .post(format!("{}{}", t.address, path))
        .bearer_auth(&agent)
        .header("idempotency-key", "lost-answer")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()["idempotent-replayed"], "true");
    assert_eq!(reply.text().await.unwrap(), answer);
    let history = t.app.store.history(&session_id).await.unwrap();
    assert_eq!(history.iter().filter(|m| m.content == "Your parcel left the warehouse today.").count(), 1);
}

#[tokio::test]
async fn a_write_whose_claim_lapsed_and_was_taken_over_is_refused_whole() {
    let t = spawn_app().await;
    let session_id = escalate(&t.app, "high", "u_lapse").await;
    let agent = token("agent-001", &["agent"]);
    t.post_as(&agent, &format!("/api/v1/agent/sessions/{session_id}/accept"), json!({})).await;
    let path = format!("/api/v1/agent/sessions/{session_id}/messages");
    let record = record_of(&path, "slow-one", &json!({"content": "late"}));
    let store = &t.app.store;
    let then = chrono::Utc::now() - chrono::Duration::seconds(IN_PROGRESS_SECONDS + 5);
    store.claim_idempotency(&record.record_id, &record.fingerprint, "stalled", then, IN_PROGRESS_SECONDS, RECORD_SECONDS).await.unwrap();
    // The claim lapsed; a retry takes it over.
    let now = chrono::Utc::now();
    let claim = store.claim_idempotency(&record.record_id, &record.fingerprint, "retry", now, IN_PROGRESS_SECONDS, RECORD_SECONDS);
    assert_eq!(claim.await.unwrap(), workbench::store::IdempotencyClaim::Claimed);
    // The stalled run's write arrives now: refused, message and counter untouched.
    let before = t.stored(&session_id).await.turn_count;
    let completion =
        workbench::store::RecordCompletion { record_id: record.record_id, run: "stalled".into(), status: 200, body: "{}".into() };
    let late = store.append_agent_message(&session_id, &agent_message("late"), Some("agent-001"), EventKind::AgentMessage, "agent-001", now, Some(&completion)).await;
    assert!(matches!(late, Err(workbench::error::StoreError::Conflict(_))), "{late:?}");
    assert_eq!(t.stored(&session_id).await.turn_count, before);
    assert!(store.history(&session_id).await.unwrap().iter().all(|m| m.content != "late"));
}

#[tokio::test]
async fn a_claim_whose_first_attempt_was_applied_late_is_still_ours_on_the_sdk_retry_and_no_one_elses() {
    // The SDK's first attempt of the claim reached the store but its answer came after the attempt
    // timeout, so the SDK sent the same Put again: the record already holds this very run.
    let t = spawn_app().await;
    let record = record_of("/api/v1/chat", "slow-attempt", &json!({"user_id": "u_retry", "message": "hi"}));
    let store = &t.app.store;
    let now = chrono::Utc::now();
    let first = store.claim_idempotency(&record.record_id, &record.fingerprint, "run-a", now, IN_PROGRESS_SECONDS, RECORD_SECONDS);
    assert_eq!(first.await.unwrap(), workbench::store::IdempotencyClaim::Claimed);
    let retried = store.claim_idempotency(&record.record_id, &record.fingerprint, "run-a", now, IN_PROGRESS_SECONDS, RECORD_SECONDS);
    assert_eq!(retried.await.unwrap(), workbench::store::IdempotencyClaim::Claimed, "the retried attempt keeps its own claim");
    // Another request with the same key is still told to wait.
    let duplicate = store.claim_idempotency(&record.record_id, &record.fingerprint, "run-b", now, IN_PROGRESS_SECONDS, RECORD_SECONDS);
    assert!(
        matches!(duplicate.await.unwrap(), workbench::store::IdempotencyClaim::Existing { response: None, .. }),
        "a concurrent duplicate must not run"
    );
    // Once the run completed, the same run id no longer counts as a claim: the answer is replayed.
    store.complete_idempotency(&record.record_id, "run-a", 200, "{}").await.unwrap();
    let after = store.claim_idempotency(&record.record_id, &record.fingerprint, "run-a", now, IN_PROGRESS_SECONDS, RECORD_SECONDS);
    assert!(matches!(after.await.unwrap(), workbench::store::IdempotencyClaim::Existing { response: Some(_), .. }));
}
