//! The agent-side endpoints 1, 2, 3, 4, 7 and 8 of the workbench API.

use crate::api::agent::{AcceptRequest, AssignedPage, AssignedSummary, CardView, HistoryEntry, MAX_MESSAGE_CHARS, MAX_NOTE_CHARS, MAX_QUESTION_CHARS, MAX_SOLUTION_CHARS, PendingSummary, ResolveRequest, ResolveResponse, SendMessageRequest, SendMessageResponse, SessionDetails, SolutionRequest, SolutionView, WhoAmI};
use crate::api::paging::{NEXT_CURSOR_HEADER, page_size};
use crate::app::App;
use crate::handlers::accepted::{accepted_response, card_of};
use crate::auth::policy::DEFAULT_AGENT_ID;
use crate::auth::{acting_agent, list_owner, Actor, Principal};
use crate::domain::{
    new_id, AgentStatus, Author, EscalationPriority, EventKind, Message, ReviewStatus, Role,
    Session, Solution,
};
use crate::error::ApiError;
use crate::http::{json_body, ok, optional_id, optional_text, path_id, query_param, required_text};
use crate::idempotency::Answer;
use crate::intent;
use crate::metrics::Emf;
use crate::queue::{QueuePolicy, SlaFigures};
use crate::state_machine::{transition, Action};
use crate::store::Assignee;
use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};


/// 1. GET /api/v1/agent/sessions/pending
pub async fn pending_list(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let limit = page_size(req)?;
    let cursor = query_param(req, "cursor");
    if let Some(c) = &cursor {
        if !crate::store::sessions_cursor_is_valid(c) {
            return Err(ApiError::invalid_field("`cursor` is not a cursor this API issued"));
        }
    }
    let page = app.store.list_pending(limit, cursor.as_deref()).await?;
    let now = app.now();
    let summaries: Vec<PendingSummary> =
        page.sessions.into_iter().map(|item| PendingSummary::new(item, &app.config.queue, now)).collect();
    let mut response = ok(&summaries)?;
    if let Some(next) = page.next_cursor {
        response.headers_mut().insert(NEXT_CURSOR_HEADER, next.parse().expect("hex is a valid header value"));
    }
    Ok(response)
}

/// GET /api/v1/agent/sessions/mine: the sessions the caller holds (a supervisor or a proxy key:
/// `agent_id`'s), one Query on the assignee index, the longest without the agent first.
pub async fn my_sessions(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let requested = optional_id("agent_id", query_param(req, "agent_id"))?;
    let owner = list_owner(caller, requested.as_deref())?;
    let limit = page_size(req)?;
    let cursor = query_param(req, "cursor");
    if let Some(c) = &cursor {
        if !crate::store::is_valid_assigned_cursor(c) {
            return Err(ApiError::invalid_field("`cursor` is not a cursor this API issued"));
        }
    }
    let page = app.store.list_assigned_to(&owner, limit, cursor.as_deref()).await?;
    let now = app.now();
    let sessions = page.sessions.into_iter().map(|item| AssignedSummary::new(item, &owner, now)).collect();
    ok(&AssignedPage { sessions, next_cursor: page.next_cursor })
}

/// The details' SLA figures: the first response stops the clock; so does a resolution without one.
pub fn sla_of(session: &Session, policy: &QueuePolicy, now: DateTime<Utc>) -> Option<SlaFigures> {
    let escalated_at = session.escalated_at?;
    let priority = session.priority.unwrap_or(EscalationPriority::Medium);
    Some(policy.sla(priority, escalated_at, session.first_response_at.or(session.resolved_at), now))
}

