//! Which part of a posting a piece of text sits in: required, preferred,
//! neutral (duties, the company), or ignored (benefits, equal-opportunity
//! boilerplate).
//!
//! A heading is a short line that ends with a colon, is marked up as one
//! (`#`, `**…**`), or is a known heading phrase on its own. Its words decide
//! the section until the next heading. Within any section, a line that says
//! "a plus", "nice to have", "bonus", "preferred" or "ideally" is preferred
//! ("Nice to have: Kafka" on one line counts too), and one about the
//! employer's values or culture is ignored. "About us", culture, hiring
//! process and grade sections are ignored as a whole.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// The role of a stretch of a posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Requirements, qualifications, "what you bring".
    Required,
    /// "Nice to have", "preferred", "bonus".
    Preferred,
    /// Duties, the role, the company: skills named here count as required.
    Neutral,
    /// Benefits and boilerplate: skills named here are not asked for.
    Ignored,
}

const PREFERRED_CUES: &[&str] = &[
    "nice to have",
    "nice-to-have",
    "preferred",
    "bonus",
    "a plus",
    "plus:",
    "pluses",
    "desired",
    "desirable",
    "good to have",
    "ideally",
    "would be great",
    "an advantage",
    "advantageous",
    "not required",
    "extra credit",
    "optional",
];
const IGNORED_HEADINGS: &[&str] = &[
    "benefit",
    "perks",
    "what we offer",
    "we offer",
    "compensation",
    "salary",
    "pay range",
    "equal opportunity",
    "eeo",
    "how to apply",
    "our values",
    "values",
    "why join",
    "why work",
    "reasons to work",
    "about us",
    "about the company",
    "who we are",
    "our culture",
    "our mission",
    "hiring process",
    "performance indicator",
    "work schedule",
    "promotion potential",
    "security clearance",
];
/// Lines that speak of the employer's culture, whatever section they sit
/// in ("We value results, transparency, collaboration…").
const CULTURE_CUES: &[&str] = &[
    "we value",
    "our values",
    "core values",
    "team values",
    "our culture",
];
const REQUIRED_HEADINGS: &[&str] = &[
    "requirement",
    "required",
    "qualification",
    "must",
    "you have",
    "you bring",
    "you'll need",
    "you will need",
    "looking for",
    "skills",
    "experience",
    "about you",
    "who you are",
    "minimum",
    "basic",
    "essential",
    "expertise",
    "competenc",
];

/// The line cues, preferred ones first, found in one pass whatever their case.
static LINE_CUES: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(PREFERRED_CUES.iter().chain(CULTURE_CUES))
        .expect("cue automaton")
});

/// Whether `line` says it is preferred, and whether it speaks of culture.
fn line_cues(line: &str) -> (bool, bool) {
    let (mut preferred, mut culture) = (false, false);
    for m in LINE_CUES.find_overlapping_iter(line) {
        if m.pattern().as_usize() < PREFERRED_CUES.len() {
            preferred = true;
        } else {
            culture = true;
        }
    }
    (preferred, culture)
}

fn heading_part(heading: &str) -> Part {
    let h = heading.to_lowercase();
    let has = |cues: &[&str]| cues.iter().any(|c| h.contains(c));
    if has(PREFERRED_CUES) {
        Part::Preferred
    } else if has(IGNORED_HEADINGS) {
        Part::Ignored
    } else if has(REQUIRED_HEADINGS) {
        Part::Required
    } else {
        Part::Neutral
    }
}

/// The heading text of `line`, if it is a heading. A list item never is.
fn heading(line: &str) -> Option<&str> {
    let bullet = line
        .trim_start()
        .starts_with(['-', '*', '•', '·', '–', '—', '+', '▪', '◦']);
    if bullet && !line.trim_start().starts_with("**") {
        return None;
    }
    let t = line.trim().trim_start_matches('#').trim();
    let t = t
        .strip_prefix("**")
        .and_then(|t| t.strip_suffix("**"))
        .unwrap_or(t)
        .trim();
    if t.is_empty() || t.chars().count() > 60 {
        return None;
    }
    if let Some(before) = t.strip_suffix(':') {
        return Some(before);
    }
    let marked = line.trim_start().starts_with('#') || line.trim().starts_with("**");
    let words = t.split_whitespace().count();
    let sentence = t.ends_with(['.', '!', '?', ',', ';']);
    let known = heading_part(t) != Part::Neutral
        || [
            "responsibilities",
            "what you'll do",
            "what you will do",
            "the role",
            "about the role",
            "about us",
            "the team",
        ]
        .iter()
        .any(|k| {
            t.get(..k.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(k))
        });
    (marked || (known && words <= 6 && !sentence)).then_some(t)
}

/// The parts of `text` as `(start byte, end byte, part)`, covering it whole.
pub fn parts(text: &str) -> Vec<(usize, usize, Part)> {
    let mut spans = Vec::new();
    let mut section = Part::Neutral;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if let Some(h) = heading(line) {
            section = heading_part(h);
            // "Nice to have: Kafka" carries content after its colon.
            if !line.trim_end().ends_with(':') {
                spans.push((start, offset, section));
            } else {
                spans.push((start, offset, Part::Neutral));
            }
            continue;
        }
        let (preferred, culture) = line_cues(line);
        let part = if culture {
            Part::Ignored
        } else if section != Part::Ignored && preferred {
            Part::Preferred
        } else {
            section
        };
        spans.push((start, offset, part));
    }
    spans
}

/// The part at byte `at`, given the spans from [`parts`].
pub fn part_at(spans: &[(usize, usize, Part)], at: usize) -> Part {
    let i = spans.partition_point(|&(_, end, _)| end <= at);
    spans.get(i).map_or(Part::Neutral, |&(_, _, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_set_the_part_until_the_next() {
        let text = "About the role\nBuild APIs.\nRequirements:\n- Rust\nNice to have:\n- Kafka\nBenefits\n- Health\n";
        let spans = parts(text);
        let at = |s: &str| part_at(&spans, text.find(s).expect("present"));
        assert_eq!(at("Build"), Part::Neutral);
        assert_eq!(at("Rust"), Part::Required);
        assert_eq!(at("Kafka"), Part::Preferred);
        assert_eq!(at("Health"), Part::Ignored);
    }

    #[test]
    fn a_list_item_that_reads_like_a_heading_is_not_one() {
        let text = "Nice to have:\n- Experience with Kafka\n- Terraform\n";
        let spans = parts(text);
        let at = |s: &str| part_at(&spans, text.find(s).expect("present"));
        assert_eq!(at("Kafka"), Part::Preferred);
        assert_eq!(at("Terraform"), Part::Preferred);
    }

    #[test]
    fn a_plus_on_a_line_makes_it_preferred() {
        let text = "Qualifications:\n- Python\n- Experience with Airflow is a plus\n";
        let spans = parts(text);
        assert_eq!(
            part_at(&spans, text.find("Python").expect("present")),
            Part::Required
        );
        assert_eq!(
            part_at(&spans, text.find("Airflow").expect("present")),
            Part::Preferred
        );
    }
}
