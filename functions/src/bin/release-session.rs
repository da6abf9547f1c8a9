//! Lambda for the `release-session` route of template.yaml.

workbench::lambda_main!(ReleaseSession);
