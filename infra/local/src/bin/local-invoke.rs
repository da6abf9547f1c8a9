//! Runs one function of template.yaml on an event file against the local table, like
//! `sam local invoke` without Docker: `infra/invoke.sh AcceptSessionFunction infra/events/accept-session.json`.

use std::path::PathBuf;
use workbench::{routes, Endpoint};
use workbench_local::template;

fn usage() -> String {
    "usage: local-invoke --function <LogicalId|binary> --event <file.json> [--template template.yaml]".to_string()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    workbench::runtime::init_tracing();
    let (mut function, mut event, mut template_path) = (None, None, PathBuf::from("template.yaml"));
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(usage)?;
        match flag.as_str() {
            "--function" => function = Some(value),
            "--event" => event = Some(PathBuf::from(value)),
            "--template" => template_path = value.into(),
            _ => return Err(usage().into()),
        }
    }
    let (function, event) = (function.ok_or_else(usage)?, event.ok_or_else(usage)?);
    let functions = template::load(&template_path)?;
    let logical_id = functions
        .binaries
        .iter()
        .find(|(logical, binary)| *logical == function || binary.as_deref() == Some(function.as_str()))
        .map(|(logical, _)| logical.clone())
        .ok_or_else(|| format!("{function} is not a function of {}", template_path.display()))?;
    let payload = std::fs::read_to_string(&event)?;
    let app = workbench::App::from_env().await?;
    app.store.create_table_if_missing().await?;

    let output = if functions.queue_functions.contains(&logical_id) {
        let batch: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_str(&payload)?;
        serde_json::to_value(workbench::ingest::handle_batch(&app, batch).await)?
    } else if functions.scheduled_functions.contains(&logical_id) {
        // The scheduled event carries nothing the run needs; it is parsed to check it is JSON.
        let _event: serde_json::Value = serde_json::from_str(&payload)?;
        serde_json::to_value(workbench::maintenance::run(&app).await?)?
    } else if let Some(output) = invoke_live(&app, &logical_id, &payload).await? {
        output
    } else {
        let endpoint = Endpoint::from_function_name(&logical_id)
            .ok_or_else(|| format!("{logical_id} has no handler in this build"))?;
        let request = lambda_http::request::from_str(&payload)?;
        let response = routes::handle(&app, endpoint, request).await;
        let status = response.status().as_u16();
        let headers: serde_json::Map<String, serde_json::Value> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_str().unwrap_or_default().to_string())))
            .collect();
        let body = match response.body() {
            lambda_http::Body::Text(text) => text.clone(),
            _ => String::new(),
        };
        serde_json::json!({ "statusCode": status, "headers": headers, "body": body, "isBase64Encoded": false })
    };
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}

/// The live-update functions. `$connect` verifies against the local issuer's key set (the token of
/// `POST /dev/token` on `infra/dev.sh`); the fan-out posts nowhere and prints what it would send.
async fn invoke_live(
    app: &workbench::App,
    logical_id: &str,
    payload: &str,
) -> Result<Option<serde_json::Value>, Box<dyn std::error::Error>> {
    use aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest;
    use workbench::live::{self, socket};
    use workbench::routes::{
        LIVE_CONNECT_FUNCTION, LIVE_CUSTOMER_MESSAGE_FUNCTION, LIVE_DISCONNECT_FUNCTION, LIVE_FANOUT_FUNCTION, LIVE_PING_FUNCTION,
    };
    let response = if logical_id == LIVE_CONNECT_FUNCTION.0 {
        let identity = workbench_local::identity::LocalIdentity::load_or_create(std::path::Path::new("infra/.local"))?;
        let keys = serde_json::from_value(identity.jwks().clone())?;
        let verifier = live::token::JwtVerifier::with_key_set(
            workbench_local::identity::LOCAL_ISSUER,
            vec![workbench_local::identity::LOCAL_CLIENT_ID.to_string()],
            keys,
        );
        let event: ApiGatewayWebsocketProxyRequest = serde_json::from_str(payload)?;
        let customer_key = app.customer_token_key();
        socket::connect(&app.store, &verifier, &customer_key, &event, app.now()).await
    } else if logical_id == LIVE_DISCONNECT_FUNCTION.0 {
        socket::disconnect(&app.store, &serde_json::from_str(payload)?).await
    } else if logical_id == LIVE_CUSTOMER_MESSAGE_FUNCTION.0 {
        let event: ApiGatewayWebsocketProxyRequest = serde_json::from_str(payload)?;
        let connection_id = event.request_context.connection_id.clone().unwrap_or_default();
        let frame = match app.store.get_customer_connection(&connection_id).await? {
            Some(connection) => workbench::handlers::chat::socket_turn(app, &connection, event.body.as_deref().unwrap_or("")).await,
            None => r#"{"type":"error","status":403,"body":{"error":"forbidden","message":"not a customer's socket"}}"#.to_string(),
        };
        socket::response(200, Some(frame))
    } else if logical_id == LIVE_PING_FUNCTION.0 {
        socket::ping()
    } else if logical_id == LIVE_FANOUT_FUNCTION.0 {
        let batch: aws_lambda_events::event::dynamodb::Event = serde_json::from_str(payload)?;
        let events = live::events_from_stream(&batch);
        let report = live::fan_out(&app.store, &DryRun, &events, app.now()).await?;
        return Ok(Some(serde_json::json!({
            "events": events,
            "connections": report.connections,
            "note": "dry run: nothing was posted to the recorded sockets",
        })));
    } else {
        return Ok(None);
    };
    Ok(Some(serde_json::to_value(response)?))
}

/// Posts nowhere, so invoking the fan-out never disturbs the sockets of a running dev stack.
struct DryRun;

impl workbench::live::Poster for DryRun {
    fn post<'a>(
        &'a self,
        _connection_id: &'a str,
        _frame: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), workbench::live::PostError>> {
        Box::pin(async { Ok(()) })
    }

    fn close<'a>(&'a self, _connection_id: &'a str) -> futures::future::BoxFuture<'a, Result<(), workbench::live::PostError>> {
        Box::pin(async { Ok(()) })
    }
}
