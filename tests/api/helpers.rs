//! `spawn_app`: a fresh DynamoDB Local table and a local API server on its own port, per test.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::ingest;
use workbench::store::Store;
use workbench::App;
use workbench_local::router::Router;
use workbench_local::identity::{LocalIdentity, TokenRequest};
use workbench_local::{server, template};

pub const API_KEY: &str = "test-key";

pub struct TestApp {
    pub address: String,
    pub app: App,
    pub http: reqwest::Client,
}

/// One signing key for the whole test binary: making an RSA key per test would cost seconds.
pub fn identity() -> Arc<LocalIdentity> {
    static IDENTITY: std::sync::OnceLock<Arc<LocalIdentity>> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| Arc::new(LocalIdentity::ephemeral().expect("make a signing key"))).clone()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repo root").to_path_buf()
}

pub fn dynamodb_endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT")
        .expect("DYNAMODB_ENDPOINT is not set: run the tests with infra/test.sh, which starts DynamoDB Local")
}

/// A fresh table in DynamoDB Local, named for this test only.
pub async fn fresh_app() -> App {
    let table = format!("test-{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(workbench::app::local_dynamodb_client(&dynamodb_endpoint()), table);
    store.create_table_if_missing().await.expect("create the test table");
    App::new(store.clone(), Config::new(store.table(), ApiKeys::parse(API_KEY)))
}

pub async fn spawn_app() -> TestApp {
    spawn_with(fresh_app().await).await
}

/// The local model, mapped once for the whole test binary and shared by every test's app.
#[cfg(feature = "e5")]
pub fn model() -> Arc<dyn workbench::knowledge::Embedder> {
    static MODEL: std::sync::OnceLock<Arc<dyn workbench::knowledge::Embedder>> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| workbench::app::local_model_embedder().expect("the e5 feature is on")).clone()
}

/// An app with the embedder production uses: the local model when the tests are built with it
/// (`infra/test.sh` does), else the hashed n-grams.
pub async fn spawn_app_with_default_embedder() -> TestApp {
    #[cfg(feature = "e5")]
    let app = fresh_app().await.with_embedder(model());
    #[cfg(not(feature = "e5"))]
    let app = fresh_app().await;
    spawn_with(app).await
}

pub async fn spawn_with(app: App) -> TestApp {
    let functions = template::load(&repo_root().join("template.yaml")).expect("read template.yaml");
    let router = Router::from_routes(&functions.routes).expect("every template route has a handler");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
    let address = format!("http://{}", listener.local_addr().unwrap());
    let mut api = server::LocalApi::new(app.clone(), router, identity());
    api.cors = functions.cors.clone();
    let api = Arc::new(api);
    tokio::spawn(server::serve(listener, api));
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    TestApp { address, app, http }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub async fn call(&self, method: Method, path: &str, body: Option<&str>, key: Option<&str>) -> Reply {
        let checked = method.clone();
        let mut req = self.http.request(method, format!("{}{}", self.address, path));
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body.to_string());
        }
        let res = req.send().await.expect("the local API answers");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        let reply = Reply { status, headers, body };
        assert_in_contract(&checked, path, &reply);
        reply
    }

    /// A request with `Authorization: Bearer <token>` and no key.
    pub async fn call_bearer(&self, method: Method, path: &str, body: Option<Value>, token: &str) -> Reply {
        let checked = method.clone();
        let mut req = self.http.request(method, format!("{}{}", self.address, path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body.to_string());
        }
        let res = req.send().await.expect("the local API answers");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        let reply = Reply { status, headers, body };
        assert_in_contract(&checked, path, &reply);
        reply
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Reply {
        self.call_bearer(Method::GET, path, None, token).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> Reply {
        self.call_bearer(Method::POST, path, Some(body), token).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None, Some(API_KEY)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(&body.to_string()), Some(API_KEY)).await
    }

    pub async fn post_raw(&self, path: &str, body: &str) -> Reply {
        self.call(Method::POST, path, Some(body), Some(API_KEY)).await
    }

    /// A pending session put in the queue through the real ingestion path.
    pub async fn escalate(&self, priority: &str) -> String {
        escalate(&self.app, priority, "u_test").await
    }

    pub async fn accept(&self, session_id: &str) -> Reply {
        self.post(&format!("/api/v1/agent/sessions/{session_id}/accept"), json!({"agent_id": "agent-001"})).await
    }

    pub async fn resolve(&self, session_id: &str) -> Reply {
        self.post(&format!("/api/v1/agent/sessions/{session_id}/resolve"), json!({"note": "done"})).await
    }

    /// The session as stored, read straight from the table.
    pub async fn stored(&self, session_id: &str) -> workbench::domain::Session {
        self.app.store.get_session(session_id).await.unwrap().expect("session is stored")
    }
}

/// Put agents on the roster, as their first sign-in (or the seeded roster) does: only those may
/// be handed a session.
pub async fn enrol(t: &TestApp, agents: &[(&str, &[&str])]) {
    for (agent_id, roles) in agents {
        t.app.store.enrol_agent(agent_id, agent_id, roles, chrono::Utc::now()).await.expect("enrol an agent");
    }
}

