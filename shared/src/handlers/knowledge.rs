//! Knowledge endpoints: recommendation for agents (endpoint 5), the knowledge base's documents
//! and FAQs, the solution review queue, and cache invalidation.

use crate::api::knowledge::{ApproveRequest, DEFAULT_TOP_K, Deleted, DocumentList, DocumentRequest, FaqPage, FaqRequest, FaqView, InvalidateRequest, Invalidated, MAX_ALTERNATIVE_QUESTIONS, MAX_ALTERNATIVE_QUESTION_CHARS, MAX_ANSWER_CHARS, MAX_DOCUMENT_CHARS, MAX_QUERY_CHARS, MAX_TOP_K, RecommendRequest, RecommendResponse, RecommendedChunk, RejectRequest, ReviewedSolution, SolutionPage};
use crate::api::paging::{page_size};
use crate::app::App;
use crate::auth::policy::{check_not_author, reviewer_id};
use crate::auth::Principal;
use crate::domain::{Author, Message, ReviewStatus};
use crate::error::ApiError;
use crate::http::{is_valid_id, json_body, ok, optional_text, path_id, query_param, required_text};
use crate::intent;
use crate::knowledge::{embed_entries, EntryKind, KnowledgeEntry};
use crate::knowledge_cache::KnowledgeError;
use crate::state_machine::{transition, Action};
use lambda_http::{Body, Request, RequestExt, Response};

