//! Cold-start wiring shared by every Lambda: tracing, configuration, the SDK client, and the
//! runtime loop. A function's `main` is one call into here.

use crate::app::App;
use crate::routes::{self, Endpoint, Handler};
pub use lambda_http::Error;
use lambda_http::{service_fn, Request};
use lambda_runtime::LambdaEvent;
use aws_lambda_events::event::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

/// JSON logs to stdout (CloudWatch), level from `RUST_LOG` (`error`, `warn`, `info`, `debug`,
/// `trace`), default `info`. One level for the whole process: per-module directives would need
/// `EnvFilter`, which brings a regex engine into every function.
pub fn init_tracing() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
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

/// Run an HTTP endpoint as a Lambda behind API Gateway, with the app its wiring builds. Called
/// by [`crate::lambda_main!`].
pub async fn run_http(
    endpoint: Endpoint,
    handler: Handler,
    wiring: impl std::future::Future<Output = Result<App, crate::config::ConfigError>>,
) -> Result<(), Error> {
    init_tracing();
    let app = for_process(wiring.await?);
    warm_up(app).await;
    if endpoint.embeds() {
        // Map the model and page in its weights during init, not in the first request; a
        // function that embeds without its model fails its init, loudly.
        app.knowledge.embedder().warm_up().await?;
    }
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, std::convert::Infallible>(routes::handle_with(app, endpoint, handler, req).await)
    }))
    .await
}

/// Run the queue's maintenance as a Lambda on its EventBridge schedule. A failed run is an
/// invocation error (logged, retried by the next minute's run anyway).
pub async fn run_maintenance() -> Result<(), Error> {
    init_tracing();
    let app = for_process(App::from_env_for_events().await?);
    warm_up(app).await;
    lambda_runtime::run(lambda_runtime::service_fn(move |_event: LambdaEvent<serde_json::Value>| async move {
        crate::maintenance::run(app).await.map_err(|err| Error::from(err.to_string()))
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

/// `$connect` of the live-updates WebSocket API: verify the agent's token (`?token=`) against the
/// user pool's key set and record the socket.
pub async fn run_live_connect() -> Result<(), Error> {
    init_tracing();
    let app = for_process(App::from_env_for_events().await?);
    let verifier: &'static crate::live::token::JwtVerifier = Box::leak(Box::new(crate::live::token::JwtVerifier::from_env()?));
    tokio::join!(warm_up(app), verifier.prefetch());
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
        Ok::<ApiGatewayProxyResponse, std::convert::Infallible>(
            crate::live::socket::connect(&app.store, verifier, &event.payload, app.now()).await,
        )
    }))
    .await
}

/// `$disconnect` of the live-updates WebSocket API.
pub async fn run_live_disconnect() -> Result<(), Error> {
    init_tracing();
    let app = for_process(App::from_env_for_events().await?);
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
        Ok::<ApiGatewayProxyResponse, std::convert::Infallible>(crate::live::socket::disconnect(&app.store, &event.payload).await)
    }))
    .await
}

/// `ping` of the live-updates WebSocket API: no table, no state.
pub async fn run_live_ping() -> Result<(), Error> {
    init_tracing();
    lambda_runtime::run(lambda_runtime::service_fn(|_: LambdaEvent<serde_json::Value>| async {
        Ok::<ApiGatewayProxyResponse, std::convert::Infallible>(crate::live::socket::ping())
    }))
    .await
}

/// The table's stream → session and message events → every open socket, through the
/// WebSocket API's management endpoint (`LIVE_ENDPOINT`). Only a failure to list the sockets fails
/// the batch (Lambda retries it); a socket that fails is logged and skipped.
pub async fn run_live_fanout() -> Result<(), Error> {
    init_tracing();
    let app = for_process(App::from_env_for_events().await?);
    let endpoint = std::env::var("LIVE_ENDPOINT").map_err(|_| crate::config::ConfigError::Missing("LIVE_ENDPOINT"))?;
    let shared = crate::app::aws_shared_config().await;
    let poster: &'static crate::live::apigw::ApiGatewayPoster =
        Box::leak(Box::new(crate::live::apigw::ApiGatewayPoster::new(&shared, &endpoint)));
    warm_up(app).await;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<StreamEvent>| async move {
        let events = crate::live::events_from_stream(&event.payload);
        let report = crate::live::fan_out(&app.store, poster, &events, app.now()).await?;
        tracing::info!(
            records = event.payload.records.len(),
            events = report.events,
            connections = report.connections,
            delivered = report.delivered,
            expired = report.expired,
            gone = report.gone,
            failed = report.failed,
            "fan-out"
        );
        Ok::<(), Error>(())
    }))
    .await
}
