//! Retrieval quality, side by side: hashed n-grams (the old local embedder, hybrid), BM25 alone,
//! the e5 model alone, and the hybrid of BM25 and e5, on the customer phrasings of
//! `infra/seed/eval/customer_phrasings.json` (dev split and test split), and, when
//! DYNAMODB_ENDPOINT is set, the bot's end-to-end answers through the chat handler.
//!
//!     cargo run --release -p workbench-local --features e5 --bin eval-retrieval [-- --calibrate]
//!
//! `--calibrate` fits the hybrid weights and thresholds on the dev split (for e5 and for hashed
//! n-grams) and prints them as the constants of `knowledge/retriever.rs`; the tables then use them.

use lambda_http::Body;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::knowledge::eval::{self, Answering, EvalSet, Method, Split};
use workbench::knowledge::{
    Calibration, Embedder, HashedNgramEmbedder, HybridRetriever, KnowledgeEntry, TextKind,
    E5_CALIBRATION, HASHED_CALIBRATION,
};
use workbench::store::Store;
use workbench::{routes, App, Endpoint};
use workbench_local::latency::{ms, stats};

/// Query vectors, embedded once per distinct query (queries and their noisy variants).
struct QueryVectors(HashMap<String, Vec<f32>>);

impl QueryVectors {
    /// Each query as the handlers embed it: `HybridRetriever::prepare_query` (cleaned and
    /// spelling-corrected against the knowledge base's words).
    async fn new(embedder: &dyn Embedder, set: &EvalSet, words: &HybridRetriever) -> Result<Self, Box<dyn std::error::Error>> {
        let mut queries: Vec<String> = Vec::new();
        for p in &set.paraphrases {
            queries.push(p.query.clone());
            queries.extend(eval::noisy_variants(&p.query));
        }
        queries.extend(set.unrelated.iter().map(|u| u.query.clone()));
        queries.sort();
        queries.dedup();
        let cleaned: Vec<String> = queries.iter().map(|q| words.prepare_query(q)).collect();
        let mut vectors = Vec::with_capacity(queries.len());
        for batch in cleaned.chunks(32) {
            vectors.extend(embedder.embed(batch, TextKind::Query).await?);
        }
        Ok(QueryVectors(queries.into_iter().zip(vectors).collect()))
    }

    fn get(&self, query: &str) -> Vec<f32> {
        self.0.get(query).cloned().unwrap_or_else(|| panic!("no vector for {query:?}"))
    }
}

async fn embedded(entries: &[KnowledgeEntry], embedder: &dyn Embedder) -> Result<Vec<KnowledgeEntry>, Box<dyn std::error::Error>> {
    let mut entries = entries.to_vec();
    workbench::knowledge::embed_entries(embedder, &mut entries).await?;
    Ok(entries)
}

