//! When the bot hands a customer to a human, how urgent it is, and what the agent reads first.
//!
//! Rules (also in README):
//! - escalate when the request says `escalate_to_human: true`, the customer asks for a human
//!   (English or Chinese), the bot failed `failure_threshold` turns in a row (default 3), or the
//!   customer is agitated;
//! - priority: an explicit request for a human is `highest`; agitation or repeated failure is
//!   `high`; any other reason (e.g. an upstream bot's own) is `medium`; gold, platinum and diamond
//!   members are raised one step (capped at `highest`). An upstream event may set the priority.

use crate::domain::{Author, EscalationCard, EscalationPriority, MemberLevel, Message, Session};
use regex::Regex;
use std::sync::LazyLock;

pub const DEFAULT_FAILURE_THRESHOLD: u32 = 3;
const MAX_ATTEMPTED_SOLUTIONS: usize = 5;
const QUOTE_CHARS: usize = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationTrigger {
    /// The caller set `escalate_to_human: true`.
    Requested,
    /// The customer asked for a person in their own words.
    AskedForHuman,
    /// The bot could not answer this many turns in a row.
    RepeatedFailures(u32),
    /// The customer's words show frustration or anger.
    Agitated,
    /// Impatience without anger: runs of "???" or "!!!", or capitals. It escalates only a turn
    /// the bot could not answer; an answered one gets the answer and the offer of a person.
    Impatient,
}

impl EscalationTrigger {
    fn describe(self) -> String {
        match self {
            EscalationTrigger::Requested | EscalationTrigger::AskedForHuman => {
                "User explicitly requested transfer to a human".to_string()
            }
            EscalationTrigger::RepeatedFailures(n) => {
                format!("The bot failed to answer {n} consecutive turns")
            }
            EscalationTrigger::Agitated => "The user appears agitated".to_string(),
            EscalationTrigger::Impatient => "The user appears impatient".to_string(),
        }
    }
}

/// What one customer turn says about escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationDecision {
    pub triggers: Vec<EscalationTrigger>,
}

impl EscalationDecision {
    pub fn should_escalate(&self) -> bool {
        !self.triggers.is_empty()
    }

    /// Impatience is the only reason: the bot's confident answer beats a silent transfer.
    pub fn only_impatient(&self) -> bool {
        !self.triggers.is_empty() && self.triggers.iter().all(|t| *t == EscalationTrigger::Impatient)
    }

    pub fn reason(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for trigger in &self.triggers {
            let text = trigger.describe();
            if !parts.contains(&text) {
                parts.push(text);
            }
        }
        parts.join("; ")
    }

    pub fn priority(&self, member_level: MemberLevel) -> EscalationPriority {
        let base = if self
            .triggers
            .iter()
            .any(|t| matches!(t, EscalationTrigger::Requested | EscalationTrigger::AskedForHuman))
        {
            EscalationPriority::Highest
        } else if self.triggers.is_empty() {
            EscalationPriority::Medium
        } else {
            EscalationPriority::High
        };
        raise_for_member(base, member_level)
    }
}

/// VIP tiers are served one step sooner.
pub fn raise_for_member(base: EscalationPriority, member_level: MemberLevel) -> EscalationPriority {
    if member_level.is_vip() {
        base.raised()
    } else {
        base
    }
}

/// Decide on one customer turn. `failures_in_a_row` counts this turn if the bot failed it.
pub fn assess_turn(
    explicit_request: bool,
    customer_text: &str,
    failures_in_a_row: u32,
    failure_threshold: u32,
) -> EscalationDecision {
    let mut triggers = Vec::new();
    if explicit_request {
        triggers.push(EscalationTrigger::Requested);
    }
    if asks_for_human(customer_text) {
        triggers.push(EscalationTrigger::AskedForHuman);
    }
    if is_angry(customer_text) {
        triggers.push(EscalationTrigger::Agitated);
    } else if is_impatient(customer_text) {
        triggers.push(EscalationTrigger::Impatient);
    }
    if failure_threshold > 0 && failures_in_a_row >= failure_threshold {
        triggers.push(EscalationTrigger::RepeatedFailures(failures_in_a_row));
    }
    EscalationDecision { triggers }
}

