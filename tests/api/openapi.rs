//! The OpenAPI document: the committed copy is the generated one, it is served, and its paths
//! are exactly the routes of template.yaml and of the local router.

use crate::helpers::{repo_root, spawn_app};
use reqwest::StatusCode;
use std::collections::BTreeSet;
use workbench::openapi;
use workbench::Endpoint;
use workbench_local::router::Router;
use workbench_local::template;

const COMMITTED: &str = "docs/openapi.json";

/// `UPDATE_OPENAPI=1 cargo test -p workbench-integration-tests --test api openapi` rewrites the file.
#[test]
fn the_committed_document_is_the_generated_one() {
    let generated = openapi::document_json();
    let path = repo_root().join(COMMITTED);
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} is not the document the code generates; run UPDATE_OPENAPI=1 cargo test -p workbench-integration-tests --test api openapi"
    );
}

/// (operation id, method, path) of every operation in the document.
fn documented() -> BTreeSet<(String, String, String)> {
    let doc = serde_json::to_value(openapi::document()).unwrap();
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                let id = operation["operationId"].as_str().unwrap().to_string();
                found.insert((id, method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    found
}

#[test]
fn openapi_paths_are_the_templates_routes_and_the_local_routers() {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let functions = template::parse(&text).unwrap();
    let in_template: BTreeSet<(String, String, String)> = functions
        .routes
        .iter()
        .map(|r| (Endpoint::from_function_name(&r.function).unwrap().binary().to_string(), r.method.clone(), r.path.clone()))
        .collect();
    let router = Router::from_routes(&functions.routes).unwrap();
    let in_router: BTreeSet<(String, String, String)> =
        router.routes().map(|(e, method, path)| (e.binary().to_string(), method.to_string(), path)).collect();
    let in_document = documented();
    assert_eq!(in_document, in_template, "OpenAPI operations vs template.yaml routes");
    assert_eq!(in_router, in_template, "local router vs template.yaml routes");
    let endpoints: BTreeSet<String> = Endpoint::all().map(|e| e.binary().to_string()).collect();
    let operations: BTreeSet<String> = in_document.into_iter().map(|(id, _, _)| id).collect();
    assert_eq!(operations, endpoints, "one operation per Endpoint, named by its binary");
}

#[tokio::test]
async fn the_document_is_served_and_is_the_generated_one() {
    let t = spawn_app().await;
    let reply = t.get(openapi::PATH).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(reply.body, serde_json::to_value(openapi::document()).unwrap());
    assert_eq!(reply.body["openapi"], "3.1.0");
    let anonymous = t.call(reqwest::Method::GET, openapi::PATH, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[test]
fn the_error_code_schema_lists_exactly_the_codes_of_error_responses() {
    let doc = serde_json::to_value(openapi::document()).unwrap();
    let documented: BTreeSet<String> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    // The codes `ApiError::code` can return.
    let source = std::fs::read_to_string(repo_root().join("shared/src/error.rs")).unwrap();
    let body = &source[source.find("pub fn code(&self)").unwrap()..];
    let body = &body[..body.find("\n    }\n").unwrap()];
    let literal = regex::Regex::new(r#"=> "([a-z_]+)""#).unwrap();
    let mut in_code: BTreeSet<String> = literal.captures_iter(body).map(|c| c[1].to_string()).collect();
    // Conflicts and 422s carry their code from where they are raised; business assist's codes
    // are `result.error` of a 200, not error responses.
    let given = regex::Regex::new(r#"code: "([a-z_]+)""#).unwrap();
    let mut stack = vec![repo_root().join("shared/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("business") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                in_code.extend(given.captures_iter(&text).map(|c| c[1].to_string()));
            }
        }
    }
    assert_eq!(documented, in_code);
}

/// The check every integration test's responses go through catches a body outside the schema
/// and a status the document does not list.
#[test]
fn the_contract_check_refuses_what_the_document_does_not_allow() {
    use crate::helpers::{assert_in_contract, Reply};
    let reply = |status: u16, body: serde_json::Value| Reply {
        status: reqwest::StatusCode::from_u16(status).unwrap(),
        headers: Default::default(),
        body,
    };
    let good = reply(200, serde_json::json!({"agent_id": "agent-001", "name": "Ada", "roles": ["agent"]}));
    assert_in_contract(&reqwest::Method::GET, "/api/v1/agent/me", &good);
    let wrong_type = reply(200, serde_json::json!({"agent_id": 5, "name": "Ada", "roles": ["agent"]}));
    assert!(std::panic::catch_unwind(|| assert_in_contract(&reqwest::Method::GET, "/api/v1/agent/me", &wrong_type)).is_err());
    let unlisted = reply(418, serde_json::json!({}));
    assert!(std::panic::catch_unwind(|| assert_in_contract(&reqwest::Method::GET, "/api/v1/agent/me", &unlisted)).is_err());
}
