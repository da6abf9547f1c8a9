//! Knowledge retrieval, pure and I/O-free: tokenizer, chunking, embeddings and the
//! HybridRetriever. Storage is in `crate::store::knowledge`; the hot cache in
//! `crate::knowledge_cache`.

mod chunk;
pub mod eval;
mod embedding;
mod retriever;
mod tokenize;

pub use chunk::split_document;
pub use embedding::{cosine, BedrockTitanEmbedder, Embedder, EmbeddingError, HashedNgramEmbedder, InvokeModel, TITAN_V2_MODEL_ID};
pub use retriever::{HybridRetriever, ScoredEntry, CONFIDENT_CHUNK, CONFIDENT_FAQ, RELEVANCE_THRESHOLD};
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
    /// The FAQ answer, or the chunk text.
    pub content: String,
    pub intent: Option<String>,
    pub embedding: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, kind: EntryKind, title: &str, content: &str) -> KnowledgeEntry {
        let e = HashedNgramEmbedder::default();
        KnowledgeEntry {
            id: id.into(),
            kind,
            source: "test".into(),
            title: Some(title.into()),
            content: content.into(),
            intent: None,
            embedding: e.embed_text(&format!("{title} {content}")),
        }
    }

    fn retriever() -> HybridRetriever {
        HybridRetriever::new(vec![
            entry("refund", EntryKind::Faq, "How long does a refund take?", "Refunds reach your account within 3-5 business days."),
            entry("track", EntryKind::Faq, "How do I track my shipment?", "Open My Orders > Order details and tap Track shipment."),
            entry("invoice", EntryKind::Faq, "如何开具发票？", "在订单详情页点击“申请发票”，电子发票会在24小时内发送到邮箱。"),
            entry("returns.md#0000", EntryKind::Chunk, "Returns", "Items can be returned within 30 days of delivery if unused."),
        ])
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
        let r = HybridRetriever::new(Vec::new());
        assert!(r.retrieve("refund", &HashedNgramEmbedder::default().embed_text("refund"), 5).is_empty());
    }
}
