//! Benchmarks of the API against DynamoDB Local: `infra/bench.sh` runs it and prints a Markdown
//! report for docs/BENCHMARKS.md.
//!
//! Per endpoint: DynamoDB round trips per request (counted by an SDK interceptor on every
//! attempt), latency p50/p99, and beside it **the very DynamoDB calls the endpoint makes, issued
//! bare** through the same client in the same run (the same Query, the same TransactWriteItems,
//! on sessions in the same state), alternating with the endpoint call so both see the same
//! machine. The ratio endpoint p50 / bare p50 is the handler's overhead. The chat bot turn is
//! also compared with its bare calls plus its retrieval (embedding the text and ranking the
//! knowledge, in process), and split into where its time goes. Then the pending list with 100 vs
//! 10,000 pending sessions.

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, KeysAndAttributes, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, Utc};
use lambda_http::Body;
use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::domain::{
    AgentStatus, AuditEvent, Author, EscalationPriority, EventKind, MemberLevel, Message, ReviewStatus, Role, Session, Solution,
};
use workbench::queue::QueuePolicy;
use workbench::store::items::{MessageItem, SessionItem, SolutionItem};
use workbench::store::{keys, Store, Tally, UpdateSpec};
use workbench::{routes, App, Endpoint};
use workbench_local::bench::{escalate, fresh_store, pending_session, request, KEY};
use workbench_local::latency::{ms, stats, Stats};
use workbench_local::round_trips::RoundTrips;

/// The bench's app measures with the embedder the functions use.
async fn fresh_app(endpoint: &str, counter: &RoundTrips) -> App {
    let store = fresh_store(endpoint, counter, "bench").await;
    App::new(store.clone(), Config::new(store.table(), ApiKeys::parse(KEY))).with_embedder(workbench_local::production_embedder())
}

const AGENT: &str = "agent-001";
const CHAT_TEXT: &str = "Can I change the delivery address after ordering?";

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn key(pk: String, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([(keys::PK.to_string(), s(pk)), (keys::SK.to_string(), s(sk))])
}

fn message(author: Author, content: &str, now: DateTime<Utc>) -> Message {
    let role = if author == Author::Customer { Role::User } else { Role::Assistant };
    Message {
        message_id: workbench::domain::new_id("msg"),
        role,
        author,
        content: content.into(),
        timestamp: now,
        agent_id: (author == Author::Agent).then(|| AGENT.to_string()),
        agent_name: (author == Author::Agent).then(|| AGENT.to_string()),
    }
}

/// The DynamoDB calls of each endpoint, issued bare: the same operations, expressions and item
/// shapes as the store writes them (the store's own builders for a transition's audit event,
/// agent load and counters), without the handler around them.
struct Bare {
    client: Client,
    table: String,
    store: Store,
}

