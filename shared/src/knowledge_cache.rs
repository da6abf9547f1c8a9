//! The hot cache: one HybridRetriever per container, built from the table on first use and
//! rebuilt when the knowledge version moves (a write, an approval, or an explicit invalidate).

use crate::error::StoreError;
use crate::knowledge::{Embedder, EmbeddingError, HybridRetriever};
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};

pub struct KnowledgeCache {
    embedder: Arc<dyn Embedder>,
    current: RwLock<Option<(u64, Arc<HybridRetriever>)>>,
    /// One rebuild at a time; others wait for it instead of loading the table again.
    rebuilding: Mutex<()>,
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
        KnowledgeCache { embedder, current: RwLock::new(None), rebuilding: Mutex::new(()) }
    }

    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    /// The index for the current knowledge version: one consistent read of the version item per
    /// call, and a rebuild only when it moved.
    pub async fn retriever(&self, store: &Store) -> Result<Arc<HybridRetriever>, KnowledgeError> {
        let version = store.knowledge_version().await?;
        if let Some(retriever) = self.cached(version).await {
            return Ok(retriever);
        }
        let _guard = self.rebuilding.lock().await;
        if let Some(retriever) = self.cached(version).await {
            return Ok(retriever);
        }
        let entries = store.load_knowledge().await?;
        let retriever = Arc::new(HybridRetriever::new(entries));
        tracing::info!(version, entries = retriever.len(), "knowledge index built");
        *self.current.write().await = Some((version, retriever.clone()));
        Ok(retriever)
    }

    async fn cached(&self, version: u64) -> Option<Arc<HybridRetriever>> {
        match &*self.current.read().await {
            Some((cached, retriever)) if *cached == version => Some(retriever.clone()),
            _ => None,
        }
    }

    pub async fn embed_one(&self, text: &str) -> Result<Vec<f32>, KnowledgeError> {
        let mut vectors = self.embedder.embed(&[text.to_string()]).await?;
        vectors.pop().ok_or_else(|| EmbeddingError::Malformed("no embedding returned".into()).into())
    }
}
