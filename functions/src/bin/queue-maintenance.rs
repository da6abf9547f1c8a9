//! Lambda for the queue's scheduled maintenance (EventBridge, every minute) of template.yaml:
//! waiting-time aging, auto-release, the oldest pending wait.

#[tokio::main]
async fn main() -> Result<(), workbench::runtime::Error> {
    workbench::runtime::run_maintenance().await
}
