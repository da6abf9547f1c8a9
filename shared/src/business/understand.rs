//! What an agent's (or a customer's) question asks for: the scene, the order it names and, for
//! writes, the new address or the refund reason. English and Chinese, by keywords: the
//! vocabulary of an order desk is small, and a rule that misfires is easy to see and fix.

use super::mask::is_cjk;
use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scene {
    Order,
    Logistics,
    Refund,
    Account,
    Invoice,
    CancelOrder,
    ChangeAddress,
    RequestRefund,
    Unknown,
}

impl Scene {
    pub const READS: [Scene; 5] = [Scene::Order, Scene::Logistics, Scene::Refund, Scene::Account, Scene::Invoice];
    pub const WRITES: [Scene; 3] = [Scene::CancelOrder, Scene::ChangeAddress, Scene::RequestRefund];

    pub fn as_str(self) -> &'static str {
        match self {
            Scene::Order => "order",
            Scene::Logistics => "logistics",
            Scene::Refund => "refund",
            Scene::Account => "account",
            Scene::Invoice => "invoice",
            Scene::CancelOrder => "cancel_order",
            Scene::ChangeAddress => "change_address",
            Scene::RequestRefund => "request_refund",
            Scene::Unknown => "unknown",
        }
    }

    pub fn parse(value: &str) -> Option<Scene> {
        Self::READS.into_iter().chain(Self::WRITES).find(|s| s.as_str() == value)
    }

    pub fn is_write(self) -> bool {
        Self::WRITES.contains(&self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// Answer in Chinese when the question has any Chinese in it.
    pub fn of(text: &str) -> Lang {
        if text.chars().any(is_cjk) {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Understanding {
    pub scene: Scene,
    pub lang: Lang,
    /// The first order id the question itself names, upper-cased.
    pub order_id: Option<String>,
    /// For `change_address`: the text after "to" / "改为" / "改成".
    pub new_address: Option<String>,
    /// For `request_refund`: the text after "because" / "reason" / "因为" / "原因".
    pub reason: Option<String>,
}

/// Word boundaries are ASCII ones: in Unicode mode `\b` sees no boundary between `订单` and
/// `ORD-001` (Chinese characters are word characters), so "订单ORD-001" would name no order.
fn regex(pattern: &str) -> Regex {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)")).expect("scene patterns are valid")
}

/// Reading words: a question about a refund's progress is not a request for one.
static READ_CUES: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(?:status|progress|where|when|track|tracking|check|has|have|did|was|is there|already|how long|look up|lookup|know)\b|进度|状态|到账|了吗|了没|没有|多久|什么时候|查|是否|有没有|到哪",
    )
});

static CANCEL: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)\bcancel\b|取消"));
/// "was it cancelled", "已取消", "取消了吗" ask about a cancellation, not for one.
static CANCEL_ASKED: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\bcancel(?:led|ed|lation)\b|已取消|被取消|取消了吗|取消了没|取消成功了吗"));

static CHANGE_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(?:change|update|modify|correct|edit|switch)\b[^.?!]{0,40}\baddress\b|\baddress\b[^.?!]{0,40}\b(?:change|update)\b|(?:改|修改|更改|更换|换|变更)[^。？！]{0,6}地址|地址[^。？！]{0,6}(?:改|换|变更)",
    )
});

/// Addresses that are not where a parcel goes.
static NOT_SHIPPING_ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\be-?mail address\b|\bip address\b|邮箱地址|邮件地址"));

static REQUEST_REFUND: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(?:request|apply for|issue|initiate|start|process|file|want|need|would like|'d like|give me|get me|get)\b[^.?!]{0,30}\b(?:refund|return)\b|\brefund\s+(?:this|that|the|my|it|order|ord-)|(?:申请|我要|要|想|帮我|给我|请|办理|发起)[^。？！]{0,4}(?:退款|退货|退钱)|(?:退款|退货)吧",
    )
});

/// Read scenes by their vocabulary, in the order that breaks a tie.
static READ_SCENES: LazyLock<Vec<(Scene, Regex)>> = LazyLock::new(|| {
    vec![
        (
            Scene::Refund,
            regex(
                r"(?i)\b(?:refunds?|refunded|returns?|returned|money back|reimburse\w*|chargeback)\b|退款|退货|退钱|退回|退了",
            ),
        ),
        (
            Scene::Invoice,
            regex(r"(?i)\b(?:invoices?|receipts?|fapiao|vat|tax id|billing)\b|发票|开票|税号|抬头|报销凭证"),
        ),
        (
            Scene::Logistics,
            regex(
                r"(?i)\b(?:ship(?:ment|ping|ped)?|tracking|track|deliver(?:y|ed)?|courier|carrier|parcel|package|logistics|dispatch(?:ed)?|arrive[sd]?|where is my order)\b|物流|快递|发货|到哪|运单|配送|送达|签收|派送|包裹|到了吗",
            ),
        ),
        (
            Scene::Account,
            regex(
                r"(?i)\b(?:account|member(?:ship)?|tier|level|points?|profile|loyalty|vip|rewards?)\b|会员|等级|积分|账户|账号|个人信息|资料",
            ),
        ),
        (Scene::Order, regex(r"(?i)\b(?:orders?|status|purchase[sd]?|bought)\b|订单|状态|买的|下单")),
    ]
});

