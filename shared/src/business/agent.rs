//! `BusinessAgent::execute`: understand the question, find the order it is about, read or
//! (confirmed) write, and answer with personal data masked.

use super::backend::{BackendError, BusinessBackend};
use super::confirm::{
    confirmation_secret_from_env, Binding, ClaimOutcome, ConfirmationClaim, ConfirmationLedger, TokenError, TokenSigner,
};
use super::dynamo::{DynamoBusinessBackend, DynamoConfirmationLedger};
use super::http_backend::HttpBusinessBackend;
use super::mask;
use super::records::{
    Customer, Invoice, Order, Refund, RefundRequest, Shipment, ADDRESS_CHANGEABLE, CANCELLABLE, CANCELLED, REFUNDABLE,
};
use super::understand::{understand, Lang, Scene, Understanding};
use super::{AssistContext, AssistOutcome, BusinessResult, ExecutedWrite};
use crate::config::ConfigError;
use crate::store::Store;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use regex::Regex;
use serde_json::{json, Map, Value};
use std::sync::{Arc, LazyLock};

/// Orders listed when a question names none.
const LISTED_ORDERS: usize = 5;
/// Mentioned orders tried, most recent first, before falling back to the customer's latest.
const MENTIONS_TRIED: usize = 5;
const MAX_ADDRESS_CHARS: usize = 200;
const MAX_REASON_CHARS: usize = 500;

pub struct BusinessAgent {
    backend: Arc<dyn BusinessBackend>,
    ledger: Arc<dyn ConfirmationLedger>,
    signer: TokenSigner,
}

/// What one call produces before masking and logging.
struct Answer {
    reply: String,
    data: Value,
    error: Option<&'static str>,
    need_confirmation: bool,
    executed: Option<ExecutedWrite>,
    session_moved: Option<super::SessionMoved>,
    /// Values in the reply known not to be personal, spared by the scrubbing (tracking numbers).
    verbatim: Vec<String>,
}

impl Answer {
    fn ok(reply: String, data: Value) -> Self {
        Answer { reply, data, error: None, need_confirmation: false, executed: None, session_moved: None, verbatim: Vec::new() }
    }

    fn error(code: &'static str, reply: String) -> Self {
        Answer { error: Some(code), ..Answer::ok(reply, Value::Null) }
    }

    fn with_data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

/// How the order a question is about was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Named,
    Mentioned,
    Latest,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Named => "named",
            Source::Mentioned => "mentioned",
            Source::Latest => "latest",
        }
    }
}

enum Lookup {
    Found(Box<Order>, Source),
    /// The customer has no order the question could be about.
    NoOrder,
    /// Named but unknown (or, to a customer, someone else's).
    NotFound(String),
    /// Named, exists, belongs to another customer; said only to agents.
    NotOwned(String),
}

impl BusinessAgent {
    pub fn new(backend: Arc<dyn BusinessBackend>, ledger: Arc<dyn ConfirmationLedger>, secret: Vec<u8>) -> Self {
        BusinessAgent { backend, ledger, signer: TokenSigner::new(secret) }
    }

    /// Cold-start wiring: [`BusinessAgent::for_store`] with the token key from
    /// `CONFIRMATION_SECRET` (or derived from `API_KEY`, see [`confirmation_secret_from_env`]).
    pub fn from_env(store: &Store) -> Result<Self, ConfigError> {
        Self::for_store(store, confirmation_secret_from_env()?)
    }

    /// The HTTP order system when `BUSINESS_API_URL` is set (`BUSINESS_API_TIMEOUT_MS`), else the
    /// order data in the table; used confirmation tokens are recorded in the table either way.
    pub fn for_store(store: &Store, secret: Vec<u8>) -> Result<Self, ConfigError> {
        let backend: Arc<dyn BusinessBackend> = match HttpBusinessBackend::from_env()? {
            Some(http) => Arc::new(http),
            None => Arc::new(DynamoBusinessBackend::new(store.clone())),
        };
        let ledger = Arc::new(DynamoConfirmationLedger::new(store.clone()));
        Ok(Self::new(backend, ledger, secret))
    }