pub async fn escalate(app: &App, priority: &str, user_id: &str) -> String {
    let session_id = format!("sess-{}", uuid::Uuid::new_v4().simple());
    let event = json!({
        "event_id": format!("evt-{session_id}"),
        "session_id": session_id,
        "user_id": user_id,
        "member_level": "regular",
        "reason": "Upstream bot handed over",
        "priority": priority,
        "history": [
            {"role": "user", "content": "Where is my order ORD-001?"},
            {"role": "assistant", "content": "You can check My Orders."},
        ],
        "attempted_solutions": ["Suggested checking My Orders"]
    });
    let event = ingest::parse_event(&event.to_string()).unwrap();
    ingest::ingest(app, event).await.unwrap();
    session_id
}

/// A token from the local issuer, as `POST /dev/token` makes it.
pub fn token(sub: &str, groups: &[&str]) -> String {
    let request = TokenRequest {
        sub: sub.to_string(),
        name: Some(format!("{sub} (test)")),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        expires_in: None,
    };
    let now = chrono::Utc::now().timestamp() as u64;
    identity().issue(&request, now).expect("issue a token").access_token
}

// ---- live updates ----------------------------------------------------------------------------

/// As [`spawn_app`], with the live updates running as `infra/dev.sh` runs them: the table's stream
/// read and fanned out to the server's `/ws` sockets. Returns once the stream reader holds its
/// shard iterators, so every write made after this call is delivered.
pub async fn spawn_live_app() -> TestApp {
    spawn_live_app_with(None).await
}

/// As [`spawn_live_app`], with the customer's outbound events handed to `outbound` (the local
/// webhook deliverer), as `local-api` does when `CUSTOMER_WEBHOOK_URL` is set.
pub async fn spawn_live_app_with(outbound: Option<workbench_local::webhook::OutboundSink>) -> TestApp {
    let app = fresh_app().await;
    let functions = template::load(&repo_root().join("template.yaml")).expect("read template.yaml");
    let router = Router::from_routes(&functions.routes).expect("every template route has a handler");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
    let address = format!("http://{}", listener.local_addr().unwrap());
    let mut api = server::LocalApi::new(app.clone(), router, identity());
    api.cors = functions.cors.clone();
    let streams = workbench_local::live::streams_client(Some(&dynamodb_endpoint())).await;
    let mut ready =
        workbench_local::live::spawn_stream_reader_with_outbound(app.store.clone(), streams, api.live.clone(), outbound);
    tokio::time::timeout(std::time::Duration::from_secs(10), ready.wait_for(|ready| *ready))
        .await
        .expect("the stream reader starts within 10 s")
        .expect("the stream reader is running");
    tokio::spawn(server::serve(listener, Arc::new(api)));
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    TestApp { address, app, http }
}

impl TestApp {
    /// `ws://…/ws?token=<token>`
    pub fn live_url(&self, token: &str) -> String {
        format!("{}/ws?token={token}", self.address.replacen("http://", "ws://", 1))
    }
}

/// Every response the tests receive is checked against the OpenAPI document: the route's
/// documented status and, for JSON bodies, its schema. A response outside the contract fails
/// the test that received it.
pub fn assert_in_contract(method: &Method, path: &str, reply: &Reply) {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    static VALIDATORS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<jsonschema::Validator>>>> =
        std::sync::OnceLock::new();
    let document = DOCUMENT.get_or_init(|| serde_json::to_value(workbench::openapi::document()).expect("the document is JSON"));
    let path = path.split('?').next().unwrap_or(path);
    let Some((template, item)) = document["paths"].as_object().and_then(|paths| {
        paths.iter().find(|(template, _)| {
            let want: Vec<&str> = template.split('/').collect();
            let got: Vec<&str> = path.split('/').collect();
            want.len() == got.len() && want.iter().zip(&got).all(|(w, g)| w.starts_with('{') || w == g)
        })
    }) else {
        return; // Not an API route (unknown paths are tested for their 404 elsewhere).
    };
    let Some(operation) = item.get(method.as_str().to_ascii_lowercase()) else { return };
    let status = reply.status.as_u16().to_string();
    let response = &operation["responses"][&status];
    assert!(
        !response.is_null(),
        "{method} {template} answered {status}, which the OpenAPI document does not list: {}",
        reply.body
    );
    let Some(schema) = response.pointer("/content/application~1json/schema") else { return };
    let key = format!("{method} {template} {status}");
    let validator = {
        let cache = VALIDATORS.get_or_init(Default::default);
        let mut cache = cache.lock().unwrap();
        cache
            .entry(key.clone())
            .or_insert_with(|| {
                let mut root = schema.clone();
                if let Some(object) = root.as_object_mut() {
                    object.insert("components".into(), document["components"].clone());
                }
                std::sync::Arc::new(jsonschema::validator_for(&root).expect("the document's schemas compile"))
            })
            .clone()
    };
    let errors: Vec<String> = validator.iter_errors(&reply.body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{key}: the response is outside the OpenAPI schema: {errors:?}\n{}", reply.body);
}