const HUMAN_PHRASES_EN: &[&str] = &[
    "human",
    "real person",
    "live person",
    "live agent",
    "live chat",
    "an agent",
    "customer service agent",
    "representative",
    "operator",
    "talk to someone",
    "speak to someone",
    "speak with someone",
    "talk to a person",
    "speak to a person",
    "speak with a person",
    "transfer me",
    "connect me to",
    "your manager",
    "a manager",
    "supervisor",
];
const HUMAN_PHRASES_ZH: &[&str] = &[
    "转人工", "人工客服", "人工服务", "找人工", "要人工", "真人", "转接客服", "找客服", "接人工", "人工",
];

/// A request for a person, read clause by clause: "No need for a human, thanks" and
/// "不需要人工客服" decline one, "I am a representative of my company" speaks of oneself, but
/// "I don't want a bot, I want a human" and "不要机器人，转人工" ask for one.
pub fn asks_for_human(text: &str) -> bool {
    let text = text.replace(['\u{2019}', '\u{2018}'], "'");
    let asked = clauses(&text).any(clause_asks_for_human);
    asked
}

/// Clauses: split at punctuation and at the words that turn a sentence around.
fn clauses(text: &str) -> impl Iterator<Item = &str> {
    static TURN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)[,.;:!?\n，。；：！？、]|\bbut\b|\binstead\b|但是|可是|不过|而是").expect("clause pattern is valid")
    });
    TURN.split(text).filter(|c| !c.trim().is_empty())
}

/// "don't want", "no need for", "never mind" … before the phrase, within the clause.
static DECLINED_BEFORE_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:no need|no thanks|no thank you|never ?mind|don'?t|do not|doesn'?t|does not|didn'?t|did not|won'?t|will not|wouldn'?t|would not|no longer|rather not|without|not (?:want|need|looking|interested|asking))\b",
    )
    .expect("negation pattern is valid")
});
/// A suggestion, not a refusal: "why don't you connect me to a human".
static SUGGESTION_EN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bwhy (?:don'?t|do not|won'?t|not)\b").expect("suggestion pattern is valid"));
/// "no human", "no agents".
static NO_DIRECTLY_BEFORE_EN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bno\s+$").expect("no pattern is valid"));
/// "… is not necessary", "… isn't needed".
static DECLINED_AFTER_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\w*\s*(?:is|are)?\s*(?:not|n't|isn't|aren't)\s+(?:needed|necessary|required)")
        .expect("negation pattern is valid")
});
/// The speaker is the representative / the human: "I am a representative", "as the operator".
static SELF_BEFORE_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:i am|i'm|im|i was|we are|we're|as|being|work as)\s+(?:(?:a|an|the|our|their)\s+)?(?:[a-z]+\s+)?$")
        .expect("self pattern is valid")
});
/// "a representative of my company", "for our firm".
static AFFILIATION_AFTER_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s+(?:of|for|from|at)\s+(?:my|our|the|this)\b").expect("affiliation pattern is valid")
});
/// "human" that is not a person to talk to.
static NOT_A_PERSON_AFTER_EN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s+(?:error|errors|resources|rights|being|nature)\b").expect("pattern is valid"));
/// 不需要/不用/别 … directly before the phrase (at most three characters between: 别给我转人工).
static DECLINED_BEFORE_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:不需要|不需|不用|不要|别|无需|没必要|不想|不必|用不着|不找|不转|先不|暂时不|不打算|拒绝)\P{P}{0,3}$")
        .expect("negation pattern is valid")
});
/// 人工就不用了 / 人工不需要了.
static DECLINED_AFTER_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:客服|服务)?(?:就|也|先)?(?:不用|不需要|不必|算了|免了)").expect("negation pattern is valid")
});

