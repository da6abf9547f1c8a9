//! Lambda for the `metrics-summary` route of template.yaml.

workbench::lambda_main!(MetricsSummary);
