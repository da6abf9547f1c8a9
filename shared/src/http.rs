//! The HTTP edge: reading requests into validated values and writing JSON responses.

use crate::error::ApiError;
use lambda_http::{http::StatusCode, Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Largest request body any route accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(body))
        .expect("a status and one static header always build a response")
}

pub fn ok<T: Serialize + ?Sized>(value: &T) -> Result<Response<Body>, ApiError> {
    Ok(json_response(StatusCode::OK, value))
}

fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// Parse the JSON body. An empty body reads as `{}` when `empty_is_object`, for routes whose
/// fields are all optional (accept, resolve).
pub fn json_body<T: DeserializeOwned>(req: &Request, empty_is_object: bool) -> Result<T, ApiError> {
    let bytes = body_bytes(req);
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
    }
    let bytes: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        if empty_is_object {
            b"{}"
        } else {
            return Err(ApiError::InvalidJson("the request needs a JSON body".to_string()));
        }
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|err| match err.classify() {
        serde_json::error::Category::Data => ApiError::InvalidField(err.to_string()),
        _ => ApiError::InvalidJson(err.to_string()),
    })
}

/// A path parameter that names an id. An id that could never have been issued is reported as
/// not found, like any other unknown id.
pub fn path_id(req: &Request, name: &str, kind: &'static str) -> Result<String, ApiError> {
    let value = req.path_parameters_ref().and_then(|p| p.first(name)).unwrap_or_default().to_string();
    if is_valid_id(&value) {
        Ok(value)
    } else {
        Err(ApiError::NotFound { kind, id: value.chars().take(64).collect() })
    }
}

pub fn is_valid_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 128
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_string)
}

/// A required text field: trimmed, not empty, at most `max_chars` characters.
pub fn required_text(field: &str, value: Option<String>, max_chars: usize) -> Result<String, ApiError> {
    match value {
        None => Err(ApiError::invalid_field(format!("missing field `{field}`"))),
        Some(text) => {
            let text = text.trim().to_string();
            if text.is_empty() {
                return Err(ApiError::invalid_field(format!("`{field}` must not be empty")));
            }
            check_length(field, &text, max_chars)?;
            Ok(text)
        }
    }
}

/// An optional text field: blank reads as absent; too long is a 422.
pub fn optional_text(field: &str, value: Option<String>, max_chars: usize) -> Result<Option<String>, ApiError> {
    match value.map(|t| t.trim().to_string()) {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => {
            check_length(field, &text, max_chars)?;
            Ok(Some(text))
        }
    }
}

fn check_length(field: &str, text: &str, max_chars: usize) -> Result<(), ApiError> {
    if text.chars().count() > max_chars {
        Err(ApiError::out_of_range(format!("`{field}` is longer than {max_chars} characters")))
    } else {
        Ok(())
    }
}

/// An optional id-like field (agent ids, user ids).
pub fn optional_id(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value.map(|v| v.trim().to_string()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if is_valid_id(&v) => Ok(Some(v)),
        Some(_) => Err(ApiError::invalid_field(format!(
            "`{field}` must be 1-128 characters of letters, digits, '-', '_', '.', ':'"
        ))),
    }
}

pub fn required_id(field: &str, value: Option<String>) -> Result<String, ApiError> {
    optional_id(field, value)?.ok_or_else(|| ApiError::invalid_field(format!("missing field `{field}`")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Probe {
        #[allow(dead_code)]
        content: String,
    }

    fn request(body: &str) -> Request {
        lambda_http::http::Request::builder().body(Body::Text(body.to_string())).unwrap()
    }

    #[test]
    fn malformed_json_and_wrong_types_have_different_codes() {
        let err = json_body::<Probe>(&request("{not json"), false).unwrap_err();
        assert_eq!(err.code(), "invalid_json");
        let err = json_body::<Probe>(&request(r#"{"content": 5}"#), false).unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        let err = json_body::<Probe>(&request("{}"), false).unwrap_err();
        assert_eq!(err.code(), "invalid_field");
    }

    #[test]
    fn an_oversize_body_is_a_413() {
        let big = format!(r#"{{"content": "{}"}}"#, "a".repeat(MAX_BODY_BYTES));
        let err = json_body::<Probe>(&request(&big), false).unwrap_err();
        assert_eq!(err.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn an_empty_body_is_an_empty_object_only_where_allowed() {
        #[derive(Debug, Deserialize)]
        struct AllOptional {
            #[allow(dead_code)]
            note: Option<String>,
        }
        assert!(json_body::<AllOptional>(&request(""), true).is_ok());
        assert_eq!(json_body::<AllOptional>(&request(""), false).unwrap_err().code(), "invalid_json");
    }

    #[test]
    fn text_fields_are_trimmed_and_bounded() {
        assert_eq!(required_text("content", Some("  hi ".into()), 10).unwrap(), "hi");
        assert_eq!(required_text("content", Some("   ".into()), 10).unwrap_err().code(), "invalid_field");
        assert_eq!(required_text("content", None, 10).unwrap_err().code(), "invalid_field");
        let err = required_text("content", Some("你好".repeat(6)), 10).unwrap_err();
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn ids_are_restricted_to_a_safe_alphabet() {
        assert!(is_valid_id("sess-9f3c2a1b"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a/b"));
        assert!(!is_valid_id(&"a".repeat(129)));
        assert_eq!(optional_id("agent_id", Some("bad id".into())).unwrap_err().code(), "invalid_field");
    }
}
