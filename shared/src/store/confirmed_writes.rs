//! A confirmed business write's record. It is written before the order system is called, in one
//! transaction guarded by the session still being the confirming agent's: a write whose record
//! cannot be written does not run, so no confirmed write goes unrecorded (a transfer racing the
//! confirmation either lands first, and the write is refused, or second, after the record).

use super::transact::{timestamp, TransactFailure};
use super::update::UpdateSpec;
use super::client::{key, s, Store};
use super::keys;
use crate::domain::{AgentStatus, AuditEvent, Message};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::{DateTime, Utc};

/// What became of a confirmation's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordedWrite {
    /// Recorded: the write may run.
    Recorded,
    /// The token was used already (the marker exists): nothing recorded, nothing to run.
    AlreadyUsed,
    /// The session is no longer assigned to the confirming agent: how it is now.
    SessionMoved { status: Option<AgentStatus>, assignee: Option<String> },
}

impl Store {
    /// The record (a system line in the thread and the audit event), the token's used-marker
    /// and the session's guard, in one transaction.
    pub async fn record_confirmed_write(
        &self,
        session_id: &str,
        agent_id: &str,
        record: &Message,
        event: &AuditEvent,
        marker: TransactWriteItem,
        now: DateTime<Utc>,
    ) -> Result<RecordedWrite, StoreError> {
        let spec = UpdateSpec::new()
            .add("turn_count", 1)
            .set("updated_at", s(timestamp(now)))
            .set("last_agent_activity_at", s(timestamp(now)))
            .set(keys::WAIT_SINCE, s(keys::wait_since(now, session_id)));
        // The same guard every assignee's transition rides on.
        let (spec, guard) = Store::held_by(spec, Some(agent_id));
        let mut actions = vec![self.session_update(session_id, spec, guard)?];
        actions.extend(self.message_puts(session_id, std::slice::from_ref(record))?);
        actions.push(self.audit_put(session_id, event)?);
        actions.push(marker);
        let marker_index = actions.len() - 1;
        match self.transact(actions).await {
            Ok(()) => Ok(RecordedWrite::Recorded),
            Err(TransactFailure::Condition { index: 0, old_item }) => {
                let field = |name: &str| old_item.as_ref().and_then(|i| i.get(name)).and_then(|v| v.as_s().ok()).cloned();
                Ok(RecordedWrite::SessionMoved {
                    status: field("agent_status").as_deref().and_then(AgentStatus::parse),
                    assignee: field("assigned_agent_id"),
                })
            }
            // The record's id is the token's (a replay at the same instant finds it), or the marker.
            Err(TransactFailure::Condition { index, .. }) if index == 1 || index == marker_index => {
                Ok(RecordedWrite::AlreadyUsed)
            }
            Err(TransactFailure::Condition { .. }) => {
                Err(StoreError::Conflict("an audit event with the same key exists".into()))
            }
            Err(TransactFailure::Other(err)) => Err(err),
        }
    }

    /// The record's line completed with what the order system answered. The record itself was
    /// written before the write; this only replaces its text.
    pub async fn complete_confirmed_write(&self, session_id: &str, record: &Message, content: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), &keys::message_sk(record.timestamp, 0, &record.message_id))))
            .update_expression("SET content = :content")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":content", s(content))
            .send()
            .await
            .map_err(|e| StoreError::dynamo("UpdateItem", e))?;
        Ok(())
    }
}