/// 2. GET /api/v1/agent/sessions/{session_id}
pub async fn session_details(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let (session, history) =
        app.store.session_with_history(&session_id).await?.ok_or_else(|| ApiError::session_not_found(&session_id))?;
    transition(session.agent_status, Action::ViewDetails)?;
    // The assignee reading the thread has seen the customer's messages ("my sessions" counts the
    // unread ones). Written only when some are unread; a failure costs the reader nothing.
    if let Principal::Agent(agent) = caller {
        if session.agent_status == AgentStatus::Assigned && session.assigned_agent_id.as_deref() == Some(agent.agent_id.as_str()) {
            if let Err(err) = app.store.mark_seen(&session_id, &agent.agent_id).await {
                tracing::warn!(session_id = %session_id, error = %err, "unread count not reset");
            }
        }
    }
    let card = card_of(app, &session, &history).await?;
    let sla = sla_of(&session, &app.config.queue, app.now());
    let escalation_card = CardView::new(card, &session);
    ok(&SessionDetails {
        session_id: session.session_id,
        user_id: session.user_id,
        member_level: session.member_level.as_str(),
        agent_status: session.agent_status,
        assigned_agent_id: session.assigned_agent_id,
        assigned_agent_name: session.assigned_agent_name,
        turn_count: session.turn_count,
        priority: session.priority.map(|p| p.as_str()),
        escalate_reason: session.escalate_reason,
        created_at: session.created_at,
        escalated_at: session.escalated_at,
        accepted_at: session.accepted_at,
        resolved_at: session.resolved_at,
        resolve_note: session.resolve_note,
        first_response_at: session.first_response_at,
        waiting_seconds: sla.map(|s| s.waiting_seconds),
        sla_due_at: sla.and_then(|s| s.sla_due_at),
        sla_breached: sla.is_some_and(|s| s.sla_breached),
        escalation_card,
        history: history.into_iter().map(HistoryEntry::from).collect(),
    })
}

/// 3. POST /api/v1/agent/sessions/{session_id}/accept — within the agent's capacity (409
///    `at_capacity` beyond it); the session and its history are read once and the accept commits
///    on that read.
pub async fn accept_session(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: AcceptRequest = json_body(req, true)?;
    let actor = acting_agent(caller, optional_id("agent_id", body.agent_id)?.as_deref())?;
    let assignee = Assignee { id: actor.assignee_on_accept(), name: actor.display_name() };
    let now = app.now();
    let (session, history) =
        app.store.accept(&session_id, assignee, &caller.log_name(), &app.config.queue, now).await?;
    accepted_response(app, session, history, now).await
}

/// 4. POST /api/v1/agent/sessions/{session_id}/messages
pub async fn send_message(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: SendMessageRequest = json_body(req, false)?;
    let content = required_text("content", body.content, MAX_MESSAGE_CHARS)?;
    let actor = acting_agent(caller, optional_id("agent_id", body.agent_id)?.as_deref())?;
    let author = author_of(app, &session_id, &actor, Action::SendMessage).await?;
    let now = app.now();
    let message = Message {
        message_id: new_id("msg"),
        role: Role::Assistant,
        author: Author::Agent,
        content,
        timestamp: now,
        agent_id: Some(author.id.clone()),
        agent_name: Some(author.name),
    };
    let answer = Answer::ok(&SendMessageResponse {
        message_id: message.message_id.clone(),
        timestamp: message.timestamp,
        role: message.role,
    })?;
    let kind = EventKind::AgentMessage;
    app.store.append_agent_message(&session_id, &message, Some(&author.id), kind, &caller.log_name(), now, answer.completion()).await?;
    answer.respond()
}

/// 7. POST /api/v1/agent/sessions/{session_id}/resolve
pub async fn resolve_session(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: ResolveRequest = json_body(req, true)?;
    let note = optional_text("note", body.note, MAX_NOTE_CHARS)?;
    let actor = acting_agent(caller, optional_id("agent_id", body.agent_id)?.as_deref())?;
    let now = app.now();
    let session = app.store.resolve(&session_id, note.as_deref(), actor.named_agent(), &caller.log_name(), now).await?;
    tracing::info!(session_id = %session_id, "session resolved");
    let mut figures = Emf::new()
        .count("Resolutions", 1)
        .seconds("HandleSeconds", session.accepted_at.map(|at| (now - at).num_seconds()).unwrap_or(0));
    if let (Some(first), Some(escalated)) = (session.first_response_at, session.escalated_at) {
        figures = figures.seconds("FirstResponseSeconds", (first - escalated).num_seconds());
    }
    figures.property("session_id", session.session_id.as_str()).emit(now);
    ok(&ResolveResponse {
        session_id: session.session_id,
        agent_status: session.agent_status,
        resolved_at: session.resolved_at,
    })
}

