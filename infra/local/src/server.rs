//! The local API: an HTTP/1 server that hands each request to the same `routes::handle` the
//! Lambdas run, as API Gateway would (path and query parameters set, body as text).

use crate::router::{Match, Router};
use crate::template::CorsConfig;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::{Body, RequestExt};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;
use workbench::error::ApiError;
use workbench::{routes, App};

/// API Gateway's own payload limit; the handlers apply their tighter ones.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

pub struct LocalApi {
    pub app: App,
    pub router: Router,
    /// The HTTP API's CORS configuration from template.yaml, answered as API Gateway does.
    pub cors: Option<CorsConfig>,
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
            if let Err(err) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
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
    let query = req.uri().query().unwrap_or("").to_string();
    let mut response = match api.router.find(&method, &path) {
        Match::NotFound => ApiError::RouteNotFound { method, path }.into_response(),
        Match::MethodNotAllowed { allowed } => {
            let mut response = ApiError::MethodNotAllowed { method, path }.into_response();
            let allow = allowed.join(", ").parse().expect("method names are valid header values");
            response.headers_mut().insert("allow", allow);
            response
        }
        Match::Found { endpoint, path_parameters } => {
            let (parts, body) = req.into_parts();
            match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
                Err(_) => ApiError::PayloadTooLarge { limit: MAX_REQUEST_BYTES }.into_response(),
                Ok(collected) => {
                    let request = lambda_request(parts, collected.to_bytes(), &query, path_parameters);
                    routes::handle(&api.app, endpoint, request).await
                }
            }
        }
    };
    if let (Some(cors), Some(origin)) = (&api.cors, &allowed_origin) {
        add_cors_headers(cors, origin, response.headers_mut());
    }
    to_hyper(response)
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
    lambda_http::http::Request::from_parts(parts, body)
        .with_path_parameters(path_parameters)
        .with_query_string_parameters(query_parameters)
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
