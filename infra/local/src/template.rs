//! Reads the functions and HTTP routes out of template.yaml, so the local stack serves exactly
//! what API Gateway will.

use serde_yaml_ng::Value;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub function: String,
    pub method: String,
    pub path: String,
    /// The API's authorizer guarding this route (`Auth.Authorizer`), if any.
    pub authorizer: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TemplateFunctions {
    pub routes: Vec<RouteSpec>,
    /// Functions triggered by an SQS queue.
    pub queue_functions: Vec<String>,
    /// Functions run on an EventBridge schedule (`Schedule`/`ScheduleV2` events).
    pub scheduled_functions: Vec<String>,
    /// Every AWS::Serverless::Function logical id with its `Metadata.BuildProperties.Binary`.
    pub binaries: Vec<(String, Option<String>)>,
    /// The HTTP API's `CorsConfiguration`, with `!Ref`s to parameters read as their defaults.
    pub cors: Option<CorsConfig>,
}

/// `AWS::Serverless::HttpApi` `CorsConfiguration`: what API Gateway answers a preflight with
/// and adds to every response for an allowed origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsConfig {
    pub allow_origins: Vec<String>,
    pub allow_headers: Vec<String>,
    /// Upper case.
    pub allow_methods: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
    pub allow_credentials: bool,
}

impl CorsConfig {
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("template is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    #[error("template has no Resources section")]
    NoResources,
}

pub fn load(path: &Path) -> Result<TemplateFunctions, TemplateError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| TemplateError::Read { path: path.display().to_string(), source })?;
    parse(&text)
}

/// CloudFormation short-form tags (`!Ref`, `!Sub`) arrive as tagged values; take what is inside.
fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untag(&tagged.value),
        other => other,
    }
}

fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    untag(value).as_mapping().and_then(|m| m.get(key)).map(untag)
}

pub fn parse(text: &str) -> Result<TemplateFunctions, TemplateError> {
    let doc: Value = serde_yaml_ng::from_str(text)?;
    let resources = get(&doc, "Resources").and_then(Value::as_mapping).ok_or(TemplateError::NoResources)?;
    let mut found = TemplateFunctions::default();
    for (_, resource) in resources {
        if get(resource, "Type").and_then(Value::as_str) == Some("AWS::Serverless::HttpApi") {
            if let Some(cors) = get(resource, "Properties").and_then(|p| get(p, "CorsConfiguration")) {
                found.cors = Some(cors_config(&doc, cors));
            }
        }
    }
    for (name, resource) in resources {
        let Some(name) = name.as_str() else { continue };
        if get(resource, "Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = get(resource, "Metadata")
            .and_then(|m| get(m, "BuildProperties"))
            .and_then(|b| get(b, "Binary"))
            .and_then(Value::as_str)
            .map(str::to_string);
        found.binaries.push((name.to_string(), binary));
        let events = get(resource, "Properties").and_then(|p| get(p, "Events")).and_then(Value::as_mapping);
        for (_, event) in events.into_iter().flatten() {
            let props = get(event, "Properties");
            match get(event, "Type").and_then(Value::as_str) {
                Some("HttpApi") => {
                    let path = props.and_then(|p| get(p, "Path")).and_then(Value::as_str);
                    let method = props.and_then(|p| get(p, "Method")).and_then(Value::as_str);
                    let authorizer = props
                        .and_then(|p| get(p, "Auth"))
                        .and_then(|a| get(a, "Authorizer"))
                        .and_then(Value::as_str)
                        .filter(|a| *a != "NONE")
                        .map(str::to_string);
                    if let (Some(path), Some(method)) = (path, method) {
                        found.routes.push(RouteSpec {
                            function: name.to_string(),
                            method: method.to_ascii_uppercase(),
                            path: path.to_string(),
                            authorizer,
                        });
                    }
                }
                Some("SQS") => found.queue_functions.push(name.to_string()),
                Some("Schedule" | "ScheduleV2") => found.scheduled_functions.push(name.to_string()),
                _ => {}
            }
        }
    }
    Ok(found)
}

/// A scalar, or a `!Ref` to a template parameter read as the parameter's default.
fn scalar(doc: &Value, value: &Value) -> Option<String> {
    if let Value::Tagged(tagged) = value {
        if tagged.tag == "!Ref" {
            let name = tagged.value.as_str()?;
            let default = get(doc, "Parameters").and_then(|p| get(p, name)).and_then(|p| get(p, "Default"))?;
            return scalar(doc, default);
        }
    }
    match untag(value) {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn cors_config(doc: &Value, cors: &Value) -> CorsConfig {
    let list = |key: &str| -> Vec<String> {
        match cors.as_mapping().and_then(|m| m.get(key)) {
            Some(v) => match untag(v) {
                Value::Sequence(items) => items.iter().filter_map(|i| scalar(doc, i)).collect(),
                _ => scalar(doc, v).into_iter().collect(),
            },
            None => Vec::new(),
        }
    };
    let one = |key: &str| cors.as_mapping().and_then(|m| m.get(key)).and_then(|v| scalar(doc, v));
    CorsConfig {
        allow_origins: list("AllowOrigins"),
        allow_headers: list("AllowHeaders"),
        allow_methods: list("AllowMethods").into_iter().map(|m| m.to_ascii_uppercase()).collect(),
        expose_headers: list("ExposeHeaders"),
        max_age: one("MaxAge").and_then(|v| v.parse().ok()),
        allow_credentials: one("AllowCredentials").is_some_and(|v| v == "true"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_queue_functions_are_read_through_cloudformation_tags() {
        let text = r#"
Resources:
  AcceptSessionFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties:
        Binary: accept-session
    Properties:
      Events:
        Api:
          Type: HttpApi
          Properties:
            ApiId: !Ref WorkbenchApi
            Path: /api/v1/agent/sessions/{session_id}/accept
            Method: post
            Auth:
              Authorizer: CognitoJwt
  IngestEscalationFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt EscalationQueue.Arn
  QueueMaintenanceFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        EveryMinute:
          Type: Schedule
          Properties:
            Schedule: rate(1 minute)
  Table:
    Type: AWS::DynamoDB::Table
"#;
        let found = parse(text).unwrap();
        assert_eq!(
            found.routes,
            vec![RouteSpec {
                function: "AcceptSessionFunction".into(),
                method: "POST".into(),
                path: "/api/v1/agent/sessions/{session_id}/accept".into(),
                authorizer: Some("CognitoJwt".into()),
            }]
        );
        assert_eq!(found.queue_functions, vec!["IngestEscalationFunction"]);
        assert_eq!(found.scheduled_functions, vec!["QueueMaintenanceFunction"]);
        assert_eq!(found.binaries[0], ("AcceptSessionFunction".to_string(), Some("accept-session".to_string())));
    }
}
