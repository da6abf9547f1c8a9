//! Lambda for the `list-solutions` route of template.yaml.

workbench::lambda_main!(ListSolutions);
