//! Lambda for the `set-agent-capacity` route of template.yaml.

workbench::lambda_main!(SetAgentCapacity);
