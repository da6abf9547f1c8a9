//! One function per route; each takes the borrowed [`crate::app::App`] and the request.

pub mod agent;
pub mod business;
pub mod chat;
pub mod knowledge;
pub mod team;

/// GET /api/v1/openapi.json — the document of [`crate::openapi`].
pub async fn openapi_document(
    _app: &crate::app::App,
    _req: &lambda_http::Request,
    _caller: &crate::auth::Principal,
) -> Result<lambda_http::Response<lambda_http::Body>, crate::error::ApiError> {
    crate::http::ok(&crate::openapi::document())
}
