//! The bot's side of a customer turn, pure: by the session's status the bot answers (and may
//! escalate), tells the customer an agent is coming, or steps aside while an agent talks. The
//! chat handler parses, asks the bot for a reply (retrieval and business lookups are I/O), asks
//! this module what the turn does, has the store write it as one guarded transaction, and
//! answers with the plan's outcome.

use crate::domain::{new_id, AgentStatus, Author, EscalationPriority, Message, Role, Session};
use crate::escalation::{assess_turn, language_of, remember_attempt};
use crate::state_machine::Action;
use chrono::{DateTime, Utc};

/// How a turn without an answer begins.
pub const FALLBACK: &str = "Sorry, I couldn't find an answer to that.";

pub const TRANSFER_NOTICE: &str =
    "I'm connecting you with a human agent now. Please stay in this chat; an agent will join shortly.";
/// Appended to a confident answer to an impatient customer: the answer first, a person on offer.
pub const PERSON_OFFER_EN: &str = "If that doesn't settle it, just say \"human\" and I'll connect you with a person.";
pub const PERSON_OFFER_ZH: &str = "如果还没有解决，回复“转人工”，我马上为您转接人工客服。";
pub const WAITING_NOTICE: &str =
    "An agent will be with you shortly. I've added your message to the conversation so they can see it.";

/// What the chat endpoint does with a customer's message, by session status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerTurn {
    /// The bot answers (and may escalate).
    BotAnswers,
    /// An agent is on the way: store the message, tell the customer to hold on.
    WaitForAgent,
    /// An agent is talking: store the message for the agent; the bot stays silent.
    ForwardToAgent,
    /// The previous conversation is closed: start a new bot session.
    StartNewSession,
}

pub fn customer_turn(current: AgentStatus) -> CustomerTurn {
    match current {
        AgentStatus::None => CustomerTurn::BotAnswers,
        AgentStatus::Pending => CustomerTurn::WaitForAgent,
        AgentStatus::Assigned => CustomerTurn::ForwardToAgent,
        AgentStatus::Resolved => CustomerTurn::StartNewSession,
    }
}

/// The bot's best reply to one message, as data.
#[derive(Debug, Clone, PartialEq)]
pub struct BotAnswer {
    pub text: String,
    pub intent: String,
    /// True when the reply actually answers; false counts as a failed turn.
    pub answered: bool,
    /// The reply came from a FAQ entry.
    pub from_faq: bool,
    /// How the escalation card records the attempt, if it is worth recording.
    pub attempt: Option<String>,
    pub sources: Vec<String>,
}

/// One customer turn, decided: what to store, how the session changes, what to answer.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnPlan {
    /// The status the write must still find: the one the turn was decided for.
    pub expected: AgentStatus,
    /// What the turn does, named in the rejection when the status moved under it.
    pub action: Action,
    pub messages: Vec<Message>,
    pub change: SessionChange,
    pub outcome: TurnOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SessionChange {
    /// Only the messages are added (and counted).
    MessagesOnly,
    /// A bot turn that did not escalate.
    BotTurn { answered: bool, from_faq: bool, attempted_solutions: Vec<String> },
    /// The session goes to the queue.
    Escalate(Escalation),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    pub priority: EscalationPriority,
    pub reason: String,
    pub attempted_solutions: Vec<String>,
    pub consecutive_failures: u32,
}

/// What the customer is told.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnOutcome {
    /// `None` while an agent is handling the session: the bot stays silent.
    pub reply: Option<String>,
    pub intent: String,
    pub escalate_to_human: bool,
    pub agent_status: AgentStatus,
    pub priority: Option<EscalationPriority>,
    pub sources: Vec<String>,
}

/// A message of the thread, written now.
pub fn message(author: Author, content: &str, at: DateTime<Utc>) -> Message {
    let role = match author {
        Author::Customer => Role::User,
        Author::System => Role::System,
        Author::Bot | Author::Agent => Role::Assistant,
    };
    Message { message_id: new_id("msg"), role, author, content: content.to_string(), timestamp: at, agent_id: None, agent_name: None }
}

/// Pending: the message goes into the history and the customer hears an agent is coming.
pub fn waiting_turn(session: &Session, text: &str, intent: &str, now: DateTime<Utc>) -> TurnPlan {
    TurnPlan {
        expected: AgentStatus::Pending,
        action: Action::ViewDetails,
        messages: vec![message(Author::Customer, text, now), message(Author::Bot, WAITING_NOTICE, now)],
        change: SessionChange::MessagesOnly,
        outcome: TurnOutcome {
            reply: Some(WAITING_NOTICE.to_string()),
            intent: intent.to_string(),
            escalate_to_human: true,
            agent_status: AgentStatus::Pending,
            priority: session.priority,
            sources: Vec::new(),
        },
    }
}

/// Assigned: the message goes to the agent; the bot says nothing.
pub fn forwarded_turn(session: &Session, text: &str, intent: &str, now: DateTime<Utc>) -> TurnPlan {
    TurnPlan {
        expected: AgentStatus::Assigned,
        action: Action::SendMessage,
        messages: vec![message(Author::Customer, text, now)],
        change: SessionChange::MessagesOnly,
        outcome: TurnOutcome {
            reply: None,
            intent: intent.to_string(),
            escalate_to_human: true,
            agent_status: AgentStatus::Assigned,
            priority: session.priority,
            sources: Vec::new(),
        },
    }
}

