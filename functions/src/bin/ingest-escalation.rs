//! Lambda for the escalation queue (SQS, fed by an EventBridge rule) of template.yaml.

#[tokio::main]
async fn main() -> Result<(), workbench::runtime::Error> {
    workbench::runtime::run_ingest().await
}
