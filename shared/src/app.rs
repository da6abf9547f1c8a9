//! What a function builds once per cold start and lends to every invocation.

pub use crate::config::{request_budget, AWS_STORE_TIMEOUT_MS, LOCAL_STORE_TIMEOUT_MS};
use crate::config::{store_budget_ms, Config, ConfigError};
use crate::business::{
    confirmation_secret, derive_secret, BusinessAgent, BusinessBackend, DynamoBusinessBackend, DynamoConfirmationLedger,
    HttpBusinessBackend, NoBusinessBackend,
};
use crate::knowledge::{
    BedrockTitanEmbedder, Embedder, EmbeddingError, HashedNgramEmbedder, InvokeModel, NoEmbedder, TITAN_V2_MODEL_ID,
};
use crate::knowledge_cache::KnowledgeCache;
use crate::store::Store;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub config: Config,
    /// The in-memory knowledge index, shared by every invocation of a container.
    pub knowledge: Arc<KnowledgeCache>,
    /// Business lookups and confirmed writes.
    pub business: Arc<BusinessAgent>,
    clock: Clock,
}

impl App {
    /// With the hashed n-gram embedder, chosen explicitly (tests, and event functions that never
    /// embed), the business data in the table, and confirmation tokens keyed from the API keys.
    /// `with_embedder` sets another.
    pub fn new(store: Store, config: Config) -> Self {
        let secret = confirmation_secret(None, Some(&config.api_keys.material()))
            .unwrap_or_else(|_| derive_secret("no API key: this process serves no HTTP request"));
        let business = BusinessAgent::new(
            Arc::new(DynamoBusinessBackend::new(store.clone())),
            Arc::new(DynamoConfirmationLedger::new(store.clone())),
            secret,
        );
        App::with_business(store, config, business)
    }

    pub fn with_business(store: Store, config: Config, business: BusinessAgent) -> Self {
        App::assemble(store, config, business, Arc::new(HashedNgramEmbedder::default()))
    }

    fn assemble(store: Store, config: Config, business: BusinessAgent, embedder: Arc<dyn Embedder>) -> Self {
        App {
            store,
            config,
            knowledge: Arc::new(KnowledgeCache::new(embedder)),
            business: Arc::new(business),
            clock: Arc::new(Utc::now),
        }
    }

    /// For a function that neither embeds nor does business: the stubs link neither.
    fn without_extras(store: Store, config: Config) -> Self {
        let secret = derive_secret("this function confirms no business write");
        let business = BusinessAgent::new(Arc::new(NoBusinessBackend), Arc::new(NoBusinessBackend), secret);
        App::assemble(store, config, business, Arc::new(NoEmbedder))
    }

