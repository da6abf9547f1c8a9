//! The local API: an HTTP/1 server that hands each request to the same `routes::handle` the
//! Lambdas run, as API Gateway would (path and query parameters set, body as text).

use crate::router::{Match, Router};
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
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let response = match api.router.find(&method, &path) {
        Match::NotFound => ApiError::RouteNotFound { method, path }.into_response(),
        Match::MethodNotAllowed => ApiError::MethodNotAllowed { method, path }.into_response(),
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
    to_hyper(response)
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
