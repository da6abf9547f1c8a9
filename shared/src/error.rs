//! Errors typed to the edge: every failure a handler can meet, and the one JSON shape it becomes.

use crate::auth::{Denied, Unauthenticated};
use crate::domain::AgentStatus;
use crate::state_machine::TransitionRejected;
use lambda_http::http::StatusCode;
use serde_json::{json, Value};

/// A failure of a storage call, kept typed so a conflict is never mistaken for an outage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error(transparent)]
    Rejected(#[from] TransitionRejected),
    /// As `Rejected`, where the session is held by an agent: the refusal names them, so that an
    /// agent whose own earlier try won (its answer lost to a timeout) learns it from the 409.
    #[error("{rejected} (held by {holder})")]
    RejectedHeld { rejected: TransitionRejected, holder: String },
    /// The conditional write found the caller may not do this (another assignee, own solution).
    #[error(transparent)]
    Denied(#[from] Denied),
    /// A conditional write lost to another writer on something other than the session status.
    #[error("{0}")]
    Conflict(String),
    /// The agent already holds as many sessions as their capacity allows.
    #[error(transparent)]
    AtCapacity(#[from] AtCapacity),
    /// DynamoDB could not be reached, did not answer within the budget, or throttled: the request
    /// may succeed later, and nothing was changed by this one that a retry would duplicate.
    #[error("DynamoDB {operation} is unavailable: {source}")]
    Unavailable {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("DynamoDB {operation} failed: {source}")]
    Dynamo {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("stored item could not be read: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A failed DynamoDB call: an outage (timeout, no connection, throttling) or a real error.
    pub fn dynamo(operation: &'static str, source: impl DynamoFailure) -> Self {
        if source.is_outage() {
            StoreError::Unavailable { operation, source: Box::new(source) }
        } else {
            StoreError::Dynamo { operation, source: Box::new(source) }
        }
    }

    pub fn session_not_found(id: &str) -> Self {
        StoreError::NotFound { kind: "session", id: id.to_string() }
    }
}

/// An accept or transfer refused because the agent is at capacity: a 409 `at_capacity`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("agent {agent_id} already holds {active_sessions} sessions, the most they may hold ({max_sessions})")]
pub struct AtCapacity {
    pub agent_id: String,
    pub active_sessions: i64,
    pub max_sessions: u32,
}

/// What the store needs to know of a failed SDK call: whether it was an outage.
pub trait DynamoFailure: std::error::Error + Send + Sync + 'static {
    /// The service could not be reached or did not answer in time, or asked us to slow down.
    fn is_outage(&self) -> bool;
}

impl<E, R> DynamoFailure for aws_smithy_runtime_api::client::result::SdkError<E, R>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    fn is_outage(&self) -> bool {
        use aws_smithy_runtime_api::client::result::SdkError;
        match self {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(service) => matches!(
                service.err().code(),
                Some(
                    "ThrottlingException"
                        | "ProvisionedThroughputExceededException"
                        | "RequestLimitExceeded"
                        | "InternalServerError"
                        | "ServiceUnavailable"
                )
            ),
            _ => false,
        }
    }
}

impl DynamoFailure for aws_sdk_dynamodb::error::BuildError {
    fn is_outage(&self) -> bool {
        false
    }
}

/// How long a client should wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 2;

/// Everything a handler can answer other than success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("{0}")]
    InvalidField(String),
    /// Text with control characters (NUL, ESC, …) other than tab and newline.
    #[error("{0}")]
    InvalidText(String),
    #[error(transparent)]
    Unauthorized(#[from] Unauthenticated),
    #[error(transparent)]
    Forbidden(#[from] Denied),
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("no route for {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    /// The session's status does not allow this; the agent holding it, if any.
    #[error("{0}")]
    InvalidState(TransitionRejected, Option<String>),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    AtCapacity(#[from] AtCapacity),
    /// Well-formed, but not acceptable as it stands (a reused idempotency key).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    OutOfRange(String),
    #[error("the data store is unavailable; retry in a moment")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn invalid_field(message: impl Into<String>) -> Self {
        ApiError::InvalidField(message.into())
    }

    pub fn out_of_range(message: impl Into<String>) -> Self {
        ApiError::OutOfRange(message.into())
    }

    pub fn session_not_found(id: &str) -> Self {
        ApiError::NotFound { kind: "session", id: id.to_string() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_) | ApiError::InvalidField(_) | ApiError::InvalidText(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } | ApiError::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::InvalidState(..) | ApiError::Conflict { .. } | ApiError::AtCapacity(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::OutOfRange(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::InvalidField(_) => "invalid_field",
            ApiError::InvalidText(_) => "invalid_text",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(Denied::Forbidden(_)) => "forbidden",
            ApiError::Forbidden(Denied::NotAssignee { .. }) => "not_assignee",
            ApiError::Forbidden(Denied::OwnSolution) => "own_solution",
            ApiError::NotFound { kind: "session", .. } => "session_not_found",
            ApiError::NotFound { kind: "solution", .. } => "solution_not_found",
            ApiError::NotFound { kind: "faq", .. } => "faq_not_found",
            ApiError::NotFound { kind: "document", .. } => "document_not_found",
            ApiError::NotFound { kind: "agent", .. } => "unknown_agent",
            ApiError::NotFound { .. } => "not_found",
            ApiError::RouteNotFound { .. } => "route_not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::InvalidState(..) => "invalid_state",
            ApiError::Conflict { code, .. } => code,
            ApiError::AtCapacity(_) => "at_capacity",
            ApiError::Unprocessable { code, .. } => code,
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::OutOfRange(_) => "value_out_of_range",
            ApiError::Unavailable(_) => "store_unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> Value {
        let mut body = json!({ "error": self.code(), "message": self.to_string() });
        match self {
            ApiError::InvalidState(rejected, holder) => {
                body["agent_status"] = json!(status_name(rejected.current));
                if let Some(holder) = holder {
                    body["assigned_agent_id"] = json!(holder);
                }
            }
            ApiError::Unauthorized(why) => body["reason"] = json!(why.reason()),
            ApiError::Forbidden(Denied::NotAssignee { assignee }) => body["assigned_agent_id"] = json!(assignee),
            ApiError::AtCapacity(full) => {
                body["agent_id"] = json!(full.agent_id);
                body["active_sessions"] = json!(full.active_sessions);
                body["max_sessions"] = json!(full.max_sessions);
            }
            _ => {}
        }
        body
    }
}

impl From<TransitionRejected> for ApiError {
    fn from(rejected: TransitionRejected) -> Self {
        ApiError::InvalidState(rejected, None)
    }
}

/// `none` is how a bot-only session is named on the wire.
fn status_name(status: AgentStatus) -> &'static str {
    status.as_str()
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { kind, id } => ApiError::NotFound { kind, id },
            StoreError::Rejected(rejected) => ApiError::InvalidState(rejected, None),
            StoreError::RejectedHeld { rejected, holder } => ApiError::InvalidState(rejected, Some(holder)),
            StoreError::Denied(denied) => ApiError::Forbidden(denied),
            unavailable @ StoreError::Unavailable { .. } => ApiError::Unavailable(Box::new(unavailable)),
            StoreError::Conflict(message) => ApiError::Conflict { code: "conflict", message },
            StoreError::AtCapacity(full) => ApiError::AtCapacity(full),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state_machine::Action;

    /// A failure that is not an outage, as a test stands it in for an SDK error.
    impl DynamoFailure for std::io::Error {
        fn is_outage(&self) -> bool {
            false
        }
    }

    #[test]
    fn a_rejected_transition_is_a_409_naming_the_current_status() {
        let err = ApiError::from(StoreError::Rejected(TransitionRejected {
            action: Action::Accept,
            current: AgentStatus::Assigned,
        }));
        assert_eq!(err.status(), StatusCode::CONFLICT);
        let body = err.body();
        assert_eq!(body["error"], "invalid_state");
        assert_eq!(body["agent_status"], "assigned");
    }

    #[test]
    fn an_unexpected_store_error_is_a_500_without_its_cause_in_the_body() {
        let source = Box::new(std::io::Error::other("secret endpoint detail"));
        let err = ApiError::from(StoreError::Dynamo { operation: "Query", source });
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!err.body().to_string().contains("secret"));
    }

    #[test]
    fn refusals_are_403s_with_stable_codes_and_name_the_assignee() {
        let err = ApiError::from(StoreError::Denied(Denied::NotAssignee { assignee: Some("agent-001".into()) }));
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(err.body()["error"], "not_assignee");
        assert_eq!(err.body()["assigned_agent_id"], "agent-001");
        assert_eq!(ApiError::Forbidden(Denied::OwnSolution).code(), "own_solution");
        assert_eq!(ApiError::Forbidden(Denied::Forbidden("x".into())).code(), "forbidden");
    }

    #[test]
    fn at_capacity_is_a_409_with_the_figures() {
        let err = ApiError::from(StoreError::AtCapacity(AtCapacity {
            agent_id: "agent-001".into(),
            active_sessions: 5,
            max_sessions: 5,
        }));
        assert_eq!((err.status(), err.code()), (StatusCode::CONFLICT, "at_capacity"));
        assert_eq!(err.body()["max_sessions"], 5);
        assert_eq!(err.body()["active_sessions"], 5);
    }

    #[test]
    fn a_401_says_which_credential_failed_and_how_to_authenticate() {
        use lambda_http::Body;
        let response = ApiError::Unauthorized(Unauthenticated::ExpiredToken).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers()["www-authenticate"].to_str().unwrap().contains("expired_token"));
        let body: Value = match response.body() {
            Body::Text(t) => serde_json::from_str(t).unwrap(),
            _ => panic!("JSON body"),
        };
        assert_eq!((body["error"].as_str(), body["reason"].as_str()), (Some("unauthorized"), Some("expired_token")));
    }

    #[test]
    fn every_kind_of_missing_thing_has_its_own_code() {
        for (kind, code) in
            [("session", "session_not_found"), ("solution", "solution_not_found"), ("faq", "faq_not_found"), ("document", "document_not_found")]
        {
            let err = ApiError::NotFound { kind, id: "x".into() };
            assert_eq!((err.status(), err.code()), (StatusCode::NOT_FOUND, code));
        }
    }

    #[test]
    fn an_outage_is_a_503_with_retry_after_and_never_a_500() {
        let timeout: aws_smithy_runtime_api::client::result::SdkError<
            aws_sdk_dynamodb::operation::get_item::GetItemError,
            (),
        > = aws_smithy_runtime_api::client::result::SdkError::timeout_error("attempt timed out");
        let err = ApiError::from(StoreError::dynamo("GetItem", timeout));
        assert_eq!((err.status(), err.code()), (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"));
        let response = err.into_response();
        assert_eq!(response.headers()["retry-after"], RETRY_AFTER_SECONDS.to_string().as_str());
        let construction: aws_smithy_runtime_api::client::result::SdkError<
            aws_sdk_dynamodb::operation::get_item::GetItemError,
            (),
        > = aws_smithy_runtime_api::client::result::SdkError::construction_failure("bad input");
        assert_eq!(ApiError::from(StoreError::dynamo("GetItem", construction)).code(), "internal");
    }

    #[test]
    fn unknown_sessions_have_their_own_code() {
        let err = ApiError::from(StoreError::session_not_found("sess-x"));
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.code(), "session_not_found");
    }
}
