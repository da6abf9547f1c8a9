//! Lambda for the `pending-list` route of template.yaml.

workbench::lambda_main!(PendingList);
