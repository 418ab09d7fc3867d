//! The panel's job match card as safe HTML, rendered in the worker (like
//! answers) so the panel's wasm carries no code for match results.

use shared_types::{MatchResult, MatchedSkill, PostingSkill};

use crate::markdown::escape;

/// The card for a match result: the score, the tallies, the matched skills
/// (each with the resume's words as a tooltip) and the missing ones.
pub fn render(result: &MatchResult) -> String {
    let mut tallies = format!(
        "Required skills: {} of {}",
        result.required.matched, result.required.total
    );
    if result.preferred.total > 0 {
        tallies.push_str(&format!(
            " · nice to have: {} of {}",
            result.preferred.matched, result.preferred.total
        ));
    }
    let mut html = format!(
        "<div class=\"match\" data-testid=\"match\"><p class=\"score\" aria-label=\"Match score {s} of 100\">\
         <strong>{s}</strong><span>/100 match</span></p><p class=\"muted\">{tallies}</p>",
        s = result.score,
    );
    if !result.matched.is_empty() {
        html.push_str("<p class=\"label\">You show</p><ul class=\"chips have\">");
        for MatchedSkill {
            name, snippet, via, ..
        } in &result.matched
        {
            let via = via.as_deref().map_or(String::new(), |v| {
                format!(" <small>(from {})</small>", escape(v))
            });
            html.push_str(&format!(
                "<li title=\"{}\">{}{via}</li>",
                escape(snippet),
                escape(name)
            ));
        }
        html.push_str("</ul>");
    }
    if !result.missing.is_empty() {
        html.push_str("<p class=\"label\">Missing</p><ul class=\"chips missing\">");
        for PostingSkill {
            name,
            required,
            alternatives,
            ..
        } in &result.missing
        {
            let note = if *required {
                ""
            } else {
                " <small>(nice to have)</small>"
            };
            let names: Vec<String> = std::iter::once(name)
                .chain(alternatives)
                .map(|n| escape(n))
                .collect();
            html.push_str(&format!("<li>{}{note}</li>", names.join(" or ")));
        }
        html.push_str("</ul>");
    }
    html.push_str(&format!(
        "<details><summary>How the score is computed</summary><p>{}</p></details></div>",
        escape(&result.formula)
    ));
    html
}

/// The card when there is nothing to match against.
pub fn no_resume() -> String {
    "<div class=\"match\" data-testid=\"match\"><p>Add your resume in the popup's Resume tab \
     to see how well you match this job.</p></div>"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_types::{SkillCategory, Tally};

    #[test]
    fn the_card_shows_score_skills_and_escapes_resume_text() {
        let result = MatchResult {
            score: 80,
            formula: "score = 100 × (2 × 1 + 0) / (2 × 1 + 1) = 67".into(),
            required: Tally {
                matched: 1,
                total: 1,
            },
            preferred: Tally {
                matched: 0,
                total: 1,
            },
            matched: vec![
                MatchedSkill {
                    name: "Rust".into(),
                    category: SkillCategory::Technical,
                    required: true,
                    snippet: "Built <script>alert(1)</script> \"things\" in Rust".into(),
                    via: None,
                },
                MatchedSkill {
                    name: "CI/CD".into(),
                    category: SkillCategory::Technical,
                    required: true,
                    snippet: "Shipped with GitHub Actions".into(),
                    via: Some("GitHub Actions".into()),
                },
            ],
            missing: vec![
                PostingSkill {
                    name: "Apache Kafka".into(),
                    category: SkillCategory::Technical,
                    required: false,
                    alternatives: Vec::new(),
                },
                PostingSkill {
                    name: "Go".into(),
                    category: SkillCategory::Technical,
                    required: true,
                    alternatives: vec!["Rust".into()],
                },
            ],
            resume_id: 1,
        };
        let html = render(&result);
        assert!(html.contains("<strong>80</strong>"));
        assert!(html.contains("Required skills: 1 of 1 · nice to have: 0 of 1"));
        assert!(html.contains("<li title=\"Built &lt;script&gt;alert(1)&lt;/script&gt; &quot;things&quot; in Rust\">Rust</li>"));
        assert!(html.contains("<li>Apache Kafka <small>(nice to have)</small></li>"));
        assert!(html.contains("CI/CD <small>(from GitHub Actions)</small></li>"));
        assert!(html.contains("<li>Go or Rust</li>"));
        assert!(!html.contains("<script>"));
    }
}
