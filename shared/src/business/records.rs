//! Business records in the shapes of the order system (and of `infra/seed/business/dataset.json`).
//!
//! `Customer` and `Order` carry personal data, so their `Debug` prints masked values only: a
//! stray `?record` in a log line cannot leak a phone number.

use super::mask;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Order statuses a cancellation or an address change is allowed from.
pub const CANCELLABLE: [&str; 3] = ["pending_payment", "paid", "processing"];
/// The address can change only before the parcel leaves.
pub const ADDRESS_CHANGEABLE: [&str; 3] = CANCELLABLE;
/// Order statuses a refund can be requested from.
pub const REFUNDABLE: [&str; 4] = ["paid", "processing", "shipped", "delivered"];
/// Refund statuses after which a new refund may be requested for the same order.
pub const REFUND_FINISHED: [&str; 5] = ["completed", "refunded", "rejected", "cancelled", "failed"];

pub const CANCELLED: &str = "cancelled";
pub const REFUND_REQUESTED: &str = "pending";

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub user_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub national_id: String,
    #[serde(default)]
    pub bank_card: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub member_level: String,
    #[serde(default)]
    pub points: i64,
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("user_id", &self.user_id)
            .field("name", &mask::name(&self.name))
            .field("phone", &mask::phone(&self.phone))
            .field("email", &mask::email(&self.email))
            .field("national_id", &mask::national_id(&self.national_id))
            .field("bank_card", &mask::bank_card(&self.bank_card))
            .field("address", &mask::address(&self.address))
            .field("member_level", &self.member_level)
            .field("points", &self.points)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: f64,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: String,
    pub user_id: String,
    pub status: String,
    #[serde(default)]
    pub items: Vec<OrderLine>,
    #[serde(default)]
    pub total: f64,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub estimated_delivery: Option<String>,
    #[serde(default)]
    pub shipping_address: String,
    #[serde(default)]
    pub contact_phone: String,
}

impl Order {
    pub fn status_is(&self, allowed: &[&str]) -> bool {
        allowed.contains(&self.status.as_str())
    }
}

impl fmt::Debug for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Order")
            .field("order_id", &self.order_id)
            .field("user_id", &self.user_id)
            .field("status", &self.status)
            .field("items", &self.items)
            .field("total", &self.total)
            .field("currency", &self.currency)
            .field("created_at", &self.created_at)
            .field("estimated_delivery", &self.estimated_delivery)
            .field("shipping_address", &mask::address(&self.shipping_address))
            .field("contact_phone", &mask::phone(&self.contact_phone))
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentEvent {
    pub time: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    pub order_id: String,
    #[serde(default)]
    pub carrier: String,
    #[serde(default)]
    pub tracking_number: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub events: Vec<ShipmentEvent>,
}

impl Shipment {
    /// Events are not guaranteed to arrive sorted; the latest is the one with the greatest time.
    pub fn latest_event(&self) -> Option<&ShipmentEvent> {
        self.events.iter().max_by(|a, b| a.time.cmp(&b.time))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    pub refund_id: String,
    pub order_id: String,
    pub status: String,
    #[serde(default)]
    pub amount: f64,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub requested_at: String,
    #[serde(default)]
    pub completed_at: Option<String>,
}

impl Refund {
    pub fn is_open(&self) -> bool {
        !REFUND_FINISHED.contains(&self.status.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub invoice_id: String,
    pub order_id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub tax_id: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub issued_at: Option<String>,
}

/// What a refund request asks the order system for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Chosen by the caller so that a retried request cannot create a second refund.
    pub refund_id: String,
    pub amount: f64,
    pub reason: String,
    pub requested_at: String,
}

/// The whole demo dataset, as `infra/seed/business/dataset.json` holds it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Dataset {
    #[serde(default)]
    pub customers: Vec<Customer>,
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(default)]
    pub shipments: Vec<Shipment>,
    #[serde(default)]
    pub refunds: Vec<Refund>,
    #[serde(default)]
    pub invoices: Vec<Invoice>,
}
