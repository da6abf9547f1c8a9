//! The local stack: the API of template.yaml served over HTTP from the same handler code the
//! Lambdas run, function invocation on event files, and demo data.

pub mod bench;
pub mod identity;
pub mod capacity;
pub mod latency;
pub mod live;
pub mod load;
pub mod round_trips;
pub mod router;
pub mod seed;
pub mod server;
pub mod template;
pub mod webhook;

/// The embedder the functions use, as the environment chooses it (`EMBEDDING_PROVIDER`; unset is
/// the local e5 model, which needs a build with the `e5` feature): benchmarks and the load run
/// measure what runs in AWS.
pub fn production_embedder() -> std::sync::Arc<dyn workbench::knowledge::Embedder> {
    workbench::app::embedder_from_env(None).unwrap_or_else(|e| {
        panic!("{e} (build with `--features workbench/e5`, or set EMBEDDING_PROVIDER=hashed to measure without the model)")
    })
}