    /// Replace the embedder (and with it the knowledge cache, whose index depends on it).
    pub fn with_embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.knowledge = Arc::new(KnowledgeCache::new(embedder));
        self
    }

    /// Replace the clock, so time-based behaviour is tested without sleeping.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The key customer tokens are signed and checked with, derived from the API keys
    /// ([`crate::auth::customer`]).
    pub fn customer_token_key(&self) -> Vec<u8> {
        crate::auth::customer::customer_token_key(&self.config.api_keys.material())
    }

    pub fn now(&self) -> DateTime<Utc> {
        // Millisecond precision: what clients see, and what sorts stably.
        let now = (self.clock)();
        DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
    }

    /// Cold-start wiring with every capability: the local server and `local-invoke`, which serve
    /// every route. API keys come from `API_KEY` when set (local), else from the Secrets Manager
    /// secret named by `API_KEY_SECRET_ARN` (AWS), read once per container.
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::wired::<true, true, true>().await
    }

    /// For event-triggered functions, which answer no HTTP request and so hold no API keys.
    pub async fn from_env_for_events() -> Result<Self, ConfigError> {
        let (_, store, config) = Self::base::<false>(Some(crate::auth::ApiKeys::default())).await?;
        Ok(App::without_extras(store, config))
    }

    /// The AWS configuration (none against DynamoDB Local), the store and the configuration. The
    /// API keys are `keys` when given, else `API_KEY`, else (only when `SECRETS`) the Secrets
    /// Manager secret `API_KEY_SECRET_ARN`; without `SECRETS` the Secrets Manager client is not
    /// referenced at all.
    async fn base<const SECRETS: bool>(
        keys: Option<crate::auth::ApiKeys>,
    ) -> Result<(Option<aws_config::SdkConfig>, Store, Config), ConfigError> {
        let shared = match std::env::var("DYNAMODB_ENDPOINT") {
            Ok(endpoint) if !endpoint.is_empty() => None,
            _ => Some(aws_shared_config().await),
        };
        let keys = match keys {
            Some(keys) => Some(keys),
            // Boxed: a `false` SECRETS removes the call, but an awaited future would stay in this
            // function's state machine (its poll and drop with it), linking Secrets Manager into
            // every function; behind `dyn Future` nothing of it is referenced there.
            None if SECRETS => match (std::env::var("API_KEY"), std::env::var("API_KEY_SECRET_ARN"), &shared) {
                (Err(_), Ok(secret), Some(shared)) => {
                    let read: futures::future::BoxFuture<'_, _> = Box::pin(api_keys_from_secret(shared, &secret));
                    Some(read.await?)
                }
                _ => None,
            },
            None => None,
        };
        let mut config = Config::from_env_with_keys(keys)?;
        if shared.is_some() {
            config.request_budget = request_budget(AWS_STORE_TIMEOUT_MS);
        }
        let client = match &shared {
            Some(shared) => aws_dynamodb_client(shared),
            None => dynamodb_client().await,
        };
        let store = Store::new(client, config.table_name.clone());
        Ok((shared, store, config))
    }

    /// Cold-start wiring of one HTTP function, its capabilities fixed at compile time
    /// ([`crate::lambda_main!`] passes the endpoint's): a capability that is `false` is never
    /// referenced, so the function does not link it.
    /// - `SECRETS`: API keys from Secrets Manager in AWS; without it only the local `API_KEY`
    ///   (the agent routes take tokens in AWS);
    /// - `EMBEDS`: the embedder `EMBEDDING_PROVIDER` chooses (the e5 engine, Bedrock); without
    ///   it the hashed n-grams, which such a function never calls;
    /// - `ORDERS`: an order system by `BUSINESS_API_URL`; without it the business data in the
    ///   table.
    pub async fn wired<const SECRETS: bool, const EMBEDS: bool, const ORDERS: bool>() -> Result<Self, ConfigError> {
        let keys = match (SECRETS, std::env::var("API_KEY")) {
            (true, _) | (false, Ok(_)) => None,
            (false, Err(_)) => Some(crate::auth::ApiKeys::default()),
        };
        let (shared, store, config) = Self::base::<SECRETS>(keys).await?;
        let mut app = App::without_extras(store, config);
        if EMBEDS {
            app.knowledge = Arc::new(KnowledgeCache::new(embedder_from_env(shared.as_ref())?));
        }
        if ORDERS {
            // An order system by URL when BUSINESS_API_URL is set, else the business data in the table.
            let backend: Arc<dyn BusinessBackend> = match HttpBusinessBackend::from_env()? {
                Some(http) => Arc::new(http),
                None => Arc::new(DynamoBusinessBackend::new(app.store.clone())),
            };
            let explicit = std::env::var("CONFIRMATION_SECRET").ok();
            let secret = confirmation_secret(explicit.as_deref(), Some(&app.config.api_keys.material()))?;
            let ledger = Arc::new(DynamoConfirmationLedger::new(app.store.clone()));
            app.business = Arc::new(BusinessAgent::new(backend, ledger, secret));
        }
        Ok(app)
    }
}

