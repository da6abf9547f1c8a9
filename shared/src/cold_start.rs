//! What every Lambda does once per container before its first invocation: JSON tracing, the app
//! kept for the process, and a warmed connection to DynamoDB. The HTTP functions start in
//! [`crate::routes::run_http`], the event functions in `runtime`.

use crate::app::App;

/// JSON logs to stdout (CloudWatch), level from `RUST_LOG` (`error`, `warn`, `info`, `debug`,
/// `trace`), default `info`. One level for the whole process: per-module directives would need
/// `EnvFilter`, which brings a regex engine into every function.
pub fn init_tracing() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Built once per container; every invocation borrows it.
pub(crate) fn for_process(app: App) -> &'static App {
    Box::leak(Box::new(app))
}

/// Open the connection to DynamoDB (DNS, TCP, TLS) during init rather than in the first request.
/// Best effort and bounded: a slow or failing warm-up never delays or fails the start.
pub(crate) async fn warm_up(app: &App) {
    let probe = app.store.get_session("warm-up");
    if tokio::time::timeout(std::time::Duration::from_millis(1500), probe).await.is_err() {
        tracing::warn!("DynamoDB warm-up timed out");
    }
}
