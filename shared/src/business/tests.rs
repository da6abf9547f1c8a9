//! The agent end to end over a fixture order system (every scene, English and Chinese, entity
//! resolution, confirmations, failures, masking in data and logs), and the same against
//! DynamoDB Local when `DYNAMODB_ENDPOINT` is set.

use super::*;
use chrono::{Duration, Utc};
use futures::FutureExt;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The demo customers: u_10086 has a shipped, a paid and a delivered (refund open) order;
/// u_20000 has one order in processing.
pub(crate) const FIXTURE: &str = r#"{
  "customers": [
    {"user_id": "u_10086", "name": "张三", "phone": "13812341234", "email": "zhangsan@example.com",
     "national_id": "110101199001011234", "bank_card": "6222021234567891234",
     "address": "北京市朝阳区建国路88号", "member_level": "gold", "points": 12800},
    {"user_id": "u_20000", "name": "Alice Smith", "phone": "13900001111", "email": "alice@example.com",
     "national_id": "310101198505055678", "bank_card": "6217001234567890123",
     "address": "Room 1201, 100 Century Ave, Pudong, Shanghai", "member_level": "silver", "points": 300}
  ],
  "orders": [
    {"order_id": "ORD-001", "user_id": "u_10086", "status": "shipped",
     "items": [{"sku": "SKU-KETTLE", "name": "Electric kettle", "quantity": 1, "unit_price": 1299.0}],
     "total": 1299.0, "currency": "CNY", "created_at": "2026-07-01T09:00:00Z", "estimated_delivery": "2026-07-05",
     "shipping_address": "北京市朝阳区建国路88号", "contact_phone": "13812341234"},
    {"order_id": "ORD-002", "user_id": "u_10086", "status": "paid",
     "items": [{"sku": "SKU-MUG", "name": "Mug", "quantity": 2, "unit_price": 99.5}],
     "total": 199.0, "currency": "CNY", "created_at": "2026-07-02T09:00:00Z", "estimated_delivery": "2026-07-08",
     "shipping_address": "北京市朝阳区建国路88号", "contact_phone": "13812341234"},
    {"order_id": "ORD-003", "user_id": "u_10086", "status": "delivered",
     "items": [{"sku": "SKU-SHOE", "name": "Running shoes", "quantity": 1, "unit_price": 399.0}],
     "total": 399.0, "currency": "CNY", "created_at": "2026-06-20T09:00:00Z", "estimated_delivery": null,
     "shipping_address": "北京市朝阳区建国路88号", "contact_phone": "13812341234"},
    {"order_id": "ORD-004", "user_id": "u_20000", "status": "processing",
     "items": [{"sku": "SKU-LAMP", "name": "Desk lamp", "quantity": 1, "unit_price": 259.0}],
     "total": 259.0, "currency": "CNY", "created_at": "2026-07-02T10:00:00Z", "estimated_delivery": "2026-07-09",
     "shipping_address": "Room 1201, 100 Century Ave, Pudong, Shanghai", "contact_phone": "13900001111"}
  ],
  "shipments": [
    {"order_id": "ORD-001", "carrier": "SF Express", "tracking_number": "SF1234567890", "status": "in_transit",
     "events": [
       {"time": "2026-07-02 08:00", "location": "Shenzhen", "description": "Picked up"},
       {"time": "2026-07-03 14:00", "location": "Beijing", "description": "Arrived at the sorting center"}
     ]}
  ],
  "refunds": [
    {"refund_id": "RF-001", "order_id": "ORD-003", "status": "processing", "amount": 399.0,
     "reason": "Size does not fit", "requested_at": "2026-06-25T10:00:00Z", "completed_at": null}
  ],
  "invoices": [
    {"invoice_id": "INV-001", "order_id": "ORD-001", "type": "electronic", "title": "ACME Trading Co., Ltd.",
     "tax_id": "91110000600037341L", "status": "issued", "issued_at": "2026-07-02"}
  ]
}"#;

/// Raw personal values of the fixture; none may leave the agent.
pub(crate) const RAW_PII: &[&str] = &[
    "13812341234",
    "13900001111",
    "zhangsan@example.com",
    "alice@example.com",
    "110101199001011234",
    "310101198505055678",
    "6222021234567891234",
    "6217001234567890123",
    "建国路88号",
    "100 Century Ave",
    "世纪大道100号",
    "91110000600037341L",
];

pub(crate) fn fixture() -> Dataset {
    serde_json::from_str(FIXTURE).expect("the fixture is a dataset")
}

pub(crate) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-07-03T10:00:00Z").unwrap().with_timezone(&Utc)
}

pub(crate) fn ctx(user_id: &str) -> AssistContext {
    AssistContext {
        session_id: "sess-9f3c2a1b".into(),
        agent_id: "agent-001".into(),
        user_id: user_id.into(),
        mentioned_order_ids: vec![],
        now: now(),
        customer_facing: false,
        actor: "agent-001".into(),
        agent_name: Some("Ada Chen".into()),
    }
}

pub(crate) const SECRET: &[u8] = b"test-confirmation-secret-32-bytes!";

/// An order system in memory with the same rules as the real ones. (DynamoDB itself is never
/// imitated: the DynamoDB backend is tested against DynamoDB Local below.)
#[derive(Default)]
struct FixtureBackend {
    data: Mutex<Dataset>,
    fail_with: Mutex<Option<fn() -> BackendError>>,
    writes: AtomicUsize,
}

impl FixtureBackend {
    fn new() -> Self {
        FixtureBackend { data: Mutex::new(fixture()), ..Default::default() }
    }

    fn failing(make: fn() -> BackendError) -> Self {
        let backend = Self::new();
        *backend.fail_with.lock().unwrap() = Some(make);
        backend
    }

    fn check(&self) -> Result<(), BackendError> {
        match *self.fail_with.lock().unwrap() {
            Some(make) => Err(make()),
            None => Ok(()),
        }
    }

    fn order_now(&self, order_id: &str) -> Option<Order> {
        self.data.lock().unwrap().orders.iter().find(|o| o.order_id == order_id).cloned()
    }

    fn guarded(
        &self,
        user_id: &str,
        order_id: &str,
        allowed: &[&str],
        change: impl FnOnce(&mut Order),
    ) -> Result<Order, BackendError> {
        self.check()?;
        let mut data = self.data.lock().unwrap();
        let order = data
            .orders
            .iter_mut()
            .find(|o| o.order_id == order_id && o.user_id == user_id)
            .ok_or_else(|| BackendError::OrderNotFound(order_id.into()))?;
        if !order.status_is(allowed) {
            return Err(BackendError::NotAllowed { order_id: order_id.into(), status: order.status.clone() });
        }
        change(order);
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(order.clone())
    }
}

