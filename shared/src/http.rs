//! The HTTP edge: reading requests into validated values and writing JSON responses. Errors
//! (`crate::error`) know nothing of HTTP bodies; this module turns them into responses.

use crate::auth::Unauthenticated;
use crate::error::ApiError;
pub use crate::text::{first_control, is_blank, is_invisible, is_valid_id, strip_controls};
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

/// 204: done, nothing to say (an empty queue for "next").
pub fn no_content() -> Result<Response<Body>, ApiError> {
    Ok(Response::builder().status(StatusCode::NO_CONTENT).body(Body::Empty).expect("a status alone always builds a response"))
}

impl ApiError {
    /// The JSON response of an error. An outage's cause goes to the log, never to the client.
    pub fn into_response(self) -> Response<Body> {
        if let ApiError::Internal(source) = &self {
            tracing::error!(error = %source, cause = ?source.source(), "request failed");
        }
        if let ApiError::Unavailable(source) = &self {
            tracing::warn!(error = %source, "data store unavailable");
        }
        let mut response = json_response(self.status(), &self.body());
        // A duplicate of a request still running (or whose answer was lost to an outage, until its
        // claim lapses) is told when to come back, as an outage is.
        if matches!(&self, ApiError::Unavailable(_) | ApiError::Conflict { code: "request_in_progress", .. }) {
            response.headers_mut().insert("retry-after", crate::error::RETRY_AFTER_SECONDS.into());
        }
        if let ApiError::Unauthorized(why) = &self {
            // RFC 6750: say which scheme to use, and why the credential was refused.
            let challenge = match why {
                Unauthenticated::Missing | Unauthenticated::InvalidApiKey => "Bearer".to_string(),
                other => format!("Bearer error=\"invalid_token\", error_description=\"{}\"", other.reason()),
            };
            if let Ok(value) = challenge.parse() {
                response.headers_mut().insert("www-authenticate", value);
            }
        }
        response
    }
}

/// A stored JSON body answered again as it was (idempotent replays).
pub fn raw_json_response(status: u16, body: String) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("content-type", "application/json")
        .body(Body::Text(body))
        .expect("a status and one static header always build a response")
}

pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// Parse the JSON body. An empty body reads as `{}` when `empty_is_object`, for routes whose
/// fields are all optional (accept, resolve).
///
/// The body must be one JSON object whose fields the request type knows (every request type is
/// `deny_unknown_fields`): a misspelt field is refused, never silently ignored, and an array is
/// not read positionally into the fields. Messages name the field in the client's words, never a
/// Rust type.
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
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        // Valid JSON of another kind is a wrong type; anything else is not JSON at all.
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => ApiError::invalid_field("the request body must be a JSON object"),
            Err(err) => ApiError::InvalidJson(without_position(&err.to_string())),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => ApiError::InvalidField(client_message(&field, &inner.to_string())),
            _ => ApiError::InvalidJson(without_position(&inner.to_string())),
        }
    })?;
    // Anything after the object (`{} {}`) is not one JSON document.
    de.end().map_err(|err| ApiError::InvalidJson(without_position(&err.to_string())))?;
    Ok(value)
}

/// serde's positions (`at line 1 column 12`) mean nothing to a client of a one-line body.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_string(),
        _ => message.to_string(),
    }
}

/// What serde expected, in JSON's words rather than Rust's.
fn json_kind(expected: &str) -> String {
    let expected = expected.trim();
    match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "isize" | "usize" => {
            "an integer".to_string()
        }
        "f32" | "f64" => "a number".to_string(),
        "a sequence" | "sequence" => "an array".to_string(),
        "a map" | "map" => "an object".to_string(),
        "a boolean" | "a string" => expected.to_string(),
        e if e.starts_with("struct ") || e.starts_with("tuple struct ") => "an object".to_string(),
        e if e.starts_with("unit variant") || e.starts_with("variant") || e.starts_with("one of") => e.to_string(),
        _ => "a value of another kind".to_string(),
    }
}

/// What the client sent instead, in JSON's words, without echoing the value (it may be personal).
fn json_found(found: &str) -> &'static str {
    let found = found.trim();
    if found.starts_with("integer") || found.starts_with("floating point") {
        "a number"
    } else if found.starts_with("string") {
        "a string"
    } else if found.starts_with("boolean") {
        "a boolean"
    } else if found == "null" || found == "unit value" {
        "null"
    } else if found == "sequence" {
        "an array"
    } else if found == "map" {
        "an object"
    } else {
        "a value of another kind"
    }
}

