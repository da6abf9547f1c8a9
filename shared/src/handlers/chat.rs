//! POST /api/v1/chat: the customer's side of the loop. The bot answers, escalates, waits for the
//! agent, or steps aside, depending on the session's status.

use crate::app::App;
use crate::auth::Principal;
use crate::business::AssistContext;
use crate::domain::{new_id, AgentStatus, Author, MemberLevel, Message, Role, Session};
use crate::error::{ApiError, StoreError};
use crate::escalation::{assess_turn, build_card, remember_attempt};
use crate::http::{json_body, optional_id, required_id, required_text};
use crate::idempotency::Answer;
use crate::intent;
use crate::state_machine::{customer_turn, Action, CustomerTurn};
use crate::store::{keys, CustomerTurnWrite, UpdateSpec};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};

pub const MAX_CUSTOMER_MESSAGE_CHARS: usize = 2000;
/// A turn decided on a status that changed before it was written is decided again, this often.
const TURN_ATTEMPTS: usize = 3;

pub const TRANSFER_NOTICE: &str =
    "I'm connecting you with a human agent now. Please stay in this chat; an agent will join shortly.";
pub const WAITING_NOTICE: &str =
    "An agent will be with you shortly. I've added your message to the conversation so they can see it.";
const FALLBACK: &str = "Sorry, I couldn't find an answer to that.";

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChatRequest {
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    session_id: Option<String>,
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    user_id: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000)]
    message: Option<String>,
    #[schema(value_type = Option<crate::domain::MemberLevel>)]
    member_level: Option<String>,
    #[serde(default)]
    escalate_to_human: bool,
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct ChatResponse {
    pub session_id: String,
    /// `null` while an agent is handling the session: the bot stays silent.
    pub reply: Option<String>,
    pub intent: String,
    pub escalate_to_human: bool,
    pub agent_status: AgentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::domain::EscalationPriority>)]
    pub priority: Option<&'static str>,
    pub sources: Vec<String>,
}

/// What the bot can say to one customer message.
pub struct BotReply {
    pub text: String,
    pub intent: String,
    /// True when the reply actually answers; false counts as a failed turn.
    pub answered: bool,
    /// How the escalation card records the attempt, if it is worth recording.
    pub attempt: Option<String>,
    pub sources: Vec<String>,
}

/// The bot's best reply: a confident FAQ match answers with its answer; a confident document
/// chunk answers with the passage; anything else is a failed turn that points the customer to
/// the self-service page for the topic. `knowledge_version` is the version read with the
/// session in this request, if it was (else it is read here).
pub async fn bot_reply(
    app: &App,
    session: &Session,
    text: &str,
    knowledge_version: Option<u64>,
) -> Result<BotReply, ApiError> {
    // A question about a specific order of the customer's own: the business agent answers it,
    // read-only, and never about another customer's order.
    let order_ids = crate::escalation::order_ids_in(std::slice::from_ref(&Message {
        message_id: String::new(),
        role: Role::User,
        author: Author::Customer,
        content: text.to_string(),
        timestamp: app.now(),
        agent_id: None,
        agent_name: None,
    }));
    if !order_ids.is_empty() {
        let context = AssistContext {
            session_id: session.session_id.clone(),
            agent_id: "bot".to_string(),
            user_id: session.user_id.clone(),
            mentioned_order_ids: order_ids,
            now: app.now(),
            customer_facing: true,
        };
        let outcome = app.business.execute(&context, text, None).await;
        let answered = outcome.result.error.is_none() && !outcome.result.need_confirmation && outcome.result.scene != "unknown";
        if answered || outcome.result.error.is_some() {
            return Ok(BotReply {
                text: outcome.result.reply,
                intent: "business_query".to_string(),
                answered,
                attempt: Some(format!("Looked up the order ({})", outcome.result.scene)),
                sources: if answered { vec!["business:order-system".to_string()] } else { Vec::new() },
            });
        }
    }
    let retriever = match knowledge_version {
        Some(version) => app.knowledge.retriever_at(&app.store, version).await?,
        None => app.knowledge.retriever(&app.store).await?,
    };
    let embedding = app.knowledge.embed_query(&retriever.prepare_query(text)).await?;
    if let Some(hit) = retriever.best_faq_answer(text, &embedding) {
        return Ok(BotReply {
            text: hit.entry.content.clone(),
            intent: hit.entry.intent.clone().unwrap_or_else(|| intent::recognise(text).to_string()),
            answered: true,
            attempt: Some(format!("Answered with FAQ: {}", hit.entry.title.as_deref().unwrap_or(&hit.entry.id))),
            sources: vec![hit.entry.source.clone()],
        });
    }
    if let Some(hit) = retriever.best_chunk(text, &embedding) {
        return Ok(BotReply {
            text: hit.entry.content.clone(),
            intent: intent::recognise(text).to_string(),
            answered: true,
            attempt: Some(format!("Quoted {}", hit.entry.source)),
            sources: vec![hit.entry.source.clone()],
        });
    }
    let intent = intent::recognise(text);
    let (reply, attempt) = match intent::self_service_hint(intent) {
        Some((hint, recorded)) => (format!("{FALLBACK} {hint}"), Some(recorded.to_string())),
        None => (format!("{FALLBACK} Could you tell me more, for example your order number?"), None),
    };
    Ok(BotReply { text: reply, intent: intent.to_string(), answered: false, attempt, sources: Vec::new() })
}