impl BusinessBackend for FixtureBackend {
    fn customer<'a>(&'a self, user_id: &'a str) -> BackendResult<'a, Option<Customer>> {
        let found =
            self.check().map(|_| self.data.lock().unwrap().customers.iter().find(|c| c.user_id == user_id).cloned());
        async move { found }.boxed()
    }

    fn order<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Option<Order>> {
        let found = self.check().map(|_| self.order_now(order_id));
        async move { found }.boxed()
    }

    fn orders_of<'a>(&'a self, user_id: &'a str) -> BackendResult<'a, Vec<Order>> {
        let found = self.check().map(|_| {
            let mut orders: Vec<Order> =
                self.data.lock().unwrap().orders.iter().filter(|o| o.user_id == user_id).cloned().collect();
            orders.sort_by(|a, b| b.created_at.cmp(&a.created_at));
            orders
        });
        async move { found }.boxed()
    }

    fn shipment<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Option<Shipment>> {
        let found =
            self.check().map(|_| self.data.lock().unwrap().shipments.iter().find(|s| s.order_id == order_id).cloned());
        async move { found }.boxed()
    }

    fn refunds<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Vec<Refund>> {
        let found = self
            .check()
            .map(|_| self.data.lock().unwrap().refunds.iter().filter(|r| r.order_id == order_id).cloned().collect());
        async move { found }.boxed()
    }

    fn invoices<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Vec<Invoice>> {
        let found = self
            .check()
            .map(|_| self.data.lock().unwrap().invoices.iter().filter(|i| i.order_id == order_id).cloned().collect());
        async move { found }.boxed()
    }

    fn cancel_order<'a>(&'a self, user_id: &'a str, order_id: &'a str) -> BackendResult<'a, Order> {
        let result = self.guarded(user_id, order_id, &records::CANCELLABLE, |o| o.status = "cancelled".into());
        async move { result }.boxed()
    }

    fn change_address<'a>(&'a self, user_id: &'a str, order_id: &'a str, address: &'a str) -> BackendResult<'a, Order> {
        let result =
            self.guarded(user_id, order_id, &records::ADDRESS_CHANGEABLE, |o| o.shipping_address = address.into());
        async move { result }.boxed()
    }

    fn request_refund<'a>(
        &'a self,
        user_id: &'a str,
        order_id: &'a str,
        request: &'a RefundRequest,
    ) -> BackendResult<'a, Refund> {
        let open = self.data.lock().unwrap().refunds.iter().any(|r| r.order_id == order_id && r.is_open());
        let result = if open {
            Err(BackendError::RefundInProgress(order_id.into()))
        } else {
            self.guarded(user_id, order_id, &records::REFUNDABLE, |_| {}).map(|_| {
                let refund = Refund {
                    refund_id: request.refund_id.clone(),
                    order_id: order_id.into(),
                    status: "pending".into(),
                    amount: request.amount,
                    reason: request.reason.clone(),
                    requested_at: request.requested_at.clone(),
                    completed_at: None,
                };
                self.data.lock().unwrap().refunds.push(refund.clone());
                refund
            })
        };
        async move { result }.boxed()
    }
}

#[derive(Default)]
struct MemoryLedger(Mutex<HashSet<String>>);

impl ConfirmationLedger for MemoryLedger {
    fn claim<'a>(&'a self, claim: &'a ConfirmationClaim) -> BackendResult<'a, ClaimOutcome> {
        let fresh = self.0.lock().unwrap().insert(claim.nonce.clone());
        async move { Ok(if fresh { ClaimOutcome::Claimed } else { ClaimOutcome::AlreadyUsed }) }.boxed()
    }

    fn complete<'a>(&'a self, _claim: &'a ConfirmationClaim, _outcome: &'a str) -> BackendResult<'a, ()> {
        async move { Ok(()) }.boxed()
    }
}

struct Harness {
    agent: BusinessAgent,
    backend: Arc<FixtureBackend>,
}

fn harness_with(backend: FixtureBackend) -> Harness {
    let backend = Arc::new(backend);
    let agent = BusinessAgent::new(backend.clone(), Arc::new(MemoryLedger::default()), SECRET.to_vec());
    Harness { agent, backend }
}

fn harness() -> Harness {
    harness_with(FixtureBackend::new())
}

async fn ask(h: &Harness, ctx: &AssistContext, query: &str) -> AssistOutcome {
    h.agent.execute(ctx, query, None).await
}

fn assert_no_raw_pii(outcome: &AssistOutcome) {
    let text = serde_json::to_string(outcome).unwrap() + &format!("{:?}", outcome.executed);
    for raw in RAW_PII {
        assert!(!text.contains(raw), "{raw} leaked in {text}");
    }
}

fn token_of(outcome: &AssistOutcome) -> String {
    outcome.result.data["confirmation_token"].as_str().expect("a confirmation token").to_string()
}

// ---- reads -------------------------------------------------------------------------------

#[tokio::test]
async fn the_spec_example_order_status_is_answered_with_masked_phone() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "Check the status of order ORD-001").await;
    let body = serde_json::to_value(&out).unwrap();
    assert_eq!(body["result"]["reply"], "Order ORD-001 current status: shipped, estimated delivery July 5");
    assert_eq!(body["result"]["scene"], "order");
    assert_eq!(body["result"]["error"], Value::Null);
    assert_eq!(body["result"]["need_confirmation"], false);
    assert_eq!(body["result"]["data"]["order_id"], "ORD-001");
    assert_eq!(body["result"]["data"]["status"], "shipped");
    assert_eq!(body["result"]["data"]["phone_masked"], "138****1234");
    assert_eq!(body["result"]["data"]["contact_phone_masked"], "138****1234");
    assert_eq!(body["result"]["data"]["shipping_address_masked"], "北京市朝阳区****");
    assert!(out.masked_fields.contains(&"phone_masked".to_string()));
    assert!(out.masked_fields.contains(&"shipping_address_masked".to_string()));
    assert_eq!(body.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["masked_fields", "result"]);
    assert_no_raw_pii(&out);
}

#[tokio::test]
async fn order_status_in_chinese() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "查一下订单ORD-001的状态").await;
    assert_eq!(out.result.scene, "order");
    assert_eq!(out.result.reply, "订单ORD-001当前状态：已发货，预计7月5日送达");
}

