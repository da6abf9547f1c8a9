//! The local API: an HTTP/1 server that hands each request to the same `routes::handle` the
//! Lambdas run, as API Gateway would (path and query parameters set, body as text, the JWT
//! authorizer's claims in the request context). Beside the template's routes it plays Cognito
//! for local sign-in and serves the built workbench.

use crate::identity::{LocalIdentity, TokenRequest};
use crate::router::{Match, Router};
use crate::template::CorsConfig;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use lambda_http::http::StatusCode;
use hyper_util::rt::TokioIo;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription, ApiGatewayV2httpRequestContext,
};
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use workbench::auth::{Unauthenticated, API_KEY_HEADER};
use workbench::error::ApiError;
use workbench::http::json_response;
use workbench::{routes, App};

/// API Gateway's own payload limit; the handlers apply their tighter ones.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

pub struct LocalApi {
    pub app: App,
    pub router: Router,
    pub identity: Arc<LocalIdentity>,
    /// The demo agents the sign-in page lists (`GET /dev/agents`).
    pub demo_agents: Value,
    /// The built workbench (`web/dist`), served at `/` when present.
    pub web_root: Option<PathBuf>,
    /// The HTTP API's CORS configuration from template.yaml, answered as API Gateway does.
    pub cors: Option<CorsConfig>,
    /// The live-update sockets (`/ws`), fed by [`crate::live::spawn_stream_reader`].
    pub live: Arc<crate::live::LiveHub>,
}

impl LocalApi {
    pub fn new(app: App, router: Router, identity: Arc<LocalIdentity>) -> Self {
        LocalApi { app, router, identity, demo_agents: json!({"agents": []}), web_root: None, cors: None, live: Arc::default() }
    }
}

/// Serve until the listener fails; each connection runs on its own task.
pub async fn serve(listener: TcpListener, api: Arc<LocalApi>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let api = api.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let api = api.clone();
                async move { Ok::<_, Infallible>(respond(&api, req).await) }
            });
            if let Err(err) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).with_upgrades().await {
                tracing::debug!(error = %err, "connection closed with an error");
            }
        });
    }
}

async fn respond(api: &LocalApi, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let origin = req.headers().get("origin").and_then(|v| v.to_str().ok()).map(str::to_string);
    let allowed_origin = match (&api.cors, &origin) {
        (Some(cors), Some(origin)) if cors.allows_origin(origin) => Some(origin.clone()),
        _ => None,
    };
    // API Gateway answers a CORS preflight itself, on any path, before routes and auth.
    if let (Some(cors), true) = (&api.cors, is_preflight(&req)) {
        return to_hyper(preflight(cors, allowed_origin.as_deref()));
    }
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let mut response = route(api, &method, &path, req).await;
    if let (Some(cors), Some(origin)) = (&api.cors, &allowed_origin) {
        add_cors_headers(cors, origin, response.headers_mut());
    }
    to_hyper(response)
}

/// First the routes only the local stack has: sign-in (Cognito's part), its key set, the
/// workbench's configuration; then the template's routes; then the workbench's files.
async fn route(api: &LocalApi, method: &str, path: &str, req: hyper::Request<Incoming>) -> lambda_http::Response<Body> {
    let query = req.uri().query().unwrap_or("").to_string();
    let response = match (method, path) {
        ("GET", "/.well-known/jwks.json") => json_response(StatusCode::OK, api.identity.jwks()),
        ("GET", "/dev/agents") => json_response(StatusCode::OK, &api.demo_agents),
        // API Gateway's WebSocket API for the live updates.
        ("GET", "/ws") => crate::live::accept(&api.app, &api.identity, &api.live, req).await,
        ("GET", "/config.json") => json_response(StatusCode::OK, &json!({"auth": "local"})),
        ("POST", "/dev/token") => {
            let bytes = match Limited::new(req.into_body(), 16 * 1024).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => return ApiError::PayloadTooLarge { limit: 16 * 1024 }.into_response(),
            };
            match serde_json::from_slice::<TokenRequest>(&bytes) {
                Err(err) => ApiError::invalid_field(format!("expected {{sub, name?, groups?, expires_in?}}: {err}")).into_response(),
                Ok(request) => match api.identity.issue(&request, unix_now()) {
                    Ok(token) => json_response(StatusCode::OK, &token),
                    Err(message) => ApiError::invalid_field(message).into_response(),
                },
            }
        }
        _ => match api.router.find(method, path) {
            Match::Found { endpoint, path_parameters, authorized } => {
                let claims = if authorized {
                    match authorize(api, req.headers()) {
                        Ok(claims) => claims,
                        Err(why) => return ApiError::Unauthorized(why).into_response(),
                    }
                } else {
                    None
                };
                let (parts, body) = req.into_parts();
                match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
                    Err(_) => ApiError::PayloadTooLarge { limit: MAX_REQUEST_BYTES }.into_response(),
                    Ok(collected) => {
                        let request = lambda_request(parts, collected.to_bytes(), &query, path_parameters, claims);
                        routes::handle(&api.app, endpoint, request).await
                    }
                }
            }
            Match::MethodNotAllowed { allowed } => {
                let mut response = ApiError::MethodNotAllowed { method: method.into(), path: path.into() }.into_response();
                let allow = allowed.join(", ").parse().expect("method names are valid header values");
                response.headers_mut().insert("allow", allow);
                response
            }
            Match::NotFound => match static_file(api, method, path).await {
                Some(response) => response,
                None => ApiError::RouteNotFound { method: method.into(), path: path.into() }.into_response(),
            },
        },
    };
    response
}

