//! Demo data for the local stack. Every step is idempotent, so a restart seeds nothing twice.

use std::path::Path;
use workbench::ingest::{self, EscalationEvent};
use workbench::store::IngestOutcome;
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
    Ok(SeedReport { escalations_created, escalations_already_present })
}
