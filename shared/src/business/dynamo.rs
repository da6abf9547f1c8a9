//! The order system kept in the workbench's own table: the demo backend, and the one the
//! benchmarks and tests run against. Every write is one conditional write.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | customer | `CUSTOMER#{user_id}` | `PROFILE` |
//! | order | `ORDER#{order_id}` | `META` (with `user_id`, and `open_refund_id` while a refund is open) |
//! | order of a customer | `CUSTOMER#{user_id}` | `ORDER#{order_id}` (a reference: `order_id`, `created_at`) |
//! | shipment | `ORDER#{order_id}` | `SHIPMENT` |
//! | refund | `ORDER#{order_id}` | `REFUND#{refund_id}` |
//! | invoice | `ORDER#{order_id}` | `INVOICE#{invoice_id}` |
//! | used confirmation | `CONFIRM#{nonce}` | `USED` (`expires_at`: the table's TTL attribute) |

use super::backend::{BackendError, BackendResult, BusinessBackend};
use super::confirm::{write_record_line, ClaimOutcome, ConfirmationClaim, ConfirmationLedger};
use super::SessionMoved;
use crate::domain::{AgentStatus, AuditEvent, Author, EventKind, Message, Role};
use crate::store::RecordedWrite;
use super::records::{
    Customer, Dataset, Invoice, Order, Refund, RefundRequest, Shipment, ADDRESS_CHANGEABLE, CANCELLABLE, CANCELLED,
    REFUNDABLE, REFUND_REQUESTED,
};
use crate::error::StoreError;
use crate::store::{Item, Store};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, Put, PutRequest, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update, WriteRequest,
};
use futures::FutureExt;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

const PROFILE: &str = "PROFILE";
const META: &str = "META";
const SHIPMENT: &str = "SHIPMENT";
const ORDER_PREFIX: &str = "ORDER#";
const REFUND_PREFIX: &str = "REFUND#";
const INVOICE_PREFIX: &str = "INVOICE#";
const USED: &str = "USED";
const OPEN_REFUND: &str = "open_refund_id";
/// BatchGetItem takes at most 100 keys.
const BATCH_GET_KEYS: usize = 100;
const ATTEMPTS: u32 = 6;

fn customer_pk(user_id: &str) -> String {
    format!("CUSTOMER#{user_id}")
}

fn order_pk(order_id: &str) -> String {
    format!("ORDER#{order_id}")
}

fn confirm_pk(nonce: &str) -> String {
    format!("CONFIRM#{nonce}")
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

/// A record as an item: its own attributes plus the keys and an entity name. Records never carry
/// keys; the keys are ignored when an item is read back.
fn record_item<T: Serialize>(record: &T, pk: String, sk: impl Into<String>, entity: &str) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    item.extend(key(pk, sk));
    item.insert("entity".to_string(), s(entity));
    Ok(item)
}

fn read<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, BackendError> {
    serde_dynamo::from_item(item).map_err(|e| BackendError::InvalidResponse(e.to_string()))
}

fn sdk_error<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
    err: SdkError<E, R>,
) -> BackendError {
    match &err {
        SdkError::TimeoutError(_) => BackendError::Timeout,
        _ => BackendError::Unavailable(format!(
            "DynamoDB {operation}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&err)
        )),
    }
}

fn store_error(err: StoreError) -> BackendError {
    match err {
        StoreError::Corrupt(reason) => BackendError::InvalidResponse(reason),
        other => BackendError::Unavailable(other.to_string()),
    }
}

fn attr<'a>(item: Option<&'a Item>, name: &str) -> Option<&'a str> {
    item.and_then(|i| i.get(name)).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// Why a write's condition failed, from the order as it was (`None`: no such item).
