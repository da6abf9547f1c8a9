//! Live updates: table changes reach the agents' sockets (`/ws`), through the table's stream and
//! the same fan-out code the Lambda runs; the `$connect` function's token check against a key set.

use crate::helpers::{dynamodb_endpoint, escalate, identity, spawn_live_app, token, TestApp, API_KEY};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use workbench::live::token::JwtVerifier;
use workbench::live::{fan_out, LiveEvent, PostError, Poster};
use workbench::store::Store;
use workbench_local::identity::{LOCAL_CLIENT_ID, LOCAL_ISSUER};

/// How long any one event may take to arrive.
const WAIT: Duration = Duration::from_secs(5);

struct LiveSocket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl LiveSocket {
    async fn open(t: &TestApp, agent: &str) -> LiveSocket {
        let (ws, response) = tokio_tungstenite::connect_async(t.live_url(&token(agent, &["agent"])))
            .await
            .expect("the socket opens for an agent");
        assert_eq!(response.status(), 101);
        LiveSocket { ws }
    }

    /// The next event for which `wanted` holds, skipping others; fails after [`WAIT`].
    async fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
                .expect("the socket stays open")
                .expect("a frame arrives");
            if let Message::Text(text) = frame {
                let event: Value = serde_json::from_str(text.as_str()).expect("every frame is JSON");
                if wanted(&event) {
                    return event;
                }
            }
        }
    }

    async fn session_changed(&mut self, session_id: &str, status: &str) -> Value {
        self.wait_for(&format!("session.changed {status} of {session_id}"), |e| {
            e["type"] == "session.changed" && e["session_id"] == session_id && e["agent_status"] == status
        })
        .await
    }
}