pub async fn chat(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let body: ChatRequest = json_body(req, false)?;
    let user_id = required_id("user_id", body.user_id)?;
    let text = required_text("message", body.message, MAX_CUSTOMER_MESSAGE_CHARS)?;
    let member_level = match body.member_level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(level) => Some(MemberLevel::parse(level).ok_or_else(|| {
            ApiError::invalid_field("`member_level` must be one of regular, silver, gold, platinum, diamond")
        })?),
    };
    let requested_session = optional_id("session_id", body.session_id)?;
    let turn = CustomerMessage { user_id, text, member_level, escalate_to_human: body.escalate_to_human };
    handle_turn(app, requested_session, &turn).await?.respond()
}

pub struct CustomerMessage {
    pub user_id: String,
    pub text: String,
    pub member_level: Option<MemberLevel>,
    pub escalate_to_human: bool,
}

/// The session a turn is written to: one read before, or one this turn creates.
struct TurnSession {
    session: Session,
    /// Not stored yet: the turn's write creates it.
    is_new: bool,
    /// The knowledge version read with the session, if it was.
    knowledge_version: Option<u64>,
}

/// Read the session and the knowledge version in one round trip, or start a session in memory
/// that the turn's own write will create: a first turn costs no read of a session at all.
async fn handle_turn(app: &App, requested_session: Option<String>, turn: &CustomerMessage) -> Result<Answer, ApiError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let current = match &requested_session {
            None => TurnSession { session: new_session(app, turn), is_new: true, knowledge_version: None },
            Some(id) => {
                let (session, version) = app.store.get_session_and_knowledge_version(id).await?;
                let session = session.ok_or_else(|| ApiError::session_not_found(id))?;
                // Another customer's session is as unknown to this caller as a missing one.
                if session.user_id != turn.user_id {
                    return Err(ApiError::session_not_found(id));
                }
                match customer_turn(session.agent_status) {
                    CustomerTurn::StartNewSession => {
                        TurnSession { session: new_session(app, turn), is_new: true, knowledge_version: Some(version) }
                    }
                    _ => TurnSession { session, is_new: false, knowledge_version: Some(version) },
                }
            }
        };
        let result = match customer_turn(current.session.agent_status) {
            CustomerTurn::BotAnswers | CustomerTurn::StartNewSession => bot_turn(app, &current, turn).await,
            CustomerTurn::WaitForAgent => waiting_turn(app, &current.session, turn).await,
            CustomerTurn::ForwardToAgent => forwarded_turn(app, &current.session, turn).await,
        };
        match result {
            // The status moved between our read and our write (an agent accepted, another turn
            // escalated): decide the turn again on the new status.
            Err(ApiError::InvalidState(..)) if attempts < TURN_ATTEMPTS && requested_session.is_some() => continue,
            other => return other,
        }
    }
}