#[tokio::test]
async fn a_question_naming_no_order_lists_the_customers_orders() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "Check the user's order status").await;
    assert_eq!(out.result.scene, "order");
    assert_eq!(out.result.data["order_count"], 3);
    let ids: Vec<&str> =
        out.result.data["orders"].as_array().unwrap().iter().map(|o| o["order_id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["ORD-002", "ORD-001", "ORD-003"], "newest first");
    assert!(out.result.reply.starts_with("The customer has 3 orders: ORD-002: paid"), "{}", out.result.reply);
}

#[tokio::test]
async fn logistics_in_both_languages_uses_the_mentioned_order() {
    let h = harness();
    let mut c = ctx("u_10086");
    c.mentioned_order_ids = vec!["ORD-001".into(), "ORD-002".into()];
    let out = ask(&h, &c, "物流到哪了").await;
    assert_eq!(out.result.scene, "logistics");
    assert_eq!(out.result.data["order_id"], "ORD-001");
    assert_eq!(out.result.data["order_source"], "mentioned");
    assert_eq!(out.result.data["tracking_number"], "SF1234567890");
    assert!(out.result.reply.contains("运单号SF1234567890"), "{}", out.result.reply);
    assert!(out.result.reply.contains("运输中"), "{}", out.result.reply);

    let out = ask(&h, &c, "Where is the shipment?").await;
    assert_eq!(out.result.scene, "logistics");
    assert!(out
        .result
        .reply
        .starts_with("Order ORD-001 shipped with SF Express, tracking number SF1234567890: in transit."));
    assert!(out.result.reply.contains("Arrived at the sorting center"), "latest event: {}", out.result.reply);
}

#[tokio::test]
async fn an_all_digit_tracking_number_is_not_mistaken_for_a_card() {
    let h = harness();
    h.backend.data.lock().unwrap().shipments[0].tracking_number = "731234567890123".into();
    let out = ask(&h, &ctx("u_10086"), "Where is the shipment of ORD-001?").await;
    assert!(out.result.reply.contains("tracking number 731234567890123"), "{}", out.result.reply);
}

#[tokio::test]
async fn an_unshipped_order_says_so() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "tracking for ORD-002").await;
    assert_eq!(out.result.scene, "logistics");
    assert_eq!(out.result.reply, "Order ORD-002 has not shipped yet (status: paid).");
    assert_eq!(out.result.error, None);
}

#[tokio::test]
async fn the_most_recent_mention_wins_and_other_customers_mentions_are_skipped() {
    let h = harness();
    let mut c = ctx("u_10086");
    // ORD-004 is u_20000's: skipped, not revealed.
    c.mentioned_order_ids = vec!["ORD-004".into(), "ORD-003".into(), "ORD-001".into()];
    let out = ask(&h, &c, "退款进度").await;
    assert_eq!(out.result.scene, "refund");
    assert_eq!(out.result.data["order_id"], "ORD-003");
    assert_eq!(out.result.reply, "订单ORD-003的退款RF-001：处理中，金额399.00 CNY，申请时间2026-06-25T10:00:00Z。");
}

#[tokio::test]
async fn without_any_mention_the_customers_latest_order_is_used() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "What is the refund status?").await;
    assert_eq!(out.result.scene, "refund");
    assert_eq!(out.result.data["order_id"], "ORD-002");
    assert_eq!(out.result.data["order_source"], "latest");
    assert_eq!(out.result.reply, "No refund has been requested for order ORD-002.");
}

#[tokio::test]
async fn account_in_both_languages_masks_every_personal_field() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "我的会员等级").await;
    assert_eq!(out.result.scene, "account");
    assert_eq!(out.result.reply, "客户u_10086（张*）：会员等级黄金会员，积分12800。");
    let data = &out.result.data;
    assert_eq!(data["phone_masked"], "138****1234");
    assert_eq!(data["email_masked"], "z***@example.com");
    assert_eq!(data["national_id_masked"], "110***********1234");
    assert_eq!(data["bank_card_masked"], "**** **** **** 1234");
    assert_eq!(data["address_masked"], "北京市朝阳区****");
    for field in
        ["phone_masked", "email_masked", "national_id_masked", "bank_card_masked", "address_masked", "name_masked"]
    {
        assert!(out.masked_fields.contains(&field.to_string()), "{field}");
    }
    assert_no_raw_pii(&out);

    let out = ask(&h, &ctx("u_20000"), "How many points does the customer have?").await;
    assert_eq!(out.result.reply, "Customer u_20000 (A*** S***): silver member, 300 points.");
    assert_eq!(out.result.data["address_masked"], "****, Pudong, Shanghai");
    assert_no_raw_pii(&out);
}

#[tokio::test]
async fn invoices_in_both_languages() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "Has the invoice for ORD-001 been issued?").await;
    assert_eq!(out.result.scene, "invoice");
    assert_eq!(out.result.reply, "Invoice INV-001 for order ORD-001 (electronic): issued on 2026-07-02.");
    assert_eq!(out.result.data["invoices"][0]["tax_id_masked"], "9111**********341L");
    assert_eq!(out.masked_fields, vec!["tax_id_masked"]);

    let mut c = ctx("u_10086");
    c.mentioned_order_ids = vec!["ORD-002".into()];
    let out = ask(&h, &c, "开发票了吗").await;
    assert_eq!(out.result.scene, "invoice");
    assert_eq!(out.result.reply, "订单ORD-002尚未开具发票。");
}

#[tokio::test]
async fn an_unknown_order_is_an_error_not_a_failure() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "Check the status of order ORD-999").await;
    assert_eq!(out.result.error.as_deref(), Some("order_not_found"));
    assert_eq!(out.result.reply, "Order ORD-999 was not found. Please check the order number.");
    assert_eq!(out.result.data, Value::Null);
}

#[tokio::test]
async fn an_agent_is_told_an_order_belongs_to_another_customer_without_seeing_it() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "Check the status of order ORD-004").await;
    assert_eq!(out.result.error.as_deref(), Some("order_not_owned"));
    assert_eq!(out.result.data, Value::Null);
    assert!(!out.result.reply.contains("processing"));
}

#[tokio::test]
async fn to_a_customer_another_customers_order_is_exactly_an_unknown_order() {
    let h = harness();
    let mut c = ctx("u_10086");
    c.customer_facing = true;
    let theirs = ask(&h, &c, "Check the status of order ORD-004").await;
    let unknown = ask(&h, &c, "Check the status of order ORD-005").await;
    assert_eq!(theirs.result.error.as_deref(), Some("order_not_found"));
    assert_eq!(
        serde_json::to_string(&theirs).unwrap().replace("ORD-004", "ORD-X"),
        serde_json::to_string(&unknown).unwrap().replace("ORD-005", "ORD-X")
    );
}

