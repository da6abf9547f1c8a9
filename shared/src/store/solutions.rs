//! FAQ candidates consolidated by agents, and their review queue.

use super::items::SolutionItem;
use super::transact::TransactFailure;
use super::client::{from_item, key, s, to_item, Item, Store};
use super::transact::refusal_from_old_item;
use super::keys;
use crate::auth::Denied;
use super::transact::Tally;
use super::update::UpdateSpec;
use crate::domain::{AgentStatus, AuditEvent, EventKind};
use crate::domain::{ReviewStatus, Solution};
use crate::error::StoreError;
use crate::state_machine::Action;
use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

pub struct SolutionPage {
    pub solutions: Vec<Solution>,
    pub next_cursor: Option<String>,
}

impl Store {
    /// Store a FAQ candidate for a resolved session: the status check (and, with `assignee`, that
    /// the session is that agent's), the Put, the session's audit event and (for a keyed request)
    /// its idempotency record are one write.
    pub async fn save_solution(
        &self,
        solution: &Solution,
        assignee: Option<&str>,
        actor: &str,
        completion: Option<&super::RecordCompletion>,
    ) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&SolutionItem::new(solution))?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        let event = AuditEvent::new(EventKind::SolutionSubmitted, solution.created_at, actor)
            .detail("solution_id", solution.solution_id.as_str());
        let mut actions = vec![
            self.session_status_check(&solution.session_id, Action::ConsolidateSolution, assignee)?,
            TransactWriteItem::builder().put(put).build(),
            self.audit_put(&solution.session_id, &event)?,
        ];
        if let Some(completion) = completion {
            actions.push(self.completion_action(completion)?);
        }
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            // The idempotency record, after the audit event.
            Err(TransactFailure::Condition { index: 3, .. }) => Err(super::transact::claim_lapsed()),
            Err(TransactFailure::Condition { index: 0, old_item }) => {
                let action = Action::ConsolidateSolution;
                let expected = action.required_status().unwrap_or(AgentStatus::Resolved);
                Err(refusal_from_old_item(&solution.session_id, action, expected, assignee, old_item.as_ref()))
            }
            Err(TransactFailure::Condition { .. }) => Err(StoreError::Conflict("solution id already used".into())),
            Err(TransactFailure::Other(err)) => Err(err),
        }
    }

    pub async fn get_solution(&self, solution_id: &str) -> Result<Option<Solution>, StoreError> {
        let item: Option<SolutionItem> = self.get_typed(keys::solution_pk(solution_id), keys::META).await?;
        Ok(item.map(|i| i.solution))
    }

    /// One page of the review queue for a status, oldest first.
    pub async fn list_solutions(
        &self,
        status: ReviewStatus,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<SolutionPage, StoreError> {
        let start = match cursor {
            None => None,
            Some(c) => Some(review_cursor_key(status, c).ok_or_else(|| StoreError::Conflict("invalid cursor".into()))?),
        };
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::REVIEW_INDEX)
            .key_condition_expression("review_status = :status")
            .expression_attribute_values(":status", s(status.as_str()))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("Query", e))?;
        let items: Vec<SolutionItem> =
            out.items.unwrap_or_default().into_iter().map(from_item).collect::<Result<_, _>>()?;
        let more = out.last_evaluated_key.is_some_and(|k| !k.is_empty());
        let next_cursor = if more {
            items.last().map(|i| {
                let at = i.solution.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                format!("{at}~{}", i.solution.solution_id)
            })
        } else {
            None
        };
        Ok(SolutionPage { solutions: items.into_iter().map(|i| i.solution).collect(), next_cursor })
    }

    /// pending → approved|rejected, exactly once, and never by the solution's author. `extra`
    /// are writes that must happen with the decision (the FAQ an approval creates).
    pub async fn decide_solution(
        &self,
        decided: &Solution,
        reviewer: &str,
        now: DateTime<Utc>,
        extra: Vec<TransactWriteItem>,
    ) -> Result<(), StoreError> {
        let mut item = to_item(&SolutionItem::new(decided))?;
        item.insert("reviewed_at".into(), s(super::transact::timestamp(now)));
        item.insert("reviewed_by".into(), s(reviewer));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(NOT_DECIDED_NOR_OWN)
            .expression_attribute_values(":pending", s(ReviewStatus::Pending.as_str()))
            .expression_attribute_values(":reviewer", s(reviewer))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        let event = AuditEvent::new(EventKind::SolutionApproved, now, reviewer)
            .detail("solution_id", decided.solution_id.as_str())
            .detail("faq_id", decided.faq_id.as_deref().unwrap_or_default());
        let mut actions = vec![TransactWriteItem::builder().put(put).build()];
        actions.extend(extra);
        actions.push(self.audit_put(&decided.session_id, &event)?);
        actions.extend(self.tally_updates(&decided.session_id, &Tally::default().count("solutions_approved", 1), now)?);
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition { index: 0, old_item }) => {
                Err(refused_decision(&decided.solution_id, reviewer, old_item))
            }
            Err(TransactFailure::Condition { .. }) => Err(StoreError::Conflict("the FAQ id is already taken".into())),
            Err(TransactFailure::Other(err)) => Err(err),
        }
    }

    /// pending → rejected, exactly once, and never by the author: the conditional update, the
    /// session's audit event and the counter in one transaction. The solution is read first for
    /// its session (whose trail gets the event) and for the answer; the write is conditional on
    /// it still being pending.
    pub async fn reject_solution(
        &self,
        solution_id: &str,
        reason: &str,
        reviewer: &str,
        now: DateTime<Utc>,
    ) -> Result<Solution, StoreError> {
        let mut solution = self
            .get_solution(solution_id)
            .await?
            .ok_or_else(|| StoreError::NotFound { kind: "solution", id: solution_id.to_string() })?;
        let spec = UpdateSpec::new()
            .set("status", s(ReviewStatus::Rejected.as_str()))
            .set("review_status", s(ReviewStatus::Rejected.as_str()))
            .set("reject_reason", s(reason))
            .set("reviewed_at", s(super::transact::timestamp(now)))
            .set("reviewed_by", s(reviewer))
            .condition_value(":reviewer", s(reviewer))
            .condition_value(":pending", s(ReviewStatus::Pending.as_str()));
        // `status` is a reserved word: the placeholder `#status` stands for it.
        let expression = spec.expression().replacen("SET status = ", "SET #status = ", 1);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::solution_pk(solution_id), keys::META)))
            .update_expression(expression)
            .expression_attribute_names("#status", "status")
            .condition_expression(NOT_DECIDED_NOR_OWN)
            .set_expression_attribute_values(spec.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        let event = AuditEvent::new(EventKind::SolutionRejected, now, reviewer)
            .detail("solution_id", solution_id)
            .detail("reason", reason);
        let mut actions =
            vec![TransactWriteItem::builder().update(update).build(), self.audit_put(&solution.session_id, &event)?];
        actions.extend(self.tally_updates(&solution.session_id, &Tally::default().count("solutions_rejected", 1), now)?);
        match self.transact(actions).await {
            Ok(()) => {
                solution.status = ReviewStatus::Rejected;
                solution.reject_reason = Some(reason.to_string());
                solution.reviewed_at = Some(now);
                solution.reviewed_by = Some(reviewer.to_string());
                Ok(solution)
            }
            Err(TransactFailure::Condition { index: 0, old_item }) => Err(refused_decision(solution_id, reviewer, old_item)),
            Err(TransactFailure::Condition { .. }) => Err(StoreError::Conflict("an audit event with the same key exists".into())),
            Err(TransactFailure::Other(err)) => Err(err),
        }
    }
}

