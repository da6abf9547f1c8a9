//! The DynamoDB store. Every state transition is one conditional write; nothing reads then writes.

mod audit;
mod batch;
mod confirmed_writes;
mod idempotency;
mod in_flight;
mod connections;
pub mod knowledge;
pub mod items;
pub mod keys;
pub mod schema;
mod sessions;
mod solutions;
mod team;
mod transitions;
mod update;

pub use confirmed_writes::RecordedWrite;
pub use connections::CONNECTION_TTL_SECONDS;
pub use idempotency::{IdempotencyClaim, RecordCompletion};
pub use items::{AgentItem, PendingItem, WaitItem};
pub use sessions::{is_valid_pending_cursor as sessions_cursor_is_valid, IngestOutcome, PendingPage};
pub use solutions::SolutionPage;
pub use team::{HourlyTotals, TeamSnapshot};
pub use transitions::{Assignee, HandOver, SweepCount, Tally};
pub use update::UpdateSpec;

use crate::domain::AgentStatus;
use crate::error::StoreError;
use crate::state_machine::{Action, TransitionRejected};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
    /// Transitions of one session (and capacity checks of one agent) in flight in this process.
    in_flight: std::sync::Arc<in_flight::InFlight>,
}

impl Store {
    /// One item by key, read consistently, as `T`.
    pub(crate) async fn get_typed<T: serde::de::DeserializeOwned>(&self, pk: String, sk: &str) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("GetItem", e))?;
        out.item.map(from_item::<T>).transpose()
    }

    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Store { client, table: table.into(), in_flight: Default::default() }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(crate) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(keys::PK.to_string(), s(pk)), (keys::SK.to_string(), s(sk))])
}

pub(crate) fn to_item<T: serde::Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_items<T: serde::de::DeserializeOwned>(items: Vec<Item>) -> Result<Vec<T>, StoreError> {
    items.into_iter().map(from_item).collect()
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

/// Messages one write may carry besides the session, user and marker items.
pub const fn sessions_max_messages() -> usize {
    sessions::MAX_MESSAGES_PER_WRITE
}