impl Bare {
    fn message_put(&self, session_id: &str, seq: usize, m: &Message) -> TransactWriteItem {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(serde_dynamo::to_item(MessageItem::new(session_id, seq, m)).unwrap()))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .unwrap();
        TransactWriteItem::builder().put(put).build()
    }

    /// GET pending: one Query of the sparse index.
    async fn pending_page(&self) {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(keys::PENDING_INDEX)
            .key_condition_expression("pending_status = :pending")
            .expression_attribute_values(":pending", s(keys::PENDING_PARTITION))
            .scan_index_forward(true)
            .limit(50)
            .send()
            .await
            .unwrap();
    }

    /// GET details (and an accept's read): one consistent Query of the session's partition from
    /// `META` on (the session and its messages; the audit trail sorts before it). Its items.
    async fn partition(&self, session_id: &str) -> Vec<HashMap<String, AttributeValue>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk AND sk >= :meta")
            .expression_attribute_values(":pk", s(keys::session_pk(session_id)))
            .expression_attribute_values(":meta", s(keys::META))
            .send()
            .await
            .unwrap();
        out.items.unwrap_or_default()
    }

    async fn transact(&self, actions: Vec<TransactWriteItem>) {
        self.client.transact_write_items().set_transact_items(Some(actions)).send().await.unwrap();
    }

    /// POST accept: the Query of the session with its history, then one TransactWriteItems: the
    /// session conditioned on the place in the queue it was read at, the agent's load (capacity
    /// checked), the audit event and the counters.
    async fn accept(&self, session_id: &str, now: DateTime<Utc>) {
        let items = self.partition(session_id).await;
        let meta = items.iter().find(|i| i.get(keys::SK) == Some(&s(keys::META))).expect("the session");
        let order = meta.get(keys::PENDING_ORDER).cloned().expect("a pending session");
        let spec = UpdateSpec::new()
            .set("agent_status", s("assigned"))
            .set("assigned_agent_id", s(AGENT))
            .remove("assigned_agent_name")
            .set("accepted_at", s(at(now)))
            .set("updated_at", s(at(now)))
            .set("last_agent_activity_at", s(at(now)))
            .set("capacity_counted", AttributeValue::Bool(true))
            .set(keys::WAIT_STATUS, s(keys::WAIT_ASSIGNED))
            .set(keys::WAIT_SINCE, s(keys::wait_since(now, session_id)))
            .remove(keys::PENDING_STATUS)
            .remove(keys::PENDING_ORDER)
            .condition_value(":pending", s("pending"))
            .condition_value(":order", order);
        let condition = "attribute_exists(pk) AND agent_status = :pending AND pending_order = :order";
        let event = AuditEvent::new(EventKind::Accepted, now, AGENT)
            .status(AgentStatus::Pending, AgentStatus::Assigned)
            .detail("agent_id", AGENT)
            .detail("priority", "high")
            .detail("waited_seconds", 1);
        let tally = Tally::default().pending(EscalationPriority::High, -1).count("accepted", 1).duration("wait", 1);
        let mut actions = vec![
            self.store.session_update(session_id, spec, condition).unwrap(),
            self.store.agent_load(AGENT, 1, Some(&QueuePolicy::default()), now).unwrap(),
            self.store.audit_put(session_id, &event).unwrap(),
        ];
        actions.extend(self.store.tally_updates(session_id, &tally, now).unwrap());
        self.transact(actions).await;
    }

    /// POST messages: one TransactWriteItems, the guarded session update, the message Put and the
    /// audit event.
    async fn message(&self, session_id: &str, now: DateTime<Utc>) {
        let spec = UpdateSpec::new()
            .add("turn_count", 1)
            .set("updated_at", s(at(now)))
            .set("last_agent_activity_at", s(at(now)))
            .set(keys::WAIT_SINCE, s(keys::wait_since(now, session_id)))
            .set_if_absent("first_response_at", s(at(now)))
            .condition_value(":expected_status", s("assigned"))
            .condition_value(":assignee", s(AGENT));
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), keys::META)))
            .update_expression(spec.expression())
            .condition_expression("attribute_exists(pk) AND agent_status = :expected_status AND assigned_agent_id = :assignee")
            .set_expression_attribute_values(spec.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .unwrap();
        let m = message(Author::Agent, "Hello, I am checking ORD-001 for you", now);
        let event = AuditEvent::new(EventKind::AgentMessage, now, AGENT)
            .status(AgentStatus::Assigned, AgentStatus::Assigned)
            .detail("message_id", m.message_id.as_str())
            .detail("agent_id", AGENT);
        let actions = vec![
            TransactWriteItem::builder().update(update).build(),
            self.message_put(session_id, 0, &m),
            self.store.audit_put(session_id, &event).unwrap(),
        ];
        self.transact(actions).await;
    }

    /// POST resolve: the GetItem of the session (whose assignee's load drops), then one
    /// TransactWriteItems: the session held by that assignee, their load, the audit event and the
    /// counters.
    async fn resolve(&self, session_id: &str, now: DateTime<Utc>) {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), keys::META)))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        let spec = UpdateSpec::new()
            .set("agent_status", s("resolved"))
            .set("resolved_at", s(at(now)))
            .set("updated_at", s(at(now)))
            .set("resolve_note", s("done"))
            .remove(keys::WAIT_STATUS)
            .remove(keys::WAIT_SINCE)
            .condition_value(":assigned", s("assigned"))
            .condition_value(":holder", s(AGENT));
        let condition = "attribute_exists(pk) AND agent_status = :assigned AND assigned_agent_id = :holder";
        let event = AuditEvent::new(EventKind::Resolved, now, AGENT)
            .status(AgentStatus::Assigned, AgentStatus::Resolved)
            .detail("handle_seconds", 1)
            .detail("agent_id", AGENT);
        let mut actions = vec![
            self.store.session_update(session_id, spec, condition).unwrap(),
            self.store.agent_load(AGENT, -1, None, now).unwrap(),
            self.store.audit_put(session_id, &event).unwrap(),
        ];
        actions.extend(self.store.tally_updates(session_id, &Tally::default().count("resolved", 1).duration("handle", 1), now).unwrap());
        self.transact(actions).await;
    }

    /// POST solution: one TransactWriteItems, the session's ConditionCheck, the solution Put and
    /// the audit event.
    async fn solution(&self, session_id: &str, now: DateTime<Utc>) {
        let solution = Solution {
            solution_id: workbench::domain::new_id("sol"),
            session_id: session_id.into(),
            question: "Where is ORD-001?".into(),
            solution: "Shipped.".into(),
            intent: "shipping".into(),
            status: ReviewStatus::Pending,
            created_at: now,
            agent_id: Some(AGENT.into()),
            reviewed_at: None,
            submitted_by: None,
            reviewed_by: None,
            reject_reason: None,
            faq_id: None,
            faq_deleted_at: None,
        };
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(session_id), keys::META)))
            .condition_expression("attribute_exists(pk) AND agent_status = :required_status AND assigned_agent_id = :assignee")
            .expression_attribute_values(":required_status", s("resolved"))
            .expression_attribute_values(":assignee", s(AGENT))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .unwrap();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(serde_dynamo::to_item(SolutionItem::new(&solution)).unwrap()))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .unwrap();
        let event = AuditEvent::new(EventKind::SolutionSubmitted, now, AGENT).detail("solution_id", solution.solution_id.as_str());
        let actions = vec![
            TransactWriteItem::builder().condition_check(check).build(),
            TransactWriteItem::builder().put(put).build(),
            self.store.audit_put(session_id, &event).unwrap(),
        ];
        self.transact(actions).await;
    }

    /// The knowledge version, read consistently (a first chat turn's only read).
    async fn version(&self) {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key("KB".into(), "VERSION")))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
    }

    /// The session and the knowledge version in one consistent BatchGetItem.
    async fn session_and_version(&self, session_id: &str) {
        let wanted = KeysAndAttributes::builder()
            .keys(key(keys::session_pk(session_id), keys::META))
            .keys(key("KB".into(), "VERSION"))
            .consistent_read(true)
            .build()
            .unwrap();
        self.client.batch_get_item().request_items(&self.table, wanted).send().await.unwrap();
    }

    /// A bot turn's one TransactWriteItems: the session (created, for a first turn) and the
    /// customer's and the bot's messages.
    async fn bot_turn_write(&self, session: &Session, creates: bool, now: DateTime<Utc>) {
        let spec = UpdateSpec::new()
            .set("attempted_solutions", AttributeValue::L(vec![s("Answered with FAQ: Can I change the delivery address after ordering?")]))
            .set("consecutive_failures", AttributeValue::N("0".into()))
            .add("turn_count", 2)
            .set("updated_at", s(at(now)));
        let (spec, condition) = if creates {
            (spec.set_missing_from(serde_dynamo::to_item(SessionItem::from_session(session)).unwrap()), "attribute_not_exists(pk)")
        } else {
            (spec.condition_value(":expected_status", s("none")), "attribute_exists(pk) AND agent_status = :expected_status")
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_pk(&session.session_id), keys::META)))
            .update_expression(spec.expression())
            .condition_expression(condition)
            .set_expression_attribute_values(spec.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .unwrap();
        let customer = message(Author::Customer, CHAT_TEXT, now);
        let bot = message(Author::Bot, "You can change the address until the order ships.", now);
        let mut actions = vec![
            TransactWriteItem::builder().update(update).build(),
            self.message_put(&session.session_id, 0, &customer),
            self.message_put(&session.session_id, 1, &bot),
        ];
        let tally = Tally::default().count("bot_answered", 1).count("faq_hits", 1);
        actions.extend(self.store.tally_updates(&session.session_id, &tally, now).unwrap());
        self.transact(actions).await;
    }
}

