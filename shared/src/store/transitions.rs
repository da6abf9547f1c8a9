//! The queue's transitions, one store method each: accept (by id or the next in queue),
//! release, transfer, aging, auto-release and resolve. Each is ONE transaction that carries the
//! session's conditional update, the agents' load counters (with the capacity check), the audit
//! event and the queue's counters, so nothing is ever counted that did not happen.
//!
//! Where a transition needs to know what it changes (the priority whose gauge moves, the agent
//! whose load drops), it reads the session first and conditions the transaction on exactly what
//! it read (status, place in the queue, holder). A race makes the write fail, never wrong; the
//! method then reads again and decides again.

use super::items::{PendingItem, WaitItem};
use super::transact::{enqueue, session_key, timestamp, Tally, TransactFailure};
use super::update::UpdateSpec;
use super::client::{from_item, from_items, n, s, Store};
use super::keys;
use crate::auth::Denied;
use crate::domain::{AgentStatus, AuditEvent, CardNote, EscalationPriority, EventKind, Message, Session};
use crate::error::StoreError;
use crate::queue::QueuePolicy;
use crate::state_machine::{transition, Action};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

/// Reads and decisions of one transition before it gives up on a session that keeps moving.
const DECIDE_ATTEMPTS: usize = 5;
/// Pending sessions "next" tries per Query, and Queries before it gives up.
const NEXT_CANDIDATES: i32 = 10;
const NEXT_ROUNDS: usize = 3;

/// The agent a session is given to.
#[derive(Debug, Clone, Copy)]
pub struct Assignee<'a> {
    pub id: &'a str,
    /// The display name, when the agent is the caller (a token's `name`).
    pub name: Option<&'a str>,
}

/// Who asks for a hand-over, as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct HandOver<'a> {
    /// For the audit trail and the card: an agent id or `key:<id>`.
    pub actor: &'a str,
    /// The agent the caller must be the assignee as; `None` acts for the holder (a proxy key
    /// naming no one).
    pub named_agent: Option<&'a str>,
    /// A supervisor hands over anyone's session.
    pub supervisor: bool,
}

/// What a sweep of the queue did, per transition.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SweepCount {
    /// Sessions the Queries found.
    pub found: usize,
    /// Sessions changed.
    pub done: usize,
    /// Sessions that moved (accepted, aged, active again) before the write, or are not due at
    /// their level yet: left alone.
    pub skipped: usize,
    /// Writes that failed for another reason (logged); the next run tries again.
    pub failed: usize,
}

/// Why a guarded commit did not happen.
enum Commit {
    /// The session is not where the decision found it: read again.
    Moved,
    Failed(StoreError),
}

impl From<StoreError> for Commit {
    fn from(err: StoreError) -> Self {
        Commit::Failed(err)
    }
}

/// The facts about a pending session that its acceptance depends on.
struct Waiting<'a> {
    session_id: &'a str,
    priority: EscalationPriority,
    escalated_at: Option<DateTime<Utc>>,
    pending_order: String,
}

impl<'a> Waiting<'a> {
    fn of_session(session: &'a Session) -> Self {
        let priority = session.priority.unwrap_or(EscalationPriority::Medium);
        let escalated_at = session.escalated_at;
        Waiting {
            session_id: &session.session_id,
            priority,
            escalated_at,
            pending_order: keys::pending_order(priority, escalated_at.unwrap_or(session.updated_at), &session.session_id),
        }
    }

    fn of_index(item: &'a PendingItem) -> Self {
        Waiting {
            session_id: &item.session_id,
            priority: item.priority.unwrap_or(EscalationPriority::Medium),
            escalated_at: item.escalated_at,
            pending_order: item.pending_order.clone(),
        }
    }
}

impl Store {

    // ----- accept ---------------------------------------------------------------------------