#[tokio::test]
async fn a_customer_may_read_but_not_write() {
    let h = harness();
    let mut c = ctx("u_10086");
    c.customer_facing = true;
    let out = ask(&h, &c, "物流到哪了").await;
    assert_eq!(out.result.error, None);
    for query in
        ["Cancel order ORD-002", "帮我取消订单", "Change the address of ORD-002 to 1 Main St", "申请退款ORD-001"]
    {
        let out = ask(&h, &c, query).await;
        assert_eq!(out.result.error.as_deref(), Some("write_not_allowed"), "{query}");
        assert!(!out.result.need_confirmation);
        assert!(out.result.reply.contains("agent") || out.result.reply.contains("人工客服"), "{}", out.result.reply);
    }
    assert_eq!(h.backend.writes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_unrecognised_question_gets_help() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "hello").await;
    assert_eq!(out.result.scene, "unknown");
    assert_eq!(out.result.error, None);
    assert!(out.result.reply.contains("ORD-001"));
}

#[tokio::test]
async fn backend_failures_become_errors_with_helpful_replies() {
    type Case = (fn() -> BackendError, &'static str);
    let cases: [Case; 3] = [
        (|| BackendError::Timeout, "backend_timeout"),
        (|| BackendError::Unavailable("503".into()), "backend_unavailable"),
        (|| BackendError::InvalidResponse("expected value".into()), "backend_invalid_response"),
    ];
    for (make, code) in cases {
        let h = harness_with(FixtureBackend::failing(make));
        for query in ["Check the status of order ORD-001", "我的会员等级", "Cancel ORD-002"] {
            let out = ask(&h, &ctx("u_10086"), query).await;
            assert_eq!(out.result.error.as_deref(), Some(code), "{query}");
            assert!(!out.result.reply.is_empty());
        }
    }
}

// ---- writes ------------------------------------------------------------------------------

#[tokio::test]
async fn a_cancellation_is_proposed_then_executed_exactly_once() {
    let h = harness();
    let c = ctx("u_10086");
    let proposal = ask(&h, &c, "Cancel order ORD-002").await;
    assert_eq!(proposal.result.scene, "cancel_order");
    assert!(proposal.result.need_confirmation);
    assert_eq!(proposal.result.error, None);
    assert_eq!(proposal.result.data["action"], "cancel_order");
    assert_eq!(proposal.result.data["order_id"], "ORD-002");
    assert_eq!(proposal.result.data["changes"]["status"]["to"], "cancelled");
    assert_eq!(proposal.result.data["expires_at"], "2026-07-03T10:05:00Z");
    assert!(proposal.result.reply.contains("paid to cancelled"), "{}", proposal.result.reply);
    assert_eq!(h.backend.order_now("ORD-002").unwrap().status, "paid", "nothing changes before confirmation");
    assert!(proposal.executed.is_none());

    let token = token_of(&proposal);
    let mut later = c.clone();
    later.now = c.now + Duration::seconds(30);
    let done = h.agent.execute(&later, "Cancel order ORD-002", Some(&token)).await;
    assert_eq!(done.result.error, None, "{}", done.result.reply);
    assert!(!done.result.need_confirmation);
    assert_eq!(done.result.reply, "Order ORD-002 has been cancelled.");
    assert_eq!(
        done.executed,
        Some(ExecutedWrite {
            action: "cancel_order".into(),
            order_id: "ORD-002".into(),
            summary: "Order ORD-002 has been cancelled.".into()
        })
    );
    assert_eq!(h.backend.order_now("ORD-002").unwrap().status, "cancelled");

    let replay = h.agent.execute(&later, "Cancel order ORD-002", Some(&token)).await;
    assert_eq!(replay.result.error.as_deref(), Some("confirmation_replayed"));
    assert!(replay.executed.is_none());
    assert_eq!(h.backend.writes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_expired_confirmation_changes_nothing() {
    let h = harness();
    let c = ctx("u_10086");
    let token = token_of(&ask(&h, &c, "帮我取消订单ORD-002").await);
    let mut late = c.clone();
    late.now = c.now + Duration::minutes(5);
    let out = h.agent.execute(&late, "帮我取消订单ORD-002", Some(&token)).await;
    assert_eq!(out.result.error.as_deref(), Some("confirmation_expired"));
    assert!(out.result.reply.contains("过期"));
    assert_eq!(h.backend.writes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_confirmation_for_another_session_agent_action_or_request_is_invalid() {
    let h = harness();
    let c = ctx("u_10086");
    let token = token_of(&ask(&h, &c, "Change the address of ORD-002 to 上海市浦东新区世纪大道100号").await);
    let other_session = AssistContext { session_id: "sess-other".into(), ..c.clone() };
    let other_agent = AssistContext { agent_id: "agent-002".into(), ..c.clone() };
    let attempts = [
        (other_session.clone(), "Change the address of ORD-002 to 上海市浦东新区世纪大道100号"),
        (other_agent, "Change the address of ORD-002 to 上海市浦东新区世纪大道100号"),
        (c.clone(), "Cancel order ORD-002"),
        (c.clone(), "Change the address of ORD-002 to 北京市海淀区中关村大街1号"),
        (c.clone(), "Check the status of order ORD-002"),
    ];
    for (context, query) in attempts {
        let out = h.agent.execute(&context, query, Some(&token)).await;
        assert_eq!(out.result.error.as_deref(), Some("confirmation_invalid"), "{query}");
        assert!(out.executed.is_none());
    }
    let last = if token.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &token[..token.len() - 1]);
    let out = h.agent.execute(&c, "Change the address of ORD-002 to 上海市浦东新区世纪大道100号", Some(&forged)).await;
    assert_eq!(out.result.error.as_deref(), Some("confirmation_invalid"));
    assert_eq!(h.backend.writes.load(Ordering::SeqCst), 0);

    // The right one still works: failed attempts did not use it up.
    let out = h.agent.execute(&c, "Change the address of ORD-002 to 上海市浦东新区世纪大道100号", Some(&token)).await;
    assert_eq!(out.result.error, None, "{}", out.result.reply);
    assert_eq!(out.result.reply, "The shipping address of order ORD-002 is now 上海市浦东新区****.");
    assert_eq!(h.backend.order_now("ORD-002").unwrap().shipping_address, "上海市浦东新区世纪大道100号");
    assert_no_raw_pii(&out);
}

#[tokio::test]
async fn an_address_change_shows_both_addresses_masked() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "把订单ORD-002的收货地址改为上海市浦东新区世纪大道100号").await;
    assert_eq!(out.result.scene, "change_address");
    assert!(out.result.need_confirmation);
    assert_eq!(out.result.data["changes"]["shipping_address_masked"]["from"], "北京市朝阳区****");
    assert_eq!(out.result.data["changes"]["shipping_address_masked"]["to"], "上海市浦东新区****");
    assert_eq!(out.masked_fields, vec!["shipping_address_masked"]);
    assert_eq!(
        out.result.reply,
        "确认将订单ORD-002的收货地址由北京市朝阳区****改为上海市浦东新区****吗？请在5分钟内确认。"
    );
    assert_no_raw_pii(&out);
}

#[tokio::test]
async fn an_address_change_needs_an_address_and_an_unshipped_order() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "I need to change the address of ORD-002").await;
    assert_eq!(out.result.error.as_deref(), Some("address_required"));
    let out = ask(&h, &ctx("u_10086"), "Change the address of ORD-001 to 1 Main St, Springfield").await;
    assert_eq!(out.result.error.as_deref(), Some("not_allowed_in_status"));
    assert_eq!(out.result.reply, "Order ORD-001 is shipped, so changing its shipping address is not possible.");
    assert!(!out.result.need_confirmation);
}

