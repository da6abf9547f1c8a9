//! Demo data for the local stack. Every step is idempotent, so a restart seeds nothing twice.

use std::path::Path;
use workbench::ingest::{self, EscalationEvent};
use workbench::store::IngestOutcome;
use workbench::knowledge::embed_entries;
use workbench::App;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not valid: {message}")]
    Invalid { path: String, message: String },
    #[error("seeding failed: {0}")]
    Store(String),
}

#[derive(Debug, Default)]
pub struct SeedReport {
    pub escalations_created: usize,
    pub escalations_already_present: usize,
    pub faqs: usize,
    pub documents: usize,
    pub business_records: String,
}

/// Seed the knowledge base from `knowledge/faqs.json` and `knowledge/documents/*.md`, unless the
/// table already has knowledge (a restart keeps what was added or removed through the API).
pub async fn seed_knowledge(app: &App, seed_dir: &Path) -> Result<(usize, usize), SeedError> {
    use workbench::knowledge::eval;
    if !seed_dir.join("knowledge/faqs.json").exists() {
        return Ok((0, 0));
    }
    if app.store.knowledge_version().await.map_err(|e| SeedError::Store(e.to_string()))? > 0 {
        return Ok((0, 0));
    }
    let invalid = |e: eval::SeedError| SeedError::Invalid { path: seed_dir.display().to_string(), message: e.to_string() };
    let embedder = app.knowledge.embedder().clone();
    let embed_failed = |e: workbench::knowledge::EmbeddingError| SeedError::Store(e.to_string());
    let mut faqs: Vec<_> = eval::load_faqs(seed_dir).map_err(invalid)?.iter().map(eval::faq_entry).collect();
    embed_entries(embedder.as_ref(), &mut faqs).await.map_err(embed_failed)?;
    let now = app.now();
    app.store.import_faqs(&faqs, now).await.map_err(|e| SeedError::Store(e.to_string()))?;
    let documents = eval::load_documents(seed_dir).map_err(invalid)?;
    for (source, markdown) in &documents {
        let mut chunks = eval::chunk_entries(source, markdown);
        embed_entries(embedder.as_ref(), &mut chunks).await.map_err(embed_failed)?;
        app.store.replace_document(source, &chunks, now).await.map_err(|e| SeedError::Store(e.to_string()))?;
    }
    Ok((faqs.len(), documents.len()))
}

#[derive(Debug, Default)]
pub struct ReembedReport {
    pub entries: usize,
    pub stale: usize,
    pub reembedded: usize,
    /// Changed or deleted while this ran: their writer embedded them.
    pub skipped: usize,
    pub space: String,
}

/// Re-embed the knowledge base with the app's embedder: every entry whose vector is from another
/// space (or all of them with `all`), then one version bump so every container rebuilds.
pub async fn reembed(app: &App, all: bool) -> Result<ReembedReport, SeedError> {
    let embedder = app.knowledge.embedder().clone();
    let space = embedder.space();
    let entries = app.store.load_knowledge().await.map_err(|e| SeedError::Store(e.to_string()))?;
    let mut report = ReembedReport { entries: entries.len(), space: space.clone(), ..ReembedReport::default() };
    let mut stale: Vec<_> =
        entries.into_iter().filter(|e| all || e.embedding_space != space || e.embedding.is_empty()).collect();
    report.stale = stale.len();
    if stale.is_empty() {
        return Ok(report);
    }
    let now = app.now();
    for batch in stale.chunks_mut(32) {
        embed_entries(embedder.as_ref(), batch).await.map_err(|e| SeedError::Store(e.to_string()))?;
        for entry in batch.iter() {
            if app.store.update_embedding(entry, now).await.map_err(|e| SeedError::Store(e.to_string()))? {
                report.reembedded += 1;
            } else {
                report.skipped += 1;
            }
        }
    }
    app.store.bump_knowledge_version().await.map_err(|e| SeedError::Store(e.to_string()))?;
    Ok(report)
}

fn read(path: &Path) -> Result<String, SeedError> {
    std::fs::read_to_string(path).map_err(|source| SeedError::Read { path: path.display().to_string(), source })
}

/// Seed the pending queue from `escalations.json` through the same ingestion the SQS function runs.
pub async fn seed_escalations(app: &App, seed_dir: &Path) -> Result<(usize, usize), SeedError> {
    let path = seed_dir.join("escalations.json");
    if !path.exists() {
        return Ok((0, 0));
    }
    let events: Vec<serde_json::Value> = serde_json::from_str(&read(&path)?)
        .map_err(|e| SeedError::Invalid { path: path.display().to_string(), message: e.to_string() })?;
    let (mut created, mut present) = (0, 0);
    for event in events {
        let event: EscalationEvent = ingest::parse_event(&event.to_string())
            .map_err(|e| SeedError::Invalid { path: path.display().to_string(), message: e.to_string() })?;
        match ingest::ingest(app, event).await.map_err(|e| SeedError::Store(e.to_string()))? {
            IngestOutcome::Created => created += 1,
            IngestOutcome::Duplicate => present += 1,
        }
    }
    Ok((created, present))
}

pub async fn seed_all(app: &App, seed_dir: &Path) -> Result<SeedReport, SeedError> {
    let (escalations_created, escalations_already_present) = seed_escalations(app, seed_dir).await?;
    let (faqs, documents) = seed_knowledge(app, seed_dir).await?;
    // Knowledge kept from an earlier run may come from another embedder: bring it into this one.
    let reembedded = reembed(app, false).await?;
    if reembedded.stale > 0 {
        println!("re-embedded stored knowledge: {reembedded:?}");
    }
    let dataset = seed_dir.join("business/dataset.json");
    let business_records = if dataset.exists() {
        let report = workbench::business::seed(&app.store, &dataset).await.map_err(|e| SeedError::Store(e.to_string()))?;
        format!("{report:?}")
    } else {
        "none".to_string()
    };
    Ok(SeedReport { escalations_created, escalations_already_present, faqs, documents, business_records })
}

/// Enrol the demo roster (`agents.json`: `{"agents": [{agent_id, name, roles}]}`) as sign-in
/// enrols an agent in AWS, so sessions can be transferred to a demo agent who has not signed in.
pub async fn enrol_roster(store: &workbench::store::Store, roster: &serde_json::Value) -> Result<usize, SeedError> {
    let invalid = |message: &str| SeedError::Invalid { path: "agents.json".into(), message: message.into() };
    let agents = roster.get("agents").and_then(|a| a.as_array()).ok_or_else(|| invalid("expected {\"agents\": [...]}"))?;
    let now = chrono::Utc::now();
    for agent in agents {
        let id = agent.get("agent_id").and_then(|v| v.as_str()).ok_or_else(|| invalid("an agent without agent_id"))?;
        let name = agent.get("name").and_then(|v| v.as_str()).unwrap_or(id);
        let roles: Vec<&str> =
            agent.get("roles").and_then(|r| r.as_array()).map(|r| r.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default();
        store.enrol_agent(id, name, &roles, now).await.map_err(|e| SeedError::Store(e.to_string()))?;
    }
    Ok(agents.len())
}
