//! The hot cache: one HybridRetriever per container, built from the table on first use and
//! rebuilt when the knowledge version moves (a write, an approval, or an explicit invalidate).

pub use crate::endpoint::EMBEDDING_ENDPOINTS;
use crate::error::StoreError;
use crate::knowledge::{Embedder, EmbeddingError, HybridRetriever, TextKind};
use crate::store::Store;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

pub struct KnowledgeCache {
    embedder: Arc<dyn Embedder>,
    current: RwLock<Option<(u64, Arc<HybridRetriever>)>>,
    /// One rebuild at a time; others wait for it instead of loading the table again.
    rebuilding: Mutex<()>,
    /// Rebuilds that failed so far. Requests that waited for a rebuild that failed fail with it
    /// rather than each trying again in turn, which in an outage would queue them for many
    /// budgets one after another.
    failed_builds: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Embedding(#[from] EmbeddingError),
}

impl KnowledgeCache {
    pub fn new(embedder: Arc<dyn Embedder>) -> Self {
        KnowledgeCache { embedder, current: RwLock::new(None), rebuilding: Mutex::new(()), failed_builds: AtomicU64::new(0) }
    }

    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    /// The index for the current knowledge version: one consistent read of the version item per
    /// call, and a rebuild only when it moved.
    pub async fn retriever(&self, store: &Store) -> Result<Arc<HybridRetriever>, KnowledgeError> {
        let version = store.knowledge_version().await?;
        self.retriever_at(store, version).await
    }

    /// The index for a version the caller read itself (a chat turn reads it with the session),
    /// rebuilt only when it moved.
    pub async fn retriever_at(&self, store: &Store, version: u64) -> Result<Arc<HybridRetriever>, KnowledgeError> {
        if let Some(retriever) = self.cached(version).await {
            return Ok(retriever);
        }
        let failures_before = self.failed_builds.load(Ordering::Acquire);
        let _guard = self.rebuilding.lock().await;
        if let Some(retriever) = self.cached(version).await {
            return Ok(retriever);
        }
        if self.failed_builds.load(Ordering::Acquire) != failures_before {
            return Err(StoreError::Unavailable {
                operation: "Query",
                source: "the knowledge index could not be loaded (the rebuild this request waited for failed)".into(),
            }
            .into());
        }
        let entries = match store.load_knowledge().await {
            Ok(entries) => entries,
            Err(err) => {
                self.failed_builds.fetch_add(1, Ordering::AcqRel);
                return Err(err.into());
            }
        };
        let space = self.embedder.space();
        let retriever = Arc::new(HybridRetriever::new(entries, &space));
        let stale = retriever.stale_vectors();
        if stale > 0 {
            // Never mixed: these entries answer through BM25 only until they are re-embedded.
            tracing::warn!(stale, space = %space, "knowledge entries embedded by another model; run the reembed command");
        }
        tracing::info!(version, entries = retriever.len(), space = %space, "knowledge index built");
        *self.current.write().await = Some((version, retriever.clone()));
        Ok(retriever)
    }

    async fn cached(&self, version: u64) -> Option<Arc<HybridRetriever>> {
        match &*self.current.read().await {
            Some((cached, retriever)) if *cached == version => Some(retriever.clone()),
            _ => None,
        }
    }

    /// The vector of a customer's or an agent's question.
    pub async fn embed_query(&self, text: &str) -> Result<Vec<f32>, KnowledgeError> {
        let query = crate::knowledge::clean_query(text);
        let mut vectors = self.embedder.embed(&[query], TextKind::Query).await?;
        vectors.pop().ok_or_else(|| EmbeddingError::Malformed("no embedding returned".into()).into())
    }
}
