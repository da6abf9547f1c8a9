//! The local server's stand-in for Amazon Cognito and API Gateway's JWT authorizer.
//!
//! As Cognito it keeps an RS256 key (made on first start, kept in `infra/.local`), publishes it
//! at `/.well-known/jwks.json` and issues tokens at `POST /dev/token`. As the authorizer it
//! verifies a bearer token the way API Gateway does (algorithm, key id, signature, `iss`,
//! audience or `client_id`, `exp`, `nbf`) and hands the claims to the handler in the same
//! request-context shape (`requestContext.authorizer.jwt.claims`, every value a string), so the
//! handlers run the code path they run in AWS.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::KeyPair as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use workbench::auth::{Role, Unauthenticated};
use workbench::live::token::{algorithm_refusal, header_refusal, token_refusal};

/// The issuer of local tokens; the authorizer accepts no other.
pub const LOCAL_ISSUER: &str = "http://localhost/local-cognito";
/// The app client id of the local workbench: the audience the authorizer accepts.
pub const LOCAL_CLIENT_ID: &str = "workbench-local";
/// Lifetime of an issued token, as Cognito's default access token.
pub const TOKEN_SECONDS: u64 = 3600;
const KEY_FILE: &str = "jwt-signing-key.pem";

pub struct LocalIdentity {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: Value,
    validation: Validation,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot read or write the signing key {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the signing key is unusable: {0}")]
    Key(String),
}

/// `POST /dev/token`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Seconds until expiry (1..=3600); tests use it to make short-lived tokens.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

impl LocalIdentity {
    /// The key in `dir`, made there on first start.
    pub fn load_or_create(dir: &Path) -> Result<Self, IdentityError> {
        let path = dir.join(KEY_FILE);
        let io = |source| IdentityError::Io { path: path.display().to_string(), source };
        let pkcs8 = match std::fs::read_to_string(&path) {
            Ok(pem) => pem_to_der(&pem).ok_or_else(|| IdentityError::Key(format!("{} is not a PEM key", path.display())))?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let der = generate_pkcs8()?;
                std::fs::create_dir_all(dir).map_err(io)?;
                write_private(&path, &der_to_pem(&der)).map_err(io)?;
                der
            }
            Err(err) => return Err(io(err)),
        };
        Self::from_pkcs8(&pkcs8)
    }

    /// A throwaway key, for tests.
    pub fn ephemeral() -> Result<Self, IdentityError> {
        Self::from_pkcs8(&generate_pkcs8()?)
    }

    fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, IdentityError> {
        let pair = KeyPair::from_pkcs8(pkcs8).map_err(|e| IdentityError::Key(e.to_string()))?;
        let public = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let encoding = EncodingKey::from_rsa_pem(der_to_pem(pkcs8).as_bytes()).map_err(|e| IdentityError::Key(e.to_string()))?;
        let decoding = DecodingKey::from_rsa_raw_components(&public.n, &public.e);
        let kid = Sha256::digest(&public.n).iter().take(8).map(|b| format!("{b:02x}")).collect::<String>();
        let jwks = json!({"keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(&public.n), "e": URL_SAFE_NO_PAD.encode(&public.e),
        }]});
        // What API Gateway checks: RS256 only, the issuer, expiry and not-before, with no leeway.
        // The audience is checked by hand below: API Gateway takes `aud` or Cognito's `client_id`.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[LOCAL_ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.leeway = 0;
        Ok(LocalIdentity { kid, encoding, decoding, jwks, validation })
    }

    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// A token as Cognito's access token looks: `sub`, `cognito:groups`, `client_id`, plus the
    /// display name.
    pub fn issue(&self, request: &TokenRequest, now: u64) -> Result<TokenResponse, String> {
        if !workbench::http::is_valid_id(&request.sub) {
            return Err("`sub` must be 1-128 characters of letters, digits, '-', '_', '.', ':'".into());
        }
        if let Some(why) = workbench::auth::reserved_agent_id(&request.sub) {
            return Err(format!("`sub` {why}; pick another agent id"));
        }
        if let Some(unknown) = request.groups.iter().find(|g| Role::parse(g).is_none()) {
            return Err(format!("unknown group `{unknown}`; groups are agent, supervisor, reviewer"));
        }
        let expires_in = request.expires_in.unwrap_or(TOKEN_SECONDS);
        if !(1..=TOKEN_SECONDS).contains(&expires_in) {
            return Err(format!("`expires_in` must be between 1 and {TOKEN_SECONDS}"));
        }
        let name = request.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| request.sub.clone());
        let claims = json!({
            "sub": request.sub, "name": name, "cognito:groups": request.groups,
            "iss": LOCAL_ISSUER, "client_id": LOCAL_CLIENT_ID, "token_use": "access",
            "iat": now, "nbf": now, "exp": now + expires_in, "jti": uuid::Uuid::new_v4().to_string(),
        });
        let access_token = self.sign(&claims)?;
        Ok(TokenResponse { access_token, token_type: "Bearer", expires_in })
    }

    /// Sign any claims with the local key: how tests make tokens that must be refused.
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Verify an `Authorization` header value as API Gateway's JWT authorizer does, and give the
    /// claims as API Gateway passes them: a map of strings.
    pub fn verify(&self, authorization: &str) -> Result<HashMap<String, String>, Unauthenticated> {
        let token = authorization.strip_prefix("Bearer ").or_else(|| authorization.strip_prefix("bearer ")).unwrap_or(authorization).trim();
        if token.is_empty() {
            return Err(Unauthenticated::MalformedToken("the Authorization header holds no token".into()));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| header_refusal())?;
        if header.alg != Algorithm::RS256 {
            return Err(algorithm_refusal(header.alg));
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(Unauthenticated::InvalidToken("the key id is not in the issuer's key set".into()));
        }
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding, &self.validation)
            .map_err(|e| token_refusal(&e))?;
        let claims = data.claims;
        let audience_ok = claims.get("client_id").and_then(Value::as_str) == Some(LOCAL_CLIENT_ID)
            || match claims.get("aud") {
                Some(Value::String(aud)) => aud == LOCAL_CLIENT_ID,
                Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(LOCAL_CLIENT_ID)),
                _ => false,
            };
        if !audience_ok {
            return Err(Unauthenticated::InvalidToken("the token is for another audience".into()));
        }
        Ok(claims.into_iter().map(|(k, v)| (k, claim_string(v))).collect())
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