/// One row: the endpoint and its bare calls, measured alternately.
struct Row {
    name: &'static str,
    trips: usize,
    bare_trips: usize,
    endpoint: Stats,
    bare: Stats,
    /// p50 of the time inside DynamoDB calls during the endpoint's requests.
    in_calls: Duration,
}

async fn time<F: Future>(f: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let out = f.await;
    (out, started.elapsed())
}

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    workbench_local::latency::percentile(&v, 0.5)
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT (infra/bench.sh sets it)");
    let iterations: usize = std::env::var("BENCH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let counter = RoundTrips::default();
    let app = fresh_app(&endpoint, &counter).await;
    let bare = Bare { client: app.store.client().clone(), table: app.store.table().to_string(), store: app.store.clone() };
    workbench_local::seed::seed_knowledge(&app, std::path::Path::new("infra/seed")).await.expect("seed the knowledge base");

    // Warm the connection pool, the knowledge index and the SDK before timing anything.
    for _ in 0..20 {
        bare.version().await;
    }
    let warm = routes::handle(&app, Endpoint::Chat, request("POST", &[], &[], Some(&serde_json::json!({"user_id": "u_warm", "message": CHAT_TEXT}).to_string()))).await;
    assert_eq!(warm.status(), 200);

    // Sessions in every state the endpoints need: one set for the endpoints, one for the bare calls.
    let ids: Vec<String> = (0..iterations).map(|n| format!("sess-ep-{n:05}")).collect();
    let bare_ids: Vec<String> = (0..iterations).map(|n| format!("sess-bare-{n:05}")).collect();
    for id in ids.iter().chain(&bare_ids) {
        escalate(&app, id).await;
    }
    counter.take();

    let mut rows: Vec<Row> = Vec::new();
    macro_rules! bench {
        ($name:expr, $endpoint:expr, |$id:ident| $make:expr, |$bid:ident| $bare_calls:expr) => {{
            let (mut ep, mut bare_samples, mut in_calls) = (Vec::new(), Vec::new(), Vec::new());
            let (mut trips, mut bare_trips) = (0, 0);
            for (n, (id, bid)) in ids.iter().zip(&bare_ids).enumerate() {
                let $id = id.as_str();
                let $bid = bid.as_str();
                let req = $make;
                let run_endpoint = || async {
                    counter.take();
                    let (response, elapsed) = time(routes::handle(&app, $endpoint, req)).await;
                    assert_eq!(response.status(), 200, "{} failed: {:?}", $name, response.body());
                    let (t, inside) = counter.take_timed();
                    (elapsed, t, inside)
                };
                let run_bare = || async {
                    counter.take();
                    let ((), elapsed) = time($bare_calls).await;
                    (elapsed, counter.take())
                };
                // Alternate which goes first, so neither always meets a warmer store.
                let ((e, t, inside), (b, bt)) = if n % 2 == 0 {
                    let e = run_endpoint().await;
                    (e, run_bare().await)
                } else {
                    let b = run_bare().await;
                    (run_endpoint().await, b)
                };
                ep.push(e);
                bare_samples.push(b);
                in_calls.push(inside);
                trips = trips.max(t);
                bare_trips = bare_trips.max(bt);
            }
            rows.push(Row { name: $name, trips, bare_trips, endpoint: stats(ep), bare: stats(bare_samples), in_calls: p50(in_calls) });
        }};
    }

    bench!("GET pending (page of 50)", Endpoint::PendingList, |_id| request("GET", &[], &[("limit", "50")], None), |_b| bare.pending_page());
    bench!("GET session details", Endpoint::SessionDetails, |id| request("GET", &[("session_id", id)], &[], None), |b| async { bare.partition(b).await; });
    bench!(
        "POST accept",
        Endpoint::AcceptSession,
        |id| request("POST", &[("session_id", id)], &[], Some(r#"{"agent_id":"agent-001"}"#)),
        |b| bare.accept(b, Utc::now())
    );
    bench!(
        "POST messages",
        Endpoint::SendMessage,
        |id| request("POST", &[("session_id", id)], &[], Some(r#"{"content":"Hello, I am checking ORD-001 for you","agent_id":"agent-001"}"#)),
        |b| bare.message(b, Utc::now())
    );
    bench!(
        "POST knowledge-recommend",
        Endpoint::KnowledgeRecommend,
        |id| request("POST", &[("session_id", id)], &[], Some(r#"{"query":"change the delivery address","top_k":5}"#)),
        |b| bare.session_and_version(b)
    );
    bench!("POST resolve", Endpoint::ResolveSession, |id| request("POST", &[("session_id", id)], &[], Some(r#"{"note":"done"}"#)), |b| bare.resolve(b, Utc::now()));
    bench!(
        "POST solution",
        Endpoint::SubmitSolution,
        |id| request("POST", &[("session_id", id)], &[], Some(r#"{"question":"Where is ORD-001?","solution":"Shipped.","intent":"shipping","agent_id":"agent-001"}"#)),
        |b| bare.solution(b, Utc::now())
    );

    // Chat: a first turn (no session yet) and a next turn on a bot session. The bare sessions of
    // the next turns are made by the bare first turns.
    let chat_body = serde_json::json!({"user_id": "u_chat", "message": CHAT_TEXT}).to_string();
    let bare_sessions: Vec<Session> = (0..iterations)
        .map(|n| Session::new(format!("sess-bare-chat-{n:05}"), "u_chat".into(), MemberLevel::Regular, Utc::now()))
        .collect();
    let mut chat_sessions = Vec::new();
    {
        let (mut ep, mut bare_samples, mut in_calls) = (Vec::new(), Vec::new(), Vec::new());
        let (mut trips, mut bare_trips) = (0, 0);
        for session in &bare_sessions {
            counter.take();
            let (response, elapsed) = time(routes::handle(&app, Endpoint::Chat, request("POST", &[], &[], Some(&chat_body)))).await;
            assert_eq!(response.status(), 200);
            let (t, inside) = counter.take_timed();
            let body: serde_json::Value = match response.body() {
                Body::Text(t) => serde_json::from_str(t).unwrap(),
                _ => panic!("a JSON body"),
            };
            chat_sessions.push(body["session_id"].as_str().unwrap().to_string());
            counter.take();
            let ((), b) = time(async {
                bare.version().await;
                bare.bot_turn_write(session, true, Utc::now()).await;
            })
            .await;
            bare_trips = bare_trips.max(counter.take());
            ep.push(elapsed);
            bare_samples.push(b);
            in_calls.push(inside);
            trips = trips.max(t);
        }
        rows.push(Row { name: "POST chat (first turn)", trips, bare_trips, endpoint: stats(ep), bare: stats(bare_samples), in_calls: p50(in_calls) });
    }
    {
        let (mut ep, mut bare_samples, mut in_calls) = (Vec::new(), Vec::new(), Vec::new());
        let (mut trips, mut bare_trips) = (0, 0);
        for (session_id, session) in chat_sessions.iter().zip(&bare_sessions) {
            let body = serde_json::json!({"session_id": session_id, "user_id": "u_chat", "message": CHAT_TEXT}).to_string();
            counter.take();
            let (response, elapsed) = time(routes::handle(&app, Endpoint::Chat, request("POST", &[], &[], Some(&body)))).await;
            assert_eq!(response.status(), 200);
            let (t, inside) = counter.take_timed();
            counter.take();
            let ((), b) = time(async {
                bare.session_and_version(&session.session_id).await;
                bare.bot_turn_write(session, false, Utc::now()).await;
            })
            .await;
            bare_trips = bare_trips.max(counter.take());
            ep.push(elapsed);
            bare_samples.push(b);
            in_calls.push(inside);
            trips = trips.max(t);
        }
        rows.push(Row { name: "POST chat (bot turn)", trips, bare_trips, endpoint: stats(ep), bare: stats(bare_samples), in_calls: p50(in_calls) });
    }

    // Retrieval, in process on the warm index: what a bot turn computes besides its calls.
    let version = app.store.knowledge_version().await.unwrap();
    let mut retrieval = Vec::new();
    for _ in 0..iterations {
        let (_, elapsed) = time(async {
            let retriever = app.knowledge.retriever_at(&app.store, version).await.unwrap();
            let embedding = app.knowledge.embed_query(&retriever.prepare_query(CHAT_TEXT)).await.unwrap();
            assert!(retriever.best_faq_answer(CHAT_TEXT, &embedding).is_some(), "the bench question is answered by a FAQ");
        })
        .await;
        retrieval.push(elapsed);
    }
    let retrieval = stats(retrieval);

    println!("### Handler overhead: each endpoint beside its own DynamoDB calls issued bare\n");
    println!(
        "{iterations} requests per endpoint, handler called in-process against DynamoDB Local; after each request (or before, alternately) the same calls issued bare through the same client, on a session in the same state.\n"
    );
    println!("| endpoint | round trips | bare calls' round trips | p50 ms | p99 ms | bare calls p50 ms | bare p99 ms | endpoint p50 / bare p50 | p50 ms inside DynamoDB calls |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.2} | {} |",
            r.name,
            r.trips,
            r.bare_trips,
            ms(r.endpoint.p50),
            ms(r.endpoint.p99),
            ms(r.bare.p50),
            ms(r.bare.p99),
            r.endpoint.p50.as_secs_f64() / r.bare.p50.as_secs_f64(),
            ms(r.in_calls),
        );
    }
    println!(
        "\nRetrieval in process (index warm: embed the text with {}, rank FAQs and chunks): p50 {} ms, p99 {} ms.\n",
        app.knowledge.embedder().space(),
        ms(retrieval.p50),
        ms(retrieval.p99)
    );
    for r in rows.iter().filter(|r| r.name.starts_with("POST chat") || r.name.contains("knowledge")) {
        let budget = r.bare.p50 + retrieval.p50;
        println!(
            "- {}: p50 {} ms against bare calls + retrieval {} ms: {:.2}x (inside DynamoDB calls {} ms, retrieval {} ms, the rest {} ms)",
            r.name,
            ms(r.endpoint.p50),
            ms(budget),
            r.endpoint.p50.as_secs_f64() / budget.as_secs_f64(),
            ms(r.in_calls),
            ms(retrieval.p50),
            ms(r.endpoint.p50.saturating_sub(r.in_calls + retrieval.p50)),
        );
    }

    // Pending list: flat from 100 to 10,000 pending sessions, because a page is one Query
    // on the sparse index that reads only the page.
    println!("\n### Pending list vs queue length\n");
    println!("| pending sessions | round trips per page | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- |");
    for size in [100usize, 10_000] {
        let app = fresh_app(&endpoint, &counter).await;
        let sessions: Vec<Session> = (0..size)
            .map(|n| {
                let at = Utc::now() - ChronoDuration::seconds(n as i64);
                pending_session(format!("sess-bench-{n:06}"), n, EscalationPriority::ALL[n % EscalationPriority::ALL.len()], at)
            })
            .collect();
        app.store.import_sessions(&sessions).await.unwrap();
        counter.take();
        let (mut samples, mut trips) = (Vec::new(), 0);
        for _ in 0..iterations {
            let started = Instant::now();
            let status = routes::handle(&app, Endpoint::PendingList, request("GET", &[], &[("limit", "50")], None)).await.status();
            samples.push(started.elapsed());
            trips = trips.max(counter.take());
            assert_eq!(status, 200);
        }
        let s = stats(samples);
        println!("| {size} | {trips} | {} | {} |", ms(s.p50), ms(s.p99));
    }
}
