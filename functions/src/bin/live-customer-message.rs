//! Lambda for the `message` route of the live-updates WebSocket API of template.yaml: a customer's
//! message on their socket, a chat turn.

#[tokio::main]
async fn main() -> Result<(), workbench::runtime::Error> {
    workbench::runtime::run_live_customer_message().await
}
