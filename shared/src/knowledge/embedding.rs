//! Embeddings behind a trait: the local semantic model (multilingual-e5-small, `super::e5`, the
//! default), Amazon Bedrock Titan Text Embeddings V2 for AWS, and a hashed character n-gram
//! embedder that needs no model (an explicit fallback, and fast for unit tests).

use super::tokenize::{cjk_features, is_stop_word, pieces, stem, Piece};
use futures::future::BoxFuture;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddingError {
    #[error("embedding service failed: {0}")]
    Service(String),
    #[error("embedding response is malformed: {0}")]
    Malformed(String),
}

/// Retrieval models embed a question and the text that answers it differently (e5 prefixes
/// "query: " and "passage: "); the others ignore the difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// What a customer or an agent asks.
    Query,
    /// What the knowledge base stores: a FAQ, a document chunk.
    Passage,
}

pub trait Embedder: Send + Sync {
    fn model_id(&self) -> &str;
    fn dimensions(&self) -> usize;
    fn embed<'a>(&'a self, texts: &'a [String], kind: TextKind) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbeddingError>>;

    /// The vector space: stored with every vector, compared before two vectors are.
    fn space(&self) -> String {
        vector_space(self.model_id(), self.dimensions())
    }

    /// Loads whatever the first request would otherwise wait for (called during a function's init).
    fn warm_up(&self) -> BoxFuture<'_, Result<(), EmbeddingError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The embedder of a function that never embeds (see `App::wired`): it links no model and no
/// tokenizer, and says so if it is ever asked.
pub struct NoEmbedder;

impl Embedder for NoEmbedder {
    fn model_id(&self) -> &str {
        "none"
    }

    fn dimensions(&self) -> usize {
        0
    }

    fn embed<'a>(&'a self, _texts: &'a [String], _kind: TextKind) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbeddingError>> {
        Box::pin(async { Err(EmbeddingError::Service("this function does not embed text".into())) })
    }
}

/// `{model}/{dimensions}`: two vectors are comparable only within one space.
pub fn vector_space(model_id: &str, dimensions: usize) -> String {
    format!("{model_id}/{dimensions}")
}

/// Signed feature hashing of words, stems, character 3-grams of words and CJK unigrams/bigrams,
/// L2-normalised. Deterministic across processes (FNV-1a), so stored vectors stay valid.
#[derive(Debug, Clone)]
pub struct HashedNgramEmbedder {
    dimensions: usize,
}

impl Default for HashedNgramEmbedder {
    fn default() -> Self {
        HashedNgramEmbedder { dimensions: 512 }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    hash
}

impl HashedNgramEmbedder {
    pub fn with_dimensions(dimensions: usize) -> Self {
        HashedNgramEmbedder { dimensions: dimensions.max(16) }
    }

    fn add(&self, vector: &mut [f32], feature: &str, weight: f32) {
        let hash = fnv1a(feature.as_bytes());
        let index = (hash % self.dimensions as u64) as usize;
        let sign = if hash >> 63 == 0 { 1.0 } else { -1.0 };
        vector[index] += sign * weight;
    }

    pub fn embed_text(&self, text: &str) -> Vec<f32> {
        let mut vector = vec![0.0f32; self.dimensions];
        for piece in pieces(text) {
            match piece {
                Piece::Word(word) => {
                    if is_stop_word(&word) {
                        continue;
                    }
                    let stemmed = stem(&word);
                    self.add(&mut vector, &format!("w:{stemmed}"), 1.0);
                    let padded: Vec<char> = format!("<{stemmed}>").chars().collect();
                    for gram in padded.windows(3) {
                        self.add(&mut vector, &format!("g:{}", gram.iter().collect::<String>()), 0.35);
                    }
                }
                Piece::Cjk(chars) => {
                    let (unigrams, bigrams) = cjk_features(&chars);
                    for c in unigrams {
                        self.add(&mut vector, &format!("c:{c}"), 0.5);
                    }
                    for bigram in bigrams {
                        self.add(&mut vector, &format!("b:{bigram}"), 1.0);
                    }
                }
            }
        }
        let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|v| *v /= norm);
        }
        vector
    }
}

pub const HASHED_MODEL_ID: &str = "hashed-ngram-v1";

impl Embedder for HashedNgramEmbedder {
    fn model_id(&self) -> &str {
        HASHED_MODEL_ID
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn embed<'a>(&'a self, texts: &'a [String], _kind: TextKind) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbeddingError>> {
        Box::pin(async move { Ok(texts.iter().map(|t| self.embed_text(t)).collect()) })
    }
}

