//! Lambda for the `session-details` route of template.yaml.

workbench::lambda_main!(SessionDetails);
