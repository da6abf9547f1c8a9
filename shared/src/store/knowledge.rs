//! The knowledge base: FAQ entries and document chunks with their embeddings, one partition,
//! and a version item that tells warm containers their in-memory index is stale.

use super::transact::{timestamp, version_of, TransactFailure, KB_PK, VERSION_SK};
use super::client::{from_item, key, s, to_item, Item, Store};
use crate::error::StoreError;
use crate::knowledge::{EntryKind, KnowledgeEntry};
use aws_sdk_dynamodb::types::{Put, PutRequest, ReturnValue, TransactWriteItem, Update, WriteRequest};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const FAQ_PREFIX: &str = "FAQ#";
const CHUNK_PREFIX: &str = "CHUNK#";
const DOC_PREFIX: &str = "DOC#";

/// A knowledge entry as stored: the embedding as little-endian f32 bytes, a third of the size
/// of a number list.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EntryItem {
    pk: String,
    sk: String,
    entity: String,
    id: String,
    kind: EntryKind,
    source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    /// A FAQ's alternative questions; `embedding` holds the question's vector, then one per
    /// alternative, in this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    alternative_questions: Vec<String>,
    content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    intent: Option<String>,
    embedding: serde_bytes::ByteBuf,
    /// The vector space of `embedding` (model/dimensions); absent on items written before it
    /// was recorded, which then count as stale.
    #[serde(default)]
    embedding_space: String,
    updated_at: DateTime<Utc>,
}

impl EntryItem {
    fn new(entry: &KnowledgeEntry, now: DateTime<Utc>) -> Self {
        let sk = match entry.kind {
            EntryKind::Faq => format!("{FAQ_PREFIX}{}", entry.id),
            EntryKind::Chunk => format!("{CHUNK_PREFIX}{}", entry.id),
        };
        EntryItem {
            pk: KB_PK.into(),
            sk,
            entity: "knowledge".into(),
            id: entry.id.clone(),
            kind: entry.kind.clone(),
            source: entry.source.clone(),
            title: entry.title.clone(),
            alternative_questions: entry.alternative_questions.clone(),
            content: entry.content.clone(),
            intent: entry.intent.clone(),
            embedding: serde_bytes::ByteBuf::from(entry.embedding.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>()),
            embedding_space: entry.embedding_space.clone(),
            updated_at: now,
        }
    }

    fn into_entry(self) -> KnowledgeEntry {
        let embedding = self
            .embedding
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        KnowledgeEntry {
            id: self.id,
            kind: self.kind,
            source: self.source,
            title: self.title,
            alternative_questions: self.alternative_questions,
            content: self.content,
            intent: self.intent,
            embedding,
            embedding_space: self.embedding_space,
        }
    }
}

/// A document as listed: its source name and how many chunks it has.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct DocumentInfo {
    pub source: String,
    pub chunk_count: u32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DocumentItem {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    info: DocumentInfo,
}

pub struct FaqPage {
    pub faqs: Vec<KnowledgeEntry>,
    pub next_cursor: Option<String>,
}

