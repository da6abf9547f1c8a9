//! Lambda for the `invalidate-cache` route of template.yaml.

workbench::lambda_main!(InvalidateCache);
