//! Lambda for the `list-documents` route of template.yaml.

workbench::lambda_main!(ListDocuments);
