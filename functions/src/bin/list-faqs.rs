//! Lambda for the `list-faqs` route of template.yaml.

workbench::lambda_main!(ListFaqs);
