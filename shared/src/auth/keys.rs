//! Service keys (`X-API-Key`): each has an id, which is what logs name, and scopes, which say
//! what the integration holding it may do. Compared in constant time; never logged.

use super::identity::{Scope, ServicePrincipal};
use serde::Deserialize;
use std::fmt;
use subtle::ConstantTimeEq;

pub const API_KEY_HEADER: &str = "x-api-key";

#[derive(Clone)]
struct ServiceKey {
    id: String,
    secret: Vec<u8>,
    scopes: Vec<Scope>,
}

#[derive(Clone, Default)]
pub struct ApiKeys(Vec<ServiceKey>);

#[derive(Debug, thiserror::Error)]
pub enum KeySetError {
    #[error("the key set is not valid JSON: {0}")]
    Json(String),
    #[error("key `{0}` has an unknown scope `{1}` (known: chat, ingest, agent-proxy, admin)")]
    UnknownScope(String, String),
    #[error("key `{0}` is empty")]
    EmptyKey(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: String,
    key: String,
    scopes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeySetJson {
    Set { keys: Vec<KeyEntry> },
    One(KeyEntry),
    List(Vec<KeyEntry>),
}

impl ApiKeys {
    /// Comma-separated keys, each holding every scope: the local stack's `API_KEY`, where one
    /// developer plays every integration. A key can be rotated without downtime by listing two.
    pub fn parse(raw: &str) -> Self {
        let keys = raw
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .enumerate()
            .map(|(i, k)| ServiceKey { id: format!("local-{}", i + 1), secret: k.as_bytes().to_vec(), scopes: Scope::ALL.to_vec() })
            .collect();
        ApiKeys(keys)
    }

    /// The deployed key set, a Secrets Manager JSON: `{"keys": [{"id", "key", "scopes"}]}`, one
    /// such entry alone, or a list of them. Anything not JSON is read as [`ApiKeys::parse`] does,
    /// so a secret from before scopes existed keeps working.
    pub fn parse_secret(raw: &str) -> Result<Self, KeySetError> {
        let trimmed = raw.trim_start();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
            return Ok(Self::parse(raw));
        }
        let entries = match serde_json::from_str::<KeySetJson>(raw).map_err(|e| KeySetError::Json(e.to_string()))? {
            KeySetJson::Set { keys } | KeySetJson::List(keys) => keys,
            KeySetJson::One(entry) => vec![entry],
        };
        let mut keys = Vec::with_capacity(entries.len());
        for entry in entries {
            if entry.key.trim().is_empty() {
                return Err(KeySetError::EmptyKey(entry.id));
            }
            let scopes = entry
                .scopes
                .iter()
                .map(|s| Scope::parse(s).ok_or_else(|| KeySetError::UnknownScope(entry.id.clone(), s.clone())))
                .collect::<Result<Vec<_>, _>>()?;
            keys.push(ServiceKey { id: entry.id, secret: entry.key.trim().as_bytes().to_vec(), scopes });
        }
        Ok(ApiKeys(keys))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The service a presented key belongs to. Every key is compared, so the time taken does
    /// not say which key nearly matched.
    pub fn identify(&self, presented: &[u8]) -> Option<ServicePrincipal> {
        let mut found = None;
        for key in &self.0 {
            let matched: bool = key.secret.as_slice().ct_eq(presented).into();
            if matched && found.is_none() {
                found = Some(ServicePrincipal { key_id: key.id.clone(), scopes: key.scopes.clone() });
            }
        }
        found
    }

    pub fn verify(&self, presented: Option<&[u8]>) -> bool {
        presented.is_some_and(|p| self.identify(p).is_some())
    }

    /// The keys joined by commas: key material for deriving other secrets (confirmation tokens),
    /// never for display.
    pub(crate) fn material(&self) -> String {
        self.0.iter().map(|k| String::from_utf8_lossy(&k.secret).into_owned()).collect::<Vec<_>>().join(",")
    }
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.0.iter().map(|k| k.id.as_str()).collect();
        write!(f, "ApiKeys({ids:?}, secrets redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_configured_key_is_accepted() {
        let keys = ApiKeys::parse("old-key, new-key");
        assert!(keys.verify(Some(b"old-key")));
        assert!(keys.verify(Some(b"new-key")));
    }

    #[test]
    fn missing_wrong_and_prefix_keys_are_refused() {
        let keys = ApiKeys::parse("secret");
        assert!(!keys.verify(None));
        assert!(!keys.verify(Some(b"")));
        assert!(!keys.verify(Some(b"secre")));
        assert!(!keys.verify(Some(b"secret2")));
        assert!(!ApiKeys::parse(" , ").verify(Some(b"")));
    }

    #[test]
    fn keys_do_not_appear_in_debug_output() {
        let keys = ApiKeys::parse("hunter2");
        assert!(!format!("{keys:?}").contains("hunter2"));
    }

    #[test]
    fn a_local_key_holds_every_scope() {
        let service = ApiKeys::parse("k").identify(b"k").unwrap();
        assert_eq!(service.key_id, "local-1");
        assert_eq!(service.scopes, Scope::ALL.to_vec());
    }

    #[test]
    fn a_secret_key_set_gives_each_key_its_own_id_and_scopes() {
        let raw = r#"{"keys": [{"id": "bot", "key": "k-bot", "scopes": ["chat"]},
                                {"id": "ops", "key": "k-ops", "scopes": ["admin", "ingest"]}]}"#;
        let keys = ApiKeys::parse_secret(raw).unwrap();
        let bot = keys.identify(b"k-bot").unwrap();
        assert_eq!((bot.key_id.as_str(), bot.scopes), ("bot", vec![Scope::Chat]));
        let ops = keys.identify(b"k-ops").unwrap();
        assert_eq!(ops.scopes, vec![Scope::Admin, Scope::Ingest]);
        assert!(keys.identify(b"k-other").is_none());
    }

    #[test]
    fn the_generated_single_entry_secret_and_legacy_plain_secrets_both_read() {
        let one = ApiKeys::parse_secret(r#"{"id": "default", "scopes": ["chat", "agent-proxy"], "key": "abc"}"#).unwrap();
        assert_eq!(one.identify(b"abc").unwrap().scopes, vec![Scope::Chat, Scope::AgentProxy]);
        let legacy = ApiKeys::parse_secret("plain-key").unwrap();
        assert_eq!(legacy.identify(b"plain-key").unwrap().scopes, Scope::ALL.to_vec());
    }

    #[test]
    fn a_key_set_with_an_unknown_scope_or_empty_key_is_refused() {
        let unknown = ApiKeys::parse_secret(r#"[{"id": "x", "key": "k", "scopes": ["root"]}]"#);
        assert!(matches!(unknown, Err(KeySetError::UnknownScope(..))));
        let empty = ApiKeys::parse_secret(r#"[{"id": "x", "key": " ", "scopes": []}]"#);
        assert!(matches!(empty, Err(KeySetError::EmptyKey(..))));
    }
}