fn clause_asks_for_human(clause: &str) -> bool {
    let lower = clause.to_lowercase();
    let english = HUMAN_PHRASES_EN.iter().any(|p| {
        lower.match_indices(p).any(|(at, m)| {
            let before = &lower[..at];
            let after = &lower[at + m.len()..];
            // "humane"/"humanity"/"inhuman" are not requests for a person.
            if after.chars().next().is_some_and(char::is_alphabetic)
                || before.chars().next_back().is_some_and(char::is_alphabetic)
            {
                return false;
            }
            let window: String = {
                let words: Vec<&str> = before.split_whitespace().collect();
                words[words.len().saturating_sub(6)..].join(" ")
            };
            let declined = (DECLINED_BEFORE_EN.is_match(&window) && !SUGGESTION_EN.is_match(&window))
                || NO_DIRECTLY_BEFORE_EN.is_match(before)
                || DECLINED_AFTER_EN.is_match(after);
            let about_oneself = SELF_BEFORE_EN.is_match(before) || AFFILIATION_AFTER_EN.is_match(after);
            !declined && !about_oneself && !NOT_A_PERSON_AFTER_EN.is_match(after)
        })
    });
    english
        || HUMAN_PHRASES_ZH.iter().any(|p| {
            clause.match_indices(p).any(|(at, m)| {
                !DECLINED_BEFORE_ZH.is_match(&clause[..at]) && !DECLINED_AFTER_ZH.is_match(&clause[at + m.len()..])
            })
        })
}

const AGITATION_EN: &[&str] = &[
    "angry",
    "furious",
    "ridiculous",
    "terrible",
    "worst",
    "useless",
    "unacceptable",
    "scam",
    "wtf",
    "fed up",
    "sick of",
    "complaint",
    "lawyer",
    "pathetic",
    "stupid",
    "hopeless",
    "waste of time",
    "disgusting",
];
const AGITATION_ZH: &[&str] = &[
    "生气", "气死", "垃圾", "投诉", "太差", "骗子", "什么破", "无语", "受不了", "愤怒", "离谱", "坑人", "差评", "烦死",
];

/// Angry or impatient: words that a person should read.
pub fn is_agitated(text: &str) -> bool {
    is_angry(text) || is_impatient(text)
}

/// Words of anger or complaint, in either language.
pub fn is_angry(text: &str) -> bool {
    let lower = text.to_lowercase();
    AGITATION_EN.iter().any(|w| lower.contains(w)) || AGITATION_ZH.iter().any(|w| text.contains(w))
}

/// Runs of question or exclamation marks, or shouting, unless the capitals are thanks
/// ("THANK YOU SO MUCH!!!" is delight, not impatience).
pub fn is_impatient(text: &str) -> bool {
    if is_grateful(text) {
        return false;
    }
    let marks = ["!!!", "！！", "???", "？？", "?!", "!?"];
    marks.iter().any(|m| text.contains(m)) || is_shouting(text)
}

const GRATITUDE_EN: &[&str] = &["thank", "thx", "thanks", "appreciate", "awesome", "great job", "love it", "perfect", "brilliant"];
const GRATITUDE_ZH: &[&str] = &["谢谢", "多谢", "感谢", "太好了", "辛苦了"];

fn is_grateful(text: &str) -> bool {
    let lower = text.to_lowercase();
    let thanks = GRATITUDE_EN.iter().any(|w| lower.contains(w)) || GRATITUDE_ZH.iter().any(|w| text.contains(w));
    // "thx" after a question is politeness around the question; only a message that is mostly
    // thanks is delight. A question mark means there is still something to answer.
    thanks && !text.contains('?') && !text.contains('？')
}

