//! Sessions, their messages, the pending queue and the per-user ticket count.

use super::idempotency::RecordCompletion;
use super::items::{MessageItem, PendingItem, SessionItem};
use super::transact::{claim_lapsed, enqueue, timestamp, version_key, version_of, SortKeys, Tally, TransactFailure};
use super::update::UpdateSpec;
use super::client::{from_item, key, n, s, to_item, Item, Store};
use super::transact::{assignee_clause, refusal_from_old_item, status_condition};
use super::keys;
use crate::domain::{AgentStatus, AuditEvent, Author, EscalationCard, EscalationPriority, EventKind, Message, Session};
use crate::error::StoreError;
use crate::state_machine::Action;
use crate::turn_policy::{SessionChange, TurnPlan};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How many times a transaction that lost a race to another transaction is tried again.
const TRANSACTION_ATTEMPTS: u32 = 16;
/// DynamoDB allows 100 actions in a transaction; a few are reserved for the session, user and marker.
pub const MAX_MESSAGES_PER_WRITE: usize = 90;

pub struct PendingPage {
    pub sessions: Vec<PendingItem>,
    /// Opaque cursor for the next page, if there may be one.
    pub next_cursor: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    Created,
    Duplicate,
}

impl Store {
    pub async fn get_session(&self, session_id: &str) -> Result<Option<Session>, StoreError> {
        let item: Option<SessionItem> = self.get_typed(keys::session_pk(session_id), keys::META).await?;
        Ok(item.map(SessionItem::into_session))
    }

