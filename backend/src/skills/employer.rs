//! The employer a text names, so that its name is not taken for a skill.
//!
//! A posting by GitLab says "GitLab" thirty times and asks for GitLab once;
//! a resume says "Engineer at Salesforce" without claiming the CRM. A
//! capitalised word is taken for an employer when the text calls it a
//! company ("X Inc", "X LLC"), or writes it as one at least once ("X's", "X
//! team", "at X", "join X", "within X", "throughout X") and once more in any
//! of those ways or as "about X", "of X", "for X". A skill with that name then counts only where
//! the text asks for or claims its use ("experience with GitLab",
//! "proficient in Salesforce").

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
    let is = |i: usize, words: &[&str]| {
        tokens
            .get(i)
            .is_some_and(|t| words.iter().any(|w| t.text.eq_ignore_ascii_case(w)))
    };
    // (times written as a company, times written as "of X" and the like)
    let mut seen: HashMap<String, (u32, u32)> = HashMap::new();
    for (i, t) in tokens.iter().enumerate() {
        if !capitalised(t.text) {
            continue;
        }
        let prev = |words: &[&str]| i > 0 && !t.boundary_before && is(i - 1, words);
        let next = |words: &[&str]| {
            tokens.get(i + 1).is_some_and(|n| !n.boundary_before) && is(i + 1, words)
        };
        let stem = t
            .text
            .strip_suffix("'s")
            .or_else(|| t.text.strip_suffix("’s"));
        let corporate = next(CORPORATE);
        let company = stem.is_some()
            || next(&["team"])
            || prev(&["at", "join", "joining", "within", "throughout"]);
        let weak = prev(&["about", "of", "for"]) && !used_as_skill(tokens, i);
        if company || corporate || weak {
            let entry = seen
                .entry(stem.unwrap_or(t.text).to_lowercase())
                .or_default();
            entry.0 += u32::from(company) + 2 * u32::from(corporate);
            entry.1 += u32::from(weak);
        }
    }
    seen.into_iter()
        .filter(|&(_, (company, weak))| company + weak >= 2)
        .map(|(name, _)| name)
        .collect()
}

/// Whether the mention at tokens `i..i + len` asks for or claims the use of
/// the product: a use cue among the two words before it, on its line
/// ("experience with GitLab", "proficient in GitLab").
pub fn used_as_skill(tokens: &[Token<'_>], i: usize) -> bool {
    let mut j = i;
    for _ in 0..2 {
        if j == 0 || tokens[j].boundary_before {
            return false;
        }
        j -= 1;
        if USE_CUES
            .iter()
            .any(|c| tokens[j].text.eq_ignore_ascii_case(c))
        {
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
        let text = "GitLab Inc. is hiring at GitLab. Engineer at Salesforce; Salesforce's CRM. \
                    Passionate about Python, knowledge of Python.";
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
