//! Tokens for BM25 and features for the local embedder, for English and Chinese alike.
//!
//! Latin text: lower-cased words, English stop words dropped, Snowball-stemmed. Chinese (CJK) runs
//! have no spaces, so each run yields its characters and its character bigrams: "退款多久" →
//! 退 款 多 久 退款 款多 多久. Bigrams carry most words of two characters, unigrams the rest.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::LazyLock;

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
    "can", "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have", "how", "i", "if", "in",
    "into", "is", "it", "its", "just", "me", "my", "of", "on", "or", "our", "please", "so", "than", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "to", "us", "was", "we", "were", "what", "when",
    "where", "which", "who", "why", "will", "with", "would", "you", "your", "i'm", "im", "there's", "want", "need",
];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF)
}

/// A piece of text: a Latin word or a run of CJK characters.
pub enum Piece {
    Word(String),
    Cjk(Vec<char>),
}

pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut cjk: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<Piece>| {
        if !word.is_empty() {
            out.push(Piece::Word(std::mem::take(word)));
        }
    };
    let flush_cjk = |cjk: &mut Vec<char>, out: &mut Vec<Piece>| {
        if !cjk.is_empty() {
            out.push(Piece::Cjk(std::mem::take(cjk)));
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            cjk.push(c);
        } else if c.is_alphanumeric() || (c == '\'' && !word.is_empty()) {
            flush_cjk(&mut cjk, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut out);
            flush_cjk(&mut cjk, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_cjk(&mut cjk, &mut out);
    out
}

pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Shop vocabulary customers use interchangeably, folded onto one stem so that both BM25 and the
/// local embedder see "package" and "parcel" as the same word.
const SYNONYMS: &[(&str, &str)] = &[
    ("packag", "parcel"),
    ("deliv", "deliveri"),
    ("purchas", "order"),
    ("reimburs", "refund"),
    ("receipt", "invoic"),
    ("courier", "carrier"),
    ("passcod", "password"),
    ("pwd", "password"),
    ("sign", "login"),
    ("log", "login"),
    ("vip", "member"),
    ("membership", "member"),
    ("arriv", "deliveri"),
    ("receiv", "deliveri"),
    ("broken", "damag"),
    ("late", "delay"),
    ("abroad", "intern"),
    ("oversea", "intern"),
    ("product", "item"),
    ("good", "item"),
    ("2fa", "factor"),
    ("postag", "ship"),
    ("money", "refund"),
];

/// Chinese function characters that say nothing about the topic ("how", "what", "my", particles).
const CJK_STOP: &[char] = &['的', '了', '吗', '呢', '吧', '啊', '我', '你', '是', '在', '有', '么', '怎', '什', '样', '哪', '能', '要', '会', '和', '就', '都', '也', '很', '这', '那', '个', '想', '可', '以'];

fn is_cjk_stop(c: &char) -> bool {
    CJK_STOP.contains(c)
}

pub fn stem(word: &str) -> String {
    let stemmed = STEMMER.stem(word.trim_end_matches("'s")).into_owned();
    match SYNONYMS.iter().find(|(from, _)| *from == stemmed) {
        Some((_, to)) => to.to_string(),
        None => stemmed,
    }
}

/// BM25 tokens.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for piece in pieces(text) {
        match piece {
            Piece::Word(word) => {
                if !is_stop_word(&word) {
                    out.push(stem(&word));
                }
            }
            Piece::Cjk(chars) => {
                for c in chars.iter().filter(|c| !is_cjk_stop(c)) {
                    out.push(c.to_string());
                }
                for pair in chars.windows(2).filter(|p| !(is_cjk_stop(&p[0]) && is_cjk_stop(&p[1]))) {
                    out.push(pair.iter().collect());
                }
            }
        }
    }
    out
}

/// CJK characters and bigrams for the embedder, without function characters.
pub fn cjk_features(chars: &[char]) -> (Vec<char>, Vec<String>) {
    let unigrams = chars.iter().copied().filter(|c| !is_cjk_stop(c)).collect();
    let bigrams = chars
        .windows(2)
        .filter(|p| !(is_cjk_stop(&p[0]) && is_cjk_stop(&p[1])))
        .map(|p| p.iter().collect())
        .collect();
    (unigrams, bigrams)
}

/// The tokenizer the bm25 crate calls.
#[derive(Debug, Default, Clone, Copy)]
pub struct ShopTokenizer;

impl bm25::Tokenizer for ShopTokenizer {
    fn tokenize(&self, input_text: &str) -> Vec<String> {
        tokens(input_text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_lower_cased_stemmed_and_stripped_of_stop_words() {
        assert_eq!(tokens("How do I track my Shipments?"), vec!["track", "shipment"]);
        assert_eq!(tokens("refunds refunded refunding"), vec!["refund", "refund", "refund"]);
        assert_eq!(tokens("package delivered"), tokens("parcel delivery"));
    }

    #[test]
    fn chinese_runs_become_characters_and_bigrams() {
        assert_eq!(tokens("退款多久"), vec!["退", "款", "多", "久", "退款", "款多", "多久"]);
        assert_eq!(tokens("怎么样"), Vec::<String>::new());
    }

    #[test]
    fn mixed_text_keeps_order_ids_and_both_scripts() {
        let t = tokens("订单ORD-001到哪了");
        assert!(t.contains(&"ord".to_string()));
        assert!(t.contains(&"001".to_string()));
        assert!(t.contains(&"订单".to_string()));
        assert!(t.contains(&"到哪".to_string()));
        assert!(!t.contains(&"了".to_string()), "function characters are dropped");
    }
}
