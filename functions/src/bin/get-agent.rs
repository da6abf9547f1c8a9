//! Lambda for the `get-agent` route of template.yaml.

workbench::lambda_main!(GetAgent);
