//! HybridRetriever: BM25 (the bm25 crate, with the shop tokenizer) and vector similarity, fused by
//! reciprocal rank, with a relevance score in [0, 1] that is meaningful enough to threshold.

use super::embedding::cosine;
use super::tokenize::ShopTokenizer;
use super::{EntryKind, KnowledgeEntry};
use std::collections::HashMap;

/// Candidates each method contributes to the fusion.
const CANDIDATES: usize = 50;
/// Reciprocal rank fusion constant (Cormack et al.).
const RRF_K: f32 = 60.0;
/// BM25 scores saturate: s / (s + BM25_HALF) is 0.5 at BM25_HALF.
const BM25_HALF: f32 = 6.0;

/// Below this, recommendations return nothing rather than noise.
pub const RELEVANCE_THRESHOLD: f32 = 0.255;
/// The bot answers from a FAQ only above this.
pub const CONFIDENT_FAQ: f32 = 0.38;
/// The bot quotes a document passage only above this.
pub const CONFIDENT_CHUNK: f32 = 0.45;
/// Thresholds of the single methods, for the evaluation's false-answer rates.
pub const BM25_ONLY_THRESHOLD: f32 = 0.45;
pub const VECTOR_ONLY_THRESHOLD: f32 = 0.30;

#[derive(Debug, Clone)]
pub struct ScoredEntry<'a> {
    pub entry: &'a KnowledgeEntry,
    /// Relevance in [0, 1].
    pub score: f32,
    pub bm25_rank: Option<usize>,
    pub vector_rank: Option<usize>,
}

pub struct HybridRetriever {
    entries: Vec<KnowledgeEntry>,
    lexical: LexicalIndex,
}

/// BM25 over an inverted index. The bm25 crate's `Embedder` computes each document's BM25 term
/// weights (k1, b, average length fitted to the corpus); scoring accumulates idf x weight along
/// the postings of the query's tokens only, so a query touches the documents that share a token
/// and nothing else.
struct LexicalIndex {
    embedder: bm25::Embedder<u32, ShopTokenizer>,
    /// token -> (entry, BM25 term weight)
    postings: HashMap<u32, Vec<(u32, f32)>>,
    /// Each entry's distinct tokens, sorted: for coverage.
    entry_tokens: Vec<Vec<u32>>,
    len: usize,
}

impl LexicalIndex {
    fn new(texts: &[String]) -> Self {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let embedder = bm25::EmbedderBuilder::<u32, ShopTokenizer>::with_tokenizer_and_fit_to_corpus(ShopTokenizer, &refs)
            .build();
        let mut postings: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
        let mut entry_tokens = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let mut seen: Vec<u32> = Vec::new();
            for token in embedder.embed(text).0 {
                if !seen.contains(&token.index) {
                    seen.push(token.index);
                    postings.entry(token.index).or_default().push((i as u32, token.value));
                }
            }
            seen.sort_unstable();
            entry_tokens.push(seen);
        }
        LexicalIndex { embedder, postings, entry_tokens, len: texts.len() }
    }

    fn query_tokens(&self, query: &str) -> Vec<u32> {
        let mut tokens: Vec<u32> = self.embedder.embed(query).0.into_iter().map(|t| t.index).collect();
        tokens.sort_unstable();
        tokens.dedup();
        tokens
    }

    fn idf(&self, token: u32) -> f32 {
        let n = self.len as f32;
        let df = self.postings.get(&token).map_or(0, Vec::len) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// (entry index, BM25 score), best first.
    fn search(&self, query_tokens: &[u32], limit: usize) -> Vec<(usize, f32)> {
        let mut scores = vec![0.0f32; self.len];
        let mut touched: Vec<usize> = Vec::new();
        for token in query_tokens {
            let Some(list) = self.postings.get(token) else { continue };
            let idf = self.idf(*token);
            for (entry, weight) in list {
                let slot = &mut scores[*entry as usize];
                if *slot == 0.0 {
                    touched.push(*entry as usize);
                }
                *slot += idf * weight;
            }
        }
        let mut ranked: Vec<(usize, f32)> = touched.into_iter().map(|i| (i, scores[i])).filter(|(_, s)| *s > 0.0).collect();
        top(&mut ranked, limit);
        ranked
    }

    /// The share of the query's information (IDF-weighted tokens) that the entry contains. Words
    /// the knowledge base has never seen weigh most, so a query about something else entirely
    /// covers little even when one common word matches.
    fn coverage(&self, query_tokens: &[u32], entry: usize) -> f32 {
        let (mut total, mut matched) = (0.0, 0.0);
        for token in query_tokens {
            let weight = self.idf(*token);
            total += weight;
            if self.entry_tokens[entry].binary_search(token).is_ok() {
                matched += weight;
            }
        }
        if total > 0.0 {
            matched / total
        } else {
            0.0
        }
    }
}

