//! POST /api/v1/chat: the customer's side of the loop. The handler parses, asks the bot for a
//! reply, asks the turn policy (`crate::turn_policy`) what the turn does, has the store write it
//! in one guarded transaction, and answers. GET /api/v1/chat/sessions/{session_id}/messages:
//! the customer-visible thread (`crate::thread`), paged.

use crate::api::chat::{
    ChatRequest, ChatResponse, CustomerTokenRequest, CustomerTokenResponse, ThreadResponse, MAX_CUSTOMER_MESSAGE_CHARS,
};
use crate::auth::customer::issue_customer_token;
use crate::live::customer::{answer_frame, CustomerFrame};
use crate::store::CustomerConnection;
use crate::api::paging::page_size;
use crate::app::App;
use crate::auth::Principal;
use crate::business::AssistContext;
use crate::domain::{new_id, AgentStatus, Author, MemberLevel, Message, Role, Session};
use crate::error::{ApiError, StoreError};
use crate::escalation::build_card;
use crate::http::{json_body, ok, optional_id, path_id, query_param, required_id, required_text};
use crate::store::ThreadCursor;
use crate::thread::{since_last_customer_turn, visible_lines, Audience};
use crate::idempotency::Answer;
use crate::intent;
use crate::metrics::Emf;
use crate::turn_policy::{self, customer_turn, BotAnswer, CustomerTurn, SessionChange, TurnPlan};
use lambda_http::{Body, Request, Response};

pub use crate::turn_policy::{FALLBACK, TRANSFER_NOTICE, WAITING_NOTICE};

/// A turn decided on a status that changed before it was written is decided again, this often.
const TURN_ATTEMPTS: usize = 3;

/// How far back a chat answer looks for what is new since the customer's previous turn.
const RECENT_THREAD: i32 = 50;

