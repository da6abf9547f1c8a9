//! Key layout of the single table. Nothing outside the store sees these strings.

use crate::domain::EscalationPriority;
use chrono::{DateTime, SecondsFormat, Utc};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const META: &str = "META";
pub const MESSAGE_PREFIX: &str = "MSG#";

pub const PENDING_INDEX: &str = "PendingQueue";
pub const PENDING_STATUS: &str = "pending_status";
pub const PENDING_ORDER: &str = "pending_order";
pub const PENDING_PARTITION: &str = "pending";

pub const REVIEW_INDEX: &str = "ReviewQueue";

/// Every open live-update socket is an item of this one partition, so the fan-out lists them with
/// one Query. Connects and disconnects are rare next to the partition's limits, and the Query
/// reads a few hundred small items at most.
pub const LIVE_PARTITION: &str = "LIVE";
pub const CONNECTION_PREFIX: &str = "CONN#";
/// A customer socket's index item in the `LIVE` partition (by connection id, for `$disconnect`,
/// which knows nothing else); never listed by the agents' fan-out, which reads `CONN#` only.
pub const CUSTOMER_CONNECTION_PREFIX: &str = "CUST#";
/// The table's TTL attribute (epoch seconds), as template.yaml's `TimeToLiveSpecification` names it.
pub const EXPIRES_AT: &str = "expires_at";
pub const REVIEW_STATUS: &str = "review_status";
pub const REVIEW_ORDER: &str = "review_order";

/// Sparse index of the sessions someone is waiting on: pending ones by escalation time (the
/// oldest first), assigned ones by the assignee's last activity (the idlest first).
pub const WAIT_INDEX: &str = "WaitIndex";
pub const WAIT_STATUS: &str = "wait_status";
pub const WAIT_SINCE: &str = "wait_since";
pub const WAIT_PENDING: &str = "pending";
pub const WAIT_ASSIGNED: &str = "assigned";

/// Sparse index of the sessions each agent holds: partition `assignee_id` (present only while
/// assigned), sort `wait_since` (the assignee's last activity, the idlest first). "My sessions"
/// is one Query on the caller's partition, whatever the size of the table.
pub const ASSIGNEE_INDEX: &str = "AssigneeIndex";
pub const ASSIGNEE_ID: &str = "assignee_id";
/// Customer messages since the assignee last looked (read the session or wrote to it).
pub const UNREAD_CUSTOMER_MESSAGES: &str = "unread_customer_messages";
/// The thread's latest message, shortened, with who wrote it and when; and the customer's latest.
pub const LAST_MESSAGE_PREVIEW: &str = "last_message_preview";
pub const LAST_MESSAGE_AUTHOR: &str = "last_message_author";
pub const LAST_MESSAGE_AT: &str = "last_message_at";
pub const LAST_CUSTOMER_MESSAGE_AT: &str = "last_customer_message_at";
/// What a pending row shows of the customer's latest message (see `escalation::glance`): its first
/// line, its language, and the latest order id a customer message named (kept until another is named).
pub const CUSTOMER_WORDS: &str = "customer_words";
pub const CUSTOMER_LANGUAGE: &str = "customer_language";
pub const ORDER_ID: &str = "order_id";

/// A session's audit trail sorts before its `META` item (`A` < `M`), so the session and its
/// messages are read from `META` on without it.
pub const AUDIT_PREFIX: &str = "AUDIT#";

/// The team: one item per agent (capacity and load) and the queue's gauges, read by the
/// metrics summary in one Query.
pub const TEAM_PK: &str = "TEAM";
pub const AGENT_PREFIX: &str = "AGENT#";
pub const GAUGE_PREFIX: &str = "GAUGE#";
/// Hourly counters, one item per hour and shard.
pub const METRICS_PK: &str = "METRICS";
pub const HOUR_PREFIX: &str = "HOUR#";
pub fn session_pk(session_id: &str) -> String {
    format!("SESSION#{session_id}")
}

pub fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}

pub const USER_PROFILE: &str = "PROFILE";

pub fn event_pk(event_id: &str) -> String {
    format!("EVENT#{event_id}")
}

/// A session's topic: the customer sockets open on it, one Query for the fan-out.
pub fn session_live_pk(session_id: &str) -> String {
    format!("{LIVE_PARTITION}#SESSION#{session_id}")
}

pub fn customer_connection_sk(connection_id: &str) -> String {
    format!("{CUSTOMER_CONNECTION_PREFIX}{connection_id}")
}

pub fn connection_sk(connection_id: &str) -> String {
    format!("{CONNECTION_PREFIX}{connection_id}")
}

pub fn solution_pk(solution_id: &str) -> String {
    format!("SOLUTION#{solution_id}")
}