impl From<KnowledgeError> for ApiError {
    fn from(err: KnowledgeError) -> Self {
        match err {
            KnowledgeError::Store(e) => e.into(),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

/// 5. POST /api/v1/agent/sessions/{session_id}/knowledge-recommend — allowed before accepting.
pub async fn knowledge_recommend(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let session_id = path_id(req, "session_id", "session")?;
    let body: RecommendRequest = json_body(req, false)?;
    let query = required_text("query", body.query, MAX_QUERY_CHARS)?;
    let top_k = body.top_k.unwrap_or(DEFAULT_TOP_K);
    if !(1..=MAX_TOP_K).contains(&top_k) {
        return Err(ApiError::out_of_range(format!("`top_k` must be between 1 and {MAX_TOP_K}")));
    }
    // The session and the knowledge version in one round trip.
    let (session, version) = app.store.get_session_and_knowledge_version(&session_id).await?;
    let session = session.ok_or_else(|| ApiError::session_not_found(&session_id))?;
    transition(session.agent_status, Action::KnowledgeRecommend)?;
    let retriever = app.knowledge.retriever_at(&app.store, version).await?;
    let embedding = app.knowledge.embed_query(&retriever.prepare_query(&query)).await?;
    let chunks: Vec<RecommendedChunk> = retriever
        .retrieve(&query, &embedding, top_k as usize)
        .into_iter()
        .map(|hit| RecommendedChunk {
            content: hit.entry.content.clone(),
            score: (hit.score * 100.0).round() / 100.0,
            source: hit.entry.source.clone(),
            kind: hit.entry.kind.clone(),
            title: hit.entry.title.clone(),
        })
        .collect();
    ok(&RecommendResponse { total: chunks.len(), chunks })
}

/// POST /api/v1/performance/cache/invalidate
pub async fn invalidate_cache(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let InvalidateRequest {} = json_body(req, true)?;
    let version = app.store.bump_knowledge_version().await?;
    tracing::info!(version, "knowledge cache invalidated");
    ok(&Invalidated { invalidated: true, knowledge_version: version })
}

/// Source names double as keys: letters (any script), digits, `.`, `-`, `_`, spaces; no `#`/`/`.
fn valid_source(source: &str) -> bool {
    !source.is_empty()
        && source.chars().count() <= 128
        && source.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | ':'))
}

/// POST /api/v1/knowledge/documents — re-ingesting a source replaces its chunks.
pub async fn upsert_document(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let body: DocumentRequest = json_body(req, false)?;
    let source = required_text("source", body.source, 128)?;
    if !valid_source(&source) {
        return Err(ApiError::invalid_field("`source` may hold letters, digits, '.', '-', '_', ':' and spaces"));
    }
    let content = required_text("content", body.content, MAX_DOCUMENT_CHARS)?;
    let mut chunks = crate::knowledge::eval::chunk_entries(&source, &content);
    embed_entries(app.knowledge.embedder().as_ref(), &mut chunks).await.map_err(|e| ApiError::Internal(Box::new(e)))?;
    let info = app.store.replace_document(&source, &chunks, app.now()).await?;
    ok(&info)
}

pub async fn list_documents(app: &App, _req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let documents = app.store.list_documents().await?;
    ok(&DocumentList { total: documents.len(), documents })
}

pub async fn delete_document(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let source = req.path_parameters_ref().and_then(|p| p.first("source")).unwrap_or_default().to_string();
    if !valid_source(&source) {
        return Err(ApiError::NotFound { kind: "document", id: source.chars().take(64).collect() });
    }
    app.store.delete_document(&source).await?;
    ok(&Deleted { deleted: source })
}

/// A request's alternative questions: trimmed, blanks and repeats (of the question or of each
/// other, ignoring case) dropped; too many or too long is a 422.
fn alternative_questions(question: &str, value: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let value = value.unwrap_or_default();
    if value.len() > MAX_ALTERNATIVE_QUESTIONS {
        return Err(ApiError::out_of_range(format!(
            "`alternative_questions` holds at most {MAX_ALTERNATIVE_QUESTIONS} questions"
        )));
    }
    let mut out = Vec::with_capacity(value.len());
    for text in value {
        if let Some(text) = optional_text("alternative_questions", Some(text), MAX_ALTERNATIVE_QUESTION_CHARS)? {
            add_alternative(question, &mut out, text);
        }
    }
    Ok(out)
}

/// Adds `text` unless it repeats the question or one already there (ignoring case).
fn add_alternative(question: &str, alternatives: &mut Vec<String>, text: String) {
    let same = |other: &str| other.to_lowercase() == text.to_lowercase();
    if !same(question) && !alternatives.iter().any(|a| same(a)) {
        alternatives.push(text);
    }
}

fn intent_label(value: Option<String>, fallback_text: &str) -> Result<String, ApiError> {
    match optional_text("intent", value, 64)? {
        Some(label) if intent::is_valid_label(&label) => Ok(label),
        Some(_) => Err(ApiError::invalid_field("`intent` must be lower-case words joined by '_'")),
        None => Ok(intent::recognise(fallback_text).to_string()),
    }
}

/// The customer's question that led to the escalation: the first message of the run the bot
/// could not answer just before the transfer to an agent (later ones rephrase it), skipping
/// requests for a person and angry messages, cleaned of greetings, thanks and reference numbers
/// (`clean_query`). None when there is no such message (an escalation ingested from another
/// system, or a customer who only asked for a person).
pub fn escalating_question(history: &[Message]) -> Option<String> {
    let transfer = history
        .iter()
        .position(|m| m.author == Author::Bot && m.content == crate::turn_policy::TRANSFER_NOTICE)?;
    let unanswered = |reply: &Message| {
        reply.author == Author::Bot
            && (reply.content == crate::turn_policy::TRANSFER_NOTICE || reply.content.starts_with(crate::turn_policy::FALLBACK))
    };
    // Customer messages, newest first, while the bot's reply to each was no answer.
    let run: Vec<&Message> = (0..transfer)
        .rev()
        .filter(|i| history[*i].author == Author::Customer)
        .take_while(|i| history.get(i + 1).is_some_and(unanswered))
        .map(|i| &history[i])
        .collect();
    run.into_iter()
        .rev()
        .filter(|m| !crate::escalation::asks_for_human(&m.content) && !crate::escalation::is_agitated(&m.content))
        .map(|m| crate::knowledge::clean_query(&m.content))
        .find(|text| text.chars().filter(|c| c.is_alphanumeric()).count() >= 2 && text.chars().count() <= 1000)
}

/// What a FAQ says, before it is embedded.
struct FaqText {
    question: String,
    alternative_questions: Vec<String>,
    answer: String,
}

/// A FAQ entry with its embedding (one vector per question), ready to store.
async fn faq_entry(app: &App, id: String, text: FaqText, intent: String, source: String) -> Result<KnowledgeEntry, ApiError> {
    let mut entry = KnowledgeEntry {
        id,
        kind: EntryKind::Faq,
        source,
        title: Some(text.question),
        alternative_questions: text.alternative_questions,
        content: text.answer,
        intent: Some(intent),
        embedding: Vec::new(),
        embedding_space: String::new(),
    };
    embed_entries(app.knowledge.embedder().as_ref(), std::slice::from_mut(&mut entry)).await.map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(entry)
}

pub async fn create_faq(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let body: FaqRequest = json_body(req, false)?;
    let question = required_text("question", body.question, 1000)?;
    let answer = required_text("answer", body.answer, MAX_ANSWER_CHARS)?;
    let alternatives = alternative_questions(&question, body.alternative_questions)?;
    let intent = intent_label(body.intent, &format!("{question} {answer}"))?;
    let source = optional_text("source", body.source, 128)?.unwrap_or_else(|| "faq:manual".to_string());
    if !valid_source(&source) {
        return Err(ApiError::invalid_field("`source` may hold letters, digits, '.', '-', '_', ':' and spaces"));
    }
    let faq_id = match crate::http::optional_id("faq_id", body.faq_id)? {
        Some(id) if crate::domain::is_solution_faq_id(&id) => {
            return Err(ApiError::invalid_field(
                "`faq_id` may not start with `faq-sol-`: those ids are given to approved solutions",
            ))
        }
        Some(id) => id,
        None => crate::domain::new_id("faq"),
    };
    let text = FaqText { question, alternative_questions: alternatives, answer };
    let entry = faq_entry(app, faq_id, text, intent, source).await?;
    app.store.create_faq(&entry, app.now()).await.map_err(|e| match e {
        crate::error::StoreError::Conflict(message) => ApiError::Conflict { code: "faq_exists", message },
        other => other.into(),
    })?;
    ok(&FaqView::from(&entry))
}

pub async fn list_faqs(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let limit = page_size(req)?;
    let cursor = query_param(req, "cursor");
    if cursor.as_deref().is_some_and(|c| !is_valid_id(c)) {
        return Err(ApiError::invalid_field("`cursor` is not a cursor this API issued"));
    }
    let page = app.store.list_faqs(limit, cursor.as_deref()).await?;
    let faqs: Vec<FaqView> = page.faqs.iter().map(FaqView::from).collect();
    ok(&FaqPage { faqs, next_cursor: page.next_cursor })
}

pub async fn delete_faq(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let faq_id = path_id(req, "faq_id", "faq")?;
    app.store.delete_faq(&faq_id, app.now()).await?;
    ok(&Deleted { deleted: faq_id })
}

/// GET /api/v1/escalation/solutions?status=pending|approved|rejected
pub async fn list_solutions(app: &App, req: &Request, _caller: &Principal) -> Result<Response<Body>, ApiError> {
    let status = match query_param(req, "status") {
        None => ReviewStatus::Pending,
        Some(s) => ReviewStatus::parse(&s)
            .ok_or_else(|| ApiError::invalid_field("`status` must be pending, approved or rejected"))?,
    };
    let limit = page_size(req)?;
    let cursor = query_param(req, "cursor");
    let page = app.store.list_solutions(status, limit, cursor.as_deref()).await.map_err(|e| match e {
        crate::error::StoreError::Conflict(_) => ApiError::invalid_field("`cursor` is not a cursor this API issued"),
        other => other.into(),
    })?;
    let solutions: Vec<ReviewedSolution> = page.solutions.iter().map(ReviewedSolution::from).collect();
    ok(&SolutionPage { solutions, next_cursor: page.next_cursor })
}

fn decision_error(err: crate::error::StoreError) -> ApiError {
    match err {
        crate::error::StoreError::Conflict(message) => ApiError::Conflict { code: "already_reviewed", message },
        other => other.into(),
    }
}

/// POST /api/v1/escalation/solutions/{solution_id}/approve — the FAQ is live when this returns.
pub async fn approve_solution(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let solution_id = path_id(req, "solution_id", "solution")?;
    let body: ApproveRequest = json_body(req, true)?;
    let question = optional_text("question", body.question, 1000)?;
    let answer = optional_text("solution", body.solution, MAX_ANSWER_CHARS)?;
    let mut solution = app
        .store
        .get_solution(&solution_id)
        .await?
        .ok_or_else(|| ApiError::NotFound { kind: "solution", id: solution_id.clone() })?;
    if solution.status != ReviewStatus::Pending {
        return Err(ApiError::Conflict {
            code: "already_reviewed",
            message: format!("solution {solution_id} is already {}", solution.status.as_str()),
        });
    }
    // Refused early so no embedding is spent; the decision's write checks it again.
    let reviewer = reviewer_id(caller);
    check_not_author(&reviewer, solution.agent_id.as_deref(), solution.submitted_by.as_deref())?;
    if let Some(q) = question {
        solution.question = q;
    }
    if let Some(a) = answer {
        solution.solution = a;
    }
    // One rule for every edit: a blank field keeps what the agent wrote.
    if let Some(label) = optional_text("intent", body.intent, 64)? {
        if !intent::is_valid_label(&label) {
            return Err(ApiError::invalid_field("`intent` must be lower-case words joined by '_'"));
        }
        solution.intent = label;
    }
    let mut alternatives = alternative_questions(&solution.question, body.alternative_questions)?;
    // Closing the loop: the next customer who asks the way this one did matches the FAQ.
    let history = app.store.history(&solution.session_id).await?;
    if let Some(asked) = escalating_question(&history) {
        if alternatives.len() < MAX_ALTERNATIVE_QUESTIONS {
            add_alternative(&solution.question, &mut alternatives, asked);
        }
    }
    let now = app.now();
    let faq_id = crate::domain::solution_faq_id(&solution_id);
    let text =
        FaqText { question: solution.question.clone(), alternative_questions: alternatives, answer: solution.solution.clone() };
    let entry = faq_entry(app, faq_id.clone(), text, solution.intent.clone(), format!("solution:{solution_id}")).await?;
    solution.status = ReviewStatus::Approved;
    solution.reviewed_at = Some(now);
    solution.reviewed_by = Some(reviewer.clone());
    solution.faq_id = Some(faq_id.clone());
    // The decision (conditional on still pending and not the reviewer's own), the FAQ and the
    // version bump are one write.
    let extra =
        vec![app.store.faq_put_action(&entry, Some(&reviewer), now)?, app.store.knowledge_version_bump_action()?];
    if let Err(err) = app.store.decide_solution(&solution, &reviewer, now, extra).await {
        // Still pending after a failed decision: the FAQ id was taken (by a FAQ written before
        // the namespace was reserved), not a second review.
        if matches!(err, crate::error::StoreError::Conflict(_)) {
            let current = app.store.get_solution(&solution_id).await?;
            if current.is_some_and(|s| s.status == ReviewStatus::Pending) {
                return Err(ApiError::Conflict {
                    code: "faq_exists",
                    message: format!("FAQ {faq_id} already exists; delete it, then approve again"),
                });
            }
        }
        return Err(decision_error(err));
    }
    tracing::info!(solution_id = %solution_id, "solution approved into the knowledge base");
    crate::metrics::Emf::new().count("SolutionsApproved", 1).count("SolutionsRejected", 0).emit(now);
    ok(&ReviewedSolution::from(&solution))
}

pub async fn reject_solution(app: &App, req: &Request, caller: &Principal) -> Result<Response<Body>, ApiError> {
    let solution_id = path_id(req, "solution_id", "solution")?;
    let body: RejectRequest = json_body(req, false)?;
    let reason = required_text("reason", body.reason, 1000)?;
    let reviewer = reviewer_id(caller);
    let now = app.now();
    let solution = app.store.reject_solution(&solution_id, &reason, &reviewer, now).await.map_err(decision_error)?;
    crate::metrics::Emf::new().count("SolutionsApproved", 0).count("SolutionsRejected", 1).emit(now);
    ok(&ReviewedSolution::from(&solution))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use crate::turn_policy::{message, TRANSFER_NOTICE};

    fn at(minute: u32) -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 25, 10, minute, 0).unwrap()
    }

    #[test]
    fn the_escalating_question_is_the_first_unanswered_question_before_the_transfer() {
        let fallback = format!("{} Could you tell me more?", crate::turn_policy::FALLBACK);
        let history = vec![
            message(Author::Customer, "How long does a refund take?", at(0)),
            message(Author::Bot, "Refunds take 3-5 business days.", at(0)),
            message(Author::Customer, "Hi, my parcel has not moved for a week ref SF1487720931 thanks", at(1)),
            message(Author::Bot, &fallback, at(1)),
            message(Author::Customer, "still stuck", at(2)),
            message(Author::Bot, &fallback, at(2)),
            message(Author::Customer, "I want to talk to a human", at(3)),
            message(Author::Bot, TRANSFER_NOTICE, at(3)),
            message(Author::Customer, "Are you there?", at(4)),
        ];
        assert_eq!(escalating_question(&history).as_deref(), Some("my parcel has not moved for a week"));
        // Answered turns end the run: the refund question is not what escalated.
        assert_eq!(escalating_question(&history[..2]), None);
    }

    #[test]
    fn a_session_without_a_customer_question_gives_none() {
        assert_eq!(escalating_question(&[]), None);
        let history = vec![message(Author::Customer, "人工客服", at(0)), message(Author::Bot, TRANSFER_NOTICE, at(0))];
        assert_eq!(escalating_question(&history), None);
    }

    #[test]
    fn alternative_questions_drop_blanks_and_repeats_and_refuse_too_many() {
        let question = "How long does a refund take?";
        let given = vec![" When do I get my money back? ".into(), "".into(), "how long does a refund take?".into(), "WHEN do I get my money back?".into()];
        assert_eq!(alternative_questions(question, Some(given)).unwrap(), vec!["When do I get my money back?".to_string()]);
        assert!(alternative_questions(question, None).unwrap().is_empty());
        let too_many = (0..=MAX_ALTERNATIVE_QUESTIONS).map(|n| format!("question {n}")).collect();
        assert!(alternative_questions(question, Some(too_many)).is_err());
        assert!(alternative_questions(question, Some(vec!["x".repeat(1001)])).is_err());
    }
}
