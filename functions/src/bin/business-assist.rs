//! Lambda for the `business-assist` route of template.yaml.

workbench::lambda_main!(BusinessAssist);