fn print_calibration(name: &str, c: &Calibration) {
    let w = c.weights;
    println!(
        "pub const {name}: Calibration = Calibration {{\n    weights: [{:.3}, {:.3}, {:.3}, {:.3}, {:.3}],\n    relevant: {:.4},\n    faq_answer: {:.4},\n    answer_margin: {:.2},\n    chunk_answer: {:.4},\n}};",
        w[0], w[1], w[2], w[3], w[4], c.relevant, c.faq_answer, c.answer_margin, c.chunk_answer
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calibrate = std::env::args().any(|a| a == "--calibrate");
    let seed = Path::new("infra/seed");
    let set = eval::load_eval_set(seed)?;
    let knowledge = eval::load_seed_knowledge(seed)?;

    let model = workbench::app::local_model_embedder()?;
    let hashed = HashedNgramEmbedder::default();
    let started = Instant::now();
    let model_entries = embedded(&knowledge, model.as_ref()).await?;
    let passages_time = started.elapsed();
    let hashed_entries = embedded(&knowledge, &hashed).await?;
    let started = Instant::now();
    let words = HybridRetriever::new(knowledge.clone(), "");
    let model_vectors = QueryVectors::new(model.as_ref(), &set, &words).await?;
    let per_query = started.elapsed() / model_vectors.0.len() as u32;
    let hashed_vectors = QueryVectors::new(&hashed, &set, &words).await?;
    eprintln!(
        "embedded {} passages in {} ms and {} queries at {} ms each",
        model_entries.len(),
        passages_time.as_millis(),
        model_vectors.0.len(),
        ms(per_query)
    );

    let (e5_calibration, hashed_calibration) = if calibrate {
        let e5 = eval::calibrate(&model_entries, &model.space(), &set, &|q| model_vectors.get(q));
        let h = eval::calibrate(&hashed_entries, &hashed.space(), &set, &|q| hashed_vectors.get(q));
        println!("Fitted on the dev split:\n");
        print_calibration("E5_CALIBRATION", &e5);
        print_calibration("HASHED_CALIBRATION", &h);
        println!();
        (e5, h)
    } else {
        (E5_CALIBRATION, HASHED_CALIBRATION)
    };

    let hybrid = HybridRetriever::with_calibration(model_entries.clone(), &model.space(), e5_calibration);
    let hashed_hybrid = HybridRetriever::with_calibration(hashed_entries.clone(), &hashed.space(), hashed_calibration);
    // The single methods get their own answer thresholds, fitted on the dev split the same way.
    let bm25_answer = eval::fit_answering(&|q: &str| eval::bm25_ranking(&hybrid, q), &set, false);
    let dense_answer = eval::fit_answering(&|q: &str| eval::dense_ranking(&hybrid, &model_vectors.get(q)), &set, false);
    // The bot's decision: the hybrid's best FAQ, answered on its cosine and lead (see Calibration).
    let answering = |c: &Calibration| Answering { margin: c.answer_margin, threshold: c.faq_answer, logit: false };
    let methods = [
        Method {
            name: "hashed n-grams (hybrid)",
            rank: Box::new(|q: &str| eval::hybrid_ranking_cosines(&hashed_hybrid, q, &hashed_vectors.get(q))),
            answer: answering(&hashed_calibration),
        },
        Method { name: "BM25 only", rank: Box::new(|q: &str| eval::bm25_ranking(&hybrid, q)), answer: bm25_answer },
        Method {
            name: "e5 dense only",
            rank: Box::new(|q: &str| eval::dense_ranking(&hybrid, &model_vectors.get(q))),
            answer: dense_answer,
        },
        Method {
            name: "hybrid (BM25 + e5)",
            rank: Box::new(|q: &str| eval::hybrid_ranking_cosines(&hybrid, q, &model_vectors.get(q))),
            answer: answering(&e5_calibration),
        },
    ];
    if std::env::args().any(|a| a == "--misses") {
        // The dev paraphrases the hybrid does not rank first, with what it ranks instead.
        for p in set.paraphrases.iter().filter(|p| p.split == Split::Dev) {
            let ranking = eval::hybrid_ranking(&hybrid, &p.query, &model_vectors.get(&p.query));
            if !ranking.first().is_some_and(|(id, _)| eval::is_right(&p.expect_faq, id)) {
                let top: Vec<String> = ranking.iter().take(3).map(|(id, s)| format!("{id} {s:.3}")).collect();
                println!("{} [{}] -> {}", p.query, p.expect_faq, top.join(", "));
            }
        }
        return Ok(());
    }
    if std::env::args().any(|a| a == "--list") {
        // Every test paraphrase with the hybrid's verdict: answered right, wrong, or not answered.
        for p in set.paraphrases.iter().filter(|p| p.split == Split::Test) {
            let ranking = eval::hybrid_ranking_cosines(&hybrid, &p.query, &model_vectors.get(&p.query));
            let (id, score) = ranking.first().cloned().unwrap_or_default();
            let answered = answering(&e5_calibration).confidence(&ranking) >= e5_calibration.faq_answer;
            let verdict = match (answered, eval::is_right(&p.expect_faq, &id)) {
                (true, true) => "answered",
                (true, false) => "WRONG",
                (false, true) => "first, below threshold",
                (false, false) => "missed",
            };
            println!("{verdict:>24} {score:.3} {} [{}] -> {id}", p.query, p.expect_faq);
        }
        for u in &set.unrelated {
            let ranking = eval::hybrid_ranking_cosines(&hybrid, &u.query, &model_vectors.get(&u.query));
            let confidence = answering(&e5_calibration).confidence(&ranking);
            if confidence >= e5_calibration.faq_answer {
                println!("FALSE ANSWER ({:?}) {confidence:.3} {} -> {:?}", u.split, u.query, &ranking[..ranking.len().min(2)]);
            }
        }
        return Ok(());
    }
    for (split, label) in [(Split::Test, "test"), (Split::Dev, "dev")] {
        let paraphrases = set.paraphrases.iter().filter(|p| p.split == split).count();
        let unrelated = set.unrelated.iter().filter(|u| u.split == split).count();
        println!("### {label} split: {paraphrases} paraphrases (each with its noisy variants), {unrelated} unrelated questions\n");
        let rows: Vec<(&str, eval::MethodReport)> = methods.iter().map(|m| (m.name, eval::measure(m, &set, split))).collect();
        println!("{}", eval::markdown_table(&rows));
    }
    println!(
        "Answer decisions (margin weight, threshold), fitted on dev: hashed ({:.2}, {:.3}) on cosine, BM25 ({:.2}, {:.3}) on saturated BM25, \
         dense ({:.2}, {:.3}) on cosine, hybrid ({:.2}, {:.3}) on the cosine of its best FAQ.\n",
        hashed_calibration.answer_margin,
        hashed_calibration.faq_answer,
        bm25_answer.margin,
        bm25_answer.threshold,
        dense_answer.margin,
        dense_answer.threshold,
        e5_calibration.answer_margin,
        e5_calibration.faq_answer
    );

    if let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") {
        println!("### End to end through the chat handler (test split, a new session per message)\n");
        println!("| embedder | right FAQ answered | noisy variants answered right | answered wrong | false answers (unrelated) | chat turn p50 ms | p99 ms |");
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        let hashed: Arc<dyn Embedder> = Arc::new(HashedNgramEmbedder::default());
        for (name, embedder) in [("hashed n-grams", hashed), ("e5 (hybrid)", model.clone())] {
            let row = end_to_end(&endpoint, embedder, &set, &knowledge).await?;
            println!("| {name} | {row} |");
        }
    }
    Ok(())
}

