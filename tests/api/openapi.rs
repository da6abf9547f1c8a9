//! The OpenAPI document: the committed copy is the generated one, it is served, and its paths
//! are exactly the routes of template.yaml and of the local router.

use crate::helpers::{repo_root, spawn_app};
use reqwest::StatusCode;
use std::collections::BTreeSet;
use workbench::openapi;
use workbench::Endpoint;
use workbench_local::router::Router;
use workbench_local::template;

const COMMITTED: &str = "docs/openapi.json";

/// `UPDATE_OPENAPI=1 cargo test -p workbench-integration-tests --test api openapi` rewrites the file.
#[test]
fn the_committed_document_is_the_generated_one() {
    let generated = openapi::document_json();
    let path = repo_root().join(COMMITTED);
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} is not the document the code generates; run UPDATE_OPENAPI=1 cargo test -p workbench-integration-tests --test api openapi"
    );
}