/// `refund`: the write was a refund request, which an open refund also blocks.
fn rejection(order_id: &str, user_id: &str, old: Option<&Item>, refund: bool) -> BackendError {
    match (attr(old, "user_id"), attr(old, "status")) {
        (Some(owner), Some(status)) if owner == user_id => {
            if refund && attr(old, OPEN_REFUND).is_some() && REFUNDABLE.contains(&status) {
                BackendError::RefundInProgress(order_id.to_string())
            } else {
                BackendError::NotAllowed { order_id: order_id.to_string(), status: status.to_string() }
            }
        }
        // Someone else's order is, to this customer, no order at all.
        _ => BackendError::OrderNotFound(order_id.to_string()),
    }
}

/// Exponential backoff with jitter, for throttled batches and lost transaction races.
fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = (10u64 << attempt.min(5)).min(300);
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * ceiling_ms / 255;
    Duration::from_millis(jitter.max(1))
}

/// `status IN (:s0, :s1, …)` and its values.
fn status_in(allowed: &[&str]) -> (String, Vec<(String, AttributeValue)>) {
    let names: Vec<String> = (0..allowed.len()).map(|i| format!(":s{i}")).collect();
    let values = names.iter().cloned().zip(allowed.iter().map(|v| s(*v))).collect();
    (format!("#status IN ({})", names.join(", ")), values)
}

#[derive(Clone, Debug)]
pub struct DynamoBusinessBackend {
    store: Store,
}

impl DynamoBusinessBackend {
    pub fn new(store: Store) -> Self {
        DynamoBusinessBackend { store }
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, BackendError> {
        let out = self
            .store
            .client()
            .get_item()
            .table_name(self.store.table())
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        Ok(out.item)
    }

    async fn query(&self, pk: String, prefix: &str) -> Result<Vec<Item>, BackendError> {
        self.store.query_partition(pk, Some(prefix)).await.map_err(store_error)
    }

    /// BatchGetItem in groups of 100, retrying unprocessed keys.
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, BackendError> {
        let mut items = Vec::with_capacity(keys.len());
        for group in keys.chunks(BATCH_GET_KEYS) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(group.to_vec()))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| BackendError::Unavailable(e.to_string()))?,
            );
            let mut attempt = 0;
            while let Some(request) = pending.take() {
                attempt += 1;
                let out = self
                    .store
                    .client()
                    .batch_get_item()
                    .request_items(self.store.table(), request)
                    .send()
                    .await
                    .map_err(|e| sdk_error("BatchGetItem", e))?;
                if let Some(mut found) = out.responses {
                    items.extend(found.remove(self.store.table()).unwrap_or_default());
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(self.store.table()))
                    .filter(|k| !k.keys().is_empty());
                if pending.is_some() {
                    if attempt >= ATTEMPTS {
                        return Err(BackendError::Unavailable("DynamoDB kept keys unprocessed".into()));
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                }
            }
        }
        Ok(items)
    }

    /// One guarded UpdateItem of an order's META item, returning the order as it is now.
    async fn update_order(
        &self,
        user_id: &str,
        order_id: &str,
        allowed: &[&str],
        set: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<Order, BackendError> {
        let (status_condition, status_values) = status_in(allowed);
        let mut request = self
            .store
            .client()
            .update_item()
            .table_name(self.store.table())
            .set_key(Some(key(order_pk(order_id), META)))
            .update_expression(set)
            .condition_expression(format!("attribute_exists(pk) AND user_id = :user_id AND {status_condition}"))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":user_id", s(user_id))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (name, value) in status_values {
            request = request.expression_attribute_values(name, value);
        }
        for (name, value) in values {
            request = request.expression_attribute_values(name, value);
        }
        match request.send().await {
            Ok(out) => read(out.attributes.unwrap_or_default()),
            Err(SdkError::ServiceError(err)) if err.err().is_conditional_check_failed_exception() => {
                let old = match err.err() {
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(e) => {
                        e.item()
                    }
                    _ => None,
                };
                Err(rejection(order_id, user_id, old, false))
            }
            Err(err) => Err(sdk_error("UpdateItem", err)),
        }
    }

    async fn create_refund(
        &self,
        user_id: &str,
        order_id: &str,
        request: &RefundRequest,
    ) -> Result<Refund, BackendError> {
        let refund = Refund {
            refund_id: request.refund_id.clone(),
            order_id: order_id.to_string(),
            status: REFUND_REQUESTED.to_string(),
            amount: request.amount,
            reason: request.reason.clone(),
            requested_at: request.requested_at.clone(),
            completed_at: None,
        };
        let (status_condition, status_values) = status_in(&REFUNDABLE);
        let mut mark_order = Update::builder()
            .table_name(self.store.table())
            .set_key(Some(key(order_pk(order_id), META)))
            .update_expression(format!("SET {OPEN_REFUND} = :refund_id"))
            .condition_expression(format!(
                "attribute_exists(pk) AND user_id = :user_id AND {status_condition} AND attribute_not_exists({OPEN_REFUND})"
            ))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":user_id", s(user_id))
            .expression_attribute_values(":refund_id", s(&refund.refund_id))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (name, value) in status_values {
            mark_order = mark_order.expression_attribute_values(name, value);
        }
        let mark_order = mark_order.build().map_err(|e| BackendError::Unavailable(e.to_string()))?;
        let item = record_item(&refund, order_pk(order_id), format!("{REFUND_PREFIX}{}", refund.refund_id), "refund")
            .map_err(store_error)?;
        let put_refund = Put::builder()
            .table_name(self.store.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| BackendError::Unavailable(e.to_string()))?;
        let actions = vec![
            TransactWriteItem::builder().update(mark_order).build(),
            TransactWriteItem::builder().put(put_refund).build(),
        ];
        let mut attempt = 0;
        loop {
            attempt += 1;
            let err =
                match self.store.client().transact_write_items().set_transact_items(Some(actions.clone())).send().await
                {
                    Ok(_) => return Ok(refund),
                    Err(err) => err,
                };
            if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() {
                let reasons = cancelled.cancellation_reasons();
                match reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                    Some(0) => return Err(rejection(order_id, user_id, reasons[0].item(), true)),
                    // The refund id exists: this very request already went through.
                    Some(_) => return Err(BackendError::RefundInProgress(order_id.to_string())),
                    None => {}
                }
                if reasons.iter().any(|r| r.code() == Some("TransactionConflict")) && attempt < ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
            }
            return Err(sdk_error("TransactWriteItems", err));
        }
    }
}

