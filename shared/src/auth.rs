//! API key check: constant-time, and the keys never reach a log line.

use lambda_http::Request;
use std::fmt;
use subtle::ConstantTimeEq;

pub const API_KEY_HEADER: &str = "x-api-key";

#[derive(Clone, Default)]
pub struct ApiKeys(Vec<Vec<u8>>);

impl ApiKeys {
    /// Comma-separated keys, so a key can be rotated without downtime.
    pub fn parse(raw: &str) -> Self {
        ApiKeys(raw.split(',').map(str::trim).filter(|k| !k.is_empty()).map(|k| k.as_bytes().to_vec()).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares against every key so the time taken does not say which key nearly matched.
    pub fn verify(&self, presented: Option<&[u8]>) -> bool {
        let Some(presented) = presented else { return false };
        let mut matched = subtle::Choice::from(0);
        for key in &self.0 {
            matched |= key.as_slice().ct_eq(presented);
        }
        matched.into()
    }

    /// The keys joined by commas: key material for deriving other secrets (confirmation tokens),
    /// never for display.
    pub(crate) fn material(&self) -> String {
        self.0.iter().map(|k| String::from_utf8_lossy(k).into_owned()).collect::<Vec<_>>().join(",")
    }

    pub fn verify_request(&self, req: &Request) -> bool {
        self.verify(req.headers().get(API_KEY_HEADER).map(|v| v.as_bytes()))
    }
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeys({} configured, redacted)", self.0.len())
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
}
