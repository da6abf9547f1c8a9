//! The customer's thread, read from the session's partition: its messages (`MSG#…`) and its
//! audit trail (`AUDIT#…`, where the notices come from), each range read in key order with a
//! bounded Query, merged by time. A page's cursor is the last sort key taken from each range,
//! so paging never skips or repeats a line and costs two Queries of at most `limit` items.

use super::client::{from_item, key, s, Item, Store};
use super::items::{AuditItem, MessageItem, SessionItem};
use super::keys;
use crate::domain::Session;
use crate::error::StoreError;
use crate::thread::{merge, ThreadSource};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// A cursor's sort keys are the store's own; a forged one is refused rather than read.
const MAX_CURSOR_CHARS: usize = 600;

/// Where a page of the thread ends: the last audit and message sort keys it consumed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadCursor {
    audit: Option<String>,
    message: Option<String>,
}

impl ThreadCursor {
    /// The opaque form the API hands out.
    pub fn encode(&self) -> String {
        let text = format!("{}\n{}", self.audit.as_deref().unwrap_or(""), self.message.as_deref().unwrap_or(""));
        URL_SAFE_NO_PAD.encode(text)
    }

    /// A cursor this API issued, or `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() > MAX_CURSOR_CHARS {
            return None;
        }
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw.trim()).ok()?).ok()?;
        let (audit, message) = text.split_once('\n')?;
        let part = |value: &str, prefix: &str| -> Option<Option<String>> {
            match value {
                "" => Some(None),
                v if v.starts_with(prefix) && !v.contains('\n') => Some(Some(v.to_string())),
                _ => None,
            }
        };
        Some(ThreadCursor { audit: part(audit, keys::AUDIT_PREFIX)?, message: part(message, keys::MESSAGE_PREFIX)? })
    }
}

/// One page of the thread, oldest first.
pub struct ThreadPage {
    /// `None`: there is no such session.
    pub session: Option<Session>,
    /// Every entry of the page, visible or not: the audience's rule picks.
    pub sources: Vec<ThreadSource>,
    /// Where the next read starts; at the end of the thread, where new lines will appear.
    pub next: ThreadCursor,
    /// More lines are there now.
    pub has_more: bool,
}

/// A range read: the items and whether the range holds more past them.
struct Range {
    items: Vec<Item>,
    more: bool,
}

impl Store {
    /// A bounded read of one sort-key range of a session's partition, after `after`.
    async fn thread_range(&self, pk: &str, prefix: &str, after: Option<&str>, limit: i32, forward: bool) -> Result<Range, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .set_exclusive_start_key(after.map(|sk| key(pk.to_string(), sk)))
            .scan_index_forward(forward)
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("Query", e))?;
        let more = out.last_evaluated_key.is_some_and(|k| !k.is_empty());
        Ok(Range { items: out.items.unwrap_or_default(), more })
    }

    /// A page of at most `limit` entries after `after`, with the session (for the ownership
    /// check), in three reads made at once.
    pub async fn thread_page(&self, session_id: &str, after: &ThreadCursor, limit: i32) -> Result<ThreadPage, StoreError> {
        let pk = keys::session_pk(session_id);
        let (session, events, messages) = futures::try_join!(
            self.get_typed::<SessionItem>(pk.clone(), keys::META),
            self.thread_range(&pk, keys::AUDIT_PREFIX, after.audit.as_deref(), limit, true),
            self.thread_range(&pk, keys::MESSAGE_PREFIX, after.message.as_deref(), limit, true),
        )?;
        let ranges_have_more = events.more || messages.more;
        let (event_keys, events) = audit_entries(events.items)?;
        let (message_keys, messages) = message_entries(messages.items)?;
        let mut sources = merge(messages, events);
        // Every range holds no more than `limit` items, so the first `limit` of the merge all
        // come before anything either range left unread.
        let taken = sources.len().min(usize::try_from(limit).unwrap_or(0));
        let mut next = after.clone();
        let (mut event_index, mut message_index) = (0, 0);
        for source in &sources[..taken] {
            match source {
                ThreadSource::Event(_) => {
                    next.audit = Some(event_keys[event_index].clone());
                    event_index += 1;
                }
                ThreadSource::Message(_) => {
                    next.message = Some(message_keys[message_index].clone());
                    message_index += 1;
                }
            }
        }
        let has_more = sources.len() > taken || ranges_have_more;
        sources.truncate(taken);
        Ok(ThreadPage { session: session.map(SessionItem::into_session), sources, next, has_more })
    }

    /// The tail of the thread, oldest first: the last `limit` messages and the events since the
    /// oldest of them (all of both when the thread is shorter), in two reads made at once. What a
    /// chat answer tells the customer is new is taken from here.
    pub async fn recent_thread(&self, session_id: &str, limit: i32) -> Result<Vec<ThreadSource>, StoreError> {
        let pk = keys::session_pk(session_id);
        let (events, messages) = futures::try_join!(
            self.thread_range(&pk, keys::AUDIT_PREFIX, None, limit, false),
            self.thread_range(&pk, keys::MESSAGE_PREFIX, None, limit, false),
        )?;
        let (_, mut events) = audit_entries(events.items)?;
        let (_, mut messages) = message_entries(messages.items)?;
        events.reverse();
        messages.reverse();
        if let (true, Some(oldest)) = (messages.len() >= usize::try_from(limit).unwrap_or(0), messages.first()) {
            let since = oldest.timestamp;
            events.retain(|e| e.at >= since);
        }
        Ok(merge(messages, events))
    }
}

fn sort_key(item: &Item) -> Result<String, StoreError> {
    item.get(keys::SK)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .ok_or_else(|| StoreError::Corrupt("a thread item has no sort key".into()))
}

fn audit_entries(items: Vec<Item>) -> Result<(Vec<String>, Vec<crate::domain::AuditEvent>), StoreError> {
    let mut keys = Vec::with_capacity(items.len());
    let mut events = Vec::with_capacity(items.len());
    for item in items {
        keys.push(sort_key(&item)?);
        events.push(from_item::<AuditItem>(item)?.into_event());
    }
    Ok((keys, events))
}

fn message_entries(items: Vec<Item>) -> Result<(Vec<String>, Vec<crate::domain::Message>), StoreError> {
    let mut keys = Vec::with_capacity(items.len());
    let mut messages = Vec::with_capacity(items.len());
    for item in items {
        keys.push(sort_key(&item)?);
        messages.push(from_item::<MessageItem>(item)?.into_message());
    }
    Ok((keys, messages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_itself() {
        let cursor = ThreadCursor {
            audit: Some("AUDIT#2026-01-01T00:00:00.000000Z#evt-1".into()),
            message: Some("MSG#2026-01-01T00:00:01.000000Z#00#msg-1".into()),
        };
        assert_eq!(ThreadCursor::parse(&cursor.encode()), Some(cursor));
        assert_eq!(ThreadCursor::parse(&ThreadCursor::default().encode()), Some(ThreadCursor::default()));
    }

    #[test]
    fn a_forged_cursor_is_not_a_cursor() {
        for forged in ["", "!!", "bm90IGEgY3Vyc29y", &URL_SAFE_NO_PAD.encode("META\nMSG#x"), &URL_SAFE_NO_PAD.encode("AUDIT#x\nUSER#y")] {
            assert_eq!(ThreadCursor::parse(forged), None, "{forged}");
        }
        assert_eq!(ThreadCursor::parse(&"a".repeat(700)), None);
    }
}
