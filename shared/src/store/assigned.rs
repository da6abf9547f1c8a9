//! Each agent's own sessions: one Query on the assignee index (sparse: `assignee_id` is present
//! only while a session is assigned), the idlest first, and the "seen" mark that resets the
//! unread count when the assignee reads the session.

use super::client::{from_item, key, n, s, Item, Store};
use super::items::AssignedItem;
use super::keys;
use crate::error::StoreError;

pub struct AssignedPage {
    pub sessions: Vec<AssignedItem>,
    /// Opaque cursor for the next page, if there may be one.
    pub next_cursor: Option<String>,
}

impl Store {
    /// One page of the sessions `agent_id` holds, the longest without their attention first.
    pub async fn list_assigned_to(&self, agent_id: &str, limit: i32, cursor: Option<&str>) -> Result<AssignedPage, StoreError> {
        let start = match cursor {
            None => None,
            Some(cursor) => Some(
                assigned_cursor_key(agent_id, cursor).ok_or_else(|| StoreError::Conflict("invalid cursor".to_string()))?,
            ),
        };
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::ASSIGNEE_INDEX)
            .key_condition_expression("assignee_id = :agent")
            .expression_attribute_values(":agent", s(agent_id))
            .scan_index_forward(true)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("Query", e))?;
        let sessions: Vec<AssignedItem> =
            out.items.unwrap_or_default().into_iter().map(from_item).collect::<Result<_, _>>()?;
        let more = out.last_evaluated_key.is_some_and(|k| !k.is_empty());
        let next_cursor = if more { sessions.last().map(|s| keys::encode_cursor(&s.wait_since)) } else { None };
        Ok(AssignedPage { sessions, next_cursor })
    }

    /// The assignee has read the session: no unread customer messages. Written only when there
    /// are some and the session is still theirs; `false` when nothing changed.
    pub async fn mark_seen(&self, session_id: &str, agent_id: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), keys::META)))
            .update_expression("SET unread_customer_messages = :zero")
            .condition_expression("assignee_id = :agent AND unread_customer_messages > :zero")
            .expression_attribute_values(":agent", s(agent_id))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(err) => Err(StoreError::dynamo("UpdateItem", err)),
        }
    }
}

/// Cursors are the hex of the last row's `wait_since` key: opaque to clients, checkable by us.
/// The ExclusiveStartKey a cursor stands for (on the caller's own partition), or None if it is
/// not one of ours.
fn assigned_cursor_key(agent_id: &str, cursor: &str) -> Option<Item> {
    let since = keys::decode_cursor(cursor)?;
    let (at, session_id) = since.split_once('#')?;
    if chrono::DateTime::parse_from_rfc3339(at).is_err() || !crate::text::is_valid_id(session_id) {
        return None;
    }
    let mut item = key(keys::session_pk(session_id), keys::META);
    item.insert(keys::ASSIGNEE_ID.into(), s(agent_id));
    item.insert(keys::WAIT_SINCE.into(), s(since.clone()));
    Some(item)
}

pub fn is_valid_assigned_cursor(cursor: &str) -> bool {
    assigned_cursor_key("agent", cursor).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let since = "2026-01-01T00:00:00.000000Z#sess-1";
        let cursor = keys::encode_cursor(since);
        assert_eq!(keys::decode_cursor(&cursor).as_deref(), Some(since));
        assert!(is_valid_assigned_cursor(&cursor));
        assert!(!is_valid_assigned_cursor("zz"));
        assert!(!is_valid_assigned_cursor(&keys::encode_cursor("not-a-wait-key")));
        assert!(!is_valid_assigned_cursor(&keys::encode_cursor("2026-01-01T00:00:00.000000Z#bad id")));
    }
}