    /// pending → assigned, exactly once, within the agent's capacity. Reads the session with its
    /// history (which the response shows) and commits on that read: two round trips.
    pub async fn accept(
        &self,
        session_id: &str,
        assignee: Assignee<'_>,
        actor: &str,
        policy: &QueuePolicy,
        now: DateTime<Utc>,
    ) -> Result<(Session, Vec<Message>), StoreError> {
        let mut held = self.in_flight.hold(&session_key(session_id)).await;
        if held.is_some_and(|status| transition(status, Action::Accept).is_err()) {
            // An accept this request waited for won: it lost the race. A read of the session
            // (no transaction, and outside the lock, so the losers do not queue behind each
            // other's reads) tells it who holds it, so an agent whose own earlier try won learns
            // it from the 409.
            drop(held);
            let session = self.get_session(session_id).await?.ok_or_else(|| StoreError::session_not_found(session_id))?;
            allowed(&session, Action::Accept)?;
            held = self.in_flight.hold(&session_key(session_id)).await;
        }
        for _ in 0..DECIDE_ATTEMPTS {
            let (session, history) =
                self.session_with_history(session_id).await?.ok_or_else(|| StoreError::session_not_found(session_id))?;
            allowed(&session, Action::Accept)?;
            match self.commit_accept(&Waiting::of_session(&session), assignee, actor, policy, now).await {
                Ok(()) => {
                    *held = Some(AgentStatus::Assigned);
                    return Ok((accepted(session, assignee, now), history));
                }
                Err(Commit::Moved) => continue,
                Err(Commit::Failed(err)) => return Err(err),
            }
        }
        Err(StoreError::Conflict(format!("session {session_id} kept changing while it was accepted")))
    }

    /// Claim the highest-priority, longest-waiting pending session for the agent, within their
    /// capacity: the first of the queue that no one else takes first. `None` when the queue is
    /// empty.
    pub async fn accept_next(
        &self,
        assignee: Assignee<'_>,
        actor: &str,
        policy: &QueuePolicy,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        for _ in 0..NEXT_ROUNDS {
            let page = self.list_pending(NEXT_CANDIDATES, None).await?;
            if page.sessions.is_empty() {
                return Ok(None);
            }
            for candidate in &page.sessions {
                let mut held = self.in_flight.hold(&session_key(&candidate.session_id)).await;
                if held.is_some_and(|status| status != AgentStatus::Pending) {
                    continue;
                }
                match self.commit_accept(&Waiting::of_index(candidate), assignee, actor, policy, now).await {
                    Ok(()) => {
                        *held = Some(AgentStatus::Assigned);
                        return Ok(Some(candidate.session_id.clone()));
                    }
                    // Someone else took it (or it was aged into another place): the next one.
                    Err(Commit::Moved) => continue,
                    Err(Commit::Failed(err)) => return Err(err),
                }
            }
        }
        Err(StoreError::Conflict("every session tried was taken by another agent first; try again".into()))
    }

