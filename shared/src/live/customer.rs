//! The customer socket: the same WebSocket API as the agents' (one `$connect`, one fan-out, one
//! stream), with a customer audience and a topic per session.
//!
//! A customer connects with `?customer_token=` (a token bound to one session, see
//! [`crate::auth::customer`]); the socket is recorded on that session's topic only. What it
//! receives are the session's outbound events as the customer reads the thread
//! ([`super::outbound::outbound_from_change_for`] with [`Audience::Customer`]): the customer's own
//! words, the bot's, each agent's under the display name, the notices and the status changes,
//! never anything else, and never another session's. The frames are the webhook's bodies, so a
//! channel that reads one reads the other.

use super::outbound::OutboundEvent;
use super::{FanOutReport, PostError, Poster};
use crate::auth::customer::{is_customer_token, verify_customer_token, CustomerClaims};
use crate::auth::Unauthenticated;
use crate::error::{ApiError, StoreError};
use crate::store::{CustomerConnection, Store};
use chrono::{DateTime, Utc};

/// The query parameter a customer's socket carries its token in (an agent's is `token`).
pub const CUSTOMER_TOKEN_PARAM: &str = "customer_token";

/// Who may hold a customer socket: the bearer of a valid customer token, for its session. An
/// agent's JWT here is refused (it is not a customer token), as a customer token is refused as
/// `token` (it is not a JWT).
pub fn admit_customer_socket(key: &[u8], token: &str, now: DateTime<Utc>) -> Result<CustomerClaims, ApiError> {
    if token.trim().is_empty() {
        return Err(ApiError::Unauthorized(Unauthenticated::Missing));
    }
    if !is_customer_token(token) {
        return Err(ApiError::Unauthorized(Unauthenticated::MalformedToken(
            "a customer socket takes a customer token (the chat answer's `customer_token`), not an agent's".into(),
        )));
    }
    verify_customer_token(key, token, now.timestamp()).map_err(ApiError::Unauthorized)
}

/// The socket record of an admitted customer.
pub fn customer_connection(connection_id: &str, claims: &CustomerClaims) -> CustomerConnection {
    CustomerConnection {
        connection_id: connection_id.to_string(),
        session_id: claims.sid.clone(),
        user_id: claims.uid.clone(),
        token_expires_at: claims.exp,
    }
}

/// Post each session's events, in order, to the customer sockets on that session's topic (one
/// Query per session with events); close and forget sockets whose token expired, forget the
/// ones that are gone. Fails only when a topic cannot be read.
pub async fn fan_out_to_customers(
    store: &Store,
    poster: &dyn Poster,
    events: &[OutboundEvent],
    now: DateTime<Utc>,
) -> Result<FanOutReport, StoreError> {
    let mut report = FanOutReport { events: events.len(), ..Default::default() };
    let mut sessions: Vec<&str> = Vec::new();
    for event in events {
        if !sessions.contains(&event.session_id.as_str()) {
            sessions.push(&event.session_id);
        }
    }
    let topics = futures::future::join_all(sessions.iter().map(|id| store.session_customer_connections(id))).await;
    for (session_id, connections) in sessions.iter().zip(topics) {
        let connections = connections?;
        if connections.is_empty() {
            continue;
        }
        let frames: Vec<String> = events.iter().filter(|e| e.session_id == *session_id).map(OutboundEvent::to_body).collect();
        report.connections += connections.len();
        for connection in connections {
            if connection.token_expired(now) {
                report.expired += 1;
                let _ = poster.close(&connection.connection_id).await;
                if let Err(err) = store.delete_customer_connection(&connection.connection_id).await {
                    tracing::warn!(error = %err, connection = %connection.connection_id, "could not forget an expired customer socket");
                }
                continue;
            }
            for frame in &frames {
                match poster.post(&connection.connection_id, frame).await {
                    Ok(()) => report.delivered += 1,
                    Err(PostError::Gone) => {
                        report.gone += 1;
                        if let Err(err) = store.delete_customer_connection(&connection.connection_id).await {
                            tracing::warn!(error = %err, connection = %connection.connection_id, "could not forget a closed customer socket");
                        }
                        break;
                    }
                    Err(PostError::Failed(why)) => {
                        report.failed += 1;
                        tracing::warn!(error = %why, connection = %connection.connection_id, "a customer event was not delivered");
                    }
                }
            }
        }
    }
    Ok(report)
}

/// What a customer sends on the socket: `{"action":"message","message":"…","escalate_to_human":false}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerFrame {
    pub action: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub escalate_to_human: bool,
    /// Echoed in the answer, so a client can match its turn to the answer.
    #[serde(default)]
    pub client_id: Option<String>,
}

/// The frame that answers a customer's `message`: the chat answer, or the API's error body.
pub fn answer_frame(client_id: Option<&str>, answer: Result<serde_json::Value, ApiError>) -> String {
    let frame = match answer {
        Ok(body) => serde_json::json!({"type": "chat.answer", "client_id": client_id, "answer": body}),
        Err(err) => {
            if let ApiError::Internal(source) = &err {
                tracing::error!(error = %source, "a customer's socket turn failed");
            }
            serde_json::json!({"type": "error", "client_id": client_id, "status": err.status().as_u16(), "body": err.body()})
        }
    };
    frame.to_string()
}
