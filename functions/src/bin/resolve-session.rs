//! Lambda for the `resolve-session` route of template.yaml.

workbench::lambda_main!(ResolveSession);
