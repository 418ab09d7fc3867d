//! Cleaning extracted text, and telling readable text from garbage.

/// Expands typographic ligatures, unifies spaces and bullets, drops
/// invisible characters, and tidies whitespace: at most one blank line in a
/// row, no trailing spaces, single spaces between words.
pub fn clean(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            'ﬀ' => s.push_str("ff"),
            'ﬁ' => s.push_str("fi"),
            'ﬂ' => s.push_str("fl"),
            'ﬃ' => s.push_str("ffi"),
            'ﬄ' => s.push_str("ffl"),
            'ﬅ' | 'ﬆ' => s.push_str("st"),
            '\r' => {}
            '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            // Bullets: Symbol, Wingdings and OpenSymbol glyphs land in the
            // private-use area; a text never needs those characters.
            '\u{F000}'..='\u{F0FF}' | '▪' | '◦' | '●' | '■' | '◆' | '➢' | '✓' => {
                s.push('•')
            }
            '\t' | '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                s.push(' ')
            }
            '\u{2010}' | '\u{2011}' => s.push('-'),
            c if c.is_control() && c != '\n' => {}
            c => s.push(c),
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.lines() {
        let line = line
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// Joins a line that a PDF broke for width to the next, when the next
/// starts in lowercase and the line does not end a sentence or a heading
/// ("moving 2 TB a day" + "into Snowflake").
pub fn join_wrapped_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        let next_lower = lines
            .peek()
            .and_then(|n| n.chars().next())
            .is_some_and(char::is_lowercase);
        let ends = line.trim_end().ends_with(['.', ':', ';', '!', '?']) || line.trim().is_empty();
        out.push(if next_lower && !ends { ' ' } else { '\n' });
    }
    out
}

/// Words in a text.
pub fn word_count(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

/// Whether text looks like garbage (a font without a usable character map,
/// binary read as text): too few letters, or too many replacement,
/// private-use or unassigned characters.
pub fn looks_garbled(text: &str) -> bool {
    let visible: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if visible.is_empty() {
        return false;
    }
    let letters = visible.iter().filter(|c| c.is_alphabetic()).count();
    let bad = visible
        .iter()
        .filter(|&&c| c == '\u{FFFD}' || ('\u{E000}'..='\u{F8FF}').contains(&c))
        .count();
    let total = visible.len();
    letters * 2 < total || bad * 20 > total || average_word_length(text) > 25.0
}

fn average_word_length(text: &str) -> f64 {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return 0.0;
    }
    words.iter().map(|w| w.chars().count()).sum::<usize>() as f64 / words.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ligatures_spaces_and_blank_lines_are_tidied() {
        let raw = "  Of\u{FB01}ce  work\u{00A0}\u{FB02}ow\tand\u{FB00}\r\n\n\n\n\u{F0B7} Rust \n";
        assert_eq!(clean(raw), "Office work flow andff\n\n• Rust");
    }

    #[test]
    fn lines_broken_for_width_are_joined() {
        assert_eq!(
            join_wrapped_lines(
                "• Built pipelines moving 2 TB\ninto Snowflake\nSkills:\nrust\nNext"
            ),
            "• Built pipelines moving 2 TB into Snowflake\nSkills:\nrust\nNext\n"
        );
    }

    #[test]
    fn garbage_is_told_from_text() {
        assert!(!looks_garbled(
            "Jane Doe, Senior Engineer. Built payment systems in Rust."
        ));
        assert!(looks_garbled("\u{E001}\u{E002}\u{E003} \u{E004}\u{E005}"));
        assert!(looks_garbled("%$#@ 1234 5678 !!!! ???? 0000"));
        assert!(looks_garbled(&"x".repeat(400)));
    }
}
