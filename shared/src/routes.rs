//! Every function of template.yaml, by name, and the one place a request meets auth and the
//! error mapping. The Lambdas and the local server both go through [`handle`].

use crate::app::App;
pub use crate::endpoint::{
    Endpoint, INGEST_FUNCTION, LIVE_CONNECT_FUNCTION, LIVE_CUSTOMER_MESSAGE_FUNCTION, LIVE_DISCONNECT_FUNCTION,
    LIVE_FANOUT_FUNCTION, LIVE_FUNCTIONS, LIVE_PING_FUNCTION, MAINTENANCE_FUNCTION,
};
use crate::auth::policy::token_on_integration_route;
use crate::auth::{admit, principal_of, Principal, Unauthenticated};
use crate::error::ApiError;
use crate::idempotency;
use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};
use crate::cold_start::{for_process, init_tracing, warm_up};
use lambda_http::service_fn;
use std::time::Instant;

/// A handler: borrows the container's [`App`], the request, and the caller, already
/// authenticated and admitted to the route.
pub type Handler =
    for<'a> fn(&'a App, &'a Request, &'a Principal) -> BoxFuture<'a, Result<Response<Body>, ApiError>>;

/// The handler function of each endpoint, by variant name: the one table that both the Lambda
/// binaries and [`Endpoint::handler`] read.
#[doc(hidden)]
#[macro_export]
macro_rules! handler_of {
    (PendingList) => { $crate::handlers::agent::pending_list };
    (MySessions) => { $crate::handlers::agent::my_sessions };
    (SessionDetails) => { $crate::handlers::agent::session_details };
    (AcceptSession) => { $crate::handlers::agent::accept_session };
    (SendMessage) => { $crate::handlers::agent::send_message };
    (ResolveSession) => { $crate::handlers::agent::resolve_session };
    (SubmitSolution) => { $crate::handlers::agent::submit_solution };
    (Me) => { $crate::handlers::agent::me };
    (OpenApiDocument) => { $crate::openapi::openapi_document };
    (Chat) => { $crate::handlers::chat::chat };
    (CustomerThread) => { $crate::handlers::chat::customer_thread };
    (CustomerToken) => { $crate::handlers::chat::customer_token };
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
    (ReleaseSession) => { $crate::handlers::team::release_session };
    (TransferSession) => { $crate::handlers::team::transfer_session };
    (NextSession) => { $crate::handlers::team::next_session };
    (SessionEvents) => { $crate::handlers::team::session_events };
    (GetAgent) => { $crate::handlers::team::get_agent };
    (SetAgentCapacity) => { $crate::handlers::team::set_capacity };
    (MetricsSummary) => { $crate::handlers::team::metrics_summary };
}

/// The `main` of a Lambda binary for one endpoint: `workbench::lambda_main!(AcceptSession);`
///
/// The endpoint's handler and its cold-start wiring are chosen at compile time: the wiring's
/// capabilities are const generic arguments ([`Endpoint::reads_secrets`], [`Endpoint::embeds`],
/// [`Endpoint::calls_order_system`]), so a function links the Secrets Manager client, the
/// embedders (the e5 engine, Bedrock) and the order-system client only if it uses them.
#[macro_export]
macro_rules! lambda_main {
    ($endpoint:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), $crate::runtime::Error> {
            let app = $crate::App::wired::<
                { $crate::Endpoint::$endpoint.reads_secrets() },
                { $crate::Endpoint::$endpoint.embeds() },
                { $crate::Endpoint::$endpoint.calls_order_system() },
            >();
            $crate::routes::run_http($crate::Endpoint::$endpoint, |app, req, caller| {
                Box::pin($crate::handler_of!($endpoint)(app, req, caller))
            }, app)
            .await
        }
    };
}

