//! Skills the vocabulary does not list, found by how the text writes them:
//!
//! - standards by their numbers: "ISO 26262", "ISO/IEC 27001:2013" (as
//!   "ISO 27001"), "IEC 62304", "IEEE 802.11", "NIST SP 800-171";
//! - certifications by their issuers' naming: "… Certified Developer",
//!   "Certified … Professional", "… Certification", and each entry of a
//!   resume's "Certifications" or "Licenses" section;
//! - product-like names in the lists that follow "experience with",
//!   "knowledge of", "proficiency in", "tools such as" and the like:
//!   "experience with Karpenter, Linkerd and Istio" gives Karpenter and
//!   Linkerd even when only Istio is in the vocabulary;
//! - the items of a list line ("Frameworks: Angular, PrimeNG, Lerna"),
//!   which the caller keeps when most of the line's items are known skills.
//!
//! Each finding carries its byte range, so the caller can drop one that a
//! vocabulary skill already covers.

use std::sync::LazyLock;

use regex::Regex;
use shared_types::SkillCategory;

use super::tokens::Token;

/// A skill found by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shaped {
    /// The name, as the text writes it (normalised for standards).
    pub name: String,
    /// Technical (standards, products) or certification.
    pub category: SkillCategory,
    /// Byte range in the text.
    pub start: usize,
    /// Byte just past the end.
    pub end: usize,
}

static STANDARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(ISO|IEC|IEEE|NIST)(?:/IEC)?[ -]?(SP[ -]?)?([0-9]{3,5}(?:[-.][0-9]{1,3})?)(?::[0-9]{4})?(?-u:\b)",
    )
    .expect("standard pattern")
});

/// Standards named by their numbers.
pub fn standards(text: &str) -> Vec<Shaped> {
    // The regex engine needs its slower path for the groups: skip it for
    // the many texts that name no standard body.
    if !["ISO", "IEC", "IEEE", "NIST"]
        .iter()
        .any(|b| text.contains(b))
    {
        return Vec::new();
    }
    STANDARD
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let body = c.get(1)?.as_str();
            let number = c.get(3)?.as_str();
            let name = if body == "NIST" {
                format!("NIST SP {number}")
            } else {
                format!("{body} {number}")
            };
            Some(Shaped {
                name,
                category: SkillCategory::Technical,
                start: whole.start(),
                end: whole.end(),
            })
        })
        .collect()
}

const CERT_HEADINGS: &[&str] = &[
    "certifications",
    "certification",
    "certificates",
    "licenses",
    "licences",
    "licenses and certifications",
    "licenses & certifications",
    "certifications and licenses",
    "certifications & licenses",
    "certifications and licences",
];

/// Resume sections that end a certifications section.
const SECTIONS: &[&str] = &[
    "education",
    "experience",
    "work",
    "employment",
    "professional",
    "skills",
    "projects",
    "publications",
    "awards",
    "honors",
    "honours",
    "languages",
    "interests",
    "summary",
    "references",
    "volunteer",
    "activities",
    "courses",
    "training",
    "profile",
    "technical",
];

fn is_heading_like(line: &str, next: Option<&str>) -> bool {
    let bare = line.trim().trim_matches(['#', '*', ':', ' ']);
    let first = bare
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let underlined =
        next.is_some_and(|n| n.trim().len() >= 3 && n.trim().chars().all(|c| "-=".contains(c)));
    !bare.is_empty()
        && bare.split_whitespace().count() <= 4
        && (line.trim_start().starts_with('#')
            || line.trim_end().ends_with(':')
            || underlined
            || SECTIONS.contains(&first.as_str())
            || bare.chars().all(|c| !c.is_lowercase()))
}

/// The name of a certificate entry: the line without its bullet, and
/// without the issuer or date after a dash, a comma or a parenthesis.
fn entry_name(line: &str) -> &str {
    let t = line.trim().trim_start_matches(['-', '*', '•', '·', ' ']);
    let cut = [" – ", " — ", " - ", ", ", " (", "\t"]
        .iter()
        .filter_map(|sep| t.find(sep))
        .min()
        .unwrap_or(t.len());
    t[..cut].trim().trim_end_matches(['.', ','])
}

static CERTIFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:[A-Z][A-Za-z0-9_+.&-]* ){0,3}Certified(?: [A-Z][A-Za-z0-9_+.&-]*){1,4}")
        .expect("certified pattern")
});

/// Certifications written as their issuers name them: "Mercado Pago
/// Certified Developer", "Google Cloud Certified Professional Data Engineer".
pub fn certified_names(text: &str) -> Vec<Shaped> {
    if !text.contains("Certified") {
        return Vec::new();
    }
    CERTIFIED
        .find_iter(text)
        .map(|m| Shaped {
            name: m.as_str().to_string(),
            category: SkillCategory::Certification,
            start: m.start(),
            end: m.end(),
        })
        .collect()
}

