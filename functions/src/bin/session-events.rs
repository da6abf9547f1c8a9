//! Lambda for the `session-events` route of template.yaml.

workbench::lambda_main!(SessionEvents);
