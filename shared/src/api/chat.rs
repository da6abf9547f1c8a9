//! The bot's front door: a customer's chat turn and the bot's answer, and the customer's side
//! of the thread.

use crate::domain::AgentStatus;
use crate::thread::ThreadMessage;
use serde::{Deserialize, Serialize};

pub const MAX_CUSTOMER_MESSAGE_CHARS: usize = 2000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChatRequest {
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub session_id: Option<String>,
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub user_id: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    pub message: Option<String>,
    #[schema(value_type = Option<crate::domain::MemberLevel>)]
    pub member_level: Option<String>,
    #[serde(default)]
    pub escalate_to_human: bool,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct ChatResponse {
    pub session_id: String,
    /// `null` while an agent is handling the session: the bot stays silent.
    pub reply: Option<String>,
    pub intent: String,
    pub escalate_to_human: bool,
    pub agent_status: AgentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::domain::EscalationPriority>)]
    pub priority: Option<&'static str>,
    pub sources: Vec<String>,
    /// What became visible to the customer since their previous turn, oldest first: the agents'
    /// messages and the notices in between, then this turn's own messages (the customer's and
    /// the bot's reply). The thread read (`GET /api/v1/chat/sessions/{session_id}/messages`)
    /// is the whole of it.
    pub messages: Vec<ThreadMessage>,
    /// While the session is `pending` or `assigned`: a short-lived token bound to this session,
    /// for the customer socket (`wss://…?customer_token=`). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_token: Option<String>,
}

/// `POST /api/v1/chat/sessions/{session_id}/token`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerTokenRequest {
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub user_id: Option<String>,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct CustomerTokenResponse {
    pub session_id: String,
    /// Opens the customer socket of this session only (`?customer_token=`), until `expires_at`.
    pub customer_token: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// `GET /api/v1/chat/sessions/{session_id}/messages`: a page of the customer-visible thread.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct ThreadResponse {
    pub session_id: String,
    pub agent_status: AgentStatus,
    /// Oldest first.
    pub messages: Vec<ThreadMessage>,
    /// Pass as `after` for the next page; at the end of the thread, it reads what is written
    /// after this page (a channel polls with it).
    pub next_cursor: String,
    /// More lines are there now: read again with `next_cursor` at once.
    pub has_more: bool,
}
