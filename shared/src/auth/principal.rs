//! Who is calling, parsed once at the edge: an agent (from the JWT claims API Gateway has already
//! verified) or a service (from its `X-API-Key`). Handlers receive a [`Principal`] and never read
//! the caller from a body when a token is present.

pub use super::identity::{AgentPrincipal, Principal, Role, Scope, ServicePrincipal, Unauthenticated, SERVICE_PREFIX};
use super::keys::{ApiKeys, API_KEY_HEADER};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use std::collections::HashMap;

/// The caller of a request. Verified JWT claims in the request context win (API Gateway, or the
/// local server playing it, put them there); otherwise the `X-API-Key` names a service.
pub fn principal_of(keys: &ApiKeys, req: &Request) -> Result<Principal, Unauthenticated> {
    if let Some(claims) = jwt_claims(req) {
        return agent_from_claims(claims).map(Principal::Agent);
    }
    match req.headers().get(API_KEY_HEADER) {
        Some(key) => keys.identify(key.as_bytes()).map(Principal::Service).ok_or(Unauthenticated::InvalidApiKey),
        None => Err(Unauthenticated::Missing),
    }
}

fn jwt_claims(req: &Request) -> Option<&HashMap<String, String>> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => {
            let claims = &context.authorizer.as_ref()?.jwt.as_ref()?.claims;
            (!claims.is_empty()).then_some(claims)
        }
        _ => None,
    }
}

/// An agent from verified claims: `sub` is the id, `cognito:groups` the roles, `name` (else
/// `email`, else `cognito:username`) the display name.
pub fn agent_from_claims(claims: &HashMap<String, String>) -> Result<AgentPrincipal, Unauthenticated> {
    let agent_id = claims
        .get("sub")
        .map(|s| s.trim())
        .filter(|s| crate::text::is_valid_id(s))
        .ok_or_else(|| Unauthenticated::InvalidToken("the token has no usable `sub`".into()))?
        .to_string();
    if let Some(why) = reserved_agent_id(&agent_id) {
        return Err(Unauthenticated::InvalidToken(format!("the token's `sub` {why}")));
    }
    // A display name is shown and stored; control characters in it are dropped, not echoed.
    let name = ["name", "email", "cognito:username"]
        .iter()
        .find_map(|k| {
            claims.get(*k).map(|v| crate::text::strip_controls(v).trim().to_string()).filter(|v| !v.is_empty())
        })
        .map(|v| v.chars().take(128).collect())
        .unwrap_or_else(|| agent_id.clone());
    let roles = claims.get("cognito:groups").map(|g| parse_groups(g)).unwrap_or_default();
    Ok(AgentPrincipal { agent_id, name, roles })
}

/// Names that stand for something other than a person, so no agent may carry them: a service
/// key is recorded as `key:<id>` (an agent id starting `key:` would be taken for the key in the
/// audit trail and in idempotency records), `agent-default` is whom a proxy key accepts for when
/// it names no one, and `system`/`TEAM`/`bot` are authors and partitions of the table. With
/// these refused at the edge, every principal's recorded name says its kind: `key:` for keys,
/// anything else for agents.
pub fn reserved_agent_id(agent_id: &str) -> Option<&'static str> {
    let lower = agent_id.to_ascii_lowercase();
    if lower.starts_with(SERVICE_PREFIX) {
        Some("starts with `key:`, which names service keys")
    } else if RESERVED_AGENT_IDS.contains(&lower.as_str()) {
        Some("is a reserved name (agent-default, system, team, bot, customer)")
    } else {
        None
    }
}

const RESERVED_AGENT_IDS: [&str; 5] = ["agent-default", "system", "team", "bot", "customer"];

/// API Gateway hands a list claim over as one string, `"[agent reviewer]"`; a JSON array or a
/// comma-separated list read the same. Groups that are not roles are ignored.
pub fn parse_groups(raw: &str) -> Vec<Role> {
    let inner = raw.trim().trim_start_matches('[').trim_end_matches(']');
    let mut roles = Vec::new();
    for word in inner.split(|c: char| c.is_whitespace() || c == ',') {
        let word = word.trim_matches('"');
        if let Some(role) = Role::parse(word) {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription, ApiGatewayV2httpRequestContext,
    };
    use lambda_http::Body;

    fn with_claims(claims: &[(&str, &str)]) -> Request {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims = claims.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.authorizer = Some(authorizer);
        lambda_http::http::Request::builder()
            .body(Body::Empty)
            .unwrap()
            .with_request_context(RequestContext::ApiGatewayV2(context))
    }

    fn with_key(key: &str) -> Request {
        lambda_http::http::Request::builder().header(API_KEY_HEADER, key).body(Body::Empty).unwrap()
    }

    #[test]
    fn api_gateway_group_strings_become_roles() {
        assert_eq!(parse_groups("[agent reviewer]"), vec![Role::Agent, Role::Reviewer]);
        assert_eq!(parse_groups(r#"["supervisor","agent"]"#), vec![Role::Supervisor, Role::Agent]);
        assert_eq!(parse_groups("agent, admins, agent"), vec![Role::Agent]);
        assert!(parse_groups("[]").is_empty());
    }

    #[test]
    fn claims_in_the_request_context_make_an_agent() {
        let req = with_claims(&[("sub", "agent-001"), ("name", "Ada Li"), ("cognito:groups", "[agent reviewer]")]);
        let principal = principal_of(&ApiKeys::parse("k"), &req).unwrap();
        assert_eq!(
            principal,
            Principal::Agent(AgentPrincipal {
                agent_id: "agent-001".into(),
                name: "Ada Li".into(),
                roles: vec![Role::Agent, Role::Reviewer]
            })
        );
    }

    #[test]
    fn the_display_name_falls_back_to_email_then_the_id() {
        let by_email = agent_from_claims(&HashMap::from([("sub".into(), "a1".into()), ("email".into(), "a@x.io".into())]));
        assert_eq!(by_email.unwrap().name, "a@x.io");
        assert_eq!(agent_from_claims(&HashMap::from([("sub".into(), "a1".into())])).unwrap().name, "a1");
    }

    #[test]
    fn claims_without_a_usable_sub_are_refused() {
        let err = agent_from_claims(&HashMap::from([("name".into(), "x".into())])).unwrap_err();
        assert_eq!(err.reason(), "invalid_token");
        let err = agent_from_claims(&HashMap::from([("sub".into(), "a b/c".into())])).unwrap_err();
        assert_eq!(err.reason(), "invalid_token");
    }

    #[test]
    fn a_key_names_a_service_and_a_wrong_or_missing_one_is_told_apart() {
        let keys = ApiKeys::parse("k");
        assert!(matches!(principal_of(&keys, &with_key("k")), Ok(Principal::Service(_))));
        assert_eq!(principal_of(&keys, &with_key("nope")), Err(Unauthenticated::InvalidApiKey));
        let bare = lambda_http::http::Request::builder().body(Body::Empty).unwrap();
        assert_eq!(principal_of(&keys, &bare), Err(Unauthenticated::Missing));
    }

    #[test]
    fn verified_claims_win_over_a_key_in_the_same_request() {
        let mut req = with_claims(&[("sub", "agent-002")]);
        req.headers_mut().insert(API_KEY_HEADER, "k".parse().unwrap());
        assert!(matches!(principal_of(&ApiKeys::parse("k"), &req), Ok(Principal::Agent(a)) if a.agent_id == "agent-002"));
    }
}
