//! The OpenAPI 3.1 document of the HTTP API, derived from the request and response types with
//! `utoipa`. Served at `GET /api/v1/openapi.json` and kept in the repository as
//! `docs/openapi.json`; tests keep the file equal to [`document`] and the paths equal to
//! template.yaml's routes.
//!
//! Each operation's id is the binary name of its [`Endpoint`], which is how the error responses
//! of [`errors_of`] are attached: every code a route can answer with, by status.

use crate::business::{AssistOutcome, BusinessResult};
use crate::domain::{AgentStatus, Author, EscalationCard, EscalationPriority, MemberLevel, ReviewStatus, Role};
use crate::api::agent::{
    AcceptRequest, AcceptResponse, AgentRole, AssignedPage, HistoryEntry, PendingSummary, ResolveRequest, ResolveResponse,
    SendMessageRequest, SendMessageResponse, SessionDetails, SolutionRequest, SolutionView, WhoAmI,
};
use crate::api::business::AssistRequest;
use crate::api::chat::{ChatRequest, ChatResponse, CustomerTokenRequest, CustomerTokenResponse, ThreadResponse};
use crate::api::errors::{errors_of, ErrorBody, ErrorCode};
use crate::api::knowledge::{
    ApproveRequest, Deleted, DocumentList, DocumentRequest, FaqPage, FaqRequest, FaqView, InvalidateRequest,
    Invalidated, RecommendRequest, RecommendResponse, RecommendedChunk, RejectRequest, ReviewedSolution, SolutionPage,
};
use crate::api::team::{
    AgentView, CapacityRequest, EventsResponse, HandOverResponse, MetricsSummary, NextRequest, ReleaseRequest,
    TransferRequest,
};
use crate::knowledge::EntryKind;
use crate::endpoint::Endpoint;
use crate::store::knowledge::DocumentInfo;
use utoipa::openapi::path::Operation;
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// The path of the document itself.
pub const PATH: &str = "/api/v1/openapi.json";

/// Routes whose body may be empty (all their fields are optional).
fn body_is_optional(endpoint: Endpoint) -> bool {
    matches!(
        endpoint,
        Endpoint::AcceptSession
            | Endpoint::ResolveSession
            | Endpoint::ApproveSolution
            | Endpoint::InvalidateCache
            | Endpoint::ReleaseSession
            | Endpoint::NextSession
    )
}

/// One documentation-only function per route: `#[utoipa::path]` describes it, nothing calls it.
#[allow(dead_code)]
mod paths {
    use super::*;

    const SESSION_ID: &str = "A session id: 1-128 letters, digits, '-', '_', '.', ':'";

