//! Lambda for the `business-assist` route of template.yaml.

#[tokio::main]
async fn main() -> Result<(), workbench::runtime::Error> {
    workbench::runtime::run_http(workbench::Endpoint::BusinessAssist).await
}
