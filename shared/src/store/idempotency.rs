//! Idempotency records: one item per (caller, route, key), claimed by a conditional Put and
//! completed with the response; DynamoDB's TTL (`expires_at`) removes them after a day.

use super::client::{key, n, s, Store};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

pub(crate) fn idempotency_pk(record_id: &str) -> String {
    format!("IDEMPOTENCY#{record_id}")
}

const SK: &str = "RECORD";

/// The response of a keyed request, stored by the same transaction as the write that makes it
/// true: if that write is applied, so is the record, even when the answer never reached the
/// caller (a timeout, a paused store); if it is not, the record stays as it was.
#[derive(Debug, Clone)]
pub struct RecordCompletion {
    pub record_id: String,
    /// The claim this completion belongs to: a claim that lapsed and was taken over by a retry
    /// is no longer ours, and then the whole write is refused.
    pub run: String,
    pub status: u16,
    pub body: String,
}

/// The outcome of claiming a record.
#[derive(Debug, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// Ours: run the request.
    Claimed,
    /// Someone came first with this key: their fingerprint, and their response once it finished.
    Existing { fingerprint: String, response: Option<(u16, String)> },
}

impl Store {
    /// Claim a record unless a live one exists. An expired record (past its day) or a claim whose
    /// request died (past its lock) is taken over.
    pub async fn claim_idempotency(
        &self,
        record_id: &str,
        fingerprint: &str,
        run: &str,
        now: DateTime<Utc>,
        lock_seconds: i64,
        record_seconds: i64,
    ) -> Result<IdempotencyClaim, StoreError> {
        let mut item = key(idempotency_pk(record_id), SK);
        item.insert("entity".into(), s("idempotency"));
        item.insert("fingerprint".into(), s(fingerprint));
        item.insert("run".into(), s(run));
        item.insert("state".into(), s("in_progress"));
        item.insert("locked_until".into(), n(now.timestamp() + lock_seconds));
        item.insert(super::keys::EXPIRES_AT.into(), n(now.timestamp() + record_seconds));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR expires_at < :now OR (#state = :in_progress AND locked_until < :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":in_progress", s("in_progress"))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(IdempotencyClaim::Claimed),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                let old = match err.as_service_error() {
                    Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e)) => {
                        e.item().cloned()
                    }
                    _ => None,
                }
                .unwrap_or_default();
                let text = |name: &str| old.get(name).and_then(|v| v.as_s().ok()).cloned();
                // Our own claim: the SDK's first attempt was applied but its answer came too late
                // (the attempt timeout), and this is its retry. Without this the request would
                // answer `request_in_progress` to itself and block its caller until the lapse.
                if text("run").as_deref() == Some(run) && text("state").as_deref() == Some("in_progress") {
                    return Ok(IdempotencyClaim::Claimed);
                }
                let status = old.get("response_status").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
                let response = match (text("state").as_deref(), status, text("response_body")) {
                    (Some("completed"), Some(status), Some(body)) => Some((status, body)),
                    _ => None,
                };
                Ok(IdempotencyClaim::Existing { fingerprint: text("fingerprint").unwrap_or_default(), response })
            }
            Err(err) => Err(StoreError::dynamo("PutItem", err)),
        }
    }

    /// The action that completes a record inside the transaction of the request's own write.
    pub(crate) fn completion_action(&self, completion: &RecordCompletion) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(idempotency_pk(&completion.record_id), SK)))
            .update_expression("SET #state = :completed, response_status = :status, response_body = :body")
            .condition_expression("#run = :run AND #state = :in_progress")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#run", "run")
            .expression_attribute_values(":completed", s("completed"))
            .expression_attribute_values(":in_progress", s("in_progress"))
            .expression_attribute_values(":status", n(completion.status))
            .expression_attribute_values(":body", s(&completion.body))
            .expression_attribute_values(":run", s(&completion.run))
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Keep the response of the request that holds the claim (`run`).
    pub async fn complete_idempotency(&self, record_id: &str, run: &str, status: u16, body: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(idempotency_pk(record_id), SK)))
            .update_expression("SET #state = :completed, response_status = :status, response_body = :body")
            .condition_expression("#run = :run")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#run", "run")
            .expression_attribute_values(":completed", s("completed"))
            .expression_attribute_values(":status", n(status))
            .expression_attribute_values(":body", s(body))
            .expression_attribute_values(":run", s(run))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Taken over by another request after our lock ran out: theirs is the record now.
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
            Err(err) => Err(StoreError::dynamo("UpdateItem", err)),
        }
    }

    /// Give the claim up, so a retry runs the request again: only our own claim, and only if no
    /// write of ours completed it (a write whose answer was lost may still have been applied).
    pub async fn release_idempotency(&self, record_id: &str, run: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(idempotency_pk(record_id), SK)))
            .condition_expression("#state = :in_progress AND #run = :run")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#run", "run")
            .expression_attribute_values(":in_progress", s("in_progress"))
            .expression_attribute_values(":run", s(run))
            .send()
            .await
            .map(|_| ())
            .or_else(|err| {
                if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) {
                    Ok(())
                } else {
                    Err(StoreError::dynamo("DeleteItem", err))
                }
            })
    }
}