/// Micro-second timestamps sort lexically; `seq` orders messages written in one call.
pub fn message_sk(timestamp: DateTime<Utc>, seq: usize, message_id: &str) -> String {
    format!(
        "{MESSAGE_PREFIX}{}#{seq:02}#{message_id}",
        timestamp.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

pub fn audit_sk(at: DateTime<Utc>, event_id: &str) -> String {
    format!("{AUDIT_PREFIX}{}#{event_id}", micros(at))
}

pub fn agent_sk(agent_id: &str) -> String {
    format!("{AGENT_PREFIX}{agent_id}")
}

pub fn gauge_sk(shard: u8) -> String {
    format!("{GAUGE_PREFIX}{shard}")
}

/// `HOUR#2026-07-03T10#2`: hour buckets sort in time order, shards inside them.
pub fn hour_sk(hour: &str, shard: u8) -> String {
    format!("{HOUR_PREFIX}{hour}#{shard}")
}

/// Fixed-width UTC timestamps sort lexically in time order.
pub fn micros(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The wait index's sort key: the instant, then the session id to keep keys apart.
pub fn wait_since(at: DateTime<Utc>, session_id: &str) -> String {
    format!("{}#{session_id}", micros(at))
}

/// Every pending-order key of `priority` escalated at or before `at` sorts between these two.
pub fn pending_order_range(priority: EscalationPriority, at: DateTime<Utc>) -> (String, String) {
    let rank = priority.queue_rank();
    (format!("{rank}#"), format!("{rank}#{}#\u{10ffff}", micros(at)))
}

/// Rank first so an ascending Query is priority descending; then the oldest escalation first;
/// the session id makes the key unique and lets a cursor be rebuilt from it alone.
pub fn pending_order(priority: EscalationPriority, escalated_at: DateTime<Utc>, session_id: &str) -> String {
    format!(
        "{}#{}#{session_id}",
        priority.queue_rank(),
        escalated_at.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

/// The session id at the end of a pending-order key.
pub fn session_of_pending_order(order: &str) -> Option<&str> {
    let mut parts = order.splitn(3, '#');
    let rank = parts.next()?;
    let at = parts.next()?;
    let session = parts.next()?;
    let valid = rank.len() == 1
        && rank.chars().all(|c| c.is_ascii_digit())
        && DateTime::parse_from_rfc3339(at).is_ok()
        && crate::text::is_valid_id(session);
    valid.then_some(session)
}

pub fn review_order(created_at: DateTime<Utc>, solution_id: &str) -> String {
    format!("{}#{solution_id}", created_at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// A page cursor: the sort key a page ended on, as lower-case hex of its bytes (opaque to the
/// client, and safe in a query string). Every paged list of the store uses the same form.
pub fn encode_cursor(sort_key: &str) -> String {
    sort_key.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The sort key a cursor holds, or None when it is not one of ours (odd length, not hex, not
/// UTF-8, or longer than any key we write).
pub fn decode_cursor(cursor: &str) -> Option<String> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 512 {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..cursor.len()).step_by(2).map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok()).collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_order_sorts_by_priority_then_age() {
        let early = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let late = DateTime::parse_from_rfc3339("2026-01-02T00:00:00Z").unwrap().with_timezone(&Utc);
        let mut keys = [
            pending_order(EscalationPriority::Low, early, "a"),
            pending_order(EscalationPriority::Highest, late, "b"),
            pending_order(EscalationPriority::Highest, early, "c"),
            pending_order(EscalationPriority::High, early, "d"),
        ];
        keys.sort();
        let sessions: Vec<&str> = keys.iter().map(|k| session_of_pending_order(k).unwrap()).collect();
        assert_eq!(sessions, vec!["c", "b", "d", "a"]);
    }

    #[test]
    fn a_levels_range_holds_exactly_its_sessions_escalated_by_then() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let (from, to) = pending_order_range(EscalationPriority::Medium, at("2026-01-01T00:10:00Z"));
        let inside = |k: &str| from.as_str() <= k && k <= to.as_str();
        assert!(inside(&pending_order(EscalationPriority::Medium, at("2026-01-01T00:10:00Z"), "a")));
        assert!(inside(&pending_order(EscalationPriority::Medium, at("2025-12-31T23:00:00Z"), "z")));
        assert!(!inside(&pending_order(EscalationPriority::Medium, at("2026-01-01T00:10:00.000001Z"), "a")));
        assert!(!inside(&pending_order(EscalationPriority::High, at("2025-01-01T00:00:00Z"), "a")));
        assert!(!inside(&pending_order(EscalationPriority::Low, at("2025-01-01T00:00:00Z"), "a")));
    }

    #[test]
    fn the_audit_trail_sorts_before_the_session_and_its_messages() {
        let now = Utc::now();
        assert!(audit_sk(now, "evt-1").as_str() < META);
        assert!(META < message_sk(now, 0, "m").as_str());
    }

    #[test]
    fn a_forged_pending_order_is_not_a_cursor() {
        assert_eq!(session_of_pending_order("x#y#z"), None);
        assert_eq!(session_of_pending_order("1#2026-01-01T00:00:00Z#bad/id"), None);
    }
}

