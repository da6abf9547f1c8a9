//! Retrieval quality on the seed knowledge base, measured on customer phrasings that were written
//! apart from the FAQ texts (`infra/seed/eval/customer_phrasings.json`), split into a development
//! half (calibration) and a test half (the figures we report).
//!
//! For each method: the right FAQ ranked first, recall@5, MRR, the right FAQ *answered* (ranked
//! first and above the answer threshold), the same with noise appended, and false answers on
//! questions the shop cannot answer.

use super::{
    cosine, Calibration, EntryKind, Evidence, HashedNgramEmbedder, HybridRetriever, KnowledgeEntry,
    ScoredEntry,
};
pub use super::seed::{
    chunk_entries, faq_entry, load_documents, load_faqs, load_seed_entries, load_seed_knowledge, SeedError, SeedFaq,
};
use super::seed::read;
use serde::Deserialize;
use std::path::Path;

// ------------------------------------------------------------------ the evaluation set

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Dev,
    Test,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Paraphrase {
    pub query: String,
    pub expect_faq: String,
    pub split: Split,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Unrelated {
    pub query: String,
    pub split: Split,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EvalSet {
    pub paraphrases: Vec<Paraphrase>,
    pub unrelated: Vec<Unrelated>,
}

pub fn load_eval_set(seed_dir: &Path) -> Result<EvalSet, SeedError> {
    let path = seed_dir.join("eval/customer_phrasings.json");
    serde_json::from_str(&read(&path)?).map_err(|e| SeedError::Invalid(path.display().to_string(), e.to_string()))
}

fn is_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The noise a real message carries, one kind per variant: thanks shouted after the question, a
/// reference number, a typo, the whole message in capitals, a greeting in front.
pub fn noisy_variants(query: &str) -> Vec<String> {
    if is_chinese(query) {
        let bare = query.trim_end_matches(['？', '?', '。']);
        return vec![
            format!("{query}谢谢！！"),
            format!("{query} 单号SF1487720931"),
            format!("您好，请问{bare}？麻烦了"),
        ];
    }
    let mut out = vec![
        format!("{query} THANK YOU SO MUCH"),
        format!("{query} ref 88231-XK"),
        format!("Hi, {} thanks!", lower_first(query)),
        query.to_uppercase(),
    ];
    if let Some(typo) = with_typo(query) {
        out.push(typo);
    }
    out
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Two adjacent letters of the longest word swapped (the commonest typo).
fn with_typo(query: &str) -> Option<String> {
    let word = query.split_whitespace().filter(|w| w.chars().all(char::is_alphabetic)).max_by_key(|w| w.len())?;
    if word.len() < 5 {
        return None;
    }
    let mut chars: Vec<char> = word.chars().collect();
    let at = chars.len() / 2;
    chars.swap(at - 1, at);
    Some(query.replacen(word, &chars.into_iter().collect::<String>(), 1))
}

// ------------------------------------------------------------------ methods and metrics

/// A ranked list of entry ids with the score the method decides on.
pub type Ranking = Vec<(String, f32)>;

/// The measured figures of one method on one split.
#[derive(Debug, Clone, Copy, Default)]
pub struct MethodReport {
    pub right_first: f64,
    pub recall_at_5: f64,
    pub mrr: f64,
    /// The right FAQ ranked first and above the answer threshold.
    pub answered_right: f64,
    /// A wrong entry answered.
    pub answered_wrong: f64,
    /// Of the paraphrases answered right, the share whose noisy variants are all answered right too.
    pub noise_kept: f64,
    /// Of all noisy variants, the share answered right.
    pub noisy_answered_right: f64,
    pub false_answers: f64,
}

/// One method: how it ranks, and when it answers: `confidence` of its first entry at or above
/// `answer_threshold`.
pub struct Method<'a> {
    pub name: &'static str,
    pub rank: Box<dyn Fn(&str) -> Ranking + 'a>,
    pub answer: Answering,
}

/// The answer decision: the first entry's score plus `margin` times its lead over the second,
/// on the logit scale when the scores are probabilities (the hybrid's), at or above `threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answering {
    pub margin: f32,
    pub threshold: f32,
    pub logit: bool,
}

impl Answering {
    pub fn confidence(&self, ranking: &Ranking) -> f32 {
        let f = |s: f32| if self.logit { logit(s) } else { s };
        let Some((_, first)) = ranking.first() else { return f32::MIN };
        // No runner-up is no evidence of a lead.
        let second = ranking.get(1).map_or(*first, |(_, s)| *s);
        let value = f(*first) + self.margin * (f(*first) - f(second));
        if self.logit {
            1.0 / (1.0 + (-value).exp())
        } else {
            value
        }
    }
}

pub fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// A FAQ and its translation give the same answer: a Chinese question answered by the English
/// twin (or the reverse) is the right answer in the other language, counted as right.
const TWINS: &[(&str, &str)] = &[
    ("faq-zh-track", "faq-track-shipment"),
    ("faq-zh-refund-time", "faq-refund-time"),
    ("faq-zh-return", "faq-how-to-return"),
    ("faq-zh-cancel", "faq-cancel-order"),
    ("faq-zh-invoice", "faq-invoice-request"),
    ("faq-zh-payment", "faq-payment-methods"),
    ("faq-zh-double-charge", "faq-double-charge"),
    ("faq-zh-member", "faq-member-tiers"),
    ("faq-zh-points", "faq-member-points"),
    ("faq-zh-password", "faq-reset-password"),
    ("faq-zh-address", "faq-change-address"),
    ("faq-zh-shipping-fee", "faq-shipping-fee"),
];

pub fn is_right(expected: &str, id: &str) -> bool {
    id == expected || TWINS.iter().any(|(a, b)| (*a == expected && *b == id) || (*b == expected && *a == id))
}

fn answers<'r>(ranking: &'r Ranking, answer: &Answering) -> Option<&'r str> {
    ranking.first().filter(|_| answer.confidence(ranking) >= answer.threshold).map(|(id, _)| id.as_str())
}

