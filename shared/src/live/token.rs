//! The agent's Cognito token on a WebSocket `$connect`.
//!
//! A browser cannot set headers on a WebSocket, so the token travels as `?token=`, and a WebSocket
//! API has no JWT authorizer; the `$connect` function verifies the token itself, by the rules the
//! HTTP API's JWT authorizer applies (RS256, a key of the user pool's key set, issuer, `aud` or
//! Cognito's `client_id`, `exp`, `nbf`), so the same token opens the same doors. The key set is
//! fetched over HTTPS once per container (through the TLS stack the AWS SDK links anyway) and
//! fetched again when a token names a key it lacks (Cognito rotated), at most once a minute.

use crate::config::ConfigError;
use crate::auth::Unauthenticated;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A second fetch for an unknown key id waits at least this long after the last one.
const REFETCH_AFTER: Duration = Duration::from_secs(60);
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
const MAX_KEY_SET_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Unauthenticated(#[from] Unauthenticated),
    /// The user pool's key set could not be read: an outage, not the caller's fault.
    #[error("the user pool's key set is unavailable: {0}")]
    KeySetUnavailable(String),
}

enum KeySource {
    /// Given up front (tests, the local stack).
    Fixed,
    Url(String),
}

struct Keys {
    set: JwkSet,
    fetched_at: Option<Instant>,
}

pub struct JwtVerifier {
    issuer: String,
    audiences: Vec<String>,
    source: KeySource,
    keys: tokio::sync::Mutex<Keys>,
    validation: Validation,
}

impl JwtVerifier {
    /// For the user pool whose issuer is `issuer` (`https://cognito-idp.<region>.amazonaws.com/<pool id>`):
    /// its keys are at `<issuer>/.well-known/jwks.json`.
    pub fn cognito(issuer: &str, audiences: Vec<String>) -> Self {
        let issuer = issuer.trim_end_matches('/').to_string();
        let url = format!("{issuer}/.well-known/jwks.json");
        Self::new(issuer, audiences, KeySource::Url(url), JwkSet { keys: Vec::new() })
    }

    /// With a key set given rather than fetched.
    pub fn with_key_set(issuer: &str, audiences: Vec<String>, key_set: JwkSet) -> Self {
        Self::new(issuer.to_string(), audiences, KeySource::Fixed, key_set)
    }

    /// `COGNITO_ISSUER` and `COGNITO_CLIENT_ID` (comma-separated when several app clients are allowed).
    pub fn from_env() -> Result<Self, ConfigError> {
        let issuer = std::env::var("COGNITO_ISSUER").map_err(|_| ConfigError::Missing("COGNITO_ISSUER"))?;
        if !issuer.starts_with("https://") {
            return Err(ConfigError::Invalid { name: "COGNITO_ISSUER", reason: "expected an https:// issuer URL".into() });
        }
        let clients = std::env::var("COGNITO_CLIENT_ID").map_err(|_| ConfigError::Missing("COGNITO_CLIENT_ID"))?;
        let audiences: Vec<String> = clients.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
        if audiences.is_empty() {
            return Err(ConfigError::Invalid { name: "COGNITO_CLIENT_ID", reason: "no client id given".into() });
        }
        Ok(Self::cognito(&issuer, audiences))
    }

    fn new(issuer: String, audiences: Vec<String>, source: KeySource, set: JwkSet) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.validate_nbf = true;
        // `aud` or `client_id`, checked below, as the HTTP API's JWT authorizer does.
        validation.validate_aud = false;
        validation.leeway = 0;
        JwtVerifier { issuer, audiences, source, keys: tokio::sync::Mutex::new(Keys { set, fetched_at: None }), validation }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Fetch the key set now (at cold start) rather than in the first `$connect`. Best effort: a
    /// failure is logged, and the first token that needs the keys fetches them again.
    pub async fn prefetch(&self) {
        let KeySource::Url(url) = &self.source else { return };
        let mut keys = self.keys.lock().await;
        if keys.fetched_at.is_some() {
            return;
        }
        match fetch_key_set(url).await {
            Ok(set) => *keys = Keys { set, fetched_at: Some(Instant::now()) },
            Err(err) => tracing::warn!(error = %err, "could not fetch the user pool's key set at start"),
        }
    }

