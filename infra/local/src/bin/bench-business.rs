//! Business-assist latency per scene against DynamoDB Local: p50/p99 of `BusinessAgent::execute`
//! and the DynamoDB round trips each call makes, beside a bare GetItem. Prints a Markdown table.
//!
//! `DYNAMODB_ENDPOINT=http://127.0.0.1:8011 cargo run -p workbench-local --bin bench-business`
//! (`BENCH_ITERATIONS`, default 200). A synthetic dataset is seeded into a fresh table through
//! `workbench::business::seed`, so the figures do not depend on the demo data.

use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use workbench::business::{
    self, AssistContext, AssistOutcome, BusinessAgent, DynamoBusinessBackend, DynamoConfirmationLedger,
};
use workbench::store::Store;
use workbench_local::latency::{ms, stats, Stats};
use workbench_local::round_trips::RoundTrips;

const CUSTOMERS: usize = 50;
const ORDERS_PER_CUSTOMER: usize = 5;
/// The customer whose orders the writes use up: one order per confirmed write.
const WRITER: &str = "u_bench_writer";

fn order(order_id: &str, user_id: &str, status: &str, day: usize) -> Value {
    json!({
        "order_id": order_id, "user_id": user_id, "status": status,
        "items": [{"sku": "SKU-1", "name": "Kettle", "quantity": 1, "unit_price": 199.0}],
        "total": 199.0, "currency": "CNY", "created_at": format!("2026-06-{:02}T10:00:00Z", 1 + day % 28),
        "estimated_delivery": "2026-07-05", "shipping_address": "北京市朝阳区建国路88号", "contact_phone": "13812341234",
    })
}

/// Customers with a shipped order (shipment, invoice), a delivered one (an open refund) and
/// paid ones; and the writer with `writes` paid orders for cancellations and refunds.
fn dataset(writes: usize) -> Value {
    let mut customers = Vec::new();
    let mut orders = Vec::new();
    let mut shipments = Vec::new();
    let mut refunds = Vec::new();
    let mut invoices = Vec::new();
    for c in 0..CUSTOMERS {
        let user_id = format!("u_bench_{c}");
        customers.push(json!({
            "user_id": user_id, "name": "张三", "phone": "13812341234", "email": "zhangsan@example.com",
            "national_id": "110101199001011234", "bank_card": "6222021234567891234",
            "address": "北京市朝阳区建国路88号", "member_level": "gold", "points": 1000 + c,
        }));
        for o in 0..ORDERS_PER_CUSTOMER {
            let order_id = format!("ORD-{}", 100_000 + c * 10 + o);
            let status = match o {
                0 => "shipped",
                1 => "delivered",
                _ => "paid",
            };
            orders.push(order(&order_id, &user_id, status, o));
            if o == 0 {
                shipments.push(json!({
                    "order_id": order_id, "carrier": "SF Express", "tracking_number": format!("SF{}", 1_000_000_000 + c),
                    "status": "in_transit",
                    "events": [{"time": "2026-07-02 08:00", "location": "Shenzhen", "description": "Picked up"},
                               {"time": "2026-07-03 14:00", "location": "Beijing", "description": "At the sorting center"}],
                }));
                invoices.push(json!({
                    "invoice_id": format!("INV-{}", 100_000 + c), "order_id": order_id, "type": "electronic",
                    "title": "ACME Trading Co., Ltd.", "tax_id": "91110000600037341L", "status": "issued", "issued_at": "2026-07-02",
                }));
            }
            if o == 1 {
                refunds.push(json!({
                    "refund_id": format!("RF-{}", 100_000 + c), "order_id": order_id, "status": "processing", "amount": 199.0,
                    "reason": "Size does not fit", "requested_at": "2026-06-25T10:00:00Z", "completed_at": null,
                }));
            }
        }
    }
    customers.push(json!({"user_id": WRITER, "name": "李四", "member_level": "regular", "points": 0}));
    for w in 0..writes {
        orders.push(order(&format!("ORD-{}", 500_000 + w), WRITER, "paid", w));
    }
    json!({"customers": customers, "orders": orders, "shipments": shipments, "refunds": refunds, "invoices": invoices})
}

