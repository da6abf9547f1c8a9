//! HybridRetriever: BM25 (the bm25 crate, with the shop tokenizer) and dense vectors, fused into
//! ONE calibrated score per entry that orders the results and decides whether the bot answers.
//!
//! Candidates are the union of both rankings. Each gets a probability of being the right entry
//! from a logistic model over its evidence: the cosine of the query and entry vectors, saturated
//! BM25, and the share of the query's known words the entry contains. The weights and the
//! thresholds are fitted on the development split of `infra/seed/eval` for each embedder
//! (`eval-retrieval --calibrate`) and reported on the test split.

use super::embedding::{best_cosine, HASHED_MODEL_ID};
use super::query::{clean_query, edit_distance};
use super::tokenize::tokens;
use super::{EntryKind, KnowledgeEntry};
use bm25::TokenEmbedder;
use std::collections::{HashMap, HashSet};

/// Candidates each method contributes to the fusion.
const CANDIDATES: usize = 50;
/// BM25 scores saturate: s / (s + BM25_HALF) is 0.5 at BM25_HALF.
const BM25_HALF: f32 = 6.0;

/// How one embedder's evidence becomes a score in [0, 1], and the thresholds on that score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Logistic weights: cosine, saturated BM25, coverage, BM25 x coverage, and the bias.
    pub weights: [f32; 5],
    /// Recommendations below this return nothing rather than noise.
    pub relevant: f32,
    /// The bot answers from its best FAQ (by score) when c1 + answer_margin x (c1 - c2) reaches
    /// this, c1 and c2 being the cosines of the best and the second-best FAQ: the dense evidence
    /// and its lead over the runner-up decide better than the fused score does (measured on dev).
    pub faq_answer: f32,
    pub answer_margin: f32,
    /// The bot quotes a document passage at or above this.
    pub chunk_answer: f32,
}

/// multilingual-e5-small, fitted on the dev split by `eval-retrieval --calibrate` (see
/// docs/BENCHMARKS.md): score = sigmoid(40.15 x cosine + 3.21 x BM25 x coverage - 33.75); the bot
/// answers when its best FAQ's cosine plus its lead over the second FAQ's reaches 0.870.
pub const E5_CALIBRATION: Calibration = Calibration {
    weights: [40.154, 0.0, 0.0, 3.212, -33.747],
    relevant: 0.4496,
    faq_answer: 0.8703,
    answer_margin: 1.0,
    chunk_answer: 0.8992,
};
/// Hashed character n-grams (the explicit fallback), fitted the same way.
pub const HASHED_CALIBRATION: Calibration = Calibration {
    weights: [7.118, 0.0, 0.0, 3.559, -1.524],
    relevant: 0.4931,
    faq_answer: 0.5381,
    answer_margin: 0.0,
    chunk_answer: 0.9861,
};

impl Calibration {
    /// The calibration for a vector space. Spaces without their own (Bedrock Titan) use e5's,
    /// which is a starting point, not a measurement: run the eval with that embedder to fit one.
    pub fn for_space(space: &str) -> Calibration {
        if space.starts_with(HASHED_MODEL_ID) {
            HASHED_CALIBRATION
        } else {
            E5_CALIBRATION
        }
    }

    /// How sure the bot is of its best FAQ, from its cosine and the runner-up's.
    pub fn answer_confidence(&self, best_cosine: f32, second_cosine: f32) -> f32 {
        best_cosine + self.answer_margin * (best_cosine - second_cosine)
    }

    pub fn score(&self, evidence: &Evidence) -> f32 {
        let [wc, wl, wv, wx, b] = self.weights;
        let z = wc * evidence.cosine + wl * evidence.lexical + wv * evidence.coverage + wx * evidence.lexical * evidence.coverage + b;
        1.0 / (1.0 + (-z).exp())
    }
}

/// What one entry has going for it against one query.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    /// Cosine of the query and entry vectors (0 when the entry has no vector in the query's space).
    pub cosine: f32,
    /// Saturated BM25 in [0, 1).
    pub lexical: f32,
    /// IDF-weighted share of the query's known words that the entry contains.
    pub coverage: f32,
}

