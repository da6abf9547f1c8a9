//! Lambda for the `chat` route of template.yaml.

workbench::lambda_main!(Chat);