    async fn commit_accept(
        &self,
        waiting: &Waiting<'_>,
        assignee: Assignee<'_>,
        actor: &str,
        policy: &QueuePolicy,
        now: DateTime<Utc>,
    ) -> Result<(), Commit> {
        let id = waiting.session_id;
        let spec = UpdateSpec::new()
            .set("agent_status", s(AgentStatus::Assigned.as_str()))
            .set("assigned_agent_id", s(assignee.id))
            .set_or_remove("assigned_agent_name", assignee.name.map(s))
            .set("accepted_at", s(timestamp(now)))
            .set("updated_at", s(timestamp(now)))
            .set("last_agent_activity_at", s(timestamp(now)))
            .set("capacity_counted", AttributeValue::Bool(true))
            .set(keys::WAIT_STATUS, s(keys::WAIT_ASSIGNED))
            .set(keys::WAIT_SINCE, s(keys::wait_since(now, id)))
            // In the assignee's list; the accept answers with the whole history, so nothing is unread.
            .set(keys::ASSIGNEE_ID, s(assignee.id))
            .set(keys::UNREAD_CUSTOMER_MESSAGES, n(0))
            .remove(keys::PENDING_STATUS)
            .remove(keys::PENDING_ORDER)
            .condition_value(":pending", s(AgentStatus::Pending.as_str()))
            .condition_value(":order", s(waiting.pending_order.as_str()));
        let condition = "attribute_exists(pk) AND agent_status = :pending AND pending_order = :order";
        let waited = waiting.escalated_at.map(|at| (now - at).num_seconds()).unwrap_or(0);
        let mut event = AuditEvent::new(EventKind::Accepted, now, actor)
            .status(AgentStatus::Pending, AgentStatus::Assigned)
            .detail("agent_id", assignee.id)
            .detail("priority", waiting.priority.as_str())
            .detail("waited_seconds", waited);
        // The customer's thread says who joined (crate::thread), by the name the agent signs with.
        if let Some(name) = assignee.name {
            event = event.detail("agent_name", name);
        }
        let tally = Tally::default().pending(waiting.priority, -1).count("accepted", 1).duration("wait", waited);
        let mut actions = vec![
            self.session_update(id, spec, condition)?,
            self.agent_load(assignee.id, 1, Some(policy), now)?,
            self.audit_put(id, &event)?,
        ];
        actions.extend(self.tally_updates(id, &tally, now)?);
        let _agent = self.in_flight.hold(&agent_key(assignee.id)).await;
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition { index: 0, .. }) => Err(Commit::Moved),
            Err(TransactFailure::Condition { index: 1, old_item }) => {
                Err(Commit::Failed(self.at_capacity(assignee.id, old_item.as_ref(), policy)))
            }
            Err(TransactFailure::Condition { .. }) => {
                Err(Commit::Failed(StoreError::Conflict("an audit event with the same key exists".into())))
            }
            Err(TransactFailure::Other(err)) => Err(Commit::Failed(err)),
        }
    }

    // ----- hand-overs -----------------------------------------------------------------------

    /// The session, read to decide a transition of an assigned session: the state machine first
    /// (not assigned is a 409 whoever asks), then who may.
    async fn assigned_for(
        &self,
        session_id: &str,
        action: Action,
        by: &HandOver<'_>,
    ) -> Result<Session, StoreError> {
        let session = self.get_session(session_id).await?.ok_or_else(|| StoreError::session_not_found(session_id))?;
        allowed(&session, action)?;
        let holder = session.assigned_agent_id.as_deref();
        if let Some(named) = by.named_agent {
            if !by.supervisor && holder != Some(named) {
                return Err(StoreError::Denied(Denied::NotAssignee { assignee: holder.map(str::to_string) }));
            }
        }
        Ok(session)
    }

    /// The condition that the session is still assigned to the agent the decision saw.
    pub(super) fn held_by(spec: UpdateSpec, holder: Option<&str>) -> (UpdateSpec, &'static str) {
        let spec = spec.condition_value(":assigned", s(AgentStatus::Assigned.as_str()));
        match holder {
            Some(agent) => (
                spec.condition_value(":holder", s(agent)),
                "attribute_exists(pk) AND agent_status = :assigned AND assigned_agent_id = :holder",
            ),
            None => (spec, "attribute_exists(pk) AND agent_status = :assigned AND attribute_not_exists(assigned_agent_id)"),
        }
    }

    /// assigned → pending, back in the session's original place (same priority, same escalation
    /// time), with a note on the card. One transaction: the session, the holder's load, the
    /// audit event, the gauges.
    pub async fn release(
        &self,
        session_id: &str,
        reason: Option<&str>,
        by: HandOver<'_>,
        now: DateTime<Utc>,
    ) -> Result<Session, StoreError> {
        let mut held = self.in_flight.hold(&session_key(session_id)).await;
        for _ in 0..DECIDE_ATTEMPTS {
            let session = self.assigned_for(session_id, Action::Release, &by).await?;
            let holder = session.assigned_agent_id.clone();
            let text = match reason {
                Some(reason) => format!("Released to the queue by {}: {reason}", by.actor),
                None => format!("Released to the queue by {}", by.actor),
            };
            let note = CardNote { at: now, by: by.actor.to_string(), text };
            let mut event = AuditEvent::new(EventKind::Released, now, by.actor).status(AgentStatus::Assigned, AgentStatus::Pending);
            if let Some(h) = &holder {
                event = event.detail("agent_id", h.as_str());
            }
            if let Some(reason) = reason {
                event = event.detail("reason", reason);
            }
            match self.commit_requeue(&session, note, event, "released", None, now).await {
                Ok(released) => {
                    *held = Some(AgentStatus::Pending);
                    return Ok(released);
                }
                Err(Commit::Moved) => continue,
                Err(Commit::Failed(err)) => return Err(err),
            }
        }
        Err(StoreError::Conflict(format!("session {session_id} kept changing while it was released")))
    }

    /// Put an assigned session back in the queue. With `idle_since`, only if the assignee did
    /// nothing since (auto-release).
    async fn commit_requeue(
        &self,
        session: &Session,
        note: CardNote,
        event: AuditEvent,
        counter: &str,
        idle_since: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Session, Commit> {
        let id = session.session_id.as_str();
        let priority = session.priority.unwrap_or(EscalationPriority::Medium);
        let escalated_at = session.escalated_at.unwrap_or(session.updated_at);
        let note_value = serde_dynamo::to_attribute_value(&note).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let spec = UpdateSpec::new()
            .set("agent_status", s(AgentStatus::Pending.as_str()))
            .set("priority_since", s(timestamp(now)))
            .set("queued_at", s(timestamp(now)))
            .set("updated_at", s(timestamp(now)))
            .set("capacity_counted", AttributeValue::Bool(false))
            .append("card_notes", vec![note_value])
            .remove("assigned_agent_id")
            .remove("assigned_agent_name")
            .remove("accepted_at")
            .remove("last_agent_activity_at")
            .remove(keys::ASSIGNEE_ID);
        let spec = enqueue(spec, id, priority, escalated_at);
        let (mut spec, condition) = Self::held_by(spec, session.assigned_agent_id.as_deref());
        let condition = match idle_since {
            None => condition.to_string(),
            Some(since) => {
                spec = spec.condition_value(":idle_since", s(since));
                format!("{condition} AND wait_since = :idle_since")
            }
        };
        let mut actions = vec![self.session_update(id, spec, &condition)?];
        if let (true, Some(holder)) = (session.capacity_counted, session.assigned_agent_id.as_deref()) {
            actions.push(self.agent_load(holder, -1, None, now)?);
        }
        actions.push(self.audit_put(id, &event)?);
        actions.extend(self.tally_updates(id, &Tally::default().pending(priority, 1).count(counter, 1), now)?);
        match self.transact(actions).await {
            Ok(()) => {
                let mut requeued = session.clone();
                requeued.agent_status = AgentStatus::Pending;
                requeued.assigned_agent_id = None;
                requeued.assigned_agent_name = None;
                requeued.accepted_at = None;
                requeued.last_agent_activity_at = None;
                requeued.capacity_counted = false;
                requeued.priority_since = Some(now);
                requeued.queued_at = Some(now);
                requeued.updated_at = now;
                requeued.card_notes.push(note);
                Ok(requeued)
            }
            Err(TransactFailure::Condition { index: 0, .. }) => Err(Commit::Moved),
            Err(TransactFailure::Condition { .. }) => {
                Err(Commit::Failed(StoreError::Conflict("an audit event with the same key exists".into())))
            }
            Err(TransactFailure::Other(err)) => Err(Commit::Failed(err)),
        }
    }

    /// assigned → assigned to `to_agent`, within their capacity. One transaction: the session, both
    /// agents' load, a system message in the history, the audit event, the counters.
    pub async fn transfer(
        &self,
        session_id: &str,
        to_agent: &str,
        note: Option<&str>,
        by: HandOver<'_>,
        policy: &QueuePolicy,
        now: DateTime<Utc>,
    ) -> Result<Session, StoreError> {
        let _held = self.in_flight.hold(&session_key(session_id)).await;
        for _ in 0..DECIDE_ATTEMPTS {
            let session = self.assigned_for(session_id, Action::Transfer, &by).await?;
            let holder = session.assigned_agent_id.clone();
            if holder.as_deref() == Some(to_agent) {
                return Err(StoreError::Conflict(format!("session {session_id} is already assigned to {to_agent}")));
            }
            let from = holder.as_deref().unwrap_or("no one");
            let mut text = format!("Transferred from {from} to {to_agent} by {}", by.actor);
            if let Some(note) = note {
                text.push_str(&format!(": {note}"));
            }
            let record = Message {
                message_id: crate::domain::new_id("msg"),
                role: crate::domain::Role::System,
                author: crate::domain::Author::System,
                content: text.clone(),
                timestamp: now,
                agent_id: Some(to_agent.to_string()),
                agent_name: None,
            };
            let card_note = CardNote { at: now, by: by.actor.to_string(), text };
            let note_value =
                serde_dynamo::to_attribute_value(&card_note).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let spec = UpdateSpec::new()
                .set("assigned_agent_id", s(to_agent))
                .set(keys::ASSIGNEE_ID, s(to_agent))
                .set("updated_at", s(timestamp(now)))
                .set("last_agent_activity_at", s(timestamp(now)))
                .set("capacity_counted", AttributeValue::Bool(true))
                .set(keys::WAIT_SINCE, s(keys::wait_since(now, session_id)))
                .append("card_notes", vec![note_value])
                .remove("assigned_agent_name")
                .add("turn_count", 1);
            let (spec, condition) = Self::held_by(spec, holder.as_deref());
            let mut event = AuditEvent::new(EventKind::Transferred, now, by.actor)
                .status(AgentStatus::Assigned, AgentStatus::Assigned)
                .detail("from_agent_id", from)
                .detail("to_agent_id", to_agent);
            if let Some(note) = note {
                event = event.detail("note", note);
            }
            let mut actions = vec![
                self.session_update(session_id, spec, condition)?,
                self.agent_load_checked(to_agent, 1, Some(policy), true, now)?,
            ];
            if let (true, Some(holder)) = (session.capacity_counted, holder.as_deref()) {
                actions.push(self.agent_load(holder, -1, None, now)?);
            }
            actions.extend(self.message_puts(session_id, std::slice::from_ref(&record))?);
            actions.push(self.audit_put(session_id, &event)?);
            actions.extend(self.tally_updates(session_id, &Tally::default().count("transferred", 1), now)?);
            let _agent = self.in_flight.hold(&agent_key(to_agent)).await;
            match self.transact(actions).await {
                Ok(()) => {
                    let mut moved = session;
                    moved.assigned_agent_id = Some(to_agent.to_string());
                    moved.assigned_agent_name = None;
                    moved.last_agent_activity_at = Some(now);
                    moved.capacity_counted = true;
                    moved.turn_count += 1;
                    moved.updated_at = now;
                    moved.card_notes.push(card_note);
                    return Ok(moved);
                }
                Err(TransactFailure::Condition { index: 0, .. }) => continue,
                Err(TransactFailure::Condition { index: 1, old_item }) => {
                    let on_roster = old_item.as_ref().and_then(|i| i.get("takes_sessions")).and_then(|v| v.as_bool().ok());
                    if on_roster != Some(&true) {
                        return Err(StoreError::NotFound { kind: "agent", id: to_agent.to_string() });
                    }
                    return Err(self.at_capacity(to_agent, old_item.as_ref(), policy));
                }
                Err(TransactFailure::Condition { .. }) => {
                    return Err(StoreError::Conflict("a message or event with the same key exists".into()))
                }
                Err(TransactFailure::Other(err)) => return Err(err),
            }
        }
        Err(StoreError::Conflict(format!("session {session_id} kept changing while it was transferred")))
    }

    // ----- resolve --------------------------------------------------------------------------

    /// assigned → resolved, exactly once, and (when `named_agent` is given) only by that agent.
    /// One transaction: the session, the assignee's load, the audit event, the counters.
    pub async fn resolve(
        &self,
        session_id: &str,
        note: Option<&str>,
        named_agent: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Session, StoreError> {
        let by = HandOver { actor, named_agent, supervisor: false };
        let mut held = self.in_flight.hold(&session_key(session_id)).await;
        for _ in 0..DECIDE_ATTEMPTS {
            let session = self.assigned_for(session_id, Action::Resolve, &by).await?;
            let holder = session.assigned_agent_id.clone();
            let spec = UpdateSpec::new()
                .set("agent_status", s(AgentStatus::Resolved.as_str()))
                .set("resolved_at", s(timestamp(now)))
                .set("updated_at", s(timestamp(now)))
                .set_or_remove("resolve_note", note.map(s))
                .remove(keys::WAIT_STATUS)
                .remove(keys::WAIT_SINCE)
                .remove(keys::ASSIGNEE_ID);
            let (spec, condition) = Self::held_by(spec, holder.as_deref());
            let handled = session.accepted_at.map(|at| (now - at).num_seconds()).unwrap_or(0);
            let mut event = AuditEvent::new(EventKind::Resolved, now, actor)
                .status(AgentStatus::Assigned, AgentStatus::Resolved)
                .detail("handle_seconds", handled);
            if let Some(h) = &holder {
                event = event.detail("agent_id", h.as_str());
            }
            let mut actions = vec![self.session_update(session_id, spec, condition)?];
            if let (true, Some(holder)) = (session.capacity_counted, holder.as_deref()) {
                actions.push(self.agent_load(holder, -1, None, now)?);
            }
            actions.push(self.audit_put(session_id, &event)?);
            let tally = Tally::default().count("resolved", 1).duration("handle", handled);
            actions.extend(self.tally_updates(session_id, &tally, now)?);
            match self.transact(actions).await {
                Ok(()) => {
                    *held = Some(AgentStatus::Resolved);
                    let mut resolved = session;
                    resolved.agent_status = AgentStatus::Resolved;
                    resolved.resolved_at = Some(now);
                    resolved.updated_at = now;
                    resolved.resolve_note = note.map(str::to_string);
                    return Ok(resolved);
                }
                Err(TransactFailure::Condition { index: 0, .. }) => continue,
                Err(TransactFailure::Condition { .. }) => {
                    return Err(StoreError::Conflict("an audit event with the same key exists".into()))
                }
                Err(TransactFailure::Other(err)) => return Err(err),
            }
        }
        Err(StoreError::Conflict(format!("session {session_id} kept changing while it was resolved")))
    }

    // ----- the scheduled sweeps -------------------------------------------------------------

    /// The pending sessions due to be raised from `priority`: at that priority since `cutoff` or
    /// before. One Query per level on the wait index (pending sessions by escalation time, the
    /// range up to the cutoff, since a session cannot have been at a priority longer than it has
    /// waited), filtered to the level and its `priority_since`; paged past 1 MB.
    pub async fn due_for_aging(
        &self,
        priority: EscalationPriority,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<WaitItem>, StoreError> {
        let upto = format!("{}#\u{10ffff}", keys::micros(cutoff));
        let items = self
            .query_index_filtered(
                keys::WAIT_INDEX,
                "wait_status = :w AND wait_since <= :upto",
                Some("priority = :level AND (attribute_not_exists(priority_since) OR priority_since <= :cutoff)"),
                &[
                    (":w", keys::WAIT_PENDING.to_string()),
                    (":upto", upto),
                    (":level", priority.as_str().to_string()),
                    (":cutoff", timestamp(cutoff)),
                ],
                None,
            )
            .await?;
        from_items(items)
    }

    /// Raise a pending session one level, if it is still pending in the place the Query found it
    /// and has been at its priority since `cutoff` or before. Returns whether it was raised.
    pub async fn age(&self, item: &WaitItem, cutoff: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = item.session_id.as_str();
        let from = item.priority.unwrap_or(EscalationPriority::Medium);
        let to = from.raised();
        let escalated_at = item.escalated_at.unwrap_or(now);
        let Some(order) = item.pending_order.as_deref() else { return Ok(false) };
        let spec = UpdateSpec::new()
            .set("priority", s(to.as_str()))
            .set(keys::PENDING_ORDER, s(keys::pending_order(to, escalated_at, id)))
            .set("priority_since", s(timestamp(now)))
            .set("updated_at", s(timestamp(now)))
            .condition_value(":pending", s(AgentStatus::Pending.as_str()))
            .condition_value(":order", s(order))
            .condition_value(":cutoff", s(timestamp(cutoff)));
        let condition = "attribute_exists(pk) AND agent_status = :pending AND pending_order = :order \
                         AND (attribute_not_exists(priority_since) OR priority_since <= :cutoff)";
        let event = AuditEvent::new(EventKind::Aged, now, "system")
            .status(AgentStatus::Pending, AgentStatus::Pending)
            .detail("from_priority", from.as_str())
            .detail("to_priority", to.as_str())
            .detail("waited_seconds", (now - escalated_at).num_seconds());
        let tally = Tally::default().pending(from, -1).pending(to, 1).count("aged", 1);
        let mut actions = vec![self.session_update(id, spec, condition)?, self.audit_put(id, &event)?];
        actions.extend(self.tally_updates(id, &tally, now)?);
        let _held = self.in_flight.hold(&session_key(id)).await;
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(TransactFailure::Condition { .. }) => Ok(false),
            Err(TransactFailure::Other(err)) => Err(err),
        }
    }

    /// Assigned sessions whose assignee's last activity was at or before `cutoff`, from the wait
    /// index (paged).
    pub async fn idle_assigned(&self, cutoff: DateTime<Utc>) -> Result<Vec<WaitItem>, StoreError> {
        let upto = format!("{}#\u{10ffff}", keys::micros(cutoff));
        let items = self
            .query_index(keys::WAIT_INDEX, "wait_status = :w AND wait_since <= :upto", &[
                (":w", keys::WAIT_ASSIGNED.to_string()),
                (":upto", upto),
            ], None)
            .await?;
        from_items(items)
    }

    /// Put an idle assigned session back in the queue, if its assignee still did nothing since
    /// the index saw it. Returns whether it was released.
    pub async fn auto_release(&self, item: &WaitItem, idle_minutes: u32, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut session = Session::new(item.session_id.clone(), String::new(), Default::default(), now);
        session.agent_status = AgentStatus::Assigned;
        session.priority = item.priority;
        session.escalated_at = item.escalated_at;
        session.assigned_agent_id = item.assigned_agent_id.clone();
        session.capacity_counted = item.capacity_counted;
        let holder = item.assigned_agent_id.as_deref().unwrap_or("no one");
        let note = CardNote {
            at: now,
            by: "system".into(),
            text: format!("Returned to the queue after {idle_minutes} minutes without activity from {holder}"),
        };
        let event = AuditEvent::new(EventKind::AutoReleased, now, "system")
            .status(AgentStatus::Assigned, AgentStatus::Pending)
            .detail("agent_id", holder)
            .detail("idle_minutes", idle_minutes);
        let mut held = self.in_flight.hold(&session_key(&item.session_id)).await;
        match self.commit_requeue(&session, note, event, "auto_released", Some(&item.wait_since), now).await {
            Ok(_) => {
                *held = Some(AgentStatus::Pending);
                Ok(true)
            }
            Err(Commit::Moved) => Ok(false),
            Err(Commit::Failed(err)) => Err(err),
        }
    }

    /// When the longest-waiting pending session was escalated: the first of the wait index.
    pub async fn oldest_pending(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let items = self
            .query_index(keys::WAIT_INDEX, "wait_status = :w", &[(":w", keys::WAIT_PENDING.to_string())], Some(1))
            .await?;
        let first: Option<WaitItem> = items.into_iter().next().map(from_item).transpose()?;
        Ok(first.and_then(|item| {
            item.escalated_at.or_else(|| {
                let at = item.wait_since.split('#').next()?;
                DateTime::parse_from_rfc3339(at).ok().map(|t| t.with_timezone(&Utc))
            })
        }))
    }

}

/// The state machine's verdict on `action` for the session as read; a refusal names the agent
/// holding the session, if any (so an agent whose own earlier try won learns it from the 409).
fn allowed(session: &Session, action: Action) -> Result<(), StoreError> {
    transition(session.agent_status, action).map(|_| ()).map_err(|rejected| match &session.assigned_agent_id {
        Some(holder) => StoreError::RejectedHeld { rejected, holder: holder.clone() },
        None => StoreError::Rejected(rejected),
    })
}

fn agent_key(agent_id: &str) -> String {
    format!("agent:{agent_id}")
}

/// The session as the accept left it.
fn accepted(mut session: Session, assignee: Assignee<'_>, now: DateTime<Utc>) -> Session {
    session.agent_status = AgentStatus::Assigned;
    session.assigned_agent_id = Some(assignee.id.to_string());
    session.assigned_agent_name = assignee.name.map(str::to_string);
    session.accepted_at = Some(now);
    session.updated_at = now;
    session.last_agent_activity_at = Some(now);
    session.capacity_counted = true;
    session
}