/// Three or more words, nearly all capital letters.
fn is_shouting(text: &str) -> bool {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .collect();
    if words.len() < 3 {
        return false;
    }
    let upper = words
        .iter()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).all(|c| c.is_uppercase()))
        .count();
    upper * 4 >= words.len() * 3
}

static ENTITY_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    // ASCII word boundaries: in Unicode mode a Chinese character counts as a word character, and
    // "订单ORD-001的状态" would hide its order id.
    [
        r"(?i)(?-u:\b)ORD-\d{1,12}(?-u:\b)",
        r"(?i)(?-u:\b)RF-\d{1,12}(?-u:\b)",
        r"(?i)(?-u:\b)INV-\d{1,12}(?-u:\b)",
        r"(?-u:\b)(?:SF|JD|YT|ZTO|EMS)\d{8,15}(?-u:\b)",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("entity patterns are valid"))
    .collect()
});

/// Order ids, refund ids, invoice ids and tracking numbers, upper-cased, in order of appearance.
pub fn extract_entities(text: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for pattern in ENTITY_PATTERNS.iter() {
        for m in pattern.find_iter(text) {
            found.push((m.start(), m.as_str().to_uppercase()));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    let mut entities: Vec<String> = Vec::new();
    for (_, entity) in found {
        if !entities.contains(&entity) {
            entities.push(entity);
        }
    }
    entities
}

/// What a queue row shows of a customer's message, so rows that share an escalation reason still
/// tell apart: its first line (shortened), its language and the order it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glance {
    pub words: String,
    /// `zh` when the message has any Chinese in it, else `en` (the two languages the bot serves).
    pub language: &'static str,
    pub order_id: Option<String>,
}

/// `zh` when the text has any Chinese in it, else `en`: the two languages the bot serves.
pub fn language_of(text: &str) -> &'static str {
    if text.chars().any(|c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')) {
        "zh"
    } else {
        "en"
    }
}

/// Characters of the first line a row keeps; longer lines end in an ellipsis.
pub const GLANCE_CHARS: usize = 120;

pub fn glance(text: &str) -> Glance {
    let first_line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut words: String = first_line.chars().take(GLANCE_CHARS).collect();
    if first_line.chars().count() > GLANCE_CHARS || text.trim().lines().count() > 1 {
        words.push('…');
    }
    Glance {
        words,
        language: language_of(text),
        order_id: extract_entities(text).into_iter().find(|e| e.starts_with("ORD-")),
    }
}

/// The order ids mentioned anywhere in a conversation.
pub fn order_ids_in(history: &[Message]) -> Vec<String> {
    let mut ids = Vec::new();
    for message in history {
        for entity in extract_entities(&message.content) {
            if entity.starts_with("ORD-") && !ids.contains(&entity) {
                ids.push(entity);
            }
        }
    }
    ids
}

fn quote(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= QUOTE_CHARS {
        trimmed.to_string()
    } else {
        let cut: String = trimmed.chars().take(QUOTE_CHARS).collect();
        format!("{cut}…")
    }
}

/// A summary in the customer's own words: their first message and their latest ones, the
/// entities they mentioned, and why the conversation reached a human.
pub fn summarize(history: &[Message], escalate_reason: &str) -> String {
    let customer: Vec<&Message> = history.iter().filter(|m| m.author == Author::Customer).collect();
    let mut quoted: Vec<String> = Vec::new();
    let picks: Vec<&Message> = match customer.len() {
        0 => Vec::new(),
        1..=3 => customer.clone(),
        n => vec![customer[0], customer[n - 2], customer[n - 1]],
    };
    for message in picks {
        let q = format!("\"{}\"", quote(&message.content));
        if !quoted.contains(&q) {
            quoted.push(q);
        }
    }
    let mut summary = if quoted.is_empty() {
        "The customer has not written anything yet.".to_string()
    } else {
        format!("Customer wrote: {}.", quoted.join(" … "))
    };
    let entities: Vec<String> = customer.iter().flat_map(|m| extract_entities(&m.content)).fold(
        Vec::new(),
        |mut acc, e| {
            if !acc.contains(&e) {
                acc.push(e);
            }
            acc
        },
    );
    if !entities.is_empty() {
        summary.push_str(&format!(" Mentioned: {}.", entities.join(", ")));
    }
    if !escalate_reason.is_empty() {
        summary.push_str(&format!(" Escalated because: {escalate_reason}."));
    }
    summary
}