impl Endpoint {
    /// The endpoint's handler, for the local server, which serves them all. A Lambda binary names
    /// its handler through [`crate::lambda_main!`] instead, so it links that handler only.
    pub fn handler(self) -> Handler {
        match self {
            Endpoint::PendingList => |app, req, caller| Box::pin(crate::handler_of!(PendingList)(app, req, caller)),
            Endpoint::MySessions => |app, req, caller| Box::pin(crate::handler_of!(MySessions)(app, req, caller)),
            Endpoint::SessionDetails => |app, req, caller| Box::pin(crate::handler_of!(SessionDetails)(app, req, caller)),
            Endpoint::AcceptSession => |app, req, caller| Box::pin(crate::handler_of!(AcceptSession)(app, req, caller)),
            Endpoint::SendMessage => |app, req, caller| Box::pin(crate::handler_of!(SendMessage)(app, req, caller)),
            Endpoint::ResolveSession => |app, req, caller| Box::pin(crate::handler_of!(ResolveSession)(app, req, caller)),
            Endpoint::SubmitSolution => |app, req, caller| Box::pin(crate::handler_of!(SubmitSolution)(app, req, caller)),
            Endpoint::Me => |app, req, caller| Box::pin(crate::handler_of!(Me)(app, req, caller)),
            Endpoint::Chat => |app, req, caller| Box::pin(crate::handler_of!(Chat)(app, req, caller)),
            Endpoint::CustomerThread => |app, req, caller| Box::pin(crate::handler_of!(CustomerThread)(app, req, caller)),
            Endpoint::CustomerToken => |app, req, caller| Box::pin(crate::handler_of!(CustomerToken)(app, req, caller)),
            Endpoint::KnowledgeRecommend => |app, req, caller| Box::pin(crate::handler_of!(KnowledgeRecommend)(app, req, caller)),
            Endpoint::BusinessAssist => |app, req, caller| Box::pin(crate::handler_of!(BusinessAssist)(app, req, caller)),
            Endpoint::InvalidateCache => |app, req, caller| Box::pin(crate::handler_of!(InvalidateCache)(app, req, caller)),
            Endpoint::UpsertDocument => |app, req, caller| Box::pin(crate::handler_of!(UpsertDocument)(app, req, caller)),
            Endpoint::ListDocuments => |app, req, caller| Box::pin(crate::handler_of!(ListDocuments)(app, req, caller)),
            Endpoint::DeleteDocument => |app, req, caller| Box::pin(crate::handler_of!(DeleteDocument)(app, req, caller)),
            Endpoint::CreateFaq => |app, req, caller| Box::pin(crate::handler_of!(CreateFaq)(app, req, caller)),
            Endpoint::ListFaqs => |app, req, caller| Box::pin(crate::handler_of!(ListFaqs)(app, req, caller)),
            Endpoint::DeleteFaq => |app, req, caller| Box::pin(crate::handler_of!(DeleteFaq)(app, req, caller)),
            Endpoint::ListSolutions => |app, req, caller| Box::pin(crate::handler_of!(ListSolutions)(app, req, caller)),
            Endpoint::ApproveSolution => |app, req, caller| Box::pin(crate::handler_of!(ApproveSolution)(app, req, caller)),
            Endpoint::RejectSolution => |app, req, caller| Box::pin(crate::handler_of!(RejectSolution)(app, req, caller)),
            Endpoint::ReleaseSession => |app, req, caller| Box::pin(crate::handler_of!(ReleaseSession)(app, req, caller)),
            Endpoint::TransferSession => |app, req, caller| Box::pin(crate::handler_of!(TransferSession)(app, req, caller)),
            Endpoint::NextSession => |app, req, caller| Box::pin(crate::handler_of!(NextSession)(app, req, caller)),
            Endpoint::SessionEvents => |app, req, caller| Box::pin(crate::handler_of!(SessionEvents)(app, req, caller)),
            Endpoint::GetAgent => |app, req, caller| Box::pin(crate::handler_of!(GetAgent)(app, req, caller)),
            Endpoint::SetAgentCapacity => |app, req, caller| Box::pin(crate::handler_of!(SetAgentCapacity)(app, req, caller)),
            Endpoint::MetricsSummary => |app, req, caller| Box::pin(crate::handler_of!(MetricsSummary)(app, req, caller)),
            Endpoint::OpenApiDocument => |app, req, caller| Box::pin(crate::handler_of!(OpenApiDocument)(app, req, caller)),
        }
    }
}