pub fn measure(method: &Method<'_>, set: &EvalSet, split: Split) -> MethodReport {
    let mut r = MethodReport::default();
    let paraphrases: Vec<&Paraphrase> = set.paraphrases.iter().filter(|p| p.split == split).collect();
    let (mut noisy_total, mut right_total) = (0usize, 0usize);
    for p in &paraphrases {
        let ranking = (method.rank)(&p.query);
        let rank = ranking.iter().position(|(id, _)| is_right(&p.expect_faq, id));
        r.right_first += f64::from(rank == Some(0));
        r.recall_at_5 += f64::from(rank.is_some_and(|r| r < 5));
        r.mrr += rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0));
        match answers(&ranking, &method.answer) {
            Some(id) if is_right(&p.expect_faq, id) => {
                r.answered_right += 1.0;
                right_total += 1;
                let variants = noisy_variants(&p.query);
                let kept = variants
                    .iter()
                    .filter(|v| answers(&(method.rank)(v), &method.answer).is_some_and(|id| is_right(&p.expect_faq, id)))
                    .count();
                r.noise_kept += f64::from(kept == variants.len());
                r.noisy_answered_right += kept as f64;
                noisy_total += variants.len();
            }
            Some(_) => r.answered_wrong += 1.0,
            None => {
                let variants = noisy_variants(&p.query);
                r.noisy_answered_right += variants
                    .iter()
                    .filter(|v| answers(&(method.rank)(v), &method.answer).is_some_and(|id| is_right(&p.expect_faq, id)))
                    .count() as f64;
                noisy_total += variants.len();
            }
        }
    }
    let n = paraphrases.len().max(1) as f64;
    r.right_first /= n;
    r.recall_at_5 /= n;
    r.mrr /= n;
    r.answered_right /= n;
    r.answered_wrong /= n;
    r.noise_kept /= right_total.max(1) as f64;
    r.noisy_answered_right /= noisy_total.max(1) as f64;
    let unrelated: Vec<&Unrelated> = set.unrelated.iter().filter(|u| u.split == split).collect();
    let false_answers =
        unrelated.iter().filter(|u| answers(&(method.rank)(&u.query), &method.answer).is_some()).count();
    r.false_answers = false_answers as f64 / unrelated.len().max(1) as f64;
    r
}

pub fn markdown_table(rows: &[(&str, MethodReport)]) -> String {
    let mut out = String::from(
        "| method | right FAQ first | recall@5 | MRR | right FAQ answered | wrong answer | noise: still answered | noisy variants answered right | false answers (unrelated) |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (name, r) in rows {
        out.push_str(&format!(
            "| {name} | {:.1}% | {:.3} | {:.3} | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% |\n",
            r.right_first * 100.0,
            r.recall_at_5,
            r.mrr,
            r.answered_right * 100.0,
            r.answered_wrong * 100.0,
            r.noise_kept * 100.0,
            r.noisy_answered_right * 100.0,
            r.false_answers * 100.0
        ));
    }
    out
}

