//! Lambda for the `create-faq` route of template.yaml.

workbench::lambda_main!(CreateFaq);