fn new_session(app: &App, turn: &CustomerMessage) -> Session {
    Session::new(new_id("sess"), turn.user_id.clone(), turn.member_level.unwrap_or_default(), app.now())
}

fn message(author: Author, content: &str, at: DateTime<Utc>) -> Message {
    let role = match author {
        Author::Customer => Role::User,
        Author::System => Role::System,
        Author::Bot | Author::Agent => Role::Assistant,
    };
    Message { message_id: new_id("msg"), role, author, content: content.to_string(), timestamp: at, agent_id: None, agent_name: None }
}

async fn waiting_turn(app: &App, session: &Session, turn: &CustomerMessage) -> Result<Answer, ApiError> {
    let now = app.now();
    let messages = [message(Author::Customer, &turn.text, now), message(Author::Bot, WAITING_NOTICE, now)];
    let answer = Answer::ok(&ChatResponse {
        session_id: session.session_id.clone(),
        reply: Some(WAITING_NOTICE.to_string()),
        intent: intent::recognise(&turn.text).to_string(),
        escalate_to_human: true,
        agent_status: AgentStatus::Pending,
        priority: session.priority.map(|p| p.as_str()),
        sources: Vec::new(),
    })?;
    let write = TurnWrite { action: Action::ViewDetails, update: UpdateSpec::new(), messages: &messages, escalating: false, now };
    write_turn(app, session, false, write, &answer).await?;
    Ok(answer)
}

async fn forwarded_turn(app: &App, session: &Session, turn: &CustomerMessage) -> Result<Answer, ApiError> {
    let now = app.now();
    let messages = [message(Author::Customer, &turn.text, now)];
    let answer = Answer::ok(&ChatResponse {
        session_id: session.session_id.clone(),
        reply: None,
        intent: intent::recognise(&turn.text).to_string(),
        escalate_to_human: true,
        agent_status: AgentStatus::Assigned,
        priority: session.priority.map(|p| p.as_str()),
        sources: Vec::new(),
    })?;
    let write = TurnWrite { action: Action::SendMessage, update: UpdateSpec::new(), messages: &messages, escalating: false, now };
    write_turn(app, session, false, write, &answer).await?;
    Ok(answer)
}