#[tokio::test]
async fn a_refund_request_is_confirmed_with_its_amount_and_reason() {
    let h = harness();
    let c = ctx("u_10086");
    let query = "Request a refund for ORD-001 because the kettle leaks";
    let proposal = ask(&h, &c, query).await;
    assert_eq!(proposal.result.scene, "request_refund");
    assert_eq!(
        proposal.result.reply,
        "Request a refund of 1299.00 CNY for order ORD-001 (reason: the kettle leaks)? Confirm within 5 minutes to proceed."
    );
    assert_eq!(proposal.result.data["changes"]["refund"]["amount"], 1299.0);
    let done = h.agent.execute(&c, query, Some(&token_of(&proposal))).await;
    assert_eq!(done.result.error, None, "{}", done.result.reply);
    let refund_id = done.result.data["result"]["refund"]["refund_id"].as_str().unwrap().to_string();
    assert!(refund_id.starts_with("RF-"));
    assert!(done.result.reply.contains(&refund_id));
    assert_eq!(done.executed.unwrap().action, "request_refund");

    // A second refund for the same order is refused while the first is open.
    let again = ask(&h, &c, query).await;
    assert_eq!(again.result.error.as_deref(), Some("refund_in_progress"));
}

#[tokio::test]
async fn a_refund_is_refused_while_one_is_open_and_for_unpaid_orders() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "我要退款ORD-003").await;
    assert_eq!(out.result.error.as_deref(), Some("refund_in_progress"));
    let out = ask(&h, &ctx("u_10086"), "cancel ORD-003").await;
    assert_eq!(out.result.error.as_deref(), Some("not_allowed_in_status"));
}

#[tokio::test]
async fn a_write_naming_no_order_uses_the_only_eligible_one_or_asks() {
    let h = harness();
    // u_10086 can cancel only ORD-002 (ORD-001 shipped, ORD-003 delivered).
    let out = ask(&h, &ctx("u_10086"), "帮我取消订单").await;
    assert!(out.result.need_confirmation, "{}", out.result.reply);
    assert_eq!(out.result.data["order_id"], "ORD-002");
    // Refundable: ORD-001, ORD-002, ORD-003 → which one?
    let out = ask(&h, &ctx("u_10086"), "I want a refund").await;
    assert_eq!(out.result.error.as_deref(), Some("order_id_required"));
    assert_eq!(out.result.data["candidates"].as_array().unwrap().len(), 3);
    // A mentioned order settles it.
    let mut c = ctx("u_10086");
    c.mentioned_order_ids = vec!["ORD-001".into()];
    let out = ask(&h, &c, "I want a refund").await;
    assert_eq!(out.result.data["order_id"], "ORD-001");
}

#[tokio::test]
async fn writes_to_another_customers_order_are_refused() {
    let h = harness();
    let out = ask(&h, &ctx("u_10086"), "Cancel order ORD-004").await;
    assert_eq!(out.result.error.as_deref(), Some("order_not_owned"));
    assert!(!out.result.need_confirmation);
    assert_eq!(h.backend.order_now("ORD-004").unwrap().status, "processing");
}

#[tokio::test]
async fn a_status_change_between_proposal_and_confirmation_is_reported() {
    let h = harness();
    let c = ctx("u_10086");
    let token = token_of(&ask(&h, &c, "Cancel order ORD-002").await);
    h.backend.data.lock().unwrap().orders.iter_mut().find(|o| o.order_id == "ORD-002").unwrap().status =
        "shipped".into();
    let out = h.agent.execute(&c, "Cancel order ORD-002", Some(&token)).await;
    assert_eq!(out.result.error.as_deref(), Some("not_allowed_in_status"));
    assert!(out.executed.is_none());
}

#[tokio::test]
async fn an_http_order_system_that_hangs_fails_or_babbles_yields_an_error_result() {
    use super::http_backend::tests::{stub, Stub};
    let cases = [
        (Stub::Sleep(std::time::Duration::from_secs(5)), "backend_timeout"),
        (Stub::Status(500), "backend_unavailable"),
        (Stub::Garbage, "backend_invalid_response"),
    ];
    for (answer, code) in cases {
        let (base, _) = stub(answer).await;
        let backend = HttpBusinessBackend::new(&base)
            .unwrap()
            .with_timeout(std::time::Duration::from_millis(200))
            .with_retries(2, std::time::Duration::from_millis(5));
        let agent = BusinessAgent::new(Arc::new(backend), Arc::new(MemoryLedger::default()), SECRET.to_vec());
        for query in ["Check the status of order ORD-001", "物流到哪了", "Cancel order ORD-002"] {
            let out = agent.execute(&ctx("u_10086"), query, None).await;
            assert_eq!(out.result.error.as_deref(), Some(code), "{query}");
            assert!(!out.result.reply.is_empty());
        }
    }
}

#[test]
fn mentioned_order_ids_are_most_recent_first() {
    use crate::domain::{Author, Role};
    let message = |text: &str| crate::domain::Message {
        message_id: "m".into(),
        role: Role::User,
        author: Author::Customer,
        content: text.into(),
        timestamp: now(),
        agent_id: None,
        agent_name: None,
    };
    let history = vec![message("ORD-001 and ORD-002"), message("what about ord-003?"), message("back to ORD-001")];
    assert_eq!(mentioned_order_ids(&history), vec!["ORD-001", "ORD-003", "ORD-002"]);
}

// ---- logs --------------------------------------------------------------------------------

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_raw_personal_data_reaches_a_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        // Other tests running in parallel may have registered these callsites before this
        // subscriber existed; recompute their interest so its events are not skipped.
        tracing::callsite::rebuild_interest_cache();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let h = harness();
            let c = ctx("u_10086");
            for query in ["Check the status of order ORD-001", "我的会员等级", "物流到哪了", "开发票了吗"]
            {
                ask(&h, &c, query).await;
            }
            let query = "Change the address of ORD-002 to 上海市浦东新区世纪大道100号, call 13812341234";
            let token = token_of(&ask(&h, &c, query).await);
            let done = h.agent.execute(&c, query, Some(&token)).await;
            assert!(done.executed.is_some(), "{}", done.result.reply);
            // A record the agent cannot read, whose error quotes the raw value.
            let broken = harness_with(FixtureBackend::failing(|| {
                BackendError::InvalidResponse("invalid type: string \"13812341234\", expected u64".into())
            }));
            ask(&broken, &c, "我的会员等级").await;
        });
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The capture worked: at least one of the agent's own lines is there.
    assert!(
        logs.contains("business assist") || logs.contains("order system call failed"),
        "the test saw no log line: {logs}"
    );
    for raw in RAW_PII {
        assert!(!logs.contains(raw), "{raw} reached the log:\n{logs}");
    }
}