/// 8. POST /api/v1/agent/sessions/{session_id}/solution
pub async fn submit_solution(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: SolutionRequest = json_body(req, false)?;
    let question = required_text("question", body.question, MAX_QUESTION_CHARS)?;
    let solution_text = required_text("solution", body.solution, MAX_SOLUTION_CHARS)?;
    let intent = match optional_text("intent", body.intent, 64)? {
        Some(label) if intent::is_valid_label(&label) => label,
        Some(_) => return Err(ApiError::invalid_field("`intent` must be lower-case words joined by '_'")),
        None => intent::recognise(&format!("{question} {solution_text}")).to_string(),
    };
    let actor = acting_agent(caller, optional_id("agent_id", body.agent_id)?.as_deref())?;
    let author = author_of(app, &session_id, &actor, Action::ConsolidateSolution).await?;
    let solution = Solution {
        solution_id: new_id("sol"),
        session_id,
        question,
        solution: solution_text,
        intent,
        status: ReviewStatus::Pending,
        created_at: app.now(),
        agent_id: Some(author.id.clone()),
        submitted_by: Some(caller.log_name()),
        reviewed_at: None,
        reviewed_by: None,
        reject_reason: None,
        faq_id: None,
        faq_deleted_at: None,
    };
    let answer = Answer::ok(&SolutionView::from(&solution))?;
    app.store.save_solution(&solution, Some(&author.id), &caller.log_name(), answer.completion()).await?;
    tracing::info!(solution_id = %solution.solution_id, session_id = %solution.session_id, "solution consolidated");
    answer.respond()
}

/// The agent a session write is attributed to, with the name to show.
struct AgentRef {
    id: String,
    name: String,
}

/// Who writes: the signed-in agent, the agent a proxy names, or, when a proxy names no one,
/// the session's assignee. Only that last case reads the session first; the write that follows
/// is still conditional on that agent holding the session, so nothing can slip in between.
async fn author_of(app: &App, session_id: &str, actor: &Actor, action: Action) -> Result<AgentRef, ApiError> {
    if let Some(id) = actor.named_agent() {
        let name = actor.display_name().unwrap_or(id).to_string();
        return Ok(AgentRef { id: id.to_string(), name });
    }
    let session = app.store.get_session(session_id).await?.ok_or_else(|| ApiError::session_not_found(session_id))?;
    transition(session.agent_status, action)?;
    let id = session.assigned_agent_id.unwrap_or_else(|| DEFAULT_AGENT_ID.to_string());
    let name = session.assigned_agent_name.unwrap_or_else(|| id.clone());
    Ok(AgentRef { id, name })
}

/// GET /api/v1/agent/me — the signed-in agent, as the workbench shows it. The workbench asks
/// at sign-in, which is when an agent joins the roster (or their roles on it are refreshed):
/// the roster is who may be handed a session.
pub async fn me(app: &App, _req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    match caller {
        Principal::Agent(agent) => {
            let roles: Vec<&str> = agent.roles.iter().map(|r| r.as_str()).collect();
            if let Err(err) = app.store.enrol_agent(&agent.agent_id, &agent.name, &roles, app.now()).await {
                // Signing in must not fail on it: the entry is refreshed at the next sign-in.
                tracing::warn!(agent_id = %agent.agent_id, error = %err, "roster entry not refreshed");
            }
            ok(&WhoAmI { agent_id: &agent.agent_id, name: &agent.name, roles: &agent.roles })
        }
        Principal::Service(_) => Err(crate::auth::Denied::Forbidden("a service key is not an agent".into()).into()),
    }
}
