//! What an adversarial probe found, each as a test that failed before its fix: a confirmed
//! business write racing a transfer, a key approving its own solution, transfers to no one,
//! idempotency keyed on the raw path, control characters taken for text, reserved principal
//! names, DynamoDB Local on every interface, and the README and the code disagreeing.

use crate::helpers::{enrol, escalate, identity, repo_root, spawn_app, token, TestApp, API_KEY};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use workbench::business::{self, BusinessBackend, DynamoBusinessBackend};

const AGENT: &[&str] = &["agent"];
const LEAD: &[&str] = &["agent", "supervisor"];

fn path(session_id: &str, action: &str) -> String {
    format!("/api/v1/agent/sessions/{session_id}/{action}")
}

async fn roster_app() -> TestApp {
    let t = spawn_app().await;
    enrol(&t, &[("agent-001", AGENT), ("agent-002", AGENT), ("lead-001", LEAD), ("reviewer-only", &["reviewer"])]).await;
    t
}

async fn held_by_ada(t: &TestApp, user_id: &str) -> String {
    let id = escalate(&t.app, "high", user_id).await;
    let accepted = t.post_as(&token("agent-001", AGENT), &path(&id, "accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    id
}

fn history_lines(details: &Value) -> Vec<String> {
    details["history"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap_or_default().to_string()).collect()
}

async fn event_types(t: &TestApp, id: &str) -> Vec<String> {
    let events = t.get(&path(id, "events")).await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.body);
    events.body["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_string()).collect()
}

// ---- 1. a confirmed write and its record are one guarded step ----------------------------------

/// The demo dataset's u_10086 and their orders only: a dozen items rather than the whole set,
/// since these tests seed a table every round.
async fn seed_one_customer(t: &TestApp) {
    let text = std::fs::read_to_string(repo_root().join("infra/seed/business/dataset.json")).unwrap();
    let mut data: business::Dataset = serde_json::from_str(&text).unwrap();
    data.customers.retain(|c| c.user_id == "u_10086");
    data.orders.retain(|o| o.user_id == "u_10086");
    let orders: Vec<String> = data.orders.iter().map(|o| o.order_id.clone()).collect();
    data.shipments.retain(|s| orders.contains(&s.order_id));
    data.refunds.retain(|r| orders.contains(&r.order_id));
    data.invoices.retain(|i| orders.contains(&i.order_id));
    business::seed_dataset(&t.app.store, &data).await.expect("seed one customer");
}

#[tokio::test]
async fn a_confirmed_write_racing_a_transfer_is_recorded_or_refused_never_unrecorded() {
    let (mut recorded, mut refused) = (0, 0);
    let t = roster_app().await;
    seed_one_customer(&t).await;
    for round in 0..8 {
        // A session of its own each round; the order's address changes from round to round.
        let id = held_by_ada(&t, "u_10086").await;
        let ada = token("agent-001", AGENT);
        let query = format!("Change the address of ORD-003 to {round} Jianguo Road, Chaoyang District, Beijing");
        let proposal = t.post_as(&ada, &path(&id, "business-assist"), json!({"query": query})).await;
        let confirmation = proposal.body["result"]["data"]["confirmation_token"].as_str().expect("a token").to_string();
        let before = DynamoBusinessBackend::new(t.app.store.clone()).order("ORD-003").await.unwrap().unwrap();

        let lead = token("lead-001", LEAD);
        let (assist, transfer) = (path(&id, "business-assist"), path(&id, "transfer"));
        let (confirmed, moved) = tokio::join!(
            t.post_as(&ada, &assist, json!({"query": query, "confirmation_token": confirmation})),
            t.post_as(&lead, &transfer, json!({"to_agent_id": "agent-002", "note": "Shift change"}))
        );
        assert_eq!(moved.status, StatusCode::OK, "round {round}: the transfer goes through: {}", moved.body);
        let after = DynamoBusinessBackend::new(t.app.store.clone()).order("ORD-003").await.unwrap().unwrap();
        let details = t.get(&format!("/api/v1/agent/sessions/{id}")).await;
        let lines = history_lines(&details.body);
        let record = lines.iter().find(|l| l.starts_with("change_address by agent-001"));
        let types = event_types(&t, &id).await;
        if confirmed.status == StatusCode::OK && confirmed.body["result"]["error"].is_null() {
            recorded += 1;
            assert_ne!(after.shipping_address, before.shipping_address, "round {round}: the address changed");
            let record = record.unwrap_or_else(|| panic!("round {round}: an executed write is in the thread: {lines:?}"));
            assert!(!record.ends_with("confirmed for ORD-003"), "round {round}: the record carries the outcome: {record}");
            assert!(types.contains(&"business_write_executed".to_string()), "round {round}: {types:?}");
        } else {
            refused += 1;
            assert_eq!(confirmed.status, StatusCode::FORBIDDEN, "round {round}: {}", confirmed.body);
            assert_eq!(confirmed.body["error"], "not_assignee", "round {round}");
            assert_eq!(confirmed.body["assigned_agent_id"], "agent-002", "round {round}");
            assert_eq!(after.shipping_address, before.shipping_address, "round {round}: nothing changed");
            assert!(record.is_none(), "round {round}: a refused write leaves no record: {lines:?}");
            assert!(!types.contains(&"business_write_executed".to_string()), "round {round}: {types:?}");
        }
    }
    assert_eq!(recorded + refused, 8);
}

#[tokio::test]
async fn a_confirmation_after_a_transfer_is_refused_and_changes_nothing() {
    let t = roster_app().await;
    seed_one_customer(&t).await;
    let id = held_by_ada(&t, "u_10086").await;
    let ada = token("agent-001", AGENT);
    let query = "Cancel order ORD-003";
    let proposal = t.post_as(&ada, &path(&id, "business-assist"), json!({"query": query})).await;
    let confirmation = proposal.body["result"]["data"]["confirmation_token"].as_str().unwrap().to_string();
    let moved = t.post_as(&token("lead-001", LEAD), &path(&id, "transfer"), json!({"to_agent_id": "agent-002"})).await;
    assert_eq!(moved.status, StatusCode::OK);
    let late = t.post_as(&ada, &path(&id, "business-assist"), json!({"query": query, "confirmation_token": confirmation})).await;
    assert_eq!((late.status, late.body["error"].as_str()), (StatusCode::FORBIDDEN, Some("not_assignee")));
    let order = DynamoBusinessBackend::new(t.app.store.clone()).order("ORD-003").await.unwrap().unwrap();
    assert_eq!(order.status, "processing", "the order was not cancelled");
}

// ---- 2. four eyes for keys ---------------------------------------------------------------------

#[tokio::test]
async fn a_key_cannot_approve_a_solution_it_submitted_for_an_agent() {
    let t = roster_app().await;
    let id = t.escalate("high").await;
    let accepted = t.post(&path(&id, "accept"), json!({"agent_id": "agent-proxy-x"})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let resolved = t.post(&path(&id, "resolve"), json!({"agent_id": "agent-proxy-x"})).await;
    assert_eq!(resolved.status, StatusCode::OK, "a proxy names its agent on resolve too: {}", resolved.body);
    let submitted = t.post(&path(&id, "solution"), json!({"question": "Where is it?", "solution": "Shipped."})).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    let solution_id = submitted.body["solution_id"].as_str().unwrap().to_string();
    let approve = format!("/api/v1/escalation/solutions/{solution_id}/approve");
    let own = t.post(&approve, json!({})).await;
    assert_eq!((own.status, own.body["error"].as_str()), (StatusCode::FORBIDDEN, Some("own_solution")), "{}", own.body);
    let reject = t.post(&format!("/api/v1/escalation/solutions/{solution_id}/reject"), json!({"reason": "no"})).await;
    assert_eq!(reject.body["error"], "own_solution", "nor reject it");
    let other = t.post_as(&token("rev-001", &["reviewer"]), &approve, json!({})).await;
    assert_eq!(other.status, StatusCode::OK, "another principal may: {}", other.body);
}

// ---- 3. transfers go to agents of the roster -----------------------------------------------------

#[tokio::test]
async fn a_transfer_to_anyone_but_an_agent_of_the_roster_is_unknown_agent_and_changes_nothing() {
    let t = roster_app().await;
    let id = held_by_ada(&t, "u_team").await;
    let lead = token("lead-001", LEAD);
    for target in ["ghost-agent-zz9", "TEAM", "system", "key:local-1", "agent-default", "reviewer-only"] {
        let reply = t.post_as(&lead, &path(&id, "transfer"), json!({"to_agent_id": target})).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{target}: {}", reply.body);
        assert_eq!(reply.body["error"], "unknown_agent", "{target}");
    }
    assert_eq!(t.stored(&id).await.assigned_agent_id.as_deref(), Some("agent-001"), "nothing changed");
    let to_agent = t.post_as(&lead, &path(&id, "transfer"), json!({"to_agent_id": "agent-002"})).await;
    assert_eq!(to_agent.status, StatusCode::OK, "{}", to_agent.body);
}

#[tokio::test]
async fn signing_in_puts_an_agent_on_the_roster() {
    let t = spawn_app().await;
    let id = held_by_ada(&t, "u_team").await;
    let lead = token("lead-001", LEAD);
    let before = t.post_as(&lead, &path(&id, "transfer"), json!({"to_agent_id": "agent-009"})).await;
    assert_eq!(before.body["error"], "unknown_agent");
    let me = t.get_as(&token("agent-009", AGENT), "/api/v1/agent/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let after = t.post_as(&lead, &path(&id, "transfer"), json!({"to_agent_id": "agent-009"})).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
}

// ---- 4. idempotency is keyed on the route, not its spelling ---------------------------------------

#[tokio::test]
async fn the_same_key_sent_to_another_spelling_of_the_path_runs_once() {
    let t = roster_app().await;
    let id = held_by_ada(&t, "u_team").await;
    let send = |url: String| {
        let request = t
            .http
            .post(format!("{}{url}", t.address))
            .header("x-api-key", API_KEY)
            .header("idempotency-key", "probe-key-1")
            .header("content-type", "application/json")
            .body(json!({"content": "Refund on its way", "agent_id": "agent-001"}).to_string());
        async move { request.send().await.unwrap() }
    };
    let first = send(path(&id, "messages")).await;
    assert_eq!(first.status(), StatusCode::OK);
    let slash = send(format!("{}/", path(&id, "messages"))).await;
    assert_eq!(slash.status(), StatusCode::NOT_FOUND, "a trailing slash is not the route");
    let encoded = send(path(&id.replacen('-', "%2D", 1), "messages")).await;
    assert_eq!(encoded.status(), StatusCode::OK);
    assert_eq!(encoded.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    let details = t.get(&format!("/api/v1/agent/sessions/{id}")).await;
    let copies = history_lines(&details.body).iter().filter(|l| l.as_str() == "Refund on its way").count();
    assert_eq!(copies, 1, "stored once");
}

// ---- 5. control characters are not text ------------------------------------------------------------

#[tokio::test]
async fn control_characters_are_refused_as_invalid_text_and_change_nothing() {
    let t = roster_app().await;
    let id = held_by_ada(&t, "u_team").await;
    let ada = token("agent-001", AGENT);
    for bad in ["\u{0000}", "hi\u{0001}there", "bell\u{0007}", "\u{001b}[31mred", "c1\u{0085}x", "del\u{007f}", "cr\ronly"] {
        let reply = t.post_as(&ada, &path(&id, "messages"), json!({"content": bad})).await;
        assert_eq!((reply.status, reply.body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_text")), "{bad:?}");
        let chat = t.post("/api/v1/chat", json!({"user_id": "u_ctrl", "message": bad})).await;
        assert_eq!(chat.body["error"], "invalid_text", "chat {bad:?}");
        let assist = t.post_as(&ada, &path(&id, "business-assist"), json!({"query": bad})).await;
        assert_eq!(assist.body["error"], "invalid_text", "business assist {bad:?}");
        let recommend = t.post_as(&ada, &path(&id, "knowledge-recommend"), json!({"query": bad})).await;
        assert_eq!(recommend.body["error"], "invalid_text", "knowledge-recommend {bad:?}");
        let document = t.post("/api/v1/knowledge/documents", json!({"source": "ctrl.md", "content": bad})).await;
        assert_eq!(document.body["error"], "invalid_text", "documents {bad:?}");
    }
    let history = t.get(&format!("/api/v1/agent/sessions/{id}")).await;
    assert!(history_lines(&history.body).iter().all(|l| !l.chars().any(|c| c.is_control() && c != '\n' && c != '\t')));
    let fine = t.post_as(&ada, &path(&id, "messages"), json!({"content": "Line one\n\tLine two\r\nLine three"})).await;
    assert_eq!(fine.status, StatusCode::OK, "tab, newline and CRLF are text: {}", fine.body);
}

#[tokio::test]
async fn control_characters_in_a_display_name_are_dropped_not_echoed() {
    let t = spawn_app().await;
    let request = workbench_local::identity::TokenRequest {
        sub: "agent-nul".into(),
        name: Some("Ada\u{0000} \u{001b}[2JChen".into()),
        groups: vec!["agent".into()],
        expires_in: None,
    };
    let issued = identity().issue(&request, chrono::Utc::now().timestamp() as u64).unwrap();
    let me = t.get_as(&issued.access_token, "/api/v1/agent/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["name"], "Ada [2JChen");
}

// ---- 7. reserved principal names ------------------------------------------------------------------

#[tokio::test]
async fn a_token_for_a_reserved_name_is_refused_and_the_local_issuer_will_not_make_one() {
    let t = spawn_app().await;
    for sub in ["key:local-1", "KEY:local-1", "agent-default", "system", "TEAM"] {
        let claims = json!({
            "sub": sub, "cognito:groups": ["agent"], "iss": workbench_local::identity::LOCAL_ISSUER,
            "client_id": workbench_local::identity::LOCAL_CLIENT_ID, "exp": chrono::Utc::now().timestamp() + 600,
        });
        let forged = identity().sign(&claims).unwrap();
        let reply = t.get_as(&forged, "/api/v1/agent/me").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{sub}: {}", reply.body);
        assert_eq!(reply.body["reason"], "invalid_token", "{sub}");
        let issued = t
            .http
            .post(format!("{}/dev/token", t.address))
            .json(&json!({"sub": sub, "groups": ["agent"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(issued.status(), StatusCode::BAD_REQUEST, "the local issuer refuses {sub}");
    }
    // A proxy key cannot act for a key either.
    let id = t.escalate("high").await;
    let as_key = t.post(&path(&id, "accept"), json!({"agent_id": "key:local-1"})).await;
    assert_eq!(as_key.status, StatusCode::FORBIDDEN, "{}", as_key.body);
    assert_eq!(t.stored(&id).await.agent_status.as_str(), "pending");
}

// ---- 8. DynamoDB Local listens on the loopback interface only -------------------------------------

#[tokio::test]
async fn dynamodb_local_is_not_reachable_on_another_interface() {
    let endpoint = crate::helpers::dynamodb_endpoint();
    let port: u16 = endpoint.rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(), "DynamoDB Local answers on loopback");
    // The address this machine would use to reach the outside (no packet is sent).
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    let Ok(()) = probe.connect("10.255.255.254:9") else { return };
    let own = probe.local_addr().unwrap().ip();
    if own.is_loopback() || own.is_unspecified() {
        return; // a machine with no other interface: nothing to reach it on
    }
    let reached = std::net::TcpStream::connect_timeout(&(own, port).into(), std::time::Duration::from_secs(2));
    assert!(reached.is_err(), "DynamoDB Local answered on {own}:{port}");
}

// ---- 9. the code says what the README says ---------------------------------------------------------

#[tokio::test]
async fn a_token_on_an_integration_route_is_forbidden_not_unauthenticated() {
    let t = spawn_app().await;
    let everyone = token("lead-001", &["agent", "supervisor", "reviewer"]);
    let chat = t.post_as(&everyone, "/api/v1/chat", json!({"user_id": "u_1", "message": "hi"})).await;
    assert_eq!((chat.status, chat.body["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{}", chat.body);
    let faqs = t.get_as(&everyone, "/api/v1/knowledge/faqs").await;
    assert_eq!((faqs.status, faqs.body["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{}", faqs.body);
    assert!(faqs.body["message"].as_str().unwrap().contains("admin"), "{}", faqs.body);
    let docs = t.get_as(&everyone, "/api/v1/openapi.json").await;
    assert_eq!(docs.status, StatusCode::FORBIDDEN, "{}", docs.body);
    let with_key = t.get("/api/v1/openapi.json").await;
    assert_eq!(with_key.status, StatusCode::OK);
    let none = t.call(Method::POST, "/api/v1/chat", Some(r#"{"user_id":"u_1","message":"hi"}"#), None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED, "no credential at all is still a 401");
}

#[tokio::test]
async fn token_errors_say_what_is_wrong_without_the_librarys_words() {
    let t = spawn_app().await;
    let none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZ2VudC0wMDEifQ.";
    let hs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudC0wMDEifQ.c2lnbmF0dXJl";
    for bad in [none_alg, hs256, "not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.!!!.x"] {
        let reply = t.get_as(bad, "/api/v1/agent/me").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bad}");
        let message = reply.body["message"].as_str().unwrap().to_lowercase();
        for internal in ["variant", "expected one of", "invalid byte", "offset", "column"] {
            assert!(!message.contains(internal), "{bad}: {message}");
        }
    }
    // As API Gateway's JWT authorizer does, a token without the `Bearer ` prefix is read too.
    let raw = t
        .http
        .get(format!("{}/api/v1/agent/me", t.address))
        .header("authorization", token("agent-001", AGENT))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
}
