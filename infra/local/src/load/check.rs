//! The read-back: every item of the run's table, read consistently after the users stopped, and
//! compared with what the users were told.

use super::faults::FaultWindow;
use super::journal::Journal;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use workbench::domain::{AgentStatus, Author};
use workbench::store::items::{MessageItem, SessionItem};
use workbench::store::Store;

type Item = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// One line of the verdict.
pub struct Finding {
    pub check: &'static str,
    pub passed: bool,
    pub detail: String,
}

pub struct Verdict {
    pub findings: Vec<Finding>,
    pub sessions: usize,
    pub messages: usize,
    pub solutions: usize,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|f| f.passed)
    }

    pub fn markdown(&self) -> String {
        let mut out = format!(
            "Read back: {} sessions, {} messages, {} solutions.\n\n| check | result | detail |\n| --- | --- | --- |\n",
            self.sessions, self.messages, self.solutions
        );
        for f in &self.findings {
            out.push_str(&format!("| {} | {} | {} |\n", f.check, if f.passed { "pass" } else { "**FAIL**" }, f.detail));
        }
        out
    }
}

struct StoredSession {
    meta: Option<SessionItem>,
    messages: Vec<MessageItem>,
}

/// Every item of the table, read with a consistent scan.
async fn scan_all(store: &Store) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = store
            .client()
            .scan()
            .table_name(store.table())
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| format!("Scan failed: {e:?}"))?;
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// `[c0012-007] ...` → `c0012-007`
pub fn marker_of(content: &str) -> Option<&str> {
    let rest = content.strip_prefix('[')?;
    let end = rest.find(']')?;
    let marker = &rest[..end];
    (marker.starts_with('c') || marker.starts_with('a')).then_some(marker)
}

/// What is wrong with a session's stored state, if anything.
fn illegal_state(s: &SessionItem, message_count: usize) -> Option<String> {
    let pending_attrs = s.pending_status.is_some() || s.pending_order.is_some();
    let why = match s.agent_status {
        AgentStatus::None if s.assigned_agent_id.is_some() || pending_attrs || s.escalated_at.is_some() => {
            "a bot session with an assignee, queue entry or escalation time"
        }
        AgentStatus::Pending if s.pending_status.as_deref() != Some("pending") => "pending but not in the queue index",
        AgentStatus::Pending
            if s.pending_order.as_deref().and_then(workbench::store::keys::session_of_pending_order)
                != Some(s.session_id.as_str()) =>
        {
            "pending with a queue key of another session"
        }
        AgentStatus::Pending if s.priority.is_none() || s.escalated_at.is_none() || s.escalation_card.is_none() => {
            "pending without priority, escalation time or card"
        }
        AgentStatus::Pending if s.assigned_agent_id.is_some() => "pending with an assignee",
        AgentStatus::Assigned | AgentStatus::Resolved if pending_attrs => "taken but still in the queue index",
        AgentStatus::Assigned | AgentStatus::Resolved if s.assigned_agent_id.is_none() || s.accepted_at.is_none() => {
            "taken without an assignee or accept time"
        }
        AgentStatus::Resolved if s.resolved_at.is_none() => "resolved without a resolve time",
        _ if s.turn_count as usize != message_count => {
            return Some(format!("turn_count {} but {} messages stored", s.turn_count, message_count))
        }
        _ => return None,
    };
    Some(why.to_string())
}

fn finding(check: &'static str, problems: &[String], ok_detail: String) -> Finding {
    if problems.is_empty() {
        Finding { check, passed: true, detail: ok_detail }
    } else {
        let mut detail = format!("{} problems; first: ", problems.len());
        detail.push_str(&problems.iter().take(3).cloned().collect::<Vec<_>>().join("; "));
        Finding { check, passed: false, detail: detail.replace('|', "/") }
    }
}

