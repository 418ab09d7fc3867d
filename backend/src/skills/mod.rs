//! Finds canonical skills in text: no I/O, no AI, deterministic.
//!
//! [`extract`] tokenises the text ([`tokens`]), looks each token up in the
//! vocabulary's alias index ([`vocabulary`]), keeps the longest alias that
//! matches there, applies the rules for ambiguous names ([`rules`]), and
//! tells required skills from preferred ones by the posting's sections
//! ([`sections`]). The employer's own name ([`employer`]) and languages
//! named without a claim ([`languages`]) are dropped; standards,
//! certifications and product names the vocabulary lacks are found by their
//! shape ([`patterns`]). Mentions a posting joins by "or" are marked as
//! alternatives ([`alternatives`]). [`analysis`] holds the skills picture
//! and job match, as plain functions over stored skills, with the broader
//! skills each one implies ([`implications`]).

pub mod alternatives;
pub mod analysis;
pub mod employer;
pub mod implications;
pub mod languages;
pub mod patterns;
pub mod rules;
pub mod sections;
pub mod tokens;
pub mod vocabulary;

use std::collections::{HashMap, HashSet};

use shared_types::{PostingSkill, SkillCategory};

use sections::Part;
use vocabulary::{Strictness, VOCABULARY};

/// The version of what [`extract`] finds. Raise it whenever a change to the
/// extractor or its vocabulary changes what it finds: at start, the server
/// re-extracts the stored resumes and jobs found by an older version
/// (`skills_upgrade`).
pub const EXTRACTOR_VERSION: i32 = 2;

/// A skill found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The canonical name.
    pub name: String,
    /// Its category.
    pub category: SkillCategory,
    /// False when every mention sits in a "nice to have" part.
    pub required: bool,
    /// Byte offset of the first mention.
    pub first_at: usize,
    /// Skills the text accepts instead ("Go or Rust"); empty when any
    /// mention names it on its own.
    pub alternatives: Vec<String>,
}

impl From<&Found> for PostingSkill {
    fn from(f: &Found) -> Self {
        PostingSkill {
            name: f.name.clone(),
            category: f.category,
            required: f.required,
            alternatives: f.alternatives.clone(),
        }
    }
}

struct Hit {
    start: usize,
    len: usize,
    skill: u32,
    in_context: bool,
}

