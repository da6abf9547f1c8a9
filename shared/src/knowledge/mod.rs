//! Knowledge retrieval, pure and I/O-free: tokenizer, chunking, embeddings and the
//! HybridRetriever. Storage is in `crate::store::knowledge`; the hot cache in
//! `crate::knowledge_cache`.

mod chunk;
#[cfg(feature = "e5")]
pub mod e5;
pub mod eval;
mod seed;
mod embedding;
mod query;
mod retriever;
mod tokenize;

pub use chunk::split_document;
pub use embedding::{
    best_cosine, cosine, vector_space, BedrockTitanEmbedder, Embedder, EmbeddingError, HashedNgramEmbedder, NoEmbedder, InvokeModel, TextKind,
    HASHED_MODEL_ID, TITAN_V2_MODEL_ID,
};
pub use query::clean_query;
pub use retriever::{answer_evidence, AnswerEvidence, Calibration, Evidence, HybridRetriever, ScoredEntry, E5_CALIBRATION, HASHED_CALIBRATION};
pub use tokenize::{tokens, ShopTokenizer};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Faq,
    Chunk,
}

/// A FAQ entry or a document chunk, with its embedding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeEntry {
    /// The FAQ id, or `{source}#{chunk index}` for a chunk.
    pub id: String,
    pub kind: EntryKind,
    /// The document's name, or a FAQ source such as `faq:shop-help-center` or `solution:{id}`.
    pub source: String,
    /// The FAQ question, or the heading path of a chunk.
    pub title: Option<String>,
    /// Other ways customers put a FAQ's question (a FAQ only; like a chatbot's training
    /// phrases): each is embedded as its own vector and BM25 indexes their words, so the FAQ
    /// matches the best of its phrasings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_questions: Vec<String>,
    /// The FAQ answer, or the chunk text.
    pub content: String,
    pub intent: Option<String>,
    pub embedding: Vec<f32>,
    /// The vector space `embedding` is in (`Embedder::space`: model and dimensions); empty when
    /// unknown (stored before spaces were recorded), which counts as stale.
    #[serde(default)]
    pub embedding_space: String,
}

impl KnowledgeEntry {
    /// What the embedder sees of an entry, one vector per text: a FAQ's question and each of its
    /// alternative questions (what customers paraphrase; BM25 indexes the answer too), a chunk's
    /// heading path and text. One definition for every writer (API, seed, re-embedding). Measured
    /// on the dev split before alternative questions existed (MRR of the hybrid): question alone
    /// 0.743, question and answer as one text 0.69, the answer as a second vector (best of both)
    /// 0.729, or discounted by 0.03 0.748 - within one query of the question alone, at twice the
    /// vectors, so the answer is not embedded.
    pub fn passage_texts(&self) -> Vec<String> {
        match (&self.kind, &self.title) {
            (EntryKind::Faq, Some(question)) => {
                std::iter::once(question).chain(&self.alternative_questions).cloned().collect()
            }
            _ => vec![passage_text(self.title.as_deref(), &self.content)],
        }
    }
}

pub fn passage_text(title: Option<&str>, content: &str) -> String {
    match title {
        Some(title) => format!("{title}\n{content}"),
        None => content.to_string(),
    }
}

/// Embeds entries as passages and records the space, in batches. An entry with several passage
/// texts stores their vectors one after the other; a query is compared with each.
pub async fn embed_entries(embedder: &dyn Embedder, entries: &mut [KnowledgeEntry]) -> Result<(), EmbeddingError> {
    for batch in entries.chunks_mut(16) {
        let texts: Vec<Vec<String>> = batch.iter().map(KnowledgeEntry::passage_texts).collect();
        let flat: Vec<String> = texts.iter().flatten().cloned().collect();
        let vectors = embedder.embed(&flat, TextKind::Passage).await?;
        if vectors.len() != flat.len() {
            return Err(EmbeddingError::Malformed(format!("{} vectors for {} texts", vectors.len(), flat.len())));
        }
        let space = embedder.space();
        let mut vectors = vectors.into_iter();
        for (entry, texts) in batch.iter_mut().zip(&texts) {
            entry.embedding = vectors.by_ref().take(texts.len()).flatten().collect();
            entry.embedding_space = space.clone();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, kind: EntryKind, title: &str, content: &str) -> KnowledgeEntry {
        let e = HashedNgramEmbedder::default();
        let mut entry = KnowledgeEntry {
            id: id.into(),
            kind,
            source: "test".into(),
            title: Some(title.into()),
            alternative_questions: Vec::new(),
            content: content.into(),
            intent: None,
            embedding: Vec::new(),
            embedding_space: e.space(),
        };
        entry.embedding = entry.passage_texts().iter().flat_map(|t| e.embed_text(t)).collect();
        entry
    }

    fn retriever() -> HybridRetriever {
        HybridRetriever::new(
            vec![
            entry("refund", EntryKind::Faq, "How long does a refund take?", "Refunds reach your account within 3-5 business days."),
            entry("track", EntryKind::Faq, "How do I track my shipment?", "Open My Orders > Order details and tap Track shipment."),
            entry("invoice", EntryKind::Faq, "如何开具发票？", "在订单详情页点击“申请发票”，电子发票会在24小时内发送到邮箱。"),
            entry("returns.md#0000", EntryKind::Chunk, "Returns", "Items can be returned within 30 days of delivery if unused."),
            ],
            &HashedNgramEmbedder::default().space(),
        )
    }

    fn ask<'a>(r: &'a HybridRetriever, q: &str) -> Vec<ScoredEntry<'a>> {
        r.retrieve(q, &HashedNgramEmbedder::default().embed_text(q), 5)
    }

    #[test]
    fn paraphrases_find_their_faq_first_with_a_score_in_range() {
        let r = retriever();
        let hits = ask(&r, "when will I get my money back from the refund");
        assert_eq!(hits[0].entry.id, "refund");
        assert!(hits.iter().all(|h| (0.0..=1.0).contains(&h.score)));
        assert_eq!(ask(&r, "track my parcel shipment")[0].entry.id, "track");
        assert_eq!(ask(&r, "怎么开发票")[0].entry.id, "invoice");
    }

    #[test]
    fn unrelated_queries_return_nothing() {
        let r = retriever();
        for q in ["quantum chromodynamics lecture notes", "best pizza recipe", "今天天气怎么样", ""] {
            assert!(ask(&r, q).is_empty(), "{q}: {:?}", ask(&r, q).iter().map(|h| (&h.entry.id, h.score)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_bot_answers_only_confident_faq_hits() {
        let r = retriever();
        let q = "How long does a refund take?";
        let hit = r.best_faq_answer(q, &HashedNgramEmbedder::default().embed_text(q)).unwrap();
        assert_eq!(hit.entry.id, "refund");
        let q = "pizza";
        assert!(r.best_faq_answer(q, &HashedNgramEmbedder::default().embed_text(q)).is_none());
    }

    #[test]
    fn an_empty_knowledge_base_returns_nothing() {
        let r = HybridRetriever::new(Vec::new(), &HashedNgramEmbedder::default().space());
        assert!(r.retrieve("refund", &HashedNgramEmbedder::default().embed_text("refund"), 5).is_empty());
    }
}
