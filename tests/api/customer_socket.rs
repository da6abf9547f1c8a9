//! Issue 21, the customer socket: a token bound to one session (in the chat answer, and from
//! `POST /api/v1/chat/sessions/{session_id}/token`), a socket that hears exactly that session's
//! customer-visible thread live and takes the customer's messages as chat turns, and that opens
//! nothing else: no other session, no agent route, and no agent token joins as a customer.

use crate::helpers::{spawn_live_app, token, TestApp};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use workbench::auth::customer::{customer_token_key, issue_customer_token};
use workbench::live::{PostError, Poster};

const WAIT: Duration = Duration::from_secs(5);

fn customer_url(t: &TestApp, token: &str) -> String {
    format!("{}/ws?customer_token={token}", t.address.replacen("http://", "ws://", 1))
}

struct CustomerSocket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Every frame read so far, in order.
    seen: Vec<Value>,
}

impl CustomerSocket {
    async fn open(t: &TestApp, token: &str) -> CustomerSocket {
        let (ws, response) = tokio_tungstenite::connect_async(customer_url(t, token)).await.expect("the customer socket opens");
        assert_eq!(response.status(), 101);
        CustomerSocket { ws, seen: Vec::new() }
    }

    async fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}; seen {:#?}", self.seen))
                .expect("the socket stays open")
                .expect("a frame arrives");
            if let Message::Text(text) = frame {
                let event: Value = serde_json::from_str(text.as_str()).expect("every frame is JSON");
                self.seen.push(event.clone());
                if wanted(&event) {
                    return event;
                }
            }
        }
    }
}

/// A session the customer escalated through the chat, and the answer's customer token.
async fn escalated_by(t: &TestApp, user_id: &str) -> (String, String) {
    let chat = t
        .post("/api/v1/chat", json!({"user_id": user_id, "message": "I want to talk to a person", "escalate_to_human": true}))
        .await;
    assert_eq!(chat.status, 200, "{:?}", chat.body);
    assert_eq!(chat.body["agent_status"], "pending", "{:?}", chat.body);
    let token = chat.body["customer_token"].as_str().expect("an escalated session's answer carries a customer token");
    (chat.body["session_id"].as_str().unwrap().to_string(), token.to_string())
}

#[tokio::test]
async fn the_chat_answer_of_a_waiting_session_and_the_token_route_give_the_owner_a_token() {
    let t = spawn_live_app().await;
    let bot_only = t.post("/api/v1/chat", json!({"user_id": "u_a", "message": "What are your opening hours?"})).await;
    assert_eq!(bot_only.status, 200, "{:?}", bot_only.body);
    assert!(bot_only.body.get("customer_token").is_none(), "a bot-only turn needs no socket: {:?}", bot_only.body);

    let (session_id, from_chat) = escalated_by(&t, "u_a").await;
    assert!(from_chat.starts_with("ct1."));
    let path = format!("/api/v1/chat/sessions/{session_id}/token");
    let issued = t.post(&path, json!({"user_id": "u_a"})).await;
    assert_eq!(issued.status, 200, "{:?}", issued.body);
    assert_eq!(issued.body["session_id"], session_id.as_str());
    assert!(issued.body["customer_token"].as_str().unwrap().starts_with("ct1."));
    assert!(issued.body["expires_at"].as_str().unwrap().ends_with('Z'));

    // Another customer, a missing session: the same 404, nothing issued.
    for (path, user) in [(path.as_str(), "u_b"), ("/api/v1/chat/sessions/sess-missing/token", "u_a")] {
        let refused = t.post(path, json!({"user_id": user})).await;
        assert_eq!(refused.status, 404, "{:?}", refused.body);
        assert_eq!(refused.body["error"], "session_not_found");
        assert!(refused.body.get("customer_token").is_none());
    }
    // An agent's token is not a chat-scoped key.
    let agent = t.post_as(&token("agent-001", &["agent"]), &path, json!({"user_id": "u_a"})).await;
    assert_eq!(agent.status, 403, "{:?}", agent.body);
}

