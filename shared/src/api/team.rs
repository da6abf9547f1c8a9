//! The team: hand-overs (release, transfer, next in queue), a session's events, an agent's
//! capacity and the metrics summary.

use crate::domain::{AgentStatus, AuditEvent, EscalationPriority, Session};
use crate::queue::QueuePolicy;
use crate::store::AgentItem;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_REASON_CHARS: usize = 1000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReleaseRequest {
    /// Why, for the card and the audit trail (≤ 1000 characters).
    pub reason: Option<String>,
    /// With a proxy key: the agent it acts for (must be the assignee); absent acts for the assignee.
    pub agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HandOverResponse {
    pub session_id: String,
    pub agent_status: AgentStatus,
    pub assigned_agent_id: Option<String>,
    pub priority: Option<EscalationPriority>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferRequest {
    /// Required: the agent who takes the session over.
    #[schema(required = true)]
    pub to_agent_id: Option<String>,
    /// For the history, the card and the audit trail (≤ 1000 characters).
    pub note: Option<String>,
    /// With a proxy key: the agent it acts for (must be the assignee); absent acts for the assignee.
    pub agent_id: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NextRequest {
    /// With a proxy key: the agent to assign (default `agent-default`); with a token, the token's.
    pub agent_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct EventsResponse {
    pub session_id: String,
    pub events: Vec<AuditEvent>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AgentView {
    pub agent_id: String,
    /// The agent's own limit, else the team's (`AGENT_MAX_SESSIONS`); `null` is no limit.
    pub max_sessions: Option<u32>,
    /// Where `max_sessions` comes from: `agent`, `team` or `none`.
    #[schema(value_type = String)]
    pub max_sessions_source: &'static str,
    pub active_sessions: i64,
}

impl AgentView {
    pub fn new(agent: AgentItem, policy: &QueuePolicy) -> Self {
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CapacityRequest {
    /// Required: 0..1000, or `null` to clear the agent's own limit (the team's applies again).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>, required = true, maximum = 1000)]
    pub max_sessions: Option<Option<serde_json::Value>>,
}

/// A field that is there (even as `null`) reads as `Some`; an absent one stays `None`.
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Option<serde_json::Value>>, D::Error> {
    Option::<serde_json::Value>::deserialize(de).map(Some)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MetricsSummary {
    pub generated_at: DateTime<Utc>,
    pub pending: i64,
    /// `{highest, high, medium, low, info}`
    #[schema(value_type = BTreeMap<String, i64>)]
    pub pending_by_priority: BTreeMap<&'static str, i64>,
    pub longest_wait_seconds: Option<i64>,
    pub assigned: i64,
    pub agents_active: usize,
    pub accepted_last_24h: i64,
    pub resolved_last_24h: i64,
    pub escalated_last_24h: i64,
    pub released_last_24h: i64,
    pub transferred_last_24h: i64,
    pub aged_last_24h: i64,
    pub auto_released_last_24h: i64,
    pub median_wait_seconds_24h: Option<f64>,
    pub median_handle_seconds_24h: Option<f64>,
    pub deflection_rate_24h: Option<f64>,
    pub faq_hit_rate_24h: Option<f64>,
    pub solutions_approved_24h: i64,
    pub solutions_rejected_24h: i64,
    /// The last 24 hours hour by hour, oldest first (the last is the current hour), for the
    /// team page's charts; from the same hourly counters as the totals above.
    pub hours: Vec<HourFigures>,
    /// How long resolved sessions were handled in the last 24 hours (accept to resolve), as
    /// counts per duration bin.
    pub handle_time_bins: Vec<DurationBin>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HourFigures {
    /// The UTC hour, `2026-07-03T10`.
    pub hour: String,
    pub escalated: i64,
    /// Customer turns the bot answered itself.
    pub bot_answered: i64,
    pub accepted: i64,
    pub resolved: i64,
    /// Sessions waiting at the end of the hour (the current hour: now), worked back from the
    /// pending count and the hour's flows in and out of the queue.
    pub queue_length: i64,
    /// The longest wait of the sessions accepted in the hour, as the upper bound of its duration
    /// bin (the counters keep a histogram, not a maximum); `null` when none was accepted.
    pub longest_wait_seconds: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DurationBin {
    /// The bin holds durations below this many seconds (and at least the previous bin's bound);
    /// `null` for the open last bin.
    pub below_seconds: Option<i64>,
    pub count: i64,
}