/// API Gateway's JWT authorizer: a bearer token must verify, else 401 before any handler. A
/// request with no `Authorization` header but an `X-API-Key` goes on to the handler, which
/// admits it by the key's scopes: the local stack keeps the tutorial's key-only workflow (in AWS
/// these routes take tokens only; see README, "Who may do what").
fn authorize(api: &LocalApi, headers: &hyper::HeaderMap) -> Result<Option<HashMap<String, String>>, Unauthenticated> {
    match headers.get(hyper::header::AUTHORIZATION) {
        Some(value) => {
            let value = value.to_str().map_err(|_| Unauthenticated::MalformedToken("not ASCII".into()))?;
            api.identity.verify(value).map(Some)
        }
        None if headers.contains_key(API_KEY_HEADER) => Ok(None),
        None => Err(Unauthenticated::Missing),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A file of the built workbench, or its `index.html` for the app's own paths (client-side
/// routing). API paths never fall back to the app.
async fn static_file(api: &LocalApi, method: &str, path: &str) -> Option<lambda_http::Response<Body>> {
    let root = api.web_root.as_ref()?;
    if method != "GET" && method != "HEAD" || path.starts_with("/api/") || path.split('/').any(|s| s == "..") {
        return None;
    }
    let relative = path.trim_start_matches('/');
    let candidate = root.join(if relative.is_empty() { "index.html" } else { relative });
    let (file, bytes) = match tokio::fs::read(&candidate).await {
        Ok(bytes) => (candidate, bytes),
        Err(_) if !relative.contains('.') => {
            let index = root.join("index.html");
            let bytes = tokio::fs::read(&index).await.ok()?;
            (index, bytes)
        }
        Err(_) => return None,
    };
    let content_type = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "map" => "application/json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
    // Hashed asset names never change content; the page itself is always revalidated.
    let cache = if path.starts_with("/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    lambda_http::Response::builder()
        .status(StatusCode::OK)
        .header("content-type", content_type)
        .header("cache-control", cache)
        .body(Body::Binary(bytes))
        .ok()
}

/// An OPTIONS request with an `Origin` and an `Access-Control-Request-Method`.
fn is_preflight(req: &hyper::Request<Incoming>) -> bool {
    req.method() == hyper::Method::OPTIONS
        && req.headers().contains_key("origin")
        && req.headers().contains_key("access-control-request-method")
}

/// 204; the permissions only for an allowed origin (the browser then refuses the others).
fn preflight(cors: &CorsConfig, allowed_origin: Option<&str>) -> lambda_http::Response<Body> {
    let mut response = lambda_http::Response::builder()
        .status(204)
        .body(Body::Empty)
        .expect("a status alone always builds a response");
    if let Some(origin) = allowed_origin {
        let headers = response.headers_mut();
        add_cors_headers(cors, origin, headers);
        insert(headers, "access-control-allow-methods", &cors.allow_methods.join(","));
        insert(headers, "access-control-allow-headers", &cors.allow_headers.join(","));
        if let Some(max_age) = cors.max_age {
            insert(headers, "access-control-max-age", &max_age.to_string());
        }
    }
    response
}

fn add_cors_headers(cors: &CorsConfig, origin: &str, headers: &mut lambda_http::http::HeaderMap) {
    let allow_origin = if cors.allow_origins.iter().any(|o| o == "*") && !cors.allow_credentials { "*" } else { origin };
    insert(headers, "access-control-allow-origin", allow_origin);
    if !cors.expose_headers.is_empty() {
        insert(headers, "access-control-expose-headers", &cors.expose_headers.join(","));
    }
    if cors.allow_credentials {
        insert(headers, "access-control-allow-credentials", "true");
    }
    insert(headers, "vary", "origin");
}

fn insert(headers: &mut lambda_http::http::HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = value.parse() {
        headers.insert(name, value);
    }
}

fn lambda_request(
    parts: hyper::http::request::Parts,
    bytes: Bytes,
    query: &str,
    path_parameters: HashMap<String, String>,
    claims: Option<HashMap<String, String>>,
) -> lambda_http::Request {
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(err) => Body::Binary(err.into_bytes()),
        }
    };
    let mut query_parameters: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        query_parameters.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    let request = lambda_http::http::Request::from_parts(parts, body)
        .with_path_parameters(path_parameters)
        .with_query_string_parameters(query_parameters);
    match claims {
        None => request,
        Some(claims) => {
            let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
            jwt.claims = claims;
            let mut authorizer = ApiGatewayRequestAuthorizer::default();
            authorizer.jwt = Some(jwt);
            let mut context = ApiGatewayV2httpRequestContext::default();
            context.authorizer = Some(authorizer);
            request.with_request_context(RequestContext::ApiGatewayV2(context))
        }
    }
}

fn to_hyper(response: lambda_http::Response<Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}
