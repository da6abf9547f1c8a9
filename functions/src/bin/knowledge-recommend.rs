//! Lambda for the `knowledge-recommend` route of template.yaml.

workbench::lambda_main!(KnowledgeRecommend);
