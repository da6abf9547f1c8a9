//! The queue's scheduled maintenance, run every minute by EventBridge in AWS and on a timer by
//! the local server: waiting-time aging, auto-release of idle sessions, and the oldest pending
//! wait (the metric the alarm watches). Every change is a conditional write; a session that
//! moved in the meantime is left alone and looked at again next minute.

use crate::app::App;
use crate::domain::EscalationPriority;
use crate::error::StoreError;
use crate::metrics::Emf;
use crate::store::SweepCount;
use futures::stream::{self, StreamExt};

/// Conditional writes in flight at once.
const CONCURRENCY: usize = 16;

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MaintenanceReport {
    pub aged: SweepCount,
    pub auto_released: SweepCount,
    /// How long the longest-waiting pending session has waited; `None` when none is pending.
    pub oldest_pending_wait_seconds: Option<i64>,
}

/// One run. Aging goes from the highest level that can be raised down, so a session is raised
/// at most one level per run.
pub async fn run(app: &App) -> Result<MaintenanceReport, StoreError> {
    let now = app.now();
    let policy = &app.config.queue;
    let mut report = MaintenanceReport::default();

    for priority in [EscalationPriority::High, EscalationPriority::Medium, EscalationPriority::Low, EscalationPriority::Info] {
        let Some(cutoff) = policy.aging_cutoff(priority, now) else { continue };
        let found = app.store.due_for_aging(priority, cutoff).await?;
        report.aged.found += found.len();
        let store = &app.store;
        let results: Vec<Result<bool, StoreError>> = stream::iter(found)
            .map(|item| async move { store.age(&item, cutoff, now).await })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        tally(&mut report.aged, results, "aging");
    }

    if let (Some(cutoff), Some(minutes)) = (policy.auto_release_cutoff(now), policy.auto_release_minutes) {
        let idle = app.store.idle_assigned(cutoff).await?;
        report.auto_released.found = idle.len();
        let store = &app.store;
        let results: Vec<Result<bool, StoreError>> = stream::iter(idle)
            .map(|item| async move { store.auto_release(&item, minutes, now).await })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        tally(&mut report.auto_released, results, "auto-release");
    }

    report.oldest_pending_wait_seconds = app.store.oldest_pending().await?.map(|at| (now - at).num_seconds().max(0));
    Emf::new()
        .seconds("OldestPendingWaitSeconds", report.oldest_pending_wait_seconds.unwrap_or(0))
        .count("SessionsAged", report.aged.done as i64)
        .count("SessionsAutoReleased", report.auto_released.done as i64)
        .emit(now);
    tracing::info!(
        aged = report.aged.done,
        auto_released = report.auto_released.done,
        oldest_pending_wait_seconds = report.oldest_pending_wait_seconds,
        "queue maintenance"
    );
    Ok(report)
}

fn tally(count: &mut SweepCount, results: Vec<Result<bool, StoreError>>, what: &str) {
    for result in results {
        match result {
            Ok(true) => count.done += 1,
            Ok(false) => count.skipped += 1,
            Err(err) => {
                tracing::warn!(error = %err, "{what} of a session failed; the next run tries again");
                count.failed += 1;
            }
        }
    }
}
