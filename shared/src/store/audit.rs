//! A session's audit trail: immutable events in the session's partition, written by the
//! transitions in their own transactions, read oldest first.

use super::items::{AuditItem, SessionItem};
use super::transact::SortKeys;
use super::client::{from_item, Store};
use super::keys;
use crate::domain::{AuditEvent, Session};
use crate::error::StoreError;

impl Store {
    /// The session and its events, oldest first, in one Query (the events sort just before the
    /// session's `META` item). `None` when there is no such session.
    pub async fn session_events(&self, session_id: &str) -> Result<Option<(Session, Vec<AuditEvent>)>, StoreError> {
        let items = self
            .query_sort_keys(keys::session_pk(session_id), Some(SortKeys::Between(keys::AUDIT_PREFIX, keys::META)))
            .await?;
        let mut session = None;
        let mut events = Vec::new();
        for item in items {
            match item.get(keys::SK).and_then(|v| v.as_s().ok()).map(String::as_str) {
                Some(keys::META) => session = Some(from_item::<SessionItem>(item)?.into_session()),
                Some(sk) if sk.starts_with(keys::AUDIT_PREFIX) => events.push(from_item::<AuditItem>(item)?.into_event()),
                _ => {}
            }
        }
        Ok(session.map(|s| (s, events)))
    }
}
