//! Splitting documents into chunks that keep their heading path.

const TARGET_CHARS: usize = 700;

/// Split markdown or plain text into (heading path, text) chunks of roughly 300–800 characters,
/// along headings first and paragraphs second. A paragraph is never cut.
pub fn split_document(_source: &str, text: &str) -> Vec<(Option<String>, String)> {
    let mut chunks: Vec<(Option<String>, String)> = Vec::new();
    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut current = String::new();
    let mut current_heading: Option<String> = None;

    let heading_path = |headings: &Vec<(usize, String)>| {
        (!headings.is_empty()).then(|| headings.iter().map(|(_, h)| h.as_str()).collect::<Vec<_>>().join(" > "))
    };
    let flush = |chunks: &mut Vec<(Option<String>, String)>, heading: &Option<String>, current: &mut String| {
        let text = current.trim();
        if !text.is_empty() {
            chunks.push((heading.clone(), text.to_string()));
        }
        current.clear();
    };

    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let mut lines = block.lines();
        let first = lines.next().unwrap_or_default();
        let level = first.chars().take_while(|c| *c == '#').count();
        let block_text = if level > 0 && first.chars().nth(level) == Some(' ') {
            flush(&mut chunks, &current_heading, &mut current);
            headings.retain(|(l, _)| *l < level);
            headings.push((level, first[level..].trim().to_string()));
            current_heading = heading_path(&headings);
            lines.collect::<Vec<_>>().join("\n")
        } else {
            block.to_string()
        };
        if block_text.trim().is_empty() {
            continue;
        }
        if !current.is_empty() && current.chars().count() + block_text.chars().count() > TARGET_CHARS {
            flush(&mut chunks, &current_heading, &mut current);
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(block_text.trim());
    }
    flush(&mut chunks, &current_heading, &mut current);
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_their_heading_path() {
        let doc = "# Shipping policy\n\nWe ship daily.\n\n## International\n\nCustoms may apply.\n\n## Domestic\n\nFree over 99 CNY.";
        let chunks = split_document("shipping.md", doc);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0], (Some("Shipping policy".into()), "We ship daily.".into()));
        assert_eq!(chunks[1].0.as_deref(), Some("Shipping policy > International"));
        assert_eq!(chunks[2].0.as_deref(), Some("Shipping policy > Domestic"));
    }

    #[test]
    fn long_sections_split_between_paragraphs() {
        let paragraph = "word ".repeat(60);
        let doc = format!("# Long\n\n{paragraph}\n\n{paragraph}\n\n{paragraph}\n\n{paragraph}");
        let chunks = split_document("long.md", &doc);
        assert!(chunks.len() >= 2);
        for (heading, text) in &chunks {
            assert_eq!(heading.as_deref(), Some("Long"));
            assert!(text.chars().count() <= 2 * TARGET_CHARS);
        }
    }

    #[test]
    fn plain_text_without_headings_is_chunked_too() {
        let chunks = split_document("notes.txt", "first paragraph\n\nsecond paragraph");
        assert_eq!(chunks, vec![(None, "first paragraph\n\nsecond paragraph".to_string())]);
    }
}
