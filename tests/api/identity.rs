//! Identity over HTTP with real signed tokens from the local issuer: the authorizer's 401s, the
//! ownership rules (403 and nothing changed), attribution, review by someone else, and scoped
//! service keys.

use crate::helpers::{escalate, fresh_app, identity, repo_root, spawn_app, spawn_with, token, TestApp, API_KEY};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use workbench::auth::ApiKeys;
use workbench::business;
use workbench::config::Config;
use workbench::App;
use workbench_local::identity::{LOCAL_CLIENT_ID, LOCAL_ISSUER};

const AGENT: &[&str] = &["agent"];

fn path(session_id: &str, action: &str) -> String {
    format!("/api/v1/agent/sessions/{session_id}/{action}")
}

/// A session of `user_id` accepted by `agent_id` with their own token.
async fn held_by(t: &TestApp, agent_id: &str, user_id: &str) -> String {
    let session_id = escalate(&t.app, "high", user_id).await;
    let accepted = t.post_as(&token(agent_id, AGENT), &path(&session_id, "accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    session_id
}

#[tokio::test]
async fn accept_assigns_the_token_holder_and_refuses_a_body_naming_someone_else() {
    let t = spawn_app().await;
    let first = escalate(&t.app, "high", "u_1").await;
    let refused = t.post_as(&token("agent-001", AGENT), &path(&first, "accept"), json!({"agent_id": "agent-002"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["error"], "forbidden");
    assert_eq!(t.stored(&first).await.agent_status.as_str(), "pending", "a refused accept changes nothing");

    let accepted = t.post_as(&token("agent-001", AGENT), &path(&first, "accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK);
    assert_eq!(accepted.body["assigned_agent_id"], "agent-001");
    let stored = t.stored(&first).await;
    assert_eq!(stored.assigned_agent_name.as_deref(), Some("agent-001 (test)"));
}

#[tokio::test]
async fn another_agent_can_neither_write_nor_resolve_nor_assist_on_my_session() {
    let t = spawn_app().await;
    business::seed(&t.app.store, repo_root().join("infra/seed/business/dataset.json")).await.unwrap();
    let session_id = held_by(&t, "agent-001", "u_10086").await;
    let a = token("agent-001", AGENT);
    let b = token("agent-002", AGENT);

    // A asks for a write that needs confirmation; B then tries every assignee-only route.
    let proposal = t.post_as(&a, &path(&session_id, "business-assist"), json!({"query": "Cancel order ORD-003"})).await;
    assert_eq!(proposal.status, StatusCode::OK, "{}", proposal.body);
    let confirmation = proposal.body["result"]["data"]["confirmation_token"].as_str().map(str::to_string);
    let turns_before = t.stored(&session_id).await.turn_count;

    let attempts = [
        ("messages", json!({"content": "hello from B"})),
        ("resolve", json!({"note": "closing A's session"})),
        ("business-assist", json!({"query": "Check the status of order ORD-001"})),
        ("business-assist", json!({"query": "Cancel order ORD-003", "confirmation_token": confirmation})),
    ];
    for (action, body) in attempts {
        let reply = t.post_as(&b, &path(&session_id, action), body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{action}: {}", reply.body);
        assert_eq!(reply.body["error"], "not_assignee", "{action}");
        assert_eq!(reply.body["assigned_agent_id"], "agent-001", "{action}");
    }
    let after = t.stored(&session_id).await;
    assert_eq!(after.agent_status.as_str(), "assigned");
    assert_eq!(after.turn_count, turns_before, "no message was stored");
    let history = t.app.store.history(&session_id).await.unwrap();
    assert!(history.iter().all(|m| !m.content.contains("from B") && !m.content.contains("cancel")));
    if let Some(order) = t.app.store.client().get_item().table_name(t.app.store.table()).set_key(Some(
        [("pk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("ORDER#ORD-003".into())),
         ("sk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("META".into()))].into(),
    )).send().await.unwrap().item {
        assert_ne!(order.get("status").and_then(|v| v.as_s().ok()).map(String::as_str), Some("cancelled"));
    }

    // A still can.
    let mine = t.post_as(&a, &path(&session_id, "messages"), json!({"content": "I am on it"})).await;
    assert_eq!(mine.status, StatusCode::OK);
}

#[tokio::test]
async fn every_agent_message_carries_its_author() {
    let t = spawn_app().await;
    let session_id = held_by(&t, "agent-001", "u_2").await;
    t.post_as(&token("agent-001", AGENT), &path(&session_id, "messages"), json!({"content": "from a token"})).await;
    // The tutorial's proxy call names no agent: it speaks for the assignee.
    let proxied = t.post(&path(&session_id, "messages"), json!({"content": "from the proxy"})).await;
    assert_eq!(proxied.status, StatusCode::OK, "{}", proxied.body);
    let refused = t.post(&path(&session_id, "messages"), json!({"content": "x", "agent_id": "agent-002"})).await;
    assert_eq!(refused.body["error"], "not_assignee");

    let details = t.get_as(&token("agent-002", AGENT), &format!("/api/v1/agent/sessions/{session_id}")).await;
    let agent_turns: Vec<&Value> =
        details.body["history"].as_array().unwrap().iter().filter(|m| m["author"] == "agent").collect();
    assert_eq!(agent_turns.len(), 2);
    for turn in agent_turns {
        assert_eq!(turn["agent_id"], "agent-001", "{turn}");
        assert_eq!(turn["agent_name"], "agent-001 (test)", "{turn}");
    }
}

#[tokio::test]
async fn nobody_approves_their_own_solution_and_the_reviewer_is_recorded() {
    let t = spawn_app().await;
    let author = token("reviewer-001", &["agent", "reviewer"]);
    let session_id = held_by(&t, "reviewer-001", "u_3").await;
    t.post_as(&author, &path(&session_id, "resolve"), json!({})).await;
    let solution = t
        .post_as(&author, &path(&session_id, "solution"), json!({"question": "Can I pay by invoice?", "solution": "Yes, for business accounts."}))
        .await;
    assert_eq!(solution.status, StatusCode::OK, "{}", solution.body);
    let id = solution.body["solution_id"].as_str().unwrap().to_string();

    let own = t.post_as(&author, &format!("/api/v1/escalation/solutions/{id}/approve"), json!({})).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert_eq!(own.body["error"], "own_solution");
    let own_reject = t.post_as(&author, &format!("/api/v1/escalation/solutions/{id}/reject"), json!({"reason": "x"})).await;
    assert_eq!(own_reject.body["error"], "own_solution");
    assert_eq!(t.app.store.get_solution(&id).await.unwrap().unwrap().status.as_str(), "pending");

    let plain_agent = t.post_as(&token("agent-002", AGENT), &format!("/api/v1/escalation/solutions/{id}/approve"), json!({})).await;
    assert_eq!(plain_agent.status, StatusCode::FORBIDDEN, "approving needs the reviewer role");

    let other = token("reviewer-002", &["reviewer"]);
    let approved = t.post_as(&other, &format!("/api/v1/escalation/solutions/{id}/approve"), json!({})).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.body["reviewed_by"], "reviewer-002");
    assert_eq!(approved.body["agent_id"], "reviewer-001");
    let stored = t.app.store.get_solution(&id).await.unwrap().unwrap();
    assert_eq!(stored.reviewed_by.as_deref(), Some("reviewer-002"));
    let faq = t
        .app
        .store
        .client()
        .get_item()
        .table_name(t.app.store.table())
        .set_key(Some(
            [("pk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("KB".into())),
             ("sk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S(format!("FAQ#faq-{id}")))]
            .into(),
        ))
        .send()
        .await
        .unwrap()
        .item;
    if let Some(faq) = faq {
        assert_eq!(faq.get("reviewed_by").and_then(|v| v.as_s().ok()).map(String::as_str), Some("reviewer-002"));
    } else {
        let faqs = t.get_as(&token("lead-001", &["supervisor"]), "/api/v1/knowledge/faqs").await;
        panic!("the approved FAQ is stored under another key: {}", faqs.body);
    }
}

#[tokio::test]
async fn tokens_the_authorizer_must_refuse_are_401s_that_say_why() {
    let t = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    let base = json!({"sub": "agent-001", "cognito:groups": ["agent"], "iss": LOCAL_ISSUER,
                      "client_id": LOCAL_CLIENT_ID, "iat": now, "nbf": now, "exp": now + 600});
    let signed = |patch: Value| {
        let mut claims = base.clone();
        claims.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
        identity().sign(&claims).unwrap()
    };
    let forged = {
        let good = signed(json!({}));
        let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
        let mut signature = parts[2].clone().into_bytes();
        signature[10] = if signature[10] == b'A' { b'B' } else { b'A' };
        parts[2] = String::from_utf8(signature).unwrap();
        parts.join(".")
    };
    let unsigned = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.", b64.encode(br#"{"alg":"none","typ":"JWT"}"#), b64.encode(base.to_string()))
    };
    let cases = [
        ("expired", signed(json!({"exp": now - 5})), "expired_token"),
        ("forged signature", forged, "invalid_token"),
        ("wrong issuer", signed(json!({"iss": "https://cognito-idp.example.com/other"})), "invalid_token"),
        ("wrong audience", signed(json!({"client_id": "another-app"})), "invalid_token"),
        ("not yet valid", signed(json!({"nbf": now + 600})), "invalid_token"),
        ("alg none", unsigned, "malformed_token"),
        ("garbage", "abc.def".to_string(), "malformed_token"),
    ];
    let session_id = escalate(&t.app, "high", "u_4").await;
    for (label, bad, reason) in cases {
        let reply = t.post_as(&bad, &path(&session_id, "accept"), json!({})).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{label}: {}", reply.body);
        assert_eq!(reply.body["error"], "unauthorized", "{label}");
        assert_eq!(reply.body["reason"], reason, "{label}");
        assert!(reply.headers.contains_key("www-authenticate"), "{label}");
    }
    assert_eq!(t.stored(&session_id).await.agent_status.as_str(), "pending", "no refused token changed anything");

    let bare = t.call(Method::GET, "/api/v1/agent/sessions/pending", None, None).await;
    assert_eq!((bare.status, bare.body["reason"].as_str()), (StatusCode::UNAUTHORIZED, Some("missing_credential")));
    let wrong_key = t.call(Method::GET, "/api/v1/agent/sessions/pending", None, Some("not-the-key")).await;
    assert_eq!(wrong_key.body["reason"], "invalid_api_key");
}

#[tokio::test]
async fn me_names_the_signed_in_agent_and_a_service_key_is_not_one() {
    let t = spawn_app().await;
    let me = t.get_as(&token("lead-001", &["agent", "supervisor"]), "/api/v1/agent/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body, json!({"agent_id": "lead-001", "name": "lead-001 (test)", "roles": ["agent", "supervisor"]}));
    let as_key = t.get("/api/v1/agent/me").await;
    assert_eq!((as_key.status, as_key.body["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
}

#[tokio::test]
async fn an_agent_token_cannot_chat_as_a_customer() {
    let t = spawn_app().await;
    let body = json!({"user_id": "u_5", "message": "hello"});
    let as_agent = t.post_as(&token("agent-001", &["agent", "supervisor", "reviewer"]), "/api/v1/chat", body.clone()).await;
    assert_eq!(as_agent.status, StatusCode::FORBIDDEN, "the chat route reads service keys only: {}", as_agent.body);
    assert_eq!(as_agent.body["error"], "forbidden", "a valid credential, the wrong kind: not a 401");
    let as_key = t.post("/api/v1/chat", body).await;
    assert_eq!(as_key.status, StatusCode::OK);
}

#[tokio::test]
async fn service_keys_do_what_their_scopes_allow_and_nothing_more() {
    let keys = ApiKeys::parse_secret(
        r#"{"keys": [{"id": "bot", "key": "k-bot", "scopes": ["chat"]},
                     {"id": "ops", "key": "k-ops", "scopes": ["admin"]},
                     {"id": "desk", "key": "k-desk", "scopes": ["agent-proxy"]}]}"#,
    )
    .unwrap();
    let base = fresh_app().await;
    let app = App::new(base.store.clone(), Config::new(base.store.table(), keys));
    let t = spawn_with(app).await;
    let pending = "/api/v1/agent/sessions/pending";
    let call = |key: &'static str, method: Method, p: &'static str, body: Option<&'static str>| {
        let t = &t;
        async move { t.call(method, p, body, Some(key)).await.status }
    };
    assert_eq!(call("k-bot", Method::GET, pending, None).await, StatusCode::FORBIDDEN);
    assert_eq!(call("k-ops", Method::GET, pending, None).await, StatusCode::FORBIDDEN);
    assert_eq!(call("k-desk", Method::GET, pending, None).await, StatusCode::OK);
    assert_eq!(call("k-bot", Method::POST, "/api/v1/chat", Some(r#"{"user_id":"u_6","message":"hi"}"#)).await, StatusCode::OK);
    assert_eq!(call("k-desk", Method::POST, "/api/v1/chat", Some(r#"{"user_id":"u_6","message":"hi"}"#)).await, StatusCode::FORBIDDEN);
    assert_eq!(call("k-ops", Method::POST, "/api/v1/performance/cache/invalidate", Some("{}")).await, StatusCode::OK);
    assert_eq!(call("k-desk", Method::POST, "/api/v1/performance/cache/invalidate", Some("{}")).await, StatusCode::FORBIDDEN);
    assert_eq!(call("k-desk", Method::GET, "/api/v1/escalation/solutions", None).await, StatusCode::FORBIDDEN);
    assert_eq!(call("k-ops", Method::GET, "/api/v1/escalation/solutions", None).await, StatusCode::OK);
    let _ = API_KEY;
}