    #[utoipa::path(get, path = "/api/v1/agent/sessions/pending", operation_id = "pending-list", tag = "agent",
        summary = "The pending queue, priority descending then oldest first",
        params(
            ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "Page size (default 50)"),
            ("cursor" = Option<String>, Query, description = "The `X-Next-Cursor` of the previous page"),
        ),
        responses((status = 200, description = "Summaries only, no history", body = Vec<PendingSummary>,
            headers(("x-next-cursor" = String, description = "The cursor of the next page; absent on the last one")))))]
    fn pending_list() {}

    #[utoipa::path(get, path = "/api/v1/agent/sessions/mine", operation_id = "my-sessions", tag = "agent",
        summary = "The sessions the caller holds, the longest without their attention first",
        description = "One Query on the assignee index. A supervisor (or a proxy key) names the agent with `agent_id`; an agent may list only their own (403).",
        params(
            ("agent_id" = Option<String>, Query, description = "Whose sessions: a supervisor or a proxy key only; default the caller", pattern = r"^[A-Za-z0-9._:-]{1,128}$"),
            ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "Page size (default 50)"),
            ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ),
        responses((status = 200, description = "A page of the agent's sessions", body = AssignedPage)))]
    fn my_sessions() {}

    #[utoipa::path(get, path = "/api/v1/agent/sessions/{session_id}", operation_id = "session-details", tag = "agent",
        summary = "A session: its escalation card (rebuilt if missing) and full history",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        responses((status = 200, description = "The session", body = SessionDetails)))]
    fn session_details() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/{session_id}/accept", operation_id = "accept-session", tag = "agent",
        summary = "pending → assigned; every other accept gets 409",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = AcceptRequest,
        responses((status = 200, description = "Accepted", body = AcceptResponse)))]
    fn accept_session() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/{session_id}/messages", operation_id = "send-message", tag = "agent",
        summary = "An agent message in the customer's thread; only while assigned",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = SendMessageRequest,
        responses((status = 200, description = "Stored", body = SendMessageResponse)))]
    fn send_message() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/{session_id}/knowledge-recommend", operation_id = "knowledge-recommend", tag = "agent",
        summary = "Knowledge for the agent's query; allowed while pending, assigned or resolved",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = RecommendRequest,
        responses((status = 200, description = "Ranked chunks and FAQs; nothing relevant is an empty list", body = RecommendResponse)))]
    fn knowledge_recommend() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/{session_id}/business-assist", operation_id = "business-assist", tag = "agent",
        summary = "Business lookups and confirmed writes, personal data masked",
        description = "A business failure is a 200 with `result.error` (README, \"Error catalogue\"); only request errors are 4xx.",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = AssistRequest,
        responses((status = 200, description = "The result", body = AssistOutcome)))]
    fn business_assist() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/{session_id}/resolve", operation_id = "resolve-session", tag = "agent",
        summary = "assigned → resolved",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = ResolveRequest,
        responses((status = 200, description = "Resolved", body = ResolveResponse)))]
    fn resolve_session() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/{session_id}/solution", operation_id = "submit-solution", tag = "agent",
        summary = "Consolidate the solution of a resolved session into a FAQ candidate",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = SolutionRequest,
        responses((status = 200, description = "A candidate pending review", body = SolutionView)))]
    fn submit_solution() {}

    #[utoipa::path(get, path = "/api/v1/agent/me", operation_id = "agent-me", tag = "agent",
        summary = "The signed-in agent (a bearer token; a service key is 403)",
        responses((status = 200, description = "The agent", body = WhoAmI)),
        security(("bearer" = [])))]
    fn me() {}

    #[utoipa::path(post, path = "/api/v1/chat", operation_id = "chat", tag = "customer",
        summary = "A customer turn: the bot answers, escalates, waits for the agent or stays silent",
        request_body = ChatRequest,
        responses((status = 200, description = "The turn", body = ChatResponse)),
        security(("ApiKey" = [])))]
    fn chat() {}

    #[utoipa::path(get, path = "/api/v1/chat/sessions/{session_id}/messages", operation_id = "customer-thread", tag = "customer",
        summary = "The thread as the customer sees it, oldest first: their words, the bot's, the agents' and the notices",
        description = "Never a system record, a card, an agent id or business data. A `user_id` that does not own the session is a 404, as a missing session is.",
        params(
            ("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$"),
            ("user_id" = String, Query, description = "The customer the session belongs to", pattern = r"^[A-Za-z0-9._:-]{1,128}$"),
            ("after" = Option<String>, Query, description = "The `next_cursor` of the previous page; absent reads from the start"),
            ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "Page size (default 50)"),
        ),
        responses((status = 200, description = "A page of the thread", body = ThreadResponse)),
        security(("ApiKey" = [])))]
    fn customer_thread() {}

    #[utoipa::path(post, path = "/api/v1/chat/sessions/{session_id}/token", operation_id = "customer-token", tag = "customer",
        summary = "A fresh customer token for the session's owner: opens that session's customer socket only",
        description = "The token (`ct1.…`, 30 minutes) opens `wss://…?customer_token=<token>`, which receives the session's customer-visible messages and status changes as they happen and takes the customer's messages (`{\"action\":\"message\",\"message\":\"…\"}`, each a chat turn). It opens no other session and no agent route. A `user_id` that does not own the session is a 404, as a missing session is.",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = CustomerTokenRequest,
        responses((status = 200, description = "The token", body = CustomerTokenResponse)),
        security(("ApiKey" = [])))]
    fn customer_token() {}

    #[utoipa::path(get, path = "/api/v1/escalation/solutions", operation_id = "list-solutions", tag = "review",
        summary = "The review queue of one status, oldest first",
        params(
            ("status" = Option<ReviewStatus>, Query, description = "Default `pending`"),
            ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "Page size (default 50)"),
            ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ),
        responses((status = 200, description = "One page", body = SolutionPage)))]
    fn list_solutions() {}

    #[utoipa::path(post, path = "/api/v1/escalation/solutions/{solution_id}/approve", operation_id = "approve-solution", tag = "review",
        summary = "pending → approved: the solution becomes FAQ `faq-{solution_id}`, live at once",
        description = "A blank or absent edit keeps what the agent wrote.",
        params(("solution_id" = String, Path, description = "A solution id", pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = ApproveRequest,
        responses((status = 200, description = "Approved", body = ReviewedSolution)))]
    fn approve_solution() {}

    #[utoipa::path(post, path = "/api/v1/escalation/solutions/{solution_id}/reject", operation_id = "reject-solution", tag = "review",
        summary = "pending → rejected: the solution never reaches the bot",
        params(("solution_id" = String, Path, description = "A solution id", pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = RejectRequest,
        responses((status = 200, description = "Rejected", body = ReviewedSolution)))]
    fn reject_solution() {}

    #[utoipa::path(post, path = "/api/v1/performance/cache/invalidate", operation_id = "invalidate-cache", tag = "knowledge",
        summary = "Bump the knowledge version: every container rebuilds its index on its next request",
        request_body = InvalidateRequest,
        responses((status = 200, description = "Invalidated", body = Invalidated)),
        security(("ApiKey" = [])))]
    fn invalidate_cache() {}

    #[utoipa::path(post, path = "/api/v1/knowledge/documents", operation_id = "upsert-document", tag = "knowledge",
        summary = "Add or replace a document (markdown or text), split into chunks",
        request_body = DocumentRequest,
        responses((status = 200, description = "Stored", body = DocumentInfo)),
        security(("ApiKey" = [])))]
    fn upsert_document() {}

    #[utoipa::path(get, path = "/api/v1/knowledge/documents", operation_id = "list-documents", tag = "knowledge",
        summary = "Every document",
        responses((status = 200, description = "The documents", body = DocumentList)),
        security(("ApiKey" = [])))]
    fn list_documents() {}

    #[utoipa::path(delete, path = "/api/v1/knowledge/documents/{source}", operation_id = "delete-document", tag = "knowledge",
        summary = "Delete a document and its chunks",
        params(("source" = String, Path, description = "The document's source name: letters, digits, '.', '-', '_', ':' and spaces", min_length = 1, max_length = 128)),
        responses((status = 200, description = "Deleted", body = Deleted)),
        security(("ApiKey" = [])))]
    fn delete_document() {}

    #[utoipa::path(post, path = "/api/v1/knowledge/faqs", operation_id = "create-faq", tag = "knowledge",
        summary = "Add a FAQ",
        request_body = FaqRequest,
        responses((status = 200, description = "Stored and live", body = FaqView)),
        security(("ApiKey" = [])))]
    fn create_faq() {}

    #[utoipa::path(get, path = "/api/v1/knowledge/faqs", operation_id = "list-faqs", tag = "knowledge",
        summary = "The FAQs, a page at a time",
        params(
            ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "Page size (default 50)"),
            ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ),
        responses((status = 200, description = "One page", body = FaqPage)),
        security(("ApiKey" = [])))]
    fn list_faqs() {}

    #[utoipa::path(delete, path = "/api/v1/knowledge/faqs/{faq_id}", operation_id = "delete-faq", tag = "knowledge",
        summary = "Delete a FAQ; an approved solution's FAQ is recorded on the solution (`faq_deleted_at`)",
        params(("faq_id" = String, Path, description = "A FAQ id", pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        responses((status = 200, description = "Deleted", body = Deleted)),
        security(("ApiKey" = [])))]
    fn delete_faq() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/{session_id}/release", operation_id = "release-session", tag = "team",
        summary = "assigned → pending, back in its original place; the assignee or a supervisor",
        description = "Same priority and escalation time as before; the card notes who released it and why.",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = ReleaseRequest,
        responses((status = 200, description = "Released", body = HandOverResponse)))]
    fn release_session() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/{session_id}/transfer", operation_id = "transfer-session", tag = "team",
        summary = "assigned → assigned to another agent, within their capacity; the assignee or a supervisor",
        description = "The history gets a system message saying who handed it to whom.",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = TransferRequest,
        responses((status = 200, description = "Transferred", body = HandOverResponse)))]
    fn transfer_session() {}

    #[utoipa::path(post, path = "/api/v1/agent/sessions/next", operation_id = "next-session", tag = "team",
        summary = "Claim the highest-priority, longest-waiting pending session, within capacity",
        request_body = NextRequest,
        responses(
            (status = 200, description = "Claimed: the accept's answer", body = AcceptResponse),
            (status = 204, description = "The queue is empty"),
        ))]
    fn next_session() {}

    #[utoipa::path(get, path = "/api/v1/agent/sessions/{session_id}/events", operation_id = "session-events", tag = "team",
        summary = "The session's audit trail, oldest first",
        params(("session_id" = String, Path, description = SESSION_ID, pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        responses((status = 200, description = "The events", body = EventsResponse)))]
    fn session_events() {}

    #[utoipa::path(get, path = "/api/v1/agents/{agent_id}", operation_id = "get-agent", tag = "team",
        summary = "An agent's capacity and load: the agent themself or a supervisor",
        params(("agent_id" = String, Path, description = "An agent id", pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        responses((status = 200, description = "The agent", body = AgentView)))]
    fn get_agent() {}

    #[utoipa::path(put, path = "/api/v1/agents/{agent_id}/capacity", operation_id = "set-agent-capacity", tag = "team",
        summary = "Set or clear an agent's own limit of sessions: supervisors",
        params(("agent_id" = String, Path, description = "An agent id", pattern = r"^[A-Za-z0-9._:-]{1,128}$")),
        request_body = CapacityRequest,
        responses((status = 200, description = "The agent", body = AgentView)))]
    fn set_agent_capacity() {}

    #[utoipa::path(get, path = "/api/v1/metrics/summary", operation_id = "metrics-summary", tag = "team",
        summary = "The queue now and the last 24 hours, from counters: supervisors",
        responses((status = 200, description = "The figures", body = MetricsSummary)))]
    fn metrics_summary() {}

    #[utoipa::path(get, path = "/api/v1/openapi.json", operation_id = "openapi", tag = "meta",
        summary = "This document",
        responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
    fn openapi_document() {}
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Agent assist workbench API", version = "1",
        description = "The workbench tutorial's agent endpoints, the customer chat, knowledge and review. Errors are `{\"error\": \"<code>\", \"message\": \"…\"}`; README has the catalogue."),
    paths(paths::pending_list, paths::my_sessions, paths::session_details, paths::accept_session, paths::send_message,
        paths::knowledge_recommend, paths::business_assist, paths::resolve_session, paths::submit_solution, paths::me,
        paths::chat, paths::customer_thread, paths::customer_token, paths::list_solutions, paths::approve_solution, paths::reject_solution, paths::invalidate_cache,
        paths::upsert_document, paths::list_documents, paths::delete_document, paths::create_faq, paths::list_faqs,
        paths::delete_faq, paths::release_session, paths::transfer_session, paths::next_session,
        paths::session_events, paths::get_agent, paths::set_agent_capacity, paths::metrics_summary,
        paths::openapi_document),
    components(schemas(ErrorBody, ErrorCode, AgentRole, AgentStatus, Author, Role, EscalationCard, EscalationPriority,
        MemberLevel, ReviewStatus, EntryKind, HistoryEntry, BusinessResult, RecommendedChunk)),
    modifiers(&Contract),
    security(("ApiKey" = []), ("bearer" = [])),
)]
struct ApiDoc;

