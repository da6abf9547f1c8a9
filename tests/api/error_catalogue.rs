//! The README's error catalogue names every code the code can answer with.

use crate::helpers::repo_root;
use regex::Regex;
use std::collections::BTreeSet;

fn rust_files(dir: &std::path::Path, into: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            into.push(path);
        }
    }
}

/// String literals returned by a `fn code(…)`, and the codes given to `ApiError::Conflict` and
/// `Answer::error`.
fn codes_in_source() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&repo_root().join("shared/src"), &mut files);
    let code_fn = Regex::new(r"(?s)fn code\(&?self\) -> &'static str \{(.*?)\n    \}").unwrap();
    let literal = Regex::new(r#"=> "([a-z_]+)""#).unwrap();
    let given = Regex::new(r#"(?:code: |Answer::error\(\s*)"([a-z_]+)""#).unwrap();
    let mut codes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for body in code_fn.captures_iter(&text) {
            codes.extend(literal.captures_iter(&body[1]).map(|c| c[1].to_string()));
        }
        codes.extend(given.captures_iter(&text).map(|c| c[1].to_string()));
    }
    codes
}

#[test]
fn every_error_code_is_in_the_readme_catalogue() {
    let codes = codes_in_source();
    for expected in ["invalid_json", "session_not_found", "already_reviewed", "faq_exists", "order_not_owned", "backend_timeout", "confirmation_replayed"] {
        assert!(codes.contains(expected), "the scan missed {expected}: {codes:?}");
    }
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let catalogue = &readme[readme.find("### Error catalogue").expect("README has an error catalogue")..];
    let missing: Vec<&String> = codes.iter().filter(|c| !catalogue.contains(&format!("| `{c}` |"))).collect();
    assert!(missing.is_empty(), "codes missing from the README catalogue: {missing:?}");
}
