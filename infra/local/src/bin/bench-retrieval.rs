//! Retrieval speed at 10,000 chunks: index build time from stored vectors (nothing is embedded
//! at build), query p50/p99 in-process including the query's embedding, and the memory the index
//! takes. `cargo run --release -p workbench-local --features e5 --bin bench-retrieval`.
//!
//! The stored vectors are 384-dimensional like e5's (deterministic hashed vectors stand in for
//! them: embedding 10,000 chunks with the model takes minutes and changes nothing about the
//! build or the scan); queries are embedded by the configured embedder, the model by default.

use std::path::Path;
use std::time::Instant;
use workbench_local::latency::percentile;
use workbench::knowledge::{eval, Embedder, EntryKind, HashedNgramEmbedder, HybridRetriever, KnowledgeEntry, TextKind};

const CHUNKS: usize = 10_000;
const QUERIES: usize = 1_000;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = Path::new("infra/seed");
    let query_embedder = workbench::app::embedder_for_command().await?;
    let space = query_embedder.space();
    let embedder = HashedNgramEmbedder::with_dimensions(query_embedder.dimensions());
    // Sentences of the seed knowledge base, recombined into varied chunks with their own ids.
    let mut sentences: Vec<String> = Vec::new();
    for faq in eval::load_faqs(seed)? {
        sentences.push(faq.question);
        sentences.extend(faq.answer.split_inclusive(['.', '。']).map(|s| s.trim().to_string()));
    }
    for (_, doc) in eval::load_documents(seed)? {
        sentences.extend(doc.split_inclusive(['.', '。']).map(|s| s.trim().to_string()).filter(|s| s.len() > 20));
    }
    let texts: Vec<String> = (0..CHUNKS)
        .map(|n| {
            let pick = |k: usize| sentences[(n * 7 + k * 13 + n / 3) % sentences.len()].as_str();
            format!("Order ORD-{n:05} note. {} {} {} {}", pick(0), pick(1), pick(2), pick(3))
        })
        .collect();
    let embed_started = Instant::now();
    let entries: Vec<KnowledgeEntry> = texts
        .iter()
        .enumerate()
        .map(|(n, text)| KnowledgeEntry {
            id: format!("bench.md#{n:05}"),
            kind: EntryKind::Chunk,
            source: "bench.md".into(),
            title: None,
            content: text.clone(),
            intent: None,
            embedding: embedder.embed_text(text),
            embedding_space: space.clone(),
        })
        .collect();
    let embed_time = embed_started.elapsed();

    let rss_before = rss_kib();
    let build_started = Instant::now();
    let retriever = HybridRetriever::new(entries, &space);
    let build_time = build_started.elapsed();
    let rss_after = rss_kib();

    let queries: Vec<String> = (0..QUERIES).map(|n| sentences[(n * 31) % sentences.len()].clone()).collect();
    let queries = &queries[..QUERIES.min(if space.starts_with("hashed") { QUERIES } else { 300 })];
    query_embedder.warm_up().await?;
    let mut timings = Vec::with_capacity(queries.len());
    let mut embed_timings = Vec::with_capacity(queries.len());
    let mut returned = 0;
    for q in queries {
        let started = Instant::now();
        let embedding = query_embedder.embed(&[workbench::knowledge::clean_query(q)], TextKind::Query).await?.remove(0);
        embed_timings.push(started.elapsed());
        returned += retriever.retrieve(q, &embedding, 5).len();
        timings.push(started.elapsed());
    }
    timings.sort();
    embed_timings.sort();
    println!("| figure | value |");
    println!("| --- | --- |");
    println!("| chunks indexed | {} |", retriever.len());
    println!("| query embedder | {space} |");
    println!("| stand-in vectors for 10,000 chunks (hashed, {} dims) | {:.0} ms |", embedder.dimensions(), embed_time.as_secs_f64() * 1000.0);
    println!("| index build (BM25 + token sets over stored embeddings) | {:.0} ms |", build_time.as_secs_f64() * 1000.0);
    println!("| query embedding p50 / p99 ({} queries) | {:.2} / {:.2} ms |", queries.len(), percentile(&embed_timings, 0.5).as_secs_f64() * 1000.0, percentile(&embed_timings, 0.99).as_secs_f64() * 1000.0);
    println!("| query p50 (embed query + hybrid retrieve, top 5) | {:.2} ms |", percentile(&timings, 0.5).as_secs_f64() * 1000.0);
    println!("| query p99 | {:.2} ms |", percentile(&timings, 0.99).as_secs_f64() * 1000.0);
    println!("| resident memory taken by the index | {:.1} MB |", (rss_after.saturating_sub(rss_before)) as f64 / 1024.0);
    println!("| process resident memory after build | {:.1} MB |", rss_after as f64 / 1024.0);
    println!("| results returned per query (mean) | {:.1} |", returned as f64 / queries.len() as f64);
    Ok(())
}