/// A serde data error as a client reads it: which field, what was wrong.
fn client_message(path: &str, raw: &str) -> String {
    let raw = without_position(raw);
    let field = if path.is_empty() || path == "." { None } else { Some(path) };
    let name = |f: Option<&str>| f.map(|f| format!("`{f}`")).unwrap_or_else(|| "the request body".to_string());
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        // `unknown field `x`, expected one of `a`, `b`` / `expected `a`` / `there are no fields`
        let (unknown, allowed) = rest.split_once(", ").unwrap_or((rest, ""));
        let allowed = allowed
            .strip_prefix("expected one of ")
            .or_else(|| allowed.strip_prefix("expected "))
            .map(|list| format!("; the fields of this request are {list}"))
            .unwrap_or_else(|| "; this request takes no fields".to_string());
        return format!("unknown field {unknown}{allowed}");
    }
    if raw.starts_with("missing field ") || raw.starts_with("duplicate field ") {
        return raw;
    }
    if let Some(rest) = raw.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return format!("{} must be {}, not {}", name(field), json_kind(expected), json_found(found));
        }
    }
    if let Some(rest) = raw.strip_prefix("invalid value: ") {
        if let Some((_, expected)) = rest.split_once(", expected ") {
            return format!("{} has a value out of range; expected {}", name(field), json_kind(expected));
        }
    }
    if raw.starts_with("invalid length") {
        return format!("{} must be an object", name(field));
    }
    format!("{} is not valid", name(field))
}

/// Whitespace and the zero-width spaces that pad copied text; joiners and variation selectors
/// stay, since they belong to the character beside them.
fn trim_padding(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'))
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

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_string)
}

/// A required text field: trimmed, not empty, at most `max_chars` characters.
pub fn required_text(field: &str, value: Option<String>, max_chars: usize) -> Result<String, ApiError> {
    match value {
        None => Err(ApiError::invalid_field(format!("missing field `{field}`"))),
        Some(text) => {
            let text = trim_padding(&text).to_string();
            check_controls(field, &text)?;
            if is_blank(&text) {
                return Err(ApiError::invalid_field(format!("`{field}` must not be empty")));
            }
            check_length(field, &text, max_chars)?;
            Ok(text)
        }
    }
}

/// An optional text field: blank reads as absent; too long is a 422.
pub fn optional_text(field: &str, value: Option<String>, max_chars: usize) -> Result<Option<String>, ApiError> {
    let Some(text) = value.map(|t| trim_padding(&t).to_string()) else { return Ok(None) };
    check_controls(field, &text)?;
    if is_blank(&text) {
        return Ok(None);
    }
    check_length(field, &text, max_chars)?;
    Ok(Some(text))
}

fn check_controls(field: &str, text: &str) -> Result<(), ApiError> {
    match first_control(text) {
        None => Ok(()),
        Some(c) => Err(ApiError::InvalidText(format!(
            "`{field}` contains the control character U+{:04X}; only tab and newline are allowed",
            c as u32
        ))),
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        agent_id: Option<String>,
        top_k: Option<i64>,
        flag: Option<bool>,
    }

    fn message_of(body: &str) -> (String, &'static str) {
        let err = json_body::<Strict>(&request(body), true).unwrap_err();
        (err.to_string(), err.code())
    }

    #[test]
    fn unknown_fields_are_named_with_the_fields_that_exist() {
        let (message, code) = message_of(r#"{"agentId": "agent-7"}"#);
        assert_eq!(code, "invalid_field");
        assert_eq!(message, "unknown field `agentId`; the fields of this request are `agent_id`, `top_k`, `flag`");
    }

    #[test]
    fn only_an_object_is_a_request_body() {
        for body in [r#"["agent-X"]"#, "[]", "5", "null", "\"x\""] {
            let (message, code) = message_of(body);
            assert_eq!((message.as_str(), code), ("the request body must be a JSON object", "invalid_field"), "{body}");
        }
        assert_eq!(message_of("[").1, "invalid_json");
        assert_eq!(message_of("{} {}").1, "invalid_json");
        assert_eq!(message_of(r#"{"agent_id": "a", "agent_id": "b"}"#).0, "duplicate field `agent_id`");
    }

    #[test]
    fn type_errors_name_the_field_in_json_words() {
        assert_eq!(message_of(r#"{"top_k": "five"}"#).0, "`top_k` must be an integer, not a string");
        assert_eq!(message_of(r#"{"top_k": 2.5}"#).0, "`top_k` must be an integer, not a number");
        assert_eq!(message_of(r#"{"flag": "yes"}"#).0, "`flag` must be a boolean, not a string");
        assert_eq!(message_of(r#"{"agent_id": ["a"]}"#).0, "`agent_id` must be a string, not an array");
        assert_eq!(message_of(r#"{"agent_id": {}}"#).0, "`agent_id` must be a string, not an object");
        let (message, code) = message_of("{not json");
        assert_eq!(code, "invalid_json");
        assert!(!message.contains("line 1"), "{message}");
    }

    #[test]
    fn text_of_invisible_characters_is_blank() {
        for text in ["\u{200b}", "\u{200b}\u{200c}\u{200d}", " \u{2060}\u{feff} ", "\u{00ad}", "\u{3164}", "\u{2800}", "\u{fe0f}"] {
            assert!(is_blank(text), "{text:?}");
            assert_eq!(required_text("content", Some(text.into()), 10).unwrap_err().code(), "invalid_field");
            assert_eq!(optional_text("note", Some(text.into()), 10).unwrap(), None);
        }
        assert_eq!(required_text("content", Some("\u{200b}ok\u{200b} ".into()), 10).unwrap(), "ok");
        // A joiner inside an emoji sequence is part of the text.
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        assert_eq!(required_text("content", Some(family.into()), 10).unwrap(), family);
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
