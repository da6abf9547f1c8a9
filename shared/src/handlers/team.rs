//! Running a team: hand a session back to the queue or on to someone else, take the next one,
//! read a session's audit trail, see and set an agent's capacity, and the queue's figures.

use crate::app::App;
use crate::auth::{acting_agent, check_agent_view, is_supervisor, Principal};
use crate::domain::{AgentStatus, AuditEvent, EscalationPriority, Session};
use crate::error::ApiError;
use crate::handlers::agent::accepted_response;
use crate::http::{json_body, no_content, ok, optional_id, optional_text, path_id, required_id};
use crate::queue::{deflection_rate, last_24_hours, median_of_bins, QueuePolicy, MAX_CAPACITY};
use crate::state_machine::{transition, Action};
use crate::store::{AgentItem, Assignee, HandOver};
use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_REASON_CHARS: usize = 1000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReleaseRequest {
    /// Why, for the card and the audit trail (≤ 1000 characters).
    reason: Option<String>,
    /// With a proxy key: the agent it acts for (must be the assignee); absent acts for the assignee.
    agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HandOverResponse {
    session_id: String,
    agent_status: AgentStatus,
    assigned_agent_id: Option<String>,
    priority: Option<EscalationPriority>,
    escalated_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl From<Session> for HandOverResponse {
    fn from(session: Session) -> Self {
        HandOverResponse {
            session_id: session.session_id,
            agent_status: session.agent_status,
            assigned_agent_id: session.assigned_agent_id,
            priority: session.priority,
            escalated_at: session.escalated_at,
            updated_at: session.updated_at,
        }
    }
}

/// POST /api/v1/agent/sessions/{session_id}/release — the assignee (or a supervisor) hands the
/// session back to the queue, in its original place; the card notes it.
pub async fn release_session(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: ReleaseRequest = json_body(req, true)?;
    let reason = optional_text("reason", body.reason, MAX_REASON_CHARS)?;
    let actor = acting_agent(caller, optional_id("agent_id", body.agent_id)?.as_deref())?;
    let log_name = caller.log_name();
    let by = HandOver { actor: &log_name, named_agent: actor.named_agent(), supervisor: is_supervisor(caller) };
    let session = app.store.release(&session_id, reason.as_deref(), by, app.now()).await?;
    crate::metrics::Emf::new().count("SessionsReleased", 1).emit(app.now());
    tracing::info!(session_id = %session_id, by = %caller.log_name(), "session released to the queue");
    ok(&HandOverResponse::from(session))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferRequest {
    /// Required: the agent who takes the session over.
    #[schema(required = true)]
    to_agent_id: Option<String>,
    /// For the history, the card and the audit trail (≤ 1000 characters).
    note: Option<String>,
    /// With a proxy key: the agent it acts for (must be the assignee); absent acts for the assignee.
    agent_id: Option<String>,
}

/// POST /api/v1/agent/sessions/{session_id}/transfer — the assignee (or a supervisor) hands the
/// session to another agent, within that agent's capacity.
pub async fn transfer_session(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: TransferRequest = json_body(req, false)?;
    let to_agent = required_id("to_agent_id", body.to_agent_id)?;
    let note = optional_text("note", body.note, MAX_REASON_CHARS)?;
    let actor = acting_agent(caller, optional_id("agent_id", body.agent_id)?.as_deref())?;
    let log_name = caller.log_name();
    let by = HandOver { actor: &log_name, named_agent: actor.named_agent(), supervisor: is_supervisor(caller) };
    let session =
        app.store.transfer(&session_id, &to_agent, note.as_deref(), by, &app.config.queue, app.now()).await?;
    crate::metrics::Emf::new().count("SessionsTransferred", 1).emit(app.now());
    tracing::info!(session_id = %session_id, to_agent = %to_agent, by = %caller.log_name(), "session transferred");
    ok(&HandOverResponse::from(session))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NextRequest {
    /// With a proxy key: the agent to assign (default `agent-default`); with a token, the token's.
    agent_id: Option<String>,
}

/// POST /api/v1/agent/sessions/next — claim the highest-priority, longest-waiting session for
/// the caller, within capacity: the accept's answer, or 204 when the queue is empty.
pub async fn next_session(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let body: NextRequest = json_body(req, true)?;
    let actor = acting_agent(caller, optional_id("agent_id", body.agent_id)?.as_deref())?;
    let assignee = Assignee { id: actor.assignee_on_accept(), name: actor.display_name() };
    let now = app.now();
    let Some(session_id) = app.store.accept_next(assignee, &caller.log_name(), &app.config.queue, now).await? else {
        return no_content();
    };
    let (session, history) =
        app.store.session_with_history(&session_id).await?.ok_or_else(|| ApiError::session_not_found(&session_id))?;
    accepted_response(app, session, history, now).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct EventsResponse {
    session_id: String,
    events: Vec<AuditEvent>,
}

/// GET /api/v1/agent/sessions/{session_id}/events — the audit trail, oldest first.
pub async fn session_events(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let (session, events) =
        app.store.session_events(&session_id).await?.ok_or_else(|| ApiError::session_not_found(&session_id))?;
    transition(session.agent_status, Action::ViewDetails)?;
    ok(&EventsResponse { session_id, events })
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AgentView {
    agent_id: String,
    /// The agent's own limit, else the team's (`AGENT_MAX_SESSIONS`); `null` is no limit.
    max_sessions: Option<u32>,
    /// Where `max_sessions` comes from: `agent`, `team` or `none`.
    #[schema(value_type = String)]
    max_sessions_source: &'static str,
    active_sessions: i64,
}

impl AgentView {
    fn new(agent: AgentItem, policy: &QueuePolicy) -> Self {
        let source = match (agent.max_sessions, policy.team_max_sessions) {
            (Some(_), _) => "agent",
            (None, Some(_)) => "team",
            (None, None) => "none",
        };
        AgentView {
            max_sessions: policy.capacity(agent.max_sessions),
            max_sessions_source: source,
            active_sessions: agent.active_sessions.max(0),
            agent_id: agent.agent_id,
        }
    }
}

/// GET /api/v1/agents/{agent_id} — capacity and load: the agent themself or a supervisor.
pub async fn get_agent(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let agent_id = path_id(req, "agent_id", "agent")?;
    check_agent_view(caller, &agent_id)?;
    let agent = app.store.agent(&agent_id).await?;
    ok(&AgentView::new(agent, &app.config.queue))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CapacityRequest {
    /// Required: 0..1000, or `null` to clear the agent's own limit (the team's applies again).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>, required = true, maximum = 1000)]
    max_sessions: Option<Option<serde_json::Value>>,
}

/// A field that is there (even as `null`) reads as `Some`; an absent one stays `None`.
fn present<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Option<serde_json::Value>>, D::Error> {
    Option::<serde_json::Value>::deserialize(de).map(Some)
}

/// PUT /api/v1/agents/{agent_id}/capacity — `{max_sessions}`: supervisors (or an admin key).
pub async fn set_capacity(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let agent_id = path_id(req, "agent_id", "agent")?;
    let body: CapacityRequest = json_body(req, false)?;
    let max = match body.max_sessions {
        None => return Err(ApiError::invalid_field("missing field `max_sessions`")),
        Some(None) => None,
        Some(Some(value)) => {
            let n = value.as_i64().filter(|_| value.is_i64() || value.is_u64()).ok_or_else(|| {
                ApiError::invalid_field("`max_sessions` must be an integer, or null to clear the agent's own limit")
            })?;
            if !(0..=i64::from(MAX_CAPACITY)).contains(&n) {
                return Err(ApiError::out_of_range(format!("`max_sessions` must be between 0 and {MAX_CAPACITY}")));
            }
            Some(n as u32)
        }
    };
    let agent = app.store.set_capacity(&agent_id, max, app.now()).await?;
    tracing::info!(agent_id = %agent_id, max_sessions = ?max, "capacity set");
    ok(&AgentView::new(agent, &app.config.queue))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MetricsSummary {
    generated_at: DateTime<Utc>,
    pending: i64,
    /// `{highest, high, medium, low, info}`
    #[schema(value_type = BTreeMap<String, i64>)]
    pending_by_priority: BTreeMap<&'static str, i64>,
    longest_wait_seconds: Option<i64>,
    assigned: i64,
    agents_active: usize,
    accepted_last_24h: i64,
    resolved_last_24h: i64,
    escalated_last_24h: i64,
    released_last_24h: i64,
    transferred_last_24h: i64,
    aged_last_24h: i64,
    auto_released_last_24h: i64,
    median_wait_seconds_24h: Option<f64>,
    median_handle_seconds_24h: Option<f64>,
    deflection_rate_24h: Option<f64>,
    faq_hit_rate_24h: Option<f64>,
    solutions_approved_24h: i64,
    solutions_rejected_24h: i64,
}

/// GET /api/v1/metrics/summary — three bounded reads whatever the volume: the team partition
/// (agents and pending gauges), the last 24 hourly counters, the oldest pending session.
pub async fn metrics_summary(app: &App, _req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let now = app.now();
    let hours = last_24_hours(now);
    let (team, hourly, oldest) = tokio::join!(app.store.team(), app.store.hourly(&hours), app.store.oldest_pending());
    let (team, hourly, oldest) = (team?, hourly?, oldest?);
    let pending_by_priority: BTreeMap<&'static str, i64> =
        team.pending_by_priority.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    let bot_turns = hourly.get("bot_answered") + hourly.get("bot_unanswered") + hourly.get("bot_escalated");
    ok(&MetricsSummary {
        generated_at: now,
        pending: pending_by_priority.values().sum(),
        pending_by_priority,
        longest_wait_seconds: oldest.map(|at| (now - at).num_seconds().max(0)),
        assigned: team.agents.iter().map(|a| a.active_sessions.max(0)).sum(),
        agents_active: team.agents.iter().filter(|a| a.active_sessions > 0).count(),
        accepted_last_24h: hourly.get("accepted"),
        resolved_last_24h: hourly.get("resolved"),
        escalated_last_24h: hourly.get("escalated"),
        released_last_24h: hourly.get("released"),
        transferred_last_24h: hourly.get("transferred"),
        aged_last_24h: hourly.get("aged"),
        auto_released_last_24h: hourly.get("auto_released"),
        median_wait_seconds_24h: median_of_bins(&hourly.bins("wait")),
        median_handle_seconds_24h: median_of_bins(&hourly.bins("handle")),
        deflection_rate_24h: deflection_rate(hourly.get("bot_answered"), hourly.get("bot_escalated")),
        faq_hit_rate_24h: (bot_turns > 0).then(|| hourly.get("faq_hits") as f64 / bot_turns as f64),
        solutions_approved_24h: hourly.get("solutions_approved"),
        solutions_rejected_24h: hourly.get("solutions_rejected"),
    })
}
