//! The customer's token: a short-lived credential bound to one session and its owner, for the
//! customer socket (and so for a browser, which must never hold a service key).
//!
//! `ct1.<base64url(claims JSON)>.<base64url(HMAC-SHA256(key, "ct1." + claims part))>`. Not a
//! JWT on purpose: an agent route reads only RS256 JWTs (API Gateway's JWT authorizer, or the
//! local identity), so a customer token is refused there as malformed, and the customer socket
//! reads only this format, so an agent's JWT cannot join as a customer. The key is derived from
//! the API keys' material (as the business confirmation tokens are): every function that issues or
//! checks one already reads the keys, and rotating the keys retires every customer token.

use super::identity::Unauthenticated;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const PREFIX: &str = "ct1.";
/// How long a token lets a socket open and receive; a widget asks for a fresh one
/// (`POST /api/v1/chat/sessions/{session_id}/token`) and sends it as `{"action":"auth"}`.
pub const CUSTOMER_TOKEN_SECONDS: i64 = 30 * 60;
/// A token is a few hundred bytes; anything longer is not one of ours.
const MAX_TOKEN_CHARS: usize = 1024;

/// What a customer token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerClaims {
    /// The one session the token opens.
    pub sid: String,
    /// The session's owner.
    pub uid: String,
    /// Epoch seconds.
    pub exp: i64,
}

/// The signing key, from the API keys' material (order-independent, as the keys may be listed
/// in any order during a rotation).
pub fn customer_token_key(api_key_material: &str) -> Vec<u8> {
    let mut keys: Vec<&str> = api_key_material.split(',').map(str::trim).filter(|k| !k.is_empty()).collect();
    keys.sort_unstable();
    let material = if keys.is_empty() { "no API key: customer tokens cannot be checked".to_string() } else { keys.join(",") };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(material.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(b"workbench/customer-token/v1");
    mac.finalize().into_bytes().to_vec()
}

fn mac(key: &[u8], signed: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(signed.as_bytes());
    mac
}

/// A token for `session_id` of `user_id`, valid until `now + CUSTOMER_TOKEN_SECONDS`.
pub fn issue_customer_token(key: &[u8], session_id: &str, user_id: &str, now: i64) -> (String, i64) {
    let exp = now + CUSTOMER_TOKEN_SECONDS;
    let claims = CustomerClaims { sid: session_id.to_string(), uid: user_id.to_string(), exp };
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims are plain data"));
    let signed = format!("{PREFIX}{body}");
    let signature = URL_SAFE_NO_PAD.encode(mac(key, &signed).finalize().into_bytes());
    (format!("{signed}.{signature}"), exp)
}

/// Whether a credential looks like a customer token (so a caller can say which kind it refused).
pub fn is_customer_token(token: &str) -> bool {
    token.trim().starts_with(PREFIX)
}

/// The claims of a token this API issued and that has not expired at `now`.
pub fn verify_customer_token(key: &[u8], token: &str, now: i64) -> Result<CustomerClaims, Unauthenticated> {
    let token = token.trim();
    if token.is_empty() {
        return Err(Unauthenticated::Missing);
    }
    let malformed = || Unauthenticated::MalformedToken("not a customer token: expected `ct1.<claims>.<signature>`".into());
    if token.len() > MAX_TOKEN_CHARS || !token.starts_with(PREFIX) {
        return Err(malformed());
    }
    // `ct1`, the claims, the signature: exactly three parts.
    if token.split('.').count() != 3 {
        return Err(malformed());
    }
    let (signed, signature) = token.rsplit_once('.').ok_or_else(malformed)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| malformed())?;
    mac(key, signed)
        .verify_slice(&signature)
        .map_err(|_| Unauthenticated::InvalidToken("the customer token's signature does not verify".into()))?;
    let body = URL_SAFE_NO_PAD.decode(&signed[PREFIX.len()..]).map_err(|_| malformed())?;
    let claims: CustomerClaims = serde_json::from_slice(&body).map_err(|_| malformed())?;
    if claims.exp <= now {
        return Err(Unauthenticated::ExpiredToken);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_token_verifies_for_its_session_and_owner_until_it_expires() {
        let key = customer_token_key("k1");
        let (token, exp) = issue_customer_token(&key, "sess-1", "u_1", NOW);
        assert_eq!(exp, NOW + CUSTOMER_TOKEN_SECONDS);
        assert!(is_customer_token(&token));
        let claims = verify_customer_token(&key, &token, NOW + 10).unwrap();
        assert_eq!(claims, CustomerClaims { sid: "sess-1".into(), uid: "u_1".into(), exp });
        assert_eq!(verify_customer_token(&key, &token, exp), Err(Unauthenticated::ExpiredToken));
    }

    #[test]
    fn a_changed_claim_another_key_or_another_format_is_refused() {
        let key = customer_token_key("k1");
        let (token, _) = issue_customer_token(&key, "sess-1", "u_1", NOW);
        let other = customer_token_key("k2");
        assert!(matches!(verify_customer_token(&other, &token, NOW), Err(Unauthenticated::InvalidToken(_))));
        // Another session's claims under this token's signature.
        let (forged_claims, _) = issue_customer_token(&other, "sess-2", "u_1", NOW);
        let forged = format!("{}.{}", forged_claims.rsplit_once('.').unwrap().0, token.rsplit_once('.').unwrap().1);
        assert!(matches!(verify_customer_token(&key, &forged, NOW), Err(Unauthenticated::InvalidToken(_))));
        // An agent's JWT is not a customer token.
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZ2VudC0wMDEifQ.c2ln";
        assert!(!is_customer_token(jwt));
        assert!(matches!(verify_customer_token(&key, jwt, NOW), Err(Unauthenticated::MalformedToken(_))));
        assert_eq!(verify_customer_token(&key, "", NOW), Err(Unauthenticated::Missing));
        assert!(matches!(verify_customer_token(&key, "ct1.nope", NOW), Err(Unauthenticated::MalformedToken(_))));
    }

    #[test]
    fn the_key_does_not_depend_on_the_order_the_api_keys_are_listed_in() {
        assert_eq!(customer_token_key("a,b"), customer_token_key("b, a"));
        assert_ne!(customer_token_key("a"), customer_token_key("b"));
    }
}
