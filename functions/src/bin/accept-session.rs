//! Lambda for the `accept-session` route of template.yaml.

workbench::lambda_main!(AcceptSession);