fn generate_pkcs8() -> Result<Vec<u8>, IdentityError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|e| IdentityError::Key(e.to_string()))?;
    let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).map_err(|e| IdentityError::Key(e.to_string()))?;
    Ok(der.as_ref().to_vec())
}

fn der_to_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("base64 is ASCII")).collect();
    format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n"))
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body.trim()).ok()
}

/// The private key is readable by its owner only.
fn write_private(path: &Path, pem: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(pem.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    fn request(sub: &str, groups: &[&str]) -> TokenRequest {
        TokenRequest { sub: sub.into(), name: Some("Ada".into()), groups: groups.iter().map(|g| g.to_string()).collect(), expires_in: None }
    }

    #[test]
    fn an_issued_token_verifies_into_api_gateway_shaped_claims() {
        let identity = LocalIdentity::ephemeral().unwrap();
        let token = identity.issue(&request("agent-001", &["agent", "reviewer"]), now()).unwrap();
        let claims = identity.verify(&format!("Bearer {}", token.access_token)).unwrap();
        assert_eq!(claims["sub"], "agent-001");
        assert_eq!(claims["cognito:groups"], "[agent reviewer]");
        assert_eq!(claims["name"], "Ada");
        assert_eq!(claims["client_id"], LOCAL_CLIENT_ID);
        assert!(claims["exp"].parse::<u64>().is_ok());
    }

    #[test]
    fn a_key_survives_a_restart_from_its_file() {
        let dir = std::env::temp_dir().join(format!("identity-{}", uuid::Uuid::new_v4().simple()));
        let first = LocalIdentity::load_or_create(&dir).unwrap();
        let token = first.issue(&request("a", &["agent"]), now()).unwrap().access_token;
        let second = LocalIdentity::load_or_create(&dir).unwrap();
        assert!(second.verify(&token).is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_token_requests_are_refused() {
        let identity = LocalIdentity::ephemeral().unwrap();
        assert!(identity.issue(&request("a b", &[]), now()).is_err());
        assert!(identity.issue(&request("a", &["root"]), now()).is_err());
        let mut long = request("a", &[]);
        long.expires_in = Some(TOKEN_SECONDS + 1);
        assert!(identity.issue(&long, now()).is_err());
    }

    #[test]
    fn expired_future_foreign_and_unsigned_tokens_are_refused_with_their_reason() {
        let identity = LocalIdentity::ephemeral().unwrap();
        let other = LocalIdentity::ephemeral().unwrap();
        let t = now();
        let base = json!({"sub": "a", "iss": LOCAL_ISSUER, "client_id": LOCAL_CLIENT_ID, "iat": t, "nbf": t, "exp": t + 60});
        let with = |patch: Value| {
            let mut claims = base.clone();
            claims.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
            identity.sign(&claims).unwrap()
        };
        assert!(identity.verify(&with(json!({}))).is_ok());
        assert_eq!(identity.verify(&with(json!({"exp": t - 1}))), Err(Unauthenticated::ExpiredToken));
        assert_eq!(identity.verify(&with(json!({"nbf": t + 300}))).unwrap_err().reason(), "invalid_token");
        assert_eq!(identity.verify(&with(json!({"iss": "https://evil"}))).unwrap_err().reason(), "invalid_token");
        assert_eq!(identity.verify(&with(json!({"client_id": "other-app"}))).unwrap_err().reason(), "invalid_token");
        let audience_only = with(json!({"client_id": null, "aud": LOCAL_CLIENT_ID}));
        assert!(identity.verify(&audience_only).is_ok());
        // Signed by another key that claims the same key id.
        let mut forged_key = other;
        forged_key.kid = identity.kid.clone();
        assert_eq!(identity.verify(&forged_key.sign(&base).unwrap()).unwrap_err().reason(), "invalid_token");
        // alg: none, no signature.
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(base.to_string());
        assert!(identity.verify(&format!("{none_header}.{payload}.")).is_err());
        assert_eq!(identity.verify("Bearer not-a-jwt").unwrap_err().reason(), "malformed_token");
        assert_eq!(identity.verify("Bearer ").unwrap_err().reason(), "malformed_token");
    }
}
