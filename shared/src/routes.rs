//! Every function of template.yaml, by name, and the one place a request meets auth and the
//! error mapping. The Lambdas and the local server both go through [`handle`].

use crate::app::App;
use crate::error::ApiError;
use crate::handlers::{agent, business, chat, knowledge};
use lambda_http::{Body, Request, Response};
use std::time::Instant;

/// One HTTP-triggered function of template.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    PendingList,
    SessionDetails,
    AcceptSession,
    SendMessage,
    ResolveSession,
    SubmitSolution,
    Chat,
    KnowledgeRecommend,
    BusinessAssist,
    InvalidateCache,
    UpsertDocument,
    ListDocuments,
    DeleteDocument,
    CreateFaq,
    ListFaqs,
    DeleteFaq,
    ListSolutions,
    ApproveSolution,
    RejectSolution,
}

/// (endpoint, template logical id, binary name)
const NAMES: &[(Endpoint, &str, &str)] = &[
    (Endpoint::PendingList, "PendingListFunction", "pending-list"),
    (Endpoint::SessionDetails, "SessionDetailsFunction", "session-details"),
    (Endpoint::AcceptSession, "AcceptSessionFunction", "accept-session"),
    (Endpoint::SendMessage, "SendMessageFunction", "send-message"),
    (Endpoint::ResolveSession, "ResolveSessionFunction", "resolve-session"),
    (Endpoint::SubmitSolution, "SubmitSolutionFunction", "submit-solution"),
    (Endpoint::Chat, "ChatFunction", "chat"),
    (Endpoint::KnowledgeRecommend, "KnowledgeRecommendFunction", "knowledge-recommend"),
    (Endpoint::BusinessAssist, "BusinessAssistFunction", "business-assist"),
    (Endpoint::InvalidateCache, "InvalidateCacheFunction", "invalidate-cache"),
    (Endpoint::UpsertDocument, "UpsertDocumentFunction", "upsert-document"),
    (Endpoint::ListDocuments, "ListDocumentsFunction", "list-documents"),
    (Endpoint::DeleteDocument, "DeleteDocumentFunction", "delete-document"),
    (Endpoint::CreateFaq, "CreateFaqFunction", "create-faq"),
    (Endpoint::ListFaqs, "ListFaqsFunction", "list-faqs"),
    (Endpoint::DeleteFaq, "DeleteFaqFunction", "delete-faq"),
    (Endpoint::ListSolutions, "ListSolutionsFunction", "list-solutions"),
    (Endpoint::ApproveSolution, "ApproveSolutionFunction", "approve-solution"),
    (Endpoint::RejectSolution, "RejectSolutionFunction", "reject-solution"),
];

/// The event-triggered function of template.yaml.
pub const INGEST_FUNCTION: (&str, &str) = ("IngestEscalationFunction", "ingest-escalation");

impl Endpoint {
    pub fn all() -> impl Iterator<Item = Endpoint> {
        NAMES.iter().map(|(e, _, _)| *e)
    }

    /// By template logical id or binary name.
    pub fn from_function_name(name: &str) -> Option<Endpoint> {
        NAMES.iter().find(|(_, logical, binary)| *logical == name || *binary == name).map(|(e, _, _)| *e)
    }

    pub fn logical_id(self) -> &'static str {
        NAMES.iter().find(|(e, _, _)| *e == self).map(|(_, l, _)| *l).expect("every endpoint is named")
    }

    pub fn binary(self) -> &'static str {
        NAMES.iter().find(|(e, _, _)| *e == self).map(|(_, _, b)| *b).expect("every endpoint is named")
    }

    async fn call(self, app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
        match self {
            Endpoint::PendingList => agent::pending_list(app, req).await,
            Endpoint::SessionDetails => agent::session_details(app, req).await,
            Endpoint::AcceptSession => agent::accept_session(app, req).await,
            Endpoint::SendMessage => agent::send_message(app, req).await,
            Endpoint::ResolveSession => agent::resolve_session(app, req).await,
            Endpoint::SubmitSolution => agent::submit_solution(app, req).await,
            Endpoint::Chat => chat::chat(app, req).await,
            Endpoint::KnowledgeRecommend => knowledge::knowledge_recommend(app, req).await,
            Endpoint::BusinessAssist => business::business_assist(app, req).await,
            Endpoint::InvalidateCache => knowledge::invalidate_cache(app, req).await,
            Endpoint::UpsertDocument => knowledge::upsert_document(app, req).await,
            Endpoint::ListDocuments => knowledge::list_documents(app, req).await,
            Endpoint::DeleteDocument => knowledge::delete_document(app, req).await,
            Endpoint::CreateFaq => knowledge::create_faq(app, req).await,
            Endpoint::ListFaqs => knowledge::list_faqs(app, req).await,
            Endpoint::DeleteFaq => knowledge::delete_faq(app, req).await,
            Endpoint::ListSolutions => knowledge::list_solutions(app, req).await,
            Endpoint::ApproveSolution => knowledge::approve_solution(app, req).await,
            Endpoint::RejectSolution => knowledge::reject_solution(app, req).await,
        }
    }
}

/// Authenticate, run the endpoint, and turn any error into its JSON response. Never fails:
/// expected errors are responses, and an outage is a logged 500.
pub async fn handle(app: &App, endpoint: Endpoint, req: Request) -> Response<Body> {
    let started = Instant::now();
    let response = if app.config.api_keys.verify_request(&req) {
        endpoint.call(app, &req).await.unwrap_or_else(ApiError::into_response)
    } else {
        ApiError::Unauthorized.into_response()
    };
    tracing::info!(
        endpoint = endpoint.binary(),
        method = %req.method(),
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_both_ways() {
        for endpoint in Endpoint::all() {
            assert_eq!(Endpoint::from_function_name(endpoint.logical_id()), Some(endpoint));
            assert_eq!(Endpoint::from_function_name(endpoint.binary()), Some(endpoint));
        }
        assert_eq!(Endpoint::from_function_name("NoSuchFunction"), None);
    }
}