    /// The session and the knowledge version, read consistently in one round trip (BatchGetItem):
    /// a chat turn learns whether its container's knowledge index is current at no extra cost.
    pub async fn get_session_and_knowledge_version(&self, session_id: &str) -> Result<(Option<Session>, u64), StoreError> {
        let session_key = key(keys::session_pk(session_id), keys::META);
        let version_key = version_key();
        let mut wanted = vec![session_key.clone(), version_key.clone()];
        let (mut session, mut version) = (None, 0);
        // Unprocessed keys (throttling) are asked again; DynamoDB returns at least one per call.
        for _ in 0..5 {
            let keys_and_attributes = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut wanted)))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::dynamo("BatchGetItem", e))?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, keys_and_attributes)
                .send()
                .await
                .map_err(|e| StoreError::dynamo("BatchGetItem", e))?;
            for item in out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                let is = |k: &Item| item.get(keys::PK) == k.get(keys::PK) && item.get(keys::SK) == k.get(keys::SK);
                if is(&version_key) {
                    version = version_of(&item);
                } else if is(&session_key) {
                    session = Some(from_item::<SessionItem>(item)?.into_session());
                }
            }
            wanted = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).map(|k| k.keys).unwrap_or_default();
            if wanted.is_empty() {
                return Ok((session, version));
            }
        }
        Err(StoreError::Unavailable {
            operation: "BatchGetItem",
            source: "keys left unprocessed after 5 calls (throttled)".into(),
        })
    }

    /// The session and its whole history in one Query over its partition (more only past 1 MB),
    /// from `META` on: the audit trail sorts before it and is not read.
    pub async fn session_with_history(&self, session_id: &str) -> Result<Option<(Session, Vec<Message>)>, StoreError> {
        let items = self.query_sort_keys(keys::session_pk(session_id), Some(SortKeys::From(keys::META))).await?;
        let mut session = None;
        let mut history = Vec::new();
        for item in items {
            match item.get(keys::SK).and_then(|v| v.as_s().ok()).map(String::as_str) {
                Some(keys::META) => session = Some(from_item::<SessionItem>(item)?.into_session()),
                Some(sk) if sk.starts_with(keys::MESSAGE_PREFIX) => {
                    history.push(from_item::<MessageItem>(item)?.into_message())
                }
                _ => {}
            }
        }
        Ok(session.map(|s| (s, history)))
    }

    pub async fn history(&self, session_id: &str) -> Result<Vec<Message>, StoreError> {
        let items =
            self.query_partition(keys::session_pk(session_id), Some(keys::MESSAGE_PREFIX)).await?;
        items.into_iter().map(|item| from_item::<MessageItem>(item).map(MessageItem::into_message)).collect()
    }

    pub(crate) async fn query_partition(&self, pk: String, sk_prefix: Option<&str>) -> Result<Vec<Item>, StoreError> {
        self.query_sort_keys(pk, sk_prefix.map(SortKeys::Prefix)).await
    }

    /// Every item of a partition within `sort_keys` (all of them with `None`), paged past 1 MB.
    pub(crate) async fn query_sort_keys(&self, pk: String, sort_keys: Option<SortKeys<'_>>) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .expression_attribute_values(":pk", s(pk.clone()))
                .set_exclusive_start_key(start.take());
            query = match sort_keys {
                Some(SortKeys::Prefix(prefix)) => query
                    .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                    .expression_attribute_values(":prefix", s(prefix)),
                Some(SortKeys::From(from)) => query
                    .key_condition_expression("pk = :pk AND sk >= :from")
                    .expression_attribute_values(":from", s(from)),
                Some(SortKeys::Between(from, to)) => query
                    .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                    .expression_attribute_values(":from", s(from))
                    .expression_attribute_values(":to", s(to)),
                None => query.key_condition_expression("pk = :pk"),
            };
            let out = query.send().await.map_err(|e| StoreError::dynamo("Query", e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => return Ok(items),
            }
        }
    }

    /// A new bot session. Fails if the id is taken.
    pub async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let item = to_item(&SessionItem::from_session(session))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) {
                    StoreError::Conflict(format!("session {} already exists", session.session_id))
                } else {
                    StoreError::dynamo("PutItem", e)
                }
            })
    }

    /// One page of the pending queue: priority descending, oldest first within a priority.
    pub async fn list_pending(&self, limit: i32, cursor: Option<&str>) -> Result<PendingPage, StoreError> {
        let start = match cursor {
            None => None,
            Some(cursor) => Some(pending_cursor_key(cursor).ok_or_else(|| {
                StoreError::Conflict("invalid cursor".to_string())
            })?),
        };
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::PENDING_INDEX)
            .key_condition_expression("pending_status = :pending")
            .expression_attribute_values(":pending", s(keys::PENDING_PARTITION))
            .scan_index_forward(true)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("Query", e))?;
        let sessions: Vec<PendingItem> =
            out.items.unwrap_or_default().into_iter().map(from_item).collect::<Result<_, _>>()?;
        let more = out.last_evaluated_key.is_some_and(|k| !k.is_empty());
        let next_cursor = if more { sessions.last().map(|s| keys::encode_cursor(&s.pending_order)) } else { None };
        Ok(PendingPage { sessions, next_cursor })
    }

    /// Append an agent's message (or the record of an executed business write): the session must
    /// be assigned (to `assignee`, when given), checked in the same transaction that stores the
    /// message, counts it, marks the agent active (auto-release measures from here; a message is
    /// also the first response if there was none) and writes the audit event.
    #[allow(clippy::too_many_arguments)] // the write's own facts; a struct would only rename them
    pub async fn append_agent_message(
        &self,
        session_id: &str,
        message: &Message,
        assignee: Option<&str>,
        kind: EventKind,
        actor: &str,
        now: DateTime<Utc>,
        completion: Option<&RecordCompletion>,
    ) -> Result<(), StoreError> {
        let mut update = UpdateSpec::new()
            .add("turn_count", 1)
            .set("updated_at", s(timestamp(now)))
            .set("last_agent_activity_at", s(timestamp(now)))
            .set(keys::WAIT_SINCE, s(keys::wait_since(now, session_id)));
        if kind == EventKind::AgentMessage {
            // Writing to the customer is looking at the thread: nothing stays unread.
            update = update
                .set_if_absent("first_response_at", s(timestamp(now)))
                .set(keys::UNREAD_CUSTOMER_MESSAGES, n(0));
            update = latest_message(update, message);
        }
        let mut event = AuditEvent::new(kind, now, actor)
            .status(AgentStatus::Assigned, AgentStatus::Assigned)
            .detail("message_id", message.message_id.as_str());
        if let Some(agent) = &message.agent_id {
            event = event.detail("agent_id", agent.as_str());
        }
        let turn = TurnWrite {
            session_id,
            action: Action::SendMessage,
            expected: AgentStatus::Assigned,
            assignee,
            update,
            messages: std::slice::from_ref(message),
            increment_tickets_of: None,
            extra: vec![self.audit_put(session_id, &event)?],
            creates: None,
            completion,
        };
        self.write_turn(turn).await
    }

    /// A customer turn of the chat endpoint, as the turn policy decided it: the messages and
    /// the session's changes, guarded by the status the turn was decided for. An escalation puts
    /// the session in the queue (index keys, card, ticket count, audit event, queue gauges) in
    /// the same transaction. A turn that starts its session (`creates`) creates it in the same
    /// write, as it was before the turn, so a first turn is one round trip and never leaves an
    /// empty session behind; a keyed request's idempotency record is completed in it too.
    pub async fn write_customer_turn(
        &self,
        session: &Session,
        plan: &TurnPlan,
        card: Option<&EscalationCard>,
        now: DateTime<Utc>,
        creates: bool,
        completion: Option<&RecordCompletion>,
    ) -> Result<(), StoreError> {
        let session_id = session.session_id.as_str();
        let mut update = UpdateSpec::new()
            .add("turn_count", plan.messages.len() as i64)
            .set("updated_at", s(timestamp(now)));
        // What "my sessions" shows of the thread: its latest words, and how much the assignee has not read.
        let from_customer = plan.messages.iter().filter(|m| m.author == Author::Customer).count();
        if from_customer > 0 {
            update = update.add(keys::UNREAD_CUSTOMER_MESSAGES, from_customer as i64).set(keys::LAST_CUSTOMER_MESSAGE_AT, s(timestamp(now)));
        }
        if let Some(last) = plan.messages.iter().rev().find(|m| m.author == Author::Customer) {
            update = customer_glance(update, &last.content);
        }
        if let Some(last) = plan.messages.last() {
            update = latest_message(update, last);
        }
        let mut tally = Tally::default();
        let mut extra = Vec::new();
        let mut increment_tickets_of = None;
        match &plan.change {
            SessionChange::MessagesOnly => {}
            SessionChange::BotTurn { answered, from_faq, attempted_solutions } => {
                update = update.set("attempted_solutions", string_list(attempted_solutions));
                update = if *answered {
                    update.set("consecutive_failures", n(0))
                } else {
                    update.add("consecutive_failures", 1)
                };
                tally = tally.count(if *answered { "bot_answered" } else { "bot_unanswered" }, 1);
                if *from_faq {
                    tally = tally.count("faq_hits", 1);
                }
            }
            SessionChange::Escalate(escalation) => {
                let card = card.ok_or_else(|| StoreError::Corrupt("an escalation is written with its card".into()))?;
                let card_value = serde_dynamo::to_attribute_value(card).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                update = update
                    .set("agent_status", s(AgentStatus::Pending.as_str()))
                    .set("priority", s(escalation.priority.as_str()))
                    .set("escalate_reason", s(escalation.reason.as_str()))
                    .set("escalated_at", s(timestamp(now)))
                    .set("priority_since", s(timestamp(now)))
                    .set("queued_at", s(timestamp(now)))
                    .set("escalation_card", card_value)
                    .set("attempted_solutions", string_list(&escalation.attempted_solutions))
                    .set("consecutive_failures", n(escalation.consecutive_failures));
                update = enqueue(update, session_id, escalation.priority, now);
                increment_tickets_of = Some(session.user_id.as_str());
                let event = AuditEvent::new(EventKind::Escalated, now, "bot")
                    .status(session.agent_status, AgentStatus::Pending)
                    .detail("priority", escalation.priority.as_str())
                    .detail("reason", escalation.reason.as_str())
                    .detail("channel", "chat");
                extra.push(self.audit_put(session_id, &event)?);
                tally = tally.pending(escalation.priority, 1).count("escalated", 1).count("bot_escalated", 1);
            }
        }
        extra.extend(self.tally_updates(session_id, &tally, now)?);
        self.write_turn(TurnWrite {
            session_id,
            action: plan.action,
            expected: plan.expected,
            assignee: None,
            update,
            messages: &plan.messages,
            increment_tickets_of,
            extra,
            creates: creates.then_some(session),
            completion,
        })
        .await
    }

    async fn write_turn(&self, turn: TurnWrite<'_>) -> Result<(), StoreError> {
        let TurnWrite { session_id, action, expected, assignee, update, messages, increment_tickets_of, extra, creates, completion } =
            turn;
        let (update, condition) = match creates {
            Some(session) => (
                update.set_missing_from(to_item(&SessionItem::from_session(session))?),
                "attribute_not_exists(pk)".to_string(),
            ),
            None => {
                let mut update = update.condition_value(":expected_status", s(expected.as_str()));
                if let Some(agent) = assignee {
                    update = update.condition_value(":assignee", s(agent));
                }
                (update, format!("attribute_exists(pk) AND agent_status = :expected_status{}", assignee_clause(assignee)))
            }
        };
        let session_update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), keys::META)))
            .update_expression(update.expression())
            .condition_expression(condition)
            .set_expression_attribute_values(update.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        let mut actions = vec![TransactWriteItem::builder().update(session_update).build()];
        if let Some(user_id) = increment_tickets_of {
            actions.push(self.ticket_increment(user_id)?);
        }
        actions.extend(self.message_puts(session_id, messages)?);
        actions.extend(extra);
        let completion_index = actions.len();
        if let Some(completion) = completion {
            actions.push(self.completion_action(completion)?);
        }
        let mut held = self.in_flight.hold(&super::transact::session_key(session_id)).await;
        match self.transact(actions).await {
            Ok(()) => {
                // An escalation puts the session (back) in the queue; other turns keep its status.
                if increment_tickets_of.is_some() {
                    *held = Some(AgentStatus::Pending);
                }
                Ok(())
            }
            Err(TransactFailure::Condition { index: 0, .. }) if creates.is_some() => {
                Err(StoreError::Conflict(format!("session {session_id} already exists")))
            }
            Err(TransactFailure::Condition { index: 0, old_item }) => {
                // The status (or the assignee) was not what this write needs: report what we found.
                Err(refusal_from_old_item(session_id, action, expected, assignee, old_item.as_ref()))
            }
            Err(TransactFailure::Condition { index, .. }) if index == completion_index && completion.is_some() => {
                Err(claim_lapsed())
            }
            Err(TransactFailure::Condition { .. }) => {
                Err(StoreError::Conflict("a message with the same id already exists".to_string()))
            }
            Err(TransactFailure::Other(err)) => Err(err),
        }
    }

    /// Store a missing card, unless another request already did.
    pub async fn write_back_card(&self, session_id: &str, card: &EscalationCard) -> Result<(), StoreError> {
        let card_value = serde_dynamo::to_attribute_value(card).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), keys::META)))
            .update_expression("SET escalation_card = :card")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(escalation_card)")
            .expression_attribute_values(":card", card_value)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(StoreError::dynamo("UpdateItem", e)),
        }
    }

    /// How many times this user was escalated before.
    pub async fn user_ticket_count(&self, user_id: &str) -> Result<u32, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::user_pk(user_id), keys::USER_PROFILE)))
            .projection_expression("history_ticket_count")
            .send()
            .await
            .map_err(|e| StoreError::dynamo("GetItem", e))?;
        Ok(out
            .item
            .and_then(|item| item.get("history_ticket_count").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()))
            .unwrap_or(0))
    }

    /// Ingest an escalation from an upstream bot: the event marker, the pending session, its
    /// history and the user's ticket count in one transaction, so a replayed event changes nothing.
    pub async fn ingest_escalation(
        &self,
        event_id: &str,
        session: &Session,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<IngestOutcome, StoreError> {
        let marker = Put::builder()
            .table_name(&self.table)
            .set_item(Some({
                let mut item = key(keys::event_pk(event_id), "EVENT");
                item.insert("entity".into(), s("ingested_event"));
                item.insert("session_id".into(), s(&session.session_id));
                item.insert("ingested_at".into(), s(timestamp(now)));
                item
            }))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        let mut session_item = to_item(&SessionItem::from_session(session))?;
        if let Some(last) = messages.iter().rev().find(|m| m.author == Author::Customer) {
            let glance = crate::escalation::glance(&last.content);
            session_item.insert(keys::CUSTOMER_WORDS.into(), s(glance.words));
            session_item.insert(keys::CUSTOMER_LANGUAGE.into(), s(glance.language));
            if let Some(order_id) = glance.order_id {
                session_item.insert(keys::ORDER_ID.into(), s(order_id));
            }
        }
        let session_put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(session_item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        let priority = session.priority.unwrap_or(EscalationPriority::Medium);
        let event = AuditEvent::new(EventKind::Escalated, now, "bot")
            .status(AgentStatus::None, AgentStatus::Pending)
            .detail("priority", priority.as_str())
            .detail("reason", session.escalate_reason.as_deref().unwrap_or_default())
            .detail("channel", "upstream")
            .detail("event_id", event_id);
        let tally = Tally::default().pending(priority, 1).count("escalated", 1);
        let mut actions = vec![
            TransactWriteItem::builder().put(marker).build(),
            TransactWriteItem::builder().put(session_put).build(),
            self.ticket_increment(&session.user_id)?,
            self.audit_put(&session.session_id, &event)?,
        ];
        actions.extend(self.tally_updates(&session.session_id, &tally, now)?);
        actions.extend(self.message_puts(&session.session_id, messages)?);
        match self.transact(actions).await {
            Ok(()) => Ok(IngestOutcome::Created),
            // The event was seen before, or the session is already known: nothing changes.
            Err(TransactFailure::Condition { index: 0 | 1, .. }) => Ok(IngestOutcome::Duplicate),
            Err(TransactFailure::Condition { .. }) => {
                Err(StoreError::Conflict("a message of this event already exists".to_string()))
            }
            Err(TransactFailure::Other(err)) => Err(err),
        }
    }

    fn ticket_increment(&self, user_id: &str) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::user_pk(user_id), keys::USER_PROFILE)))
            .update_expression("SET entity = :entity, user_id = :user_id ADD history_ticket_count :one")
            .expression_attribute_values(":entity", s("user"))
            .expression_attribute_values(":user_id", s(user_id))
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    pub(crate) fn message_puts(&self, session_id: &str, messages: &[Message]) -> Result<Vec<TransactWriteItem>, StoreError> {
        messages
            .iter()
            .enumerate()
            .map(|(seq, m)| {
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(to_item(&MessageItem::new(session_id, seq, m))?))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
                Ok(TransactWriteItem::builder().put(put).build())
            })
            .collect()
    }

    /// A ConditionCheck that the session is in the status `action` requires, for transactions
    /// that write another item (a solution) on the session's word.
    /// With `assignee`, the session must also be held by that agent.
    pub(crate) fn session_status_check(
        &self,
        session_id: &str,
        action: Action,
        assignee: Option<&str>,
    ) -> Result<TransactWriteItem, StoreError> {
        let (condition, required) = status_condition(action);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), keys::META)))
            .condition_expression(format!("{condition}{}", assignee_clause(assignee)))
            .set_expression_attribute_values(Some({
                let mut values = std::collections::HashMap::from([(":required_status".to_string(), s(required.as_str()))]);
                if let Some(agent) = assignee {
                    values.insert(":assignee".to_string(), s(agent));
                }
                values
            }))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Run a transaction, retrying only when it lost a race with another transaction.
    pub(crate) async fn transact(&self, actions: Vec<TransactWriteItem>) -> Result<(), TransactFailure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.client.transact_write_items().set_transact_items(Some(actions.clone())).send().await;
            let err = match result {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() {
                let reasons = cancelled.cancellation_reasons();
                if let Some((index, reason)) =
                    reasons.iter().enumerate().find(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                {
                    return Err(TransactFailure::Condition { index, old_item: reason.item().cloned() });
                }
                let conflict = reasons.iter().any(|r| r.code() == Some("TransactionConflict"));
                if conflict && attempt < TRANSACTION_ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
            }
            let in_progress = err.as_service_error().is_some_and(|e| e.is_transaction_in_progress_exception());
            if in_progress && attempt < TRANSACTION_ATTEMPTS {
                tokio::time::sleep(backoff(attempt)).await;
                continue;
            }
            return Err(TransactFailure::Other(StoreError::dynamo("TransactWriteItems", err)));
        }
    }
}

