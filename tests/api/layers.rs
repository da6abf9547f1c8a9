//! The shared crate's rooms import only downward: each top-level module of `shared/src` stands on
//! a floor (docs/ARCHITECTURE.md draws them), and a module may name only modules on lower floors.
//! Inside the folders, no handler names another handler, and no entity room of the store names
//! another entity's room: what they share stands below them.
//!
//! Read from the source: every `crate::<module>` outside comments and test modules, and every
//! `super::<sibling>` inside a folder. A macro's `$crate::` paths are not imports of the module
//! that defines the macro (they resolve where the macro is used), so they are not counted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The floors of `shared/src`, ground first. Keep in step with docs/ARCHITECTURE.md.
const FLOORS: &[&[&str]] = &[
    // 1. Pure: no I/O, no other module of the crate.
    &["domain", "intent", "metrics", "knowledge", "text"],
    // 2. Pure rules over the domain.
    &["escalation", "state_machine", "queue", "thread"],
    // 3. Who may do what; the bot's side of a turn.
    &["auth", "turn_policy"],
    // 4. Plain data read once, the endpoint table, typed errors.
    &["config", "endpoint", "error"],
    // 5. The HTTP edge's request reading and responses.
    &["http"],
    // 6. The DynamoDB store.
    &["store"],
    // 7. Services over the store.
    &["business", "live", "idempotency", "knowledge_cache"],
    // 8. The API contract; the wiring built from config.
    &["api", "app"],
    // 9. The OpenAPI document; the handlers; the event functions; a container's cold start.
    &["openapi", "handlers", "ingest", "maintenance", "cold_start"],
    // 10. The HTTP functions' routing and runtime loop; the event functions' runtime loops.
    &["routes", "runtime"],
    // 11. The crate's face.
    &["lib"],
];

/// Rooms of a folder that every sibling may use: below the folder's other rooms.
const SHARED_ROOMS: &[(&str, &[&str])] = &[
    ("handlers", &["accepted"]),
    ("store", &["client", "transact", "keys", "items", "update", "batch", "in_flight", "schema", "idempotency"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("shared/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments, string contents and its test module.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names that follow `prefix::` in the code (`crate::store::Store` gives `store`).
fn named_after(code: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        let after = &rest[at + prefix.len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

fn floor_of(room: &str) -> Option<usize> {
    FLOORS.iter().position(|floor| floor.contains(&room))
}

/// (top-level room, room inside its folder) of a path under shared/src.
fn rooms_of(path: &Path) -> (String, Option<String>) {
    let relative = path.strip_prefix(src()).expect("under shared/src");
    let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    (parts[0].clone(), parts.get(1).cloned())
}

#[test]
fn every_module_of_the_shared_crate_stands_on_a_floor() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let unplaced: Vec<String> =
        files.iter().map(|f| rooms_of(f).0).filter(|room| floor_of(room).is_none()).collect();
    assert!(unplaced.is_empty(), "modules on no floor of tests/api/layers.rs: {unplaced:?}");
}

#[test]
fn the_shared_crate_imports_only_downward() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut upward: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let (room, inner) = rooms_of(file);
        if inner.as_deref() == Some("tests") {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).expect("a source file"));
        let Some(floor) = floor_of(&room) else { continue };
        for target in named_after(&code, "crate::") {
            if target == room {
                continue;
            }
            match floor_of(&target) {
                Some(to) if to < floor => {}
                Some(_) => upward.entry(file.display().to_string()).or_default().push(target),
                None => {} // not a module (a macro, say)
            }
        }
    }
    assert!(upward.is_empty(), "imports that run level or back up a floor: {upward:#?}");
}

#[test]
fn no_handler_or_store_entity_imports_a_sibling() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut crossing: Vec<String> = Vec::new();
    for (folder, shared) in SHARED_ROOMS {
        for file in files.iter().filter(|f| rooms_of(f).0 == *folder) {
            let Some(inner) = rooms_of(file).1 else { continue };
            if inner == "mod" || inner == "tests" || shared.contains(&inner.as_str()) {
                continue;
            }
            let code = code_of(&std::fs::read_to_string(file).expect("a source file"));
            let named = named_after(&code, "super::").into_iter().chain(
                named_after(&code, &format!("crate::{folder}::")),
            );
            for sibling in named {
                let is_room = src().join(folder).join(format!("{sibling}.rs")).exists();
                if is_room && sibling != inner && !shared.contains(&sibling.as_str()) {
                    crossing.push(format!("{folder}/{inner}.rs -> {folder}/{sibling}.rs"));
                }
            }
        }
    }
    assert!(crossing.is_empty(), "rooms that import a sibling instead of what they share: {crossing:#?}");
}