/// The bot's best reply: a confident FAQ match answers with its answer; a confident document
/// chunk answers with the passage; anything else is a failed turn that points the customer to
/// the self-service page for the topic. `knowledge_version` is the version read with the
/// session in this request, if it was (else it is read here).
pub async fn bot_reply(
    app: &App,
    session: &Session,
    text: &str,
    knowledge_version: Option<u64>,
) -> Result<BotAnswer, ApiError> {
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
            actor: "bot".to_string(),
            agent_name: None,
        };
        let outcome = app.business.execute(&context, text, None).await;
        let answered = outcome.result.error.is_none() && !outcome.result.need_confirmation && outcome.result.scene != "unknown";
        if answered || outcome.result.error.is_some() {
            return Ok(BotAnswer {
                text: outcome.result.reply,
                intent: "business_query".to_string(),
                answered,
                from_faq: false,
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
        return Ok(BotAnswer {
            text: hit.entry.content.clone(),
            intent: hit.entry.intent.clone().unwrap_or_else(|| intent::recognise(text).to_string()),
            answered: true,
            from_faq: true,
            attempt: Some(format!("Answered with FAQ: {}", hit.entry.title.as_deref().unwrap_or(&hit.entry.id))),
            sources: vec![hit.entry.source.clone()],
        });
    }
    if let Some(hit) = retriever.best_chunk(text, &embedding) {
        return Ok(BotAnswer {
            text: hit.entry.content.clone(),
            intent: intent::recognise(text).to_string(),
            answered: true,
            from_faq: false,
            attempt: Some(format!("Quoted {}", hit.entry.source)),
            sources: vec![hit.entry.source.clone()],
        });
    }
    let intent = intent::recognise(text);
    let (reply, attempt) = match intent::self_service_hint(intent) {
        Some((hint, recorded)) => (format!("{FALLBACK} {hint}"), Some(recorded.to_string())),
        None => (format!("{FALLBACK} Could you tell me more, for example your order number?"), None),
    };
    Ok(BotAnswer { text: reply, intent: intent.to_string(), answered: false, from_faq: false, attempt, sources: Vec::new() })
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

/// GET /api/v1/chat/sessions/{session_id}/messages?user_id=&after=&limit= — the thread as the
/// customer sees it, oldest first. A session of another user is as unknown as a missing one.
pub async fn customer_thread(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let user_id = required_id("user_id", query_param(req, "user_id"))?;
    let limit = page_size(req)?;
    let after = match query_param(req, "after").filter(|a| !a.trim().is_empty()) {
        None => ThreadCursor::default(),
        Some(raw) => ThreadCursor::parse(&raw)
            .ok_or_else(|| ApiError::invalid_field("`after` is not a cursor this API issued"))?,
    };
    let page = app.store.thread_page(&session_id, &after, limit).await?;
    let session = page.session.filter(|s| s.user_id == user_id).ok_or_else(|| ApiError::session_not_found(&session_id))?;
    ok(&ThreadResponse {
        session_id,
        agent_status: session.agent_status,
        messages: visible_lines(&page.sources, Audience::Customer),
        next_cursor: page.next.encode(),
        has_more: page.has_more,
    })
}

/// POST /api/v1/chat/sessions/{session_id}/token — a fresh customer token for the session's
/// owner. A session of another user is as unknown as a missing one.
pub async fn customer_token(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: CustomerTokenRequest = json_body(req, false)?;
    let user_id = required_id("user_id", body.user_id)?;
    let session = app.store.get_session(&session_id).await?;
    session.filter(|s| s.user_id == user_id).ok_or_else(|| ApiError::session_not_found(&session_id))?;
    let (token, expires_at) =
        issue_customer_token(&app.customer_token_key(), &session_id, &user_id, app.now().timestamp());
    let expires_at = chrono::DateTime::from_timestamp(expires_at, 0).unwrap_or_default();
    ok(&CustomerTokenResponse {
        session_id,
        customer_token: token,
        expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// A customer's frame on their socket: `{"action":"message","message":"…"}` is a chat turn of the
/// socket's session and owner, through the same path as `POST /api/v1/chat`; the answer frame
/// carries the chat answer (a resolved session's turn starts a new session: the answer names it
/// and brings its token, and the client reconnects with that).
pub async fn socket_turn(app: &App, connection: &CustomerConnection, frame: &str) -> String {
    let parsed: Result<CustomerFrame, _> = serde_json::from_str(frame);
    let client_id = parsed.as_ref().ok().and_then(|f| f.client_id.clone());
    let answer = async {
        let frame = parsed.map_err(|e| ApiError::invalid_field(format!("a customer frame is {{\"action\":\"message\",\"message\":\"…\"}}: {e}")))?;
        if frame.action != "message" {
            return Err(ApiError::invalid_field("a customer socket takes the actions `message`, `auth` and `ping`"));
        }
        let text = required_text("message", frame.message, MAX_CUSTOMER_MESSAGE_CHARS)?;
        let turn = CustomerMessage {
            user_id: connection.user_id.clone(),
            text,
            member_level: None,
            escalate_to_human: frame.escalate_to_human,
        };
        let answer = handle_turn(app, Some(connection.session_id.clone()), &turn).await?;
        serde_json::from_str::<serde_json::Value>(answer.body()).map_err(|e| ApiError::Internal(Box::new(e)))
    };
    answer_frame(client_id.as_deref(), answer.await)
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
        match play_turn(app, &current, turn).await {
            // The status moved between our read and our write (an agent accepted, another turn
            // escalated): decide the turn again on the new status.
            Err(ApiError::InvalidState(..)) if attempts < TURN_ATTEMPTS && requested_session.is_some() => continue,
            other => return other,
        }
    }
}

/// Decide the turn, write it (with the answer, for a keyed request's idempotency record), and
/// say what the customer is told.
async fn play_turn(app: &App, current: &TurnSession, turn: &CustomerMessage) -> Result<Answer, ApiError> {
    let now = app.now();
    let session = &current.session;
    let intent = intent::recognise(&turn.text);
    let plan = match customer_turn(session.agent_status) {
        CustomerTurn::WaitForAgent => turn_policy::waiting_turn(session, &turn.text, intent, now),
        CustomerTurn::ForwardToAgent => turn_policy::forwarded_turn(session, &turn.text, intent, now),
        CustomerTurn::BotAnswers | CustomerTurn::StartNewSession => {
            let answer = bot_reply(app, session, &turn.text, current.knowledge_version).await?;
            turn_policy::bot_turn(session, &turn.text, turn.escalate_to_human, answer, app.config.failure_threshold, now)
        }
    };
    let card = match turn_policy::escalated_session(session, &plan, now) {
        None => None,
        Some(escalated) => {
            // A session this turn creates has no history yet.
            let mut history = if current.is_new { Vec::new() } else { app.store.history(&session.session_id).await? };
            history.extend(plan.messages.iter().cloned());
            let earlier_tickets = app.store.user_ticket_count(&session.user_id).await?;
            Some(build_card(&escalated, &history, earlier_tickets))
        }
    };
    // Only an agent (or the queue) adds to a thread between the customer's turns: a bot-only
    // session's answer is this turn's messages, at no extra read.
    let recent = if current.is_new || session.agent_status == AgentStatus::None {
        Vec::new()
    } else {
        app.store.recent_thread(&session.session_id, RECENT_THREAD).await?
    };
    let outcome = &plan.outcome;
    let answer = Answer::ok(&ChatResponse {
        session_id: session.session_id.clone(),
        reply: outcome.reply.clone(),
        intent: outcome.intent.clone(),
        escalate_to_human: outcome.escalate_to_human,
        agent_status: outcome.agent_status,
        priority: outcome.priority.map(|p| p.as_str()),
        sources: outcome.sources.clone(),
        messages: since_last_customer_turn(&recent, &plan.messages),
        // A person will answer, not in this reply: the customer's socket hears it.
        customer_token: matches!(outcome.agent_status, AgentStatus::Pending | AgentStatus::Assigned).then(|| {
            issue_customer_token(&app.customer_token_key(), &session.session_id, &session.user_id, now.timestamp()).0
        }),
    })?;
    let write = app.store.write_customer_turn(session, &plan, card.as_ref(), now, current.is_new, answer.completion());
    write.await.map_err(|err| match err {
        StoreError::NotFound { .. } => ApiError::session_not_found(&session.session_id),
        other => other.into(),
    })?;
    record(&plan, session, now);
    Ok(answer)
}

/// The bot's figures: deflection (answered vs escalated) and the FAQ hit rate.
fn record(plan: &TurnPlan, session: &Session, now: chrono::DateTime<chrono::Utc>) {
    let emf = match &plan.change {
        SessionChange::MessagesOnly => return,
        SessionChange::BotTurn { answered, from_faq, .. } => Emf::new()
            .count("BotAnswered", i64::from(*answered))
            .count("BotEscalated", 0)
            .count("FaqHit", i64::from(*from_faq)),
        SessionChange::Escalate(escalation) => {
            tracing::info!(session_id = %session.session_id, priority = escalation.priority.as_str(), "session escalated");
            Emf::new().count("BotAnswered", 0).count("BotEscalated", 1).count("FaqHit", 0).property("priority", escalation.priority.as_str())
        }
    };
    emf.emit(now);
}

fn new_session(app: &App, turn: &CustomerMessage) -> Session {
    Session::new(new_id("sess"), turn.user_id.clone(), turn.member_level.unwrap_or_default(), app.now())
}