/// One guarded write of a turn: the session update and its messages, in one transaction.
struct TurnWrite<'a> {
    session_id: &'a str,
    action: Action,
    /// The status the session must still have.
    expected: AgentStatus,
    /// The agent the session must still be assigned to, when the write is the assignee's.
    assignee: Option<&'a str>,
    update: UpdateSpec,
    messages: &'a [Message],
    increment_tickets_of: Option<&'a str>,
    /// Written in the same transaction after the messages: the audit event, counters.
    extra: Vec<TransactWriteItem>,
    creates: Option<&'a Session>,
    completion: Option<&'a RecordCompletion>,
}

fn string_list(items: &[String]) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::L(items.iter().map(|i| s(i.as_str())).collect())
}

/// Exponential backoff with full jitter, capped at about 200 ms.
fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = (5u64 << attempt.min(6)).min(200);
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * ceiling_ms / 255;
    Duration::from_millis(jitter.max(1))
}

/// How long a message's preview is, in characters.
pub const PREVIEW_CHARS: usize = 140;

/// The thread's latest message on the session item: its first line, shortened, who wrote it and when.
/// The queue row's view of the customer's latest words. It rides in the turn's own write; the
/// pending index projects it, so a row tells its customer apart without a read of the session.
fn customer_glance(update: UpdateSpec, text: &str) -> UpdateSpec {
    let glance = crate::escalation::glance(text);
    let update = update.set(keys::CUSTOMER_WORDS, s(glance.words)).set(keys::CUSTOMER_LANGUAGE, s(glance.language));
    match glance.order_id {
        Some(order_id) => update.set(keys::ORDER_ID, s(order_id)),
        None => update,
    }
}