// ---- the real dataset file ---------------------------------------------------------------

#[test]
fn the_demo_dataset_file_parses_and_is_consistent() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/seed/business/dataset.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is not there", path.display());
        return;
    };
    let dataset: Dataset = serde_json::from_str(&text).expect("dataset.json has the documented shape");
    assert!(!dataset.customers.is_empty() && !dataset.orders.is_empty());
    for order in &dataset.orders {
        assert!(dataset.customers.iter().any(|c| c.user_id == order.user_id), "{} has no customer", order.order_id);
        assert_eq!(
            understand::order_ids_in(&order.order_id),
            vec![order.order_id.clone()],
            "{} is an order id",
            order.order_id
        );
    }
    for order_id in dataset
        .shipments
        .iter()
        .map(|s| &s.order_id)
        .chain(dataset.refunds.iter().map(|r| &r.order_id))
        .chain(dataset.invoices.iter().map(|i| &i.order_id))
    {
        assert!(dataset.orders.iter().any(|o| &o.order_id == order_id), "{order_id} is not an order");
    }
}

// ---- against DynamoDB Local --------------------------------------------------------------

mod dynamodb_local {
    use super::*;
    use crate::store::Store;

    async fn fresh_store() -> Option<Store> {
        let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") else {
            eprintln!("skipped: DYNAMODB_ENDPOINT is not set");
            return None;
        };
        let table = format!("test-business-{}", uuid::Uuid::new_v4().simple());
        let store = Store::new(crate::app::local_dynamodb_client(&endpoint), table);
        store.create_table_if_missing().await.expect("create the test table");
        Some(store)
    }

    async fn seeded() -> Option<(Store, BusinessAgent)> {
        let store = fresh_store().await?;
        let path = std::env::temp_dir().join(format!("business-{}.json", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, FIXTURE).unwrap();
        let report = seed(&store, &path).await.expect("seed");
        assert_eq!(report.orders, 4);
        assert_eq!(report.items, 2 + 4 * 2 + 1 + 1 + 1);
        // Seeding again changes nothing.
        assert_eq!(seed(&store, &path).await.expect("seed twice"), report);
        std::fs::remove_file(&path).ok();
        assigned_session(&store).await;
        let agent = BusinessAgent::new(
            Arc::new(DynamoBusinessBackend::new(store.clone())),
            Arc::new(DynamoConfirmationLedger::new(store.clone())),
            SECRET.to_vec(),
        );
        Some((store, agent))
    }

    /// The session [`ctx`] names, escalated and accepted by its agent: a confirmed write is
    /// recorded in it, guarded by it being that agent's.
    async fn assigned_session(store: &Store) {
        let app = crate::app::App::new(
            store.clone(),
            crate::config::Config::new(store.table(), crate::auth::ApiKeys::parse("business-test-key")),
        );
        let event = serde_json::json!({
            "event_id": "evt-business-test", "session_id": "sess-9f3c2a1b", "user_id": "u_10086",
            "reason": "Customer asked for a person", "priority": "high",
            "history": [{"role": "user", "content": "I need help with my orders"}],
        });
        crate::ingest::ingest(&app, crate::ingest::parse_event(&event.to_string()).unwrap()).await.expect("escalate");
        let assignee = crate::store::Assignee { id: "agent-001", name: Some("Ada Chen") };
        let policy = crate::queue::QueuePolicy::default();
        store.accept("sess-9f3c2a1b", assignee, "agent-001", &policy, chrono::Utc::now()).await.expect("accept");
    }

    #[tokio::test]
    async fn every_scene_confirmations_and_isolation_against_dynamodb_local() {
        let Some((store, agent)) = seeded().await else { return };
        let c = ctx("u_10086");
        let run = |query: &'static str, context: AssistContext| {
            let agent = &agent;
            async move { agent.execute(&context, query, None).await }
        };

        let out = run("Check the status of order ORD-001", c.clone()).await;
        assert_eq!(out.result.reply, "Order ORD-001 current status: shipped, estimated delivery July 5");
        assert_eq!(out.result.data["phone_masked"], "138****1234");
        assert_no_raw_pii(&out);
        let out = run("Check the user's order status", c.clone()).await;
        assert_eq!(out.result.data["order_count"], 3);
        assert_eq!(out.result.data["orders"][0]["order_id"], "ORD-002");
        let out = run("物流到哪了 ORD-001", c.clone()).await;
        assert_eq!(out.result.scene, "logistics");
        assert_eq!(out.result.data["tracking_number"], "SF1234567890");
        let out = run("退款进度 ORD-003", c.clone()).await;
        assert_eq!(out.result.data["refunds"][0]["refund_id"], "RF-001");
        let out = run("我的会员等级", c.clone()).await;
        assert_eq!(out.result.data["member_level"], "gold");
        assert_eq!(out.result.data["bank_card_masked"], "**** **** **** 1234");
        assert_no_raw_pii(&out);
        let out = run("开发票了吗 ORD-001", c.clone()).await;
        assert_eq!(out.result.data["invoices"][0]["invoice_id"], "INV-001");

        // Cross-customer isolation: u_20000's order is unknown to a customer, refused to an agent.
        let mut customer = c.clone();
        customer.customer_facing = true;
        let out = run("Check the status of order ORD-004", customer).await;
        assert_eq!(out.result.error.as_deref(), Some("order_not_found"));
        let out = run("Cancel order ORD-004", c.clone()).await;
        assert_eq!(out.result.error.as_deref(), Some("order_not_owned"));
        // Even a write straight to the backend cannot touch another customer's order.
        let backend = DynamoBusinessBackend::new(store.clone());
        let err = backend.cancel_order("u_10086", "ORD-004").await.unwrap_err();
        assert!(matches!(err, BackendError::OrderNotFound(_)), "{err:?}");

        // Cancel: executed once, replay refused.
        let proposal = run("Cancel order ORD-002", c.clone()).await;
        let token = token_of(&proposal);
        let done = agent.execute(&c, "Cancel order ORD-002", Some(&token)).await;
        assert_eq!(done.result.error, None, "{}", done.result.reply);
        assert!(done.executed.is_some());
        assert_eq!(backend.order("ORD-002").await.unwrap().unwrap().status, "cancelled");
        // Recorded before it ran, completed with its outcome after.
        let lines: Vec<String> = store.history("sess-9f3c2a1b").await.unwrap().into_iter().map(|m| m.content).collect();
        assert!(lines.contains(&"cancel_order by agent-001: Order ORD-002 has been cancelled.".to_string()), "{lines:?}");
        let replay = agent.execute(&c, "Cancel order ORD-002", Some(&token)).await;
        assert_eq!(replay.result.error.as_deref(), Some("confirmation_replayed"));
        let marker = store
            .client()
            .get_item()
            .table_name(store.table())
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("CONFIRM#{}", token.split('.').nth(2).unwrap())),
            )
            .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("USED".into()))
            .send()
            .await
            .unwrap()
            .item
            .expect("the used token left a marker");
        assert!(marker.get("expires_at").and_then(|v| v.as_n().ok()).is_some(), "the marker carries its TTL");

        // Two confirmations racing: exactly one executes.
        let query = "Request a refund for ORD-001 because the kettle leaks";
        let token = token_of(&run(query, c.clone()).await);
        let (a, b) = tokio::join!(agent.execute(&c, query, Some(&token)), agent.execute(&c, query, Some(&token)));
        let executed = [&a, &b].iter().filter(|o| o.executed.is_some()).count();
        assert_eq!(executed, 1, "{:?} / {:?}", a.result, b.result);
        assert_eq!(backend.refunds("ORD-001").await.unwrap().len(), 1);
        // A second refund while the first is open: refused by the conditional write itself.
        let request =
            RefundRequest { refund_id: "RF-9".into(), amount: 1.0, reason: "x".into(), requested_at: "t".into() };
        let err = backend.request_refund("u_10086", "ORD-001", &request).await.unwrap_err();
        assert!(matches!(err, BackendError::RefundInProgress(_)), "{err:?}");

        // Address change: expired token refused, fresh one executes.
        let query = "Change the address of ORD-002 to 上海市浦东新区世纪大道100号";
        let out = run(query, c.clone()).await;
        // ORD-002 is cancelled now.
        assert_eq!(out.result.error.as_deref(), Some("not_allowed_in_status"));
        let theirs = ctx("u_20000");
        let query = "Change the address of ORD-004 to 上海市浦东新区世纪大道100号";
        let token = token_of(&run(query, theirs.clone()).await);
        let mut late = theirs.clone();
        late.now = theirs.now + Duration::minutes(6);
        let out = agent.execute(&late, query, Some(&token)).await;
        assert_eq!(out.result.error.as_deref(), Some("confirmation_expired"));
        assert!(backend.order("ORD-004").await.unwrap().unwrap().shipping_address.contains("Century Ave"));
        let out = agent.execute(&theirs, query, Some(&token)).await;
        assert_eq!(out.result.error, None, "{}", out.result.reply);
        assert_eq!(backend.order("ORD-004").await.unwrap().unwrap().shipping_address, "上海市浦东新区世纪大道100号");

        store.delete_table().await.ok();
    }

    #[tokio::test]
    async fn the_demo_dataset_answers_the_spec_example() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/seed/business/dataset.json");
        if !path.exists() {
            eprintln!("skipped: {} is not there", path.display());
            return;
        }
        let Some(store) = fresh_store().await else { return };
        seed(&store, &path).await.expect("seed the demo dataset");
        let agent = BusinessAgent::new(
            Arc::new(DynamoBusinessBackend::new(store.clone())),
            Arc::new(DynamoConfirmationLedger::new(store.clone())),
            SECRET.to_vec(),
        );
        let out = agent.execute(&ctx("u_10086"), "Check the status of order ORD-001", None).await;
        let body = serde_json::to_value(&out).unwrap();
        assert_eq!(body["result"]["reply"], "Order ORD-001 current status: shipped, estimated delivery July 5");
        assert_eq!(body["result"]["data"]["order_id"], "ORD-001");
        assert_eq!(body["result"]["data"]["status"], "shipped");
        assert_eq!(body["result"]["data"]["phone_masked"], "138****1234");
        assert_eq!(body["result"]["scene"], "order");
        assert_eq!(body["result"]["error"], Value::Null);
        assert!(out.masked_fields.contains(&"phone_masked".to_string()));
        store.delete_table().await.ok();
    }

    #[tokio::test]
    async fn an_outage_is_an_error_result_not_a_failure() {
        let Some(store) = fresh_store().await else { return };
        // A table that does not exist: every call fails.
        let missing = Store::new(store.client().clone(), format!("{}-missing", store.table()));
        let agent = BusinessAgent::new(
            Arc::new(DynamoBusinessBackend::new(missing.clone())),
            Arc::new(DynamoConfirmationLedger::new(missing)),
            SECRET.to_vec(),
        );
        let out = agent.execute(&ctx("u_10086"), "Check the status of order ORD-001", None).await;
        assert_eq!(out.result.error.as_deref(), Some("backend_unavailable"));
        store.delete_table().await.ok();
    }
}

