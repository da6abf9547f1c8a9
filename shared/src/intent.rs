//! Keyword intent recognition, in English and Chinese. The labels are the knowledge base's FAQ
//! intents, so a recognised intent and a matched FAQ speak the same language.

pub const GENERAL: &str = "general";

/// Intent labels, in the order they are tried: the first with a matching keyword wins.
const RULES: &[(&str, &[&str])] = &[
    (
        "account_security",
        &["password", "log in", "login", "2fa", "two-factor", "hacked", "account security", "verification code", "密码", "登录", "账号安全", "验证码", "被盗"],
    ),
    ("invoice", &["invoice", "receipt", "vat", "tax id", "发票", "税号", "抬头"]),
    (
        "returns_refunds",
        &["refund", "return", "exchange", "money back", "damaged", "broken", "退款", "退货", "换货", "退钱", "破损"],
    ),
    (
        "payment",
        &["payment", "pay ", "paid", "charged", "charge", "credit card", "installment", "gift card", "支付", "付款", "扣款", "扣了", "分期", "礼品卡"],
    ),
    (
        "shipping",
        &["shipping", "shipment", "delivery", "deliver", "tracking", "parcel", "package", "courier", "物流", "快递", "配送", "发货", "运费", "包裹"],
    ),
    (
        "membership",
        &["member", "membership", "points", "vip", "tier", "gold", "platinum", "diamond", "会员", "积分", "等级"],
    ),
    ("order_status", &["order", "ord-", "cancel", "订单", "取消"]),
];

/// The intent of a text by keywords, or `general`.
pub fn recognise(text: &str) -> &'static str {
    let lower = text.to_lowercase();
    RULES
        .iter()
        .find(|(_, keywords)| keywords.iter().any(|k| lower.contains(k)))
        .map(|(intent, _)| *intent)
        .unwrap_or(GENERAL)
}

/// Intent labels accepted from clients: lower-case words joined by underscores.
pub fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 64
        && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A self-service pointer for a topic: what the bot suggests when it has no answer, recorded on
/// the card as an attempted solution.
pub fn self_service_hint(intent: &str) -> Option<(&'static str, &'static str)> {
    // (what the customer is told, how the card records it)
    match intent {
        "order_status" => Some((
            "You can see the latest status of every order under My Orders > Order details.",
            "Suggested checking My Orders > Order details",
        )),
        "shipping" => Some((
            "Tracking for shipped orders is on the order details page under \"Track shipment\".",
            "Suggested tracking the shipment from the order details page",
        )),
        "returns_refunds" => Some((
            "Returns and refunds can be started from My Orders > Return/Refund.",
            "Suggested starting a return from My Orders > Return/Refund",
        )),
        "payment" => Some((
            "Payment records are under Account > Payments; failed payments are never charged.",
            "Suggested checking Account > Payments",
        )),
        "invoice" => Some((
            "Invoices can be requested and downloaded from the order details page under \"Invoice\".",
            "Suggested requesting the invoice from the order details page",
        )),
        "membership" => Some((
            "Your tier, points and benefits are shown under Account > Membership.",
            "Suggested checking Account > Membership",
        )),
        "account_security" => Some((
            "You can reset your password and turn on two-factor login under Account > Security.",
            "Suggested resetting the password under Account > Security",
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_pick_the_topic_in_both_languages() {
        assert_eq!(recognise("Where is the shipment of order ORD-001?"), "shipping");
        assert_eq!(recognise("I want a refund"), "returns_refunds");
        assert_eq!(recognise("我要开发票"), "invoice");
        assert_eq!(recognise("忘记密码了"), "account_security");
        assert_eq!(recognise("cancel ORD-002"), "order_status");
        assert_eq!(recognise("hello there"), GENERAL);
    }

    #[test]
    fn labels_are_snake_case_words() {
        assert!(is_valid_label("business_query"));
        assert!(!is_valid_label("Business Query"));
        assert!(!is_valid_label(""));
    }
}