/// Whether `name` is only a date ("Aug 2019", "2021").
fn is_date(name: &str) -> bool {
    name.split_whitespace().all(|w| {
        let w = w.trim_matches(['.', ',']).to_lowercase();
        w.chars().all(|c| c.is_ascii_digit() || "-–/".contains(c))
            || MONTHS.iter().any(|m| m.starts_with(&w) && w.len() >= 3)
    })
}

/// Entries of a resume's certifications section.
pub fn certification_entries(text: &str) -> Vec<Shaped> {
    let mut out = Vec::new();
    if !["ertif", "ERTIF", "icen", "ICEN"]
        .iter()
        .any(|w| text.contains(w))
    {
        return out;
    }
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |at, l| {
            let start = *at;
            *at += l.len();
            Some((start, l))
        })
        .collect();
    let mut inside = false;
    for (k, &(start, line)) in lines.iter().enumerate() {
        let next = lines.get(k + 1).map(|&(_, l)| l);
        let bare = line
            .trim()
            .trim_matches(['#', '*', ':', ' '])
            .to_lowercase();
        if CERT_HEADINGS.contains(&bare.as_str()) {
            inside = true;
            continue;
        }
        if !inside || line.trim().chars().all(|c| "-= ".contains(c)) {
            continue;
        }
        if is_heading_like(line, next) {
            inside = false;
            continue;
        }
        // One line may list several: "RN License · BLS · ACLS".
        let mut offset = start;
        for part in line.split_inclusive(['·', '•', ';', '|']) {
            let name = entry_name(part.trim_end_matches(['·', '•', ';', '|']));
            let words = name.split_whitespace().count();
            if (1..=10).contains(&words) && !is_date(name) {
                let at = offset + part.find(name).unwrap_or(0);
                out.push(Shaped {
                    name: name.to_string(),
                    category: SkillCategory::Certification,
                    start: at,
                    end: at + name.len(),
                });
            }
            offset += part.len();
        }
    }
    out
}

const LIST_CUES: &[&[&str]] = &[
    &["experience", "with"],
    &["experience", "in"],
    &["experience", "using"],
    &["knowledge", "of"],
    &["proficiency", "in"],
    &["proficiency", "with"],
    &["proficient", "in"],
    &["proficient", "with"],
    &["familiarity", "with"],
    &["familiar", "with"],
    &["expertise", "in"],
    &["such", "as"],
    &["tools", "like"],
    &["technologies", "like"],
    &["frameworks", "like"],
];

/// Capitalised words that start list items without naming a product.
const NOT_PRODUCTS: &[&str] = &[
    "a",
    "an",
    "the",
    "our",
    "we",
    "you",
    "your",
    "their",
    "its",
    "this",
    "that",
    "these",
    "experience",
    "strong",
    "excellent",
    "good",
    "knowledge",
    "ability",
    "bachelor",
    "master",
    "degree",
    "english",
    "federal",
    "government",
    "agency",
    "agencies",
    "state",
    "local",
    "u",
    "us",
    "s",
    "united",
    "states",
    "america",
    "american",
    "i",
    "it",
    "or",
    "and",
    "other",
    "similar",
    "etc",
    "e",
    "g",
    "ie",
    "eg",
    "e.g",
    "i.e",
    "one",
    "two",
    "three",
    "monday",
    "friday",
    "team",
    "teams",
    "company",
];

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn product_like(t: &Token<'_>) -> bool {
    let mut chars = t.text.chars();
    let first = chars.next();
    let inner_capital = t.text.chars().skip(1).any(char::is_uppercase);
    let symbol = t
        .text
        .chars()
        .any(|c| c.is_ascii_digit() || "+#.".contains(c));
    let possessive = t.text.ends_with("'s") || t.text.ends_with("’s");
    (first.is_some_and(char::is_uppercase) || inner_capital || (symbol && t.text.len() > 1))
        && !possessive
        && !NOT_PRODUCTS
            .iter()
            .chain(MONTHS)
            .any(|w| t.text.eq_ignore_ascii_case(w))
}

