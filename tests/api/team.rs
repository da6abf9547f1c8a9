//! Running a team (issue 12): release, transfer, capacity, next in queue, waiting-time aging,
//! auto-release, SLA figures, the audit trail and the metrics summary, over HTTP with real
//! tokens against DynamoDB Local, with the races the issue names and an injected clock.

use crate::helpers::{escalate, fresh_app, repo_root, spawn_with, token, TestApp};
use chrono::{DateTime, Duration, Utc};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use workbench::maintenance;
use workbench::App;

const AGENT: &[&str] = &["agent"];
const LEAD: &[&str] = &["supervisor"];

fn path(session_id: &str, action: &str) -> String {
    format!("/api/v1/agent/sessions/{session_id}/{action}")
}

/// A clock the test moves: a fixed start plus an offset in seconds.
#[derive(Clone)]
struct TestClock {
    start: DateTime<Utc>,
    offset: Arc<AtomicI64>,
}

impl TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + Duration::seconds(self.offset.load(Ordering::SeqCst))
    }

    fn set_minutes(&self, minutes: i64) {
        self.offset.store(minutes * 60, Ordering::SeqCst);
    }
}

/// The app with a clock that stands still until the test moves it (whole milliseconds, as the
/// app keeps them).
async fn clocked_app(configure: impl FnOnce(&mut App)) -> (TestApp, TestClock) {
    let start = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let clock = TestClock { start, offset: Arc::new(AtomicI64::new(0)) };
    let reading = clock.clone();
    let mut app = fresh_app().await.with_clock(Arc::new(move || reading.now()));
    configure(&mut app);
    (spawn_with(app).await, clock)
}

/// The app on the real clock: events and messages of one test get distinct, ordered times.
/// An app whose roster holds the agents these tests hand sessions to.
async fn plain_app() -> TestApp {
    let t = crate::helpers::spawn_app().await;
    crate::helpers::enrol(&t, &[("agent-001", &["agent"]), ("agent-002", &["agent"]), ("agent-003", &["agent"]), ("lead-001", &["agent", "supervisor"])]).await;
    t
}

async fn accept_as(t: &TestApp, agent: &str, session_id: &str) -> crate::helpers::Reply {
    t.post_as(&token(agent, AGENT), &path(session_id, "accept"), json!({})).await
}