/// Security schemes, the error responses of every operation, optional bodies.
struct Contract;

impl Modify for Contract {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme("ApiKey", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-API-Key",
            "A service key (integrations, the local stack)",
        ))));
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An agent's token from the user pool"))
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.put, &mut item.delete].into_iter().flatten() {
                add_errors(operation);
            }
            if let Some(operation) = item.post.as_mut() {
                add_errors(operation);
                operation.parameters.get_or_insert_with(Vec::new).push(idempotency_key());
            }
        }
    }
}

fn add_errors(operation: &mut Operation) {
    let Some(endpoint) = operation.operation_id.as_deref().and_then(endpoint_of_operation) else { return };
    if body_is_optional(endpoint) {
        if let Some(body) = operation.request_body.as_mut() {
            body.required = Some(Required::False);
        }
    }
    if let Some(RequestBody { description, .. }) = operation.request_body.as_mut() {
        if description.is_none() && body_is_optional(endpoint) {
            *description = Some("All fields are optional; an empty body reads as `{}`".to_string());
        }
    }
    for (status, codes) in errors_of(endpoint) {
        let names: Vec<String> = codes.iter().map(|c| format!("`{}`", c.as_str())).collect();
        let mut response = ResponseBuilder::new()
            .description(names.join(", "))
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build());
        if status == 503 {
            response = response.header(
                "retry-after",
                utoipa::openapi::HeaderBuilder::new()
                    .schema(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::Integer))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        let response = response.build();
        operation.responses.responses.insert(status.to_string(), response.into());
    }
}