/// Keep the best `limit` by score, sorted best first, without sorting the rest.
fn top(scored: &mut Vec<(usize, f32)>, limit: usize) {
    let limit = limit.min(scored.len());
    if limit == 0 {
        scored.clear();
        return;
    }
    scored.select_nth_unstable_by(limit - 1, |a, b| b.1.total_cmp(&a.1));
    scored.truncate(limit);
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
}

fn indexed_text(entry: &KnowledgeEntry) -> String {
    match &entry.title {
        // The question is what customers paraphrase: weigh it twice.
        Some(title) if entry.kind == EntryKind::Faq => format!("{title} {title} {}", entry.content),
        Some(title) => format!("{title} {}", entry.content),
        None => entry.content.clone(),
    }
}

impl HybridRetriever {
    pub fn new(entries: Vec<KnowledgeEntry>) -> Self {
        let texts: Vec<String> = entries.iter().map(indexed_text).collect();
        let lexical = LexicalIndex::new(&texts);
        HybridRetriever { entries, lexical }
    }

    pub fn entries(&self) -> &[KnowledgeEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn bm25_ranking(&self, query: &str, limit: usize) -> Vec<(usize, f32)> {
        self.lexical.search(&self.lexical.query_tokens(query), limit)
    }

    /// (entry index, cosine), best first.
    fn vector_ranking(&self, query_embedding: &[f32], limit: usize) -> Vec<(usize, f32)> {
        let mut scored: Vec<(usize, f32)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i, cosine(query_embedding, &e.embedding)))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        top(&mut scored, limit);
        scored
    }

    /// Hybrid retrieval: RRF orders the union of both rankings; the score is the evidence of
    /// relevance (saturated BM25 and cosine) scaled by how well both methods agree.
    pub fn retrieve(&self, query: &str, query_embedding: &[f32], top_k: usize) -> Vec<ScoredEntry<'_>> {
        let query_tokens = self.lexical.query_tokens(query);
        let lexical = self.lexical.search(&query_tokens, CANDIDATES);
        let semantic = self.vector_ranking(query_embedding, CANDIDATES);
        let mut fused: std::collections::HashMap<usize, (f32, Option<usize>, Option<usize>, f32, f32)> =
            std::collections::HashMap::new();
        for (rank, (i, s)) in lexical.iter().enumerate() {
            let e = fused.entry(*i).or_insert((0.0, None, None, 0.0, 0.0));
            e.0 += 1.0 / (RRF_K + rank as f32 + 1.0);
            e.1 = Some(rank);
            e.3 = s / (s + BM25_HALF);
        }
        for (rank, (i, s)) in semantic.iter().enumerate() {
            let e = fused.entry(*i).or_insert((0.0, None, None, 0.0, 0.0));
            e.0 += 1.0 / (RRF_K + rank as f32 + 1.0);
            e.2 = Some(rank);
            e.4 = *s;
        }
        let best_rrf = 2.0 / (RRF_K + 1.0);
        let mut results: Vec<(f32, ScoredEntry<'_>)> = fused
            .into_iter()
            .map(|(i, (rrf, bm25_rank, vector_rank, lexical, cosine))| {
                let evidence = 0.2 * lexical + 0.8 * cosine.max(0.0);
                let agreement = 0.75 + 0.25 * (rrf / best_rrf);
                let coverage = self.lexical.coverage(&query_tokens, i);
                let score = (evidence * agreement * coverage).sqrt().clamp(0.0, 1.0);
                (rrf, ScoredEntry { entry: &self.entries[i], score, bm25_rank, vector_rank })
            })
            .filter(|(_, s)| s.score >= RELEVANCE_THRESHOLD)
            .collect();
        results.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.score.total_cmp(&a.1.score)));
        results.into_iter().take(top_k).map(|(_, s)| s).collect()
    }

    /// BM25 alone, thresholded on its saturated score (for the evaluation).
    pub fn retrieve_bm25(&self, query: &str, top_k: usize) -> Vec<ScoredEntry<'_>> {
        self.bm25_ranking(query, top_k)
            .into_iter()
            .enumerate()
            .map(|(rank, (i, s))| ScoredEntry {
                entry: &self.entries[i],
                score: s / (s + BM25_HALF),
                bm25_rank: Some(rank),
                vector_rank: None,
            })
            .filter(|s| s.score >= BM25_ONLY_THRESHOLD)
            .collect()
    }

    /// Vector similarity alone, thresholded on cosine (for the evaluation).
    pub fn retrieve_vector(&self, query_embedding: &[f32], top_k: usize) -> Vec<ScoredEntry<'_>> {
        self.vector_ranking(query_embedding, top_k)
            .into_iter()
            .enumerate()
            .map(|(rank, (i, s))| ScoredEntry { entry: &self.entries[i], score: s, bm25_rank: None, vector_rank: Some(rank) })
            .filter(|s| s.score >= VECTOR_ONLY_THRESHOLD)
            .collect()
    }

    /// The FAQ the bot may answer with: the best hybrid hit, if it is a FAQ and confident.
    pub fn best_faq_answer(&self, query: &str, query_embedding: &[f32]) -> Option<ScoredEntry<'_>> {
        self.retrieve(query, query_embedding, 1)
            .into_iter()
            .next()
            .filter(|hit| hit.entry.kind == EntryKind::Faq && hit.score >= CONFIDENT_FAQ)
    }

    /// The document passage the bot may quote: the best chunk, if confident.
    pub fn best_chunk(&self, query: &str, query_embedding: &[f32]) -> Option<ScoredEntry<'_>> {
        self.retrieve(query, query_embedding, 3)
            .into_iter()
            .find(|hit| hit.entry.kind == EntryKind::Chunk && hit.score >= CONFIDENT_CHUNK)
    }
}