/// Where the word "address" is; the new address follows it.
static ADDRESS_WORD: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)\baddress\b|地址"));
static ADDRESS_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?is)(?:\bto\b|\bas\b|改为|改成|改到|换成|换为|更改为|修改为|变更为|^\s*为|^\s*[:：])\s*[:：]?\s*(.+)$")
});
static REASON_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?is)(?:\bbecause(?: of)?\b|\breason\s*(?:is|:)?|\bdue to\b|\bsince\b|因为|原因是|原因[:：]|理由是|理由[:：])\s*[:：]?\s*(.+)$",
    )
});
/// An order reference inside captured free text: "for order ORD-001", "订单ORD-001".
static ORDER_REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)(?:\b(?:for|of|on)\s+)?(?:\border\s+|订单\s*)?\bORD-\d{1,12}\b(?:的)?"));

pub fn understand(query: &str) -> Understanding {
    let order_id = order_ids_in(query).into_iter().next();
    let scene = scene_of(query, order_id.is_some());
    let new_address = (scene == Scene::ChangeAddress)
        .then(|| {
            let after_word = ADDRESS_WORD.find(query).map(|m| &query[m.end()..]).unwrap_or(query);
            captured(&ADDRESS_AFTER, after_word)
        })
        .flatten();
    let reason = (scene == Scene::RequestRefund).then(|| captured(&REASON_AFTER, query)).flatten();
    // The language of the request, not of the address or reason quoted in it.
    let mut instruction = query.to_string();
    for quoted in new_address.iter().chain(reason.iter()) {
        instruction = instruction.replace(quoted.as_str(), " ");
    }
    let lang = Lang::of(&instruction);
    Understanding { scene, lang, order_id, new_address, reason }
}

static ORDER_ID: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)\bORD-\d{1,12}\b"));

