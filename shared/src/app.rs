//! What a function builds once per cold start and lends to every invocation.

use crate::config::{Config, ConfigError};
use crate::store::Store;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub config: Config,
    clock: Clock,
}

impl App {
    pub fn new(store: Store, config: Config) -> Self {
        App { store, config, clock: Arc::new(Utc::now) }
    }

    /// Replace the clock, so time-based behaviour is tested without sleeping.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        // Millisecond precision: what clients see, and what sorts stably.
        let now = (self.clock)();
        DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
    }

    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env()?;
        let client = dynamodb_client().await;
        Ok(App::new(Store::new(client, config.table_name.clone()), config))
    }
}

/// A DynamoDB client. With `DYNAMODB_ENDPOINT` set (DynamoDB Local) it uses static local
/// credentials and never consults the credential chain or instance metadata.
pub async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    match std::env::var("DYNAMODB_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => local_dynamodb_client(&endpoint),
        _ => {
            let shared = aws_config::load_defaults(BehaviorVersion::latest()).await;
            aws_sdk_dynamodb::Client::new(&shared)
        }
    }
}

pub fn local_dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(local_dynamodb_config(endpoint).build())
}

pub fn local_dynamodb_config(endpoint: &str) -> aws_sdk_dynamodb::config::Builder {
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_string());
    aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(Credentials::new("local", "local", None, None, "dynamodb-local"))
        .endpoint_url(endpoint)
}