#[cfg(test)]
mod defect_tests {
    use super::*;
    use crate::knowledge::eval::load_seed_entries;
    use crate::knowledge::HashedNgramEmbedder;

    fn seed() -> HybridRetriever {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/seed");
        HybridRetriever::new(load_seed_entries(&dir).unwrap())
    }

    #[test]
    fn results_come_in_the_order_of_the_score_they_show() {
        let r = seed();
        let e = HashedNgramEmbedder::default();
        for q in ["refund", "how long does shipping take", "invoice for my company", "change password", "退款多久到账",
                  "my parcel is late", "gift card balance", "cancel order after shipping", "points expire", "membership tiers"] {
            let scores: Vec<f32> = r.retrieve(q, &e.embed_text(q), 5).iter().map(|h| h.score).collect();
            assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{q}: {scores:?}");
        }
    }

    #[test]
    fn unknown_words_and_politeness_do_not_sink_an_answered_question() {
        let r = seed();
        let e = HashedNgramEmbedder::default();
        let base = "What is the return window?";
        assert_eq!(r.best_faq_answer(base, &e.embed_text(base)).map(|h| h.entry.id.clone()).as_deref(), Some("faq-return-window"));
        for q in [
            "What is the return window? THANK YOU SO MUCH",
            "What is the return window? ref 88231-XK",
            "What is the retrun window?",
        ] {
            let hit = r.best_faq_answer(q, &e.embed_text(q)).map(|h| h.entry.id.clone());
            assert_eq!(hit.as_deref(), Some("faq-return-window"), "{q}");
        }
    }
}
