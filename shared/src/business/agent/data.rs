//! The data an answer shows: the customer, orders, shipments, refunds and invoices as JSON, with
//! every personal field masked (`*_masked`) and the order's `source` (how it was found).

use super::answer::Source;
use crate::business::mask;
use crate::business::records::{Customer, Invoice, Order, Refund, Shipment};
use regex::Regex;
use serde_json::{json, Map, Value};
use std::sync::LazyLock;

pub(super) fn customer_data(c: &Customer) -> Value {
    let mut data = Map::new();
    data.insert("user_id".into(), json!(c.user_id));
    put_masked(&mut data, "name", &c.name, mask::name);
    data.insert("member_level".into(), json!(c.member_level));
    data.insert("points".into(), json!(c.points));
    put_masked(&mut data, "phone", &c.phone, mask::phone);
    put_masked(&mut data, "email", &c.email, mask::email);
    put_masked(&mut data, "national_id", &c.national_id, mask::national_id);
    put_masked(&mut data, "bank_card", &c.bank_card, mask::bank_card);
    put_masked(&mut data, "address", &c.address, mask::address);
    Value::Object(data)
}

pub(super) fn order_data(o: &Order, source: Source) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("order_id".into(), json!(o.order_id));
    data.insert("status".into(), json!(o.status));
    data.insert("order_source".into(), json!(source.as_str()));
    data.insert("total".into(), json!(o.total));
    data.insert("currency".into(), json!(o.currency));
    data.insert("created_at".into(), json!(o.created_at));
    data.insert("estimated_delivery".into(), json!(o.estimated_delivery));
    data.insert("items".into(), json!(o.items));
    put_masked(&mut data, "contact_phone", &o.contact_phone, mask::phone);
    put_masked(&mut data, "shipping_address", &o.shipping_address, mask::address);
    data
}

pub(super) fn order_summary(o: &Order) -> Value {
    json!({
        "order_id": o.order_id,
        "status": o.status,
        "total": o.total,
        "currency": o.currency,
        "created_at": o.created_at,
        "estimated_delivery": o.estimated_delivery,
    })
}

pub(super) fn shipment_data(order: &Order, s: &Shipment, source: Source) -> Value {
    json!({
        "order_id": order.order_id,
        "order_source": source.as_str(),
        "order_status": order.status,
        "carrier": s.carrier,
        "tracking_number": s.tracking_number,
        "shipment_status": s.status,
        "latest_event": s.latest_event(),
        "events": s.events,
    })
}

pub(super) fn refund_data(r: &Refund) -> Value {
    json!({
        "refund_id": r.refund_id,
        "status": r.status,
        "amount": r.amount,
        "reason": r.reason,
        "requested_at": r.requested_at,
        "completed_at": r.completed_at,
    })
}

pub(super) fn invoice_data(i: &Invoice) -> Value {
    let mut data = Map::new();
    data.insert("invoice_id".into(), json!(i.invoice_id));
    data.insert("type".into(), json!(i.kind));
    // A personal invoice is titled with the customer's name; a company's title is not personal.
    if is_organisation(&i.title) {
        data.insert("title".into(), json!(i.title));
    } else {
        put_masked(&mut data, "title", &i.title, mask::name);
    }
    put_masked(&mut data, "tax_id", i.tax_id.as_deref().unwrap_or(""), mask::tax_id);
    data.insert("status".into(), json!(i.status));
    data.insert("issued_at".into(), json!(i.issued_at));
    Value::Object(data)
}

pub(super) fn put_masked(data: &mut Map<String, Value>, field: &str, raw: &str, f: fn(&str) -> String) {
    if !raw.trim().is_empty() {
        data.insert(format!("{field}_masked"), Value::String(f(raw)));
    }
}

pub(super) fn is_organisation(title: &str) -> bool {
    static ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:co|ltd|limited|inc|llc|corp|corporation|company|gmbh|plc)\b|公司|集团|事务所|中心|大学|学院|医院|银行")
            .expect("organisation pattern is valid")
    });
    ORGANISATION.is_match(title)
}
