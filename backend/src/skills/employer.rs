//! The employer a text names, so that its name is not taken for a skill.
//!
//! A posting by GitLab says "GitLab" thirty times and asks for GitLab once;
//! a resume says "Engineer at Salesforce" without claiming the CRM. A
//! capitalised word is taken for an employer when the text writes it as one
//! often enough: "X Inc", "join X", "work at X" weigh two; "at X", "about
//! X", "X's" one; two make an employer (so "passionate about Python" alone
//! does not). A skill with that name then counts only where the text asks
//! for or claims its use ("experience with GitLab", "proficient in
//! Salesforce").

use std::collections::{HashMap, HashSet};

use super::tokens::Token;

const CORPORATE: &[&str] = &["inc", "llc", "ltd", "gmbh", "corp", "corporation"];
const USE_CUES: &[&str] = &[
    "experience",
    "experienced",
    "using",
    "use",
    "used",
    "knowledge",
    "familiar",
    "familiarity",
    "proficiency",
    "proficient",
    "expertise",
    "expert",
    "administering",
    "administration",
    "certified",
    "skills",
];

fn capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase) && word.chars().count() > 1
}

/// The lowercased one-word names the text uses for an employer.
pub fn names(tokens: &[Token<'_>]) -> HashSet<String> {
    let word = |i: usize| tokens.get(i).map(|t| t.text.to_lowercase());
    let mut weight: HashMap<String, u32> = HashMap::new();
    for (i, t) in tokens.iter().enumerate() {
        if !capitalised(t.text) {
            continue;
        }
        let prev = word(i.wrapping_sub(1)).filter(|_| !t.boundary_before);
        let before_prev = word(i.wrapping_sub(2));
        let next = tokens
            .get(i + 1)
            .filter(|n| !n.boundary_before)
            .map(|n| n.text.to_lowercase());
        let stem = t.text.strip_suffix("'s").or_else(|| t.text.strip_suffix("’s"));
        let w = match (before_prev.as_deref(), prev.as_deref(), next.as_deref()) {
            _ if stem.is_some() => 1,
            (_, _, Some(n)) if CORPORATE.contains(&n) => 2,
            (_, Some("join" | "joining"), _) => 2,
            (Some("work" | "working" | "worked"), Some("at" | "for"), _) => 2,
            (_, Some("at" | "about"), _) => 1,
            _ => 0,
        };
        *weight
            .entry(stem.unwrap_or(t.text).to_lowercase())
            .or_default() += w;
    }
    weight
        .into_iter()
        .filter(|&(_, w)| w >= 2)
        .map(|(name, _)| name)
        .collect()
}

/// Whether the mention at tokens `i..i + len` asks for or claims the use of
/// the product: a use cue among the three words before it, on its line.
pub fn used_as_skill(tokens: &[Token<'_>], i: usize) -> bool {
    let mut j = i;
    for _ in 0..3 {
        if j == 0 || tokens[j].boundary_before {
            return false;
        }
        j -= 1;
        if USE_CUES.contains(&tokens[j].text.to_lowercase().as_str()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    #[test]
    fn employers_are_named_as_employers() {
        let text = "GitLab Inc. is hiring. Engineer at Salesforce; Salesforce's CRM. \
                    Passionate about Python.";
        let names = names(&tokenize(text));
        assert!(names.contains("gitlab") && names.contains("salesforce"));
        assert!(!names.contains("python"));
    }

    #[test]
    fn a_use_cue_before_the_name_makes_it_a_skill() {
        let tokens = tokenize("Experience with GitLab is a plus. We love GitLab.");
        let at = |n: usize| {
            tokens
                .iter()
                .enumerate()
                .filter(|(_, t)| t.text == "GitLab")
                .nth(n)
                .map(|(i, _)| i)
                .expect("present")
        };
        assert!(used_as_skill(&tokens, at(0)));
        assert!(!used_as_skill(&tokens, at(1)));
    }
}