async fn refusal(t: &TestApp, url: String) -> (u16, Value) {
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => panic!("the socket was opened"),
        Err(WsError::Http(response)) => {
            let body = response.body().as_deref().map(|b| serde_json::from_slice(b).unwrap_or(Value::Null)).unwrap_or(Value::Null);
            assert!(t.app.store.list_connections().await.unwrap().is_empty(), "a refused socket is not recorded");
            (response.status().as_u16(), body)
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn an_escalation_appears_in_every_open_queue() {
    let t = spawn_live_app().await;
    let mut ada = LiveSocket::open(&t, "agent-001").await;
    let mut bo = LiveSocket::open(&t, "agent-002").await;

    let id = t.escalate("high").await;

    for socket in [&mut ada, &mut bo] {
        let event = socket.session_changed(&id, "pending").await;
        assert_eq!(event["priority"], "high");
        assert_eq!(event["assigned_agent_id"], Value::Null);
        assert!(event["at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(event.as_object().unwrap().len(), 6, "ids and states only: {event}");
    }
}

#[tokio::test]
async fn a_session_accepted_by_someone_else_leaves_the_queue_then_resolves() {
    let t = spawn_live_app().await;
    let mut bo = LiveSocket::open(&t, "agent-002").await;
    let id = t.escalate("medium").await;
    bo.session_changed(&id, "pending").await;

    let ada = token("agent-001", &["agent"]);
    let accepted = t.post_as(&ada, &format!("/api/v1/agent/sessions/{id}/accept"), json!({})).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
    let event = bo.session_changed(&id, "assigned").await;
    assert_eq!(event["assigned_agent_id"], "agent-001");

    let resolved = t.post_as(&ada, &format!("/api/v1/agent/sessions/{id}/resolve"), json!({"note": "sent a new parcel"})).await;
    assert_eq!(resolved.status, 200, "{:?}", resolved.body);
    let event = bo.session_changed(&id, "resolved").await;
    assert_eq!(event["assigned_agent_id"], "agent-001");
}

#[tokio::test]
async fn customer_and_agent_messages_appear_in_the_open_conversation() {
    let t = spawn_live_app().await;
    let mut ada = LiveSocket::open(&t, "agent-001").await;
    let id = t.escalate("high").await;
    let agent = token("agent-001", &["agent"]);
    assert_eq!(t.post_as(&agent, &format!("/api/v1/agent/sessions/{id}/accept"), json!({})).await.status, 200);
    ada.session_changed(&id, "assigned").await;

    let chat = t.post("/api/v1/chat", json!({"session_id": id, "user_id": "u_test", "message": "Is anyone there?"})).await;
    assert_eq!(chat.status, 200, "{:?}", chat.body);
    let from_customer = ada
        .wait_for("the customer's message.created", |e| e["type"] == "message.created" && e["session_id"] == id.as_str())
        .await;
    assert_eq!(from_customer["author"], "customer");
    assert!(!from_customer.to_string().contains("anyone there"), "no content travels: {from_customer}");

    let sent = t.post_as(&agent, &format!("/api/v1/agent/sessions/{id}/messages"), json!({"content": "Yes, I am here."})).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let from_agent = ada
        .wait_for("the agent's message.created", |e| e["type"] == "message.created" && e["author"] == "agent")
        .await;
    assert_eq!(from_agent["message_id"], sent.body["message_id"]);
}

#[tokio::test]
async fn a_ping_is_answered_with_pong() {
    let t = spawn_live_app().await;
    let mut socket = LiveSocket::open(&t, "agent-001").await;
    socket.ws.send(Message::text(r#"{"action":"ping"}"#)).await.unwrap();
    socket.wait_for("pong", |e| *e == json!({"type": "pong"})).await;
}

#[tokio::test]
async fn a_socket_is_recorded_while_open_and_forgotten_when_closed() {
    let t = spawn_live_app().await;
    let mut socket = LiveSocket::open(&t, "agent-007").await;
    let open = t.app.store.list_connections().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].agent_id, "agent-007");

    socket.ws.close(None).await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !t.app.store.list_connections().await.unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the closed socket is still recorded after {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_bad_missing_or_expired_token_is_refused_before_the_upgrade() {
    let t = spawn_live_app().await;
    let (status, body) = refusal(&t, t.live_url("not-a-jwt")).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(body["reason"], "malformed_token");

    let (status, _) = refusal(&t, t.address.replacen("http://", "ws://", 1) + "/ws").await;
    assert_eq!(status, 401);

    let now = chrono::Utc::now().timestamp();
    let expired = identity()
        .sign(&json!({"sub": "agent-001", "iss": LOCAL_ISSUER, "client_id": LOCAL_CLIENT_ID, "cognito:groups": ["agent"], "iat": now - 120, "exp": now - 60}))
        .unwrap();
    let (status, body) = refusal(&t, t.live_url(&expired)).await;
    assert_eq!(status, 401);
    assert_eq!(body["reason"], "expired_token");

    // A signed-in person with no workbench role may not read the queue, so gets no socket.
    let (status, body) = refusal(&t, t.live_url(&token("visitor-1", &[]))).await;
    assert_eq!(status, 403, "{body}");
}

/// A poster that records frames, and answers Gone for the connections named.
#[derive(Default)]
struct Recorder {
    gone: Vec<String>,
    frames: Mutex<Vec<(String, String)>>,
    closed: Mutex<Vec<String>>,
}

impl Poster for Recorder {
    fn post<'a>(&'a self, connection_id: &'a str, frame: &'a str) -> futures::future::BoxFuture<'a, Result<(), PostError>> {
        Box::pin(async move {
            if self.gone.iter().any(|g| g == connection_id) {
                return Err(PostError::Gone);
            }
            self.frames.lock().unwrap().push((connection_id.to_string(), frame.to_string()));
            Ok(())
        })
    }

    fn close<'a>(&'a self, connection_id: &'a str) -> futures::future::BoxFuture<'a, Result<(), PostError>> {
        Box::pin(async move {
            self.closed.lock().unwrap().push(connection_id.to_string());
            Ok(())
        })
    }
}

#[tokio::test]
async fn the_fan_out_posts_every_event_in_order_and_forgets_sockets_that_are_gone() {
    let app = crate::helpers::fresh_app().await;
    let now = chrono::Utc::now();
    for (id, agent) in [("c1=", "agent-001"), ("c2=", "agent-002"), ("c3=", "agent-003")] {
        app.store.put_connection(id, agent, Some(now.timestamp() + 600), now).await.unwrap();
    }
    let s = escalate(&app, "high", "u_fan").await;
    let recorder = Recorder { gone: vec!["c3=".into()], ..Default::default() };
    let events = vec![
        LiveEvent::MessageCreated { session_id: s.clone(), message_id: "m1".into(), author: workbench::domain::Author::Customer, at: "t1".into() },
        LiveEvent::MessageCreated { session_id: s.clone(), message_id: "m2".into(), author: workbench::domain::Author::Agent, at: "t2".into() },
    ];
    let report = fan_out(&app.store, &recorder, &events, now).await.unwrap();
    assert_eq!((report.connections, report.delivered, report.gone, report.failed), (3, 4, 1, 0));
    let frames = recorder.frames.lock().unwrap().clone();
    for connection in ["c1=", "c2="] {
        let ids: Vec<String> = frames
            .iter()
            .filter(|(c, _)| c == connection)
            .map(|(_, f)| serde_json::from_str::<Value>(f).unwrap()["message_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, vec!["m1", "m2"], "{connection}");
    }
    let left: Vec<String> = app.store.list_connections().await.unwrap().into_iter().map(|c| c.connection_id).collect();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&"c3=".to_string()));
}

fn sample_connect_event(token: &str) -> aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest {
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(crate::helpers::repo_root().join("infra/events/live-connect.json")).unwrap()).unwrap();
    event["queryStringParameters"]["token"] = json!(token);
    event["multiValueQueryStringParameters"]["token"] = json!([token]);
    serde_json::from_value(event).expect("the sample $connect event parses")
}

#[tokio::test]
async fn the_connect_function_verifies_the_token_against_the_user_pools_key_set() {
    let app = crate::helpers::fresh_app().await;
    let key_set = serde_json::from_value(identity().jwks().clone()).unwrap();
    let verifier = JwtVerifier::with_key_set(LOCAL_ISSUER, vec![LOCAL_CLIENT_ID.to_string()], key_set);

    let refused = workbench::live::socket::connect(&app.store, &verifier, b"k", &sample_connect_event("eyJ.bad.token"), app.now()).await;
    assert_eq!(refused.status_code, 401);
    let other_issuer = JwtVerifier::with_key_set("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other", vec![LOCAL_CLIENT_ID.to_string()], serde_json::from_value(identity().jwks().clone()).unwrap());
    let event = sample_connect_event(&token("agent-001", &["agent"]));
    assert_eq!(workbench::live::socket::connect(&app.store, &other_issuer, b"k", &event, app.now()).await.status_code, 401);
    assert!(app.store.list_connections().await.unwrap().is_empty());

    let connected_at = app.now();
    let opened = workbench::live::socket::connect(&app.store, &verifier, b"k", &event, connected_at).await;
    assert_eq!(opened.status_code, 200);
    let recorded = app.store.list_connections().await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!((recorded[0].connection_id.as_str(), recorded[0].agent_id.as_str()), ("Uq3mTeBpoAMCJEQ=", "agent-001"));
    let expires_at = app
        .store
        .client()
        .get_item()
        .table_name(app.store.table())
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("LIVE".into()))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("CONN#Uq3mTeBpoAMCJEQ=".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap()["expires_at"]
        .as_n()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(expires_at, connected_at.timestamp() + 7200, "the table's TTL removes it after two hours");

    let disconnect: aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest =
        serde_json::from_str(&std::fs::read_to_string(crate::helpers::repo_root().join("infra/events/live-disconnect.json")).unwrap()).unwrap();
    assert_eq!(workbench::live::socket::disconnect(&app.store, &disconnect).await.status_code, 200);
    assert!(app.store.list_connections().await.unwrap().is_empty());

    let pong = workbench::live::socket::ping();
    assert_eq!(pong.status_code, 200);
    assert!(matches!(pong.body, Some(aws_lambda_events::encodings::Body::Text(ref t)) if t == r#"{"type":"pong"}"#));
}

#[tokio::test]
async fn a_table_made_without_a_stream_gets_one() {
    use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamViewType};
    let client = workbench::app::local_dynamodb_client(&dynamodb_endpoint());
    let table = format!("test-{}", uuid::Uuid::new_v4().simple());
    let attr = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap();
    let key = |n: &str, k| KeySchemaElement::builder().attribute_name(n).key_type(k).build().unwrap();
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .send()
        .await
        .unwrap();
    let store = Store::new(client.clone(), table.clone());
    assert!(!store.create_table_if_missing().await.unwrap(), "the table was there");
    let described = client.describe_table().table_name(&table).send().await.unwrap();
    let spec = described.table().unwrap().stream_specification().expect("a stream now");
    assert!(spec.stream_enabled());
    assert_eq!(spec.stream_view_type(), Some(&StreamViewType::NewAndOldImages));
}

#[tokio::test]
async fn the_stream_reader_waits_out_a_missing_table_and_then_delivers() {
    let table = format!("test-{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(workbench::app::local_dynamodb_client(&dynamodb_endpoint()), table);
    let recorder = Arc::new(Recorder::default());
    let streams = workbench_local::live::streams_client(Some(&dynamodb_endpoint())).await;
    let mut ready = workbench_local::live::spawn_stream_reader(store.clone(), streams, recorder.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!*ready.borrow(), "no table, no stream: not ready");

    store.create_table_if_missing().await.unwrap();
    tokio::time::timeout(Duration::from_secs(15), ready.wait_for(|r| *r)).await.expect("ready once the table exists").unwrap();
    store.put_connection("c1=", "agent-001", None, chrono::Utc::now()).await.unwrap();
    let app = workbench::App::new(store.clone(), workbench::config::Config::new(store.table(), workbench::auth::ApiKeys::parse(API_KEY)));
    let id = escalate(&app, "low", "u_test").await;

    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let seen = recorder.frames.lock().unwrap().iter().any(|(c, f)| c == "c1=" && f.contains(&id) && f.contains("session.changed"));
        if seen {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no event for {id} within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_fan_out_closes_sockets_whose_token_expired_and_sends_them_nothing() {
    let app = crate::helpers::fresh_app().await;
    let now = chrono::Utc::now();
    app.store.put_connection("fresh=", "agent-001", Some(now.timestamp() + 600), now).await.unwrap();
    app.store.put_connection("stale=", "agent-002", Some(now.timestamp() - 1), now).await.unwrap();
    let s = escalate(&app, "high", "u_fan").await;
    let recorder = Recorder::default();
    let events = vec![LiveEvent::MessageCreated {
        session_id: s,
        message_id: "m1".into(),
        author: workbench::domain::Author::Customer,
        at: "t1".into(),
    }];
    let report = fan_out(&app.store, &recorder, &events, now).await.unwrap();
    assert_eq!((report.delivered, report.expired), (1, 1));
    assert!(recorder.frames.lock().unwrap().iter().all(|(c, _)| c == "fresh="));
    assert_eq!(recorder.closed.lock().unwrap().clone(), vec!["stale=".to_string()]);
    let left: Vec<String> = app.store.list_connections().await.unwrap().into_iter().map(|c| c.connection_id).collect();
    assert_eq!(left, vec!["fresh=".to_string()]);
}

#[tokio::test]
async fn messages_of_a_bot_only_session_reach_no_agent() {
    let t = spawn_live_app().await;
    let mut ada = LiveSocket::open(&t, "agent-001").await;
    let bot_only = t.post("/api/v1/chat", json!({"user_id": "u_bot", "message": "What is your return policy?"})).await;
    assert_eq!(bot_only.status, 200, "{:?}", bot_only.body);
    assert_eq!(bot_only.body["agent_status"], "none");
    let bot_session = bot_only.body["session_id"].as_str().unwrap().to_string();
    // Then something agents may see, so the socket has a frame to wait for.
    let escalated = t.escalate("high").await;
    let frames = Mutex::new(Vec::new());
    let marker = ada
        .wait_for("the escalation", |e| {
            frames.lock().unwrap().push(e.clone());
            e["type"] == "session.changed" && e["session_id"] == escalated.as_str()
        })
        .await;
    let frames = frames.into_inner().unwrap();
    assert_eq!(marker["agent_status"], "pending");
    assert!(frames.iter().all(|e| e["session_id"] != bot_session.as_str()), "a bot-only session's messages leaked: {frames:?}");
}

#[tokio::test]
async fn a_socket_is_closed_with_4401_when_its_token_expires_unless_it_reauthenticates() {
    let t = spawn_live_app().await;
    let short = |seconds: u64| {
        let request = workbench_local::identity::TokenRequest {
            sub: "agent-001".into(),
            name: None,
            groups: vec!["agent".into()],
            expires_in: Some(seconds),
        };
        identity().issue(&request, chrono::Utc::now().timestamp() as u64).unwrap().access_token
    };
    // Left alone, it closes when the token does.
    let (mut lapsing, _) = tokio_tungstenite::connect_async(t.live_url(&short(2))).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(6), async {
        loop {
            match lapsing.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .expect("the socket closes within 6 s of opening with a 2 s token");
    assert_eq!(closed, Some(4401));

    // Re-authenticated with a fresh token, it stays open past the first token's expiry.
    let (mut renewed, _) = tokio_tungstenite::connect_async(t.live_url(&short(2))).await.unwrap();
    renewed.send(Message::text(json!({"action": "auth", "token": short(600)}).to_string())).await.unwrap();
    let answer = tokio::time::timeout(WAIT, renewed.next()).await.unwrap().unwrap().unwrap();
    assert!(answer.to_text().unwrap().contains("authenticated"), "{answer:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    renewed.send(Message::text(r#"{"action":"ping"}"#)).await.unwrap();
    let pong = tokio::time::timeout(WAIT, renewed.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(pong.to_text().unwrap(), r#"{"type":"pong"}"#);

    // Another agent's token is not a re-authentication: the socket is closed.
    let (mut hijacked, _) = tokio_tungstenite::connect_async(t.live_url(&short(600))).await.unwrap();
    hijacked.send(Message::text(json!({"action": "auth", "token": token("agent-002", &["agent"])}).to_string())).await.unwrap();
    let refused = tokio::time::timeout(WAIT, hijacked.next()).await.unwrap();
    assert!(matches!(refused, Some(Ok(Message::Close(Some(ref f)))) if u16::from(f.code) == 4401), "{refused:?}");
}
