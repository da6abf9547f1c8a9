//! Running a team: hand a session back to the queue or on to someone else, take the next one,
//! read a session's audit trail, see and set an agent's capacity, and the queue's figures.

use crate::api::team::{AgentView, CapacityRequest, DurationBin, EventsResponse, HandOverResponse, HourFigures, MAX_REASON_CHARS, MetricsSummary, NextRequest, ReleaseRequest, TransferRequest};
use crate::app::App;
use crate::auth::{acting_agent, check_agent_view, is_supervisor, Principal};
use crate::error::ApiError;
use crate::handlers::accepted::accepted_response;
use crate::http::{json_body, no_content, ok, optional_id, optional_text, path_id, required_id};
use crate::queue::{deflection_rate, last_24_hours, longest_of_bins, median_of_bins, queue_length_by_hour, DURATION_BINS, MAX_CAPACITY};
use crate::state_machine::{transition, Action};
use crate::store::{Assignee, HandOver};
use lambda_http::{Body, Request, Response};
use std::collections::BTreeMap;

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

/// GET /api/v1/agent/sessions/{session_id}/events — the audit trail, oldest first.
pub async fn session_events(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let (session, events) =
        app.store.session_events(&session_id).await?.ok_or_else(|| ApiError::session_not_found(&session_id))?;
    transition(session.agent_status, Action::ViewDetails)?;
    ok(&EventsResponse { session_id, events })
}

/// GET /api/v1/agents/{agent_id} — capacity and load: the agent themself or a supervisor.
pub async fn get_agent(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let agent_id = path_id(req, "agent_id", "agent")?;
    check_agent_view(caller, &agent_id)?;
    let agent = app.store.agent(&agent_id).await?;
    ok(&AgentView::new(agent, &app.config.queue))
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

/// GET /api/v1/metrics/summary — three bounded reads whatever the volume: the team partition
/// (agents and pending gauges), the last 24 hourly counters, the oldest pending session.
pub async fn metrics_summary(app: &App, _req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let now = app.now();
    let hours = last_24_hours(now);
    let (team, hourly, oldest) = tokio::join!(app.store.team(), app.store.hourly(&hours), app.store.oldest_pending());
    let (team, series, oldest) = (team?, hourly?, oldest?);
    let hourly = series.total();
    let pending_by_priority: BTreeMap<&'static str, i64> =
        team.pending_by_priority.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    let pending: i64 = pending_by_priority.values().sum();
    let oldest_first: Vec<&String> = hours.iter().rev().collect();
    let flows: Vec<(i64, i64)> = oldest_first
        .iter()
        .map(|hour| {
            let h = series.hour(hour);
            (h.get("escalated") + h.get("released") + h.get("auto_released"), h.get("accepted"))
        })
        .collect();
    let queue_lengths = queue_length_by_hour(pending, &flows);
    let hour_figures = oldest_first
        .iter()
        .zip(queue_lengths)
        .map(|(hour, queue_length)| {
            let h = series.hour(hour);
            HourFigures {
                hour: (*hour).clone(),
                escalated: h.get("escalated"),
                bot_answered: h.get("bot_answered"),
                accepted: h.get("accepted"),
                resolved: h.get("resolved"),
                queue_length,
                longest_wait_seconds: longest_of_bins(&h.bins("wait")),
            }
        })
        .collect();
    let handle_time_bins = hourly
        .bins("handle")
        .into_iter()
        .enumerate()
        .map(|(index, count)| DurationBin { below_seconds: DURATION_BINS.get(index).copied(), count })
        .collect();
    let bot_turns = hourly.get("bot_answered") + hourly.get("bot_unanswered") + hourly.get("bot_escalated");
    ok(&MetricsSummary {
        generated_at: now,
        pending,
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
        hours: hour_figures,
        handle_time_bins,
    })
}
