//! Lambda for the `send-message` route of template.yaml.

workbench::lambda_main!(SendMessage);