impl Store {
    /// The knowledge version; 0 before anything was written.
    pub async fn knowledge_version(&self) -> Result<u64, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(KB_PK.into(), VERSION_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("GetItem", e))?;
        Ok(out.item.as_ref().map(version_of).unwrap_or(0))
    }

    /// Bump the version: every container rebuilds its index on its next request.
    pub async fn bump_knowledge_version(&self) -> Result<u64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(KB_PK.into(), VERSION_SK)))
            .update_expression("SET entity = :entity ADD version :one")
            .expression_attribute_values(":entity", s("knowledge_version"))
            .expression_attribute_values(":one", super::client::n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("UpdateItem", e))?;
        Ok(out
            .attributes
            .and_then(|a| a.get("version").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()))
            .unwrap_or(0))
    }

    /// The version bump as a transaction action, so a write and its visibility are one step.
    pub fn knowledge_version_bump_action(&self) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(KB_PK.into(), VERSION_SK)))
            .update_expression("SET entity = :entity ADD version :one")
            .expression_attribute_values(":entity", s("knowledge_version"))
            .expression_attribute_values(":one", super::client::n(1))
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Every FAQ and chunk, for building the in-memory index.
    pub async fn load_knowledge(&self) -> Result<Vec<KnowledgeEntry>, StoreError> {
        let items = self.query_partition(KB_PK.into(), None).await?;
        let mut entries = Vec::new();
        for item in items {
            if item.get("entity").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("knowledge") {
                entries.push(from_item::<EntryItem>(item)?.into_entry());
            }
        }
        Ok(entries)
    }

    /// The Put of a FAQ entry (conditional on its id being free) for use in a transaction.
    /// `reviewed_by` records who approved it, for a FAQ that came from review.
    pub fn faq_put_action(
        &self,
        entry: &KnowledgeEntry,
        reviewed_by: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut item = to_item(&EntryItem::new(entry, now))?;
        if let Some(reviewer) = reviewed_by {
            item.insert("reviewed_by".into(), super::client::s(reviewer));
            item.insert("reviewed_at".into(), super::client::s(timestamp(now)));
        }
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Add a FAQ and make it live. Fails with a conflict if the id is taken.
    pub async fn create_faq(&self, entry: &KnowledgeEntry, now: DateTime<Utc>) -> Result<(), StoreError> {
        let actions = vec![self.faq_put_action(entry, None, now)?, self.knowledge_version_bump_action()?];
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition { .. }) => {
                Err(StoreError::Conflict(format!("FAQ {} already exists", entry.id)))
            }
            Err(TransactFailure::Other(e)) => Err(e),
        }
    }

    /// Bulk load of FAQ entries (seeding, migrations): overwrites by id, then one version bump.
    pub async fn import_faqs(&self, entries: &[KnowledgeEntry], now: DateTime<Utc>) -> Result<(), StoreError> {
        let writes = entries
            .iter()
            .map(|e| to_item(&EntryItem::new(e, now)).and_then(super::batch::put_request))
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(writes).await?;
        self.bump_knowledge_version().await?;
        Ok(())
    }

    /// Delete a FAQ. When it is the FAQ of an approved solution (`faq-{solution_id}`), the
    /// solution records the deletion (`faq_deleted_at`) in the same write, so it never points at
    /// nothing without saying so.
    pub async fn delete_faq(&self, faq_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(KB_PK.into(), &format!("{FAQ_PREFIX}{faq_id}"))))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        let delete = TransactWriteItem::builder().delete(delete).build();
        let bump = self.knowledge_version_bump_action()?;
        if let Some(solution_id) = crate::domain::solution_of_faq_id(faq_id) {
            // Conditioned on the solution naming this FAQ; an update never creates the item.
            let update = aws_sdk_dynamodb::types::Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(super::keys::solution_pk(solution_id), super::keys::META)))
                .update_expression("SET faq_deleted_at = :now")
                .condition_expression("attribute_exists(pk) AND faq_id = :faq")
                .expression_attribute_values(":now", s(timestamp(now)))
                .expression_attribute_values(":faq", s(faq_id))
                .build()
                .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
            let actions = vec![delete.clone(), bump.clone(), TransactWriteItem::builder().update(update).build()];
            match self.transact(actions).await {
                Ok(()) => return Ok(()),
                Err(TransactFailure::Condition { index: 0, .. }) => {
                    return Err(StoreError::NotFound { kind: "faq", id: faq_id.to_string() })
                }
                // No solution names this FAQ: delete it like any other.
                Err(TransactFailure::Condition { .. }) => {}
                Err(TransactFailure::Other(e)) => return Err(e),
            }
        }
        match self.transact(vec![delete, bump]).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition { .. }) => {
                Err(StoreError::NotFound { kind: "faq", id: faq_id.to_string() })
            }
            Err(TransactFailure::Other(e)) => Err(e),
        }
    }

    pub async fn list_faqs(&self, limit: i32, cursor: Option<&str>) -> Result<FaqPage, StoreError> {
        let start = cursor.map(|c| key(KB_PK.into(), &format!("{FAQ_PREFIX}{c}")));
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(KB_PK))
            .expression_attribute_values(":prefix", s(FAQ_PREFIX))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("Query", e))?;
        let faqs: Vec<KnowledgeEntry> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|i| from_item::<EntryItem>(i).map(EntryItem::into_entry))
            .collect::<Result<_, _>>()?;
        let more = out.last_evaluated_key.is_some_and(|k| !k.is_empty());
        let next_cursor = if more { faqs.last().map(|f| f.id.clone()) } else { None };
        Ok(FaqPage { faqs, next_cursor })
    }

    /// Replace a document's chunks. New chunks are written before old extra ones are removed,
    /// and the version bump comes last, so readers never see the document missing.
    pub async fn replace_document(
        &self,
        source: &str,
        chunks: &[KnowledgeEntry],
        now: DateTime<Utc>,
    ) -> Result<DocumentInfo, StoreError> {
        let old_keys = self.chunk_keys(source).await?;
        let mut writes: Vec<WriteRequest> = Vec::new();
        for chunk in chunks {
            let put = PutRequest::builder()
                .set_item(Some(to_item(&EntryItem::new(chunk, now))?))
                .build()
                .map_err(|e| StoreError::dynamo("BatchWriteItem", e))?;
            writes.push(WriteRequest::builder().put_request(put).build());
        }
        let info = DocumentInfo { source: source.to_string(), chunk_count: chunks.len() as u32, updated_at: now };
        let doc = DocumentItem {
            pk: KB_PK.into(),
            sk: format!("{DOC_PREFIX}{source}"),
            entity: "document".into(),
            info: info.clone(),
        };
        writes.push(
            WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .set_item(Some(to_item(&doc)?))
                        .build()
                        .map_err(|e| StoreError::dynamo("BatchWriteItem", e))?,
                )
                .build(),
        );
        self.batch_write(writes).await?;
        let new_sks: Vec<String> = chunks.iter().map(|c| format!("{CHUNK_PREFIX}{}", c.id)).collect();
        let stale: Vec<WriteRequest> = old_keys
            .into_iter()
            .filter(|k| k.get("sk").and_then(|v| v.as_s().ok()).is_some_and(|sk| !new_sks.contains(sk)))
            .map(super::batch::delete_request)
            .collect::<Result<_, _>>()?;
        self.batch_write(stale).await?;
        self.bump_knowledge_version().await?;
        Ok(info)
    }

    /// Replace an entry's vector, only if the entry still holds the text that was embedded (a
    /// concurrent edit wrote its own vector; a concurrent delete stays deleted). Returns whether
    /// it was written. The caller bumps the version once at the end.
    pub async fn update_embedding(&self, entry: &KnowledgeEntry, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let sk = match entry.kind {
            EntryKind::Faq => format!("{FAQ_PREFIX}{}", entry.id),
            EntryKind::Chunk => format!("{CHUNK_PREFIX}{}", entry.id),
        };
        let bytes: Vec<u8> = entry.embedding.iter().flat_map(|f| f.to_le_bytes()).collect();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(KB_PK.into(), &sk)))
            .update_expression("SET embedding = :embedding, embedding_space = :space, updated_at = :now")
            .condition_expression("attribute_exists(pk) AND content = :content")
            .expression_attribute_values(":embedding", aws_sdk_dynamodb::types::AttributeValue::B(bytes.into()))
            .expression_attribute_values(":space", s(entry.embedding_space.clone()))
            .expression_attribute_values(":now", s(now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)))
            .expression_attribute_values(":content", s(entry.content.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(StoreError::dynamo("UpdateItem", e)),
        }
    }

    /// Remove a document and its chunks. Unknown sources are a 404.
    pub async fn delete_document(&self, source: &str) -> Result<(), StoreError> {
        let doc_key = key(KB_PK.into(), &format!("{DOC_PREFIX}{source}"));
        let mut keys = self.chunk_keys(source).await?;
        let exists = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(doc_key.clone()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("GetItem", e))?
            .item
            .is_some();
        if !exists && keys.is_empty() {
            return Err(StoreError::NotFound { kind: "document", id: source.to_string() });
        }
        keys.push(doc_key);
        self.batch_write(keys.into_iter().map(super::batch::delete_request).collect::<Result<_, _>>()?).await?;
        self.bump_knowledge_version().await?;
        Ok(())
    }

    pub async fn list_documents(&self) -> Result<Vec<DocumentInfo>, StoreError> {
        let items = self.query_partition(KB_PK.into(), Some(DOC_PREFIX)).await?;
        items.into_iter().map(|i| from_item::<DocumentItem>(i).map(|d| d.info)).collect()
    }

    async fn chunk_keys(&self, source: &str) -> Result<Vec<Item>, StoreError> {
        let prefix = format!("{CHUNK_PREFIX}{source}#");
        let items = self.query_partition(KB_PK.into(), Some(&prefix)).await?;
        Ok(items
            .into_iter()
            .filter_map(|i| {
                let sk = i.get("sk")?.as_s().ok()?.clone();
                Some(key(KB_PK.into(), &sk))
            })
            .collect())
    }
}

