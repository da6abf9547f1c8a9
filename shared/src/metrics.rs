//! CloudWatch metrics as Embedded Metric Format log lines: a function prints one JSON line to
//! stdout and CloudWatch Logs extracts the metrics from it. No PutMetricData call, no client, no
//! latency on the request. Outside Lambda the lines go to the debug log instead of stdout.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// The namespace of every metric; template.yaml's dashboard and alarm read it.
pub const NAMESPACE: &str = "AgentWorkbench";
/// The one dimension: which stack (or local run) the figures come from.
pub const DIMENSION: &str = "Service";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Count,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "Seconds",
            Unit::Count => "Count",
        }
    }
}

/// One EMF document: metrics and the properties that go with them (searchable in Logs
/// Insights, not dimensions).
#[derive(Debug, Clone, Default)]
pub struct Emf {
    metrics: Vec<(&'static str, f64, Unit)>,
    properties: Map<String, Value>,
}

impl Emf {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn metric(mut self, name: &'static str, value: f64, unit: Unit) -> Self {
        self.metrics.push((name, value, unit));
        self
    }

    pub fn seconds(self, name: &'static str, seconds: i64) -> Self {
        self.metric(name, seconds.max(0) as f64, Unit::Seconds)
    }

    pub fn count(self, name: &'static str, count: i64) -> Self {
        self.metric(name, count as f64, Unit::Count)
    }

    pub fn property(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.properties.insert(name.to_string(), value.into());
        self
    }

    /// The JSON line.
    pub fn document(&self, service: &str, at: DateTime<Utc>) -> Value {
        let mut root = self.properties.clone();
        root.insert(DIMENSION.to_string(), json!(service));
        for (name, value, _) in &self.metrics {
            root.insert(name.to_string(), json!(value));
        }
        let definitions: Vec<Value> =
            self.metrics.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit.as_str()})).collect();
        root.insert(
            "_aws".to_string(),
            json!({
                "Timestamp": at.timestamp_millis(),
                "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [[DIMENSION]], "Metrics": definitions}]
            }),
        );
        Value::Object(root)
    }

    /// Print it where CloudWatch picks it up: stdout in Lambda, the debug log elsewhere.
    pub fn emit(&self, at: DateTime<Utc>) {
        if self.metrics.is_empty() {
            return;
        }
        let line = self.document(&service(), at).to_string();
        if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
            println!("{line}");
        } else {
            tracing::debug!(target: "emf", "{line}");
        }
    }
}

/// `METRICS_SERVICE` (the stack name in AWS), else `agent-workbench`.
fn service() -> String {
    std::env::var("METRICS_SERVICE").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "agent-workbench".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_declares_its_metrics_and_carries_their_values() {
        let at = DateTime::parse_from_rfc3339("2026-07-03T10:00:00Z").unwrap().with_timezone(&Utc);
        let doc = Emf::new().seconds("QueueWaitSeconds", 42).count("Resolutions", 1).property("priority", "high").document("stack-1", at);
        assert_eq!(doc["QueueWaitSeconds"], 42.0);
        assert_eq!(doc["Resolutions"], 1.0);
        assert_eq!(doc["priority"], "high");
        assert_eq!(doc["Service"], "stack-1");
        let aws = &doc["_aws"];
        assert_eq!(aws["Timestamp"], at.timestamp_millis());
        let directive = &aws["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["Service"]]));
        assert_eq!(directive["Metrics"], json!([{"Name": "QueueWaitSeconds", "Unit": "Seconds"}, {"Name": "Resolutions", "Unit": "Count"}]));
    }

    #[test]
    fn negative_durations_are_clamped() {
        let doc = Emf::new().seconds("HandleSeconds", -5).document("s", Utc::now());
        assert_eq!(doc["HandleSeconds"], 0.0);
    }
}
