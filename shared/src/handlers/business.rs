//! 6. POST /api/v1/agent/sessions/{session_id}/business-assist — business lookups and confirmed
//!    writes for the agent, with personal data masked. Business failures are a 200 with
//!    `result.error`; only request errors (bad JSON, unknown session, wrong state) are 4xx.

use crate::api::business::{AssistRequest, MAX_QUERY_CHARS};
use crate::app::App;
use crate::auth::{acting_agent, check_session, Denied, Operation, Principal, SessionRefusal};
use crate::business::{mentioned_order_ids, AssistContext};
use crate::domain::AgentStatus;
use crate::error::ApiError;
use crate::auth::policy::DEFAULT_AGENT_ID;
use crate::http::{json_body, ok, optional_id, path_id, required_text};
use lambda_http::{Body, Request, Response};

pub async fn business_assist(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: AssistRequest = json_body(req, false)?;
    let query = required_text("query", body.query, MAX_QUERY_CHARS)?;
    // The token is checked exactly as issued, so it is not trimmed like text.
    let token = match body.confirmation_token {
        Some(t) if t.chars().count() > 2048 => {
            return Err(ApiError::out_of_range("`confirmation_token` is longer than 2048 characters"))
        }
        Some(t) if crate::http::is_blank(&t) => None,
        other => other,
    };
    let actor = acting_agent(caller, optional_id("agent_id", body.agent_id)?.as_deref())?;
    let (session, history) =
        app.store.session_with_history(&session_id).await?.ok_or_else(|| ApiError::session_not_found(&session_id))?;
    // Only the assignee; the record of a confirmed write is conditional on it again.
    let holder = session.assigned_agent_id.as_deref();
    check_session(&actor, Operation::BusinessAssist, session.agent_status, holder).map_err(|refusal| match refusal {
        SessionRefusal::State(rejected) => ApiError::InvalidState(rejected, None),
        SessionRefusal::Denied(denied) => ApiError::Forbidden(denied),
    })?;
    let agent_id = actor.named_agent().or(holder).unwrap_or(DEFAULT_AGENT_ID).to_string();
    let agent_name = actor.display_name().map(str::to_string).or(session.assigned_agent_name.clone());
    let now = app.now();
    let context = AssistContext {
        session_id: session_id.clone(),
        agent_id: agent_id.clone(),
        user_id: session.user_id.clone(),
        mentioned_order_ids: mentioned_order_ids(&history),
        now,
        customer_facing: false,
        actor: caller.log_name(),
        agent_name,
    };
    let outcome = app.business.execute(&context, &query, token.as_deref()).await;
    if let Some(moved) = &outcome.session_moved {
        // The hand-over won the race: answer as if it had come first. Nothing was executed.
        let status = moved.status.unwrap_or(AgentStatus::Assigned);
        check_session(&actor, Operation::BusinessAssist, status, moved.assignee.as_deref()).map_err(|refusal| {
            match refusal {
                SessionRefusal::State(rejected) => ApiError::InvalidState(rejected, None),
                SessionRefusal::Denied(denied) => ApiError::Forbidden(denied),
            }
        })?;
        return Err(ApiError::Forbidden(Denied::NotAssignee { assignee: moved.assignee.clone() }));
    }
    if let Some(executed) = &outcome.executed {
        // Recorded in the thread and the audit trail before it ran (see `ConfirmationLedger`).
        tracing::info!(session_id = %session_id, action = %executed.action, order_id = %executed.order_id, "business write executed");
    }
    ok(&outcome)
}
