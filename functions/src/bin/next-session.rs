//! Lambda for the `next-session` route of template.yaml.

workbench::lambda_main!(NextSession);
