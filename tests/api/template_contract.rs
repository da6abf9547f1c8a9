//! template.yaml and the code agree: routes, handlers, sample events and the table definition.

use crate::helpers::repo_root;
use serde_yaml_ng::Value;
use std::collections::BTreeSet;
use workbench::routes::INGEST_FUNCTION;
use workbench::Endpoint;
use workbench_local::template;

fn template_text() -> String {
    std::fs::read_to_string(repo_root().join("template.yaml")).unwrap()
}

fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

#[test]
fn every_endpoint_is_a_template_function_with_its_binary_and_route() {
    let functions = template::parse(&template_text()).unwrap();
    let in_template: BTreeSet<&str> = functions.routes.iter().map(|r| r.function.as_str()).collect();
    let in_code: BTreeSet<&str> = Endpoint::all().map(|e| e.logical_id()).collect();
    assert_eq!(in_template, in_code, "HTTP functions of template.yaml vs Endpoint");
    for endpoint in Endpoint::all() {
        let binary = functions.binaries.iter().find(|(l, _)| l == endpoint.logical_id()).and_then(|(_, b)| b.clone());
        assert_eq!(binary.as_deref(), Some(endpoint.binary()), "{}", endpoint.logical_id());
        let bin_file = repo_root().join(format!("functions/src/bin/{}.rs", endpoint.binary()));
        let main = std::fs::read_to_string(&bin_file).unwrap_or_else(|_| panic!("{} has no Lambda binary", endpoint.binary()));
        assert!(main.contains(&format!("lambda_main!({endpoint:?})")), "{} runs another endpoint", endpoint.binary());
    }
    assert_eq!(functions.queue_functions, vec![INGEST_FUNCTION.0]);
}

#[test]
fn every_sample_http_event_parses_and_names_its_templates_route() {
    let functions = template::parse(&template_text()).unwrap();
    for endpoint in Endpoint::all() {
        let path = repo_root().join(format!("infra/events/{}.json", endpoint.binary()));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}", path.display()));
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let route = functions.routes.iter().find(|r| r.function == endpoint.logical_id()).unwrap();
        assert_eq!(request.method().as_str(), route.method, "{}", path.display());
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(event["routeKey"], format!("{} {}", route.method, route.path), "{}", path.display());
    }
}

#[test]
fn the_tables_keys_and_indexes_match_the_store() {
    let doc: Value = serde_yaml_ng::from_str(&template_text()).unwrap();
    let table = untag(&doc["Resources"]["Table"]["Properties"]);
    let indexes = untag(&table["GlobalSecondaryIndexes"]).as_sequence().unwrap();
    let find = |name: &str| indexes.iter().find(|i| untag(&i["IndexName"]).as_str() == Some(name)).cloned();
    let pending = find("PendingQueue").expect("PendingQueue index");
    let keys: Vec<&str> =
        pending["KeySchema"].as_sequence().unwrap().iter().map(|k| k["AttributeName"].as_str().unwrap()).collect();
    assert_eq!(keys, vec!["pending_status", "pending_order"]);
    let projected: BTreeSet<&str> =
        pending["Projection"]["NonKeyAttributes"].as_sequence().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let expected: BTreeSet<&str> = workbench::store::schema::PENDING_PROJECTION.into_iter().collect();
    assert_eq!(projected, expected);
    assert!(find("ReviewQueue").is_some());
}