async fn held_by(t: &TestApp, agent: &str, priority: &str) -> String {
    let id = escalate(&t.app, priority, "u_team").await;
    let reply = accept_as(t, agent, &id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    id
}

async fn load_of(t: &TestApp, agent: &str) -> i64 {
    let reply = t.get_as(&token("lead-001", LEAD), &format!("/api/v1/agents/{agent}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["active_sessions"].as_i64().unwrap()
}

fn pending_ids(reply: &crate::helpers::Reply) -> Vec<String> {
    reply.body.as_array().unwrap().iter().map(|s| s["session_id"].as_str().unwrap().to_string()).collect()
}

async fn event_types(t: &TestApp, session_id: &str) -> Vec<String> {
    let reply = t.get_as(&token("lead-001", LEAD), &path(session_id, "events")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_released_session_goes_back_to_its_original_place_with_a_note_on_the_card() {
    let t = plain_app().await;
    let first = escalate(&t.app, "high", "u_1").await;
    let second = escalate(&t.app, "high", "u_2").await;
    let before = t.stored(&first).await;
    assert_eq!(accept_as(&t, "agent-001", &first).await.status, StatusCode::OK);
    assert_eq!(pending_ids(&t.get("/api/v1/agent/sessions/pending").await), vec![second.clone()]);

    let released = t.post_as(&token("agent-001", AGENT), &path(&first, "release"), json!({"reason": "Needs billing"})).await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.body);
    assert_eq!(released.body["agent_status"], "pending");
    assert!(released.body["assigned_agent_id"].is_null());

    // Same priority, same escalation time: ahead of the session escalated after it.
    assert_eq!(pending_ids(&t.get("/api/v1/agent/sessions/pending").await), vec![first.clone(), second]);
    let after = t.stored(&first).await;
    assert_eq!((after.priority, after.escalated_at), (before.priority, before.escalated_at));
    let details = t.get(&format!("/api/v1/agent/sessions/{first}")).await;
    let notes = details.body["escalation_card"]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["text"].as_str().unwrap().contains("Needs billing"), "{}", notes[0]);
    assert_eq!(notes[0]["by"], "agent-001");
    assert_eq!(load_of(&t, "agent-001").await, 0);

    // Someone else may take it now.
    assert_eq!(accept_as(&t, "agent-002", &first).await.status, StatusCode::OK);
}

#[tokio::test]
async fn only_the_assignee_or_a_supervisor_releases_and_only_an_assigned_session() {
    let t = plain_app().await;
    let id = held_by(&t, "agent-001", "medium").await;
    let other = t.post_as(&token("agent-002", AGENT), &path(&id, "release"), json!({})).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.body["error"], "not_assignee");
    assert_eq!(t.stored(&id).await.agent_status.as_str(), "assigned", "a refused release changes nothing");

    let lead = t.post_as(&token("lead-001", LEAD), &path(&id, "release"), json!({"reason": "Shift change"})).await;
    assert_eq!(lead.status, StatusCode::OK, "{}", lead.body);

    let again = t.post_as(&token("lead-001", LEAD), &path(&id, "release"), json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!((again.body["error"].as_str(), again.body["agent_status"].as_str()), (Some("invalid_state"), Some("pending")));
    let unknown = t.post_as(&token("lead-001", LEAD), &path("sess-nope", "release"), json!({})).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let reviewer = t.post_as(&token("rev-001", &["reviewer"]), &path(&id, "release"), json!({})).await;
    assert_eq!(reviewer.status, StatusCode::FORBIDDEN, "a reviewer is neither assignee nor supervisor");
}

#[tokio::test]
async fn a_transfer_hands_the_session_on_and_the_history_says_who_to_whom() {
    let t = plain_app().await;
    let id = held_by(&t, "agent-001", "high").await;
    let a = token("agent-001", AGENT);
    let moved = t.post_as(&a, &path(&id, "transfer"), json!({"to_agent_id": "agent-002", "note": "Refund specialist"})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["assigned_agent_id"], "agent-002");
    assert_eq!(moved.body["agent_status"], "assigned");

    let details = t.get(&format!("/api/v1/agent/sessions/{id}")).await;
    let record = details.body["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(record["author"], "system");
    assert_eq!(record["content"], "Transferred from agent-001 to agent-002 by agent-001: Refund specialist");
    assert_eq!((load_of(&t, "agent-001").await, load_of(&t, "agent-002").await), (0, 1));

    // Now it is B's: A may no longer write, B may.
    let stale = t.post_as(&a, &path(&id, "messages"), json!({"content": "still here"})).await;
    assert_eq!(stale.body["error"], "not_assignee");
    let b = t.post_as(&token("agent-002", AGENT), &path(&id, "messages"), json!({"content": "Hello, I'm taking over"})).await;
    assert_eq!(b.status, StatusCode::OK);

    let other = t.post_as(&token("agent-003", AGENT), &path(&id, "transfer"), json!({"to_agent_id": "agent-003"})).await;
    assert_eq!(other.body["error"], "not_assignee");
    let to_holder = t.post_as(&token("lead-001", LEAD), &path(&id, "transfer"), json!({"to_agent_id": "agent-002"})).await;
    assert_eq!(to_holder.status, StatusCode::CONFLICT);
    let lead = t.post_as(&token("lead-001", LEAD), &path(&id, "transfer"), json!({"to_agent_id": "agent-003"})).await;
    assert_eq!(lead.status, StatusCode::OK, "a supervisor transfers anyone's session: {}", lead.body);
    let missing = t.post_as(&token("lead-001", LEAD), &path(&id, "transfer"), json!({})).await;
    assert_eq!(missing.body["error"], "invalid_field");
}

#[tokio::test]
async fn a_transfer_respects_the_targets_capacity() {
    let t = plain_app().await;
    let lead = token("lead-001", LEAD);
    let set = t.call_bearer(Method::PUT, "/api/v1/agents/agent-002/capacity", Some(json!({"max_sessions": 1})), &lead).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    held_by(&t, "agent-002", "low").await;
    let id = held_by(&t, "agent-001", "high").await;
    let full = t.post_as(&token("agent-001", AGENT), &path(&id, "transfer"), json!({"to_agent_id": "agent-002"})).await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    assert_eq!(full.body["error"], "at_capacity");
    assert_eq!((full.body["max_sessions"].as_i64(), full.body["active_sessions"].as_i64()), (Some(1), Some(1)));
    assert_eq!(t.stored(&id).await.assigned_agent_id.as_deref(), Some("agent-001"), "nothing changed");
    assert_eq!(load_of(&t, "agent-001").await, 1);
}

#[tokio::test]
async fn capacity_is_a_supervisors_to_set_and_an_agents_own_to_see() {
    let t = plain_app().await;
    let path = "/api/v1/agents/agent-007/capacity";
    let by_agent = t.call_bearer(Method::PUT, path, Some(json!({"max_sessions": 9})), &token("agent-007", AGENT)).await;
    assert_eq!(by_agent.status, StatusCode::FORBIDDEN);
    let lead = token("lead-001", LEAD);
    for (body, status) in [
        (json!({}), StatusCode::BAD_REQUEST),
        (json!({"max_sessions": "3"}), StatusCode::BAD_REQUEST),
        (json!({"max_sessions": 2.5}), StatusCode::BAD_REQUEST),
        (json!({"max_sessions": -1}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"max": 3}), StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(t.call_bearer(Method::PUT, path, Some(body.clone()), &lead).await.status, status, "{body}");
    }
    let set = t.call_bearer(Method::PUT, path, Some(json!({"max_sessions": 3})), &lead).await;
    assert_eq!(set.body, json!({"agent_id": "agent-007", "max_sessions": 3, "max_sessions_source": "agent", "active_sessions": 0}));
    let own = t.get_as(&token("agent-007", AGENT), "/api/v1/agents/agent-007").await;
    assert_eq!(own.body["max_sessions"], 3);
    let nosy = t.get_as(&token("agent-008", AGENT), "/api/v1/agents/agent-007").await;
    assert_eq!(nosy.status, StatusCode::FORBIDDEN);
    let cleared = t.call_bearer(Method::PUT, path, Some(json!({"max_sessions": null})), &lead).await;
    assert_eq!((cleared.body["max_sessions"].clone(), cleared.body["max_sessions_source"].clone()), (Value::Null, json!("none")));
    let admin = t.get("/api/v1/agents/agent-007").await;
    assert_eq!(admin.status, StatusCode::OK, "a proxy key sees any agent");
}

#[tokio::test]
async fn fifty_concurrent_accepts_by_one_agent_with_capacity_five_let_exactly_five_through() {
    let t = plain_app().await;
    let lead = token("lead-001", LEAD);
    let set = t.call_bearer(Method::PUT, "/api/v1/agents/agent-001/capacity", Some(json!({"max_sessions": 5})), &lead).await;
    assert_eq!(set.status, StatusCode::OK);
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(escalate(&t.app, "high", "u_cap").await);
    }
    let a = token("agent-001", AGENT);
    let paths: Vec<String> = ids.iter().map(|id| path(id, "accept")).collect();
    let replies = join_all(paths.iter().map(|p| t.post_as(&a, p, json!({})))).await;
    let won = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(won, 5, "{:?}", replies.iter().map(|r| (r.status, r.body["error"].clone())).collect::<Vec<_>>());
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!((reply.status, reply.body["error"].as_str()), (StatusCode::CONFLICT, Some("at_capacity")));
    }
    assert_eq!(load_of(&t, "agent-001").await, 5);
    let pending = t.get("/api/v1/agent/sessions/pending?limit=100").await;
    assert_eq!(pending_ids(&pending).len(), 45, "the refused sessions are still pending");

    // Resolving one frees a place.
    let held = ids.iter().zip(&replies).find(|(_, r)| r.status == StatusCode::OK).unwrap().0;
    assert_eq!(t.post_as(&a, &path(held, "resolve"), json!({})).await.status, StatusCode::OK);
    assert_eq!(load_of(&t, "agent-001").await, 4);
    let next = t.post_as(&a, "/api/v1/agent/sessions/next", json!({})).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
    let full = t.post_as(&a, "/api/v1/agent/sessions/next", json!({})).await;
    assert_eq!(full.body["error"], "at_capacity");
}

#[tokio::test]
async fn without_a_limit_the_tutorials_flow_is_unchanged_and_the_team_default_applies() {
    let (t, _) = clocked_app(|app| app.config.queue.team_max_sessions = Some(1)).await;
    held_by(&t, "agent-001", "high").await;
    let second = escalate(&t.app, "high", "u_x").await;
    let refused = accept_as(&t, "agent-001", &second).await;
    assert_eq!(refused.body["error"], "at_capacity");
    let seen = t.get_as(&token("agent-001", AGENT), "/api/v1/agents/agent-001").await;
    assert_eq!(seen.body["max_sessions_source"], "team");

    let unlimited = plain_app().await;
    for _ in 0..3 {
        let id = escalate(&unlimited.app, "high", "u_y").await;
        assert_eq!(unlimited.accept(&id).await.status, StatusCode::OK, "the proxy key's accept, as the tutorial sends it");
    }
    assert_eq!(load_of(&unlimited, "agent-001").await, 3);
}

#[tokio::test]
async fn next_claims_the_highest_priority_longest_waiting_session_or_says_204() {
    let t = plain_app().await;
    let a = token("agent-001", AGENT);
    let empty = t.post_as(&a, "/api/v1/agent/sessions/next", json!({})).await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert_eq!(empty.body, Value::Null);

    let low = escalate(&t.app, "low", "u_1").await;
    let high_old = escalate(&t.app, "high", "u_2").await;
    let high_new = escalate(&t.app, "high", "u_3").await;
    let first = t.post_as(&a, "/api/v1/agent/sessions/next", json!({})).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["session_id"], high_old.as_str());
    assert_eq!(first.body["assigned_agent_id"], "agent-001");
    assert!(first.body["escalation_card"]["conversation_summary"].is_string());
    assert!(!first.body["history"].as_array().unwrap().is_empty());

    // Concurrent callers each get a different session; nobody gets one twice.
    let callers = ["agent-002", "agent-003", "agent-004"];
    let tokens: Vec<String> = callers.iter().map(|c| token(c, AGENT)).collect();
    let replies = join_all(tokens.iter().map(|tk| t.post_as(tk, "/api/v1/agent/sessions/next", json!({})))).await;
    let mut got: Vec<String> =
        replies.iter().filter(|r| r.status == StatusCode::OK).map(|r| r.body["session_id"].as_str().unwrap().to_string()).collect();
    got.sort();
    let mut expected = vec![high_new, low];
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(replies.iter().filter(|r| r.status == StatusCode::NO_CONTENT).count(), 1);
    let proxy = t.post("/api/v1/agent/sessions/next", json!({"agent_id": "agent-005"})).await;
    assert_eq!(proxy.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn waiting_sessions_are_raised_one_level_after_their_levels_threshold() {
    let (t, clock) = clocked_app(|_| {}).await;
    let medium = escalate(&t.app, "medium", "u_1").await;
    clock.set_minutes(1);
    let high = escalate(&t.app, "high", "u_2").await;

    clock.set_minutes(4);
    let report = maintenance::run(&t.app).await.unwrap();
    assert_eq!(report.aged.done, 0);
    assert_eq!(report.oldest_pending_wait_seconds, Some(240));

    // High waits 5 minutes before it becomes highest; medium 10 before it becomes high.
    clock.set_minutes(5);
    assert_eq!(maintenance::run(&t.app).await.unwrap().aged.done, 0, "high has waited 4 minutes");
    clock.set_minutes(6);
    assert_eq!(maintenance::run(&t.app).await.unwrap().aged.done, 1);
    assert_eq!(t.stored(&high).await.priority.unwrap().as_str(), "highest");
    assert_eq!(t.stored(&medium).await.priority.unwrap().as_str(), "medium");

    clock.set_minutes(10);
    assert_eq!(maintenance::run(&t.app).await.unwrap().aged.done, 1);
    let aged = t.stored(&medium).await;
    assert_eq!(aged.priority.unwrap().as_str(), "high");
    // It keeps its escalation time (the order within the level) and its clock at high restarts.
    assert_eq!(aged.escalated_at, Some(clock.start));
    clock.set_minutes(14);
    let early = maintenance::run(&t.app).await.unwrap();
    assert_eq!((early.aged.found, early.aged.done), (0, 0), "4 minutes at high are not 5: not even found");
    clock.set_minutes(15);
    assert_eq!(maintenance::run(&t.app).await.unwrap().aged.done, 1);
    assert_eq!(t.stored(&medium).await.priority.unwrap().as_str(), "highest");

    let list = t.get("/api/v1/agent/sessions/pending").await;
    assert_eq!(pending_ids(&list), vec![medium.clone(), high.clone()], "both highest, oldest first");
    let types = event_types(&t, &medium).await;
    assert_eq!(types, vec!["escalated", "aged", "aged"]);
    let events = t.get_as(&token("lead-001", LEAD), &path(&medium, "events")).await;
    let first_aging = &events.body["events"][1];
    assert_eq!(first_aging["actor"], "system");
    assert_eq!((first_aging["detail"]["from_priority"].as_str(), first_aging["detail"]["to_priority"].as_str()), (Some("medium"), Some("high")));
    let summary = t.get_as(&token("lead-001", LEAD), "/api/v1/metrics/summary").await;
    assert_eq!(summary.body["pending_by_priority"]["highest"], 2, "{}", summary.body);
    assert_eq!(summary.body["pending_by_priority"]["medium"], 0);
}

#[tokio::test]
async fn aging_and_accepting_the_same_session_at_once_leave_one_consistent_outcome() {
    for round in 0..5 {
        let (t, clock) = clocked_app(|_| {}).await;
        let id = escalate(&t.app, "medium", "u_race").await;
        clock.set_minutes(11);
        let (report, accepted) = tokio::join!(maintenance::run(&t.app), accept_as(&t, "agent-001", &id));
        let report = report.unwrap();
        let session = t.stored(&id).await;
        if accepted.status == StatusCode::OK {
            assert_eq!(session.agent_status.as_str(), "assigned", "round {round}");
            assert!(t.get("/api/v1/agent/sessions/pending").await.body.as_array().unwrap().is_empty());
        } else {
            panic!("round {round}: a pending session's accept may not fail: {}", accepted.body);
        }
        // Whichever came first, the gauges agree with the queue: nothing is pending.
        let summary = t.get_as(&token("lead-001", LEAD), "/api/v1/metrics/summary").await;
        assert_eq!(summary.body["pending"], 0, "round {round}: {} / {report:?}", summary.body);
        // The clock stands still, so the trail's order within the instant is not the point;
        // what the accept saw is: the priority it took the session at.
        let events = t.get_as(&token("lead-001", LEAD), &path(&id, "events")).await.body["events"].clone();
        let events = events.as_array().unwrap();
        let accepted = events.iter().find(|e| e["type"] == "accepted").expect("an accepted event");
        let aged = events.iter().any(|e| e["type"] == "aged");
        assert_eq!(accepted["detail"]["priority"], if aged { "high" } else { "medium" }, "round {round}: {events:?}");
        assert_eq!(aged, report.aged.done == 1, "round {round}");
    }
}

#[tokio::test]
async fn a_release_racing_an_accept_never_assigns_a_session_twice() {
    for round in 0..5 {
        let t = plain_app().await;
        let id = held_by(&t, "agent-001", "high").await;
        let (a, release) = (token("agent-001", AGENT), path(&id, "release"));
        let (released, taken) = tokio::join!(t.post_as(&a, &release, json!({})), accept_as(&t, "agent-002", &id));
        assert_eq!(released.status, StatusCode::OK, "round {round}");
        let session = t.stored(&id).await;
        let (a, b) = (load_of(&t, "agent-001").await, load_of(&t, "agent-002").await);
        match taken.status {
            StatusCode::OK => {
                assert_eq!(session.assigned_agent_id.as_deref(), Some("agent-002"), "round {round}");
                assert_eq!((a, b), (0, 1), "round {round}");
            }
            StatusCode::CONFLICT => {
                assert_eq!(session.agent_status.as_str(), "pending", "round {round}");
                assert_eq!((a, b), (0, 0), "round {round}");
            }
            other => panic!("round {round}: {other} {}", taken.body),
        }
    }
}

#[tokio::test]
async fn a_transfer_racing_a_resolve_lets_exactly_one_through() {
    for round in 0..5 {
        let t = plain_app().await;
        let id = held_by(&t, "agent-001", "high").await;
        let a = token("agent-001", AGENT);
        let (transfer, resolve) = (path(&id, "transfer"), path(&id, "resolve"));
        let (moved, resolved) = tokio::join!(
            t.post_as(&a, &transfer, json!({"to_agent_id": "agent-002"})),
            t.post_as(&a, &resolve, json!({}))
        );
        let oks = [moved.status, resolved.status].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(oks, 1, "round {round}: {} / {}", moved.body, resolved.body);
        let session = t.stored(&id).await;
        let (a_load, b_load) = (load_of(&t, "agent-001").await, load_of(&t, "agent-002").await);
        if moved.status == StatusCode::OK {
            assert_eq!(session.agent_status.as_str(), "assigned");
            assert_eq!(resolved.body["error"], "not_assignee", "round {round}");
            assert_eq!((a_load, b_load), (0, 1), "round {round}");
        } else {
            assert_eq!(session.agent_status.as_str(), "resolved");
            assert_eq!(moved.status, StatusCode::CONFLICT, "round {round}");
            assert_eq!((a_load, b_load), (0, 0), "round {round}");
        }
    }
}

#[tokio::test]
async fn an_idle_assigned_session_is_auto_released_only_when_configured() {
    let (t, clock) = clocked_app(|app| app.config.queue.auto_release_minutes = Some(15)).await;
    let id = held_by(&t, "agent-001", "medium").await;
    clock.set_minutes(10);
    let sent = t.post_as(&token("agent-001", AGENT), &path(&id, "messages"), json!({"content": "Looking into it"})).await;
    assert_eq!(sent.status, StatusCode::OK);
    clock.set_minutes(20);
    assert_eq!(maintenance::run(&t.app).await.unwrap().auto_released.done, 0, "active 10 minutes ago");
    clock.set_minutes(25);
    let report = maintenance::run(&t.app).await.unwrap();
    assert_eq!(report.auto_released.done, 1, "{report:?}");
    let session = t.stored(&id).await;
    assert_eq!(session.agent_status.as_str(), "pending");
    assert_eq!(session.priority.unwrap().as_str(), "medium");
    assert_eq!(load_of(&t, "agent-001").await, 0);
    assert!(session.card_notes[0].text.contains("15 minutes without activity"), "{:?}", session.card_notes);
    assert_eq!(event_types(&t, &id).await.last().map(String::as_str), Some("auto_released"));

    let (off, clock) = clocked_app(|_| {}).await;
    let kept = held_by(&off, "agent-001", "medium").await;
    clock.set_minutes(600);
    assert_eq!(maintenance::run(&off.app).await.unwrap().auto_released.found, 0);
    assert_eq!(off.stored(&kept).await.agent_status.as_str(), "assigned", "auto-release is off by default");
}

#[tokio::test]
async fn the_pending_list_and_the_details_show_the_wait_and_the_sla() {
    let (t, clock) = clocked_app(|_| {}).await;
    let id = escalate(&t.app, "high", "u_sla").await;
    clock.set_minutes(3);
    let list = t.get("/api/v1/agent/sessions/pending").await;
    let row = &list.body[0];
    assert_eq!(row["waiting_seconds"], 180);
    assert_eq!(row["sla_breached"], false);
    let escalated: DateTime<Utc> = serde_json::from_value(row["escalated_at"].clone()).unwrap();
    let due: DateTime<Utc> = serde_json::from_value(row["sla_due_at"].clone()).unwrap();
    assert_eq!(due - escalated, Duration::minutes(5), "high's first-response target");
    clock.set_minutes(6);
    assert_eq!(t.get("/api/v1/agent/sessions/pending").await.body[0]["sla_breached"], true);

    // The first agent message stops the clock in the details.
    accept_as(&t, "agent-001", &id).await;
    clock.set_minutes(7);
    t.post_as(&token("agent-001", AGENT), &path(&id, "messages"), json!({"content": "Hi"})).await;
    clock.set_minutes(30);
    let details = t.get(&format!("/api/v1/agent/sessions/{id}")).await;
    assert_eq!(details.body["waiting_seconds"], 420);
    assert_eq!(details.body["sla_breached"], true);
    assert!(details.body["first_response_at"].is_string());
}

#[tokio::test]
async fn every_transition_is_in_the_audit_trail_oldest_first() {
    let t = plain_app().await;
    // Seeding is bulk work, not what this test measures: give it room on a busy machine.
    let patient = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
        .operation_timeout(std::time::Duration::from_secs(60))
        .operation_attempt_timeout(std::time::Duration::from_secs(20))
        .build();
    let conf = workbench::app::local_dynamodb_config(&crate::helpers::dynamodb_endpoint()).timeout_config(patient).build();
    let seeding = workbench::store::Store::new(aws_sdk_dynamodb::Client::from_conf(conf), t.app.store.table());
    workbench::business::seed(&seeding, repo_root().join("infra/seed/business/dataset.json")).await.unwrap();
    let id = escalate(&t.app, "high", "u_10086").await;
    let a = token("agent-001", AGENT);
    let b = token("agent-002", AGENT);
    accept_as(&t, "agent-001", &id).await;
    t.post_as(&a, &path(&id, "messages"), json!({"content": "Hello"})).await;
    t.post_as(&a, &path(&id, "release"), json!({"reason": "Wrong team"})).await;
    accept_as(&t, "agent-002", &id).await;
    let proposal = t.post_as(&b, &path(&id, "business-assist"), json!({"query": "Cancel order ORD-003"})).await;
    let confirm = proposal.body["result"]["data"]["confirmation_token"].as_str().map(str::to_string);
    if let Some(token) = confirm {
        let done = t.post_as(&b, &path(&id, "business-assist"), json!({"query": "Cancel order ORD-003", "confirmation_token": token})).await;
        assert_eq!(done.status, StatusCode::OK);
    }
    t.post_as(&b, &path(&id, "transfer"), json!({"to_agent_id": "agent-001"})).await;
    t.post_as(&a, &path(&id, "resolve"), json!({"note": "Done"})).await;
    let solution = t.post_as(&a, &path(&id, "solution"), json!({"question": "Cancel?", "solution": "Cancelled."})).await;
    let solution_id = solution.body["solution_id"].as_str().unwrap().to_string();
    let approved =
        t.post_as(&token("rev-001", &["reviewer"]), &format!("/api/v1/escalation/solutions/{solution_id}/approve"), json!({})).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);

    let reply = t.get_as(&token("agent-003", AGENT), &path(&id, "events")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let events = reply.body["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let mut expected = vec!["escalated", "accepted", "agent_message", "released", "accepted"];
    if types.contains(&"business_write_executed") {
        expected.push("business_write_executed");
    }
    expected.extend(["transferred", "resolved", "solution_submitted", "solution_approved"]);
    assert_eq!(types, expected);
    let at: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "oldest first: {at:?}");
    let released = &events[3];
    assert_eq!(released["actor"], "agent-001");
    assert_eq!((released["from_status"].as_str(), released["to_status"].as_str()), (Some("assigned"), Some("pending")));
    assert_eq!(released["detail"]["reason"], "Wrong team");
    assert_eq!(events.last().unwrap()["actor"], "rev-001");
    for event in events {
        let mut keys: Vec<&str> = event.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, vec!["actor", "at", "detail", "event_id", "from_status", "to_status", "type"]);
    }
    assert_eq!(t.get_as(&a, &path("sess-none", "events")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_metrics_summary_counts_the_queue_and_the_day_for_supervisors_only() {
    let (t, clock) = clocked_app(|_| {}).await;
    let refused = t.get_as(&token("agent-001", AGENT), "/api/v1/metrics/summary").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let chat = t.post("/api/v1/chat", json!({"user_id": "u_m", "message": "转人工"})).await;
    assert_eq!(chat.body["agent_status"], "pending");
    let first = escalate(&t.app, "high", "u_m2").await;
    escalate(&t.app, "low", "u_m3").await;
    clock.set_minutes(2);
    accept_as(&t, "agent-001", &first).await;
    clock.set_minutes(12);
    t.post_as(&token("agent-001", AGENT), &path(&first, "resolve"), json!({})).await;

    let summary = t.get_as(&token("lead-001", LEAD), "/api/v1/metrics/summary").await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
    let s = &summary.body;
    assert_eq!(s["pending"], 2, "{s}");
    assert_eq!(s["pending_by_priority"], json!({"highest": 1, "high": 0, "medium": 0, "low": 1, "info": 0}));
    assert_eq!(s["longest_wait_seconds"], 720);
    assert_eq!((s["assigned"].as_i64(), s["agents_active"].as_i64()), (Some(0), Some(0)));
    assert_eq!(s["resolved_last_24h"], 1);
    assert_eq!(s["escalated_last_24h"], 3);
    // 120 s falls in the [120, 300) bin, 600 s of handling in [600, 1200).
    assert_eq!(s["median_wait_seconds_24h"], 120.0 + 180.0 / 2.0);
    assert_eq!(s["median_handle_seconds_24h"], 600.0 + 600.0 / 2.0);
    assert_eq!(s["deflection_rate_24h"], 0.0, "the one bot turn escalated");

    // The day hour by hour, for the charts (the test may cross an hour: totals over the hours).
    let hours = s["hours"].as_array().expect("hours");
    assert_eq!(hours.len(), 24, "{s}");
    let sum = |name: &str| hours.iter().map(|h| h[name].as_i64().unwrap()).sum::<i64>();
    assert_eq!((sum("escalated"), sum("accepted"), sum("resolved")), (3, 1, 1));
    assert_eq!(hours[23]["queue_length"], 2, "the current hour ends now, with two waiting");
    assert_eq!(hours[0]["queue_length"], 0, "a day ago nothing waited");
    assert!(hours.windows(2).all(|w| w[0]["hour"].as_str() < w[1]["hour"].as_str()), "oldest first");
    for hour in hours {
        let expected = if hour["accepted"] == 1 { json!(300) } else { Value::Null };
        assert_eq!(hour["longest_wait_seconds"], expected, "120 s of waiting is in the bin below 300 s: {hour}");
    }
    let bins = s["handle_time_bins"].as_array().expect("handle_time_bins");
    assert_eq!(bins.len(), 14);
    assert_eq!(bins.iter().map(|b| b["count"].as_i64().unwrap()).sum::<i64>(), 1);
    let counted: Vec<&Value> = bins.iter().filter(|b| b["count"] == 1).collect();
    assert_eq!(counted[0]["below_seconds"], 1200, "600 s of handling");
    assert_eq!(bins[13]["below_seconds"], Value::Null, "the open last bin");
    let admin = t.get("/api/v1/metrics/summary").await;
    assert_eq!(admin.status, StatusCode::OK, "the test key holds every scope, admin among them");
}

#[tokio::test]
async fn the_scheduled_functions_sample_event_runs_the_maintenance() {
    let (t, clock) = clocked_app(|_| {}).await;
    escalate(&t.app, "low", "u_s").await;
    clock.set_minutes(21);
    let sample = std::fs::read_to_string(repo_root().join("infra/events/queue-maintenance.json")).unwrap();
    let event: Value = serde_json::from_str(&sample).unwrap();
    assert_eq!(event["detail-type"], "Scheduled Event");
    let report = maintenance::run(&t.app).await.unwrap();
    assert_eq!(report.aged.done, 1);
    assert_eq!(report.oldest_pending_wait_seconds, Some(21 * 60));
}