/// A bot session: the bot's answer, unless the turn escalates (the customer asks for a person,
/// is agitated, or the bot failed `failure_threshold` times in a row); then the transfer notice.
pub fn bot_turn(
    session: &Session,
    text: &str,
    escalate_to_human: bool,
    answer: BotAnswer,
    failure_threshold: u32,
    now: DateTime<Utc>,
) -> TurnPlan {
    let failures = if answer.answered { 0 } else { session.consecutive_failures + 1 };
    let mut decision = assess_turn(escalate_to_human, text, failures, failure_threshold);
    let mut answer = answer;
    // "Is delivery free??? thx": impatience around a question the bot settles is answered, with
    // the way to a person in the same reply; a silent transfer would spend an agent on it.
    if decision.only_impatient() && answer.answered {
        decision.triggers.clear();
        let offer = if language_of(text) == "zh" { PERSON_OFFER_ZH } else { PERSON_OFFER_EN };
        answer.text = format!("{}\n\n{offer}", answer.text);
    }
    let mut attempts = session.attempted_solutions.clone();
    if let Some(attempt) = &answer.attempt {
        remember_attempt(&mut attempts, attempt);
    }
    if !decision.should_escalate() {
        return TurnPlan {
            expected: session.agent_status,
            action: Action::Escalate,
            messages: vec![message(Author::Customer, text, now), message(Author::Bot, &answer.text, now)],
            change: SessionChange::BotTurn {
                answered: answer.answered,
                from_faq: answer.from_faq,
                attempted_solutions: attempts,
            },
            outcome: TurnOutcome {
                reply: Some(answer.text),
                intent: answer.intent,
                escalate_to_human: false,
                agent_status: AgentStatus::None,
                priority: None,
                sources: answer.sources,
            },
        };
    }
    let priority = decision.priority(session.member_level);
    TurnPlan {
        expected: session.agent_status,
        action: Action::Escalate,
        messages: vec![message(Author::Customer, text, now), message(Author::Bot, TRANSFER_NOTICE, now)],
        change: SessionChange::Escalate(Escalation {
            priority,
            reason: decision.reason(),
            attempted_solutions: attempts,
            consecutive_failures: failures,
        }),
        outcome: TurnOutcome {
            reply: Some(TRANSFER_NOTICE.to_string()),
            intent: answer.intent,
            escalate_to_human: true,
            agent_status: AgentStatus::Pending,
            priority: Some(priority),
            sources: Vec::new(),
        },
    }
}

