//! Retrieval quality on the seed knowledge base, one command:
//! `cargo run --release -p workbench-local --bin eval-retrieval [seed-dir]`.
//! Exits non-zero when a target is missed.

use std::path::PathBuf;
use workbench::knowledge::{eval, HybridRetriever};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::args().skip(1).find(|a| !a.starts_with("--")).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("infra/seed"));
    let retriever = HybridRetriever::new(eval::load_seed_entries(&seed)?);
    let set = eval::load_eval_set(&seed)?;
    let report = eval::evaluate(&retriever, &set);
    if std::env::args().any(|a| a == "--scores") {
        // The score of the right hit for labelled queries and of the top hit for unrelated ones:
        // the two distributions a threshold separates.
        let embedder = workbench::knowledge::HashedNgramEmbedder::default();
        let mut right: Vec<f32> = Vec::new();
        for q in &set.queries {
            let want = q.expect_faq.clone().or(q.expect_source.clone()).unwrap_or_default();
            let hits = retriever.retrieve(&q.query, &embedder.embed_text(&q.query), 5);
            if let Some(h) = hits.iter().find(|h| h.entry.id == want || h.entry.source == want) {
                right.push(h.score);
            }
        }
        let mut wrong: Vec<f32> = set
            .unrelated
            .iter()
            .filter_map(|q| retriever.retrieve(q, &embedder.embed_text(q), 1).first().map(|h| h.score))
            .collect();
        right.sort_by(f32::total_cmp);
        wrong.sort_by(f32::total_cmp);
        println!("right hits (ascending): {right:.2?}");
        println!("unrelated top hits (ascending): {wrong:.2?}");
    }
    if std::env::args().any(|a| a == "--verbose") {
        let embedder = workbench::knowledge::HashedNgramEmbedder::default();
        for q in &set.unrelated {
            let hits = retriever.retrieve(q, &embedder.embed_text(q), 3);
            if let Some(h) = hits.first() {
                println!("false answer: {q:50} -> {} {:.3}", h.entry.id, h.score);
            }
        }
        for q in &set.queries {
            let hits = retriever.retrieve(&q.query, &embedder.embed_text(&q.query), 5);
            let want = q.expect_faq.clone().or(q.expect_source.clone()).unwrap_or_default();
            if !hits.iter().any(|h| h.entry.id == want || h.entry.source == want) {
                let got: Vec<String> = hits.iter().map(|h| format!("{} {:.2}", h.entry.id, h.score)).collect();
                println!("miss: {:50} want {want} got {got:?}", q.query);
            } else if let Some(h) = hits.iter().find(|h| h.entry.id == want || h.entry.source == want) {
                if h.score < 0.32 { println!("weak: {:50} {:.2}", q.query, h.score); }
            }
        }
    }
    println!("{} entries in the index; {}", retriever.len(), report.markdown());
    if report.meets_targets() {
        println!("targets met: hybrid MRR above both single methods, recall@5 >= 0.9, false answers <= 5%");
        Ok(())
    } else {
        Err("retrieval quality targets missed".into())
    }
}