#[tokio::test]
async fn the_customer_hears_the_agent_join_write_and_resolve_and_nothing_of_another_session() {
    let t = spawn_live_app().await;
    let (mine, customer_token) = escalated_by(&t, "u_a").await;
    let (theirs, _) = escalated_by(&t, "u_b").await;
    let mut customer = CustomerSocket::open(&t, &customer_token).await;
    let agent = token("agent-001", &["agent"]);

    for id in [&mine, &theirs] {
        let accepted = t.post_as(&agent, &format!("/api/v1/agent/sessions/{id}/accept"), json!({})).await;
        assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    }
    // (The escalation's own change, written just before the socket opened, may arrive first.)
    let status = customer
        .wait_for("the status change", |e| e["type"] == "conversation.status.changed" && e["agent_status"] == "assigned")
        .await;
    assert_eq!(status["previous_status"], "pending");
    let joined = customer.wait_for("the join notice", |e| e["message"]["notice"] == "agent_joined").await;
    assert_eq!(joined["message"]["content"], "agent-001 (test) joined the conversation.");

    let sent = t
        .post_as(&agent, &format!("/api/v1/agent/sessions/{theirs}/messages"), json!({"content": "For the other customer"}))
        .await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let sent = t
        .post_as(&agent, &format!("/api/v1/agent/sessions/{mine}/messages"), json!({"content": "I have refunded your order"}))
        .await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let line = customer.wait_for("the agent's words", |e| e["message"]["author"] == "agent").await;
    assert_eq!(line["type"], "conversation.message.created");
    assert_eq!(line["event_id"], format!("msg.{}", sent.body["message_id"].as_str().unwrap()));
    assert_eq!(line["message"]["content"], "I have refunded your order");
    assert_eq!(line["message"]["agent_name"], "agent-001 (test)");

    let resolved = t.post_as(&agent, &format!("/api/v1/agent/sessions/{mine}/resolve"), json!({"note": "refunded"})).await;
    assert_eq!(resolved.status, 200, "{:?}", resolved.body);
    customer.wait_for("the resolve", |e| e["agent_status"] == "resolved").await;
    customer.wait_for("the resolve notice", |e| e["message"]["notice"] == "resolved").await;

    for frame in &customer.seen {
        assert_eq!(frame["session_id"], mine.as_str(), "only this session's events: {frame}");
        assert!(!frame.to_string().contains("other customer") && !frame.to_string().contains("refunded\""), "{frame}");
        let keys: Vec<&String> = frame.as_object().unwrap().keys().collect();
        for key in keys {
            assert!(
                ["event_id", "type", "session_id", "occurred_at", "message", "previous_status", "agent_status"].contains(&key.as_str()),
                "no internal field reaches the customer: {frame}"
            );
        }
    }
}