/// Still pending, and not written by the reviewer: checked in the write that decides.
const NOT_DECIDED_NOR_OWN: &str =
    "attribute_exists(pk) AND review_status = :pending AND (attribute_not_exists(agent_id) OR agent_id <> :reviewer) \
     AND (attribute_not_exists(submitted_by) OR submitted_by <> :reviewer)";

/// Why a decision was refused: no such solution, already decided, or the reviewer wrote it.
fn refused_decision(solution_id: &str, reviewer: &str, old_item: Option<Item>) -> StoreError {
    let field = |name: &str| old_item.as_ref().and_then(|i| i.get(name)).and_then(|v| v.as_s().ok()).cloned();
    match field("review_status") {
        None => StoreError::NotFound { kind: "solution", id: solution_id.to_string() },
        Some(status) if status != ReviewStatus::Pending.as_str() => {
            StoreError::Conflict(format!("solution {solution_id} is already {status}"))
        }
        Some(_) if field("agent_id").as_deref() == Some(reviewer) || field("submitted_by").as_deref() == Some(reviewer) => {
            StoreError::Denied(Denied::OwnSolution)
        }
        Some(_) => StoreError::Conflict(format!("solution {solution_id} changed while it was reviewed")),
    }
}

/// The review cursor is `{created_at}~{solution_id}` of the last item; the key is rebuilt from it
/// inside the requested status's partition.
fn review_cursor_key(status: ReviewStatus, cursor: &str) -> Option<Item> {
    let (created_at, solution_id) = cursor.split_once('~')?;
    let created_at = DateTime::parse_from_rfc3339(created_at).ok()?.with_timezone(&Utc);
    if !crate::text::is_valid_id(solution_id) {
        return None;
    }
    let mut item = key(keys::solution_pk(solution_id), keys::META);
    item.insert(keys::REVIEW_STATUS.into(), s(status.as_str()));
    item.insert(keys::REVIEW_ORDER.into(), s(keys::review_order(created_at, solution_id)));
    Some(item)
}
