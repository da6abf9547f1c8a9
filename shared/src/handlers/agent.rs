//! The agent-side endpoints 1, 2, 3, 4, 7 and 8 of the workbench API.

use crate::app::App;
use crate::auth::{acting_agent, Actor, Principal};
use crate::domain::{
    new_id, AgentStatus, Author, CardNote, EscalationCard, EscalationPriority, EventKind, Message, ReviewStatus, Role,
    Session, Solution,
};
use crate::error::ApiError;
use crate::escalation::build_card;
use crate::http::{json_body, ok, optional_id, optional_text, path_id, query_param, required_text};
use crate::idempotency::Answer;
use crate::intent;
use crate::metrics::Emf;
use crate::queue::{QueuePolicy, SlaFigures};
use crate::state_machine::{transition, Action};
use crate::store::{Assignee, PendingItem};
use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};

pub use crate::auth::policy::DEFAULT_AGENT_ID;
pub const DEFAULT_PAGE_SIZE: i32 = 50;
pub const MAX_PAGE_SIZE: i32 = 100;
pub const MAX_MESSAGE_CHARS: usize = 4000;
pub const MAX_NOTE_CHARS: usize = 2000;
pub const MAX_QUESTION_CHARS: usize = 1000;
pub const MAX_SOLUTION_CHARS: usize = 4000;
/// The response header that carries the cursor of the next page; the body stays the plain
/// array the workbench expects.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingSummary {
    pub session_id: String,
    pub user_id: String,
    #[schema(value_type = EscalationPriority)]
    pub priority: String,
    pub escalate_reason: Option<String>,
    pub turn_count: u32,
    pub created_at: DateTime<Utc>,
    pub agent_status: AgentStatus,
    pub assigned_agent_id: Option<String>,
    /// The queue is ordered by priority, then by this.
    pub escalated_at: Option<DateTime<Utc>>,
    /// Seconds since escalation.
    pub waiting_seconds: Option<i64>,
    /// Escalation plus the first-response target of the priority; `null` when it has none.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// Past `sla_due_at`.
    pub sla_breached: bool,
}

impl PendingSummary {
    pub fn new(item: PendingItem, policy: &QueuePolicy, now: DateTime<Utc>) -> Self {
        let priority = item.priority.unwrap_or(EscalationPriority::Medium);
        let sla = item.escalated_at.map(|at| policy.sla(priority, at, None, now));
        PendingSummary {
            waiting_seconds: sla.map(|s| s.waiting_seconds),
            sla_due_at: sla.and_then(|s| s.sla_due_at),
            sla_breached: sla.is_some_and(|s| s.sla_breached),
            escalated_at: item.escalated_at,
            session_id: item.session_id,
            user_id: item.user_id,
            priority: priority.as_str().to_string(),
            escalate_reason: item.escalate_reason,
            turn_count: item.turn_count,
            created_at: item.created_at,
            agent_status: item.agent_status,
            assigned_agent_id: item.assigned_agent_id,
        }
    }
}

/// A page size from the query string: absent is the default, non-numeric a 400, out of range a 422.
pub fn page_size(req: &Request) -> Result<i32, ApiError> {
    match query_param(req, "limit") {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(raw) => {
            let limit: i64 = raw.trim().parse().map_err(|_| ApiError::invalid_field("`limit` must be an integer"))?;
            if (1..=i64::from(MAX_PAGE_SIZE)).contains(&limit) {
                Ok(limit as i32)
            } else {
                Err(ApiError::out_of_range(format!("`limit` must be between 1 and {MAX_PAGE_SIZE}")))
            }
        }
    }
}

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

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub message_id: String,
    pub role: Role,
    pub author: Author,
    pub content: String,
    pub timestamp: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
}

