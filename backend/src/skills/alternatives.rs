//! Skills a posting accepts instead of one another: "Go or Rust", "AWS/GCP",
//! "one of Python, Go and Java". Such mentions are one requirement.
//!
//! Mentions joined by "or" or "/" on one line are alternatives. After "one
//! of", "either", "any of", "such as" or "e.g." the whole list is, commas and
//! "and" included. A plain comma list ("Kubernetes, Docker, Terraform or
//! Pulumi") is not: only the mentions on either side of "or" are grouped.

use shared_types::SkillCategory;

use super::tokens::Token;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Gap {
    Comma,
    Or,
    And,
    Break,
}

/// One mention: first token, token count, category.
pub type Mention = (usize, usize, SkillCategory);

fn gap(tokens: &[Token<'_>], a: Mention, b: Mention) -> Gap {
    let end = a.0 + a.1;
    if a.2 != b.2 || b.0 < end || tokens[end..=b.0].iter().any(|t| t.boundary_before) {
        return Gap::Break;
    }
    let between = &tokens[end..b.0];
    let is = |words: &[&str]| {
        between.len() == words.len()
            && between
                .iter()
                .zip(words)
                .all(|(t, w)| t.text.eq_ignore_ascii_case(w))
    };
    if between.is_empty() {
        if tokens[b.0].punct_before {
            Gap::Comma
        } else {
            Gap::Break
        }
    } else if is(&["or"]) || is(&["/"]) || is(&["and", "/", "or"]) || is(&["or", "/", "and"]) {
        Gap::Or
    } else if is(&["and"]) {
        Gap::And
    } else {
        Gap::Break
    }
}

fn cue_before(tokens: &[Token<'_>], i: usize) -> bool {
    let from = i.saturating_sub(3);
    let words: Vec<String> = (from..i)
        .filter(|&j| (j + 1..=i).all(|k| !tokens[k].boundary_before))
        .map(|j| tokens[j].text.to_lowercase())
        .collect();
    let has = |pair: [&str; 2]| words.windows(2).any(|w| w[0] == pair[0] && w[1] == pair[1]);
    words.iter().any(|w| w == "either")
        || has(["one", "of"])
        || has(["any", "of"])
        || has(["such", "as"])
        || has(["e", "g"])
}

/// A group number for each mention (in text order) that has alternatives.
pub fn groups(tokens: &[Token<'_>], mentions: &[Mention]) -> Vec<Option<usize>> {
    let mut out = vec![None; mentions.len()];
    let mut next_group = 0;
    let mut k = 0;
    while k < mentions.len() {
        // The run of mentions joined by commas, "or" and "and".
        let mut gaps = Vec::new();
        let mut end = k + 1;
        while end < mentions.len() {
            let g = gap(tokens, mentions[end - 1], mentions[end]);
            if g == Gap::Break {
                break;
            }
            gaps.push(g);
            end += 1;
        }
        if cue_before(tokens, mentions[k].0) && end - k > 1 {
            out[k..end].fill(Some(next_group));
            next_group += 1;
        } else {
            // Only the mentions on either side of "or" or "/".
            let mut start = None;
            for (j, g) in gaps.iter().enumerate() {
                let at = k + j;
                if *g == Gap::Or {
                    let group = *start.get_or_insert_with(|| {
                        next_group += 1;
                        next_group - 1
                    });
                    out[at] = Some(group);
                    out[at + 1] = Some(group);
                } else {
                    start = None;
                }
            }
        }
        k = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    /// Groups for the listed words of `text`, each a one-token mention.
    fn grouped(text: &str, words: &[&str]) -> Vec<Option<usize>> {
        let tokens = tokenize(text);
        let mentions: Vec<Mention> = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| words.contains(&t.text))
            .map(|(i, _)| (i, 1, SkillCategory::Technical))
            .collect();
        groups(&tokens, &mentions)
    }

    #[test]
    fn or_and_slash_join_alternatives() {
        assert_eq!(
            grouped("Go or Rust; AWS/GCP", &["Go", "Rust", "AWS", "GCP"]),
            [Some(0), Some(0), Some(1), Some(1)]
        );
    }

    #[test]
    fn a_comma_list_groups_only_around_or() {
        assert_eq!(
            grouped(
                "Kubernetes, Docker, Terraform or Pulumi",
                &["Kubernetes", "Docker", "Terraform", "Pulumi"]
            ),
            [None, None, Some(0), Some(0)]
        );
        assert_eq!(grouped("Python and SQL", &["Python", "SQL"]), [None, None]);
    }

    #[test]
    fn one_of_groups_the_whole_list() {
        assert_eq!(
            grouped(
                "Fluency in one of Python, Go and Java. Also SQL",
                &["Python", "Go", "Java", "SQL"]
            ),
            [Some(0), Some(0), Some(0), None]
        );
    }
}