#[tokio::test]
async fn the_customers_messages_on_the_socket_are_chat_turns_the_agent_sees() {
    let t = spawn_live_app().await;
    let (session_id, customer_token) = escalated_by(&t, "u_a").await;
    let agent = token("agent-001", &["agent"]);
    assert_eq!(t.post_as(&agent, &format!("/api/v1/agent/sessions/{session_id}/accept"), json!({})).await.status, 200);
    let mut customer = CustomerSocket::open(&t, &customer_token).await;
    let (mut agent_socket, _) = tokio_tungstenite::connect_async(t.live_url(&agent)).await.unwrap();

    customer
        .ws
        .send(Message::text(json!({"action": "message", "message": "Thank you, that was quick", "client_id": "c-1"}).to_string()))
        .await
        .unwrap();
    let answer = customer.wait_for("the chat answer", |e| e["type"] == "chat.answer").await;
    assert_eq!(answer["client_id"], "c-1");
    assert_eq!(answer["answer"]["session_id"], session_id.as_str());
    assert_eq!(answer["answer"]["agent_status"], "assigned");
    assert_eq!(answer["answer"]["reply"], Value::Null, "the bot is silent while an agent holds the session");
    // The customer's own line comes back on the stream too, once.
    let own = customer.wait_for("the customer's own line", |e| e["message"]["author"] == "customer" && e["message"]["content"] == "Thank you, that was quick").await;
    assert!(own["event_id"].as_str().unwrap().starts_with("msg."));

    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, agent_socket.next()).await.expect("the agent hears the customer").unwrap().unwrap();
        let event: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        if event["type"] == "message.created" && event["author"] == "customer" && event["session_id"] == session_id.as_str() {
            break;
        }
    }
    let thread = t.get(&format!("/api/v1/chat/sessions/{session_id}/messages?user_id=u_a")).await;
    let contents: Vec<&str> = thread.body["messages"].as_array().unwrap().iter().filter_map(|m| m["content"].as_str()).collect();
    assert_eq!(contents.iter().filter(|c| **c == "Thank you, that was quick").count(), 1, "{contents:?}");

    // Bad frames are answered with the API's errors, and the socket stays open.
    customer.ws.send(Message::text(r#"{"action":"message","message":""}"#)).await.unwrap();
    let refused = customer.wait_for("the refusal", |e| e["type"] == "error").await;
    assert_eq!(refused["status"], 400);
    customer.ws.send(Message::text(r#"{"action":"ping"}"#)).await.unwrap();
    customer.wait_for("pong", |e| e["type"] == "pong").await;
}

async fn refused(url: String) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => panic!("the socket was opened"),
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn a_customer_token_opens_no_agent_route_and_an_agent_token_no_customer_socket() {
    let t = spawn_live_app().await;
    let (session_id, customer_token) = escalated_by(&t, "u_a").await;
    for path in ["/api/v1/agent/sessions/pending".to_string(), format!("/api/v1/agent/sessions/{session_id}")] {
        let reply = t.get_as(&customer_token, &path).await;
        assert_eq!(reply.status, 401, "{path}: {:?}", reply.body);
    }
    let accept = t.post_as(&customer_token, &format!("/api/v1/agent/sessions/{session_id}/accept"), json!({})).await;
    assert_eq!(accept.status, 401, "{:?}", accept.body);
    assert_eq!(t.stored(&session_id).await.agent_status, workbench::domain::AgentStatus::Pending, "nothing changed");

    // The agents' socket refuses a customer token; the customer socket refuses an agent's JWT,
    // a token of other keys, an expired one, and none.
    assert_eq!(refused(t.live_url(&customer_token)).await, 401);
    assert_eq!(refused(customer_url(&t, &token("agent-001", &["agent"]))).await, 401);
    let now = chrono::Utc::now().timestamp();
    let (forged, _) = issue_customer_token(&customer_token_key("not-this-apis-key"), &session_id, "u_a", now);
    assert_eq!(refused(customer_url(&t, &forged)).await, 401);
    let key = t.app.customer_token_key();
    let (expired, _) = issue_customer_token(&key, &session_id, "u_a", now - 3600);
    assert_eq!(refused(customer_url(&t, &expired)).await, 401);
    assert_eq!(refused(customer_url(&t, "")).await, 401);
    assert!(t.app.store.session_customer_connections(&session_id).await.unwrap().is_empty(), "a refused socket is not recorded");

    // An agent's socket cannot send as a customer.
    let (mut agent_socket, _) = tokio_tungstenite::connect_async(t.live_url(&token("agent-001", &["agent"]))).await.unwrap();
    agent_socket.send(Message::text(r#"{"action":"message","message":"hello"}"#)).await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, agent_socket.next()).await.expect("an answer").unwrap().unwrap();
        let event: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        if event["type"] == "error" {
            assert_eq!(event["status"], 403);
            break;
        }
    }
}

#[derive(Default)]
struct Recorder {
    frames: Mutex<Vec<(String, String)>>,
}

impl Poster for Recorder {
    fn post<'a>(&'a self, connection_id: &'a str, frame: &'a str) -> futures::future::BoxFuture<'a, Result<(), PostError>> {
        self.frames.lock().unwrap().push((connection_id.to_string(), frame.to_string()));
        Box::pin(async { Ok(()) })
    }

    fn close<'a>(&'a self, _connection_id: &'a str) -> futures::future::BoxFuture<'a, Result<(), PostError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The Lambda path: `$connect` with `?customer_token=` records the socket on its session's topic,
/// the fan-out posts a session's events only there, and `$disconnect` forgets both items.
#[tokio::test]
async fn the_connect_function_records_a_customer_socket_on_its_sessions_topic_and_disconnect_forgets_it() {
    let app = crate::helpers::fresh_app().await;
    let key = app.customer_token_key();
    let now = chrono::Utc::now();
    let (ct, exp) = issue_customer_token(&key, "sess-1", "u_a", now.timestamp());
    let mut raw: Value =
        serde_json::from_str(&std::fs::read_to_string(crate::helpers::repo_root().join("infra/events/live-connect.json")).unwrap()).unwrap();
    raw["queryStringParameters"] = json!({"customer_token": ct});
    raw["multiValueQueryStringParameters"] = json!({"customer_token": [ct]});
    let event: aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest = serde_json::from_value(raw).unwrap();
    let verifier = workbench::live::token::JwtVerifier::with_key_set(
        workbench_local::identity::LOCAL_ISSUER,
        vec![workbench_local::identity::LOCAL_CLIENT_ID.to_string()],
        serde_json::from_value(crate::helpers::identity().jwks().clone()).unwrap(),
    );
    let opened = workbench::live::socket::connect(&app.store, &verifier, &key, &event, now).await;
    assert_eq!(opened.status_code, 200);
    let connection_id = event.request_context.connection_id.clone().unwrap();
    let on_topic = app.store.session_customer_connections("sess-1").await.unwrap();
    assert_eq!(on_topic.len(), 1);
    assert_eq!((on_topic[0].connection_id.as_str(), on_topic[0].user_id.as_str(), on_topic[0].token_expires_at), (connection_id.as_str(), "u_a", exp));
    assert!(app.store.list_connections().await.unwrap().is_empty(), "not an agent's socket");
    assert!(app.store.session_customer_connections("sess-2").await.unwrap().is_empty());

    // A wrong key refuses it.
    let refused = workbench::live::socket::connect(&app.store, &verifier, b"other", &event, now).await;
    assert_eq!(refused.status_code, 401);

    let line = |session: &str, id: &str| workbench::live::outbound::OutboundEvent {
        event_id: format!("msg.{id}"),
        kind: "conversation.message.created".into(),
        session_id: session.into(),
        occurred_at: "2026-12-02T10:00:00.000000Z".into(),
        message: None,
        previous_status: None,
        agent_status: None,
    };
    let recorder = Arc::new(Recorder::default());
    let events = [line("sess-2", "x"), line("sess-1", "a"), line("sess-1", "b")];
    let report = workbench::live::customer::fan_out_to_customers(&app.store, recorder.as_ref(), &events, now).await.unwrap();
    assert_eq!(report.delivered, 2);
    let frames = recorder.frames.lock().unwrap().clone();
    let ids: Vec<String> = frames
        .iter()
        .map(|(c, f)| {
            assert_eq!(c, &connection_id);
            serde_json::from_str::<Value>(f).unwrap()["event_id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids, vec!["msg.a", "msg.b"], "this session's events, in order, and no other's");

    assert!(app.store.get_customer_connection(&connection_id).await.unwrap().is_some());
    let closed = workbench::live::socket::disconnect(&app.store, &event).await;
    assert_eq!(closed.status_code, 200);
    assert!(app.store.session_customer_connections("sess-1").await.unwrap().is_empty());
    assert!(app.store.get_customer_connection(&connection_id).await.unwrap().is_none());
}
