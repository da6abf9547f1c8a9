//! What a customer types is not what the knowledge base says: greetings and thanks around the
//! question, a reference number, a shouted sentence. `clean_query` keeps the question, for the
//! embedder and for BM25 alike; words the knowledge base has never seen are handled by the
//! lexical index (corrected when they are a typo of a known word, ignored otherwise).

use regex::Regex;
use std::sync::LazyLock;

/// Greetings before the question and thanks after it, in English and Chinese.
static POLITE_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:(?:(?:hi|hello|hey)(?:\s+there)?|dear\s+\w+|good\s+(?:morning|afternoon|evening)|greetings|excuse\s+me|sorry\s+to\s+bother(?:\s+you)?)\b[\s,.!~-]*|(?:您好|你好|请问|麻烦问一下|麻烦|亲)[\s,，。!！~]*)+")
        .unwrap()
});
static POLITE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:[\s,.!~-]*(?:(?:thank\s*(?:you|u)|thanks|thx|ty|cheers|many\s+thanks)(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+in\s+advance)?|please(?:\s+help(?:\s+me)?)?|pls|plz|asap|(?:have\s+a\s+)?(?:nice|good|great)\s+day|regards|best\s+regards)\b[\s.!~]*|[\s，,。!！~]*(?:谢谢(?:你|您)?(?:了)?|多谢|感谢|麻烦了|拜托了|急)[\s。!！~]*)+$")
        .unwrap()
});
/// Reference, ticket and tracking numbers: a run with at least one digit and five or more
/// characters, optionally introduced by "ref", "ticket", "case", "#"... Order ids are answered
/// by the business agent before retrieval; what is left here is noise to the knowledge base.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:ref(?:erence)?|ticket|case|tracking|no)\b\.?\s*(?:no\.?|number|#)?\s*[:#]?\s*)?#?\b[a-z0-9]*\d[a-z0-9]*(?:[-_/][a-z0-9]+)*\b")
        .unwrap()
});
static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+").unwrap());

/// The question without the politeness around it, reference numbers, or shouting.
pub fn clean_query(original: &str) -> String {
    let text = unshout(original);
    let text = REFERENCE.replace_all(&text, |caps: &regex::Captures<'_>| {
        let token = &caps[0];
        let alnum = token.chars().filter(|c| c.is_ascii_alphanumeric()).count();
        // Keep short numbers ("30 days", "99 CNY", "2fa"): they can be the question.
        if alnum >= 5 { " ".to_string() } else { token.to_string() }
    });
    let mut text = text.into_owned();
    for _ in 0..2 {
        text = POLITE_TAIL.replace(&text, "").into_owned();
        text = POLITE_LEAD.replace(&text, "").into_owned();
    }
    let cleaned = SPACES.replace_all(text.trim(), " ").into_owned();
    // A message that is nothing but politeness keeps its words: better than an empty query.
    if cleaned.chars().any(char::is_alphanumeric) {
        cleaned
    } else {
        SPACES.replace_all(unshout(original).trim(), " ").into_owned()
    }
}

/// Runs of two or more words in capitals are lower-cased; a single acronym (VAT, DHL) is kept.
fn unshout(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let shouted = |w: &str| {
        let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
        letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
    };
    let flags: Vec<bool> = words.iter().map(|w| shouted(w)).collect();
    let letters = text.chars().filter(|c| c.is_alphabetic() && c.is_ascii()).count();
    let upper = text.chars().filter(|c| c.is_ascii_uppercase()).count();
    let all_caps = letters >= 6 && upper * 10 >= letters * 8;
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let in_run = flags[i] && (i > 0 && flags[i - 1] || i + 1 < flags.len() && flags[i + 1]);
            if all_caps || in_run {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Damerau-Levenshtein distance (adjacent transpositions count one), bounded: returns
/// `limit + 1` as soon as the distance must exceed `limit`.
pub fn edit_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        let mut row_min = usize::MAX;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return limit + 1;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn politeness_references_and_shouting_are_removed() {
        assert_eq!(clean_query("What is the return window? THANK YOU SO MUCH"), "What is the return window?");
        assert_eq!(clean_query("Hi there, how long does a refund take? Thanks!"), "how long does a refund take?");
        assert_eq!(clean_query("What is the return window? ref 88231-XK"), "What is the return window?");
        assert_eq!(clean_query("WHERE IS MY REFUND"), "where is my refund");
        assert_eq!(clean_query("您好，退款多久到账？谢谢"), "退款多久到账？");
        assert_eq!(clean_query("Can I get a VAT invoice?"), "Can I get a VAT invoice?");
        assert_eq!(clean_query("Can I return it after 30 days?"), "Can I return it after 30 days?");
    }

    #[test]
    fn a_message_of_thanks_alone_stays_a_message() {
        assert!(!clean_query("Thank you so much!").is_empty());
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("retrun", "return", 2), 1);
        assert_eq!(edit_distance("refund", "refund", 1), 0);
        assert_eq!(edit_distance("invoice", "parcel", 2), 3);
    }
}