#[derive(Debug, Clone)]
pub struct ScoredEntry<'a> {
    pub entry: &'a KnowledgeEntry,
    /// Relevance in [0, 1]; results are ordered by it.
    pub score: f32,
    pub evidence: Evidence,
    pub bm25_rank: Option<usize>,
    pub vector_rank: Option<usize>,
}

pub struct HybridRetriever {
    entries: Vec<KnowledgeEntry>,
    lexical: LexicalIndex,
    /// Whether each entry's vector is in the space queries are embedded in.
    comparable: Vec<bool>,
    calibration: Calibration,
}

/// BM25 over an inverted index: each document's term weights (k1, b, average length fitted to the
/// corpus, the bm25 crate's formula and token ids); scoring accumulates idf x weight along the
/// postings of the query's tokens only.
struct LexicalIndex {
    /// token -> (entry, BM25 term weight)
    postings: HashMap<u32, Vec<(u32, f32)>>,
    /// Each entry's distinct tokens, sorted: for coverage.
    entry_tokens: Vec<Vec<u32>>,
    /// Every token of the knowledge base, by length: typo correction of query words.
    vocabulary: Vec<String>,
    /// Every word (lower-case letters) of the knowledge base, by length: the same for the text
    /// the embedder sees.
    words: Vec<String>,
    len: usize,
}

/// BM25 term weights as the bm25 crate computes them (its defaults k1 = 1.2, b = 0.75).
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;

