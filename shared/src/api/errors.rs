//! The error catalogue: every stable `error` code a response can carry, the body it comes in, and
//! which codes each endpoint can answer with.

use crate::domain::AgentStatus;
use crate::endpoint::Endpoint;
use serde::Serialize;
use utoipa::ToSchema;

/// Every `error` code of an error response (README, "Error catalogue"). Business failures are
/// not among them: business assist answers those with a 200 and `result.error`.
#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidJson,
    InvalidField,
    InvalidText,
    Unauthorized,
    Forbidden,
    NotAssignee,
    OwnSolution,
    SessionNotFound,
    SolutionNotFound,
    FaqNotFound,
    DocumentNotFound,
    UnknownAgent,
    NotFound,
    RouteNotFound,
    MethodNotAllowed,
    InvalidState,
    AlreadyReviewed,
    FaqExists,
    Conflict,
    AtCapacity,
    PayloadTooLarge,
    ValueOutOfRange,
    IdempotencyKeyReused,
    RequestInProgress,
    StoreUnavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The stable code clients switch on.
    pub error: ErrorCode,
    /// For people; never switch on it.
    pub message: String,
    /// 409 `invalid_state`: where the session is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_status: Option<AgentStatus>,
    /// 401: which credential failed (`missing_credential`, `invalid_api_key`, `malformed_token`,
    /// `expired_token`, `invalid_token`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// 403 `not_assignee`, and 409 `invalid_state` when someone holds the session: who holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_agent_id: Option<String>,
    /// 409 `at_capacity`: the agent who is full, their load and their limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_sessions: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sessions: Option<u32>,
}

/// The error responses of an endpoint: status and the codes it can carry. Every route can also
/// answer 401, 403 `forbidden` (the caller's role or scope), 500 `internal` and 503
/// `store_unavailable`; every POST 409 `request_in_progress` and 422 `idempotency_key_reused`
/// (its `Idempotency-Key`).
pub fn errors_of(endpoint: Endpoint) -> Vec<(u16, Vec<ErrorCode>)> {
    use ErrorCode::*;
    let body = |extra_400: bool| -> Vec<(u16, Vec<ErrorCode>)> {
        let mut codes =
            vec![(400, vec![InvalidJson, InvalidField, InvalidText]), (413, vec![PayloadTooLarge]), (422, vec![ValueOutOfRange])];
        if !extra_400 {
            codes.truncate(3);
        }
        codes
    };
    let query = || vec![(400, vec![InvalidField]), (422, vec![ValueOutOfRange])];
    let mut errors: Vec<(u16, Vec<ErrorCode>)> = match endpoint {
        Endpoint::PendingList | Endpoint::MySessions => query(),
        Endpoint::SessionDetails => vec![(404, vec![SessionNotFound]), (409, vec![InvalidState])],
        Endpoint::AcceptSession => {
            [body(true), vec![(404, vec![SessionNotFound]), (409, vec![InvalidState, AtCapacity, Conflict])]].concat()
        }
        Endpoint::KnowledgeRecommend | Endpoint::Chat => {
            [body(true), vec![(404, vec![SessionNotFound]), (409, vec![InvalidState])]].concat()
        }
        Endpoint::ReleaseSession => {
            [body(true), vec![(404, vec![SessionNotFound]), (409, vec![InvalidState, Conflict])]].concat()
        }
        Endpoint::TransferSession => [
            body(true),
            vec![(404, vec![SessionNotFound, UnknownAgent]), (409, vec![InvalidState, AtCapacity, Conflict])],
        ]
        .concat(),
        Endpoint::NextSession => [body(true), vec![(409, vec![AtCapacity, Conflict])]].concat(),
        Endpoint::CustomerThread => [query(), vec![(404, vec![SessionNotFound])]].concat(),
        Endpoint::CustomerToken => [body(true), vec![(404, vec![SessionNotFound])]].concat(),
        Endpoint::SessionEvents => vec![(404, vec![SessionNotFound]), (409, vec![InvalidState])],
        Endpoint::GetAgent => vec![(404, vec![NotFound])],
        Endpoint::SetAgentCapacity => [body(true), vec![(404, vec![NotFound])]].concat(),
        Endpoint::MetricsSummary => vec![],
        Endpoint::SendMessage | Endpoint::ResolveSession | Endpoint::BusinessAssist => {
            [body(true), vec![(404, vec![SessionNotFound]), (409, vec![InvalidState])]].concat()
        }
        Endpoint::SubmitSolution => [body(true), vec![(404, vec![SessionNotFound]), (409, vec![InvalidState, Conflict])]].concat(),
        Endpoint::Me | Endpoint::ListDocuments | Endpoint::OpenApiDocument => vec![],
        Endpoint::InvalidateCache | Endpoint::UpsertDocument => body(true),
        Endpoint::DeleteDocument => vec![(404, vec![DocumentNotFound])],
        Endpoint::CreateFaq => [body(true), vec![(409, vec![FaqExists])]].concat(),
        Endpoint::ListFaqs | Endpoint::ListSolutions => query(),
        Endpoint::DeleteFaq => vec![(404, vec![FaqNotFound])],
        Endpoint::ApproveSolution => {
            [body(true), vec![(404, vec![SolutionNotFound]), (409, vec![AlreadyReviewed, FaqExists])]].concat()
        }
        Endpoint::RejectSolution => [body(true), vec![(404, vec![SolutionNotFound]), (409, vec![AlreadyReviewed])]].concat(),
    };
    let forbidden = match endpoint {
        Endpoint::SendMessage
        | Endpoint::ResolveSession
        | Endpoint::BusinessAssist
        | Endpoint::SubmitSolution
        | Endpoint::ReleaseSession
        | Endpoint::TransferSession => vec![Forbidden, NotAssignee],
        Endpoint::ApproveSolution | Endpoint::RejectSolution => vec![Forbidden, OwnSolution],
        _ => vec![Forbidden],
    };
    errors.push((401, vec![Unauthorized]));
    errors.push((403, forbidden));
    errors.push((500, vec![Internal]));
    errors.push((503, vec![StoreUnavailable]));
    if is_post(endpoint) {
        add_codes(&mut errors, 409, RequestInProgress);
        add_codes(&mut errors, 422, IdempotencyKeyReused);
    }
    errors.sort_by_key(|(status, _)| *status);
    errors
}

fn add_codes(errors: &mut Vec<(u16, Vec<ErrorCode>)>, status: u16, code: ErrorCode) {
    match errors.iter_mut().find(|(s, _)| *s == status) {
        Some((_, codes)) => codes.push(code),
        None => errors.push((status, vec![code])),
    }
}

/// The routes that take a body (and an `Idempotency-Key`).
pub fn is_post(endpoint: Endpoint) -> bool {
    !matches!(
        endpoint,
        Endpoint::PendingList
            | Endpoint::MySessions
            | Endpoint::SessionDetails
            | Endpoint::Me
            | Endpoint::ListDocuments
            | Endpoint::DeleteDocument
            | Endpoint::ListFaqs
            | Endpoint::DeleteFaq
            | Endpoint::ListSolutions
            | Endpoint::OpenApiDocument
            | Endpoint::SessionEvents
            | Endpoint::CustomerThread
            | Endpoint::GetAgent
            | Endpoint::SetAgentCapacity
            | Endpoint::MetricsSummary
    )
}