/// Product-like names (one to three capitalised words) in the list after a
/// cue such as "experience with", up to the end of the sentence.
pub fn listed_names(tokens: &[Token<'_>]) -> Vec<Shaped> {
    let word = |i: usize, w: &str| tokens[i].text.eq_ignore_ascii_case(w);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let cue = LIST_CUES.iter().find(|cue| {
            i + cue.len() <= tokens.len()
                && cue.iter().enumerate().all(|(k, c)| word(i + k, c))
                && !tokens[i + 1..i + cue.len()]
                    .iter()
                    .any(|t| t.boundary_before)
        });
        let Some(cue) = cue else {
            i += 1;
            continue;
        };
        let mut j = i + cue.len();
        while j < tokens.len() && !tokens[j].boundary_before {
            if !product_like(&tokens[j]) {
                j += 1;
                continue;
            }
            let start = j;
            // "experience in a Global Start-up" describes, it does not name.
            let described = ["a", "an", "the"].iter().any(|w| word(j - 1, w));
            while j < tokens.len()
                && j - start < 4
                && product_like(&tokens[j])
                && (j == start || !tokens[j].punct_before)
            {
                j += 1;
            }
            if j - start <= 3 && !described {
                out.push(Shaped {
                    name: tokens[start..j]
                        .iter()
                        .map(|t| t.text)
                        .collect::<Vec<_>>()
                        .join(" "),
                    category: SkillCategory::Technical,
                    start: tokens[start].start,
                    end: tokens[j - 1].end,
                });
            }
            while j < tokens.len()
                && !tokens[j].boundary_before
                && !tokens[j].punct_before
                && product_like(&tokens[j])
            {
                j += 1;
            }
        }
        i = j;
    }
    out
}

/// Lines that list three or more short items, after an optional "Label:"
/// ("Frameworks: Angular, PrimeNG, Lerna", "- Docker, Helm, Kustomize"):
/// each line's items as byte ranges, for the caller to judge.
pub fn list_lines(text: &str) -> Vec<Vec<(usize, usize)>> {
    const SEPARATORS: [char; 7] = [',', ';', '|', '(', ')', '·', '•'];
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.matches(SEPARATORS).nth(1).is_none() {
            continue;
        }
        let body_at = line
            .char_indices()
            .take_while(|&(i, _)| i < 48)
            .find(|&(_, c)| c == ':')
            .map_or(0, |(i, _)| i + 1);
        let mut items = Vec::new();
        let mut at = start + body_at;
        for part in line[body_at..].split_inclusive(SEPARATORS) {
            let item = part
                .trim_end_matches(SEPARATORS)
                .trim()
                .trim_start_matches(['-', '*', ' '])
                .trim_end_matches(['.', ' ']);
            let item = item.strip_prefix("and ").unwrap_or(item);
            if (1..=3).contains(&item.split_whitespace().count()) {
                let from = at + part.find(item).unwrap_or(0);
                items.push((from, from + item.len()));
            }
            at += part.len();
        }
        if items.len() >= 3 {
            out.push(items);
        }
    }
    out
}

/// Whether every word of `item` looks like part of a product's name.
pub fn product_name(tokens: &[Token<'_>]) -> bool {
    !tokens.is_empty() && tokens.iter().all(product_like)
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    fn names(found: Vec<Shaped>) -> Vec<String> {
        found.into_iter().map(|s| s.name).collect()
    }

    #[test]
    fn standards_are_named_by_their_numbers() {
        let text = "Knowledge of ISO 26262 and ISO/IEC 27001:2013, IEC 62304, IEEE 802.11 \
                    and NIST SP 800-171. Call 555 1234.";
        assert_eq!(
            names(standards(text)),
            [
                "ISO 26262",
                "ISO 27001",
                "IEC 62304",
                "IEEE 802.11",
                "NIST SP 800-171"
            ]
        );
    }

    #[test]
    fn certified_names_follow_the_issuers_pattern() {
        let text =
            "Exam: Mercado Pago Certified Developer for Online Payments. I certified builds.";
        assert_eq!(
            names(certified_names(text)),
            ["Mercado Pago Certified Developer"]
        );
    }

    #[test]
    fn certification_sections_give_their_entries() {
        let text = "Skills\nRust\n\nCERTIFICATIONS\nClaude AI: Prompt Fundamentals – Anthropic (2026)\n\
                    - AWS Certified Developer, Amazon, 2021\nRN License · BLS\n\nEducation\nB.Sc. Physics\n";
        assert_eq!(
            names(certification_entries(text)),
            [
                "Claude AI: Prompt Fundamentals",
                "AWS Certified Developer",
                "RN License",
                "BLS"
            ]
        );
    }

    #[test]
    fn list_lines_give_their_items() {
        let text = "Frameworks: Angular, PrimeNG (UI), and Lerna.\nI like tea, really.\n";
        let lines = list_lines(text);
        assert_eq!(lines.len(), 1);
        let items: Vec<&str> = lines[0].iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(items, ["Angular", "PrimeNG", "UI", "Lerna"]);
    }

    #[test]
    fn names_in_experience_lists_are_products() {
        let text = "Experience with Karpenter, Linkerd and service mesh tools. \
                    The Karpenter team. Knowledge of Amazon Athena or AWS Glue.";
        assert_eq!(
            names(listed_names(&tokenize(text))),
            ["Karpenter", "Linkerd", "Amazon Athena", "AWS Glue"]
        );
    }
}