impl BusinessBackend for DynamoBusinessBackend {
    fn customer<'a>(&'a self, user_id: &'a str) -> BackendResult<'a, Option<Customer>> {
        async move { self.get(customer_pk(user_id), PROFILE).await?.map(read).transpose() }.boxed()
    }

    fn order<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Option<Order>> {
        async move { self.get(order_pk(order_id), META).await?.map(read).transpose() }.boxed()
    }

    fn orders_of<'a>(&'a self, user_id: &'a str) -> BackendResult<'a, Vec<Order>> {
        async move {
            let refs = self.query(customer_pk(user_id), ORDER_PREFIX).await?;
            let keys: Vec<Item> = refs
                .iter()
                .filter_map(|r| attr(Some(r), "order_id"))
                .map(|order_id| key(order_pk(order_id), META))
                .collect();
            let mut orders: Vec<Order> = self
                .batch_get(keys)
                .await?
                .into_iter()
                .map(read::<Order>)
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                // A reference outlives nothing: the order itself says whose it is.
                .filter(|o| o.user_id == user_id)
                .collect();
            orders.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.order_id.cmp(&a.order_id)));
            Ok(orders)
        }
        .boxed()
    }

    fn shipment<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Option<Shipment>> {
        async move { self.get(order_pk(order_id), SHIPMENT).await?.map(read).transpose() }.boxed()
    }

    fn refunds<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Vec<Refund>> {
        async move {
            let mut refunds: Vec<Refund> =
                self.query(order_pk(order_id), REFUND_PREFIX).await?.into_iter().map(read).collect::<Result<_, _>>()?;
            refunds.sort_by(|a, b| b.requested_at.cmp(&a.requested_at));
            Ok(refunds)
        }
        .boxed()
    }

    fn invoices<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Vec<Invoice>> {
        async move { self.query(order_pk(order_id), INVOICE_PREFIX).await?.into_iter().map(read).collect() }.boxed()
    }

    fn cancel_order<'a>(&'a self, user_id: &'a str, order_id: &'a str) -> BackendResult<'a, Order> {
        async move {
            self.update_order(
                user_id,
                order_id,
                &CANCELLABLE,
                "SET #status = :cancelled",
                vec![(":cancelled", s(CANCELLED))],
            )
            .await
        }
        .boxed()
    }

    fn change_address<'a>(&'a self, user_id: &'a str, order_id: &'a str, address: &'a str) -> BackendResult<'a, Order> {
        async move {
            self.update_order(
                user_id,
                order_id,
                &ADDRESS_CHANGEABLE,
                "SET shipping_address = :address",
                vec![(":address", s(address))],
            )
            .await
        }
        .boxed()
    }

    fn request_refund<'a>(
        &'a self,
        user_id: &'a str,
        order_id: &'a str,
        request: &'a RefundRequest,
    ) -> BackendResult<'a, Refund> {
        self.create_refund(user_id, order_id, request).boxed()
    }
}

