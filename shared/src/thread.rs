//! The customer-visible thread, as a pure rule: which of a session's messages and audit events
//! an audience may see, and how each reads to it. The customer (the thread read, the chat
//! answer, the customer socket) and the webhook (the customer's channel) see the same thing:
//! their own words, the bot's, each agent's under the agent's display name, and a notice when an
//! agent joins, the session is transferred, released back to the queue or resolved. Never a
//! system record (transfers' internal lines, business-write records, upstream history), never an
//! agent id, a card, a note or a business result. The agent sees every message of the history.

use crate::domain::{AuditEvent, Author, EventKind, Message};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Who reads the thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The customer: the thread read, the chat answer's `messages`, the customer socket.
    Customer,
    /// An agent in the workbench (the session's full history).
    Agent,
    /// The customer's channel, through outbound events: what the customer may see, no more.
    Webhook,
}

/// What a line of the thread is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreadKind {
    /// Someone wrote it: the customer, the bot or an agent.
    Message,
    /// The system says what happened to the conversation.
    Notice,
}

/// Which notice a `notice` line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    AgentJoined,
    Transferred,
    Released,
    Resolved,
}

/// One line of the thread as its audience reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThreadMessage {
    /// Stable: the message's id, or for a notice the id of the audit event it tells of.
    pub message_id: String,
    pub kind: ThreadKind,
    /// `customer`, `bot`, `agent`, or `system` for a notice.
    pub author: Author,
    pub content: String,
    /// RFC 3339, microseconds.
    pub timestamp: String,
    /// The agent's display name on an agent's message and on `agent_joined`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeKind>,
}

/// How an agent's line is signed when the agent gave no display name.
pub const UNNAMED_AGENT: &str = "Agent";
pub const TRANSFERRED_NOTICE: &str = "You have been transferred to another agent, who will continue with you here.";
pub const RELEASED_NOTICE: &str = "Your conversation is back in the queue; the next available agent will join shortly.";
pub const RESOLVED_NOTICE: &str = "This conversation was marked as resolved. Write again any time to start a new one.";

/// The line an agent's joining reads as.
pub fn joined_notice(agent_name: Option<&str>) -> String {
    match agent_name {
        Some(name) => format!("{name} joined the conversation."),
        None => "An agent joined the conversation.".to_string(),
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A message as `audience` reads it, or `None` when it may not see it.
pub fn visible_message(message: &Message, audience: Audience) -> Option<ThreadMessage> {
    let agent_name = match (message.author, audience) {
        (Author::Customer | Author::Bot, _) => None,
        (Author::Agent, _) => Some(message.agent_name.clone().unwrap_or_else(|| UNNAMED_AGENT.to_string())),
        // A system record (a transfer's line, a business write, upstream history) is the
        // workbench's own: only agents read it.
        (Author::System, Audience::Agent) => message.agent_name.clone(),
        (Author::System, Audience::Customer | Audience::Webhook) => return None,
    };
    Some(ThreadMessage {
        message_id: message.message_id.clone(),
        kind: ThreadKind::Message,
        author: message.author,
        content: message.content.clone(),
        timestamp: stamp(message.timestamp),
        agent_name,
        notice: None,
    })
}

/// The notice an audit event gives `audience`, or `None`. Agents read the audit trail itself;
/// the customer's side is told only that an agent joined, a transfer, a release and the end.
pub fn visible_event(event: &AuditEvent, audience: Audience) -> Option<ThreadMessage> {
    if audience == Audience::Agent {
        return None;
    }
    let (notice, content, agent_name) = match event.kind {
        EventKind::Accepted => {
            let name = event.detail.get("agent_name").and_then(|v| v.as_str()).map(str::to_string);
            (NoticeKind::AgentJoined, joined_notice(name.as_deref()), name)
        }
        EventKind::Transferred => (NoticeKind::Transferred, TRANSFERRED_NOTICE.to_string(), None),
        EventKind::Released | EventKind::AutoReleased => (NoticeKind::Released, RELEASED_NOTICE.to_string(), None),
        EventKind::Resolved => (NoticeKind::Resolved, RESOLVED_NOTICE.to_string(), None),
        // The bot's transfer notice is a message of its own; the rest is the workbench's business.
        EventKind::Escalated
        | EventKind::Aged
        | EventKind::AgentMessage
        | EventKind::BusinessWriteExecuted
        | EventKind::SolutionSubmitted
        | EventKind::SolutionApproved
        | EventKind::SolutionRejected => return None,
    };
    Some(ThreadMessage {
        message_id: event.event_id.clone(),
        kind: ThreadKind::Notice,
        author: Author::System,
        content,
        timestamp: stamp(event.at),
        agent_name,
        notice: Some(notice),
    })
}

/// One entry of a session's partition, in the order the thread reads them.
#[derive(Debug, Clone)]
pub enum ThreadSource {
    Message(Message),
    Event(AuditEvent),
}

impl ThreadSource {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            ThreadSource::Message(m) => m.timestamp,
            ThreadSource::Event(e) => e.at,
        }
    }

    pub fn visible(&self, audience: Audience) -> Option<ThreadMessage> {
        match self {
            ThreadSource::Message(m) => visible_message(m, audience),
            ThreadSource::Event(e) => visible_event(e, audience),
        }
    }
}

