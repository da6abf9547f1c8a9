//! What one call of the business agent answers, and its words: the answer before masking, how the
//! order was found, the replies shared by reads and writes (in English and Chinese), and the last
//! pass that scrubs personal data from the reply and lists the masked fields.

use crate::business::backend::BackendError;
use crate::business::confirm::TokenError;
use crate::business::mask;
use crate::business::records::Order;
use crate::business::understand::{Lang, Scene};
use crate::business::{AssistOutcome, BusinessResult, ExecutedWrite};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// What one call produces before masking and logging.
pub(super) struct Answer {
    pub(super) reply: String,
    pub(super) data: Value,
    pub(super) error: Option<&'static str>,
    pub(super) need_confirmation: bool,
    pub(super) executed: Option<ExecutedWrite>,
    pub(super) session_moved: Option<crate::business::SessionMoved>,
    /// Values in the reply known not to be personal, spared by the scrubbing (tracking numbers).
    pub(super) verbatim: Vec<String>,
}

impl Answer {
    pub(super) fn ok(reply: String, data: Value) -> Self {
        Answer { reply, data, error: None, need_confirmation: false, executed: None, session_moved: None, verbatim: Vec::new() }
    }

    pub(super) fn error(code: &'static str, reply: String) -> Self {
        Answer { error: Some(code), ..Answer::ok(reply, Value::Null) }
    }

    pub(super) fn with_data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

/// How the order a question is about was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Named,
    Mentioned,
    Latest,
}

impl Source {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Source::Named => "named",
            Source::Mentioned => "mentioned",
            Source::Latest => "latest",
        }
    }
}

pub(super) enum Lookup {
    Found(Box<Order>, Source),
    /// The customer has no order the question could be about.
    NoOrder,
    /// Named but unknown (or, to a customer, someone else's).
    NotFound(String),
    /// Named, exists, belongs to another customer; said only to agents.
    NotOwned(String),
}

/// Mask free text, list the masked fields, shape the result.
pub(super) fn finish(scene: Scene, answer: Answer) -> AssistOutcome {
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
pub(super) fn scrub_strings(value: &mut Value, verbatim: &[String]) {
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

pub(super) fn collect_masked(value: &Value, into: &mut Vec<String>) {
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

pub(super) fn lookup_failure(lang: Lang, lookup: Lookup) -> Answer {
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

pub(super) fn backend_failure(lang: Lang, err: &BackendError) -> Answer {
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

/// Serde errors quote the value they could not read, which may be personal data: quoted
/// parts go before an error reaches a log line.
pub(super) fn redact_detail(detail: &str) -> String {
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""[^"]*"|`[^`]*`|'[^']*'"#).expect("quote pattern is valid"));
    mask::scrub(&QUOTED.replace_all(detail, "\"…\""))
}

pub(super) fn invalid_confirmation(lang: Lang) -> Answer {
    Answer::error(
        TokenError::Invalid.code(),
        match lang {
            Lang::En => "This confirmation does not match this session, agent and request. Nothing was changed; send the same request without a token to get a new confirmation.".into(),
            Lang::Zh => "该确认与当前会话、坐席或请求不匹配，未做任何修改。请不带确认令牌重新发送同一请求以获取新的确认。".into(),
        },
    )
}

pub(super) fn help(lang: Lang, customer_facing: bool) -> String {
    match (lang, customer_facing) {
        (Lang::En, false) => "I can look up an order's status, its shipment, refunds and invoices, and the customer's membership and points; I can also cancel an order, change its shipping address or request a refund. For example: \"Check the status of order ORD-001\".".into(),
        (Lang::Zh, false) => "我可以查询订单状态、物流、退款、发票以及客户的会员等级和积分，也可以取消订单、修改收货地址或申请退款。例如：“查一下订单ORD-001的状态”。".into(),
        (Lang::En, true) => "I can look up your order status, shipment, refunds, invoices, and your membership and points. For example: \"Where is my order ORD-001?\"".into(),
        (Lang::Zh, true) => "我可以帮您查询订单状态、物流、退款、发票以及会员等级和积分。例如：“我的订单ORD-001到哪了”。".into(),
    }
}

pub(super) fn action_en(action: Scene) -> &'static str {
    match action {
        Scene::CancelOrder => "cancelling it",
        Scene::ChangeAddress => "changing its shipping address",
        _ => "requesting a refund",
    }
}

pub(super) fn action_zh(action: Scene) -> &'static str {
    match action {
        Scene::CancelOrder => "取消",
        Scene::ChangeAddress => "修改收货地址",
        _ => "申请退款",
    }
}

pub(super) fn money(amount: f64, currency: &str) -> String {
    format!("{amount:.2} {currency}").trim_end().to_string()
}

pub(super) fn place(separator: &str, location: &str) -> String {
    if location.trim().is_empty() {
        String::new()
    } else {
        format!("{separator}{location}")
    }
}

pub(super) fn status_en(status: &str) -> String {
    status.replace('_', " ")
}

pub(super) fn status_zh(status: &str) -> String {
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

pub(super) fn level_zh(level: &str) -> String {
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
pub(super) fn delivery_phrase(lang: Lang, day: &str, now: DateTime<Utc>) -> String {
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
