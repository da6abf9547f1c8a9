//! Lambda for the `customer-thread` route of template.yaml.

workbench::lambda_main!(CustomerThread);
