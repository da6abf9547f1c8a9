//! Confirmation tokens for write actions.
//!
//! The first call for a write returns a token; the second call, with the same query and the
//! token, executes. The token is `v1.{expires_epoch}.{nonce}.{mac}` where `mac` is
//! HMAC-SHA256 over the session, the agent, the action, the order, the canonical parameters (the
//! new address, the refund reason), the expiry and the nonce. The parameters are not in the token
//! (an address is personal data); the second call parses them again from its query, so a token
//! only ever confirms exactly what was shown. Single use is a conditional Put of a marker keyed by
//! the nonce (see [`ConfirmationLedger`]).

use super::backend::{none, BackendError, NoBusinessBackend};
use super::understand::Scene;
use crate::config::ConfigError;
use chrono::{DateTime, Duration, Utc};
use futures::future::BoxFuture;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub const TOKEN_TTL_SECONDS: i64 = 5 * 60;
const VERSION: &str = "v1";
/// Shortest `CONFIRMATION_SECRET` accepted: 128 bits.
pub const MIN_SECRET_BYTES: usize = 16;

/// Everything a token is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding<'a> {
    pub session_id: &'a str,
    pub agent_id: &'a str,
    pub action: Scene,
    pub order_id: &'a str,
    /// `name=value` pairs in a fixed order, e.g. `[("shipping_address", "…")]`.
    pub params: &'a [(&'a str, &'a str)],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub nonce: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Malformed, forged, or made for another session, agent, action, order or parameters.
    #[error("confirmation_invalid")]
    Invalid,
    #[error("confirmation_expired")]
    Expired,
    #[error("confirmation_replayed")]
    Replayed,
}

impl TokenError {
    pub fn code(self) -> &'static str {
        match self {
            TokenError::Invalid => "confirmation_invalid",
            TokenError::Expired => "confirmation_expired",
            TokenError::Replayed => "confirmation_replayed",
        }
    }
}

/// A token that passed its MAC and expiry checks; it still has to be claimed to be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub nonce: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct TokenSigner {
    secret: Vec<u8>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(redacted)")
    }
}

impl TokenSigner {
    pub fn new(secret: Vec<u8>) -> Self {
        TokenSigner { secret }
    }

    /// A token for `binding`, valid for five minutes from `now`.
    pub fn issue(&self, binding: &Binding<'_>, now: DateTime<Utc>) -> IssuedToken {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let expires_at =
            DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now) + Duration::seconds(TOKEN_TTL_SECONDS);
        let mac = self.mac(binding, expires_at.timestamp(), &nonce).finalize().into_bytes();
        IssuedToken { token: format!("{VERSION}.{}.{nonce}.{}", expires_at.timestamp(), hex(&mac)), nonce, expires_at }
    }

    /// Checks the MAC first (so a forged token is `Invalid` whatever expiry it claims), then the
    /// expiry. Replay is the ledger's business. Only the encoding [`TokenSigner::issue`] writes
    /// verifies: decimal expiry without sign or leading zeros, lower-case hex, nothing around it.
    pub fn verify(&self, token: &str, binding: &Binding<'_>, now: DateTime<Utc>) -> Result<VerifiedToken, TokenError> {
        let mut parts = token.split('.');
        let (Some(VERSION), Some(expires), Some(nonce), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        let canonical_expiry = !expires.is_empty()
            && expires.bytes().all(|b| b.is_ascii_digit())
            && !(expires.len() > 1 && expires.starts_with('0'));
        if !canonical_expiry || !is_lower_hex(nonce, 32) || !is_lower_hex(mac, 64) {
            return Err(TokenError::Invalid);
        }
        let expires: i64 = expires.parse().map_err(|_| TokenError::Invalid)?;
        let mac = unhex(mac).ok_or(TokenError::Invalid)?;
        self.mac(binding, expires, nonce).verify_slice(&mac).map_err(|_| TokenError::Invalid)?;
        let expires_at = DateTime::from_timestamp(expires, 0).ok_or(TokenError::Invalid)?;
        if now >= expires_at {
            return Err(TokenError::Expired);
        }
        Ok(VerifiedToken { nonce: nonce.to_string(), expires_at })
    }

    fn mac(&self, binding: &Binding<'_>, expires: i64, nonce: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC accepts keys of any length");
        // Each field is length-prefixed, so no two different bindings share a message.
        let mut field = |value: &str| {
            mac.update(&(value.len() as u64).to_be_bytes());
            mac.update(value.as_bytes());
        };
        field(VERSION);
        field(binding.session_id);
        field(binding.agent_id);
        field(binding.action.as_str());
        field(binding.order_id);
        for (name, value) in binding.params {
            field(name);
            field(value);
        }
        field(&expires.to_string());
        field(nonce);
        mac
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// The HMAC key.
///
/// `CONFIRMATION_SECRET` when set (at least 16 bytes; on AWS, put it in the function's
/// environment from the same secret as the API keys). Without it, the key is derived from the
/// API key material (`API_KEY`): every container of every function sees the same keys, so a
/// token issued by one container verifies in another, and rotating the keys invalidates at most
/// five minutes of outstanding confirmations. A random per-process secret would not do: the
/// confirming call usually lands on a different container than the proposing one.
pub fn confirmation_secret_from_env() -> Result<Vec<u8>, ConfigError> {
    confirmation_secret(std::env::var("CONFIRMATION_SECRET").ok().as_deref(), std::env::var("API_KEY").ok().as_deref())
}

pub fn confirmation_secret(explicit: Option<&str>, api_key_material: Option<&str>) -> Result<Vec<u8>, ConfigError> {
    if let Some(secret) = explicit.map(str::trim).filter(|s| !s.is_empty()) {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                name: "CONFIRMATION_SECRET",
                reason: format!("must be at least {MIN_SECRET_BYTES} bytes"),
            });
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let mut keys: Vec<&str> =
        api_key_material.unwrap_or_default().split(',').map(str::trim).filter(|k| !k.is_empty()).collect();
    if keys.is_empty() {
        return Err(ConfigError::Missing("CONFIRMATION_SECRET"));
    }
    // Order-independent, so listing the keys in another order during a rotation changes nothing.
    keys.sort_unstable();
    keys.dedup();
    Ok(derive_secret(&keys.join(",")))
}

/// A key for tokens only: an HMAC of a fixed label under the API key material, so a token's MAC
/// is never computed with an API key itself.
pub fn derive_secret(material: &str) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(material.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(b"workbench/business/confirmation-token/v1");
    mac.finalize().into_bytes().to_vec()
}

/// What a used token leaves behind, for the audit trail and the replay check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationClaim {
    pub nonce: String,
    pub session_id: String,
    pub agent_id: String,
    pub action: Scene,
    pub order_id: String,
    pub used_at: DateTime<Utc>,
    /// The marker may be deleted after this (DynamoDB TTL): the token is dead by then anyway.
    pub expires_at: DateTime<Utc>,
    /// Who the audit trail names: the agent, or `key:<id>` for a proxy key.
    pub actor: String,
    /// The agent's display name, for the write's line in the thread.
    pub agent_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The token is spent and the write recorded: run it.
    Claimed,
    AlreadyUsed,
    /// The session is no longer the confirming agent's: nothing recorded, nothing to run.
    SessionMoved(super::SessionMoved),
}