fn context(user_id: &str, session: usize) -> AssistContext {
    AssistContext {
        session_id: format!("sess-bench-{session}"),
        agent_id: "agent-bench".into(),
        user_id: user_id.into(),
        mentioned_order_ids: vec![],
        now: Utc::now(),
        customer_facing: false,
        actor: "agent-bench".into(),
        agent_name: None,
    }
}

fn reader(i: usize) -> (String, usize) {
    let c = i % CUSTOMERS;
    (format!("u_bench_{c}"), 100_000 + c * 10)
}

fn check(scene: &str, outcome: &AssistOutcome) {
    assert!(outcome.result.error.is_none(), "{scene}: {} ({:?})", outcome.result.reply, outcome.result.error);
}

/// (scene, query as shown, query for the first order of a customer)
type ReadCase = (&'static str, &'static str, fn(usize) -> String);
/// (scene, proposal as shown, confirmation as shown, query for an order)
type WriteCase = (&'static str, &'static str, &'static str, fn(usize) -> String);

struct Row {
    scene: &'static str,
    query: &'static str,
    round_trips: f64,
    stats: Stats,
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT (DynamoDB Local)");
    let iterations: usize = std::env::var("BENCH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let counter = RoundTrips::default();
    let conf = workbench::app::local_dynamodb_config(&endpoint).interceptor(counter.clone()).build();
    let store = Store::new(
        aws_sdk_dynamodb::Client::from_conf(conf),
        format!("bench-business-{}", uuid::Uuid::new_v4().simple()),
    );
    store.create_table_if_missing().await.expect("create the bench table");

    let path = std::env::temp_dir().join(format!("bench-business-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, dataset(2 * iterations).to_string()).expect("write the dataset");
    let started = Instant::now();
    let report = business::seed(&store, &path).await.expect("seed");
    let seed_time = started.elapsed();
    let seed_calls = counter.take();
    std::fs::remove_file(&path).ok();

    let agent = BusinessAgent::new(
        Arc::new(DynamoBusinessBackend::new(store.clone())),
        Arc::new(DynamoConfirmationLedger::new(store.clone())),
        b"bench-confirmation-secret-0123456789".to_vec(),
    );

    // Warm the connection pool.
    for _ in 0..20 {
        store.get_session("sess-none").await.unwrap();
    }
    counter.take();
    let mut bare = Vec::new();
    for _ in 0..iterations {
        let started = Instant::now();
        store.get_session("sess-none").await.unwrap();
        bare.push(started.elapsed());
    }
    counter.take();

    let mut rows: Vec<Row> = Vec::new();
    let reads: [ReadCase; 6] = [
        ("order", "Check the status of order ORD-n", |o| format!("Check the status of order ORD-{o}")),
        ("order (list)", "Check the user's order status", |_| "Check the user's order status".to_string()),
        ("logistics", "物流到哪了 ORD-n", |o| format!("物流到哪了 ORD-{o}")),
        ("refund", "退款进度 ORD-n", |o| format!("退款进度 ORD-{}", o + 1)),
        ("account", "我的会员等级", |_| "我的会员等级".to_string()),
        ("invoice", "Has the invoice for ORD-n been issued?", |o| format!("Has the invoice for ORD-{o} been issued?")),
    ];
    for (scene, shown, query) in reads {
        let mut samples = Vec::with_capacity(iterations);
        for i in 0..iterations {
            let (user_id, first_order) = reader(i);
            let q = query(first_order);
            let started = Instant::now();
            let outcome = agent.execute(&context(&user_id, i), &q, None).await;
            samples.push(started.elapsed());
            check(scene, &outcome);
        }
        let round_trips = counter.take() as f64 / iterations as f64;
        rows.push(Row { scene, query: shown, round_trips, stats: stats(samples) });
    }

    // Writes: the proposal (read + sign) and the confirmation (read + claim + conditional write).
    let writes: [WriteCase; 3] = [
        ("cancel_order", "propose: Cancel order ORD-n", "confirm: the same + token", |o| {
            format!("Cancel order ORD-{o}")
        }),
        ("change_address", "propose: Change the address of ORD-n to …", "confirm: the same + token", |o| {
            format!("Change the address of ORD-{o} to 上海市浦东新区世纪大道100号")
        }),
        ("request_refund", "propose: Request a refund for ORD-n because …", "confirm: the same + token", |o| {
            format!("Request a refund for ORD-{o} because it arrived damaged")
        }),
    ];
    // A confirmed write is recorded in its session, guarded by the session being the agent's:
    // the writes run in one session the bench agent holds.
    let writes_session = assigned_session(&store).await;
    for (w, (scene, propose_shown, confirm_shown, query)) in writes.into_iter().enumerate() {
        let mut proposals = Vec::with_capacity(iterations);
        let mut confirmations = Vec::with_capacity(iterations);
        let mut propose_calls = 0;
        let mut confirm_calls = 0;
        for i in 0..iterations {
            // A cancelled order cannot be cancelled again, nor refunded: cancellations get the
            // first range; address changes (which leave an order paid) and then refunds the second.
            let order = match w {
                0 => 500_000 + i,
                _ => 500_000 + iterations + i,
            };
            let ctx = AssistContext { session_id: writes_session.clone(), ..context(WRITER, i) };
            let q = query(order);
            let started = Instant::now();
            let proposal = agent.execute(&ctx, &q, None).await;
            proposals.push(started.elapsed());
            propose_calls += counter.take();
            check(scene, &proposal);
            let token = proposal.result.data["confirmation_token"].as_str().expect("a token").to_string();
            let started = Instant::now();
            let done = agent.execute(&ctx, &q, Some(&token)).await;
            confirmations.push(started.elapsed());
            confirm_calls += counter.take();
            check(scene, &done);
            assert!(done.executed.is_some(), "{scene} executed");
        }
        rows.push(Row {
            scene,
            query: propose_shown,
            round_trips: propose_calls as f64 / iterations as f64,
            stats: stats(proposals),
        });
        rows.push(Row {
            scene,
            query: confirm_shown,
            round_trips: confirm_calls as f64 / iterations as f64,
            stats: stats(confirmations),
        });
    }

    let bare = stats(bare);
    println!(
        "Seeded {} items ({} customers, {} orders) in {} BatchWriteItem calls, {} ms.\n",
        report.items,
        report.customers,
        report.orders,
        seed_calls,
        seed_time.as_millis()
    );
    println!("{iterations} iterations per row, one at a time, against DynamoDB Local at {endpoint}.\n");
    println!("| scene | query | DynamoDB round trips | p50 ms | p99 ms |");
    println!("| --- | --- | ---: | ---: | ---: |");
    println!("| (bare GetItem) | | 1 | {} | {} |", ms(bare.p50), ms(bare.p99));
    for row in rows {
        println!(
            "| {} | {} | {:.1} | {} | {} |",
            row.scene,
            row.query,
            row.round_trips,
            ms(row.stats.p50),
            ms(row.stats.p99)
        );
    }
    store.delete_table().await.ok();
}

/// A session escalated and accepted by the bench agent.
async fn assigned_session(store: &workbench::store::Store) -> String {
    let app = workbench::App::new(store.clone(), workbench::config::Config::new(store.table(), workbench::auth::ApiKeys::parse("bench")));
    let session_id = format!("sess-bench-writes-{}", uuid::Uuid::new_v4().simple());
    let event = serde_json::json!({
        "event_id": format!("evt-{session_id}"), "session_id": session_id, "user_id": WRITER,
        "reason": "bench", "priority": "high", "history": [{"role": "user", "content": "I need to change my orders"}],
    });
    workbench::ingest::ingest(&app, workbench::ingest::parse_event(&event.to_string()).unwrap()).await.expect("escalate");
    let assignee = workbench::store::Assignee { id: "agent-bench", name: None };
    let policy = workbench::queue::QueuePolicy { team_max_sessions: None, ..Default::default() };
    store.accept(&session_id, assignee, "agent-bench", &policy, chrono::Utc::now()).await.expect("accept");
    session_id
}
