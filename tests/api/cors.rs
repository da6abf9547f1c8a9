//! Issue 13: the local stack answers CORS as API Gateway does with template.yaml's
//! CorsConfiguration, and a 405 says which methods the path has.

use crate::helpers::{repo_root, spawn_app, API_KEY};
use reqwest::{Method, StatusCode};
use workbench_local::template;

fn template_cors() -> template::CorsConfig {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    template::parse(&text).unwrap().cors.expect("template.yaml configures CORS")
}

#[tokio::test]
async fn a_preflight_from_the_workbench_origin_is_answered_without_a_key() {
    let t = spawn_app().await;
    let cors = template_cors();
    let origin = cors.allow_origins[0].clone();
    assert_eq!(origin, "http://localhost:3000", "the template's default WorkbenchOrigin");
    for path in ["/api/v1/agent/sessions/pending", "/api/v1/agent/sessions/sess-1/accept", "/api/v1/knowledge/faqs/faq-1"] {
        let res = t
            .http
            .request(Method::OPTIONS, format!("{}{path}", t.address))
            .header("origin", &origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,x-api-key")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{path}");
        let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(header("access-control-allow-origin").as_deref(), Some(origin.as_str()), "{path}");
        let methods = header("access-control-allow-methods").unwrap().to_ascii_uppercase();
        for method in &cors.allow_methods {
            assert!(methods.contains(method.as_str()), "{methods}");
        }
        let headers = header("access-control-allow-headers").unwrap().to_ascii_lowercase();
        assert!(headers.contains("x-api-key") && headers.contains("content-type"), "{headers}");
    }
}

#[tokio::test]
async fn a_preflight_from_another_origin_gets_no_permission() {
    let t = spawn_app().await;
    let res = t
        .http
        .request(Method::OPTIONS, format!("{}/api/v1/agent/sessions/pending", t.address))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn responses_to_the_workbench_origin_carry_cors_headers_and_expose_the_cursor() {
    let t = spawn_app().await;
    let origin = template_cors().allow_origins[0].clone();
    let res = t
        .http
        .get(format!("{}/api/v1/agent/sessions/pending", t.address))
        .header("origin", &origin)
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], origin.as_str());
    assert!(res.headers()["access-control-expose-headers"].to_str().unwrap().contains("x-next-cursor"));
}

#[tokio::test]
async fn a_405_names_the_allowed_methods() {
    let t = spawn_app().await;
    let reply = t.call(Method::DELETE, "/api/v1/agent/sessions/pending", None, Some(API_KEY)).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers["allow"], "GET");
    let reply = t.call(Method::PUT, "/api/v1/knowledge/faqs", None, Some(API_KEY)).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers["allow"], "GET, POST");
    // A plain OPTIONS (not a preflight) is a method like any other.
    let reply = t.call(Method::OPTIONS, "/api/v1/chat", None, Some(API_KEY)).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers["allow"], "POST");
}