/// The best cosine of `query` with any of the vectors stored one after the other in `stored`
/// (each of the query's length); 0 when the lengths do not fit.
pub fn best_cosine(query: &[f32], stored: &[f32]) -> f32 {
    if query.is_empty() || !stored.len().is_multiple_of(query.len()) {
        return 0.0;
    }
    stored.chunks_exact(query.len()).map(|v| cosine(query, v)).fold(0.0, f32::max)
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The InvokeModel call, supplied by the caller (the AWS SDK on Lambda, a recording in tests).
pub type InvokeModel = Arc<dyn Fn(serde_json::Value) -> BoxFuture<'static, Result<Vec<u8>, EmbeddingError>> + Send + Sync>;

/// Amazon Bedrock Titan Text Embeddings V2 (`amazon.titan-embed-text-v2:0`).
pub struct BedrockTitanEmbedder {
    dimensions: usize,
    invoke: InvokeModel,
}

pub const TITAN_V2_MODEL_ID: &str = "amazon.titan-embed-text-v2:0";

impl BedrockTitanEmbedder {
    /// Titan V2 accepts 256, 512 or 1024 dimensions.
    pub fn new(dimensions: usize, invoke: InvokeModel) -> Self {
        BedrockTitanEmbedder { dimensions, invoke }
    }

    pub fn request_body(text: &str, dimensions: usize) -> serde_json::Value {
        serde_json::json!({ "inputText": text, "dimensions": dimensions, "normalize": true })
    }

    pub fn parse_response(bytes: &[u8], dimensions: usize) -> Result<Vec<f32>, EmbeddingError> {
        #[derive(serde::Deserialize)]
        struct Response {
            embedding: Vec<f32>,
        }
        let response: Response =
            serde_json::from_slice(bytes).map_err(|e| EmbeddingError::Malformed(e.to_string()))?;
        if response.embedding.len() != dimensions {
            return Err(EmbeddingError::Malformed(format!(
                "expected {dimensions} dimensions, got {}",
                response.embedding.len()
            )));
        }
        Ok(response.embedding)
    }
}

impl Embedder for BedrockTitanEmbedder {
    fn model_id(&self) -> &str {
        TITAN_V2_MODEL_ID
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn embed<'a>(&'a self, texts: &'a [String], _kind: TextKind) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbeddingError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(texts.len());
            for text in texts {
                let bytes = (self.invoke)(Self::request_body(text, self.dimensions)).await?;
                out.push(Self::parse_response(&bytes, self.dimensions)?);
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_embeddings_are_deterministic_and_normalised() {
        let e = HashedNgramEmbedder::default();
        let a = e.embed_text("Where is my parcel?");
        assert_eq!(a, e.embed_text("Where is my parcel?"));
        let norm: f32 = a.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(e.embed_text("").iter().all(|v| *v == 0.0));
    }

    #[test]
    fn related_texts_are_closer_than_unrelated_ones() {
        let e = HashedNgramEmbedder::default();
        let q = e.embed_text("how long does a refund take");
        let related = e.embed_text("Refunds are returned within 3-5 business days");
        let unrelated = e.embed_text("The weather in Paris is sunny today");
        assert!(cosine(&q, &related) > cosine(&q, &unrelated) + 0.1);
        let zh = e.embed_text("退款多久到账");
        assert!(cosine(&zh, &e.embed_text("退款一般3-5个工作日到账")) > cosine(&zh, &e.embed_text("今天天气很好")));
    }

    #[tokio::test]
    async fn titan_responses_are_parsed_from_a_recorded_response() {
        let recorded = include_bytes!("../../tests/fixtures/bedrock_titan_embed_response.json");
        let invoke: InvokeModel = Arc::new(move |body| {
            assert_eq!(body["dimensions"], 256);
            assert_eq!(body["normalize"], true);
            Box::pin(async move { Ok(recorded.to_vec()) })
        });
        let embedder = BedrockTitanEmbedder::new(256, invoke);
        let vectors = embedder.embed(&["Where is my order?".to_string()], TextKind::Query).await.unwrap();
        assert_eq!(vectors[0].len(), 256);
    }

    #[test]
    fn malformed_titan_responses_are_errors() {
        assert!(BedrockTitanEmbedder::parse_response(b"not json", 256).is_err());
        assert!(BedrockTitanEmbedder::parse_response(br#"{"embedding": [0.1, 0.2]}"#, 256).is_err());
        assert!(BedrockTitanEmbedder::parse_response(br#"{"message": "throttled"}"#, 256).is_err());
    }
}