/// Run an HTTP endpoint as a Lambda behind API Gateway, with the app its wiring builds. Called
/// by [`crate::lambda_main!`].
pub async fn run_http(
    endpoint: Endpoint,
    handler: Handler,
    wiring: impl std::future::Future<Output = Result<App, crate::config::ConfigError>>,
) -> Result<(), lambda_http::Error> {
    init_tracing();
    let app = for_process(wiring.await?);
    warm_up(app).await;
    if endpoint.embeds() {
        // Map the model and page in its weights during init, not in the first request; a
        // function that embeds without its model fails its init, loudly.
        app.knowledge.embedder().warm_up().await?;
    }
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, std::convert::Infallible>(handle_with(app, endpoint, handler, req).await)
    }))
    .await
}

/// Authenticate, admit, run the endpoint, and turn any error into its JSON response. Never
/// fails: expected errors are responses, and an outage is a logged 500.
pub async fn handle(app: &App, endpoint: Endpoint, req: Request) -> Response<Body> {
    handle_with(app, endpoint, endpoint.handler(), req).await
}

/// [`handle`] with the handler given, as a Lambda binary calls it.
pub async fn handle_with(app: &App, endpoint: Endpoint, handler: Handler, req: Request) -> Response<Body> {
    let started = Instant::now();
    let caller = principal_of(&app.config.api_keys, &req);
    let response = match &caller {
        Err(Unauthenticated::Missing) if !endpoint.is_agent_route() && req.headers().contains_key("authorization") => {
            ApiError::Forbidden(token_on_integration_route(endpoint.operation())).into_response()
        }
        Err(why) => ApiError::Unauthorized(why.clone()).into_response(),
        Ok(principal) => match admit(principal, endpoint.operation()) {
            Err(denied) => ApiError::Forbidden(denied).into_response(),
            // Every call has its own budget, but a request of many slow calls must still end.
            Ok(()) => match tokio::time::timeout(app.config.request_budget, run_once(app, endpoint, handler, &req, principal)).await {
                Ok(response) => response,
                Err(_) => ApiError::Unavailable(
                    format!("the request did not finish within its budget of {} ms", app.config.request_budget.as_millis())
                        .into(),
                )
                .into_response(),
            },
        },
    };
    let caller = caller.map(|p| p.log_name()).unwrap_or_default();
    tracing::info!(
        endpoint = endpoint.binary(),
        caller = %caller,
        method = %req.method(),
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// Run the handler, at most once per `Idempotency-Key` (see [`crate::idempotency`]).
async fn run_once(app: &App, endpoint: Endpoint, handler: Handler, req: &Request, principal: &Principal) -> Response<Body> {
    let run = || async { handler(app, req, principal).await.unwrap_or_else(ApiError::into_response) };
    let request = match idempotency::requested(req, principal, endpoint.binary()) {
        Err(err) => return err.into_response(),
        Ok(None) => return run().await,
        Ok(Some(request)) => request,
    };
    match idempotency::begin(&app.store, request, app.now()).await {
        Err(err) => err.into_response(),
        Ok(idempotency::Decision::Replay(response)) => response,
        Ok(idempotency::Decision::Run(held)) => {
            let response = idempotency::holding(held.clone(), run()).await;
            if let Err(err) = idempotency::complete(&app.store, &held, &response).await {
                // The work is done and answered; a retry would get 409 until the claim lapses.
                tracing::warn!(error = %err, "idempotency record not completed");
            }
            response
        }
    }
}