// ---- issue 13: every string that leaves the agent is masked ---------------------------------

/// Every string of a response (and of the history record of a write), for leak checks.
fn everything_said(outcome: &AssistOutcome) -> String {
    serde_json::to_string(outcome).unwrap() + &format!("{:?}", outcome.executed)
}

#[tokio::test]
async fn an_email_in_a_new_address_is_masked_in_the_proposal_the_result_and_later_reads() {
    let h = harness();
    let c = ctx("u_10086");
    let query = "Change the address of ORD-002 to 5 Main Street, Springfield, bob.smith@mail.example.com";
    let proposal = ask(&h, &c, query).await;
    assert_eq!(proposal.result.scene, "change_address");
    assert!(!everything_said(&proposal).contains("bob.smith@mail.example.com"), "{}", everything_said(&proposal));
    let done = h.agent.execute(&c, query, Some(&token_of(&proposal))).await;
    assert_eq!(done.result.error, None, "{}", done.result.reply);
    assert!(!everything_said(&done).contains("bob.smith@mail.example.com"), "{}", everything_said(&done));
    let later = ask(&h, &c, "Check the status of order ORD-002").await;
    assert!(!everything_said(&later).contains("bob.smith@mail.example.com"), "{}", everything_said(&later));
}

#[tokio::test]
async fn a_phone_number_in_a_refund_reason_is_masked_in_data() {
    let h = harness();
    let c = ctx("u_10086");
    let query = "Request a refund for ORD-001 because the courier 13955556666 never came";
    let proposal = ask(&h, &c, query).await;
    assert_eq!(proposal.result.scene, "request_refund");
    let reason = proposal.result.data["changes"]["refund"]["reason"].as_str().unwrap();
    assert_eq!(reason, "the courier 139****6666 never came");
    let done = h.agent.execute(&c, query, Some(&token_of(&proposal))).await;
    assert_eq!(done.result.error, None, "{}", done.result.reply);
    assert!(!everything_said(&done).contains("13955556666"));
    let later = ask(&h, &c, "What is the refund status of ORD-001?").await;
    assert_eq!(later.result.scene, "refund");
    assert!(!everything_said(&later).contains("13955556666"), "{}", everything_said(&later));
}