/// The session as it will be once an escalating plan is written: what its card is built from.
pub fn escalated_session(session: &Session, plan: &TurnPlan, now: DateTime<Utc>) -> Option<Session> {
    let SessionChange::Escalate(escalation) = &plan.change else { return None };
    let mut escalated = session.clone();
    escalated.agent_status = AgentStatus::Pending;
    escalated.priority = Some(escalation.priority);
    escalated.escalate_reason = Some(escalation.reason.clone());
    escalated.escalated_at = Some(now);
    escalated.priority_since = Some(now);
    escalated.queued_at = Some(now);
    escalated.attempted_solutions = escalation.attempted_solutions.clone();
    escalated.consecutive_failures = escalation.consecutive_failures;
    escalated.turn_count = session.turn_count + plan.messages.len() as u32;
    Some(escalated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MemberLevel;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-07-03T10:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn session(status: AgentStatus, failures: u32) -> Session {
        let mut s = Session::new("sess-1".into(), "u_1".into(), MemberLevel::Regular, now());
        s.agent_status = status;
        s.consecutive_failures = failures;
        s
    }

    fn answer(answered: bool) -> BotAnswer {
        BotAnswer {
            text: if answered { "Parcels arrive in 3 days.".into() } else { "Sorry, I couldn't find an answer to that.".into() },
            intent: "shipping".into(),
            answered,
            from_faq: answered,
            attempt: Some("Answered with FAQ: delivery time".into()),
            sources: if answered { vec!["faq:delivery".into()] } else { vec![] },
        }
    }

    #[test]
    fn the_customer_side_follows_the_status() {
        assert_eq!(customer_turn(AgentStatus::None), CustomerTurn::BotAnswers);
        assert_eq!(customer_turn(AgentStatus::Pending), CustomerTurn::WaitForAgent);
        assert_eq!(customer_turn(AgentStatus::Assigned), CustomerTurn::ForwardToAgent);
        assert_eq!(customer_turn(AgentStatus::Resolved), CustomerTurn::StartNewSession);
    }

    #[test]
    fn an_answered_turn_replies_and_resets_the_failures() {
        let plan = bot_turn(&session(AgentStatus::None, 2), "How long does delivery take?", false, answer(true), 3, now());
        assert_eq!(plan.expected, AgentStatus::None);
        assert_eq!(plan.outcome.reply.as_deref(), Some("Parcels arrive in 3 days."));
        assert!(!plan.outcome.escalate_to_human);
        assert_eq!(plan.outcome.sources, vec!["faq:delivery"]);
        assert_eq!(plan.messages.len(), 2);
        assert_eq!((plan.messages[0].author, plan.messages[1].author), (Author::Customer, Author::Bot));
        match plan.change {
            SessionChange::BotTurn { answered, from_faq, attempted_solutions } => {
                assert!(answered && from_faq);
                assert_eq!(attempted_solutions, vec!["Answered with FAQ: delivery time"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_impatient_question_the_bot_answers_gets_the_answer_and_the_offer_of_a_person() {
        let plan = bot_turn(&session(AgentStatus::None, 0), "Is delivery free??? thx", false, answer(true), 3, now());
        assert!(!plan.outcome.escalate_to_human);
        assert_eq!(plan.outcome.reply.as_deref(), Some(format!("Parcels arrive in 3 days.\n\n{PERSON_OFFER_EN}").as_str()));
        assert!(matches!(plan.change, SessionChange::BotTurn { answered: true, .. }));
        assert!(crate::escalation::asks_for_human("human"), "the offer's own word asks for a person");
        let zh = bot_turn(&session(AgentStatus::None, 0), "运费多少？？", false, answer(true), 3, now());
        assert!(zh.outcome.reply.unwrap().ends_with(PERSON_OFFER_ZH));
        // Unanswered, impatience still reaches a person; anger always does.
        let unanswered = bot_turn(&session(AgentStatus::None, 0), "where is it???", false, answer(false), 3, now());
        assert_eq!(unanswered.outcome.agent_status, AgentStatus::Pending);
        let angry = bot_turn(&session(AgentStatus::None, 0), "This is ridiculous!!! how long is delivery", false, answer(true), 3, now());
        assert_eq!(angry.outcome.agent_status, AgentStatus::Pending);
    }

    #[test]
    fn the_third_failure_in_a_row_escalates_at_high() {
        let plan = bot_turn(&session(AgentStatus::None, 2), "what about the thing", false, answer(false), 3, now());
        assert_eq!(plan.outcome.reply.as_deref(), Some(TRANSFER_NOTICE));
        assert_eq!(plan.outcome.agent_status, AgentStatus::Pending);
        match &plan.change {
            SessionChange::Escalate(e) => {
                assert_eq!(e.priority, EscalationPriority::High);
                assert_eq!(e.consecutive_failures, 3);
            }
            other => panic!("{other:?}"),
        }
        let second = bot_turn(&session(AgentStatus::None, 1), "what about the thing", false, answer(false), 3, now());
        assert!(matches!(second.change, SessionChange::BotTurn { answered: false, .. }));
    }

    #[test]
    fn asking_for_a_person_escalates_at_highest_even_when_the_bot_could_answer() {
        let plan = bot_turn(&session(AgentStatus::None, 0), "转人工", false, answer(true), 3, now());
        assert!(matches!(&plan.change, SessionChange::Escalate(e) if e.priority == EscalationPriority::Highest));
        assert_eq!(plan.outcome.priority, Some(EscalationPriority::Highest));
        let flagged = bot_turn(&session(AgentStatus::None, 0), "hello", true, answer(true), 3, now());
        assert!(matches!(flagged.change, SessionChange::Escalate(_)));
    }

    #[test]
    fn while_pending_the_customer_is_told_to_wait_and_the_bot_does_not_answer() {
        let mut pending = session(AgentStatus::Pending, 0);
        pending.priority = Some(EscalationPriority::High);
        let plan = waiting_turn(&pending, "hello?", "other", now());
        assert_eq!(plan.expected, AgentStatus::Pending);
        assert_eq!(plan.outcome.reply.as_deref(), Some(WAITING_NOTICE));
        assert_eq!(plan.outcome.priority, Some(EscalationPriority::High));
        assert_eq!(plan.change, SessionChange::MessagesOnly);
        assert_eq!(plan.messages.len(), 2);
    }

    #[test]
    fn while_assigned_the_message_goes_to_the_agent_and_the_bot_is_silent() {
        let plan = forwarded_turn(&session(AgentStatus::Assigned, 0), "thanks", "other", now());
        assert_eq!(plan.expected, AgentStatus::Assigned);
        assert_eq!(plan.outcome.reply, None);
        assert_eq!(plan.messages.len(), 1);
        assert_eq!(plan.change, SessionChange::MessagesOnly);
    }

    #[test]
    fn the_escalated_session_is_what_the_card_is_built_from() {
        let before = session(AgentStatus::None, 0);
        let plan = bot_turn(&before, "I want a human", false, answer(false), 3, now());
        let after = escalated_session(&before, &plan, now()).unwrap();
        assert_eq!(after.agent_status, AgentStatus::Pending);
        assert_eq!(after.escalated_at, Some(now()));
        assert_eq!(after.priority_since, Some(now()));
        assert_eq!(after.turn_count, 2);
        let quiet = bot_turn(&before, "How long does delivery take?", false, answer(true), 3, now());
        assert_eq!(escalated_session(&before, &quiet, now()), None);
    }
}
