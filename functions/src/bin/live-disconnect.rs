//! Lambda for the `$disconnect` route of the live-updates WebSocket API of template.yaml.

#[tokio::main]
async fn main() -> Result<(), workbench::runtime::Error> {
    workbench::runtime::run_live_disconnect().await
}
