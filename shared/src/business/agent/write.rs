//! The write scenes (cancel an order, change its address, request a refund): a proposal with a
//! confirmation token first, then, with the token, the write, spent once and recorded before it
//! runs.

use crate::business::backend::BackendError;
use crate::business::confirm::{Binding, ClaimOutcome, ConfirmationClaim, TokenError};
use crate::business::mask;
use crate::business::records::{Order, Refund, RefundRequest, ADDRESS_CHANGEABLE, CANCELLABLE, CANCELLED, REFUNDABLE};
use crate::business::understand::{Lang, Scene, Understanding};
use crate::business::{AssistContext, ExecutedWrite};
use serde_json::{json, Value};
use super::BusinessAgent;
use super::answer::*;
use super::data::*;

pub(super) const MAX_ADDRESS_CHARS: usize = 200;

pub(super) const MAX_REASON_CHARS: usize = 500;

pub(super) fn proposal(lang: Lang, action: Scene, order: &Order, new_address: &str, reason: &str) -> String {
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

pub(super) fn not_allowed(lang: Lang, action: Scene, order_id: &str, status: &str) -> Answer {
    Answer::error(
        "not_allowed_in_status",
        match lang {
            Lang::En => format!("Order {order_id} is {}, so {} is not possible.", status_en(status), action_en(action)),
            Lang::Zh => format!("订单{order_id}当前状态为{}，无法{}。", status_zh(status), action_zh(action)),
        },
    )
    .with_data(json!({ "action": action.as_str(), "order_id": order_id, "status": status }))
}

pub(super) fn refund_in_progress(lang: Lang, order_id: &str) -> Answer {
    Answer::error(
        "refund_in_progress",
        match lang {
            Lang::En => format!("Order {order_id} already has a refund in progress; check its status instead."),
            Lang::Zh => format!("订单{order_id}已有进行中的退款，请查询退款进度。"),
        },
    )
    .with_data(json!({ "action": Scene::RequestRefund.as_str(), "order_id": order_id }))
}

/// The conversation left the confirming agent before the write could be recorded: nothing ran.
pub(super) fn session_moved(lang: Lang, moved: crate::business::SessionMoved) -> Answer {
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

pub(super) fn token_failure(lang: Lang, err: TokenError) -> Answer {
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

/// A refund id that the same confirmation always produces, so a retried request cannot make two.
/// Ten digits: `RF-\d+` like the order system's own ids, and too short to be taken for a card
/// number by [`mask::scrub`]. A collision fails the refund's conditional Put; it never overwrites.
pub(super) fn refund_id_from(nonce: &str) -> String {
    let n = u64::from_str_radix(&nonce[..nonce.len().min(15)], 16).unwrap_or(0);
    format!("RF-{:010}", n % 10_000_000_000)
}

impl BusinessAgent {
    /// A write: without a token, what would change and a token to confirm it; with one, the
    /// write, at most once.
    pub(super) async fn write(&self, ctx: &AssistContext, u: &Understanding, token: Option<&str>) -> Answer {
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
    pub(super) async fn execute_write(
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
    pub(super) async fn write_target(
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