/// Records used tokens so that each executes at most once, across containers, and records the
/// write before it runs, so that none runs unrecorded.
pub trait ConfirmationLedger: Send + Sync {
    /// Spend the token and record the write, in one step guarded by the session still being
    /// the claim's agent's.
    fn claim<'a>(&'a self, claim: &'a ConfirmationClaim) -> BoxFuture<'a, Result<ClaimOutcome, BackendError>>;
    /// The recorded write's outcome, in the words the agent saw (personal data masked).
    fn complete<'a>(&'a self, claim: &'a ConfirmationClaim, outcome: &'a str) -> BoxFuture<'a, Result<(), BackendError>>;
}

/// A function that confirms no business write (see `App::wired`) holds no ledger either.
impl ConfirmationLedger for NoBusinessBackend {
    fn claim<'a>(&'a self, _claim: &'a ConfirmationClaim) -> BoxFuture<'a, Result<ClaimOutcome, BackendError>> {
        none()
    }
    fn complete<'a>(&'a self, _claim: &'a ConfirmationClaim, _outcome: &'a str) -> BoxFuture<'a, Result<(), BackendError>> {
        none()
    }
}

/// The thread's line for a confirmed write: written as `confirmed` before the write runs, then
/// completed with the outcome.
pub fn write_record_line(claim: &ConfirmationClaim, outcome: Option<&str>) -> String {
    match outcome {
        Some(outcome) => format!("{} by {}: {outcome}", claim.action.as_str(), claim.agent_id),
        None => format!("{} by {}: confirmed for {}", claim.action.as_str(), claim.agent_id, claim.order_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const PARAMS: &[(&str, &str)] = &[("shipping_address", "上海市浦东新区世纪大道100号")];

    fn binding() -> Binding<'static> {
        Binding {
            session_id: "sess-1",
            agent_id: "agent-001",
            action: Scene::ChangeAddress,
            order_id: "ORD-002",
            params: PARAMS,
        }
    }

    fn signer() -> TokenSigner {
        TokenSigner::new(b"0123456789abcdef0123456789abcdef".to_vec())
    }

    #[test]
    fn a_token_verifies_for_its_own_binding_within_five_minutes() {
        let now = at("2026-07-03T10:00:00Z");
        let issued = signer().issue(&binding(), now);
        assert_eq!(issued.expires_at, at("2026-07-03T10:05:00Z"));
        assert!(issued.token.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'), "URL-safe");
        let verified = signer().verify(&issued.token, &binding(), at("2026-07-03T10:04:59Z")).unwrap();
        assert_eq!(verified.nonce, issued.nonce);
    }

    #[test]
    fn only_the_issued_encoding_of_a_token_verifies() {
        let now = at("2026-07-03T10:00:00Z");
        let issued = signer().issue(&binding(), now);
        let parts: Vec<&str> = issued.token.split('.').collect();
        let (version, expires, nonce, mac) = (parts[0], parts[1], parts[2], parts[3]);
        let variants = [
            format!("{version}.0{expires}.{nonce}.{mac}"),
            format!("{version}.+{expires}.{nonce}.{mac}"),
            format!("{version}.{expires}.{nonce}.{}", mac.to_uppercase()),
            format!("{version}.{expires}.{}.{mac}", nonce.to_uppercase()),
            format!("V1.{expires}.{nonce}.{mac}"),
            format!(" {} ", issued.token),
            format!("{}\n", issued.token),
        ];
        for variant in variants {
            assert_eq!(signer().verify(&variant, &binding(), now), Err(TokenError::Invalid), "{variant:?}");
        }
        assert!(signer().verify(&issued.token, &binding(), now).is_ok());
    }

    #[test]
    fn a_token_expires_after_five_minutes() {
        let now = at("2026-07-03T10:00:00Z");
        let issued = signer().issue(&binding(), now);
        assert_eq!(signer().verify(&issued.token, &binding(), at("2026-07-03T10:05:00Z")), Err(TokenError::Expired));
        assert_eq!(signer().verify(&issued.token, &binding(), at("2026-07-04T10:00:00Z")), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_is_bound_to_session_agent_action_order_and_parameters() {
        let now = at("2026-07-03T10:00:00Z");
        let issued = signer().issue(&binding(), now);
        let other_params: &[(&str, &str)] = &[("shipping_address", "北京市朝阳区建国路88号")];
        let others = [
            Binding { session_id: "sess-2", ..binding() },
            Binding { agent_id: "agent-002", ..binding() },
            Binding { action: Scene::CancelOrder, params: &[], ..binding() },
            Binding { order_id: "ORD-003", ..binding() },
            Binding { params: other_params, ..binding() },
        ];
        for other in others {
            assert_eq!(signer().verify(&issued.token, &other, now), Err(TokenError::Invalid), "{other:?}");
        }
    }

    #[test]
    fn tampered_forged_and_malformed_tokens_are_invalid() {
        let now = at("2026-07-03T10:00:00Z");
        let issued = signer().issue(&binding(), now);
        let parts: Vec<&str> = issued.token.split('.').collect();
        // A later expiry with the old MAC.
        let extended = format!("v1.{}.{}.{}", parts[1].parse::<i64>().unwrap() + 3600, parts[2], parts[3]);
        // Another nonce with the old MAC.
        let renonced = format!("v1.{}.{}.{}", parts[1], "0".repeat(32), parts[3]);
        // One flipped MAC digit.
        let mut mac = parts[3].to_string();
        let flipped = if mac.ends_with('0') { '1' } else { '0' };
        mac.replace_range(mac.len() - 1.., &flipped.to_string());
        let flipped = format!("v1.{}.{}.{mac}", parts[1], parts[2]);
        // Signed with another secret.
        let foreign = TokenSigner::new(b"another-secret-another-secret!!".to_vec()).issue(&binding(), now).token;
        for token in
            [extended, renonced, flipped, foreign, String::new(), "v1".into(), "v2.1.2.3".into(), "v1.x.y.z".into()]
        {
            assert_eq!(signer().verify(&token, &binding(), now), Err(TokenError::Invalid), "{token}");
        }
    }

    #[test]
    fn a_forged_token_is_invalid_even_when_its_claimed_expiry_has_passed() {
        let token = format!("v1.1000.{}.{}", "a".repeat(32), "b".repeat(64));
        assert_eq!(signer().verify(&token, &binding(), at("2026-07-03T10:00:00Z")), Err(TokenError::Invalid));
    }

    #[test]
    fn the_secret_comes_from_config_or_is_derived_from_the_api_keys() {
        assert_eq!(confirmation_secret(Some("0123456789abcdef"), Some("k")).unwrap(), b"0123456789abcdef".to_vec());
        assert!(confirmation_secret(Some("short"), Some("k")).is_err());
        let derived = confirmation_secret(None, Some("old-key, new-key")).unwrap();
        assert_eq!(derived, confirmation_secret(Some(" "), Some("new-key,old-key")).unwrap(), "order-independent");
        assert_ne!(derived, b"old-key,new-key".to_vec());
        assert_ne!(derived, confirmation_secret(None, Some("other-key")).unwrap());
        assert!(matches!(confirmation_secret(None, None), Err(ConfigError::Missing("CONFIRMATION_SECRET"))));
    }
}
