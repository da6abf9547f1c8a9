//! Lambda for the `agent-me` route of template.yaml.

workbench::lambda_main!(Me);
