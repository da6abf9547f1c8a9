//! Retrieval quality on the seed knowledge base: recall@1, recall@5 and MRR of BM25 alone, vectors
//! alone and the hybrid, and the false-answer rate on queries the shop cannot answer.

use super::{split_document, EntryKind, HashedNgramEmbedder, HybridRetriever, KnowledgeEntry, ScoredEntry};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
pub struct SeedFaq {
    pub faq_id: String,
    pub question: String,
    pub answer: String,
    pub intent: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct LabelledQuery {
    pub query: String,
    pub expect_faq: Option<String>,
    pub expect_source: Option<String>,
    pub expect_contains: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct EvalSet {
    pub queries: Vec<LabelledQuery>,
    pub unrelated: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("{0} is not valid: {1}")]
    Invalid(String, String),
}

fn read(path: &Path) -> Result<String, SeedError> {
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

pub fn faq_entry(faq: &SeedFaq, embedder: &HashedNgramEmbedder) -> KnowledgeEntry {
    KnowledgeEntry {
        id: faq.faq_id.clone(),
        kind: EntryKind::Faq,
        source: faq.source.clone(),
        title: Some(faq.question.clone()),
        content: faq.answer.clone(),
        intent: Some(faq.intent.clone()),
        embedding: embedder.embed_text(&format!("{} {}", faq.question, faq.answer)),
    }
}

pub fn chunk_entries(source: &str, markdown: &str, embedder: &HashedNgramEmbedder) -> Vec<KnowledgeEntry> {
    split_document(source, markdown)
        .into_iter()
        .enumerate()
        .map(|(n, (title, content))| KnowledgeEntry {
            id: format!("{source}#{n:04}"),
            kind: EntryKind::Chunk,
            source: source.to_string(),
            embedding: embedder.embed_text(&format!("{} {content}", title.as_deref().unwrap_or(""))),
            title,
            content,
            intent: None,
        })
        .collect()
}

/// Every seed FAQ and document chunk, embedded with the local embedder.
pub fn load_seed_entries(seed_dir: &Path) -> Result<Vec<KnowledgeEntry>, SeedError> {
    let embedder = HashedNgramEmbedder::default();
    let mut entries: Vec<KnowledgeEntry> = load_faqs(seed_dir)?.iter().map(|f| faq_entry(f, &embedder)).collect();
    for (source, markdown) in load_documents(seed_dir)? {
        entries.extend(chunk_entries(&source, &markdown, &embedder));
    }
    Ok(entries)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct MethodReport {
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    pub mrr: f64,
    pub false_answer_rate: f64,
}

#[derive(Debug)]
pub struct EvalReport {
    pub labelled: usize,
    pub unrelated: usize,
    pub bm25: MethodReport,
    pub vector: MethodReport,
    pub hybrid: MethodReport,
}

impl EvalReport {
    pub fn meets_targets(&self) -> bool {
        self.hybrid.mrr > self.bm25.mrr
            && self.hybrid.mrr > self.vector.mrr
            && self.hybrid.recall_at_5 >= 0.9
            && self.hybrid.false_answer_rate <= 0.05
    }

    pub fn markdown(&self) -> String {
        let mut out = format!(
            "{} labelled queries, {} unrelated queries\n\n| method | recall@1 | recall@5 | MRR | false answers |\n| --- | --- | --- | --- | --- |\n",
            self.labelled, self.unrelated
        );
        for (name, r) in [("BM25 only", self.bm25), ("vector only", self.vector), ("hybrid", self.hybrid)] {
            out.push_str(&format!(
                "| {name} | {:.3} | {:.3} | {:.3} | {:.1}% |\n",
                r.recall_at_1,
                r.recall_at_5,
                r.mrr,
                r.false_answer_rate * 100.0
            ));
        }
        out
    }
}

fn hits(query: &LabelledQuery, entry: &KnowledgeEntry) -> bool {
    match (&query.expect_faq, &query.expect_source) {
        (Some(faq), _) => entry.id == *faq,
        (None, Some(source)) => {
            entry.source == *source
                && query.expect_contains.as_deref().is_none_or(|phrase| entry.content.contains(phrase))
        }
        (None, None) => false,
    }
}

pub fn evaluate(retriever: &HybridRetriever, set: &EvalSet) -> EvalReport {
    let embedder = HashedNgramEmbedder::default();
    let run = |method: &dyn Fn(&str, &[f32]) -> Vec<String>| {
        let mut report = MethodReport::default();
        for q in &set.queries {
            let ids = method(&q.query, &embedder.embed_text(&q.query));
            let rank = ids.iter().position(|id| {
                retriever.entries().iter().find(|e| &e.id == id).is_some_and(|e| hits(q, e))
            });
            if rank == Some(0) {
                report.recall_at_1 += 1.0;
            }
            if rank.is_some_and(|r| r < 5) {
                report.recall_at_5 += 1.0;
            }
            if let Some(r) = rank {
                report.mrr += 1.0 / (r as f64 + 1.0);
            }
        }
        let n = set.queries.len().max(1) as f64;
        report.recall_at_1 /= n;
        report.recall_at_5 /= n;
        report.mrr /= n;
        let answered =
            set.unrelated.iter().filter(|q| !method(q, &embedder.embed_text(q)).is_empty()).count();
        report.false_answer_rate = answered as f64 / set.unrelated.len().max(1) as f64;
        report
    };
    let ids = |hits: Vec<ScoredEntry<'_>>| hits.into_iter().map(|h| h.entry.id.clone()).collect::<Vec<_>>();
    EvalReport {
        labelled: set.queries.len(),
        unrelated: set.unrelated.len(),
        bm25: run(&|q, _| ids(retriever.retrieve_bm25(q, 10))),
        vector: run(&|_, e| ids(retriever.retrieve_vector(e, 10))),
        hybrid: run(&|q, e| ids(retriever.retrieve(q, e, 10))),
    }
}

pub fn load_eval_set(seed_dir: &Path) -> Result<EvalSet, SeedError> {
    let path = seed_dir.join("eval/retrieval_eval.json");
    serde_json::from_str(&read(&path)?).map_err(|e| SeedError::Invalid(path.display().to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/seed")
    }

    #[test]
    fn the_seed_knowledge_base_is_big_enough_and_well_formed() {
        let faqs = load_faqs(&seed_dir()).unwrap();
        assert!(faqs.len() >= 40, "{} FAQs", faqs.len());
        let chinese = faqs.iter().filter(|f| f.question.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))).count();
        assert!(chinese >= 5 && chinese * 2 < faqs.len(), "{chinese} Chinese FAQs");
        let mut ids: Vec<&str> = faqs.iter().map(|f| f.faq_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), faqs.len(), "FAQ ids are unique");
        assert!(load_documents(&seed_dir()).unwrap().len() >= 5);
    }

    #[test]
    fn hybrid_retrieval_meets_its_quality_targets_on_the_evaluation_set() {
        let retriever = HybridRetriever::new(load_seed_entries(&seed_dir()).unwrap());
        let set = load_eval_set(&seed_dir()).unwrap();
        assert!(set.queries.len() >= 100 && set.unrelated.len() >= 30);
        let report = evaluate(&retriever, &set);
        assert!(report.meets_targets(), "\n{}", report.markdown());
    }
}
