//! Lambda for the `invalidate-cache` route of template.yaml.

#[tokio::main]
async fn main() -> Result<(), workbench::runtime::Error> {
    workbench::runtime::run_http(workbench::Endpoint::InvalidateCache).await
}