/// Used confirmation tokens, one marker item per nonce, in the workbench table.
#[derive(Clone, Debug)]
pub struct DynamoConfirmationLedger {
    store: Store,
}

impl DynamoConfirmationLedger {
    pub fn new(store: Store) -> Self {
        DynamoConfirmationLedger { store }
    }
}

impl DynamoConfirmationLedger {
    /// The thread's line of a claim: its id comes from the token's nonce, so completing it needs
    /// no read.
    fn record(claim: &ConfirmationClaim, content: String) -> Message {
        Message {
            message_id: format!("msg-write-{}", claim.nonce),
            role: Role::System,
            author: Author::System,
            content,
            timestamp: claim.used_at,
            agent_id: Some(claim.agent_id.clone()),
            agent_name: claim.agent_name.clone().or_else(|| Some(claim.agent_id.clone())),
        }
    }
}

impl ConfirmationLedger for DynamoConfirmationLedger {
    fn claim<'a>(&'a self, claim: &'a ConfirmationClaim) -> BackendResult<'a, ClaimOutcome> {
        async move {
            let mut item = key(confirm_pk(&claim.nonce), USED);
            item.insert("entity".into(), s("confirmation"));
            item.insert("session_id".into(), s(&claim.session_id));
            item.insert("agent_id".into(), s(&claim.agent_id));
            item.insert("action".into(), s(claim.action.as_str()));
            item.insert("order_id".into(), s(&claim.order_id));
            item.insert("used_at".into(), s(claim.used_at.to_rfc3339()));
            item.insert("expires_at".into(), AttributeValue::N(claim.expires_at.timestamp().to_string()));
            let marker = Put::builder()
                .table_name(self.store.table())
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(|e| store_error(StoreError::dynamo("TransactWriteItems", e)))?;
            let record = Self::record(claim, write_record_line(claim, None));
            let event = AuditEvent::new(EventKind::BusinessWriteExecuted, claim.used_at, &claim.actor)
                .status(AgentStatus::Assigned, AgentStatus::Assigned)
                .detail("message_id", record.message_id.as_str())
                .detail("agent_id", claim.agent_id.as_str())
                .detail("action", claim.action.as_str())
                .detail("order_id", claim.order_id.as_str());
            let marker = TransactWriteItem::builder().put(marker).build();
            let recorded = self
                .store
                .record_confirmed_write(&claim.session_id, &claim.agent_id, &record, &event, marker, claim.used_at)
                .await
                .map_err(store_error)?;
            Ok(match recorded {
                RecordedWrite::Recorded => ClaimOutcome::Claimed,
                RecordedWrite::AlreadyUsed => ClaimOutcome::AlreadyUsed,
                RecordedWrite::SessionMoved { status, assignee } => ClaimOutcome::SessionMoved(SessionMoved { status, assignee }),
            })
        }
        .boxed()
    }