/// Messages and events (each oldest first) merged oldest first; at the same instant an event
/// reads before a message (an agent joins, then writes).
pub fn merge(messages: Vec<Message>, events: Vec<AuditEvent>) -> Vec<ThreadSource> {
    let mut merged: Vec<ThreadSource> = Vec::with_capacity(messages.len() + events.len());
    let mut messages = messages.into_iter().peekable();
    let mut events = events.into_iter().peekable();
    loop {
        let take_event = match (events.peek(), messages.peek()) {
            (Some(e), Some(m)) => e.at <= m.timestamp,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return merged,
        };
        if take_event {
            merged.extend(events.next().map(ThreadSource::Event));
        } else {
            merged.extend(messages.next().map(ThreadSource::Message));
        }
    }
}

/// The lines of `sources` that `audience` may see, in order.
pub fn visible_lines(sources: &[ThreadSource], audience: Audience) -> Vec<ThreadMessage> {
    sources.iter().filter_map(|s| s.visible(audience)).collect()
}

/// What a chat answer tells the customer is new: everything of `recent` (the tail of the thread,
/// oldest first) written after the customer's last turn (whose own reply that turn's answer
/// carried: a turn's messages share its instant), then this turn's own messages.
pub fn since_last_customer_turn(recent: &[ThreadSource], this_turn: &[Message]) -> Vec<ThreadMessage> {
    let last_turn = recent.iter().rev().find_map(|s| match s {
        ThreadSource::Message(m) if m.author == Author::Customer => Some(m.timestamp),
        _ => None,
    });
    let newer: Vec<ThreadSource> = match last_turn {
        Some(turn) => recent.iter().filter(|s| s.at() > turn).cloned().collect(),
        None => recent.to_vec(),
    };
    let mut lines = visible_lines(&newer, Audience::Customer);
    lines.extend(this_turn.iter().filter_map(|m| visible_message(m, Audience::Customer)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgentStatus, Role};

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn message(author: Author, content: &str, seconds: i64) -> Message {
        let role = match author {
            Author::Customer => Role::User,
            Author::System => Role::System,
            Author::Bot | Author::Agent => Role::Assistant,
        };
        Message {
            message_id: format!("msg-{seconds}"),
            role,
            author,
            content: content.to_string(),
            timestamp: at(seconds),
            agent_id: (author == Author::Agent || author == Author::System).then(|| "agent-001".to_string()),
            agent_name: (author == Author::Agent).then(|| "Dana".to_string()),
        }
    }

    fn event(kind: EventKind, seconds: i64) -> AuditEvent {
        let mut e = AuditEvent::new(kind, at(seconds), "agent-001")
            .status(AgentStatus::Pending, AgentStatus::Assigned)
            .detail("agent_id", "agent-001")
            .detail("note", "internal: customer is difficult");
        if kind == EventKind::Accepted {
            e = e.detail("agent_name", "Dana");
        }
        e
    }

    const AUDIENCES: [Audience; 3] = [Audience::Customer, Audience::Agent, Audience::Webhook];

    #[test]
    fn every_message_author_for_every_audience() {
        // (author, customer sees, agent sees, webhook sees)
        let table = [
            (Author::Customer, true, true, true),
            (Author::Bot, true, true, true),
            (Author::Agent, true, true, true),
            (Author::System, false, true, false),
        ];
        for (author, customer, agent, webhook) in table {
            let m = message(author, "words", 1);
            for (audience, expected) in AUDIENCES.into_iter().zip([customer, agent, webhook]) {
                let line = visible_message(&m, audience);
                assert_eq!(line.is_some(), expected, "{author:?} for {audience:?}");
                if let Some(line) = line {
                    assert_eq!(line.kind, ThreadKind::Message);
                    assert_eq!(line.content, "words");
                    assert_eq!(line.message_id, "msg-1");
                    assert_eq!(line.notice, None);
                }
            }
        }
    }

    #[test]
    fn every_event_kind_for_every_audience() {
        let notices = |kind| match kind {
            EventKind::Accepted => Some(NoticeKind::AgentJoined),
            EventKind::Transferred => Some(NoticeKind::Transferred),
            EventKind::Released | EventKind::AutoReleased => Some(NoticeKind::Released),
            EventKind::Resolved => Some(NoticeKind::Resolved),
            _ => None,
        };
        for kind in EventKind::ALL {
            let e = event(kind, 1);
            assert_eq!(visible_event(&e, Audience::Agent), None, "agents read the audit trail itself");
            for audience in [Audience::Customer, Audience::Webhook] {
                let line = visible_event(&e, audience);
                assert_eq!(line.as_ref().and_then(|l| l.notice), notices(kind), "{kind:?} for {audience:?}");
                if let Some(line) = line {
                    assert_eq!(line.kind, ThreadKind::Notice);
                    assert_eq!(line.author, Author::System);
                    assert_eq!(line.message_id, e.event_id);
                    assert!(!line.content.contains("agent-001") && !line.content.contains("internal"), "{}", line.content);
                }
            }
        }
    }

    #[test]
    fn an_agents_line_carries_the_display_name_and_never_the_id() {
        let line = visible_message(&message(Author::Agent, "I have refunded your order", 1), Audience::Customer).unwrap();
        assert_eq!(line.agent_name.as_deref(), Some("Dana"));
        let json = serde_json::to_string(&line).unwrap();
        assert!(!json.contains("agent-001"), "{json}");
        let mut unnamed = message(Author::Agent, "hello", 2);
        unnamed.agent_name = None;
        assert_eq!(visible_message(&unnamed, Audience::Webhook).unwrap().agent_name.as_deref(), Some(UNNAMED_AGENT));
        for author in [Author::Customer, Author::Bot] {
            assert_eq!(visible_message(&message(author, "x", 3), Audience::Customer).unwrap().agent_name, None);
        }
    }

    #[test]
    fn the_join_notice_names_the_agent_when_it_can() {
        let named = visible_event(&event(EventKind::Accepted, 1), Audience::Customer).unwrap();
        assert_eq!(named.content, "Dana joined the conversation.");
        assert_eq!(named.agent_name.as_deref(), Some("Dana"));
        let anonymous = AuditEvent::new(EventKind::Accepted, at(1), "key:proxy").detail("agent_id", "agent-007");
        let line = visible_event(&anonymous, Audience::Customer).unwrap();
        assert_eq!(line.content, "An agent joined the conversation.");
        assert_eq!(line.agent_name, None);
    }

    #[test]
    fn merging_keeps_time_order_and_puts_an_event_before_a_message_of_the_same_instant() {
        let messages = vec![message(Author::Customer, "help", 1), message(Author::Agent, "hi", 5), message(Author::Customer, "thanks", 9)];
        let events = vec![event(EventKind::Accepted, 5), event(EventKind::Resolved, 10)];
        let merged = merge(messages, events);
        let order: Vec<String> = visible_lines(&merged, Audience::Customer).into_iter().map(|l| l.content).collect();
        assert_eq!(order, vec!["help", "Dana joined the conversation.", "hi", "thanks", RESOLVED_NOTICE]);
    }

    #[test]
    fn a_chat_answer_tells_what_came_after_the_customers_last_message() {
        let recent = merge(
            vec![
                message(Author::Customer, "first", 1),
                message(Author::Bot, "bot says", 2),
                message(Author::Customer, "a person please", 3),
                message(Author::Bot, "connecting", 3),
                message(Author::Bot, "an agent will be with you", 4),
                message(Author::System, "Transferred from agent-001 to agent-002", 7),
                message(Author::Agent, "I have refunded your order", 8),
            ],
            vec![event(EventKind::Accepted, 6), event(EventKind::Aged, 5)],
        );
        let now = vec![message(Author::Customer, "thank you", 20)];
        let lines: Vec<String> = since_last_customer_turn(&recent, &now).into_iter().map(|l| l.content).collect();
        assert_eq!(lines, vec!["an agent will be with you", "Dana joined the conversation.", "I have refunded your order", "thank you"]);
        // No customer message in the tail: all of it.
        let lines = since_last_customer_turn(&recent[4..], &[]);
        assert_eq!(lines.len(), 3);
    }
}