impl From<Message> for HistoryEntry {
    fn from(m: Message) -> Self {
        HistoryEntry {
            message_id: m.message_id,
            role: m.role,
            author: m.author,
            content: m.content,
            timestamp: m.timestamp,
            agent_id: m.agent_id,
            agent_name: m.agent_name,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SessionDetails {
    session_id: String,
    user_id: String,
    #[schema(value_type = crate::domain::MemberLevel)]
    member_level: &'static str,
    agent_status: AgentStatus,
    assigned_agent_id: Option<String>,
    assigned_agent_name: Option<String>,
    turn_count: u32,
    #[schema(value_type = Option<EscalationPriority>)]
    priority: Option<&'static str>,
    escalate_reason: Option<String>,
    created_at: DateTime<Utc>,
    escalated_at: Option<DateTime<Utc>>,
    accepted_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    resolve_note: Option<String>,
    first_response_at: Option<DateTime<Utc>>,
    /// Seconds from escalation until the first agent response (or now, while there is none).
    waiting_seconds: Option<i64>,
    /// Escalation plus the first-response target of the priority.
    sla_due_at: Option<DateTime<Utc>>,
    /// The first response came (or is still coming) after `sla_due_at`.
    sla_breached: bool,
    escalation_card: CardView,
    history: Vec<HistoryEntry>,
}

/// The card as agents see it: what the bot gathered at escalation, and the hand-overs since.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CardView {
    #[serde(flatten)]
    pub card: EscalationCard,
    pub notes: Vec<CardNote>,
}

impl CardView {
    pub fn new(card: EscalationCard, session: &Session) -> Self {
        CardView { card, notes: session.card_notes.clone() }
    }
}

/// The details' SLA figures: the first response stops the clock; so does a resolution without one.
pub fn sla_of(session: &Session, policy: &QueuePolicy, now: DateTime<Utc>) -> Option<SlaFigures> {
    let escalated_at = session.escalated_at?;
    let priority = session.priority.unwrap_or(EscalationPriority::Medium);
    Some(policy.sla(priority, escalated_at, session.first_response_at.or(session.resolved_at), now))
}

/// The stored card, or one rebuilt from the session and written back for the next reader.
pub(crate) async fn card_of(app: &App, session: &Session, history: &[Message]) -> Result<EscalationCard, ApiError> {
    if let Some(card) = &session.escalation_card {
        return Ok(card.clone());
    }
    // The escalation itself was counted on the user; the card shows the earlier ones.
    let earlier = app.store.user_ticket_count(&session.user_id).await?.saturating_sub(1);
    let card = build_card(session, history, earlier);
    app.store.write_back_card(&session.session_id, &card).await?;
    Ok(card)
}

/// 2. GET /api/v1/agent/sessions/{session_id}
pub async fn session_details(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let (session, history) =
        app.store.session_with_history(&session_id).await?.ok_or_else(|| ApiError::session_not_found(&session_id))?;
    transition(session.agent_status, Action::ViewDetails)?;
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AcceptRequest {
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AcceptResponse {
    session_id: String,
    agent_status: AgentStatus,
    assigned_agent_id: Option<String>,
    turn_count: u32,
    escalation_card: CardView,
    history: Vec<HistoryEntry>,
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

/// The answer to an accept (by id, or the next in queue), with the accept's figures recorded.
pub(crate) async fn accepted_response(
    app: &App,
    session: Session,
    history: Vec<Message>,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiError> {
    tracing::info!(session_id = %session.session_id, agent_id = ?session.assigned_agent_id, "session accepted");
    let escalated_at = session.escalated_at.unwrap_or(now);
    Emf::new()
        .seconds("QueueWaitSeconds", (now - session.queued_at.unwrap_or(escalated_at)).num_seconds())
        .seconds("TimeToAcceptSeconds", (now - escalated_at).num_seconds())
        .property("priority", session.priority.map(|p| p.as_str()).unwrap_or("medium"))
        .property("session_id", session.session_id.as_str())
        .emit(now);
    let card = card_of(app, &session, &history).await?;
    let escalation_card = CardView::new(card, &session);
    ok(&AcceptResponse {
        session_id: session.session_id,
        agent_status: session.agent_status,
        assigned_agent_id: session.assigned_agent_id,
        turn_count: session.turn_count,
        escalation_card,
        history: history.into_iter().map(HistoryEntry::from).collect(),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendMessageRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4000)]
    content: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SendMessageResponse {
    message_id: String,
    timestamp: DateTime<Utc>,
    role: Role,
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResolveRequest {
    #[schema(max_length = 2000)]
    note: Option<String>,
    /// With a proxy key: the agent it acts for (must be the assignee); absent acts for the assignee.
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ResolveResponse {
    session_id: String,
    agent_status: AgentStatus,
    resolved_at: Option<DateTime<Utc>>,
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SolutionRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 1000)]
    question: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4000)]
    solution: Option<String>,
    #[schema(pattern = r"^[a-z0-9_]{1,64}$")]
    intent: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SolutionView {
    pub solution_id: String,
    pub session_id: String,
    pub question: String,
    pub solution: String,
    pub intent: String,
    pub status: ReviewStatus,
}

impl From<&Solution> for SolutionView {
    fn from(s: &Solution) -> Self {
        SolutionView {
            solution_id: s.solution_id.clone(),
            session_id: s.session_id.clone(),
            question: s.question.clone(),
            solution: s.solution.clone(),
            intent: s.intent.clone(),
            status: s.status,
        }
    }
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

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct WhoAmI<'a> {
    agent_id: &'a str,
    name: &'a str,
    #[schema(value_type = Vec<crate::openapi::AgentRole>)]
    roles: &'a [crate::auth::Role],
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