/// Seeds a fresh table with the knowledge base embedded by `embedder`, then sends every test
/// phrasing (and its noisy variants, and the unrelated questions) as a customer's first message.
async fn end_to_end(
    endpoint: &str,
    embedder: Arc<dyn Embedder>,
    set: &EvalSet,
    knowledge: &[KnowledgeEntry],
) -> Result<String, Box<dyn std::error::Error>> {
    const KEY: &str = "eval-key";
    let table = format!("eval-{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(workbench::app::local_dynamodb_client(endpoint), table);
    store.create_table_if_missing().await?;
    let app = App::new(store.clone(), Config::new(store.table(), ApiKeys::parse(KEY))).with_embedder(embedder.clone());
    let entries = embedded(knowledge, embedder.as_ref()).await?;
    let (faqs, chunks): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.kind == workbench::knowledge::EntryKind::Faq);
    store.import_faqs(&faqs, app.now()).await?;
    let mut by_source: HashMap<String, Vec<KnowledgeEntry>> = HashMap::new();
    for chunk in chunks {
        by_source.entry(chunk.source.clone()).or_default().push(chunk);
    }
    for (source, chunks) in by_source {
        store.replace_document(&source, &chunks, app.now()).await?;
    }
    let answer_of: HashMap<&str, &str> = faqs.iter().map(|f| (f.id.as_str(), f.content.as_str())).collect();
    let mut timings: Vec<Duration> = Vec::new();
    let mut user = 0usize;
    let mut ask = |message: String| {
        user += 1;
        let app = &app;
        let user_id = format!("u_eval_{user}");
        async move {
            let body = serde_json::json!({ "user_id": user_id, "message": message }).to_string();
            let req = lambda_http::http::Request::builder()
                .method("POST")
                .header("x-api-key", KEY)
                .header("content-type", "application/json")
                .body(Body::Text(body))
                .unwrap();
            let started = Instant::now();
            let response = routes::handle(app, Endpoint::Chat, req).await;
            let elapsed = started.elapsed();
            let reply: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap_or_default();
            let answered = reply["sources"].as_array().is_some_and(|s| !s.is_empty());
            (answered, reply["reply"].as_str().unwrap_or_default().to_string(), elapsed)
        }
    };
    let (mut right, mut wrong, mut total, mut noisy_right, mut noisy_total) = (0, 0, 0, 0, 0);
    for p in set.paraphrases.iter().filter(|p| p.split == Split::Test) {
        let accepted: Vec<&str> =
            answer_of.iter().filter(|(id, _)| eval::is_right(&p.expect_faq, id)).map(|(_, a)| *a).collect();
        let (answered, reply, elapsed) = ask(p.query.clone()).await;
        timings.push(elapsed);
        total += 1;
        if answered && accepted.contains(&reply.as_str()) {
            right += 1;
        } else if answered {
            wrong += 1;
        }
        for variant in eval::noisy_variants(&p.query) {
            let (answered, reply, elapsed) = ask(variant).await;
            timings.push(elapsed);
            noisy_total += 1;
            noisy_right += usize::from(answered && accepted.contains(&reply.as_str()));
        }
    }
    let unrelated: Vec<_> = set.unrelated.iter().filter(|u| u.split == Split::Test).collect();
    let mut false_answers = 0;
    for u in &unrelated {
        let (answered, _, elapsed) = ask(u.query.clone()).await;
        timings.push(elapsed);
        false_answers += usize::from(answered);
    }
    let latency = stats(timings);
    let pct = |a: usize, b: usize| format!("{:.1}%", 100.0 * a as f64 / b.max(1) as f64);
    Ok(format!(
        "{} ({right}/{total}) | {} | {} | {} ({false_answers}/{}) | {} | {}",
        pct(right, total),
        pct(noisy_right, noisy_total),
        pct(wrong, total),
        pct(false_answers, unrelated.len()),
        unrelated.len(),
        ms(latency.p50),
        ms(latency.p99)
    ))
}
