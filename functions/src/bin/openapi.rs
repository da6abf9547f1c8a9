//! Lambda for the `openapi` route of template.yaml: the API's OpenAPI 3.1 document.

workbench::lambda_main!(OpenApiDocument);