impl LexicalIndex {
    /// One tokenizer pass per text: the tokens give the term counts, the document lengths (and so
    /// the average length the term weights are fitted to) and the vocabulary for typo correction.
    fn new(texts: &[String]) -> Self {
        let mut vocabulary: HashSet<String> = HashSet::new();
        let mut words: HashSet<String> = HashSet::new();
        // Per entry: (token id, term frequency), and the entry's length in tokens.
        let mut counted: Vec<(Vec<(u32, u32)>, usize)> = Vec::with_capacity(texts.len());
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for text in texts {
            counts.clear();
            let doc = tokens(text);
            for token in &doc {
                let index = Self::index_of(token);
                let tf = counts.entry(index).or_insert(0);
                if *tf == 0 && !vocabulary.contains(token.as_str()) && token.chars().all(|c| c.is_ascii_alphabetic()) {
                    vocabulary.insert(token.clone());
                }
                *tf += 1;
            }
            let mut terms: Vec<(u32, u32)> = counts.iter().map(|(i, tf)| (*i, *tf)).collect();
            terms.sort_unstable();
            counted.push((terms, doc.len()));
            for word in text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2) {
                if word.bytes().any(|b| b.is_ascii_uppercase()) {
                    let lower = word.to_ascii_lowercase();
                    if !words.contains(&lower) {
                        words.insert(lower);
                    }
                } else if !words.contains(word) {
                    words.insert(word.to_string());
                }
            }
        }
        let total: usize = counted.iter().map(|(_, len)| len).sum();
        let avgdl = if total == 0 { 1.0 } else { total as f32 / counted.len() as f32 };
        let mut postings: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
        let mut entry_tokens = Vec::with_capacity(texts.len());
        for (i, (terms, len)) in counted.into_iter().enumerate() {
            let length_norm = 1.0 - BM25_B + BM25_B * (len as f32 / avgdl);
            for (index, tf) in &terms {
                let tf = *tf as f32;
                postings.entry(*index).or_default().push((i as u32, tf * (BM25_K1 + 1.0) / (tf + BM25_K1 * length_norm)));
            }
            entry_tokens.push(terms.into_iter().map(|(index, _)| index).collect());
        }
        let by_length = |set: HashSet<String>| {
            let mut list: Vec<String> = set.into_iter().collect();
            list.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
            list
        };
        LexicalIndex { postings, entry_tokens, vocabulary: by_length(vocabulary), words: by_length(words), len: texts.len() }
    }

    fn index_of(token: &str) -> u32 {
        <u32 as TokenEmbedder>::embed(token)
    }

    /// The query's tokens that the knowledge base knows: a word it has never seen is replaced by
    /// the known word it is a typo of (one edit for words of 4+ letters, two for 8+), or else
    /// left out, so a reference number or a word of thanks never counts against a match.
    fn query_tokens(&self, query: &str) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for token in tokens(query) {
            let index = Self::index_of(&token);
            if self.postings.contains_key(&index) {
                out.push(index);
            } else if let Some(known) = self.correction(&token) {
                out.push(Self::index_of(known));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn correction(&self, token: &str) -> Option<&str> {
        Self::nearest(&self.vocabulary, token)
    }

    /// The known word a word is a typo of, if it is unknown and one is near enough.
    fn nearest<'v>(known: &'v [String], token: &str) -> Option<&'v str> {
        let len = token.chars().count();
        if len < 4 || !token.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let limit = if len >= 8 { 2 } else { 1 };
        let mut best: Option<(usize, &str)> = None;
        for word in known {
            if word.len() + limit < len {
                continue;
            }
            if word.len() > len + limit {
                break;
            }
            let d = edit_distance(token, word, limit);
            if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, word));
            }
        }
        best.map(|(_, w)| w)
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

    /// The IDF-weighted share of the query's known tokens that the entry contains.
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
    /// An index over `entries` for queries embedded in `space` (see `Embedder::space`). Entries
    /// whose vector is from another space take part through BM25 only, never by a cosine
    /// between two different models.
    pub fn new(entries: Vec<KnowledgeEntry>, space: &str) -> Self {
        Self::with_calibration(entries, space, Calibration::for_space(space))
    }

    pub fn with_calibration(entries: Vec<KnowledgeEntry>, space: &str, calibration: Calibration) -> Self {
        let texts: Vec<String> = entries.iter().map(indexed_text).collect();
        let lexical = LexicalIndex::new(&texts);
        let comparable = entries.iter().map(|e| e.embedding_space == space && !e.embedding.is_empty()).collect();
        HybridRetriever { entries, lexical, comparable, calibration }
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

    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    /// The text of a query for the embedder: cleaned (`clean_query`), then spelling-corrected.
    pub fn prepare_query(&self, query: &str) -> String {
        self.correct_spelling(&clean_query(query))
    }

    /// The query with its misspelt words replaced by the knowledge base's words they are one or
    /// two edits from ("retrun" -> "return"), for the embedder: a word the knowledge base has
    /// never seen and is no typo of a known word stays as it is.
    pub fn correct_spelling(&self, query: &str) -> String {
        let mut out = String::with_capacity(query.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            if !word.is_empty() {
                let lower = word.to_ascii_lowercase();
                let known = self.lexical.words.binary_search_by(|w| w.len().cmp(&lower.len()).then(w.as_str().cmp(&lower))).is_ok();
                match (known, LexicalIndex::nearest(&self.lexical.words, &lower)) {
                    (false, Some(fixed)) => out.push_str(fixed),
                    _ => out.push_str(word),
                }
                word.clear();
            }
        };
        for c in query.chars() {
            if c.is_ascii_alphabetic() {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }

    /// How many entries have no vector in the query space (they need re-embedding).
    pub fn stale_vectors(&self) -> usize {
        self.comparable.iter().filter(|c| !**c).count()
    }

    fn bm25_ranking(&self, query_tokens: &[u32], limit: usize) -> Vec<(usize, f32)> {
        self.lexical.search(query_tokens, limit)
    }

    /// (entry index, cosine), best first.
    fn vector_ranking(&self, query_embedding: &[f32], limit: usize) -> Vec<(usize, f32)> {
        let mut scored: Vec<(usize, f32)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(i, _)| self.comparable[*i])
            .map(|(i, e)| (i, best_cosine(query_embedding, &e.embedding)))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        top(&mut scored, limit);
        scored
    }

    /// Every candidate of both rankings with its evidence and score, best first, unthresholded.
    pub fn candidates(&self, query: &str, query_embedding: &[f32]) -> Vec<ScoredEntry<'_>> {
        let query = clean_query(query);
        let query_tokens = self.lexical.query_tokens(&query);
        let lexical = self.bm25_ranking(&query_tokens, CANDIDATES);
        let semantic = self.vector_ranking(query_embedding, CANDIDATES);
        let mut fused: HashMap<usize, (Option<usize>, Option<usize>, f32)> = HashMap::new();
        for (rank, (i, s)) in lexical.iter().enumerate() {
            let e = fused.entry(*i).or_insert((None, None, 0.0));
            e.0 = Some(rank);
            e.2 = s / (s + BM25_HALF);
        }
        for (rank, (i, _)) in semantic.iter().enumerate() {
            fused.entry(*i).or_insert((None, None, 0.0)).1 = Some(rank);
        }
        let mut results: Vec<ScoredEntry<'_>> = fused
            .into_iter()
            .map(|(i, (bm25_rank, vector_rank, lexical))| {
                let cosine =
                    if self.comparable[i] { best_cosine(query_embedding, &self.entries[i].embedding).max(0.0) } else { 0.0 };
                let evidence = Evidence { cosine, lexical, coverage: self.lexical.coverage(&query_tokens, i) };
                ScoredEntry { entry: &self.entries[i], score: self.calibration.score(&evidence), evidence, bm25_rank, vector_rank }
            })
            .collect();
        // One ranking: the score shown is the score that orders (ties by id, for stable output).
        results.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.entry.id.cmp(&b.entry.id)));
        results
    }

    /// Hybrid retrieval: the best `top_k` entries at or above the relevance threshold.
    pub fn retrieve(&self, query: &str, query_embedding: &[f32], top_k: usize) -> Vec<ScoredEntry<'_>> {
        self.candidates(query, query_embedding)
            .into_iter()
            .take_while(|s| s.score >= self.calibration.relevant)
            .take(top_k)
            .collect()
    }

    /// BM25 alone, ordered by BM25 (for the evaluation; unthresholded).
    pub fn retrieve_bm25(&self, query: &str, top_k: usize) -> Vec<ScoredEntry<'_>> {
        let query_tokens = self.lexical.query_tokens(&clean_query(query));
        self.bm25_ranking(&query_tokens, top_k)
            .into_iter()
            .enumerate()
            .map(|(rank, (i, s))| {
                let lexical = s / (s + BM25_HALF);
                ScoredEntry {
                    entry: &self.entries[i],
                    score: lexical,
                    evidence: Evidence { cosine: 0.0, lexical, coverage: self.lexical.coverage(&query_tokens, i) },
                    bm25_rank: Some(rank),
                    vector_rank: None,
                }
            })
            .collect()
    }

    /// Vector similarity alone, ordered by cosine (for the evaluation; unthresholded).
    pub fn retrieve_vector(&self, query_embedding: &[f32], top_k: usize) -> Vec<ScoredEntry<'_>> {
        self.vector_ranking(query_embedding, top_k)
            .into_iter()
            .enumerate()
            .map(|(rank, (i, s))| ScoredEntry {
                entry: &self.entries[i],
                score: s,
                evidence: Evidence { cosine: s, ..Evidence::default() },
                bm25_rank: None,
                vector_rank: Some(rank),
            })
            .collect()
    }

    /// The FAQ the bot may answer with: the best-scored FAQ, if confident (see
    /// `Calibration::faq_answer`). A document chunk may score higher; the FAQ is still the better
    /// answer to a customer when it is confident.
    pub fn best_faq_answer(&self, query: &str, query_embedding: &[f32]) -> Option<ScoredEntry<'_>> {
        let mut faqs = self.candidates(query, query_embedding).into_iter().filter(|hit| hit.entry.kind == EntryKind::Faq);
        let best = faqs.next()?;
        // No runner-up is no evidence of a lead: the cosine alone must carry the decision.
        let second = faqs.next().map_or(best.evidence.cosine, |hit| hit.evidence.cosine);
        (self.calibration.answer_confidence(best.evidence.cosine, second) >= self.calibration.faq_answer).then_some(best)
    }

    /// The document passage the bot may quote: the best chunk among the top three, if confident.
    pub fn best_chunk(&self, query: &str, query_embedding: &[f32]) -> Option<ScoredEntry<'_>> {
        self.retrieve(query, query_embedding, 3)
            .into_iter()
            .find(|hit| hit.entry.kind == EntryKind::Chunk && hit.score >= self.calibration.chunk_answer)
    }
}

