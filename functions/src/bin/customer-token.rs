//! Lambda for the `customer-token` route of template.yaml.

workbench::lambda_main!(CustomerToken);