/// Hybrid ranking of FAQs and chunks: the bot's view (it answers only from the first, and only
/// from a FAQ; a chunk first is no FAQ answer).
pub fn hybrid_ranking(retriever: &HybridRetriever, query: &str, query_embedding: &[f32]) -> Ranking {
    faq_ids(retriever.candidates(query, query_embedding))
}

/// The hybrid's FAQ order, each FAQ with its cosine (for an answer decision on dense evidence).
pub fn hybrid_ranking_cosines(retriever: &HybridRetriever, query: &str, query_embedding: &[f32]) -> Ranking {
    retriever
        .candidates(query, query_embedding)
        .into_iter()
        .filter(|h| h.entry.kind == EntryKind::Faq)
        .take(10)
        .map(|h| (h.entry.id.clone(), h.evidence.cosine))
        .collect()
}

/// The hybrid's FAQ order with the bot's answer decision: the first FAQ carries the probability
/// that it is the right answer (`Calibration::answer_probability`), the rest their scores.
pub fn hybrid_answer_ranking(retriever: &HybridRetriever, query: &str, query_embedding: &[f32]) -> Ranking {
    let mut ranking = hybrid_ranking(retriever, query, query_embedding);
    if let Some((best, evidence)) = retriever.best_faq(query, query_embedding) {
        debug_assert_eq!(ranking.first().map(|(id, _)| id.as_str()), Some(best.entry.id.as_str()));
        ranking[0].1 = retriever.calibration().answer_probability(&evidence);
    }
    ranking
}

pub fn bm25_ranking(retriever: &HybridRetriever, query: &str) -> Ranking {
    faq_ids(retriever.retrieve_bm25(query, 60))
}

pub fn dense_ranking(retriever: &HybridRetriever, query_embedding: &[f32]) -> Ranking {
    faq_ids(retriever.retrieve_vector(query_embedding, 60))
}

/// The FAQ ranking the bot answers from (document chunks are its second resort).
fn faq_ids(hits: Vec<ScoredEntry<'_>>) -> Ranking {
    hits.into_iter().filter(|h| h.entry.kind == EntryKind::Faq).take(10).map(|h| (h.entry.id.clone(), h.score)).collect()
}

// ------------------------------------------------------------------ calibration on the dev split

/// One answer decision on the dev split: what a threshold would do for this query.
struct Decision {
    score: f32,
    right: bool,
    unrelated: bool,
}

/// The answer decision for a ranking method, from the dev split: for each margin weight, the
/// threshold that maximises right answers minus wrong answers minus twice the false answers on
/// unrelated questions (a wrong or false answer costs a customer more than an escalation); the
/// best pair wins.
pub fn fit_answering(rank: &dyn Fn(&str) -> Ranking, set: &EvalSet, logit: bool) -> Answering {
    fit_with_margins(rank, set, logit, &[0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0])
}

/// The score threshold alone (no margin), for passages and for recommendations.
pub fn fit_threshold(rank: &dyn Fn(&str) -> Ranking, set: &EvalSet, logit: bool) -> f32 {
    fit_with_margins(rank, set, logit, &[0.0]).threshold
}