/// `EMBEDDING_PROVIDER` chooses the embedder, never silently:
/// - unset, `local` or `e5`: multilingual-e5-small on the CPU (the default; needs a build with the
///   `e5` feature and the model file, `E5_MODEL_PATH` or the Lambda layer's `/opt/e5`);
/// - `bedrock`: Amazon Bedrock Titan Text Embeddings V2 (`BEDROCK_EMBEDDING_DIMENSIONS`, default 512);
/// - `hashed`: hashed character n-grams (no model; much weaker on paraphrases).
///
/// Stored vectors record their space; after a switch, `reembed` re-embeds the knowledge base
/// (until then the entries of the old space answer through BM25 only).
pub fn embedder_from_env(shared: Option<&aws_config::SdkConfig>) -> Result<Arc<dyn Embedder>, ConfigError> {
    let provider = std::env::var("EMBEDDING_PROVIDER").unwrap_or_default();
    match provider.trim() {
        "" | "local" | "e5" => local_model_embedder(),
        "hashed" => Ok(Arc::new(HashedNgramEmbedder::default())),
        "bedrock" => {
            let Some(shared) = shared else {
                return Err(ConfigError::Invalid {
                    name: "EMBEDDING_PROVIDER",
                    reason: "bedrock needs AWS configuration (DYNAMODB_ENDPOINT points at a local table)".into(),
                });
            };
            let dimensions = match std::env::var("BEDROCK_EMBEDDING_DIMENSIONS") {
                Err(_) => 512,
                Ok(raw) => match raw.trim().parse() {
                    Ok(d @ (256 | 512 | 1024)) => d,
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: "BEDROCK_EMBEDDING_DIMENSIONS",
                            reason: "Titan V2 takes 256, 512 or 1024".into(),
                        })
                    }
                },
            };
            let client = aws_sdk_bedrockruntime::Client::new(shared);
            let invoke: InvokeModel = Arc::new(move |body: serde_json::Value| {
                let client = client.clone();
                Box::pin(async move {
                    let out = client
                        .invoke_model()
                        .model_id(TITAN_V2_MODEL_ID)
                        .content_type("application/json")
                        .accept("application/json")
                        .body(aws_sdk_bedrockruntime::primitives::Blob::new(body.to_string()))
                        .send()
                        .await
                        .map_err(|e| EmbeddingError::Service(e.to_string()))?;
                    Ok(out.body.into_inner())
                })
            });
            Ok(Arc::new(BedrockTitanEmbedder::new(dimensions, invoke)))
        }
        other => Err(ConfigError::Invalid {
            name: "EMBEDDING_PROVIDER",
            reason: format!("{other:?}: expected local (the default), bedrock or hashed"),
        }),
    }
}

/// `embedder_from_env` for a command outside Lambda (re-embedding, evaluation): loads the AWS
/// configuration only when the provider needs it.
pub async fn embedder_for_command() -> Result<Arc<dyn Embedder>, ConfigError> {
    let shared = match std::env::var("EMBEDDING_PROVIDER").as_deref() {
        Ok("bedrock") => Some(aws_config::defaults(BehaviorVersion::latest()).http_client(https_client()).load().await),
        _ => None,
    };
    embedder_from_env(shared.as_ref())
}

/// The local semantic embedder. The model file is mapped on first use, so functions that never
/// embed (and carry no model layer) never look for it; functions that embed load it during init
/// (`routes::run_http`) and fail their init loudly when it is missing.
#[cfg(feature = "e5")]
pub fn local_model_embedder() -> Result<Arc<dyn Embedder>, ConfigError> {
    Ok(Arc::new(crate::knowledge::e5::E5Embedder::new(crate::knowledge::e5::default_model_path())))
}

#[cfg(not(feature = "e5"))]
pub fn local_model_embedder() -> Result<Arc<dyn Embedder>, ConfigError> {
    Err(ConfigError::Invalid {
        name: "EMBEDDING_PROVIDER",
        reason: "the default local model is not in this build: run infra/model.sh and build with \
                 `--features workbench/e5` (the infra scripts do), or set EMBEDDING_PROVIDER=hashed \
                 or bedrock explicitly"
            .into(),
    })
}

