//! Lambda for the `my-sessions` route of template.yaml.

workbench::lambda_main!(MySessions);