fn fit_with_margins(rank: &dyn Fn(&str) -> Ranking, set: &EvalSet, logit: bool, margins: &[f32]) -> Answering {
    // Rank every dev query once; the decision is then a function of each ranking.
    let mut rankings: Vec<(Ranking, Option<&str>)> = Vec::new();
    for p in set.paraphrases.iter().filter(|p| p.split == Split::Dev) {
        for query in std::iter::once(p.query.clone()).chain(noisy_variants(&p.query)) {
            rankings.push((rank(&query), Some(p.expect_faq.as_str())));
        }
    }
    let paraphrase_count = rankings.len().max(1) as f64;
    let unrelated: Vec<&Unrelated> = set.unrelated.iter().filter(|u| u.split == Split::Dev).collect();
    for u in &unrelated {
        rankings.push((rank(&u.query), None));
    }
    let unrelated_count = unrelated.len().max(1) as f64;
    let mut best = (f64::MIN, Answering { margin: 0.0, threshold: f32::MAX, logit });
    for &margin in margins {
        let probe = Answering { margin, threshold: 0.0, logit };
        let decisions: Vec<Decision> = rankings
            .iter()
            .filter_map(|(ranking, expect)| {
                let (id, _) = ranking.first()?;
                Some(Decision {
                    score: probe.confidence(ranking),
                    right: expect.is_some_and(|e| is_right(e, id)),
                    unrelated: expect.is_none(),
                })
            })
            .collect();
        let mut scores: Vec<f32> = decisions.iter().map(|d| d.score).collect();
        scores.sort_by(f32::total_cmp);
        scores.dedup();
        // Thresholds halfway between neighbouring scores: no decision sits on the boundary.
        let candidates: Vec<f32> = scores.windows(2).map(|w| (w[0] + w[1]) / 2.0).chain(scores.last().map(|l| l + 1e-3)).collect();
        for t in candidates {
            let (mut right, mut wrong, mut false_answers) = (0.0, 0.0, 0.0);
            for d in decisions.iter().filter(|d| d.score >= t) {
                match (d.unrelated, d.right) {
                    (true, _) => false_answers += 1.0,
                    (false, true) => right += 1.0,
                    (false, false) => wrong += 1.0,
                }
            }
            let utility = right / paraphrase_count - wrong / paraphrase_count - 2.0 * false_answers / unrelated_count;
            if utility > best.0 + 1e-9 {
                best = (utility, Answering { margin, threshold: t, logit });
            }
        }
    }
    best.1
}

/// With `combined`, the one feature is the retriever's own score before the sigmoid (its
/// weights' linear part), and the fit is a scale and a bias on it.
pub fn fit_weights(
    retriever: &HybridRetriever,
    set: &EvalSet,
    embed_query: &dyn Fn(&str) -> Vec<f32>,
    combined: bool,
) -> [f32; 5] {
    let [wc, wl, wv, wx, _] = retriever.calibration().weights;
    let mut examples: Vec<([f32; 4], f32)> = Vec::new();
    let mut add = |query: &str, expect: Option<&str>| {
        let embedding = embed_query(query);
        for hit in retriever.candidates(query, &embedding).into_iter().take(20) {
            let label = f32::from(expect.is_some_and(|e| is_right(e, &hit.entry.id)));
            let x = features(&hit.evidence);
            let x = if combined { [wc * x[0] + wl * x[1] + wv * x[2] + wx * x[3], 0.0, 0.0, 0.0] } else { x };
            examples.push((x, label));
        }
    };
    for p in set.paraphrases.iter().filter(|p| p.split == Split::Dev) {
        add(&p.query, Some(&p.expect_faq));
        for v in noisy_variants(&p.query) {
            add(&v, Some(&p.expect_faq));
        }
    }
    for u in set.unrelated.iter().filter(|u| u.split == Split::Dev) {
        add(&u.query, None);
    }
    logistic_regression(&examples)
}

fn features(e: &Evidence) -> [f32; 4] {
    [e.cosine, e.lexical, e.coverage, e.lexical * e.coverage]
}

/// Logistic regression by Newton's method (five parameters: exact and fast), positives weighted
/// to balance the classes, with a little L2 on the weights.
fn logistic_regression(examples: &[([f32; 4], f32)]) -> [f32; 5] {
    let positives = examples.iter().filter(|(_, y)| *y > 0.5).count().max(1) as f64;
    let negatives = (examples.len() as f64 - positives).max(1.0);
    let pos_weight = negatives / positives;
    let mut w = [0.0f64; 5];
    for _ in 0..50 {
        let mut grad = [0.0f64; 5];
        let mut hess = [[0.0f64; 5]; 5];
        for (x, y) in examples {
            let x = [x[0] as f64, x[1] as f64, x[2] as f64, x[3] as f64, 1.0];
            let z: f64 = (0..5).map(|k| w[k] * x[k]).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let weight = if *y > 0.5 { pos_weight } else { 1.0 };
            for i in 0..5 {
                grad[i] += weight * (p - *y as f64) * x[i];
                for j in 0..5 {
                    hess[i][j] += weight * p * (1.0 - p) * x[i] * x[j];
                }
            }
        }
        for i in 0..4 {
            grad[i] += 1e-2 * w[i];
            hess[i][i] += 1e-2;
        }
        let step = solve(hess, grad);
        for k in 0..5 {
            w[k] -= step[k];
        }
        if step.iter().map(|s| s.abs()).fold(0.0, f64::max) < 1e-6 {
            break;
        }
    }
    [w[0] as f32, w[1] as f32, w[2] as f32, w[3] as f32, w[4] as f32]
}