async fn bot_turn(app: &App, current: &TurnSession, turn: &CustomerMessage) -> Result<Answer, ApiError> {
    let now = app.now();
    let session = &current.session;
    let reply = bot_reply(app, session, &turn.text, current.knowledge_version).await?;
    let failures = if reply.answered { 0 } else { session.consecutive_failures + 1 };
    let decision = assess_turn(turn.escalate_to_human, &turn.text, failures, app.config.failure_threshold);
    let mut attempts = session.attempted_solutions.clone();
    if let Some(attempt) = &reply.attempt {
        remember_attempt(&mut attempts, attempt);
    }
    let attempts_value = AttributeValue::L(attempts.iter().map(|a| AttributeValue::S(a.clone())).collect());

    if !decision.should_escalate() {
        let messages = [message(Author::Customer, &turn.text, now), message(Author::Bot, &reply.text, now)];
        let update = UpdateSpec::new().set("attempted_solutions", attempts_value);
        let update = if reply.answered {
            update.set("consecutive_failures", AttributeValue::N("0".into()))
        } else {
            update.add("consecutive_failures", 1)
        };
        let answer = Answer::ok(&ChatResponse {
            session_id: session.session_id.clone(),
            reply: Some(reply.text),
            intent: reply.intent,
            escalate_to_human: false,
            agent_status: AgentStatus::None,
            priority: None,
            sources: reply.sources,
        })?;
        let write = TurnWrite { action: Action::Escalate, update, messages: &messages, escalating: false, now };
        write_turn(app, session, current.is_new, write, &answer).await?;
        return Ok(answer);
    }

    // Escalate: the customer gets the transfer notice, the agent gets the card.
    let messages = [message(Author::Customer, &turn.text, now), message(Author::Bot, TRANSFER_NOTICE, now)];
    let priority = decision.priority(session.member_level);
    let reason = decision.reason();
    let mut escalated = session.clone();
    escalated.agent_status = AgentStatus::Pending;
    escalated.priority = Some(priority);
    escalated.escalate_reason = Some(reason.clone());
    escalated.escalated_at = Some(now);
    escalated.attempted_solutions = attempts;
    escalated.consecutive_failures = failures;
    escalated.turn_count = session.turn_count + messages.len() as u32;
    // A session this turn creates has no history yet.
    let mut history = if current.is_new { Vec::new() } else { app.store.history(&session.session_id).await? };
    history.extend(messages.iter().cloned());
    let earlier_tickets = app.store.user_ticket_count(&session.user_id).await?;
    let card = build_card(&escalated, &history, earlier_tickets);
    let card_value = serde_dynamo::to_attribute_value(&card).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let update = UpdateSpec::new()
        .set("agent_status", AttributeValue::S(AgentStatus::Pending.as_str().into()))
        .set("priority", AttributeValue::S(priority.as_str().into()))
        .set("escalate_reason", AttributeValue::S(reason))
        .set("escalated_at", AttributeValue::S(now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)))
        .set("escalation_card", card_value)
        .set("attempted_solutions", attempts_value)
        .set("consecutive_failures", AttributeValue::N(failures.to_string()))
        .set(keys::PENDING_STATUS, AttributeValue::S(keys::PENDING_PARTITION.into()))
        .set(keys::PENDING_ORDER, AttributeValue::S(keys::pending_order(priority, now, &session.session_id)));
    let answer = Answer::ok(&ChatResponse {
        session_id: session.session_id.clone(),
        reply: Some(TRANSFER_NOTICE.to_string()),
        intent: reply.intent,
        escalate_to_human: true,
        agent_status: AgentStatus::Pending,
        priority: Some(priority.as_str()),
        sources: Vec::new(),
    })?;
    let write = TurnWrite { action: Action::Escalate, update, messages: &messages, escalating: true, now };
    write_turn(app, session, current.is_new, write, &answer).await?;
    tracing::info!(session_id = %session.session_id, priority = priority.as_str(), "session escalated");
    Ok(answer)
}

/// What a customer turn writes.
struct TurnWrite<'a> {
    action: Action,
    update: UpdateSpec,
    messages: &'a [Message],
    /// Count the escalation on the user's ticket history.
    escalating: bool,
    now: DateTime<Utc>,
}

/// Write the turn guarded by the status it was decided on (or creating the session it starts),
/// with the answer for the request's idempotency record; `ADD turn_count` keeps the count exact
/// under concurrent turns.
async fn write_turn(app: &App, session: &Session, creates: bool, write: TurnWrite<'_>, answer: &Answer) -> Result<(), ApiError> {
    let TurnWrite { action, update, messages, escalating, now } = write;
    let update = update
        .add("turn_count", messages.len() as i64)
        .set("updated_at", AttributeValue::S(now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)));
    app.store
        .write_customer_turn(CustomerTurnWrite {
            session_id: &session.session_id,
            expected: session.agent_status,
            action,
            update,
            messages,
            increment_tickets_of: escalating.then_some(session.user_id.as_str()),
            creates: creates.then_some(session),
            completion: answer.completion(),
        })
        .await
        .map_err(|err| match err {
            StoreError::NotFound { .. } => ApiError::session_not_found(&session.session_id),
            other => other.into(),
        })
}