async fn api_keys_from_secret(shared: &aws_config::SdkConfig, secret_id: &str) -> Result<crate::auth::ApiKeys, ConfigError> {
    let secrets = aws_sdk_secretsmanager::Client::new(shared);
    let value = secrets
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| ConfigError::Invalid { name: "API_KEY_SECRET_ARN", reason: format!("cannot read the secret: {e}") })?;
    let keys = crate::auth::ApiKeys::parse_secret(value.secret_string().unwrap_or_default())
        .map_err(|e| ConfigError::Invalid { name: "API_KEY_SECRET_ARN", reason: e.to_string() })?;
    if keys.is_empty() {
        return Err(ConfigError::Invalid { name: "API_KEY_SECRET_ARN", reason: "the secret holds no key".into() });
    }
    Ok(keys)
}

/// The HTTPS client of every AWS SDK client: hyper 1 with rustls on ring and the system's root
/// certificates (TLS 1.2 and 1.3, certificates verified). The SDK's default client is the same
/// stack on aws-lc-rs, which is three times the size in every function; ring has what DynamoDB's
/// and the other services' endpoints negotiate (ECDHE with AES-GCM or ChaCha20, RSA and ECDSA
/// certificates). The clients built from one configuration share its connection pool; a pool is
/// never shared across configurations, since its connections belong to the Tokio runtime that
/// opened them (tests run one runtime each).
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    https_client_trusting(aws_smithy_http_client::tls::TlsContext::default())
}

/// [`https_client`] with another trust store (tests trust their own certificate with it).
pub fn https_client_trusting(
    context: aws_smithy_http_client::tls::TlsContext,
) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .tls_context(context)
        .build_https()
}

/// The AWS configuration of a function, on [`https_client`]: the region from `AWS_REGION` and the
/// execution role's credentials from the environment, as Lambda provides both. Not
/// `aws_config::load_defaults`: its provider chains (profile files, SSO, web identity through an
/// STS client, container and instance metadata) serve no Lambda and would be linked into every
/// function. A process outside Lambda needs `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
/// (`AWS_SESSION_TOKEN`) and `AWS_REGION` set to reach AWS.
pub async fn aws_shared_config() -> aws_config::SdkConfig {
    use aws_config::environment::EnvironmentVariableCredentialsProvider;
    let region = std::env::var("AWS_REGION").or_else(|_| std::env::var("AWS_DEFAULT_REGION")).ok().map(Region::new);
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .http_client(https_client())
        .build()
}

/// A DynamoDB client. With `DYNAMODB_ENDPOINT` set (DynamoDB Local) it uses static local
/// credentials and never consults the credential chain or instance metadata.
pub async fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    match std::env::var("DYNAMODB_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => local_dynamodb_client(&endpoint),
        _ => aws_dynamodb_client(&aws_shared_config().await),
    }
}

/// Time budgets for every DynamoDB call. Without them a stalled connection holds a request
/// until the Lambda's own timeout (API Gateway gives up after 30 s while the function runs and
/// bills on); with them an outage is a 503 `store_unavailable` within the budget.
/// `DYNAMODB_TIMEOUT_MS` sets the budget of one call, retries included. An attempt gets 80 % of
/// it: a refused or broken connection fails fast and is retried within the call, but a slow
/// answer is waited for, not asked again, because a store that is slow since it is busy still
/// runs the abandoned attempt and a second one doubles its work (with 40 % the load run's
/// recovery after an outage took longer).
pub fn store_timeouts(default_operation_ms: u64) -> aws_sdk_dynamodb::config::timeout::TimeoutConfig {
    let operation_ms = store_budget_ms(default_operation_ms);
    let attempt_ms = operation_ms * 4 / 5;
    aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_millis(attempt_ms))
        .operation_attempt_timeout(std::time::Duration::from_millis(attempt_ms))
        .operation_timeout(std::time::Duration::from_millis(operation_ms))
        .build()
}

fn aws_dynamodb_client(shared: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let config =
        aws_sdk_dynamodb::config::Builder::from(shared).timeout_config(store_timeouts(AWS_STORE_TIMEOUT_MS)).build();
    aws_sdk_dynamodb::Client::from_conf(config)
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
        .http_client(https_client())
        .endpoint_url(endpoint)
        .timeout_config(store_timeouts(LOCAL_STORE_TIMEOUT_MS))
}
