//! What the writes of every entity share, below all of them: how a failed transaction reads
//! ([`TransactFailure`]), timestamps, the key builders several entities address (a session's
//! lock, the knowledge version item, the queue's index keys), which sort keys a query reads, and
//! the counter changes a transition carries ([`Tally`]). It imports no entity's room.

use super::update::UpdateSpec;
use super::client::{key, n, s, to_item, Item, Store};
use super::keys;
use crate::domain::AgentStatus;
use crate::state_machine::{Action, TransitionRejected};
use crate::domain::{AuditEvent, EscalationPriority};
use crate::error::StoreError;
use crate::queue::{bin_of, hour_bucket, metric_shard};
use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};

/// The partition of the knowledge items, and the sort key of its version item.
pub(crate) const KB_PK: &str = "KB";
pub(crate) const VERSION_SK: &str = "VERSION";

pub(crate) enum TransactFailure {
    /// The condition of the action at `index` failed.
    Condition { index: usize, old_item: Option<Item> },
    Other(StoreError),
}

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The request's idempotency claim lapsed while it ran and a retry took it over: this write is
/// refused so the two cannot both happen.
pub(crate) fn claim_lapsed() -> StoreError {
    StoreError::Conflict("this request's Idempotency-Key claim lapsed while it ran; retry with the same key".into())
}

/// Which sort keys of a partition a Query reads.
#[derive(Clone, Copy)]
pub(crate) enum SortKeys<'a> {
    Prefix(&'a str),
    From(&'a str),
    Between(&'a str, &'a str),
}

/// The clauses that put a session in the queue: the pending index's keys (its place: priority,
/// then escalation time) and the wait index's (oldest escalation first). Only the store computes
/// index keys.
pub(crate) fn enqueue(update: UpdateSpec, session_id: &str, priority: EscalationPriority, escalated_at: DateTime<Utc>) -> UpdateSpec {
    update
        .set(keys::PENDING_STATUS, s(keys::PENDING_PARTITION))
        .set(keys::PENDING_ORDER, s(keys::pending_order(priority, escalated_at, session_id)))
        .set(keys::WAIT_STATUS, s(keys::WAIT_PENDING))
        .set(keys::WAIT_SINCE, s(keys::wait_since(escalated_at, session_id)))
}

/// Counter changes a transition makes, written in its transaction: the pending gauges per
/// priority (team partition) and the hourly counters (metrics partition).
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub(super) pending: Vec<(EscalationPriority, i64)>,
    pub(super) hourly: Vec<(String, i64)>,
}

impl Tally {
    pub fn pending(mut self, priority: EscalationPriority, delta: i64) -> Self {
        self.pending.push((priority, delta));
        self
    }

    pub fn count(mut self, name: &str, delta: i64) -> Self {
        self.hourly.push((name.to_string(), delta));
        self
    }

    /// A duration in the hourly histogram `{name}_bin_{n}` and the sum `{name}_seconds`.
    pub fn duration(self, name: &str, seconds: i64) -> Self {
        let seconds = seconds.max(0);
        self.count(&format!("{name}_bin_{}", bin_of(seconds)), 1).count(&format!("{name}_seconds"), seconds)
    }
}

pub(crate) fn session_key(session_id: &str) -> String {
    format!("session:{session_id}")
}

/// The attribute names of an item that are counters, with their values.
pub(crate) fn counters(item: &Item) -> impl Iterator<Item = (&str, i64)> {
    item.iter().filter_map(|(name, value)| Some((name.as_str(), value.as_n().ok()?.parse().ok()?)))
}

/// The key of the knowledge version item.
pub(crate) fn version_key() -> Item {
    key(KB_PK.into(), VERSION_SK)
}