    pub async fn execute(&self, ctx: &AssistContext, query: &str, confirmation_token: Option<&str>) -> AssistOutcome {
        let u = understand(query);
        // Blank is no token; anything else is verified exactly as sent (one encoding only).
        let token = confirmation_token.filter(|t| !t.trim().is_empty());
        let answer = match u.scene {
            Scene::Unknown if token.is_some() => invalid_confirmation(u.lang),
            Scene::Unknown => Answer::ok(help(u.lang, ctx.customer_facing), Value::Null),
            scene if scene.is_write() && ctx.customer_facing => Answer::error(
                "write_not_allowed",
                match u.lang {
                    Lang::En => "I can't change orders here, but a customer service agent can help you with that. Would you like me to transfer you to an agent?".into(),
                    Lang::Zh => "这里无法修改订单，人工客服可以帮您处理。需要为您转接人工客服吗？".into(),
                },
            ),
            scene if scene.is_write() => self.write(ctx, &u, token).await,
            _ if token.is_some() => invalid_confirmation(u.lang),
            _ => self.read(ctx, &u).await,
        };
        let outcome = finish(u.scene, answer);
        let order_id = outcome.result.data.get("order_id").and_then(Value::as_str).unwrap_or("");
        let error = outcome.result.error.as_deref().unwrap_or("");
        tracing::info!(
            session_id = %ctx.session_id,
            agent_id = %ctx.agent_id,
            customer_facing = ctx.customer_facing,
            scene = %outcome.result.scene,
            order_id,
            error,
            need_confirmation = outcome.result.need_confirmation,
            executed = outcome.executed.is_some(),
            "business assist"
        );
        outcome
    }

