//! Re-embeds the knowledge base after the embedder changed: every FAQ and chunk whose stored
//! vector is from another space (model/dimensions), or every one with `--all`. Uses the same
//! configuration as the functions (TABLE_NAME, DYNAMODB_ENDPOINT or AWS, EMBEDDING_PROVIDER).
//!
//!     cargo run -p workbench-local --features e5 --bin reembed [-- --all]

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    workbench::runtime::init_tracing();
    let all = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--all") => true,
        Some(other) => return Err(format!("unknown argument {other}; expected --all or nothing").into()),
    };
    let embedder = workbench::app::embedder_for_command().await?;
    let app = workbench::App::from_env_for_events().await?.with_embedder(embedder);
    let report = workbench_local::seed::reembed(&app, all).await?;
    println!(
        "{} entries, {} not in {}: {} re-embedded, {} changed meanwhile (left to their writer)",
        report.entries, report.stale, report.space, report.reembedded, report.skipped
    );
    Ok(())
}
