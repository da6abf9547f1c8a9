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
