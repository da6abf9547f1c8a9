//! Knowledge: recommendations, documents, FAQs, and the review of agents' solutions.

use super::agent::SolutionView;
use crate::domain::Solution;
use crate::knowledge::{EntryKind, KnowledgeEntry};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const DEFAULT_TOP_K: i64 = 5;

pub const MAX_TOP_K: i64 = 50;

pub const MAX_QUERY_CHARS: usize = 1000;

pub const MAX_DOCUMENT_CHARS: usize = 60_000;

pub const MAX_ANSWER_CHARS: usize = 4000;

/// Alternative questions per FAQ: each is one more vector to store and compare.
pub const MAX_ALTERNATIVE_QUESTIONS: usize = 20;

/// The longest alternative question accepted, as long as a FAQ's own question.
pub const MAX_ALTERNATIVE_QUESTION_CHARS: usize = 1000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecommendRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 1000)]
    pub query: Option<String>,
    #[schema(minimum = 1, maximum = 50)]
    pub top_k: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecommendedChunk {
    pub content: String,
    pub score: f32,
    pub source: String,
    pub kind: EntryKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RecommendResponse {
    pub chunks: Vec<RecommendedChunk>,
    pub total: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Invalidated {
    pub invalidated: bool,
    /// The knowledge version now in force; every container rebuilds on its next request.
    pub knowledge_version: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DocumentList {
    pub documents: Vec<crate::store::knowledge::DocumentInfo>,
    pub total: usize,
}

/// What a DELETE removed: the FAQ id or the document source.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Deleted {
    pub deleted: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FaqPage {
    pub faqs: Vec<FaqView>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SolutionPage {
    pub solutions: Vec<ReviewedSolution>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// The invalidate call takes no parameters: an empty body or `{}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InvalidateRequest {}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DocumentRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 128)]
    pub source: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 60000)]
    pub content: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaqRequest {
    #[schema(pattern = r"^[A-Za-z0-9._:-]{1,128}$")]
    pub faq_id: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 1000)]
    pub question: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4000)]
    pub answer: Option<String>,
    #[schema(pattern = r"^[a-z0-9_]{1,64}$")]
    pub intent: Option<String>,
    #[schema(max_length = 128)]
    pub source: Option<String>,
    /// Other ways customers ask the question (up to 20, each up to 1000 characters): the bot
    /// matches a customer's message against the question and each of these.
    #[schema(schema_with = alternative_questions_schema)]
    pub alternative_questions: Option<Vec<String>>,
}

/// `alternative_questions` as the handlers enforce it, so that a client (or a fuzzer) reading
/// the document knows the limit of each item as well as of the list.
pub(crate) fn alternative_questions_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(ObjectBuilder::new().schema_type(Type::String).max_length(Some(MAX_ALTERNATIVE_QUESTION_CHARS)))
        .max_items(Some(MAX_ALTERNATIVE_QUESTIONS))
        .build()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FaqView {
    pub faq_id: String,
    pub question: String,
    pub answer: String,
    pub intent: Option<String>,
    pub source: String,
    /// Other ways customers ask the question; empty when there are none.
    pub alternative_questions: Vec<String>,
}

impl From<&KnowledgeEntry> for FaqView {
    fn from(e: &KnowledgeEntry) -> Self {
        FaqView {
            faq_id: e.id.clone(),
            question: e.title.clone().unwrap_or_default(),
            answer: e.content.clone(),
            intent: e.intent.clone(),
            source: e.source.clone(),
            alternative_questions: e.alternative_questions.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReviewedSolution {
    #[serde(flatten)]
    pub view: SolutionView,
    pub created_at: DateTime<Utc>,
    /// Who wrote it: the agent of the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faq_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faq_deleted_at: Option<DateTime<Utc>>,
}

impl From<&Solution> for ReviewedSolution {
    fn from(s: &Solution) -> Self {
        ReviewedSolution {
            view: SolutionView::from(s),
            created_at: s.created_at,
            agent_id: s.agent_id.clone(),
            reviewed_at: s.reviewed_at,
            reviewed_by: s.reviewed_by.clone(),
            reject_reason: s.reject_reason.clone(),
            faq_id: s.faq_id.clone(),
            faq_deleted_at: s.faq_deleted_at,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApproveRequest {
    #[schema(max_length = 1000)]
    pub question: Option<String>,
    #[schema(max_length = 4000)]
    pub solution: Option<String>,
    #[schema(pattern = r"^[a-z0-9_]{1,64}$")]
    pub intent: Option<String>,
    /// Other ways customers ask the question (up to 20). The customer's own question that led
    /// to the escalation is added to them.
    #[schema(schema_with = alternative_questions_schema)]
    pub alternative_questions: Option<Vec<String>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}