/// Gaussian elimination with partial pivoting.
fn solve(mut a: [[f64; 5]; 5], mut b: [f64; 5]) -> [f64; 5] {
    for col in 0..5 {
        let pivot = (col..5).max_by(|i, j| a[*i][col].abs().total_cmp(&a[*j][col].abs())).unwrap();
        a.swap(col, pivot);
        b.swap(col, pivot);
        if a[col][col].abs() < 1e-12 {
            continue;
        }
        let pivot_row = a[col];
        for row in col + 1..5 {
            let f = a[row][col] / pivot_row[col];
            for (value, pivot_value) in a[row].iter_mut().zip(&pivot_row).skip(col) {
                *value -= f * pivot_value;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 5];
    for row in (0..5).rev() {
        let s: f64 = (row + 1..5).map(|k| a[row][k] * x[k]).sum();
        x[row] = if a[row][row].abs() < 1e-12 { 0.0 } else { (b[row] - s) / a[row][row] };
    }
    x
}

/// A full calibration from the dev split. The order comes from cosine + α x (BM25 x coverage),
/// with α chosen for the best MRR on dev (a logistic fit over all candidates optimises the wrong
/// thing: telling easy negatives apart, not putting the right FAQ first); the logistic fit then
/// turns that one number into a probability, and the thresholds are chosen on it.
pub fn calibrate(
    entries: &[KnowledgeEntry],
    space: &str,
    set: &EvalSet,
    embed_query: &dyn Fn(&str) -> Vec<f32>,
) -> Calibration {
    let probe =
        Calibration { weights: [1.0, 0.0, 0.0, 0.0, 0.0], relevant: 0.0, answer_weights: [0.0; 5], faq_answer: 0.0, chunk_answer: 0.0 };
    let mut best = (f64::MIN, 0.0f32);
    for alpha in [0.0f32, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.3, 0.5] {
        let c = Calibration { weights: [1.0, 0.0, 0.0, alpha, 0.0], ..probe };
        let retriever = HybridRetriever::with_calibration(entries.to_vec(), space, c);
        let method = Method {
            name: "probe",
            rank: Box::new(|q: &str| hybrid_ranking(&retriever, q, &embed_query(q))),
            answer: Answering { margin: 0.0, threshold: 1.0, logit: true },
        };
        let mrr = measure(&method, set, Split::Dev).mrr;
        if mrr > best.0 + 1e-9 {
            best = (mrr, alpha);
        }
    }
    let alpha = best.1;
    let combined = Calibration { weights: [1.0, 0.0, 0.0, alpha, 0.0], ..probe };
    let retriever = HybridRetriever::with_calibration(entries.to_vec(), space, combined);
    let [a, _, _, _, b] = fit_weights(&retriever, set, &|q| embed_query(q), true);
    let weights = [a, 0.0, 0.0, a * alpha, b];
    let fitted = Calibration { weights, ..probe };
    let retriever = HybridRetriever::with_calibration(entries.to_vec(), space, fitted);
    let rank = |q: &str| hybrid_ranking(&retriever, q, &embed_query(q));
    let score_alone = fit_threshold(&rank, set, true);
    let (answer_weights, faq_answer) = fit_answer_decision(&retriever, set, embed_query).chosen;
    Calibration {
        weights,
        // Agents see suggestions somewhat below what the bot would say to a customer.
        relevant: (score_alone * 0.5).max(0.05),
        answer_weights,
        faq_answer,
        // A passage is quoted on its score alone, when no FAQ is answered.
        chunk_answer: score_alone,
    }
}

/// One dev query's best FAQ: its evidence, and whether answering with it is right, wrong, or a
/// false answer to an unrelated question.
struct AnswerExample {
    features: [f32; 4],
    right: bool,
    unrelated: bool,
}

/// The answer decisions fitted on dev, each with its dev utility (right minus wrong answers over
/// the paraphrases and their noisy variants, minus twice the false answers over the unrelated
/// questions).
pub struct AnswerFit {
    /// The logistic model (`fit_answer_weights`) at its best threshold.
    pub logistic: ([f32; 5], f32, f64),
    /// The best linear rule cosine + m x cosine lead + k x BM25 coverage + s x score lead over a
    /// small grid, at its best threshold.
    pub linear: ([f32; 5], f32, f64),
    /// The one of the two with the higher dev utility: weights and threshold for `Calibration`.
    pub chosen: ([f32; 5], f32),
}

fn answer_examples(retriever: &HybridRetriever, set: &EvalSet, embed_query: &dyn Fn(&str) -> Vec<f32>) -> (Vec<AnswerExample>, f64, f64) {
    let mut examples = Vec::new();
    let mut add = |query: &str, expect: Option<&str>| {
        if let Some((best, evidence)) = retriever.best_faq(query, &embed_query(query)) {
            examples.push(AnswerExample {
                features: evidence.features(),
                right: expect.is_some_and(|e| is_right(e, &best.entry.id)),
                unrelated: expect.is_none(),
            });
        }
    };
    let mut paraphrases = 0usize;
    for p in set.paraphrases.iter().filter(|p| p.split == Split::Dev) {
        add(&p.query, Some(&p.expect_faq));
        paraphrases += 1;
        for v in noisy_variants(&p.query) {
            add(&v, Some(&p.expect_faq));
            paraphrases += 1;
        }
    }
    let unrelated: Vec<&Unrelated> = set.unrelated.iter().filter(|u| u.split == Split::Dev).collect();
    for u in &unrelated {
        add(&u.query, None);
    }
    (examples, paraphrases.max(1) as f64, unrelated.len().max(1) as f64)
}

/// The answer decision's logistic weights, from the dev split: every dev query (paraphrases,
/// their noisy variants, unrelated questions) gives its best FAQ's `AnswerEvidence`, labelled
/// by whether that FAQ is the right answer.
pub fn fit_answer_weights(retriever: &HybridRetriever, set: &EvalSet, embed_query: &dyn Fn(&str) -> Vec<f32>) -> [f32; 5] {
    let (examples, _, _) = answer_examples(retriever, set, embed_query);
    let labelled: Vec<([f32; 4], f32)> = examples.iter().map(|e| (e.features, f32::from(e.right))).collect();
    logistic_regression(&labelled)
}

/// The threshold on `confidence` with the best utility, and that utility.
fn best_threshold(examples: &[AnswerExample], confidence: &dyn Fn(&[f32; 4]) -> f32, paraphrases: f64, unrelated: f64) -> (f32, f64) {
    let mut scored: Vec<(f32, &AnswerExample)> = examples.iter().map(|e| (confidence(&e.features), e)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    // Answer the best-scored first: the utility of each cut, between two neighbouring scores.
    let (mut utility, mut best) = (0.0f64, (scored.first().map_or(f32::MAX, |s| s.0 + 1e-3), 0.0f64));
    for (i, (score, e)) in scored.iter().enumerate() {
        utility += match (e.unrelated, e.right) {
            (true, _) => -2.0 / unrelated,
            (false, true) => 1.0 / paraphrases,
            (false, false) => -1.0 / paraphrases,
        };
        let next = scored.get(i + 1).map(|n| n.0);
        if next.is_some_and(|n| n == *score) {
            continue;
        }
        if utility > best.1 + 1e-9 {
            best = (next.map_or(score - 1e-3, |n| (score + n) / 2.0), utility);
        }
    }
    best
}

/// The answer decision, from the dev split: the logistic model, and a small grid of linear rules
/// each at its best threshold; the higher dev utility is chosen. Both end as logistic weights and
/// a threshold on `Calibration::answer_probability`.
pub fn fit_answer_decision(retriever: &HybridRetriever, set: &EvalSet, embed_query: &dyn Fn(&str) -> Vec<f32>) -> AnswerFit {
    let (examples, paraphrases, unrelated) = answer_examples(retriever, set, embed_query);
    let w = fit_answer_weights(retriever, set, embed_query);
    let probability = |x: &[f32; 4]| {
        let z = x.iter().zip(&w).map(|(x, w)| x * w).sum::<f32>() + w[4];
        1.0 / (1.0 + (-z).exp())
    };
    let (threshold, utility) = best_threshold(&examples, &probability, paraphrases, unrelated);
    let logistic = (w, threshold, utility);
    let mut linear = ([0.0f32; 5], 0.5f32, f64::MIN);
    for m in [0.0f32, 0.25, 0.5, 1.0, 2.0] {
        for k in [0.0f32, 0.05, 0.1, 0.2] {
            for s in [0.0f32, 0.02, 0.05] {
                let d = [1.0, m, k, s];
                let value = |x: &[f32; 4]| x.iter().zip(&d).map(|(x, d)| x * d).sum::<f32>();
                let (t, u) = best_threshold(&examples, &value, paraphrases, unrelated);
                if u > linear.2 + 1e-9 {
                    // As logistic weights: sigmoid(SCALE x (value - t)) >= 0.5 exactly when value >= t.
                    const SCALE: f32 = 20.0;
                    linear = ([SCALE, SCALE * m, SCALE * k, SCALE * s, -SCALE * t], 0.5, u);
                }
            }
        }
    }
    let chosen = if logistic.2 >= linear.2 { (logistic.0, logistic.1) } else { (linear.0, linear.1) };
    AnswerFit { logistic, linear, chosen }
}

/// For tests: the cosine of two texts under the hashed embedder.
pub fn hashed_similarity(a: &str, b: &str) -> f32 {
    let e = HashedNgramEmbedder::default();
    cosine(&e.embed_text(a), &e.embed_text(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Embedder;

    fn seed_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/seed")
    }

    #[test]
    fn the_seed_knowledge_base_is_big_enough_and_well_formed() {
        let faqs = load_faqs(&seed_dir()).unwrap();
        assert!(faqs.len() >= 40, "{} FAQs", faqs.len());
        let chinese = faqs.iter().filter(|f| is_chinese(&f.question)).count();
        assert!(chinese >= 5 && chinese * 2 < faqs.len(), "{chinese} Chinese FAQs");
        let mut ids: Vec<&str> = faqs.iter().map(|f| f.faq_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), faqs.len(), "FAQ ids are unique");
        assert!(load_documents(&seed_dir()).unwrap().len() >= 5);
    }

    #[test]
    fn the_evaluation_set_is_large_split_and_labelled_with_real_faqs() {
        let set = load_eval_set(&seed_dir()).unwrap();
        let faqs: Vec<String> = load_faqs(&seed_dir()).unwrap().into_iter().map(|f| f.faq_id).collect();
        assert!(set.paraphrases.len() + set.unrelated.len() >= 200);
        assert!(set.unrelated.len() >= 40);
        for p in &set.paraphrases {
            assert!(faqs.contains(&p.expect_faq), "{}: unknown FAQ {}", p.query, p.expect_faq);
        }
        let chinese = set.paraphrases.iter().filter(|p| is_chinese(&p.query)).count();
        assert!(chinese >= 30, "{chinese} Chinese paraphrases");
        for split in [Split::Dev, Split::Test] {
            assert!(set.paraphrases.iter().filter(|p| p.split == split).count() >= 60);
            assert!(set.unrelated.iter().filter(|u| u.split == split).count() >= 20);
        }
        let mut queries: Vec<&str> = set.paraphrases.iter().map(|p| p.query.as_str()).collect();
        queries.extend(set.unrelated.iter().map(|u| u.query.as_str()));
        let n = queries.len();
        queries.sort();
        queries.dedup();
        assert_eq!(queries.len(), n, "no query twice");
    }

    #[test]
    fn noise_is_deterministic_and_keeps_the_question() {
        let v = noisy_variants("How many days do I have to return an item?");
        assert_eq!(v, noisy_variants("How many days do I have to return an item?"));
        assert!(v.iter().all(|n| n.to_lowercase().contains("days")));
        assert!(v.iter().any(|n| n.contains("THANK YOU SO MUCH")));
        assert_eq!(noisy_variants("退款多久到账？").len(), 3);
    }

    #[test]
    fn the_hashed_fallback_still_ranks_close_phrasings() {
        let embedder = HashedNgramEmbedder::default();
        let retriever = HybridRetriever::new(load_seed_entries(&seed_dir(), &embedder).unwrap(), &embedder.space());
        let q = "How long does a refund take?";
        assert_eq!(retriever.best_faq_answer(q, &embedder.embed_text(q)).unwrap().entry.id, "faq-refund-time");
        assert!(hashed_similarity("refund time", "how long does a refund take") > 0.2);
    }
}