    async fn read(&self, ctx: &AssistContext, u: &Understanding) -> Answer {
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

    /// The order the question is about: the one it names, else the most recently mentioned one
    /// of this customer, else the customer's latest.
    async fn resolve_order(&self, ctx: &AssistContext, u: &Understanding) -> Result<Lookup, BackendError> {
        if let Some(order_id) = &u.order_id {
            return Ok(match self.backend.order(order_id).await? {
                Some(order) if order.user_id == ctx.user_id => Lookup::Found(Box::new(order), Source::Named),
                Some(_) if !ctx.customer_facing => Lookup::NotOwned(order_id.clone()),
                _ => Lookup::NotFound(order_id.clone()),
            });
        }
        for order_id in ctx.mentioned_order_ids.iter().take(MENTIONS_TRIED) {
            if let Some(order) = self.backend.order(order_id).await? {
                if order.user_id == ctx.user_id {
                    return Ok(Lookup::Found(Box::new(order), Source::Mentioned));
                }
            }
        }
        Ok(match self.backend.orders_of(&ctx.user_id).await?.into_iter().next() {
            Some(order) => Lookup::Found(Box::new(order), Source::Latest),
            None => Lookup::NoOrder,
        })
    }

    async fn account(&self, ctx: &AssistContext, lang: Lang) -> Result<Answer, BackendError> {
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

    async fn order_list(&self, ctx: &AssistContext, lang: Lang) -> Result<Answer, BackendError> {
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

    fn order(
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

    async fn logistics(&self, lang: Lang, order: Order, source: Source) -> Result<Answer, BackendError> {
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

    async fn refund(&self, lang: Lang, order: Order, source: Source) -> Result<Answer, BackendError> {
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

    async fn invoice(&self, lang: Lang, order: Order, source: Source) -> Result<Answer, BackendError> {
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

    /// A write: without a token, what would change and a token to confirm it; with one, the
    /// write, at most once.
    async fn write(&self, ctx: &AssistContext, u: &Understanding, token: Option<&str>) -> Answer {
        let lang = u.lang;
        let action = u.scene;
        let allowed: &[&str] = match action {
            Scene::CancelOrder => &CANCELLABLE,
            Scene::ChangeAddress => &ADDRESS_CHANGEABLE,
            _ => &REFUNDABLE,
        };
        // What the write needs besides the order, checked before any lookup.
        let new_address = match (action, &u.new_address) {
            (Scene::ChangeAddress, None) => {
                return Answer::error(
                    "address_required",
                    match lang {
                        Lang::En => "What is the new shipping address? For example: \"change the address of ORD-001 to 88 Jianguo Road, Chaoyang District, Beijing\".".into(),
                        Lang::Zh => "请提供新的收货地址，例如：“把订单ORD-001的地址改为北京市朝阳区建国路88号”。".into(),
                    },
                )
            }
            (Scene::ChangeAddress, Some(a)) if a.chars().count() > MAX_ADDRESS_CHARS => {
                return Answer::error(
                    "address_required",
                    match lang {
                        Lang::En => format!("The new address is longer than {MAX_ADDRESS_CHARS} characters."),
                        Lang::Zh => format!("新地址超过{MAX_ADDRESS_CHARS}个字符。"),
                    },
                )
            }
            (_, a) => a.clone().unwrap_or_default(),
        };
        let reason: String = match (&u.reason, lang) {
            (Some(r), _) => r.chars().take(MAX_REASON_CHARS).collect(),
            (None, Lang::En) => "requested by the customer".into(),
            (None, Lang::Zh) => "客户申请".into(),
        };

        let order = match self.write_target(ctx, u, allowed).await {
            Ok(Ok(order)) => order,
            Ok(Err(answer)) => return answer,
            Err(err) => return backend_failure(lang, &err),
        };
        // With a token the conditional write is the check: a replay must read as a replay, not
        // as "already cancelled".
        if token.is_none() && !order.status_is(allowed) {
            return not_allowed(lang, action, &order.order_id, &order.status);
        }
        if action == Scene::RequestRefund && token.is_none() {
            match self.backend.refunds(&order.order_id).await {
                Ok(refunds) if refunds.iter().any(Refund::is_open) => return refund_in_progress(lang, &order.order_id),
                Ok(_) => {}
                Err(err) => return backend_failure(lang, &err),
            }
        }

        let amount = format!("{:.2}", order.total);
        let params: Vec<(&str, &str)> = match action {
            Scene::CancelOrder => vec![],
            Scene::ChangeAddress => vec![("shipping_address", new_address.as_str())],
            _ => vec![("amount", amount.as_str()), ("reason", reason.as_str())],
        };
        let binding = Binding {
            session_id: &ctx.session_id,
            agent_id: &ctx.agent_id,
            action,
            order_id: &order.order_id,
            params: &params,
        };
        let changes = match action {
            Scene::CancelOrder => json!({ "status": { "from": order.status, "to": CANCELLED } }),
            Scene::ChangeAddress => json!({
                "shipping_address_masked": {
                    "from": mask::address(&order.shipping_address),
                    "to": mask::address(&new_address),
                }
            }),
            _ => json!({ "refund": { "amount": order.total, "currency": order.currency, "reason": reason } }),
        };

        let Some(token) = token else {
            let issued = self.signer.issue(&binding, ctx.now);
            let reply = proposal(lang, action, &order, &new_address, &reason);
            let data = json!({
                "action": action.as_str(),
                "order_id": order.order_id,
                "changes": changes,
                "confirmation_token": issued.token,
                "expires_at": issued.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            });
            return Answer { need_confirmation: true, ..Answer::ok(reply, data) };
        };

        let verified = match self.signer.verify(token, &binding, ctx.now) {
            Ok(verified) => verified,
            Err(err) => return token_failure(lang, err),
        };
        let claim = ConfirmationClaim {
            nonce: verified.nonce.clone(),
            session_id: ctx.session_id.clone(),
            agent_id: ctx.agent_id.clone(),
            action,
            order_id: order.order_id.clone(),
            used_at: ctx.now,
            // An hour past the token's own expiry, against clock skew between containers.
            expires_at: verified.expires_at + chrono::Duration::hours(1),
            actor: ctx.actor.clone(),
            agent_name: ctx.agent_name.clone(),
        };
        // The write is recorded before it runs, guarded by the session still being this
        // agent's: a write that could not be recorded does not run.
        match self.ledger.claim(&claim).await {
            Ok(ClaimOutcome::Claimed) => {}
            Ok(ClaimOutcome::AlreadyUsed) => return token_failure(lang, TokenError::Replayed),
            Ok(ClaimOutcome::SessionMoved(moved)) => return session_moved(lang, moved),
            Err(err) => return backend_failure(lang, &err),
        }
        let answer = self.execute_write(ctx, action, lang, &order, &new_address, &reason, &verified.nonce, changes).await;
        let outcome = match (&answer.error, &answer.executed) {
            (None, Some(executed)) => executed.summary.clone(),
            (code, _) => format!("not executed ({})", code.unwrap_or("no answer")),
        };
        if let Err(err) = self.ledger.complete(&claim, &outcome).await {
            // The record stands (as `confirmed`); only its outcome text is missing.
            tracing::warn!(session_id = %ctx.session_id, error = %err, "business write's record not completed");
        }
        answer
    }

    /// Run a confirmed, recorded write against the order system.
    #[allow(clippy::too_many_arguments)]
    async fn execute_write(
        &self,
        ctx: &AssistContext,
        action: Scene,
        lang: Lang,
        order: &Order,
        new_address: &str,
        reason: &str,
        nonce: &str,
        changes: Value,
    ) -> Answer {

        let executed = match action {
            Scene::CancelOrder => self.backend.cancel_order(&ctx.user_id, &order.order_id).await.map(|o| {
                let reply = match lang {
                    Lang::En => format!("Order {} has been cancelled.", o.order_id),
                    Lang::Zh => format!("订单{}已取消。", o.order_id),
                };
                (reply, json!({ "status": o.status }))
            }),
            Scene::ChangeAddress => {
                self.backend.change_address(&ctx.user_id, &order.order_id, new_address).await.map(|o| {
                    let masked = mask::address(&o.shipping_address);
                    let reply = match lang {
                        Lang::En => format!("The shipping address of order {} is now {masked}.", o.order_id),
                        Lang::Zh => format!("订单{}的收货地址已改为{masked}。", o.order_id),
                    };
                    (reply, json!({ "status": o.status, "shipping_address_masked": masked }))
                })
            }
            _ => {
                let request = RefundRequest {
                    refund_id: refund_id_from(nonce),
                    amount: order.total,
                    reason: reason.to_string(),
                    requested_at: ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                };
                self.backend.request_refund(&ctx.user_id, &order.order_id, &request).await.map(|r| {
                    let reply = match lang {
                        Lang::En => format!(
                            "Refund {} of {} for order {} has been requested (status: {}).",
                            r.refund_id,
                            money(r.amount, &order.currency),
                            order.order_id,
                            status_en(&r.status)
                        ),
                        Lang::Zh => format!(
                            "已为订单{}提交退款申请{}，金额{}（状态：{}）。",
                            order.order_id,
                            r.refund_id,
                            money(r.amount, &order.currency),
                            status_zh(&r.status)
                        ),
                    };
                    (reply, json!({ "refund": refund_data(&r) }))
                })
            }
        };
        match executed {
            Ok((reply, result)) => {
                let data = json!({
                    "action": action.as_str(),
                    "order_id": order.order_id,
                    "changes": changes,
                    "result": result,
                });
                let executed = ExecutedWrite {
                    action: action.as_str().to_string(),
                    order_id: order.order_id.clone(),
                    summary: mask::scrub(&reply),
                };
                Answer { executed: Some(executed), ..Answer::ok(reply, data) }
            }
            Err(BackendError::NotAllowed { status, .. }) => not_allowed(lang, action, &order.order_id, &status),
            Err(BackendError::RefundInProgress(_)) => refund_in_progress(lang, &order.order_id),
            Err(err) => backend_failure(lang, &err),
        }
    }

    /// The order a write acts on: named, else most recently mentioned, else the customer's only
    /// order the action is allowed on.
    async fn write_target(
        &self,
        ctx: &AssistContext,
        u: &Understanding,
        allowed: &[&str],
    ) -> Result<Result<Order, Answer>, BackendError> {
        if u.order_id.is_some() || !ctx.mentioned_order_ids.is_empty() {
            match self.resolve_order(ctx, u).await? {
                Lookup::Found(order, Source::Named | Source::Mentioned) => return Ok(Ok(*order)),
                Lookup::Found(..) | Lookup::NoOrder => {}
                lookup => return Ok(Err(lookup_failure(u.lang, lookup))),
            }
        }
        let eligible: Vec<Order> =
            self.backend.orders_of(&ctx.user_id).await?.into_iter().filter(|o| o.status_is(allowed)).collect();
        Ok(match eligible.len() {
            1 => Ok(eligible.into_iter().next().expect("one order")),
            0 => Err(Answer::error(
                "no_eligible_order",
                match u.lang {
                    Lang::En => format!("The customer has no order that {} applies to.", action_en(u.scene)),
                    Lang::Zh => format!("该客户没有可以{}的订单。", action_zh(u.scene)),
                },
            )),
            _ => {
                let ids: Vec<&str> = eligible.iter().map(|o| o.order_id.as_str()).collect();
                Err(Answer::error(
                    "order_id_required",
                    match u.lang {
                        Lang::En => format!("Which order? The customer has several it could be: {}.", ids.join(", ")),
                        Lang::Zh => format!("请指明订单号，该客户有多个符合条件的订单：{}。", ids.join("、")),
                    },
                )
                .with_data(json!({ "candidates": eligible.iter().map(order_summary).collect::<Vec<_>>() })))
            }
        })
    }
}

/// Mask free text, list the masked fields, shape the result.
fn finish(scene: Scene, answer: Answer) -> AssistOutcome {
    let mut masked_fields = Vec::new();
    collect_masked(&answer.data, &mut masked_fields);
    let mut data = answer.data;
    scrub_strings(&mut data, &answer.verbatim);
    AssistOutcome {
        result: BusinessResult {
            reply: mask::scrub_keeping(&answer.reply, &answer.verbatim),
            data,
            error: answer.error.map(str::to_string),
            need_confirmation: answer.need_confirmation,
            scene: scene.as_str().to_string(),
        },
        masked_fields,
        executed: answer.executed,
        session_moved: answer.session_moved,
    }
}

/// Every string in the data goes through [`mask::scrub`], not only the fields known to be
/// personal: a refund reason, a new address, a shipment event or any field an order system adds
/// may carry a phone number or an email. The confirmation token is ours and is left whole, as are
/// the values known not to be personal (tracking numbers).
fn scrub_strings(value: &mut Value, verbatim: &[String]) {
    match value {
        Value::String(text) => *text = mask::scrub_keeping(text, verbatim),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_strings(v, verbatim)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key != "confirmation_token" {
                    scrub_strings(v, verbatim);
                }
            }
        }
        _ => {}
    }
}

fn collect_masked(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k.ends_with("_masked") && !into.contains(k) {
                    into.push(k.clone());
                }
                collect_masked(v, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_masked(v, into)),
        _ => {}
    }
}

/// A refund id that the same confirmation always produces, so a retried request cannot make two.
/// Ten digits: `RF-\d+` like the order system's own ids, and too short to be taken for a card
/// number by [`mask::scrub`]. A collision fails the refund's conditional Put; it never overwrites.
fn refund_id_from(nonce: &str) -> String {
    let n = u64::from_str_radix(&nonce[..nonce.len().min(15)], 16).unwrap_or(0);
    format!("RF-{:010}", n % 10_000_000_000)
}

fn put_masked(data: &mut Map<String, Value>, field: &str, raw: &str, f: fn(&str) -> String) {
    if !raw.trim().is_empty() {
        data.insert(format!("{field}_masked"), Value::String(f(raw)));
    }
}

fn customer_data(c: &Customer) -> Value {
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

fn order_data(o: &Order, source: Source) -> Map<String, Value> {
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

fn order_summary(o: &Order) -> Value {
    json!({
        "order_id": o.order_id,
        "status": o.status,
        "total": o.total,
        "currency": o.currency,
        "created_at": o.created_at,
        "estimated_delivery": o.estimated_delivery,
    })
}

fn shipment_data(order: &Order, s: &Shipment, source: Source) -> Value {
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

fn refund_data(r: &Refund) -> Value {
    json!({
        "refund_id": r.refund_id,
        "status": r.status,
        "amount": r.amount,
        "reason": r.reason,
        "requested_at": r.requested_at,
        "completed_at": r.completed_at,
    })
}

fn invoice_data(i: &Invoice) -> Value {
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

fn is_organisation(title: &str) -> bool {
    static ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:co|ltd|limited|inc|llc|corp|corporation|company|gmbh|plc)\b|公司|集团|事务所|中心|大学|学院|医院|银行")
            .expect("organisation pattern is valid")
    });
    ORGANISATION.is_match(title)
}

fn proposal(lang: Lang, action: Scene, order: &Order, new_address: &str, reason: &str) -> String {
    let id = &order.order_id;
    match (action, lang) {
        (Scene::CancelOrder, Lang::En) => format!(
            "Cancel order {id}? Its status will change from {} to cancelled. Confirm within 5 minutes to proceed.",
            status_en(&order.status)
        ),
        (Scene::CancelOrder, Lang::Zh) => {
            format!("确认取消订单{id}吗？订单状态将由{}变为已取消。请在5分钟内确认。", status_zh(&order.status))
        }
        (Scene::ChangeAddress, Lang::En) => format!(
            "Change the shipping address of order {id} from {} to {}? Confirm within 5 minutes to proceed.",
            mask::address(&order.shipping_address),
            mask::address(new_address)
        ),
        (Scene::ChangeAddress, Lang::Zh) => format!(
            "确认将订单{id}的收货地址由{}改为{}吗？请在5分钟内确认。",
            mask::address(&order.shipping_address),
            mask::address(new_address)
        ),
        (_, Lang::En) => format!(
            "Request a refund of {} for order {id} (reason: {reason})? Confirm within 5 minutes to proceed.",
            money(order.total, &order.currency)
        ),
        (_, Lang::Zh) => format!(
            "确认为订单{id}申请退款{}吗（原因：{reason}）？请在5分钟内确认。",
            money(order.total, &order.currency)
        ),
    }
}

fn not_allowed(lang: Lang, action: Scene, order_id: &str, status: &str) -> Answer {
    Answer::error(
        "not_allowed_in_status",
        match lang {
            Lang::En => format!("Order {order_id} is {}, so {} is not possible.", status_en(status), action_en(action)),
            Lang::Zh => format!("订单{order_id}当前状态为{}，无法{}。", status_zh(status), action_zh(action)),
        },
    )
    .with_data(json!({ "action": action.as_str(), "order_id": order_id, "status": status }))
}

fn refund_in_progress(lang: Lang, order_id: &str) -> Answer {
    Answer::error(
        "refund_in_progress",
        match lang {
            Lang::En => format!("Order {order_id} already has a refund in progress; check its status instead."),
            Lang::Zh => format!("订单{order_id}已有进行中的退款，请查询退款进度。"),
        },
    )
    .with_data(json!({ "action": Scene::RequestRefund.as_str(), "order_id": order_id }))
}

fn lookup_failure(lang: Lang, lookup: Lookup) -> Answer {
    match lookup {
        Lookup::NotFound(id) => Answer::error(
            "order_not_found",
            match lang {
                Lang::En => format!("Order {id} was not found. Please check the order number."),
                Lang::Zh => format!("未找到订单{id}，请核对订单号。"),
            },
        ),
        Lookup::NotOwned(id) => Answer::error(
            "order_not_owned",
            match lang {
                Lang::En => {
                    format!("Order {id} belongs to a different customer than this session's, so it is not shown here.")
                }
                Lang::Zh => format!("订单{id}不属于当前会话的客户，无法在此查看。"),
            },
        ),
        Lookup::NoOrder | Lookup::Found(..) => Answer::error(
            "order_not_found",
            match lang {
                Lang::En => "No orders were found for this customer.".into(),
                Lang::Zh => "未找到该客户的订单。".into(),
            },
        ),
    }
}

fn backend_failure(lang: Lang, err: &BackendError) -> Answer {
    tracing::warn!(code = err.code(), detail = %redact_detail(&err.to_string()), "order system call failed");
    let reply = match (err, lang) {
        (BackendError::OrderNotFound(id), _) => return lookup_failure(lang, Lookup::NotFound(id.clone())),
        (BackendError::Timeout, Lang::En) => "The order system did not answer in time. Please try again in a moment.".to_string(),
        (BackendError::Timeout, Lang::Zh) => "订单系统响应超时，请稍后重试。".to_string(),
        (BackendError::InvalidResponse(_), Lang::En) => {
            "The order system returned data that could not be read. Please try again, or check the order in the order system directly.".to_string()
        }
        (BackendError::InvalidResponse(_), Lang::Zh) => "订单系统返回的数据无法解析，请重试或直接在订单系统中查看。".to_string(),
        (_, Lang::En) => "The order system is temporarily unavailable. Please try again in a moment.".to_string(),
        (_, Lang::Zh) => "订单系统暂时不可用，请稍后重试。".to_string(),
    };
    Answer::error(err.code(), reply)
}

/// The conversation left the confirming agent before the write could be recorded: nothing ran.
fn session_moved(lang: Lang, moved: super::SessionMoved) -> Answer {
    let mut answer = Answer::error(
        "session_moved",
        match lang {
            Lang::En => "The conversation was handed over before the change could be made; nothing was changed.".into(),
            Lang::Zh => "会话在执行前已被转交，未做任何修改。".into(),
        },
    );
    answer.session_moved = Some(moved);
    answer
}

fn token_failure(lang: Lang, err: TokenError) -> Answer {
    let reply = match (err, lang) {
        (TokenError::Expired, Lang::En) => {
            "This confirmation has expired (confirmations are valid for 5 minutes). Nothing was changed; send the request again to get a new one.".to_string()
        }
        (TokenError::Expired, Lang::Zh) => "确认已过期（有效期5分钟），未做任何修改。请重新发起请求以获取新的确认。".to_string(),
        (TokenError::Replayed, Lang::En) => {
            "This confirmation has already been used; the change was made once and will not be repeated.".to_string()
        }
        (TokenError::Replayed, Lang::Zh) => "该确认已使用过，修改只执行一次，不会重复执行。".to_string(),
        (TokenError::Invalid, _) => return invalid_confirmation(lang),
    };
    Answer::error(err.code(), reply)
}

fn invalid_confirmation(lang: Lang) -> Answer {
    Answer::error(
        TokenError::Invalid.code(),
        match lang {
            Lang::En => "This confirmation does not match this session, agent and request. Nothing was changed; send the same request without a token to get a new confirmation.".into(),
            Lang::Zh => "该确认与当前会话、坐席或请求不匹配，未做任何修改。请不带确认令牌重新发送同一请求以获取新的确认。".into(),
        },
    )
}

fn help(lang: Lang, customer_facing: bool) -> String {
    match (lang, customer_facing) {
        (Lang::En, false) => "I can look up an order's status, its shipment, refunds and invoices, and the customer's membership and points; I can also cancel an order, change its shipping address or request a refund. For example: \"Check the status of order ORD-001\".".into(),
        (Lang::Zh, false) => "我可以查询订单状态、物流、退款、发票以及客户的会员等级和积分，也可以取消订单、修改收货地址或申请退款。例如：“查一下订单ORD-001的状态”。".into(),
        (Lang::En, true) => "I can look up your order status, shipment, refunds, invoices, and your membership and points. For example: \"Where is my order ORD-001?\"".into(),
        (Lang::Zh, true) => "我可以帮您查询订单状态、物流、退款、发票以及会员等级和积分。例如：“我的订单ORD-001到哪了”。".into(),
    }
}

fn action_en(action: Scene) -> &'static str {
    match action {
        Scene::CancelOrder => "cancelling it",
        Scene::ChangeAddress => "changing its shipping address",
        _ => "requesting a refund",
    }
}

fn action_zh(action: Scene) -> &'static str {
    match action {
        Scene::CancelOrder => "取消",
        Scene::ChangeAddress => "修改收货地址",
        _ => "申请退款",
    }
}

fn money(amount: f64, currency: &str) -> String {
    format!("{amount:.2} {currency}").trim_end().to_string()
}

fn place(separator: &str, location: &str) -> String {
    if location.trim().is_empty() {
        String::new()
    } else {
        format!("{separator}{location}")
    }
}

fn status_en(status: &str) -> String {
    status.replace('_', " ")
}

fn status_zh(status: &str) -> String {
    match status {
        "pending_payment" => "待付款",
        "paid" => "已付款",
        "processing" => "处理中",
        "shipped" => "已发货",
        "in_transit" => "运输中",
        "picked_up" => "已揽收",
        "out_for_delivery" => "派送中",
        "delivered" => "已签收",
        "completed" => "已完成",
        "cancelled" => "已取消",
        "refunding" => "退款中",
        "refunded" => "已退款",
        "returned" => "已退货",
        "pending" => "待处理",
        "requested" => "已申请",
        "approved" => "已批准",
        "rejected" => "已拒绝",
        "failed" => "失败",
        "issued" => "已开具",
        "voided" => "已作废",
        "exception" => "异常",
        other => return other.to_string(),
    }
    .to_string()
}

fn level_zh(level: &str) -> String {
    match level {
        "regular" => "普通会员",
        "silver" => "白银会员",
        "gold" => "黄金会员",
        "platinum" => "铂金会员",
        "diamond" => "钻石会员",
        other => return other.to_string(),
    }
    .to_string()
}

/// `, estimated delivery July 5` / `，预计7月5日送达`; the year only when it is not this year.
fn delivery_phrase(lang: Lang, day: &str, now: DateTime<Utc>) -> String {
    let date = NaiveDate::parse_from_str(day.get(..10).unwrap_or(day), "%Y-%m-%d").ok();
    match (lang, date) {
        (Lang::En, Some(d)) if d.year() == now.year() => format!(", estimated delivery {}", d.format("%B %-d")),
        (Lang::En, Some(d)) => format!(", estimated delivery {}", d.format("%B %-d, %Y")),
        (Lang::En, None) => format!(", estimated delivery {day}"),
        (Lang::Zh, Some(d)) if d.year() == now.year() => format!("，预计{}月{}日送达", d.month(), d.day()),
        (Lang::Zh, Some(d)) => format!("，预计{}年{}月{}日送达", d.year(), d.month(), d.day()),
        (Lang::Zh, None) => format!("，预计{day}送达"),
    }
}

/// Serde errors quote the value they could not read, which may be personal data: quoted
/// parts go before an error reaches a log line.
fn redact_detail(detail: &str) -> String {
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""[^"]*"|`[^`]*`|'[^']*'"#).expect("quote pattern is valid"));
    mask::scrub(&QUOTED.replace_all(detail, "\"…\""))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn delivery_dates_read_naturally_in_both_languages() {
        let now = DateTime::parse_from_rfc3339("2026-07-03T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(delivery_phrase(Lang::En, "2026-07-05", now), ", estimated delivery July 5");
        assert_eq!(delivery_phrase(Lang::En, "2027-01-02T00:00:00Z", now), ", estimated delivery January 2, 2027");
        assert_eq!(delivery_phrase(Lang::Zh, "2026-07-05", now), "，预计7月5日送达");
        assert_eq!(delivery_phrase(Lang::En, "soon", now), ", estimated delivery soon");
    }

    #[test]
    fn only_organisations_keep_an_unmasked_invoice_title() {
        assert!(is_organisation("ACME Trading Co., Ltd."));
        assert!(is_organisation("北京某某科技有限公司"));
        assert!(!is_organisation("Li Wei"));
        assert!(!is_organisation("张三"));
    }

    #[test]
    fn refund_ids_are_stable_per_confirmation() {
        let nonce = "0123456789abcdef0123456789abcdef";
        assert_eq!(refund_id_from(nonce), refund_id_from(nonce));
        assert!(refund_id_from(nonce).starts_with("RF-"));
        assert_eq!(refund_id_from(nonce).len(), 13);
        assert_eq!(mask::scrub(&refund_id_from(nonce)), refund_id_from(nonce));
    }

    #[test]
    fn error_details_lose_their_quoted_values() {
        let detail = "invalid type: string \"13812341234\", expected u32; `北京市朝阳区建国路88号`";
        let redacted = redact_detail(detail);
        assert!(!redacted.contains("13812341234"));
        assert!(!redacted.contains("建国路"));
    }

    #[test]
    fn masked_fields_are_collected_from_nested_data() {
        let data = json!({"a_masked": "x", "nested": [{"b_masked": "y"}, {"a_masked": "z"}], "c": {"d_masked": 1}});
        let mut fields = Vec::new();
        collect_masked(&data, &mut fields);
        // serde_json maps iterate in key order.
        assert_eq!(fields, vec!["a_masked", "d_masked", "b_masked"]);
    }
}
