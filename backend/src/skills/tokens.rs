//! Splits text into the tokens that skill names are matched on.
//!
//! A token is a run of letters and digits, kept whole with the characters
//! that belong to technology names: `+` and `#` after it (`C++`, `C#`), a
//! `.` between letters or before them (`Node.js`, `.NET`). `/` and `&` are
//! tokens of their own (`CI/CD`, `R&D`); hyphens and other punctuation
//! separate tokens and vanish, so "front-end" and "front end" match alike.
//! Web addresses and e-mail addresses are skipped whole.

/// One token: where it is in the text, and its text as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// Byte offset of the token's start.
    pub start: usize,
    /// Byte offset just past the token's end.
    pub end: usize,
    /// The token as written.
    pub text: &'a str,
    /// Whether a sentence or line boundary (`.`, `!`, `?`, `;`, a newline)
    /// comes between the previous token and this one.
    pub boundary_before: bool,
    /// Whether punctuation other than a hyphen comes between the previous
    /// token and this one ("AWS (S3" is not the name "AWS S3").
    pub punct_before: bool,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// The tokens of `text`, in order.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::with_capacity(text.len() / 5);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let offset = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let mut boundary = true;
    let mut punct = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c == '/' || c == '&' {
            tokens.push(Token {
                start: offset(i),
                end: offset(i + 1),
                text: &text[offset(i)..offset(i + 1)],
                boundary_before: boundary,
                punct_before: punct,
            });
            boundary = false;
            punct = false;
            i += 1;
            continue;
        }
        let dot_word = c == '.'
            && at(i + 1).is_some_and(char::is_alphanumeric)
            && (i == 0 || at(i - 1).is_some_and(char::is_whitespace));
        if !is_word(c) && !dot_word {
            if matches!(c, '.' | '!' | '?' | ';' | '\n' | '•' | '·' | '|') {
                boundary = true;
            }
            if !c.is_whitespace() && c != '-' {
                punct = true;
            }
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while let Some(c) = at(i) {
            let joins = is_word(c)
                || (c == '.' && at(i + 1).is_some_and(char::is_alphanumeric))
                || (c == '\'' && at(i + 1).is_some_and(char::is_alphabetic));
            if !joins {
                break;
            }
            i += 1;
        }
        // `+` and `#` close a name: C++, C#, F#.
        while matches!(at(i), Some('+' | '#')) && !at(i + 1).is_some_and(is_word) {
            i += 1;
        }
        let word = &text[offset(start)..offset(i)];
        // Skip web and e-mail addresses to the next whitespace.
        let scheme = word.eq_ignore_ascii_case("http") || word.eq_ignore_ascii_case("https");
        let is_address = scheme && matches!(at(i), Some(':'))
            || word.to_ascii_lowercase().starts_with("www.")
            || (word.contains('.') && matches!(at(i), Some('/')))
            || matches!(at(i), Some('@'));
        if is_address {
            while at(i).is_some_and(|c| !c.is_whitespace()) {
                i += 1;
            }
            continue;
        }
        tokens.push(Token {
            start: offset(start),
            end: offset(i),
            text: word,
            boundary_before: boundary,
            punct_before: punct,
        });
        boundary = false;
        punct = false;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.text).collect()
    }

    #[test]
    fn technology_names_stay_whole() {
        assert_eq!(
            texts("C++, C#, Node.js and .NET; CI/CD, R&D."),
            [
                "C++", "C#", "Node.js", "and", ".NET", "CI", "/", "CD", "R", "&", "D"
            ]
        );
    }

    #[test]
    fn hyphens_and_sentence_ends_separate_words() {
        assert_eq!(
            texts("front-end work. Python."),
            ["front", "end", "work", "Python"]
        );
        let tokens = tokenize("Rust. Go");
        assert!(tokens[1].boundary_before);
    }

    #[test]
    fn punctuation_between_tokens_is_marked() {
        let tokens = tokenize("AWS (S3, front-end");
        let punct: Vec<bool> = tokens.iter().map(|t| t.punct_before).collect();
        assert_eq!(punct, [true, true, true, false]);
    }

    #[test]
    fn addresses_are_skipped() {
        assert_eq!(
            texts(
                "see https://jobs.example/go-to or http://a.example/rust-jobs, mail go@example.com, github.com/me now"
            ),
            ["see", "or", "mail", "now"]
        );
    }
}