/// The version a version item holds; 0 for none.
pub(crate) fn version_of(item: &Item) -> u64 {
    item.get("version").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Why a guarded session write failed, read from the old item: no session, another status, or
/// (when the write required one) another assignee. Mirrors [`crate::auth::check_session`].
pub(crate) fn refusal_from_old_item(
    session_id: &str,
    action: Action,
    expected: AgentStatus,
    required_assignee: Option<&str>,
    old_item: Option<&Item>,
) -> StoreError {
    let field = |name: &str| old_item.and_then(|item| item.get(name)).and_then(|v| v.as_s().ok()).cloned();
    let Some(current) = field("agent_status").and_then(|s| AgentStatus::parse(&s)) else {
        return StoreError::session_not_found(session_id);
    };
    let holder = field("assigned_agent_id");
    if current != expected {
        let rejected = TransitionRejected { action, current };
        return match holder {
            Some(holder) => StoreError::RejectedHeld { rejected, holder },
            None => StoreError::Rejected(rejected),
        };
    }
    match required_assignee {
        Some(required) if holder.as_deref() != Some(required) => {
            StoreError::Denied(crate::auth::Denied::NotAssignee { assignee: holder })
        }
        _ => StoreError::Conflict(format!("session {session_id} changed while {} was written", action.name())),
    }
}

/// ` AND assigned_agent_id = :assignee` when the write is only for the session's assignee.
pub(crate) fn assignee_clause(assignee: Option<&str>) -> &'static str {
    if assignee.is_some() {
        " AND assigned_agent_id = :assignee"
    } else {
        ""
    }
}

/// The condition that the session exists and is in the status `action` requires.
pub(crate) fn status_condition(action: Action) -> (String, AgentStatus) {
    let required = action.required_status().expect("only writing actions are guarded by a condition");
    ("attribute_exists(pk) AND agent_status = :required_status".to_string(), required)
}

/// Hourly counters are kept this long (TTL), then DynamoDB deletes them.
const HOURLY_RETENTION_DAYS: i64 = 3;

/// The items every transition builds into its transaction: the session's guarded update, its
/// audit event and the counters of its tally.
impl Store {
    /// The audit event's Put, in the session's partition; the key is new, so it never overwrites.
    /// (Public, as the other builders of a transition's items here, for the benchmark that issues a
    /// transition's very calls bare.)
    pub fn audit_put(&self, session_id: &str, event: &AuditEvent) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&super::items::AuditItem::new(session_id, event))?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The counter updates of a tally: one gauge shard, one hourly shard, the session's.
    pub fn tally_updates(
        &self,
        session_id: &str,
        tally: &Tally,
        now: DateTime<Utc>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let shard = metric_shard(session_id);
        let mut actions = Vec::new();
        if !tally.pending.is_empty() {
            let mut spec = UpdateSpec::new().set("entity", s("gauge"));
            for priority in EscalationPriority::ALL {
                let delta: i64 = tally.pending.iter().filter(|(p, _)| *p == priority).map(|(_, d)| d).sum();
                if tally.pending.iter().any(|(p, _)| *p == priority) {
                    spec = spec.add(&format!("pending_{}", priority.as_str()), delta);
                }
            }
            actions.push(self.counter_update(keys::TEAM_PK, &keys::gauge_sk(shard), spec)?);
        }
        if !tally.hourly.is_empty() {
            let hour = hour_bucket(now);
            let expires = (now + Duration::days(HOURLY_RETENTION_DAYS)).timestamp();
            let mut spec = UpdateSpec::new().set("entity", s("hourly")).set("hour_bucket", s(hour.as_str())).set("expires_at", n(expires));
            let mut names: Vec<&String> = tally.hourly.iter().map(|(name, _)| name).collect();
            names.sort();
            names.dedup();
            for name in names {
                let delta: i64 = tally.hourly.iter().filter(|(n, _)| n == name).map(|(_, d)| d).sum();
                spec = spec.add(name, delta);
            }
            actions.push(self.counter_update(keys::METRICS_PK, &keys::hour_sk(&hour, shard), spec)?);
        }
        Ok(actions)
    }

    fn counter_update(&self, pk: &str, sk: &str, spec: UpdateSpec) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk.to_string(), sk)))
            .update_expression(spec.expression())
            .set_expression_attribute_values(spec.values())
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The session's update, conditioned; on failure DynamoDB hands back the item as it was.
    pub fn session_update(&self, session_id: &str, spec: UpdateSpec, condition: &str) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), keys::META)))
            .update_expression(spec.expression())
            .condition_expression(condition)
            .set_expression_attribute_values(spec.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