/// The skills in `text`, in order of first mention.
pub fn extract(text: &str) -> Vec<Found> {
    let vocabulary = &*VOCABULARY;
    let tokens = tokens::tokenize(text);
    let lower: Vec<String> = tokens.iter().map(|t| t.text.to_lowercase()).collect();

    let mut hits: Vec<Hit> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let matched = vocabulary.by_first.get(&lower[i]).and_then(|aliases| {
            aliases.iter().find(|alias| {
                let len = alias.lower.len();
                if i + len > tokens.len()
                    || lower[i..i + len] != alias.lower[..]
                    || tokens[i + 1..i + len].iter().any(|t| t.punct_before)
                {
                    return false;
                }
                let case_ok = alias.strictness == Strictness::AnyCase
                    || tokens[i..i + len]
                        .iter()
                        .zip(&alias.written)
                        .all(|(t, w)| t.text == w);
                let name = &vocabulary.skills[alias.skill as usize].name;
                case_ok && !rules::refused_by_neighbours(&tokens, i, len, name)
            })
        });
        match matched {
            Some(alias) => {
                hits.push(Hit {
                    start: i,
                    len: alias.lower.len(),
                    skill: alias.skill,
                    in_context: alias.strictness == Strictness::InContext,
                });
                i += alias.lower.len();
            }
            None => i += 1,
        }
    }

    // Ambiguous names need a technical neighbour; one accepted ambiguous
    // name can vouch for the next ("Go, R and C").
    let is_technical =
        |skill: u32| vocabulary.skills[skill as usize].category == SkillCategory::Technical;
    let mut technical_at = vec![false; tokens.len()];
    for hit in hits
        .iter()
        .filter(|h| !h.in_context && is_technical(h.skill))
    {
        technical_at[hit.start..hit.start + hit.len].fill(true);
    }
    let mut accepted: Vec<bool> = hits.iter().map(|h| !h.in_context).collect();
    loop {
        let mut changed = false;
        for (k, hit) in hits.iter().enumerate() {
            if accepted[k] {
                continue;
            }
            let near = rules::window(&tokens, hit.start, hit.len).any(|j| technical_at[j])
                || rules::programming_word_near(&tokens, hit.start, hit.len);
            if near {
                accepted[k] = true;
                technical_at[hit.start..hit.start + hit.len].fill(true);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let employers = employer::names(&tokens);
    let category = |hit: &Hit| vocabulary.skills[hit.skill as usize].category;
    let mut kept: Vec<&Hit> = hits
        .iter()
        .zip(&accepted)
        .filter(|(hit, ok)| {
            **ok && !(hit.len == 1
                && employers.contains(&lower[hit.start])
                && !employer::used_as_skill(&tokens, hit.start))
        })
        .map(|(hit, _)| hit)
        .collect();
    let named: Vec<(usize, usize)> = kept
        .iter()
        .filter(|h| category(h) == SkillCategory::Language)
        .map(|h| (h.start, h.len))
        .collect();
    let claimed = languages::claimed(text, &tokens, &named);
    kept.retain(|h| category(h) != SkillCategory::Language || claimed.contains(&h.start));

    // A certificate entry named in full beats a shorter vocabulary name
    // inside it ("DAWIA Engineering & Technical Management", not "DAWIA").
    let byte_range = |h: &Hit| (tokens[h.start].start, tokens[h.start + h.len - 1].end);
    let mut shaped = patterns::standards(text);
    for entry in patterns::certification_entries(text) {
        let inside: Vec<usize> = (0..kept.len())
            .filter(|&k| {
                let (start, end) = byte_range(kept[k]);
                category(kept[k]) == SkillCategory::Certification
                    && start >= entry.start
                    && end <= entry.end
            })
            .collect();
        let inside_bytes: usize = inside
            .iter()
            .map(|&k| byte_range(kept[k]).1 - byte_range(kept[k]).0)
            .sum();
        if vocabulary.resolve(&entry.name).is_some() || inside_bytes * 2 < entry.name.len() {
            for k in inside.into_iter().rev() {
                kept.remove(k);
            }
            shaped.push(entry);
        }
    }
    shaped.extend(patterns::certified_names(text));
    let technical: Vec<(usize, usize)> = kept
        .iter()
        .filter(|h| category(h) == SkillCategory::Technical)
        .map(|h| byte_range(h))
        .collect();
    shaped.extend(listed_products(text, &technical, &employers));
    shaped.extend(
        patterns::listed_names(&tokens)
            .into_iter()
            .filter(|s| !employers.contains(&s.name.to_lowercase())),
    );

    let spans = sections::parts(text);
    let mut found: Vec<Found> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut add = |name: &str, category: SkillCategory, at: usize| {
        let part = sections::part_at(&spans, at);
        if part == Part::Ignored {
            return;
        }
        let required = part != Part::Preferred;
        match index.get(&name.to_lowercase()) {
            Some(&k) => found[k].required |= required,
            None => {
                index.insert(name.to_lowercase(), found.len());
                found.push(Found {
                    name: name.to_string(),
                    category,
                    required,
                    first_at: at,
                    alternatives: Vec::new(),
                });
            }
        }
    };
    let covered: Vec<(usize, usize, SkillCategory)> = kept
        .iter()
        .map(|h| {
            let (start, end) = byte_range(h);
            (start, end, category(h))
        })
        .collect();
    for hit in &kept {
        let skill = &vocabulary.skills[hit.skill as usize];
        add(&skill.name, skill.category, tokens[hit.start].start);
    }
    for s in &shaped {
        let overlaps = covered
            .iter()
            .any(|&(a, b, c)| c == s.category && a < s.end && s.start < b);
        match vocabulary.resolve(&s.name) {
            Some(skill) => add(&skill.name, skill.category, s.start),
            None if !overlaps => add(&s.name, s.category, s.start),
            None => {}
        }
    }
    if let Some(language) = languages::of_document(text, &tokens) {
        add(language, SkillCategory::Language, 0);
    }

    let mentions: Vec<alternatives::Mention> =
        kept.iter().map(|h| (h.start, h.len, category(h))).collect();
    let mut alone: HashSet<&str> = HashSet::new();
    let mut members: HashMap<usize, Vec<&str>> = HashMap::new();
    for (hit, group) in kept.iter().zip(alternatives::groups(&tokens, &mentions)) {
        let name = vocabulary.skills[hit.skill as usize].name.as_str();
        match group {
            Some(g) => members.entry(g).or_default().push(name),
            None => {
                alone.insert(name);
            }
        }
    }
    for group in members.values() {
        for name in group.iter().filter(|n| !alone.contains(*n)) {
            let Some(&k) = index.get(&name.to_lowercase()) else {
                continue;
            };
            for other in group {
                let listed = index.contains_key(&other.to_lowercase());
                if other != name && listed && !found[k].alternatives.iter().any(|a| a == other) {
                    found[k].alternatives.push((*other).to_string());
                }
            }
        }
    }
    found.sort_by_key(|f| f.first_at);
    found
}

/// Product-like items of list lines in which most items are technical
/// skills the vocabulary found (`technical`: their byte ranges, in order):
/// the rest of such a list are tools too.
fn listed_products(
    text: &str,
    technical: &[(usize, usize)],
    employers: &HashSet<String>,
) -> Vec<patterns::Shaped> {
    let known = |&(start, end): &(usize, usize)| {
        let k = technical.partition_point(|&(_, e)| e <= start);
        technical.get(k).is_some_and(|&(s, _)| s < end)
    };
    let mut out = Vec::new();
    for items in patterns::list_lines(text) {
        if items.iter().filter(|i| known(i)).count() * 2 < items.len() {
            continue;
        }
        for &(start, end) in items.iter().filter(|i| !known(i)) {
            let name = &text[start..end];
            if !employers.contains(&name.to_lowercase())
                && patterns::product_name(&tokens::tokenize(name))
            {
                out.push(patterns::Shaped {
                    name: name.to_string(),
                    category: SkillCategory::Technical,
                    start,
                    end,
                });
            }
        }
    }
    out
}

/// The line of `text` around byte `at`, at most about 160 characters, for
/// showing where a skill is mentioned.
pub fn snippet(text: &str, at: usize) -> String {
    const SIDE: usize = 70;
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |p| at + p);
    let before: Vec<(usize, char)> = text[line_start..at].char_indices().collect();
    let start = if before.len() > SIDE {
        line_start + before[before.len() - SIDE].0
    } else {
        line_start
    };
    let end = text[at..line_end]
        .char_indices()
        .nth(SIDE + 20)
        .map_or(line_end, |(o, _)| at + o);
    let mut out = String::new();
    if start > line_start {
        out.push('…');
    }
    out.push_str(text[start..end].trim());
    if end < line_end {
        out.push('…');
    }
    out.trim_start_matches(['-', '*', '•', ' ']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        extract(text).into_iter().map(|f| f.name).collect()
    }

    #[test]
    fn aliases_map_to_canonical_names() {
        assert_eq!(
            names("We run k8s on GCP with Postgres, JS and ReactJS."),
            [
                "Kubernetes",
                "Google Cloud Platform",
                "PostgreSQL",
                "JavaScript",
                "React"
            ]
        );
    }

    #[test]
    fn the_longest_alias_wins() {
        assert_eq!(
            names("Spring Boot and React Native"),
            ["Spring Boot", "React Native"]
        );
    }

    #[test]
    fn ambiguous_words_need_a_technical_sense() {
        assert_eq!(
            names("Services written in Go and Python."),
            ["Go", "Python"]
        );
        assert!(names("You will go to meetings and excel at planning.").is_empty());
        assert!(names("Send your CV and a cover letter.").is_empty());
        assert!(names("Report to the C-suite on R&D spending.").is_empty());
        assert_eq!(
            names("Languages: Go, R, C and SQL"),
            ["Go", "R", "C", "SQL"]
        );
        assert_eq!(names("Strong Excel skills"), ["Microsoft Excel"]);
        assert!(names("Learn Rust? Prevent rust on the hull.").contains(&"Rust".to_string()));
        assert_eq!(names("prevent rust on the hull"), Vec::<String>::new());
        assert_eq!(
            names("Computer vision models with PyTorch; CV experience"),
            ["Computer Vision", "PyTorch"]
        );
    }

    #[test]
    fn nice_to_have_skills_are_not_required() {
        let found =
            extract("Requirements:\n- Python\n- SQL\nNice to have:\n- Kafka\n- Python at scale\n");
        let required: Vec<(&str, bool)> = found
            .iter()
            .map(|f| (f.name.as_str(), f.required))
            .collect();
        assert_eq!(
            required,
            [("Python", true), ("SQL", true), ("Apache Kafka", false)]
        );
    }

    #[test]
    fn skills_under_benefits_are_not_asked_for() {
        assert_eq!(
            names("Requirements:\nSQL\nBenefits:\nFree Python courses\n"),
            ["SQL"]
        );
    }

    #[test]
    fn names_real_postings_asked_for_are_found() {
        let text = "Requirements:\n- Karpenter, Linkerd or another service mesh; GitOps\n\
                    - RSpec; LangGraph or AutoGen agents; Llama Guard\n\
                    - AWS Glue, Amazon Athena, Azure Data Factory; data modeling\n\
                    - LiDAR perception under ISO 26262; test automation; secrets management\n";
        let found = names(text);
        for name in [
            "Karpenter",
            "Linkerd",
            "Service Mesh",
            "GitOps",
            "RSpec",
            "LangGraph",
            "AutoGen",
            "Llama Guard",
            "AWS Glue",
            "Amazon Athena",
            "Azure Data Factory",
            "Database Design",
            "LiDAR",
            "ISO 26262",
            "Automated Testing",
            "Secrets Management",
        ] {
            assert!(found.iter().any(|f| f == name), "{name} not in {found:?}");
        }
    }

    #[test]
    fn the_employer_and_its_culture_are_not_skills() {
        let text = "About us\nAcme Inc. builds AI tools. We value teamwork and ownership.\n\
                    Our People team handles recruiting, compensation and benefits.\n\
                    Requirements:\n- Python and SQL\n- Experience with Acme is a plus\n";
        let found = names(text);
        assert_eq!(found, ["Python", "SQL"], "{found:?}");
    }

    #[test]
    fn snippets_show_the_line_around_a_mention() {
        let text = "Summary\n- Built payment APIs in Rust serving 2M users\nOther";
        let at = text.find("Rust").expect("present");
        assert_eq!(
            snippet(text, at),
            "Built payment APIs in Rust serving 2M users"
        );
        let long = format!("{}Rust{}", "a ".repeat(100), " b".repeat(100));
        let s = snippet(&long, 200);
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains("Rust"),
            "{s}"
        );
    }
}
