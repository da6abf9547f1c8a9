//! Lambda of template.yaml's customer event pipe: the table's stream records, enriched into the
//! signed outbound events the customer event bus carries to the webhook.

#[tokio::main]
async fn main() -> Result<(), workbench::runtime::Error> {
    workbench::runtime::run_customer_events().await
}
