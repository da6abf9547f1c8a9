//! The DynamoDB store. Every state transition is one conditional write; nothing reads then writes.

mod batch;
pub mod knowledge;
pub mod items;
pub mod keys;
pub mod schema;
mod sessions;
mod solutions;
mod update;

pub use items::PendingItem;
pub use sessions::{is_valid_pending_cursor as sessions_cursor_is_valid, CustomerTurnWrite, IngestOutcome, PendingPage};
pub use solutions::SolutionPage;
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
        Store { client, table: table.into() }
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

/// The status a failed condition found, read from the old item DynamoDB returned with the
/// failure. No item means the session does not exist.
pub(crate) fn rejection_from_old_item(
    session_id: &str,
    action: Action,
    old_item: Option<&Item>,
) -> StoreError {
    let status = old_item
        .and_then(|item| item.get("agent_status"))
        .and_then(|v| v.as_s().ok())
        .and_then(|s| AgentStatus::parse(s));
    match status {
        Some(current) => StoreError::Rejected(TransitionRejected { action, current }),
        None => StoreError::session_not_found(session_id),
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
