//! The seed knowledge base (`infra/seed/`): its FAQs and documents read from disk, as the entries
//! the retriever indexes; the local stack seeds the table with them and the evaluation measures
//! retrieval on them.

use super::{
    split_document, EntryKind, HashedNgramEmbedder, KnowledgeEntry,
};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
pub struct SeedFaq {
    pub faq_id: String,
    pub question: String,
    pub answer: String,
    pub intent: String,
    pub source: String,
    #[serde(default)]
    pub alternative_questions: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("{0} is not valid: {1}")]
    Invalid(String, String),
}

pub(super) fn read(path: &Path) -> Result<String, SeedError> {
    std::fs::read_to_string(path).map_err(|e| SeedError::Read(path.display().to_string(), e))
}

pub fn load_faqs(seed_dir: &Path) -> Result<Vec<SeedFaq>, SeedError> {
    let path = seed_dir.join("knowledge/faqs.json");
    serde_json::from_str(&read(&path)?).map_err(|e| SeedError::Invalid(path.display().to_string(), e.to_string()))
}

/// (source file name, markdown) of every seed document, sorted by name.
pub fn load_documents(seed_dir: &Path) -> Result<Vec<(String, String)>, SeedError> {
    let dir = seed_dir.join("knowledge/documents");
    let mut docs = Vec::new();
    let entries = std::fs::read_dir(&dir).map_err(|e| SeedError::Read(dir.display().to_string(), e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some("md") {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            docs.push((name, read(&path)?));
        }
    }
    docs.sort();
    Ok(docs)
}

/// A seed FAQ as an entry, not yet embedded.
pub fn faq_entry(faq: &SeedFaq) -> KnowledgeEntry {
    KnowledgeEntry {
        id: faq.faq_id.clone(),
        kind: EntryKind::Faq,
        source: faq.source.clone(),
        title: Some(faq.question.clone()),
        alternative_questions: faq.alternative_questions.clone(),
        content: faq.answer.clone(),
        intent: Some(faq.intent.clone()),
        embedding: Vec::new(),
        embedding_space: String::new(),
    }
}

/// A document's chunks as entries, not yet embedded.
pub fn chunk_entries(source: &str, markdown: &str) -> Vec<KnowledgeEntry> {
    split_document(source, markdown)
        .into_iter()
        .enumerate()
        .map(|(n, (title, content))| KnowledgeEntry {
            id: format!("{source}#{n:04}"),
            kind: EntryKind::Chunk,
            source: source.to_string(),
            title,
            alternative_questions: Vec::new(),
            content,
            intent: None,
            embedding: Vec::new(),
            embedding_space: String::new(),
        })
        .collect()
}

/// Every seed FAQ and document chunk, not yet embedded.
pub fn load_seed_knowledge(seed_dir: &Path) -> Result<Vec<KnowledgeEntry>, SeedError> {
    let mut entries: Vec<KnowledgeEntry> = load_faqs(seed_dir)?.iter().map(faq_entry).collect();
    for (source, markdown) in load_documents(seed_dir)? {
        entries.extend(chunk_entries(&source, &markdown));
    }
    Ok(entries)
}

/// Every seed entry embedded with the hashed n-gram embedder (synchronous: unit tests).
pub fn load_seed_entries(seed_dir: &Path, embedder: &HashedNgramEmbedder) -> Result<Vec<KnowledgeEntry>, SeedError> {
    use super::Embedder;
    let mut entries = load_seed_knowledge(seed_dir)?;
    for entry in &mut entries {
        entry.embedding = entry.passage_texts().iter().flat_map(|t| embedder.embed_text(t)).collect();
        entry.embedding_space = embedder.space();
    }
    Ok(entries)
}