    fn complete<'a>(&'a self, claim: &'a ConfirmationClaim, outcome: &'a str) -> BackendResult<'a, ()> {
        async move {
            let record = Self::record(claim, String::new());
            self.store
                .complete_confirmed_write(&claim.session_id, &record, &write_record_line(claim, Some(outcome)))
                .await
                .map_err(store_error)
        }
        .boxed()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path} is not a business dataset: {source}")]
    Json { path: String, source: serde_json::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub customers: usize,
    pub orders: usize,
    pub shipments: usize,
    pub refunds: usize,
    pub invoices: usize,
    /// Items written, order references included.
    pub items: usize,
}

/// Load a dataset file (`infra/seed/business/dataset.json`) into the table. Idempotent: every
/// item is a Put of its own key, so a second run leaves the same items (and undoes demo writes).
pub async fn seed(store: &Store, dataset_path: impl AsRef<Path>) -> Result<SeedReport, SeedError> {
    let path = dataset_path.as_ref();
    let text =
        std::fs::read_to_string(path).map_err(|source| SeedError::Io { path: path.display().to_string(), source })?;
    let dataset: Dataset =
        serde_json::from_str(&text).map_err(|source| SeedError::Json { path: path.display().to_string(), source })?;
    seed_dataset(store, &dataset).await
}

