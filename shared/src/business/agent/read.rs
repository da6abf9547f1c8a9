//! The read scenes: the account, the order list, one order, its logistics, refunds and invoices,
//! each answered with personal data masked.

use crate::business::backend::BackendError;
use crate::business::mask;
use crate::business::records::{Customer, Order, CANCELLED};
use crate::business::understand::{Lang, Scene, Understanding};
use crate::business::AssistContext;
use serde_json::{json, Value};
use super::BusinessAgent;
use super::answer::*;
use super::data::*;

/// Orders listed when a question names none.
pub(super) const LISTED_ORDERS: usize = 5;

impl BusinessAgent {
    pub(super) async fn read(&self, ctx: &AssistContext, u: &Understanding) -> Answer {
        let result = match u.scene {
            Scene::Account => self.account(ctx, u.lang).await,
            Scene::Order if u.order_id.is_none() && ctx.mentioned_order_ids.is_empty() => {
                self.order_list(ctx, u.lang).await
            }
            Scene::Order => {
                // The account phone is shown beside the order: read both at once. The order
                // stands without the profile.
                let (lookup, customer) =
                    futures::join!(self.resolve_order(ctx, u), self.backend.customer(&ctx.user_id));
                match lookup {
                    Ok(Lookup::Found(order, source)) => {
                        Ok(self.order(ctx, u.lang, *order, source, customer.ok().flatten()))
                    }
                    Ok(lookup) => Ok(lookup_failure(u.lang, lookup)),
                    Err(err) => Err(err),
                }
            }
            scene => match self.resolve_order(ctx, u).await {
                Ok(Lookup::Found(order, source)) => match scene {
                    Scene::Logistics => self.logistics(u.lang, *order, source).await,
                    Scene::Refund => self.refund(u.lang, *order, source).await,
                    _ => self.invoice(u.lang, *order, source).await,
                },
                Ok(lookup) => Ok(lookup_failure(u.lang, lookup)),
                Err(err) => Err(err),
            },
        };
        result.unwrap_or_else(|err| backend_failure(u.lang, &err))
    }

    pub(super) async fn account(&self, ctx: &AssistContext, lang: Lang) -> Result<Answer, BackendError> {
        let Some(customer) = self.backend.customer(&ctx.user_id).await? else {
            return Ok(Answer::error(
                "customer_not_found",
                match lang {
                    Lang::En => "No customer profile was found for this session's user.".into(),
                    Lang::Zh => "未找到该会话用户的客户资料。".into(),
                },
            ));
        };
        let name = mask::name(&customer.name);
        let reply = match lang {
            Lang::En => format!(
                "Customer {}{}: {} member, {} points.",
                customer.user_id,
                if name.is_empty() { String::new() } else { format!(" ({name})") },
                customer.member_level,
                customer.points
            ),
            Lang::Zh => format!(
                "客户{}{}：会员等级{}，积分{}。",
                customer.user_id,
                if name.is_empty() { String::new() } else { format!("（{name}）") },
                level_zh(&customer.member_level),
                customer.points
            ),
        };
        Ok(Answer::ok(reply, customer_data(&customer)))
    }

    pub(super) async fn order_list(&self, ctx: &AssistContext, lang: Lang) -> Result<Answer, BackendError> {
        let orders = self.backend.orders_of(&ctx.user_id).await?;
        if orders.is_empty() {
            return Ok(lookup_failure(lang, Lookup::NoOrder));
        }
        let listed: Vec<&Order> = orders.iter().take(LISTED_ORDERS).collect();
        let lines: Vec<String> = listed
            .iter()
            .map(|o| {
                let delivery =
                    o.estimated_delivery.as_deref().map(|d| delivery_phrase(lang, d, ctx.now)).unwrap_or_default();
                match lang {
                    Lang::En => format!("{}: {}{}", o.order_id, status_en(&o.status), delivery),
                    Lang::Zh => format!("{}：{}{}", o.order_id, status_zh(&o.status), delivery),
                }
            })
            .collect();
        let reply = match lang {
            Lang::En => format!(
                "The customer has {} order{}{}: {}.",
                orders.len(),
                if orders.len() == 1 { "" } else { "s" },
                if orders.len() > listed.len() { format!(", latest {}", listed.len()) } else { String::new() },
                lines.join("; ")
            ),
            Lang::Zh => format!("该客户共有{}个订单：{}。", orders.len(), lines.join("；")),
        };
        let data = json!({
            "user_id": ctx.user_id,
            "order_count": orders.len(),
            "orders": listed.iter().map(|o| order_summary(o)).collect::<Vec<_>>(),
        });
        Ok(Answer::ok(reply, data))
    }

    pub(super) fn order(
        &self,
        ctx: &AssistContext,
        lang: Lang,
        order: Order,
        source: Source,
        customer: Option<Customer>,
    ) -> Answer {
        let delivery = match (&order.estimated_delivery, order.status.as_str()) {
            (Some(day), status) if !matches!(status, "delivered" | "completed" | CANCELLED) => {
                delivery_phrase(lang, day, ctx.now)
            }
            _ => String::new(),
        };
        let reply = match lang {
            Lang::En => format!("Order {} current status: {}{}", order.order_id, status_en(&order.status), delivery),
            Lang::Zh => format!("订单{}当前状态：{}{}", order.order_id, status_zh(&order.status), delivery),
        };
        let mut data = order_data(&order, source);
        if let Some(customer) = customer {
            put_masked(&mut data, "phone", &customer.phone, mask::phone);
        }
        Answer::ok(reply, Value::Object(data))
    }

