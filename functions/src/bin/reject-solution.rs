//! Lambda for the `reject-solution` route of template.yaml.

workbench::lambda_main!(RejectSolution);
