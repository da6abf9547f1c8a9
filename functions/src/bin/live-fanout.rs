//! Lambda on the table's DynamoDB stream of template.yaml: session and message changes to every
//! open live-updates socket.

#[tokio::main]
async fn main() -> Result<(), workbench::runtime::Error> {
    workbench::runtime::run_live_fanout().await
}