    pub(super) async fn logistics(&self, lang: Lang, order: Order, source: Source) -> Result<Answer, BackendError> {
        let Some(shipment) = self.backend.shipment(&order.order_id).await? else {
            let reply = match lang {
                Lang::En => {
                    format!("Order {} has not shipped yet (status: {}).", order.order_id, status_en(&order.status))
                }
                Lang::Zh => format!("订单{}尚未发货（当前状态：{}）。", order.order_id, status_zh(&order.status)),
            };
            let data = json!({
                "order_id": order.order_id, "order_source": source.as_str(), "order_status": order.status, "shipment": null,
            });
            return Ok(Answer::ok(reply, data));
        };
        let latest = shipment.latest_event();
        let reply = match lang {
            Lang::En => {
                let mut reply = format!(
                    "Order {} shipped with {}, tracking number {}: {}.",
                    order.order_id,
                    shipment.carrier,
                    shipment.tracking_number,
                    status_en(&shipment.status)
                );
                if let Some(e) = latest {
                    reply.push_str(&format!(
                        " Latest update ({}{}): {}",
                        e.time,
                        place(", ", &e.location),
                        e.description
                    ));
                }
                reply
            }
            Lang::Zh => {
                let mut reply = format!(
                    "订单{}由{}承运，运单号{}，物流状态：{}。",
                    order.order_id,
                    shipment.carrier,
                    shipment.tracking_number,
                    status_zh(&shipment.status)
                );
                if let Some(e) = latest {
                    reply.push_str(&format!("最新动态（{}{}）：{}", e.time, place("，", &e.location), e.description));
                }
                reply
            }
        };
        let data = shipment_data(&order, &shipment, source);
        Ok(Answer { verbatim: vec![shipment.tracking_number.clone()], ..Answer::ok(reply, data) })
    }

    pub(super) async fn refund(&self, lang: Lang, order: Order, source: Source) -> Result<Answer, BackendError> {
        let refunds = self.backend.refunds(&order.order_id).await?;
        let reply = match (refunds.first(), lang) {
            (None, Lang::En) => format!("No refund has been requested for order {}.", order.order_id),
            (None, Lang::Zh) => format!("订单{}暂无退款记录。", order.order_id),
            (Some(r), Lang::En) => {
                let mut reply = format!(
                    "Refund {} for order {}: {}, {}, requested {}",
                    r.refund_id,
                    order.order_id,
                    status_en(&r.status),
                    money(r.amount, &order.currency),
                    r.requested_at
                );
                if let Some(done) = &r.completed_at {
                    reply.push_str(&format!(", completed {done}"));
                }
                reply.push('.');
                if refunds.len() > 1 {
                    reply.push_str(&format!(" ({} refunds in total.)", refunds.len()));
                }
                reply
            }
            (Some(r), Lang::Zh) => {
                let mut reply = format!(
                    "订单{}的退款{}：{}，金额{}，申请时间{}",
                    order.order_id,
                    r.refund_id,
                    status_zh(&r.status),
                    money(r.amount, &order.currency),
                    r.requested_at
                );
                if let Some(done) = &r.completed_at {
                    reply.push_str(&format!("，完成时间{done}"));
                }
                reply.push('。');
                if refunds.len() > 1 {
                    reply.push_str(&format!("（共{}笔退款）", refunds.len()));
                }
                reply
            }
        };
        let data = json!({
            "order_id": order.order_id,
            "order_source": source.as_str(),
            "order_status": order.status,
            "currency": order.currency,
            "refunds": refunds.iter().map(refund_data).collect::<Vec<_>>(),
        });
        Ok(Answer::ok(reply, data))
    }

    pub(super) async fn invoice(&self, lang: Lang, order: Order, source: Source) -> Result<Answer, BackendError> {
        let invoices = self.backend.invoices(&order.order_id).await?;
        let reply = match (invoices.first(), lang) {
            (None, Lang::En) => format!("No invoice has been issued for order {} yet.", order.order_id),
            (None, Lang::Zh) => format!("订单{}尚未开具发票。", order.order_id),
            (Some(i), Lang::En) => {
                let when = i.issued_at.as_deref().map(|d| format!(" on {d}")).unwrap_or_default();
                let mut reply = format!(
                    "Invoice {} for order {} ({}): {}{}.",
                    i.invoice_id,
                    order.order_id,
                    i.kind,
                    status_en(&i.status),
                    when
                );
                if invoices.len() > 1 {
                    reply.push_str(&format!(" ({} invoices in total.)", invoices.len()));
                }
                reply
            }
            (Some(i), Lang::Zh) => {
                let when = i.issued_at.as_deref().map(|d| format!("，开具时间{d}")).unwrap_or_default();
                let mut reply = format!(
                    "订单{}的发票{}（{}）：{}{}。",
                    order.order_id,
                    i.invoice_id,
                    i.kind,
                    status_zh(&i.status),
                    when
                );
                if invoices.len() > 1 {
                    reply.push_str(&format!("（共{}张发票）", invoices.len()));
                }
                reply
            }
        };
        let data = json!({
            "order_id": order.order_id,
            "order_source": source.as_str(),
            "invoices": invoices.iter().map(invoice_data).collect::<Vec<_>>(),
        });
        Ok(Answer::ok(reply, data))
    }
}