    /// The token's claims, each a string as API Gateway hands them to a function (a list becomes
    /// `[a b]`), ready for [`crate::auth::principal::agent_from_claims`].
    pub async fn verify(&self, token: &str) -> Result<HashMap<String, String>, VerifyError> {
        let token = token.trim();
        let token = token.strip_prefix("Bearer ").unwrap_or(token);
        if token.is_empty() {
            return Err(Unauthenticated::Missing.into());
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| header_refusal())?;
        if header.alg != Algorithm::RS256 {
            return Err(algorithm_refusal(header.alg).into());
        }
        let kid = header.kid.ok_or_else(|| Unauthenticated::InvalidToken("the token names no key id".into()))?;
        let key = self.key(&kid).await?;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key, &self.validation).map_err(|e| token_refusal(&e))?;
        let claims = data.claims;
        let names_us = |v: Option<&Value>| match v {
            Some(Value::String(s)) => self.audiences.iter().any(|a| a == s),
            Some(Value::Array(items)) => items.iter().any(|i| i.as_str().is_some_and(|s| self.audiences.iter().any(|a| a == s))),
            _ => false,
        };
        if !names_us(claims.get("client_id")) && !names_us(claims.get("aud")) {
            return Err(Unauthenticated::InvalidToken("the token is for another audience".into()).into());
        }
        Ok(claims.into_iter().map(|(k, v)| (k, claim_string(v))).collect())
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, VerifyError> {
        let mut keys = self.keys.lock().await;
        if keys.set.find(kid).is_none() {
            if let KeySource::Url(url) = &self.source {
                let due = keys.fetched_at.is_none_or(|at| at.elapsed() >= REFETCH_AFTER);
                if due {
                    let set = fetch_key_set(url).await?;
                    *keys = Keys { set, fetched_at: Some(Instant::now()) };
                }
            }
        }
        let jwk = keys
            .set
            .find(kid)
            .ok_or_else(|| Unauthenticated::InvalidToken("the key id is not in the issuer's key set".into()))?;
        DecodingKey::from_jwk(jwk).map_err(|e| VerifyError::KeySetUnavailable(format!("key {kid} is unusable: {e}")))
    }
}

/// Why a token whose header cannot be read is refused, in the client's terms (the library's
/// own message names its Rust types and base64 offsets).
pub fn header_refusal() -> Unauthenticated {
    Unauthenticated::MalformedToken(
        "the token is not a JWT: expected three base64url-encoded parts, the first a JSON header".into(),
    )
}

pub fn algorithm_refusal(algorithm: Algorithm) -> Unauthenticated {
    Unauthenticated::InvalidToken(format!("the token is signed with {algorithm:?}; only RS256 tokens are accepted"))
}

/// Why a token that failed verification is refused, in the client's terms.
pub fn token_refusal(error: &jsonwebtoken::errors::Error) -> Unauthenticated {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => Unauthenticated::ExpiredToken,
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            Unauthenticated::MalformedToken("the token is not a well-formed JWT (three base64url-encoded JSON parts)".into())
        }
        ErrorKind::InvalidSignature => Unauthenticated::InvalidToken("the token's signature does not verify".into()),
        ErrorKind::ImmatureSignature => Unauthenticated::InvalidToken("the token is not valid yet (nbf)".into()),
        ErrorKind::InvalidIssuer => Unauthenticated::InvalidToken("the issuer is not this API's".into()),
        ErrorKind::InvalidAlgorithm => Unauthenticated::InvalidToken("only RS256 tokens are accepted".into()),
        ErrorKind::MissingRequiredClaim(claim) => Unauthenticated::InvalidToken(format!("the token has no `{claim}` claim")),
        _ => Unauthenticated::InvalidToken("the token is not valid for this API".into()),
    }
}

/// API Gateway flattens every claim to a string; a list becomes `[a b]`.
fn claim_string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Array(items) => {
            let words: Vec<String> = items.into_iter().map(claim_string).collect();
            format!("[{}]", words.join(" "))
        }
        other => other.to_string(),
    }
}

async fn fetch_key_set(url: &str) -> Result<JwkSet, VerifyError> {
    use http_body_util::{BodyExt, Empty, Limited};
    use hyper::body::Bytes;
    let unavailable = |why: String| VerifyError::KeySetUnavailable(format!("{url}: {why}"));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| unavailable(e.to_string()))?
        .https_only()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build::<_, Empty<Bytes>>(https);
    let uri: hyper::Uri = url.parse().map_err(|e: hyper::http::uri::InvalidUri| unavailable(e.to_string()))?;
    let response = tokio::time::timeout(FETCH_TIMEOUT, client.get(uri))
        .await
        .map_err(|_| unavailable("timed out".into()))?
        .map_err(|e| unavailable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(unavailable(format!("answered {}", response.status())));
    }
    let body = tokio::time::timeout(FETCH_TIMEOUT, Limited::new(response.into_body(), MAX_KEY_SET_BYTES).collect())
        .await
        .map_err(|_| unavailable("timed out".into()))?
        .map_err(|e| unavailable(e.to_string()))?
        .to_bytes();
    serde_json::from_slice(&body).map_err(|e| unavailable(format!("not a key set: {e}")))
}
