//! Cold-start wiring shared by every Lambda: tracing, configuration, the SDK client, and the
//! runtime loop. A function's `main` is one call into here.

use crate::app::App;
use crate::routes::{self, Endpoint, Handler};
pub use lambda_http::Error;
use lambda_http::{service_fn, Request};
use lambda_runtime::LambdaEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

/// JSON logs to stdout (CloudWatch), level from `RUST_LOG`, default `info`.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Built once per container; every invocation borrows it.
fn for_process(app: App) -> &'static App {
    Box::leak(Box::new(app))
}

/// Open the connection to DynamoDB (DNS, TCP, TLS) during init rather than in the first request.
/// Best effort and bounded: a slow or failing warm-up never delays or fails the start.
async fn warm_up(app: &App) {
    let probe = app.store.get_session("warm-up");
    if tokio::time::timeout(std::time::Duration::from_millis(1500), probe).await.is_err() {
        tracing::warn!("DynamoDB warm-up timed out");
    }
}

/// Run an HTTP endpoint as a Lambda behind API Gateway. Called by [`crate::lambda_main!`].
pub async fn run_http(endpoint: Endpoint, handler: Handler) -> Result<(), Error> {
    init_tracing();
    let app = for_process(App::from_env().await?);
    warm_up(app).await;
    if crate::knowledge_cache::embeds(endpoint) {
        // Map the model and page in its weights during init, not in the first request; a
        // function that embeds without its model fails its init, loudly.
        app.knowledge.embedder().warm_up().await?;
    }
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, std::convert::Infallible>(routes::handle_with(app, endpoint, handler, req).await)
    }))
    .await
}

/// Run the SQS escalation ingestion as a Lambda with partial batch responses.
pub async fn run_ingest() -> Result<(), Error> {
    init_tracing();
    let app = for_process(App::from_env_for_events().await?);
    warm_up(app).await;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, std::convert::Infallible>(crate::ingest::handle_batch(app, event.payload).await)
    }))
    .await
}