#[cfg(test)]
mod defect_tests {
    use super::*;
    use crate::knowledge::eval::load_seed_entries;
    use crate::knowledge::{Embedder, HashedNgramEmbedder};

    fn seed() -> HybridRetriever {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/seed");
        HybridRetriever::new(load_seed_entries(&dir, &HashedNgramEmbedder::default()).unwrap(), &HashedNgramEmbedder::default().space())
    }

    #[test]
    fn a_lone_faq_is_not_answered_for_lack_of_a_runner_up() {
        let e = HashedNgramEmbedder::default();
        let mut entry = crate::knowledge::eval::faq_entry(&crate::knowledge::eval::SeedFaq {
            faq_id: "refund".into(),
            question: "How long does a refund take?".into(),
            answer: "Refunds reach the original payment method within 3-5 business days.".into(),
            intent: "returns_refunds".into(),
            source: "test".into(),
        });
        entry.embedding = e.embed_text("How long does a refund take?");
        entry.embedding_space = e.space();
        // With a lead weight, as e5's calibration has: a half-similar question must not pass for
        // lack of a second FAQ to lead over.
        let r = HybridRetriever::with_calibration(vec![entry], &e.space(), E5_CALIBRATION);
        let near = "How long does a locker delivery take?";
        let cosine = best_cosine(&e.embed_text(near), &r.entries()[0].embedding);
        assert!((0.44..0.87).contains(&cosine), "{cosine}");
        assert!(r.best_faq_answer(near, &e.embed_text(near)).is_none());
        let q = "How long does a refund take?";
        assert!(r.best_faq_answer(q, &e.embed_text(q)).is_some());
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

    const NOISY: [&str; 4] = [
        "What is the return window? THANK YOU SO MUCH",
        "What is the return window? ref 88231-XK",
        "What is the retrun window?",
        "WHAT IS THE RETURN WINDOW",
    ];

    #[test]
    fn unknown_words_and_politeness_do_not_sink_a_match() {
        let r = seed();
        let e = HashedNgramEmbedder::default();
        let best = |q: &str| {
            let hits = r.candidates(q, &e.embed_text(&r.prepare_query(q)));
            let hit = hits.into_iter().find(|h| h.entry.kind == EntryKind::Faq).unwrap();
            (hit.entry.id.clone(), hit.score)
        };
        let (id, score) = best("What is the return window?");
        for q in NOISY {
            let (noisy_id, noisy_score) = best(q);
            assert_eq!(noisy_id, id, "{q}");
            assert!(noisy_score >= score - 0.05, "{q}: {noisy_score} against {score}");
        }
    }

    /// The bot's decision with the default embedder: answered before, answered with the noise.
    #[cfg(feature = "e5")]
    #[test]
    fn the_bot_still_answers_the_return_window_through_noise() {
        let model = crate::knowledge::e5::E5Model::load(&crate::knowledge::e5::default_model_path()).unwrap();
        let space = crate::knowledge::e5::E5Embedder::new(Default::default()).space();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/seed");
        let mut entries = crate::knowledge::eval::load_seed_knowledge(&dir).unwrap();
        for entry in entries.iter_mut() {
            let vectors = model.embed_blocking(&entry.passage_texts(), crate::knowledge::TextKind::Passage).unwrap();
            entry.embedding = vectors.into_iter().flatten().collect();
            entry.embedding_space = space.clone();
        }
        let r = HybridRetriever::new(entries, &space);
        // What the chat handler does: a confident FAQ, else a confident passage, else a failed turn.
        let decide = |q: &str| {
            let text = r.prepare_query(q);
            let v = model.embed_blocking(&[text], crate::knowledge::TextKind::Query).unwrap();
            r.best_faq_answer(q, &v[0]).or_else(|| r.best_chunk(q, &v[0])).map(|h| h.entry.id.clone())
        };
        let answered = decide("What is the return window?");
        assert!(
            answered.as_deref().is_some_and(|id| id == "faq-return-window" || id.starts_with("returns_and_refunds_policy.md#")),
            "{answered:?}"
        );
        for q in NOISY {
            assert_eq!(decide(q), answered, "{q}");
        }
    }
}
