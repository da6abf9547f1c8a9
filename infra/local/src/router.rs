//! Matches a request to a template route the way API Gateway does: literal segments win over
//! `{parameters}`, so `/sessions/pending` is never read as a session id.

use crate::template::RouteSpec;
use std::collections::HashMap;
use workbench::Endpoint;

#[derive(Debug, Clone)]
struct Route {
    endpoint: Endpoint,
    method: String,
    segments: Vec<Segment>,
    authorized: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug, PartialEq)]
pub enum Match {
    Found {
        endpoint: Endpoint,
        path_parameters: HashMap<String, String>,
        /// The route has a JWT authorizer in front of it.
        authorized: bool,
    },
    /// The path exists with other methods: these, upper case, sorted.
    MethodNotAllowed { allowed: Vec<String> },
    NotFound,
}

#[derive(Debug, Clone, Default)]
pub struct Router {
    routes: Vec<Route>,
}

#[derive(Debug, thiserror::Error)]
#[error("template function {0} has no handler in this build")]
pub struct UnknownFunction(pub String);

impl Router {
    pub fn from_routes(specs: &[RouteSpec]) -> Result<Self, UnknownFunction> {
        let mut routes = Vec::new();
        for spec in specs {
            let endpoint =
                Endpoint::from_function_name(&spec.function).ok_or_else(|| UnknownFunction(spec.function.clone()))?;
            let segments = split(&spec.path)
                .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_string()),
                    None => Segment::Literal(s.to_string()),
                })
                .collect();
            routes.push(Route { endpoint, method: spec.method.clone(), segments, authorized: spec.authorizer.is_some() });
        }
        // Most literal segments first: the most specific route wins.
        routes.sort_by_key(|r| std::cmp::Reverse(r.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count()));
        Ok(Router { routes })
    }

    pub fn endpoints(&self) -> impl Iterator<Item = Endpoint> + '_ {
        self.routes.iter().map(|r| r.endpoint)
    }

    /// Every route it serves: endpoint, method and path template (`/…/{session_id}`).
    pub fn routes(&self) -> impl Iterator<Item = (Endpoint, &str, String)> + '_ {
        self.routes.iter().map(|r| {
            let path: String = r
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(l) => format!("/{l}"),
                    Segment::Param(p) => format!("/{{{p}}}"),
                })
                .collect();
            (r.endpoint, r.method.as_str(), path)
        })
    }

    pub fn find(&self, method: &str, path: &str) -> Match {
        // A trailing slash or an empty segment is another path, as API Gateway routes it: never
        // a second spelling of a route (whose idempotency record would then be another).
        if path.len() > 1 && (path.ends_with('/') || path.contains("//")) {
            return Match::NotFound;
        }
        let parts: Vec<&str> = split(path).collect();
        let mut allowed: Vec<String> = Vec::new();
        for route in &self.routes {
            let Some(params) = match_segments(&route.segments, &parts) else { continue };
            if route.method.eq_ignore_ascii_case(method) || route.method == "ANY" {
                return Match::Found { endpoint: route.endpoint, path_parameters: params, authorized: route.authorized };
            }
            if !allowed.contains(&route.method) {
                allowed.push(route.method.clone());
            }
        }
        if allowed.is_empty() {
            Match::NotFound
        } else {
            allowed.sort();
            Match::MethodNotAllowed { allowed }
        }
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn match_segments(segments: &[Segment], parts: &[&str]) -> Option<HashMap<String, String>> {
    if segments.len() != parts.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (segment, part) in segments.iter().zip(parts) {
        match segment {
            Segment::Literal(lit) if lit == part => {}
            Segment::Literal(_) => return None,
            Segment::Param(name) => {
                let decoded = percent_decode(part);
                params.insert(name.clone(), decoded);
            }
        }
    }
    Some(params)
}

fn percent_decode(segment: &str) -> String {
    // form_urlencoded also turns '+' into a space, which a path segment must keep.
    let protected = segment.replace('+', "%2B");
    form_urlencoded::parse(format!("x={protected}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| segment.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(function: &str, method: &str, path: &str) -> RouteSpec {
        RouteSpec { function: function.into(), method: method.into(), path: path.into(), authorizer: None }
    }

    fn router() -> Router {
        Router::from_routes(&[
            spec("SessionDetailsFunction", "GET", "/api/v1/agent/sessions/{session_id}"),
            spec("PendingListFunction", "GET", "/api/v1/agent/sessions/pending"),
            spec("AcceptSessionFunction", "POST", "/api/v1/agent/sessions/{session_id}/accept"),
        ])
        .unwrap()
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        match router().find("GET", "/api/v1/agent/sessions/pending") {
            Match::Found { endpoint, .. } => assert_eq!(endpoint, Endpoint::PendingList),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn path_parameters_are_extracted_and_decoded() {
        match router().find("POST", "/api/v1/agent/sessions/sess%2D1/accept") {
            Match::Found { endpoint, path_parameters, .. } => {
                assert_eq!(endpoint, Endpoint::AcceptSession);
                assert_eq!(path_parameters["session_id"], "sess-1");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_methods_and_unknown_paths_are_told_apart() {
        assert_eq!(router().find("DELETE", "/api/v1/agent/sessions/s1"), Match::MethodNotAllowed { allowed: vec!["GET".into()] });
        assert_eq!(router().find("GET", "/api/v1/nothing"), Match::NotFound);
    }

    #[test]
    fn a_trailing_slash_or_an_empty_segment_is_not_the_route() {
        assert_eq!(router().find("POST", "/api/v1/agent/sessions/s1/accept/"), Match::NotFound);
        assert_eq!(router().find("POST", "/api/v1/agent/sessions//s1/accept"), Match::NotFound);
        assert!(matches!(router().find("POST", "/api/v1/agent/sessions/s1/accept"), Match::Found { .. }));
    }

    #[test]
    fn a_template_function_without_a_handler_is_an_error() {
        assert!(Router::from_routes(&[spec("MysteryFunction", "GET", "/x")]).is_err());
    }
}