/// Record a bot reply as an attempted solution, keeping the newest few and no duplicates.
pub fn remember_attempt(attempts: &mut Vec<String>, bot_reply: &str) {
    let reply = bot_reply.trim();
    if reply.is_empty() || attempts.iter().any(|a| a == reply) {
        return;
    }
    attempts.push(reply.to_string());
    if attempts.len() > MAX_ATTEMPTED_SOLUTIONS {
        let excess = attempts.len() - MAX_ATTEMPTED_SOLUTIONS;
        attempts.drain(..excess);
    }
}

/// Build the card from what the session knows. Used at escalation and to rebuild a missing card.
pub fn build_card(session: &Session, history: &[Message], history_ticket_count: u32) -> EscalationCard {
    let reason = session.escalate_reason.clone().unwrap_or_default();
    let attempted_solutions = if session.attempted_solutions.is_empty() {
        let mut attempts = Vec::new();
        for m in history.iter().filter(|m| m.author == Author::Bot) {
            remember_attempt(&mut attempts, &m.content);
        }
        attempts
    } else {
        session.attempted_solutions.clone()
    };
    EscalationCard {
        session_id: session.session_id.clone(),
        user_id: session.user_id.clone(),
        member_level: session.member_level,
        history_ticket_count,
        turn_count: session.turn_count,
        conversation_summary: summarize(history, &reason),
        attempted_solutions,
        escalate_reason: reason,
        priority: session.priority.unwrap_or(EscalationPriority::Medium),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use chrono::Utc;

    fn customer(text: &str) -> Message {
        Message {
            message_id: crate::domain::new_id("msg"),
            role: Role::User,
            author: Author::Customer,
            content: text.to_string(),
            timestamp: Utc::now(),
            agent_id: None,
            agent_name: None,
        }
    }

    fn bot(text: &str) -> Message {
        Message { role: Role::Assistant, author: Author::Bot, ..customer(text) }
    }

    #[test]
    fn a_glance_is_the_first_line_its_language_and_the_order_it_names() {
        let g = glance("My parcel ord-042 never came\nplease check");
        assert_eq!(g.words, "My parcel ord-042 never came…");
        assert_eq!((g.language, g.order_id.as_deref()), ("en", Some("ORD-042")));
        let g = glance("订单ORD-007还没到，转人工");
        assert_eq!((g.words.as_str(), g.language, g.order_id.as_deref()), ("订单ORD-007还没到，转人工", "zh", Some("ORD-007")));
        let long = "x".repeat(GLANCE_CHARS + 5);
        let g = glance(&long);
        assert_eq!(g.words.chars().count(), GLANCE_CHARS + 1);
        assert!(g.words.ends_with('…'));
        assert_eq!(glance("  \n hello ").order_id, None);
        assert_eq!(glance("  \n hello ").words, "hello");
    }

    #[test]
    fn english_and_chinese_requests_for_a_human_are_recognised() {
        for text in [
            "I want to talk to a human",
            "Can I speak to a real person please",
            "get me a live agent",
            "representative",
            "转人工",
            "我要人工客服",
            "请帮我找真人",
        ] {
            assert!(asks_for_human(text), "{text}");
        }
    }

    #[test]
    fn ordinary_questions_are_not_requests_for_a_human() {
        for text in ["Where is my order ORD-001?", "Is this a humane product?", "我的订单到哪了", "how do refunds work"] {
            assert!(!asks_for_human(text), "{text}");
        }
    }

    #[test]
    fn declining_a_human_is_not_a_request_for_one() {
        for text in [
            "No need for a human, thanks",
            "I don't want to talk to a real person",
            "I don\u{2019}t need an agent, the FAQ answered it",
            "no human please, just tell me the refund policy",
            "A human is not necessary, thanks",
            "never mind the representative, I found it",
            "不需要人工客服，谢谢",
            "不用转人工了",
            "我不想找人工",
            "别给我转人工",
            "无需人工，我自己看",
            "人工就不用了，谢谢",
        ] {
            assert!(!asks_for_human(text), "{text}");
            let decision = assess_turn(false, text, 0, 3);
            assert!(!decision.should_escalate(), "{text}: {decision:?}");
        }
    }

    #[test]
    fn speaking_of_oneself_or_ones_company_is_not_a_request() {
        for text in [
            "I am a representative of my company and need an invoice",
            "I'm the sales representative for ACME, where is our order?",
            "As a representative of our firm I ordered 20 kettles",
            "I am human, not a robot",
            "Was this a human error in the address?",
        ] {
            assert!(!asks_for_human(text), "{text}");
        }
    }

    #[test]
    fn a_request_beside_a_negation_of_something_else_still_counts() {
        for text in [
            "I don't want a bot, I want a human",
            "No more bots. Human please",
            "不要机器人，转人工",
            "不要机器人转人工",
            "不想跟机器人聊了，要真人",
            "Why can't I talk to a real person?",
            "Why don't you connect me to a human",
            "Let me speak to a representative",
            "customer service representative please",
        ] {
            assert!(asks_for_human(text), "{text}");
            assert_eq!(assess_turn(false, text, 0, 3).priority(MemberLevel::Regular), EscalationPriority::Highest, "{text}");
        }
    }

    #[test]
    fn impatience_is_not_anger_and_thanks_in_capitals_is_neither() {
        for text in ["Is delivery free??? thx", "HOW LONG DOES SHIPPING TAKE", "where is it?!", "还没到吗？？"] {
            assert!(is_impatient(text) && !is_angry(text), "{text}");
            assert_eq!(assess_turn(false, text, 0, 3).triggers, vec![EscalationTrigger::Impatient], "{text}");
            assert!(assess_turn(false, text, 0, 3).only_impatient(), "{text}");
        }
        for text in ["THANK YOU SO MUCH!!!", "THANKS A LOT GUYS", "谢谢！！"] {
            assert!(!is_agitated(text), "{text}");
        }
        // Anger stays anger however it is punctuated, and it is never "only impatient".
        let angry = assess_turn(false, "This is ridiculous!!!", 0, 3);
        assert_eq!(angry.triggers, vec![EscalationTrigger::Agitated]);
        assert!(!angry.only_impatient());
        assert!(!assess_turn(true, "hello???", 0, 3).only_impatient(), "a request for a person is not impatience");
        assert!(!assess_turn(false, "where is it", 0, 3).only_impatient());
    }

    #[test]
    fn agitation_is_recognised_in_both_languages_and_in_shouting() {
        for text in ["This is ridiculous", "worst service ever", "我要投诉你们", "气死我了", "WHERE IS MY PARCEL NOW", "hello???"] {
            assert!(is_agitated(text), "{text}");
        }
        for text in ["Where is my parcel?", "我想查询物流", "I ordered an ASUS laptop"] {
            assert!(!is_agitated(text), "{text}");
        }
    }

    #[test]
    fn repeated_failures_escalate_at_the_threshold() {
        assert!(!assess_turn(false, "where is it", 2, 3).should_escalate());
        let decision = assess_turn(false, "where is it", 3, 3);
        assert_eq!(decision.triggers, vec![EscalationTrigger::RepeatedFailures(3)]);
        assert_eq!(decision.priority(MemberLevel::Regular), EscalationPriority::High);
    }

    #[test]
    fn an_explicit_request_is_highest_priority() {
        let decision = assess_turn(true, "hello", 0, 3);
        assert_eq!(decision.priority(MemberLevel::Regular), EscalationPriority::Highest);
        let decision = assess_turn(false, "转人工", 0, 3);
        assert_eq!(decision.priority(MemberLevel::Silver), EscalationPriority::Highest);
    }

    #[test]
    fn vip_members_are_raised_one_step() {
        let agitated = assess_turn(false, "this is unacceptable", 1, 3);
        assert_eq!(agitated.priority(MemberLevel::Regular), EscalationPriority::High);
        assert_eq!(agitated.priority(MemberLevel::Gold), EscalationPriority::Highest);
        assert_eq!(raise_for_member(EscalationPriority::Medium, MemberLevel::Platinum), EscalationPriority::High);
        assert_eq!(raise_for_member(EscalationPriority::Medium, MemberLevel::Silver), EscalationPriority::Medium);
    }

    #[test]
    fn the_reason_names_every_trigger_once() {
        let decision = assess_turn(true, "I want a human, this is ridiculous", 3, 3);
        assert_eq!(
            decision.reason(),
            "User explicitly requested transfer to a human; The user appears agitated; The bot failed to answer 3 consecutive turns"
        );
    }

    #[test]
    fn entities_are_found_upper_cased_and_deduplicated() {
        let entities = extract_entities("my order ord-001 and ORD-001 again, tracking SF1234567890, refund RF-77");
        assert_eq!(entities, vec!["ORD-001", "SF1234567890", "RF-77"]);
    }

    #[test]
    fn entities_next_to_chinese_text_are_found() {
        assert_eq!(extract_entities("查一下订单ORD-001的状态"), vec!["ORD-001"]);
        assert_eq!(extract_entities("运单号SF1234567890到哪了"), vec!["SF1234567890"]);
    }

    #[test]
    fn the_summary_quotes_the_customer_and_names_entities() {
        let history = vec![
            customer("Where is my order ORD-001?"),
            bot("Sorry, I could not find an answer."),
            customer("It has been a week"),
            customer("still nothing"),
            customer("I want a human now"),
        ];
        let summary = summarize(&history, "User explicitly requested transfer to a human");
        assert!(summary.starts_with("Customer wrote: \"Where is my order ORD-001?\""), "{summary}");
        assert!(summary.contains("\"I want a human now\""), "{summary}");
        assert!(!summary.contains("It has been a week"), "{summary}");
        assert!(summary.contains("Mentioned: ORD-001."), "{summary}");
        assert!(summary.ends_with("Escalated because: User explicitly requested transfer to a human."), "{summary}");
    }

    #[test]
    fn attempted_solutions_keep_the_newest_five_without_duplicates() {
        let mut attempts = Vec::new();
        for i in 0..7 {
            remember_attempt(&mut attempts, &format!("try {i}"));
            remember_attempt(&mut attempts, &format!("try {i}"));
        }
        assert_eq!(attempts, vec!["try 2", "try 3", "try 4", "try 5", "try 6"]);
    }

    #[test]
    fn a_card_is_built_from_the_session_and_its_history() {
        let mut session = Session::new("sess-1".into(), "u_1".into(), MemberLevel::Gold, Utc::now());
        session.turn_count = 2;
        session.priority = Some(EscalationPriority::High);
        session.escalate_reason = Some("The user appears agitated".into());
        let history = vec![customer("ORD-009 is late, ridiculous"), bot("You can track it under My Orders.")];
        let card = build_card(&session, &history, 4);
        assert_eq!(card.history_ticket_count, 4);
        assert_eq!(card.turn_count, 2);
        assert_eq!(card.priority, EscalationPriority::High);
        assert_eq!(card.attempted_solutions, vec!["You can track it under My Orders."]);
        assert!(card.conversation_summary.contains("ORD-009"));
    }
}
