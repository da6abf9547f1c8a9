//! Configuration read once per cold start.

use crate::auth::ApiKeys;
use crate::escalation::DEFAULT_FAILURE_THRESHOLD;
use crate::queue::QueuePolicy;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    /// Consecutive unanswered bot turns before a session escalates.
    pub failure_threshold: u32,
    pub api_keys: ApiKeys,
    /// What one request may take in all, store calls and retries included; past it the answer is
    /// a 503 `store_unavailable` (see [`crate::app::request_budget`]).
    pub request_budget: std::time::Duration,
    /// Aging, first-response targets, capacity and auto-release (`AGING_MINUTES`,
    /// `SLA_FIRST_RESPONSE_MINUTES`, `AGENT_MAX_SESSIONS`, `AUTO_RELEASE_MINUTES`).
    pub queue: QueuePolicy,
}

impl Config {
    /// `TABLE_NAME`, `API_KEY` (comma-separated for rotation), `ESCALATION_FAILURE_THRESHOLD`.
    /// On AWS the keys come from Secrets Manager instead: see [`crate::app::App::from_env`].
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with_keys(None)
    }

    /// As [`Config::from_env`], with the API keys given (read from a secret) rather than from `API_KEY`.
    pub fn from_env_with_keys(keys: Option<ApiKeys>) -> Result<Self, ConfigError> {
        let table_name = std::env::var("TABLE_NAME").map_err(|_| ConfigError::Missing("TABLE_NAME"))?;
        let failure_threshold = match std::env::var("ESCALATION_FAILURE_THRESHOLD") {
            Err(_) => DEFAULT_FAILURE_THRESHOLD,
            Ok(raw) => raw.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "ESCALATION_FAILURE_THRESHOLD",
                reason: "expected a non-negative integer".into(),
            })?,
        };
        let keys_given = keys.is_some();
        let api_keys = match keys {
            Some(keys) => keys,
            None => ApiKeys::parse(&std::env::var("API_KEY").map_err(|_| ConfigError::Missing("API_KEY"))?),
        };
        if api_keys.is_empty() && !keys_given {
            return Err(ConfigError::Invalid { name: "API_KEY", reason: "no key given".into() });
        }
        let request_budget = crate::app::request_budget(crate::app::LOCAL_STORE_TIMEOUT_MS);
        let queue = QueuePolicy::from_lookup(|name| std::env::var(name).ok())
            .map_err(|(name, reason)| ConfigError::Invalid { name, reason })?;
        Ok(Config { table_name, failure_threshold, api_keys, request_budget, queue })
    }

    pub fn new(table_name: impl Into<String>, api_keys: ApiKeys) -> Self {
        Config {
            table_name: table_name.into(),
            failure_threshold: DEFAULT_FAILURE_THRESHOLD,
            api_keys,
            request_budget: crate::app::request_budget(crate::app::LOCAL_STORE_TIMEOUT_MS),
            queue: QueuePolicy::default(),
        }
    }
}
