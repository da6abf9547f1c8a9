//! Configuration read once per cold start: plain data from the environment, and the time budgets
//! the store client and the request are given. It imports nothing of the application; the
//! application is built from it (`App::new`, `App::from_env`).

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
    /// a 503 `store_unavailable` (see [`request_budget`]).
    pub request_budget: std::time::Duration,
    /// Aging, first-response targets, capacity and auto-release (`AGING_MINUTES`,
    /// `SLA_FIRST_RESPONSE_MINUTES`, `AGENT_MAX_SESSIONS`, `AUTO_RELEASE_MINUTES`).
    pub queue: QueuePolicy,
}

impl Config {
    /// `TABLE_NAME`, `API_KEY` (comma-separated for rotation), `ESCALATION_FAILURE_THRESHOLD`.
    /// On AWS the keys come from Secrets Manager instead: see `App::from_env`.
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
        let request_budget = request_budget(LOCAL_STORE_TIMEOUT_MS);
        let queue = QueuePolicy::from_lookup(|name| std::env::var(name).ok())
            .map_err(|(name, reason)| ConfigError::Invalid { name, reason })?;
        Ok(Config { table_name, failure_threshold, api_keys, request_budget, queue })
    }

    pub fn new(table_name: impl Into<String>, api_keys: ApiKeys) -> Self {
        Config {
            table_name: table_name.into(),
            failure_threshold: DEFAULT_FAILURE_THRESHOLD,
            api_keys,
            request_budget: request_budget(LOCAL_STORE_TIMEOUT_MS),
            queue: QueuePolicy::default(),
        }
    }
}

/// The budget of one store call: `DYNAMODB_TIMEOUT_MS`, else the default.
pub fn store_budget_ms(default_operation_ms: u64) -> u64 {
    std::env::var("DYNAMODB_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms >= 100)
        .unwrap_or(default_operation_ms)
}

/// The budget of a whole request: the per-call budgets bound each call, but a request makes
/// several (an idempotency claim, reads, a transaction retried on conflicts, the record's
/// completion), each of which may run slow without failing. Two call budgets and a second:
/// one call may stall on an outage and one more release the request's claim, while the rest
/// take milliseconds. 6 s in AWS (the Lambda's timeout is 10 s, API Gateway's 30 s);
/// `REQUEST_TIMEOUT_MS` to change.
pub fn request_budget(default_store_operation_ms: u64) -> std::time::Duration {
    let ms = std::env::var("REQUEST_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms >= 100)
        .unwrap_or(2 * store_budget_ms(default_store_operation_ms) + 1_000);
    std::time::Duration::from_millis(ms)
}

/// In AWS: DynamoDB answers in milliseconds, so a one-second attempt is an outage, and 2.5 s
/// leaves room in every route's 3 s budget.
pub const AWS_STORE_TIMEOUT_MS: u64 = 2_500;
/// DynamoDB Local is a JVM sharing two cores with eight test threads and the model: far more room
/// before calling it down (tests of the outage path set their own budget).
pub const LOCAL_STORE_TIMEOUT_MS: u64 = 10_000;