fn latest_message(update: UpdateSpec, message: &Message) -> UpdateSpec {
    let first_line = message.content.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut preview: String = first_line.chars().take(PREVIEW_CHARS).collect();
    if first_line.chars().count() > PREVIEW_CHARS || message.content.trim().lines().count() > 1 {
        preview.push('…');
    }
    update
        .set(keys::LAST_MESSAGE_PREVIEW, s(preview))
        .set(keys::LAST_MESSAGE_AUTHOR, s(message.author.as_str()))
        .set(keys::LAST_MESSAGE_AT, s(timestamp(message.timestamp)))
}

/// Cursors are the hex of the last pending-order key: opaque to clients, checkable by us.
/// The ExclusiveStartKey a cursor stands for, or None if it is not one of ours.
fn pending_cursor_key(cursor: &str) -> Option<Item> {
    let order = keys::decode_cursor(cursor)?;
    let session_id = keys::session_of_pending_order(&order)?.to_string();
    let mut item = key(keys::session_pk(&session_id), keys::META);
    item.insert(keys::PENDING_STATUS.into(), s(keys::PENDING_PARTITION));
    item.insert(keys::PENDING_ORDER.into(), s(order));
    Some(item)
}

pub fn is_valid_pending_cursor(cursor: &str) -> bool {
    pending_cursor_key(cursor).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let order = "1#2026-01-01T00:00:00.000000Z#sess-1";
        let cursor = keys::encode_cursor(order);
        assert_eq!(keys::decode_cursor(&cursor).as_deref(), Some(order));
        assert!(is_valid_pending_cursor(&cursor));
        assert!(!is_valid_pending_cursor("zz"));
        assert!(!is_valid_pending_cursor(&keys::encode_cursor("not-an-order")));
    }

    #[test]
    fn backoff_stays_small() {
        for attempt in 1..20 {
            assert!(backoff(attempt) <= Duration::from_millis(200));
        }
    }
}
