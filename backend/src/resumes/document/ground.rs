//! Grounding: a structure proposed by a model keeps only what the resume's
//! text says. Every text value must be found in the text (after
//! normalising case, white space, hyphenation at line ends, ligatures,
//! dashes and quotes), as whole words; a date must be one the text writes
//! (in any form the date reader knows: "Jan 2021" grounds "2021-01"). What
//! is not found is dropped and listed, with its place, for the user. Values
//! of the wrong type are dropped the same way, so the result always passes
//! the schema.

use std::collections::HashSet;

use serde_json::Value;
use shared_types::resume_document::ResumeDocument;

use super::{dates, validate};

/// Fields that hold dates.
const DATE_FIELDS: &[&str] = &["startDate", "endDate", "date", "releaseDate"];

/// What grounding kept, and what it dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Grounded {
    /// The structure, with only what the text holds (and no ids yet).
    pub document: ResumeDocument,
    /// One line for each value dropped, saying where and what.
    pub dropped: Vec<String>,
}

/// Text as compared: lower case, ligatures expanded, words broken at a
/// line's end joined, dashes and quotes made plain, white space single.
fn normalise(text: &str) -> String {
    // Ligatures, soft hyphens and odd spaces as extraction cleans them.
    let text = crate::resumes::extract::text::clean(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // "engi-\nneering": a hyphen at a line's end before a lower-case
        // letter splits one word.
        if c == '-' && chars.peek() == Some(&'\n') {
            let mut ahead = chars.clone();
            ahead.next();
            if ahead.next().is_some_and(char::is_lowercase) {
                chars.next();
                continue;
            }
        }
        let c = match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{201b}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' => '"',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out.trim_end().to_string()
}

/// Whether a character joins a word on each side (letters and digits of
/// scripts written with spaces; Chinese, Japanese and Korean are not).
fn joins(c: char) -> bool {
    c.is_alphanumeric()
        && !matches!(c, '\u{2e80}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}')
}

/// The resume's text, ready to be searched.
struct Source {
    text: String,
    dates: HashSet<String>,
}

impl Source {
    fn new(text: &str) -> Self {
        let mut found = HashSet::new();
        for line in text.lines() {
            let mut rest = line;
            while let Some(range) = dates::find(rest) {
                found.insert(range.start.clone());
                found.extend(range.end.clone());
                rest = &rest[range.span.end..];
            }
        }
        Self {
            text: normalise(text),
            dates: found,
        }
    }

    /// Whether `value` stands in the text as whole words.
    fn has(&self, value: &str) -> bool {
        let wanted = normalise(value);
        let wanted = wanted.trim_end_matches(['.', ',', ';', ':']).trim();
        if wanted.is_empty() {
            return false;
        }
        let first = wanted.chars().next().is_some_and(joins);
        let last = wanted.chars().next_back().is_some_and(joins);
        self.text.match_indices(wanted).any(|(at, _)| {
            let before = self.text[..at].chars().next_back();
            let after = self.text[at + wanted.len()..].chars().next();
            let open = !first || !before.is_some_and(joins);
            let closed = !last || !after.is_some_and(joins);
            open && closed
        })
    }

    /// Whether the text writes this date (in any form).
    fn has_date(&self, value: &str) -> bool {
        self.dates.contains(value) || self.has(value)
    }
}

/// Keeps what `source` holds in `value` (at `pointer`), dropping the rest;
/// `false` when nothing is left of it.
fn keep(
    value: &mut Value,
    key: &str,
    pointer: &str,
    source: &Source,
    dropped: &mut Vec<String>,
) -> bool {
    let mut drop =
        |what: &str| dropped.push(format!("{pointer}: “{what}” is not in the resume's text"));
    match value {
        Value::String(text) => {
            let found = if DATE_FIELDS.contains(&key) {
                source.has_date(text)
            } else {
                source.has(text)
            };
            if !found {
                drop(text);
            }
            found
        }
        Value::Array(items) => {
            let mut n = 0;
            items.retain_mut(|item| {
                let kept = keep(item, key, &format!("{pointer}/{n}"), source, dropped);
                n += 1;
                kept
            });
            !items.is_empty()
        }
        Value::Object(fields) => {
            fields.retain(|name, field| {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                keep(
                    field,
                    name,
                    &format!("{pointer}/{escaped}"),
                    source,
                    dropped,
                )
            });
            !fields.is_empty()
        }
        Value::Null => false,
        Value::Bool(_) | Value::Number(_) => {
            drop(&value.to_string());
            false
        }
    }
}

/// Grounds a model's proposed structure in the resume's `text`.
pub fn ground(mut proposed: Value, text: &str) -> Grounded {
    let source = Source::new(text);
    let mut dropped = Vec::new();
    if let Some(fields) = proposed.as_object_mut() {
        // Ids are ours to give; the schema's address is no fact of the resume.
        fields.remove("meta");
        fields.remove("$schema");
    }
    // A value of the wrong type is dropped too, until the schema holds
    // (each round drops at least one value; entries left empty go too).
    for _ in 0..8 {
        if !keep(&mut proposed, "", "", &source, &mut dropped) {
            proposed = Value::Object(serde_json::Map::new());
        }
        match validate::validate(&proposed) {
            Ok(document) => return Grounded { document, dropped },
            Err(problems) => {
                for problem in problems {
                    if problem.pointer.is_empty() {
                        proposed = Value::Object(serde_json::Map::new());
                    } else if let Some((parent, last)) = problem.pointer.rsplit_once('/') {
                        let last = last.replace("~1", "/").replace("~0", "~");
                        match proposed.pointer_mut(parent) {
                            Some(Value::Object(fields)) => {
                                fields.remove(&last);
                            }
                            Some(Value::Array(items)) => {
                                if let Ok(n) = last.parse::<usize>()
                                    && n < items.len()
                                {
                                    items.remove(n);
                                }
                            }
                            _ => {}
                        }
                    }
                    dropped.push(format!("{}: {}", problem.pointer, problem.message));
                }
            }
        }
    }
    Grounded {
        document: ResumeDocument::default(),
        dropped,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ground, normalise};

    const TEXT: &str = "Jonas Lindqvist\nBackend engineer · jonas@example.se\n\nExperience\n\
        Senior Engineer — Betalning AB\nJan 2021 – Present\n• Moved 40 services to Kuber-\nnetes with e\u{fb03}cient rollouts\n\
        • Cut ledger latency from 180 ms to 40 ms\n\nSkills\nRust, Go, PostgreSQL\n\n教育\n清华大学 计算机科学硕士 2013 – 2016";

    #[test]
    fn what_the_text_says_is_kept_in_any_case_spacing_hyphenation_or_ligature() {
        let grounded = ground(
            json!({
                "basics": {"name": "JONAS LINDQVIST", "email": "jonas@example.se", "label": "Backend engineer"},
                "work": [{"name": "Betalning AB", "position": "Senior Engineer", "startDate": "2021-01",
                          "highlights": ["Moved 40 services to Kubernetes with efficient rollouts",
                                         "Cut ledger latency from 180 ms to 40 ms."]}],
                "education": [{"institution": "清华大学", "area": "计算机科学", "startDate": "2013", "endDate": "2016"}],
                "skills": [{"name": "Rust"}, {"name": "PostgreSQL"}]
            }),
            TEXT,
        );
        assert_eq!(grounded.dropped, Vec::<String>::new());
        let doc = grounded.document;
        assert_eq!(doc.work[0].highlights.len(), 2);
        assert_eq!(doc.work[0].start_date.as_deref(), Some("2021-01"));
        assert_eq!(doc.education[0].institution.as_deref(), Some("清华大学"));
    }

    #[test]
    fn an_invented_employer_title_date_and_skill_never_reach_the_structure() {
        let grounded = ground(
            json!({
                "$schema": "https://example.com/schema.json",
                "basics": {"name": "Jonas Lindqvist", "label": "Chief Technology Officer"},
                "work": [
                    {"name": "Betalning AB", "position": "Senior Engineer", "startDate": "2019-01",
                     "highlights": ["Cut ledger latency from 180 ms to 40 ms", "Saved $2M a year"]},
                    {"name": "Globex Corporation", "position": "Architect"}
                ],
                "skills": [{"name": "Haskell"}, {"name": "Go"}, {"name": "Rus"}],
                "meta": {"ids": {"work": [{"id": "w9"}]}},
                "awards": [{"title": 7}]
            }),
            TEXT,
        );
        let doc = &grounded.document;
        assert_eq!(doc.basics.label, None);
        assert_eq!(doc.work.len(), 1, "the invented job is gone whole");
        assert_eq!(doc.work[0].start_date, None, "2019 is nowhere in the text");
        assert_eq!(
            doc.work[0].highlights,
            ["Cut ledger latency from 180 ms to 40 ms"]
        );
        let skills: Vec<_> = doc
            .skills
            .iter()
            .filter_map(|s| s.name.as_deref())
            .collect();
        assert_eq!(
            skills,
            ["Go"],
            "Go is a word of the text; Rus is only part of one"
        );
        assert!(doc.meta.ids.is_empty() && doc.awards.is_empty());
        let dropped = grounded.dropped.join("\n");
        for expected in [
            "/basics/label: “Chief Technology Officer”",
            "/work/0/startDate: “2019-01”",
            "/work/0/highlights/1: “Saved $2M a year”",
            "/work/1/name: “Globex Corporation”",
            "/work/1/position: “Architect”",
            "/skills/0/name: “Haskell”",
            "/skills/2/name: “Rus”",
            "/awards/0/title: “7”",
        ] {
            assert!(dropped.contains(expected), "{expected} in\n{dropped}");
        }
    }

    #[test]
    fn wrong_types_are_dropped_until_the_schema_holds() {
        let grounded = ground(
            json!({"basics": {"name": "Jonas Lindqvist", "profiles": "Rust"},
                   "work": [{"highlights": "Cut ledger latency from 180 ms to 40 ms"}]}),
            TEXT,
        );
        assert_eq!(
            grounded.document.basics.name.as_deref(),
            Some("Jonas Lindqvist")
        );
        assert!(
            grounded
                .document
                .work
                .iter()
                .all(|w| w.highlights.is_empty())
        );
        assert!(
            grounded
                .dropped
                .iter()
                .any(|d| d.starts_with("/basics/profiles")),
            "{:?}",
            grounded.dropped
        );
        assert!(
            ground(json!("not an object"), TEXT)
                .document
                .basics
                .name
                .is_none()
        );
    }

    #[test]
    fn normalising_joins_broken_words_and_plain_punctuation() {
        assert_eq!(
            normalise("Kuber-\nnetes  “quoted” – \u{fb01}ne"),
            "kubernetes \"quoted\" - fine"
        );
        assert_eq!(
            normalise("Data-\nDriven"),
            "data- driven",
            "a capital after the break starts a word"
        );
    }
}