/// The optional `Idempotency-Key` header of every POST.
fn idempotency_key() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "1-255 visible ASCII characters. The same key with the same request within 24 hours replays the first \
             response (header `Idempotent-Replayed: true`); with another request it is a 422 `idempotency_key_reused`; \
             while the first still runs, a 409 `request_in_progress`.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(255)).pattern(Some("^[!-~]+$"))))
        .build()
}

/// The endpoint whose binary name is this operation id; `openapi` is the document itself.
fn endpoint_of_operation(operation_id: &str) -> Option<Endpoint> {
    Endpoint::from_function_name(operation_id)
}

/// The document, as served and as kept in `docs/openapi.json`.
/// GET /api/v1/openapi.json — this document, as the route serves it.
pub async fn openapi_document(
    _app: &crate::app::App,
    _req: &lambda_http::Request,
    _caller: &crate::auth::Principal,
) -> Result<lambda_http::Response<lambda_http::Body>, crate::error::ApiError> {
    crate::http::ok(&document())
}

pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The document as pretty JSON with a final newline: the exact text of `docs/openapi.json`.
pub fn document_json() -> String {
    let mut text = document().to_pretty_json().expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_roles_are_the_roles_of_a_principal() {
        let roles = serde_json::to_value(crate::auth::Role::ALL).unwrap();
        let documented =
            serde_json::to_value([AgentRole::Agent, AgentRole::Supervisor, AgentRole::Reviewer]).unwrap();
        assert_eq!(roles, documented);
    }

    #[test]
    fn every_operation_has_its_error_responses_and_a_success() {
        let doc = serde_json::to_value(document()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                for status in ["200", "401", "403", "500", "503"] {
                    assert!(responses.contains_key(status), "{method} {path} lacks {status}");
                }
                if operation.get("requestBody").is_some() {
                    for status in ["400", "413", "422"] {
                        assert!(responses.contains_key(status), "{method} {path} lacks {status}");
                    }
                }
            }
        }
    }
}
