//! Every function of template.yaml, by name, and the one place a request meets auth and the
//! error mapping. The Lambdas and the local server both go through [`handle`].

use crate::app::App;
use crate::error::ApiError;
use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};
use std::time::Instant;

/// A handler: borrows the container's [`App`] and the request.
pub type Handler = for<'a> fn(&'a App, &'a Request) -> BoxFuture<'a, Result<Response<Body>, ApiError>>;

/// The handler function of each endpoint, by variant name: the one table that both the Lambda
/// binaries and [`Endpoint::handler`] read.
#[doc(hidden)]
#[macro_export]
macro_rules! handler_of {
    (PendingList) => { $crate::handlers::agent::pending_list };
    (SessionDetails) => { $crate::handlers::agent::session_details };
    (AcceptSession) => { $crate::handlers::agent::accept_session };
    (SendMessage) => { $crate::handlers::agent::send_message };
    (ResolveSession) => { $crate::handlers::agent::resolve_session };
    (SubmitSolution) => { $crate::handlers::agent::submit_solution };
    (Chat) => { $crate::handlers::chat::chat };
    (KnowledgeRecommend) => { $crate::handlers::knowledge::knowledge_recommend };
    (BusinessAssist) => { $crate::handlers::business::business_assist };
    (InvalidateCache) => { $crate::handlers::knowledge::invalidate_cache };
    (UpsertDocument) => { $crate::handlers::knowledge::upsert_document };
    (ListDocuments) => { $crate::handlers::knowledge::list_documents };
    (DeleteDocument) => { $crate::handlers::knowledge::delete_document };
    (CreateFaq) => { $crate::handlers::knowledge::create_faq };
    (ListFaqs) => { $crate::handlers::knowledge::list_faqs };
    (DeleteFaq) => { $crate::handlers::knowledge::delete_faq };
    (ListSolutions) => { $crate::handlers::knowledge::list_solutions };
    (ApproveSolution) => { $crate::handlers::knowledge::approve_solution };
    (RejectSolution) => { $crate::handlers::knowledge::reject_solution };
}

/// The `main` of a Lambda binary for one endpoint: `workbench::lambda_main!(AcceptSession);`
#[macro_export]
macro_rules! lambda_main {
    ($endpoint:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), $crate::runtime::Error> {
            $crate::runtime::run_http($crate::Endpoint::$endpoint, |app, req| {
                Box::pin($crate::handler_of!($endpoint)(app, req))
            })
            .await
        }
    };
}

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

    /// The endpoint's handler, for the local server, which serves them all. A Lambda binary names
    /// its handler through [`crate::lambda_main!`] instead, so it links that handler only.
    pub fn handler(self) -> Handler {
        match self {
            Endpoint::PendingList => |app, req| Box::pin(crate::handler_of!(PendingList)(app, req)),
            Endpoint::SessionDetails => |app, req| Box::pin(crate::handler_of!(SessionDetails)(app, req)),
            Endpoint::AcceptSession => |app, req| Box::pin(crate::handler_of!(AcceptSession)(app, req)),
            Endpoint::SendMessage => |app, req| Box::pin(crate::handler_of!(SendMessage)(app, req)),
            Endpoint::ResolveSession => |app, req| Box::pin(crate::handler_of!(ResolveSession)(app, req)),
            Endpoint::SubmitSolution => |app, req| Box::pin(crate::handler_of!(SubmitSolution)(app, req)),
            Endpoint::Chat => |app, req| Box::pin(crate::handler_of!(Chat)(app, req)),
            Endpoint::KnowledgeRecommend => |app, req| Box::pin(crate::handler_of!(KnowledgeRecommend)(app, req)),
            Endpoint::BusinessAssist => |app, req| Box::pin(crate::handler_of!(BusinessAssist)(app, req)),
            Endpoint::InvalidateCache => |app, req| Box::pin(crate::handler_of!(InvalidateCache)(app, req)),
            Endpoint::UpsertDocument => |app, req| Box::pin(crate::handler_of!(UpsertDocument)(app, req)),
            Endpoint::ListDocuments => |app, req| Box::pin(crate::handler_of!(ListDocuments)(app, req)),
            Endpoint::DeleteDocument => |app, req| Box::pin(crate::handler_of!(DeleteDocument)(app, req)),
            Endpoint::CreateFaq => |app, req| Box::pin(crate::handler_of!(CreateFaq)(app, req)),
            Endpoint::ListFaqs => |app, req| Box::pin(crate::handler_of!(ListFaqs)(app, req)),
            Endpoint::DeleteFaq => |app, req| Box::pin(crate::handler_of!(DeleteFaq)(app, req)),
            Endpoint::ListSolutions => |app, req| Box::pin(crate::handler_of!(ListSolutions)(app, req)),
            Endpoint::ApproveSolution => |app, req| Box::pin(crate::handler_of!(ApproveSolution)(app, req)),
            Endpoint::RejectSolution => |app, req| Box::pin(crate::handler_of!(RejectSolution)(app, req)),
        }
    }
}

/// Authenticate, run the endpoint, and turn any error into its JSON response. Never fails:
/// expected errors are responses, and an outage is a logged 500.
pub async fn handle(app: &App, endpoint: Endpoint, req: Request) -> Response<Body> {
    handle_with(app, endpoint, endpoint.handler(), req).await
}

/// [`handle`] with the handler given, as a Lambda binary calls it.
pub async fn handle_with(app: &App, endpoint: Endpoint, handler: Handler, req: Request) -> Response<Body> {
    let started = Instant::now();
    let response = if app.config.api_keys.verify_request(&req) {
        handler(app, &req).await.unwrap_or_else(ApiError::into_response)
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
