//! The BusinessAgent: an agent's (or, read-only, a customer's) natural-language questions about
//! orders, shipments, refunds, the account and invoices, answered from the order system with
//! personal data masked; and the three writes (cancel an order, change its address, request a
//! refund), each confirmed by a second call carrying a single-use token.
//!
//! Business failures never become an `Err`: a timeout, a 5xx, an unreadable answer or an unknown
//! order is a [`BusinessResult`] with `error` set and a reply the agent can act on.
//!
//! The handler's part:
//! - build an [`AssistContext`] from the session (`user_id`), the caller (`agent_id`), the clock,
//!   and [`mentioned_order_ids`] of the session history;
//! - call [`BusinessAgent::execute`] with the query and the `confirmation_token` of the request, if
//!   any; a confirmation is the same query sent again with the token;
//! - answer `200` with the [`AssistOutcome`] serialized (`{"result": …, "masked_fields": […]}`);
//! - when `outcome.executed` is set, record it in the session history.

mod agent;
mod backend;
mod confirm;
mod dynamo;
mod http_backend;
mod mask;
mod records;
mod understand;

#[cfg(test)]
mod tests;

pub use agent::BusinessAgent;
pub use backend::{BackendError, BackendResult, BusinessBackend, NoBusinessBackend};
pub use confirm::{
    confirmation_secret, confirmation_secret_from_env, derive_secret, Binding, ClaimOutcome, ConfirmationClaim,
    ConfirmationLedger, IssuedToken, TokenError, TokenSigner, VerifiedToken, TOKEN_TTL_SECONDS,
};
pub use dynamo::{seed, seed_dataset, DynamoBusinessBackend, DynamoConfirmationLedger, SeedError, SeedReport};
pub use http_backend::{HttpBusinessBackend, DEFAULT_RETRIES, DEFAULT_TIMEOUT};
pub use records::{Customer, Dataset, Invoice, Order, OrderLine, Refund, RefundRequest, Shipment, ShipmentEvent};
pub use understand::{understand, Lang, Scene, Understanding};

/// Masking functions, for other code that shows business data.
pub mod masking {
    pub use super::mask::{address, bank_card, email, name, national_id, phone, scrub, scrub_keeping, tax_id};
}

use crate::domain::Message;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who is asking, for which customer, and when.
#[derive(Debug, Clone)]
pub struct AssistContext {
    pub session_id: String,
    /// The agent using the workbench; a confirmation token works only for the agent it was issued to.
    pub agent_id: String,
    /// The session's customer. Every order looked up or changed must be theirs.
    pub user_id: String,
    /// Order ids mentioned in the conversation, most recent mention first: a question that names
    /// no order is about these. See [`mentioned_order_ids`].
    pub mentioned_order_ids: Vec<String>,
    pub now: DateTime<Utc>,
    /// The bot answering a customer's own questions: reads only, and an order of another
    /// customer is answered exactly like an order that does not exist.
    pub customer_facing: bool,
    /// Who the audit trail names for a confirmed write: the agent, or `key:<id>` for a proxy.
    pub actor: String,
    /// The agent's display name, for the write's line in the thread.
    pub agent_name: Option<String>,
}

/// The `result` of the business-assist response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BusinessResult {
    pub reply: String,
    /// An object, or `null` when there is nothing to show.
    pub data: Value,
    /// A stable code when the request could not be served: `order_not_found`,
    /// `order_not_owned`, `customer_not_found`, `order_id_required`, `address_required`,
    /// `not_allowed_in_status`, `refund_in_progress`, `no_eligible_order`, `write_not_allowed`,
    /// `confirmation_invalid`, `confirmation_expired`, `confirmation_replayed`,
    /// `backend_timeout`, `backend_unavailable`, `backend_invalid_response`.
    pub error: Option<String>,
    pub need_confirmation: bool,
    /// `order`, `logistics`, `refund`, `account`, `invoice`, `cancel_order`, `change_address`,
    /// `request_refund` or `unknown`.
    pub scene: String,
}

/// A write that was executed, for the session history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutedWrite {
    /// `cancel_order`, `change_address` or `request_refund`.
    pub action: String,
    pub order_id: String,
    /// What changed, in the language of the query, personal data masked.
    pub summary: String,
}

/// Serializes as the response body: `{"result": …, "masked_fields": […]}`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AssistOutcome {
    pub result: BusinessResult,
    /// Every `*_masked` key in `result.data`, in order of first appearance.
    pub masked_fields: Vec<String>,
    #[serde(skip)]
    pub executed: Option<ExecutedWrite>,
    /// A confirmation refused because the session left the confirming agent between the check
    /// and the write (transferred, released): nothing was executed, and the handler answers as
    /// it would have had the hand-over come first.
    #[serde(skip)]
    pub session_moved: Option<SessionMoved>,
}

/// How the session stood when a confirmation found it no longer the agent's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionMoved {
    pub status: Option<crate::domain::AgentStatus>,
    pub assignee: Option<String>,
}

/// Order ids of a conversation, most recent mention first, each once.
pub fn mentioned_order_ids(history: &[Message]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for message in history.iter().rev() {
        for id in understand::order_ids_in(&message.content).into_iter().rev() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}
