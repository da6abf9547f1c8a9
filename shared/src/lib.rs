//! The agent assist workbench: domain, state machine, DynamoDB store and HTTP edge shared by
//! every Lambda of template.yaml.

pub mod api;
pub mod app;
pub mod auth;
pub mod business;
pub mod cold_start;
pub mod config;
pub mod domain;
pub mod endpoint;
pub mod error;
pub mod escalation;
pub mod handlers;
pub mod http;
pub mod idempotency;
pub mod ingest;
pub mod intent;
pub mod knowledge;
pub mod knowledge_cache;
pub mod live;
pub mod maintenance;
pub mod metrics;
pub mod queue;
pub mod openapi;
pub mod routes;
pub mod runtime;
pub mod state_machine;
pub mod store;
pub mod text;
pub mod thread;
pub mod turn_policy;

pub use app::App;
pub use endpoint::Endpoint;