#[tokio::test]
async fn a_name_in_a_new_address_is_masked() {
    let h = harness();
    let c = ctx("u_10086");
    for (query, name) in [
        ("Change the address of ORD-002 to John Smith, 5 Main Street, Springfield", "John Smith"),
        ("Change the address of ORD-002 to Attn Mary Jones, Chaoyang District, Beijing", "Mary Jones"),
        ("把订单ORD-002的收货地址改为王小明 上海市浦东新区世纪大道100号", "王小明"),
        ("把订单ORD-002的收货地址改为王小明上海市浦东新区世纪大道100号", "王小明"),
    ] {
        let out = ask(&h, &c, query).await;
        assert_eq!(out.result.scene, "change_address", "{query}");
        let to = out.result.data["changes"]["shipping_address_masked"]["to"].as_str().unwrap();
        assert!(!everything_said(&out).contains(name), "{query}: {to} / {}", out.result.reply);
    }
}

mod personal_data_never_leaves {
    //! Generated phones, emails, card and id numbers, placed in every free-text input of the
    //! business agent (addresses, refund reasons, the query around an order id, every scene, both
    //! languages), through proposal, confirmation and the reads after it: none comes back.
    use super::*;
    use proptest::prelude::*;

    fn phone() -> impl Strategy<Value = String> {
        let mobile = (prop::sample::select(vec!["13", "15", "17", "18", "19"]), 0u32..10, 0u32..100_000_000);
        prop_oneof![
            mobile.clone().prop_map(|(p, a, b)| format!("{p}{a}{b:08}")),
            mobile.clone().prop_map(|(p, a, b)| format!("{p}{a}-{:04}-{:04}", b / 10_000, b % 10_000)),
            mobile.clone().prop_map(|(p, a, b)| format!("{p}{a} {:04} {:04}", b / 10_000, b % 10_000)),
            mobile.prop_map(|(p, a, b)| format!("+86 {p}{a}{b:08}")),
            (prop::sample::select(vec!["010", "021", "0755", "0571"]), 2_000_000u32..99_999_999)
                .prop_map(|(area, n)| format!("{area}-{n}")),
        ]
    }

    fn email() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9]{0,8}([._+-][a-z0-9]{1,6})?@[a-z]{2,8}(\\.[a-z]{2,6}){1,2}"
    }

    fn card() -> impl Strategy<Value = String> {
        prop_oneof![
            "[3-6][0-9]{15,18}",
            "[3-6][0-9]{3}( [0-9]{4}){3}",
            "[3-6][0-9]{3}(-[0-9]{4}){3}",
        ]
    }

    fn national_id() -> impl Strategy<Value = String> {
        "[1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9])[0-9]{3}[0-9X]"
    }

    fn personal() -> impl Strategy<Value = String> {
        prop_oneof![phone(), email(), card(), national_id()]
    }

    /// (query with `{}` for the value, the reads that follow a confirmed write)
    const PLACES: &[(&str, &[&str])] = &[
        ("Change the address of ORD-002 to {}, 5 Main Street, Springfield", &["Check the status of order ORD-002"]),
        ("Change the address of ORD-002 to 5 Main Street, {}, Chaoyang District, Beijing", &["Where is ORD-002?"]),
        ("Change the address of ORD-002 to 12 Century Ave, Pudong, Shanghai, tel {}", &["Check the status of order ORD-002"]),
        ("把订单ORD-002的收货地址改为上海市浦东新区世纪大道100号，电话{}", &["查一下订单ORD-002的状态"]),
        ("把订单ORD-002的收货地址改为{}", &["查一下订单ORD-002的状态"]),
        ("Request a refund for ORD-001 because call me on {} please", &["What is the refund status of ORD-001?"]),
        ("我要为订单ORD-001申请退款，原因是联系方式{}", &["订单ORD-001的退款进度"]),
        ("Cancel order ORD-002, the customer gave {}", &["Check the status of order ORD-002"]),
        ("Check the status of order ORD-001 for {}", &[]),
        ("Where is the parcel of ORD-001? contact {}", &[]),
        ("查一下订单ORD-001的物流，客户{}", &[]),
        ("Show the invoice of ORD-001 for {}", &[]),
        ("What are the customer's points? {}", &[]),
        ("{}", &[]),
    ];

    fn leaks(value: &str, outcome: &AssistOutcome) -> Option<String> {
        let said = everything_said(outcome);
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        if said.contains(value) {
            return Some(format!("{value} in {said}"));
        }
        if digits.len() >= 7 && said.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>().contains(&digits) {
            return Some(format!("digits of {value} in {said}"));
        }
        None
    }

    async fn run(place: usize, value: &str) -> Result<(), String> {
        let (template, reads) = PLACES[place];
        let query = template.replace("{}", value);
        let h = harness();
        let c = ctx("u_10086");
        let first = ask(&h, &c, &query).await;
        let mut outcomes = vec![first.clone()];
        if first.result.need_confirmation {
            outcomes.push(h.agent.execute(&c, &query, Some(&token_of(&first))).await);
            for read in reads.iter() {
                outcomes.push(ask(&h, &c, read).await);
            }
        }
        for outcome in &outcomes {
            if let Some(leak) = leaks(value, outcome) {
                return Err(format!("query {query:?}: {leak}"));
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn no_generated_personal_value_comes_back(place in 0..PLACES.len(), value in personal()) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let result = runtime.block_on(run(place, &value));
            prop_assert!(result.is_ok(), "{}", result.unwrap_err());
        }
    }

    /// The places above do reach the writes they are meant to test.
    #[tokio::test]
    async fn the_write_places_reach_a_confirmed_write() {
        for (template, reads) in PLACES.iter().filter(|(_, reads)| !reads.is_empty()) {
            let query = template.replace("{}", "alice@example.org");
            let h = harness();
            let c = ctx("u_10086");
            let first = ask(&h, &c, &query).await;
            assert!(first.result.need_confirmation, "{query}: {}", first.result.reply);
            let done = h.agent.execute(&c, &query, Some(&token_of(&first))).await;
            assert!(done.executed.is_some(), "{query}: {}", done.result.reply);
            assert!(!reads.is_empty());
        }
    }
}
