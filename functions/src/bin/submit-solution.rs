//! Lambda for the `submit-solution` route of template.yaml.

workbench::lambda_main!(SubmitSolution);