pub async fn seed_dataset(store: &Store, dataset: &Dataset) -> Result<SeedReport, SeedError> {
    let items = dataset_items(dataset)?;
    let report = SeedReport {
        customers: dataset.customers.len(),
        orders: dataset.orders.len(),
        shipments: dataset.shipments.len(),
        refunds: dataset.refunds.len(),
        invoices: dataset.invoices.len(),
        items: items.len(),
    };
    let writes = items
        .into_iter()
        .map(|item| {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| StoreError::dynamo("BatchWriteItem", e))?;
            Ok(WriteRequest::builder().put_request(put).build())
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    store.batch_write(writes).await?;
    Ok(report)
}

/// Every item of a dataset, one per key (a later duplicate replaces an earlier one: BatchWriteItem
/// refuses a batch that names a key twice).
fn dataset_items(dataset: &Dataset) -> Result<Vec<Item>, StoreError> {
    let mut items: Vec<Item> = Vec::new();
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    let mut push = |item: Item| {
        let k = (
            attr(Some(&item), "pk").unwrap_or_default().to_string(),
            attr(Some(&item), "sk").unwrap_or_default().to_string(),
        );
        match at.get(&k) {
            Some(&i) => items[i] = item,
            None => {
                at.insert(k, items.len());
                items.push(item);
            }
        }
    };
    for customer in &dataset.customers {
        push(record_item(customer, customer_pk(&customer.user_id), PROFILE, "customer")?);
    }
    for order in &dataset.orders {
        let mut item = record_item(order, order_pk(&order.order_id), META, "order")?;
        let open =
            dataset.refunds.iter().filter(|r| r.order_id == order.order_id && r.is_open()).map(|r| &r.refund_id).max();
        if let Some(refund_id) = open {
            item.insert(OPEN_REFUND.to_string(), s(refund_id));
        }
        push(item);
        let mut reference = key(customer_pk(&order.user_id), format!("{ORDER_PREFIX}{}", order.order_id));
        reference.insert("entity".into(), s("order_ref"));
        reference.insert("order_id".into(), s(&order.order_id));
        reference.insert("created_at".into(), s(&order.created_at));
        push(reference);
    }
    for shipment in &dataset.shipments {
        push(record_item(shipment, order_pk(&shipment.order_id), SHIPMENT, "shipment")?);
    }
    for refund in &dataset.refunds {
        push(record_item(
            refund,
            order_pk(&refund.order_id),
            format!("{REFUND_PREFIX}{}", refund.refund_id),
            "refund",
        )?);
    }
    for invoice in &dataset.invoices {
        push(record_item(
            invoice,
            order_pk(&invoice.order_id),
            format!("{INVOICE_PREFIX}{}", invoice.invoice_id),
            "invoice",
        )?);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::business::records::OrderLine;

    fn order(order_id: &str) -> Order {
        Order {
            order_id: order_id.into(),
            user_id: "u_1".into(),
            status: "paid".into(),
            items: vec![OrderLine { sku: "SKU-1".into(), name: "Kettle".into(), quantity: 1, unit_price: 99.5 }],
            total: 99.5,
            currency: "CNY".into(),
            created_at: "2026-07-01T10:00:00Z".into(),
            estimated_delivery: None,
            shipping_address: "北京市朝阳区建国路88号".into(),
            contact_phone: "13812341234".into(),
        }
    }

    #[test]
    fn records_round_trip_through_items_without_their_keys() {
        let item = record_item(&order("ORD-1"), order_pk("ORD-1"), META, "order").unwrap();
        assert_eq!(attr(Some(&item), "pk"), Some("ORDER#ORD-1"));
        assert_eq!(attr(Some(&item), "entity"), Some("order"));
        let back: Order = read(item).unwrap();
        assert_eq!(back, order("ORD-1"));
    }

    #[test]
    fn a_dataset_becomes_one_item_per_key_with_a_reference_per_order() {
        let dataset = Dataset {
            orders: vec![order("ORD-1"), order("ORD-2"), order("ORD-1")],
            refunds: vec![Refund {
                refund_id: "RF-1".into(),
                order_id: "ORD-2".into(),
                status: "processing".into(),
                amount: 99.5,
                reason: "damaged".into(),
                requested_at: "2026-07-02T10:00:00Z".into(),
                completed_at: None,
            }],
            ..Dataset::default()
        };
        let items = dataset_items(&dataset).unwrap();
        // ORD-1 (once), its reference, ORD-2, its reference, the refund.
        assert_eq!(items.len(), 5);
        let ord2 = items
            .iter()
            .find(|i| attr(Some(i), "pk") == Some("ORDER#ORD-2") && attr(Some(i), "sk") == Some(META))
            .unwrap();
        assert_eq!(attr(Some(ord2), OPEN_REFUND), Some("RF-1"), "an open refund blocks a second one");
        assert!(items
            .iter()
            .any(|i| attr(Some(i), "sk") == Some("ORDER#ORD-1") && attr(Some(i), "pk") == Some("CUSTOMER#u_1")));
    }

    #[test]
    fn a_failed_write_on_someone_elses_order_reads_as_not_found() {
        let mut old = key(order_pk("ORD-1"), META);
        old.insert("user_id".into(), s("u_2"));
        old.insert("status".into(), s("paid"));
        assert!(matches!(rejection("ORD-1", "u_1", Some(&old), false), BackendError::OrderNotFound(_)));
        assert!(matches!(rejection("ORD-1", "u_2", Some(&old), false), BackendError::NotAllowed { .. }));
        assert!(matches!(rejection("ORD-1", "u_2", None, false), BackendError::OrderNotFound(_)));
        old.insert(OPEN_REFUND.into(), s("RF-1"));
        assert!(matches!(rejection("ORD-1", "u_2", Some(&old), true), BackendError::RefundInProgress(_)));
        assert!(matches!(rejection("ORD-1", "u_2", Some(&old), false), BackendError::NotAllowed { .. }));
    }
}