/// Least privilege: each function may use exactly the DynamoDB actions its code needs, on the
/// table (and the index only where it queries one), plus reading the API key secret.
#[test]
fn every_function_has_exactly_the_permissions_its_code_needs() {
    use std::collections::BTreeMap;
    let expected: BTreeMap<&str, (&[&str], bool)> = BTreeMap::from([
        ("PendingListFunction", (&["dynamodb:Query"][..], true)),
        ("SessionDetailsFunction", (&["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"][..], false)),
        ("AcceptSessionFunction", (&["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"][..], false)),
        ("SendMessageFunction", (&["dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:UpdateItem"][..], false)),
        ("ResolveSessionFunction", (&["dynamodb:UpdateItem"][..], false)),
        ("SubmitSolutionFunction", (&["dynamodb:ConditionCheckItem", "dynamodb:PutItem"][..], false)),
        (
            "ChatFunction",
            (
                &["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"][..],
                false,
            ),
        ),
        ("KnowledgeRecommendFunction", (&["dynamodb:GetItem", "dynamodb:Query"][..], false)),
        (
            "BusinessAssistFunction",
            (
                &["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"][..],
                false,
            ),
        ),
        ("InvalidateCacheFunction", (&["dynamodb:UpdateItem"][..], false)),
        (
            "UpsertDocumentFunction",
            (&["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"][..], false),
        ),
        ("ListDocumentsFunction", (&["dynamodb:Query"][..], false)),
        (
            "DeleteDocumentFunction",
            (&["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"][..], false),
        ),
        ("CreateFaqFunction", (&["dynamodb:PutItem", "dynamodb:UpdateItem"][..], false)),
        ("ListFaqsFunction", (&["dynamodb:Query"][..], false)),
        ("DeleteFaqFunction", (&["dynamodb:DeleteItem", "dynamodb:UpdateItem"][..], false)),
        ("ListSolutionsFunction", (&["dynamodb:Query"][..], true)),
        ("ApproveSolutionFunction", (&["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"][..], false)),
        ("RejectSolutionFunction", (&["dynamodb:UpdateItem"][..], false)),
        (
            "IngestEscalationFunction",
            (&["dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"][..], false),
        ),
    ]);
    // Functions that embed text, and so may call Bedrock when EmbeddingProvider is bedrock.
    let embeds = ["ChatFunction", "KnowledgeRecommendFunction", "UpsertDocumentFunction", "CreateFaqFunction", "ApproveSolutionFunction"];
    let doc: Value = serde_yaml_ng::from_str(&template_text()).unwrap();
    let resources = untag(&doc["Resources"]).as_mapping().unwrap();
    let mut checked = 0;
    for (name, resource) in resources {
        let name = name.as_str().unwrap();
        if untag(&resource["Type"]).as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let (actions, uses_index) = expected.get(name).unwrap_or_else(|| panic!("{name} has no expected permissions"));
        let mut dynamodb: BTreeSet<String> = BTreeSet::new();
        let mut index_resource = false;
        let mut invokes_bedrock = false;
        for policy in untag(&resource["Properties"]["Policies"]).as_sequence().unwrap() {
            for statement in untag(&policy["Statement"]).as_sequence().unwrap() {
                assert_eq!(untag(&statement["Effect"]).as_str(), Some("Allow"));
                for action in untag(&statement["Action"]).as_sequence().unwrap() {
                    let action = action.as_str().unwrap();
                    assert!(!action.contains('*'), "{name}: wildcard action {action}");
                    if action.starts_with("dynamodb:") {
                        dynamodb.insert(action.to_string());
                    } else if action == "bedrock:InvokeModel" {
                        assert!(embeds.contains(&name), "{name} does not embed text");
                        invokes_bedrock = true;
                    } else {
                        assert_eq!(action, "secretsmanager:GetSecretValue", "{name}");
                    }
                }
                let resources = serde_yaml_ng::to_string(&statement["Resource"]).unwrap();
                assert!(!resources.contains("'*'") && !resources.contains("- '*'"), "{name}: wildcard resource");
                index_resource |= resources.contains("/index/");
            }
        }
        let expected_actions: BTreeSet<String> = actions.iter().map(|a| a.to_string()).collect();
        assert_eq!(dynamodb, expected_actions, "{name}");
        assert_eq!(index_resource, *uses_index, "{name}: index access");
        assert_eq!(invokes_bedrock, embeds.contains(&name), "{name}: Bedrock access");
        checked += 1;
    }
    assert_eq!(checked, expected.len());
}

/// Issue 9: the model is a layer of exactly the functions that embed, which run on x86_64 (the
/// engine's AVX2 path) with the memory of a full vCPU for queries and build with the engine.
#[test]
fn the_model_layer_belongs_to_exactly_the_functions_that_embed() {
    let doc: Value = serde_yaml_ng::from_str(&template_text()).unwrap();
    let resources = untag(&doc["Resources"]).as_mapping().unwrap();
    let layer = &resources[&Value::from("EmbeddingModelLayer")];
    assert_eq!(untag(&layer["Type"]).as_str(), Some("AWS::Serverless::LayerVersion"));
    assert_eq!(untag(&layer["Properties"]["CompatibleArchitectures"][0]).as_str(), Some("x86_64"));
    let embeds: BTreeSet<&str> = workbench::knowledge_cache::EMBEDDING_ENDPOINTS.iter().map(|e| e.logical_id()).collect();
    let mut with_layer = BTreeSet::new();
    for (name, resource) in resources {
        let name = name.as_str().unwrap();
        if untag(&resource["Type"]).as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let props = &resource["Properties"];
        let layers = serde_yaml_ng::to_string(&props["Layers"]).unwrap();
        if layers.contains("EmbeddingModelLayer") {
            with_layer.insert(name);
            assert_eq!(serde_yaml_ng::to_string(&props["Architectures"]).unwrap().trim(), "- x86_64", "{name}");
            let memory = untag(&props["MemorySize"]).as_u64().unwrap_or(0);
            assert!(memory >= 1024, "{name}: {memory} MB is a fraction of a vCPU for a ~30 ms CPU-bound query");
            let flags = serde_yaml_ng::to_string(&resource["Metadata"]["BuildProperties"]["Flags"]).unwrap();
            assert!(flags.contains("--features e5"), "{name} must be built with the engine");
        } else {
            assert!(props["Architectures"].is_null(), "{name}: the global architecture (arm64) unless it embeds");
        }
    }
    assert_eq!(with_layer, embeds);
    let model_path = serde_yaml_ng::to_string(&doc["Globals"]["Function"]["Environment"]["Variables"]["E5_MODEL_PATH"]).unwrap();
    assert!(model_path.contains("/opt/e5/e5-small-q4.bin"));
}
