//! Lambda for the `upsert-document` route of template.yaml.

workbench::lambda_main!(UpsertDocument);
