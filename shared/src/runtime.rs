//! The event-triggered Lambdas' runtime loops: the queue's schedule, SQS escalations, the
//! WebSocket routes and the stream fan-out. An event function's `main` is one call into here; an
//! HTTP function's is `lambda_main!`, which runs [`crate::routes::run_http`].

use crate::app::App;
use crate::cold_start::{for_process, warm_up};
pub use crate::cold_start::init_tracing;
pub use lambda_http::Error;
use lambda_runtime::LambdaEvent;
use aws_lambda_events::event::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

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
/// A customer's socket (`?customer_token=`) is checked with the key derived from the API keys,
/// which this function reads (Secrets Manager in AWS) for that only.
pub async fn run_live_connect() -> Result<(), Error> {
    init_tracing();
    let app = for_process(App::wired::<true, false, false>().await?);
    let verifier: &'static crate::live::token::JwtVerifier = Box::leak(Box::new(crate::live::token::JwtVerifier::from_env()?));
    let customer_key: &'static [u8] =
        Box::leak(app.customer_token_key().into_boxed_slice());
    tokio::join!(warm_up(app), verifier.prefetch());
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
        Ok::<ApiGatewayProxyResponse, std::convert::Infallible>(
            crate::live::socket::connect(&app.store, verifier, customer_key, &event.payload, app.now()).await,
        )
    }))
    .await
}

/// `message` of the live-updates WebSocket API: a customer's message on their socket, a chat
/// turn of the socket's session (wired as the chat function is); the answer frame goes back
/// through the route response. A socket that is not a customer's is refused (403).
pub async fn run_live_customer_message() -> Result<(), Error> {
    use crate::Endpoint;
    init_tracing();
    let app = for_process(
        App::wired::<{ Endpoint::Chat.reads_secrets() }, { Endpoint::Chat.embeds() }, { Endpoint::Chat.calls_order_system() }>()
            .await?,
    );
    warm_up(app).await;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
        let request = &event.payload;
        let Some(connection_id) = crate::live::socket::connection_id(request) else {
            return Ok::<_, std::convert::Infallible>(crate::live::socket::response(400, None));
        };
        let frame = match app.store.get_customer_connection(connection_id).await {
            Ok(Some(connection)) => crate::handlers::chat::socket_turn(app, &connection, request.body.as_deref().unwrap_or("")).await,
            Ok(None) => crate::live::customer::answer_frame(
                None,
                Err(crate::error::ApiError::Forbidden(crate::auth::Denied::Forbidden("only a customer's socket sends messages".to_string()))),
            ),
            Err(err) => crate::live::customer::answer_frame(None, Err(err.into())),
        };
        Ok(crate::live::socket::response(200, Some(frame)))
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
        // The same records, as the customer reads them, to the sockets of each session's topic.
        let customer_events =
            crate::live::outbound::outbound_from_records_for(crate::thread::Audience::Customer, &event.payload.records);
        let customers = crate::live::customer::fan_out_to_customers(&app.store, poster, &customer_events, app.now()).await?;
        tracing::info!(events = customers.events, connections = customers.connections, delivered = customers.delivered, "customer fan-out");
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

/// The enrichment step of the pipe from the table's stream to the customer event bus
/// (template.yaml, `CustomerEventsPipe`): a batch of stream records in, one signed bus detail per
/// outbound event out ([`crate::live::outbound`]). The webhook secret (`CUSTOMER_WEBHOOK_SECRET`,
/// or the Secrets Manager secret `CUSTOMER_WEBHOOK_SECRET_ARN`) is read once per container.
pub async fn run_customer_events() -> Result<(), Error> {
    init_tracing();
    let secret: &'static [u8] = Box::leak(webhook_secret().await?.into_bytes().into_boxed_slice());
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<Vec<aws_lambda_events::event::dynamodb::EventRecord>>| async move {
            let events = crate::live::outbound::outbound_from_records(&event.payload);
            let now = chrono::Utc::now().timestamp();
            let details: Vec<serde_json::Value> =
                events.iter().map(|e| crate::live::outbound::bus_detail(e, secret, now)).collect();
            tracing::info!(records = event.payload.len(), events = details.len(), "customer events");
            Ok::<_, Error>(details)
        },
    ))
    .await
}

async fn webhook_secret() -> Result<String, Error> {
    if let Ok(secret) = std::env::var("CUSTOMER_WEBHOOK_SECRET") {
        return Ok(secret);
    }
    let arn = std::env::var("CUSTOMER_WEBHOOK_SECRET_ARN")
        .map_err(|_| crate::config::ConfigError::Missing("CUSTOMER_WEBHOOK_SECRET_ARN"))?;
    let shared = crate::app::aws_shared_config().await;
    let value = aws_sdk_secretsmanager::Client::new(&shared).get_secret_value().secret_id(arn).send().await?;
    Ok(value.secret_string().unwrap_or_default().to_string())
}
