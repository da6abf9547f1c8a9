//! Lambda for the `approve-solution` route of template.yaml.

workbench::lambda_main!(ApproveSolution);
