//! The order system behind the business agent: reads and conditional writes, over DynamoDB
//! ([`super::DynamoBusinessBackend`]) or a real order system's HTTP API
//! ([`super::HttpBusinessBackend`]).

use super::records::{Customer, Invoice, Order, Refund, RefundRequest, Shipment};
use futures::future::BoxFuture;

/// Why a backend call failed. None of these becomes a 5xx: the agent turns each into a
/// `result.error` with a reply the agent can act on.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// A write addressed an order that does not exist or is not this customer's. (Reads answer
    /// `Ok(None)` instead.)
    #[error("order {0} not found")]
    OrderNotFound(String),
    /// A conditional write found the order in a status that does not allow it.
    #[error("order {order_id} is {status}")]
    NotAllowed { order_id: String, status: String },
    /// A refund for the order is still open.
    #[error("order {0} already has an open refund")]
    RefundInProgress(String),
    #[error("the order system did not answer in time")]
    Timeout,
    /// Connection refused or reset, a 5xx, DynamoDB throttling or an outage.
    #[error("the order system is unavailable: {0}")]
    Unavailable(String),
    /// An answer that could not be read (garbage JSON, a stored item of the wrong shape).
    #[error("the order system answered something unreadable: {0}")]
    InvalidResponse(String),
}

impl BackendError {
    /// The stable code placed in `result.error`.
    pub fn code(&self) -> &'static str {
        match self {
            BackendError::OrderNotFound(_) => "order_not_found",
            BackendError::NotAllowed { .. } => "not_allowed_in_status",
            BackendError::RefundInProgress(_) => "refund_in_progress",
            BackendError::Timeout => "backend_timeout",
            BackendError::Unavailable(_) => "backend_unavailable",
            BackendError::InvalidResponse(_) => "backend_invalid_response",
        }
    }
}

pub type BackendResult<'a, T> = BoxFuture<'a, Result<T, BackendError>>;

/// Reads answer `Ok(None)` / an empty list for what does not exist. Writes are conditional:
/// each names the customer it acts for and fails with `OrderNotFound` for an order that is not
/// theirs, and with `NotAllowed` when the order's status forbids it.
pub trait BusinessBackend: Send + Sync {
    fn customer<'a>(&'a self, user_id: &'a str) -> BackendResult<'a, Option<Customer>>;
    fn order<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Option<Order>>;
    /// The customer's orders, newest first.
    fn orders_of<'a>(&'a self, user_id: &'a str) -> BackendResult<'a, Vec<Order>>;
    fn shipment<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Option<Shipment>>;
    fn refunds<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Vec<Refund>>;
    fn invoices<'a>(&'a self, order_id: &'a str) -> BackendResult<'a, Vec<Invoice>>;

    /// Only from `pending_payment`, `paid` or `processing`. Returns the order as it is now.
    fn cancel_order<'a>(&'a self, user_id: &'a str, order_id: &'a str) -> BackendResult<'a, Order>;
    /// Only before the order ships. Returns the order as it is now.
    fn change_address<'a>(&'a self, user_id: &'a str, order_id: &'a str, address: &'a str) -> BackendResult<'a, Order>;
    /// Only from a paid order without an open refund. Returns the new refund.
    fn request_refund<'a>(
        &'a self,
        user_id: &'a str,
        order_id: &'a str,
        request: &'a RefundRequest,
    ) -> BackendResult<'a, Refund>;
}

/// The business backend of a function that calls none (see `App::wired`): links no order
/// system and no business data access, and answers `backend_unavailable` if ever asked.
pub struct NoBusinessBackend;

/// The answer of every call to [`NoBusinessBackend`], as a backend or as a confirmation ledger.
pub(super) fn none<'a, T: Send + 'a>() -> BackendResult<'a, T> {
    Box::pin(async { Err(BackendError::Unavailable("this function has no business backend".into())) })
}

impl BusinessBackend for NoBusinessBackend {
    fn customer<'a>(&'a self, _: &'a str) -> BackendResult<'a, Option<Customer>> {
        none()
    }
    fn order<'a>(&'a self, _: &'a str) -> BackendResult<'a, Option<Order>> {
        none()
    }
    fn orders_of<'a>(&'a self, _: &'a str) -> BackendResult<'a, Vec<Order>> {
        none()
    }
    fn shipment<'a>(&'a self, _: &'a str) -> BackendResult<'a, Option<Shipment>> {
        none()
    }
    fn refunds<'a>(&'a self, _: &'a str) -> BackendResult<'a, Vec<Refund>> {
        none()
    }
    fn invoices<'a>(&'a self, _: &'a str) -> BackendResult<'a, Vec<Invoice>> {
        none()
    }
    fn cancel_order<'a>(&'a self, _: &'a str, _: &'a str) -> BackendResult<'a, Order> {
        none()
    }
    fn change_address<'a>(&'a self, _: &'a str, _: &'a str, _: &'a str) -> BackendResult<'a, Order> {
        none()
    }
    fn request_refund<'a>(&'a self, _: &'a str, _: &'a str, _: &'a RefundRequest) -> BackendResult<'a, Refund> {
        none()
    }
}
