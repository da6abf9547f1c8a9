//! Lambda for the `transfer-session` route of template.yaml.

workbench::lambda_main!(TransferSession);
