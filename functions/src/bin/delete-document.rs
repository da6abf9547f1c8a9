//! Lambda for the `delete-document` route of template.yaml.

workbench::lambda_main!(DeleteDocument);
