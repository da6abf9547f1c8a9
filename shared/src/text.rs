//! What a valid id is and which characters text may not carry: pure rules, below every room that
//! checks a request (the HTTP edge), a credential (auth) or a key (the store).

/// Characters that take no room on screen: format controls (zero-width space, joiners,
/// direction marks, the byte-order mark, soft hyphen), fillers that render as nothing (Hangul
/// filler, blank Braille pattern) and variation selectors. A text made only of these and
/// whitespace is blank.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Blank: nothing a reader would see.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || is_invisible(c))
}

pub fn is_valid_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 128
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// A control character other than tab and newline (a carriage return only as part of a CRLF
/// line end): C0, DEL and C1. They are never text a person typed; stored, they corrupt logs,
/// terminals and exports downstream (NUL truncates C strings, ESC starts terminal sequences).
pub fn first_control(text: &str) -> Option<char> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\t' | '\n' => true,
            '\r' => chars.peek() == Some(&'\n'),
            _ => !c.is_control(),
        };
        if !allowed {
            return Some(c);
        }
    }
    None
}

/// Text without the control characters [`first_control`] refuses: how claims a client cannot
/// be asked to resend (a token's display name) are cleaned instead.
pub fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n')).collect()
}
