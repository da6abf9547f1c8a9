//! Lambda for the `delete-faq` route of template.yaml.

workbench::lambda_main!(DeleteFaq);
