//! What more than one route answers: the escalation card an agent sees (stored, or rebuilt and
//! written back), and the answer to an accept, by id or the next in queue.

use crate::api::agent::{AcceptResponse, CardView, HistoryEntry};
use crate::app::App;
use crate::domain::{EscalationCard, Message, Session};
use crate::error::ApiError;
use crate::escalation::build_card;
use crate::http::ok;
use crate::metrics::Emf;
use chrono::{DateTime, Utc};
use lambda_http::{Body, Response};

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