/// Order ids in a text, upper-cased, each once, in order of first appearance.
pub fn order_ids_in(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for m in ORDER_ID.find_iter(text) {
        let id = m.as_str().to_uppercase();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn scene_of(query: &str, names_an_order: bool) -> Scene {
    // "…because the parcel was damaged": the reason is not a question.
    let before_reason = REASON_AFTER.find(query).map(|m| &query[..m.start()]).unwrap_or(query);
    let reading = READ_CUES.is_match(before_reason);
    if CHANGE_ADDRESS.is_match(query) && !query_asks_about_address(query) && !NOT_SHIPPING_ADDRESS.is_match(query) {
        return Scene::ChangeAddress;
    }
    if CANCEL.is_match(query) && !CANCEL_ASKED.is_match(query) && !reading_about_cancel(query) {
        return Scene::CancelOrder;
    }
    if REQUEST_REFUND.is_match(query) && !reading {
        return Scene::RequestRefund;
    }
    let best = READ_SCENES
        .iter()
        .map(|(scene, pattern)| (*scene, pattern.find_iter(query).count()))
        .filter(|(_, hits)| *hits > 0)
        // `max_by_key` keeps the last of equals; reversing keeps the first, the tie-breaker.
        .rev()
        .max_by_key(|(_, hits)| *hits);
    match best {
        Some((scene, _)) => scene,
        None if names_an_order => Scene::Order,
        None => Scene::Unknown,
    }
}

/// "Has the address been changed?" / "地址改了吗" ask, they do not instruct.
fn query_asks_about_address(query: &str) -> bool {
    let lower = query.to_lowercase();
    ["has the address", "was the address", "is the address", "did the address"].iter().any(|p| lower.contains(p))
        || ["改了吗", "改了没", "改好了吗", "修改成功了吗"].iter().any(|p| query.contains(p))
}

/// "Can I cancel?" instructs; "check whether ORD-1 can be cancelled" does not reach here
/// (`cancelled` is caught by CANCEL_ASKED); "取消的订单" describes rather than asks.
fn reading_about_cancel(query: &str) -> bool {
    query.contains("取消的") || query.contains("取消订单的进度") || query.contains("取消状态")
}

fn captured(pattern: &Regex, query: &str) -> Option<String> {
    let raw = pattern.captures(query)?.get(1)?.as_str();
    let without_orders = ORDER_REFERENCE.replace_all(raw, " ");
    let cleaned = without_orders
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c.is_whitespace() || ".,;:!?。，；：！？\"'“”".contains(c))
        .to_string();
    let cleaned = cleaned.strip_suffix(" please").unwrap_or(&cleaned).to_string();
    (!cleaned.is_empty()).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(query: &str) -> Scene {
        understand(query).scene
    }

    #[test]
    fn order_status_questions_in_both_languages() {
        for q in [
            "Check the status of order ORD-001",
            "what's the status of ord-7",
            "Check the user's order status",
            "ORD-001",
            "查一下订单ORD-001的状态",
            "我的订单怎么样了",
        ] {
            assert_eq!(scene(q), Scene::Order, "{q}");
        }
        assert_eq!(understand("查一下订单ord-001的状态").order_id.as_deref(), Some("ORD-001"));
        assert_eq!(order_ids_in("订单ORD-001和ORD-002，还有ord-001"), vec!["ORD-001", "ORD-002"]);
        assert_eq!(order_ids_in("XORD-001 ORD-0012345678901234 ORD-"), Vec::<String>::new());
    }

    #[test]
    fn logistics_questions_in_both_languages() {
        for q in [
            "Where is the shipment of order ORD-001?",
            "tracking number for ORD-002",
            "when will my package arrive",
            "Where is my order?",
            "物流到哪了",
            "快递什么时候到",
            "ORD-001发货了吗",
        ] {
            assert_eq!(scene(q), Scene::Logistics, "{q}");
        }
    }

    #[test]
    fn refund_status_questions_are_reads() {
        for q in [
            "What is the refund status of ORD-003?",
            "Has my refund arrived?",
            "where is my refund",
            "I want to know my refund progress",
            "退款进度",
            "退款到账了吗",
            "帮我查一下退款进度",
        ] {
            assert_eq!(scene(q), Scene::Refund, "{q}");
        }
    }

    #[test]
    fn account_and_invoice_questions() {
        for q in
            ["What is my membership tier?", "how many points does the customer have", "我的会员等级", "积分还有多少"]
        {
            assert_eq!(scene(q), Scene::Account, "{q}");
        }
        for q in ["Has the invoice for ORD-001 been issued?", "send me the receipt", "开发票了吗", "发票抬头是什么"]
        {
            assert_eq!(scene(q), Scene::Invoice, "{q}");
        }
    }

    #[test]
    fn cancellations_are_writes_unless_they_ask_about_one() {
        for q in ["Cancel order ORD-002", "please cancel it", "帮我取消订单", "取消ORD-002"] {
            assert_eq!(scene(q), Scene::CancelOrder, "{q}");
        }
        for q in ["Was ORD-002 cancelled?", "订单ORD-002已取消了吗"] {
            assert_ne!(scene(q), Scene::CancelOrder, "{q}");
        }
    }

    #[test]
    fn address_changes_carry_the_new_address() {
        let u = understand("Change the shipping address of ORD-002 to 12 Century Ave, Pudong, Shanghai");
        assert_eq!(u.scene, Scene::ChangeAddress);
        assert_eq!(u.order_id.as_deref(), Some("ORD-002"));
        assert_eq!(u.new_address.as_deref(), Some("12 Century Ave, Pudong, Shanghai"));

        assert_eq!(u.lang, Lang::En, "an address in Chinese does not make the request Chinese");

        let u = understand("把订单ORD-002的收货地址改为上海市浦东新区世纪大道100号");
        assert_eq!(u.scene, Scene::ChangeAddress);
        assert_eq!(u.lang, Lang::Zh);
        assert_eq!(u.new_address.as_deref(), Some("上海市浦东新区世纪大道100号"));

        let u = understand("地址改成北京市朝阳区建国路88号");
        assert_eq!(u.scene, Scene::ChangeAddress);
        assert_eq!(u.order_id, None);
        assert_eq!(u.new_address.as_deref(), Some("北京市朝阳区建国路88号"));

        let u = understand("update the address to 5 Main St for order ORD-9.");
        assert_eq!(u.new_address.as_deref(), Some("5 Main St"));

        assert_eq!(understand("I need to change the address").new_address, None);
    }

    #[test]
    fn refund_requests_carry_the_reason() {
        let u = understand("Request a refund for ORD-003 because the item arrived damaged");
        assert_eq!(u.scene, Scene::RequestRefund);
        assert_eq!(u.order_id.as_deref(), Some("ORD-003"));
        assert_eq!(u.reason.as_deref(), Some("the item arrived damaged"));

        let u = understand("我要退款，原因是尺码不合适");
        assert_eq!(u.scene, Scene::RequestRefund);
        assert_eq!(u.reason.as_deref(), Some("尺码不合适"));

        // Words of the reason ("was") do not make the request a question.
        let u = understand("I want a refund because the parcel was damaged");
        assert_eq!(u.scene, Scene::RequestRefund);
        assert_eq!(u.reason.as_deref(), Some("the parcel was damaged"));

        let u = understand("申请退款ORD-003");
        assert_eq!(u.scene, Scene::RequestRefund);
        assert_eq!(u.reason, None);
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(scene("hello there"), Scene::Unknown);
        assert_eq!(scene("你好"), Scene::Unknown);
    }

    #[test]
    fn the_reply_language_follows_the_question() {
        assert_eq!(understand("物流到哪了").lang, Lang::Zh);
        assert_eq!(understand("Where is ORD-1").lang, Lang::En);
    }
}