pub async fn verify(store: &Store, journal: &Journal, faults: &[FaultWindow], budget: Duration) -> Result<Verdict, String> {
    let items = scan_all(store).await?;
    let mut sessions: BTreeMap<String, StoredSession> = BTreeMap::new();
    let mut solutions: HashMap<String, Item> = HashMap::new();
    for item in items {
        let (Some(pk), Some(sk)) = (text(&item, "pk").map(str::to_string), text(&item, "sk").map(str::to_string)) else {
            continue;
        };
        if let Some(id) = pk.strip_prefix("SESSION#") {
            let entry = sessions.entry(id.to_string()).or_insert(StoredSession { meta: None, messages: Vec::new() });
            if sk == "META" {
                entry.meta = Some(serde_dynamo::from_item(item).map_err(|e| format!("session {id}: {e}"))?);
            } else if sk.starts_with("MSG#") {
                entry.messages.push(serde_dynamo::from_item(item).map_err(|e| format!("message of {id}: {e}"))?);
            }
        } else if let Some(id) = pk.strip_prefix("SOLUTION#") {
            solutions.insert(id.to_string(), item);
        }
    }
    let mut findings = Vec::new();

    // Every session in a legal state, its counter equal to its messages.
    let mut illegal = Vec::new();
    for (id, stored) in &sessions {
        match &stored.meta {
            None => illegal.push(format!("{id}: messages without a session")),
            Some(meta) => {
                if let Some(why) = illegal_state(meta, stored.messages.len()) {
                    illegal.push(format!("{id} ({}): {why}", meta.agent_status.as_str()));
                }
            }
        }
    }
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for stored in sessions.values() {
        if let Some(meta) = &stored.meta {
            *by_status.entry(meta.agent_status.as_str()).or_default() += 1;
        }
    }
    findings.push(finding(
        "every session in a legal state, turn_count = messages stored",
        &illegal,
        format!("{by_status:?}").replace(['{', '}', '"'], ""),
    ));

    // Accepts: one winner per session, and the table names that winner.
    let assignee: HashMap<&str, (&SessionItem, AgentStatus)> = sessions
        .iter()
        .filter_map(|(id, s)| s.meta.as_ref().map(|m| (id.as_str(), (m, m.agent_status))))
        .collect();
    let mut winners: HashMap<String, HashSet<String>> = HashMap::new();
    for (session, agent) in journal.accepts_won.lock().unwrap().iter() {
        winners.entry(session.clone()).or_default().insert(agent.clone());
    }
    let unsure: HashSet<(String, String)> = journal.accepts_unsure.lock().unwrap().iter().cloned().collect();
    let mut doubles = Vec::new();
    let mut accept_problems = Vec::new();
    for (session, agents) in &winners {
        if agents.len() > 1 {
            doubles.push(format!("{session} accepted by {agents:?}"));
        }
        match assignee.get(session.as_str()) {
            Some((meta, AgentStatus::Assigned | AgentStatus::Resolved)) => {
                let holder = meta.assigned_agent_id.clone().unwrap_or_default();
                if !agents.contains(&holder) {
                    accept_problems.push(format!("{session}: told {agents:?}, stored {holder}"));
                }
            }
            Some((_, status)) => accept_problems.push(format!("{session}: accept answered 200 but stored {}", status.as_str())),
            None => accept_problems.push(format!("{session}: accept answered 200 for a session not stored")),
        }
    }
    let mut silent = 0;
    for (id, (meta, status)) in &assignee {
        if matches!(status, AgentStatus::Assigned | AgentStatus::Resolved) && !winners.contains_key(*id) {
            let holder = meta.assigned_agent_id.clone().unwrap_or_default();
            if unsure.contains(&(id.to_string(), holder.clone())) {
                silent += 1;
            } else {
                accept_problems.push(format!("{id}: assigned to {holder}, who was never told so"));
            }
        }
    }
    let won: usize = winners.len();
    findings.push(finding("0 double assignments", &doubles, format!("{won} sessions accepted, each by exactly one agent")));
    findings.push(finding(
        "every accept the table holds was answered 200 to its agent",
        &accept_problems,
        format!("{silent} assignments whose answer was lost to an outage (the agent saw a 503)"),
    ));

    // Messages: each acknowledged one exactly once in its session, nothing twice, nothing unknown.
    let mut stored_markers: HashMap<String, Vec<(String, Author)>> = HashMap::new();
    let mut message_total = 0;
    let mut misattributed = Vec::new();
    for (id, stored) in &sessions {
        for m in &stored.messages {
            message_total += 1;
            if let Some(marker) = marker_of(&m.content) {
                stored_markers.entry(marker.to_string()).or_default().push((id.clone(), m.author));
            }
            if m.author == Author::Agent {
                let holder = stored.meta.as_ref().and_then(|s| s.assigned_agent_id.clone());
                if m.agent_id != holder {
                    misattributed.push(format!("{id}: message by {:?} in a session held by {holder:?}", m.agent_id));
                }
            }
        }
    }
    let acked = journal.messages_acked.lock().unwrap().clone();
    let unsure_messages = journal.messages_unsure.lock().unwrap().clone();
    let mut lost = Vec::new();
    let mut duplicated = Vec::new();
    for sent in &acked {
        let key = sent.marker.trim_matches(|c| c == '[' || c == ']');
        match stored_markers.get(key) {
            None => lost.push(format!("{} (acknowledged in {:?}) is not stored", sent.marker, sent.session_id)),
            Some(places) if places.len() > 1 => duplicated.push(format!("{} stored {} times", sent.marker, places.len())),
            Some(places) if Some(&places[0].0) != sent.session_id.as_ref() => {
                lost.push(format!("{} acknowledged in {:?} but stored in {}", sent.marker, sent.session_id, places[0].0))
            }
            Some(_) => {}
        }
    }
    let (mut unsure_stored, mut unsure_absent) = (0, 0);
    for sent in &unsure_messages {
        let key = sent.marker.trim_matches(|c| c == '[' || c == ']');
        match stored_markers.get(key).map(Vec::len).unwrap_or(0) {
            0 => unsure_absent += 1,
            1 => unsure_stored += 1,
            n => duplicated.push(format!("{} (unanswered) stored {n} times", sent.marker)),
        }
    }
    let known: HashSet<String> = acked
        .iter()
        .chain(unsure_messages.iter())
        .map(|s| s.marker.trim_matches(|c| c == '[' || c == ']').to_string())
        .collect();
    let phantoms: Vec<String> =
        stored_markers.keys().filter(|m| !known.contains(*m)).map(|m| format!("{m} stored but never sent")).collect();
    findings.push(finding("0 lost messages", &lost, format!("{} acknowledged messages, each stored in its session", acked.len())));
    findings.push(finding(
        "0 duplicated messages",
        &[duplicated, phantoms].concat(),
        format!(
            "each stored once; of {} messages whose answer was a final 503, {unsure_stored} were stored and {unsure_absent} not",
            unsure_messages.len()
        ),
    ));
    findings.push(finding("agent messages written by the session's assignee", &misattributed, "all".into()));

    // The customers read their thread (the customer-visible read, paged as a channel pages it):
    // every acknowledged agent message is there once, in the order the agents were told it
    // was written.
    let mut agent_acked: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for sent in acked.iter().filter(|s| s.marker.trim_start_matches('[').starts_with('a')) {
        if let Some(session) = &sent.session_id {
            agent_acked.entry(session.clone()).or_default().push(sent.marker.trim_matches(|c| c == '[' || c == ']').to_string());
        }
    }
    let mut thread_problems = Vec::new();
    let (mut read_lines, mut pages) = (0, 0);
    for (session, markers) in &agent_acked {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor = workbench::store::ThreadCursor::default();
        loop {
            let page = store.thread_page(session, &cursor, 100).await.map_err(|e| format!("thread of {session}: {e}"))?;
            pages += 1;
            for line in workbench::thread::visible_lines(&page.sources, workbench::thread::Audience::Customer) {
                read_lines += 1;
                if line.author == Author::Agent {
                    if let Some(marker) = marker_of(&line.content) {
                        seen.push(marker.to_string());
                    }
                }
            }
            cursor = page.next;
            if !page.has_more {
                break;
            }
        }
        for marker in markers {
            match seen.iter().filter(|m| *m == marker).count() {
                0 => thread_problems.push(format!("{marker} (acknowledged) is not in {session}'s customer thread")),
                1 => {}
                n => thread_problems.push(format!("{marker} is {n} times in {session}'s customer thread")),
            }
        }
        let order: Vec<usize> = seen.iter().filter_map(|m| markers.iter().position(|k| k == m)).collect();
        if order.windows(2).any(|w| w[0] > w[1]) {
            thread_problems.push(format!("{session}: agent messages out of order in the customer thread"));
        }
    }
    let agent_total: usize = agent_acked.values().map(Vec::len).sum();
    findings.push(finding(
        "customers read every agent message once, in order (0 lost, 0 reordered)",
        &thread_problems,
        format!("{agent_total} acknowledged agent messages in {} sessions; {read_lines} thread lines in {pages} pages", agent_acked.len()),
    ));

    // Resolves and solutions.
    let mut resolve_problems = Vec::new();
    for (session, _) in journal.resolves_acked.lock().unwrap().iter() {
        if assignee.get(session.as_str()).map(|(_, s)| *s) != Some(AgentStatus::Resolved) {
            resolve_problems.push(format!("{session}: resolve answered 200 but not resolved"));
        }
    }
    let mut solution_problems = Vec::new();
    let acked_solutions = journal.solutions_acked.lock().unwrap().clone();
    for (solution_id, session) in &acked_solutions {
        match solutions.get(solution_id) {
            None => solution_problems.push(format!("{solution_id} acknowledged but not stored")),
            Some(item) if text(item, "session_id") != Some(session.as_str()) => {
                solution_problems.push(format!("{solution_id} stored for another session"))
            }
            Some(_) => {}
        }
    }
    let mut per_session: HashMap<&str, usize> = HashMap::new();
    for item in solutions.values() {
        if let Some(session) = text(item, "session_id") {
            *per_session.entry(session).or_default() += 1;
            if assignee.get(session).map(|(_, s)| *s) != Some(AgentStatus::Resolved) {
                solution_problems.push(format!("a solution of {session}, which is not resolved"));
            }
        }
    }
    for (session, count) in per_session {
        if count > 1 {
            solution_problems.push(format!("{session} has {count} solutions (each agent submits one)"));
        }
    }
    findings.push(finding(
        "resolves and solutions stored as answered, one solution per session",
        &[resolve_problems, solution_problems].concat(),
        format!("{} resolves, {} solutions acknowledged; {} stored", journal.resolves_acked.lock().unwrap().len(), acked_solutions.len(), solutions.len()),
    ));

    // Every answer is one the API promises, within its budget.
    let samples = journal.samples();
    let mut unexpected = Vec::new();
    let mut slow = Vec::new();
    let mut expected_503 = 0;
    for s in &samples {
        let during_fault = faults.iter().any(|w| w.overlaps(s.started, s.started + s.elapsed));
        match s.status {
            Some(200..=299) | Some(409) => {}
            Some(503) if during_fault => expected_503 += 1,
            Some(status) => unexpected.push(format!("{} answered {status}{}", s.route, if during_fault { " in a fault" } else { "" })),
            None => unexpected.push(format!("{} got no answer in {:.1} s", s.route, s.elapsed.as_secs_f64())),
        }
        if s.elapsed > budget {
            slow.push(format!("{} took {:.2} s", s.route, s.elapsed.as_secs_f64()));
        }
    }
    let client_failures = journal.failures.lock().unwrap().clone();
    findings.push(finding(
        "0 answers other than 2xx/409 (503 only in a fault: the outage and twice its length after)",
        &[unexpected, client_failures].concat(),
        format!("{} answers; {expected_503} were 503 store_unavailable during a fault", samples.len()),
    ));
    let max = samples.iter().map(|s| s.elapsed).max().unwrap_or_default();
    findings.push(finding(
        "every request answered within its budget",
        &slow,
        format!("budget {:.1} s; slowest {:.2} s", budget.as_secs_f64(), max.as_secs_f64()),
    ));

    Ok(Verdict { findings, sessions: sessions.len(), messages: message_total, solutions: solutions.len() })
}

#[cfg(test)]
mod tests {
    use super::marker_of;

    #[test]
    fn markers_are_read_from_the_start_of_a_message() {
        assert_eq!(marker_of("[c0012-007] How do I cancel?"), Some("c0012-007"));
        assert_eq!(marker_of("[a001-0003] Hello"), Some("a001-0003"));
        assert_eq!(marker_of("Hello [c0012-007]"), None);
        assert_eq!(marker_of("[x] no"), None);
    }
}
