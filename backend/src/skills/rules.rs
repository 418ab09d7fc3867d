//! Rules for names that are also ordinary words.
//!
//! Exact-case aliases (`=` in the vocabulary) already keep "rust" and
//! "excel at" out. In-context aliases (`~`: "Go", "R", "C", "CV", "Swift")
//! also need a technical neighbour: another technical skill, or a
//! programming word, within [`CONTEXT_WINDOW`] tokens. On top of that, a
//! few skills are refused next to words that show the ordinary meaning
//! ("Go to", "C-suite", "your CV", "Excel at", "our organization").

use super::tokens::Token;

/// How many tokens either side count as the context of an ambiguous name.
pub const CONTEXT_WINDOW: usize = 8;

/// Words that make a neighbouring ambiguous name technical.
const PROGRAMMING_WORDS: &[&str] = &[
    "programming",
    "language",
    "languages",
    "developer",
    "developers",
    "engineer",
    "engineers",
    "code",
    "coding",
    "stack",
    "framework",
    "frameworks",
    "backend",
    "frontend",
    "services",
    "microservices",
    "compiler",
    "scripting",
    "library",
    "libraries",
    "software",
    "model",
    "models",
    "vision",
    "statistical",
    "goroutines",
    "concurrency",
];

/// Per canonical skill, or per name as written ("CV"): words it may not
/// follow and words it may not precede (compared without case).
/// Words after a discipline's name that make it a person or a team ("UX
/// designers", "product managers", "full stack engineer"), not a skill.
const ROLES: &[&str] = &[
    "designer",
    "designers",
    "engineer",
    "engineers",
    "developer",
    "developers",
    "manager",
    "managers",
    "researcher",
    "researchers",
    "team",
    "teams",
    "lead",
    "leads",
    "director",
    "specialist",
    "specialists",
    "practitioners",
    "discipline",
];

const REFUSED_NEIGHBOURS: &[(&str, &[&str], &[&str])] = &[
    ("UX Design", &[], ROLES),
    // "flexible work hours" is a perk; "collaborative filtering" a method.
    (
        "Adaptability",
        &[],
        &["work", "working", "hours", "schedule", "schedules", "time"],
    ),
    ("Teamwork", &[], &["filtering"]),
    (
        "Presentation Skills",
        &[],
        &["layer", "layers", "tier", "logic"],
    ),
    ("UI Design", &[], ROLES),
    ("Product Management", &[], ROLES),
    ("Program Management", &[], ROLES),
    ("Full-Stack Development", &[], ROLES),
    (
        "Go",
        &[
            "to", "will", "can", "let's", "lets", "we", "you", "must", "should", "ready", "i",
            "and", "or", "the", "a", "on", "that",
        ],
        &[
            "to", "ahead", "beyond", "live", "back", "through", "out", "above", "the", "a", "an",
            "with", "into", "from", "get", "deep", "deeper", "further", "far", "on", "over", "up",
            "down", "for", "after", "fast",
        ],
    ),
    (
        "C",
        &[
            "plan",
            "vitamin",
            "grade",
            "class",
            "type",
            "section",
            "appendix",
            "level",
            "tier",
            "series",
            "hepatitis",
            "page",
            "part",
        ],
        &[
            "suite",
            "level",
            "corp",
            "grade",
            "section",
            "class",
            "average",
            "corporation",
            "diff",
            "&",
        ],
    ),
    ("R", &["&", "type", "part"], &["&", "type"]),
    (
        "CV",
        &[
            "your", "a", "the", "our", "send", "submit", "attach", "attached", "updated", "my",
            "with", "and", "or", "full", "detailed", "cover",
        ],
        &[
            "and",
            "to",
            "or",
            "including",
            "showing",
            "that",
            "which",
            "in",
            "by",
        ],
    ),
    ("Microsoft Excel", &[], &["at", "in", "as"]),
    ("React", &[], &["to", "quickly", "when"]),
    (
        "Spring",
        &["this", "next", "last", "in", "the"],
        &[
            "semester",
            "term",
            "break",
            "20",
            "2024",
            "2025",
            "2026",
            "2027",
            "internship",
            "quarter",
        ],
    ),
    (
        "Swift",
        &[],
        &[
            "response",
            "responses",
            "action",
            "payments",
            "code",
            "transfer",
            "transfers",
        ],
    ),
    (
        "Lean",
        &[],
        &["in", "on", "into", "team", "teams", "startup", "budget"],
    ),
    (
        "Leadership",
        &[
            "for",
            "to",
            "our",
            "the",
            "with",
            "company",
            "senior",
            "executive",
            "and",
        ],
        &["team", "teams", "of", "meetings"],
    ),
    (
        "Organization",
        &[
            "our",
            "the",
            "your",
            "an",
            "this",
            "that",
            "a",
            "whole",
            "entire",
            "across",
            "in",
            "of",
            "nonprofit",
            "an",
        ],
        &["'s", "of", "to", "that", "which", "where", "is", "has"],
    ),
    (
        "Triage",
        &[],
        &[
            "findings",
            "bugs",
            "issues",
            "alerts",
            "tickets",
            "incidents",
            "requests",
        ],
    ),
    (
        "Quality Control",
        &[
            "montréal",
            "montreal",
            "quebec",
            "québec",
            "city",
            "laval",
            "gatineau",
        ],
        &[],
    ),
];

/// Whether `tokens[i..i + len]`, a mention of the skill `name`, is refused
/// by its neighbours.
pub fn refused_by_neighbours(tokens: &[Token<'_>], i: usize, len: usize, name: &str) -> bool {
    let written = (len == 1).then(|| tokens[i].text);
    let Some((_, before, after)) = REFUSED_NEIGHBOURS
        .iter()
        .find(|(n, _, _)| *n == name || Some(*n) == written)
    else {
        return false;
    };
    let prev = i
        .checked_sub(1)
        .map(|p| &tokens[p])
        .filter(|_| !tokens[i].boundary_before);
    let next = tokens.get(i + len).filter(|t| !t.boundary_before);
    // "Python or Go", "Rust and C": a capitalised name before the "or" or
    // "and" makes it a list of names, not a verb or a letter.
    let listed = prev.is_some_and(|t| t.text == "or" || t.text == "and")
        && i >= 2
        && !tokens[i - 1].boundary_before
        && tokens[i - 2]
            .text
            .chars()
            .next()
            .is_some_and(char::is_uppercase);
    let refused_before =
        !listed && prev.is_some_and(|t| before.iter().any(|w| t.text.eq_ignore_ascii_case(w)));
    refused_before || next.is_some_and(|t| after.iter().any(|w| t.text.eq_ignore_ascii_case(w)))
}

/// Whether a programming word sits within the window around `tokens[i]`.
pub fn programming_word_near(tokens: &[Token<'_>], i: usize, len: usize) -> bool {
    window(tokens, i, len).any(|j| {
        PROGRAMMING_WORDS
            .iter()
            .any(|w| tokens[j].text.eq_ignore_ascii_case(w))
    })
}

/// The token indices within [`CONTEXT_WINDOW`] of `tokens[i..i + len]`.
/// Sentence ends do not stop it: skills often stand one to a line.
pub fn window(tokens: &[Token<'_>], i: usize, len: usize) -> impl Iterator<Item = usize> {
    let start = i.saturating_sub(CONTEXT_WINDOW);
    let end = (i + len + CONTEXT_WINDOW).min(tokens.len());
    (start..end).filter(move |&j| j < i || j >= i + len)
}
