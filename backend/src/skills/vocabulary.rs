//! The skills vocabulary: canonical skills, their categories and aliases,
//! built once from two embedded lists.
//!
//! - `data/curated.txt`: AI Mentor's own list (format at its top), with
//!   aliases and the capitalisation rules of ambiguous names.
//! - `data/onet-technology-skills.tsv`: O*NET's technology names (CC BY 4.0;
//!   see `data/NOTICE`). Its vendor-style names are added as canonical
//!   skills when they are distinctive: "software"/"systems" is cut from the
//!   end, and a name is kept only if it has a capital after its first letter,
//!   a digit or a symbol ("Microsoft Excel", "AutoCAD", "C++"), so plain
//!   words ("Email", "Chef") never become skills by accident; a one-word
//!   name matches only as capitalised there ("IMPACT" is not "impact").
//!   A name the curated list already covers is skipped.

use std::collections::HashMap;
use std::sync::LazyLock;

use shared_types::SkillCategory;

use super::tokens::tokenize;

const CURATED: &str = include_str!("data/curated.txt");
const ONET: &str = include_str!("data/onet-technology-skills.tsv");

/// How strictly an alias must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Any capitalisation.
    AnyCase,
    /// Exactly as written in the vocabulary (`=`).
    ExactCase,
    /// Exactly as written, and only in a technical context (`~`).
    InContext,
}

/// One canonical skill.
#[derive(Debug, Clone)]
pub struct Skill {
    /// The canonical name.
    pub name: String,
    /// Its category.
    pub category: SkillCategory,
}

/// One way of writing a skill, as tokens.
#[derive(Debug, Clone)]
pub struct Alias {
    /// The tokens, lowercased.
    pub lower: Vec<String>,
    /// The tokens as written (for exact-case aliases).
    pub written: Vec<String>,
    /// How strictly it must match.
    pub strictness: Strictness,
    /// The skill it names (an index into [`Vocabulary::skills`]).
    pub skill: u32,
}

/// Every skill and an index of aliases by their first token.
#[derive(Debug)]
pub struct Vocabulary {
    /// The canonical skills.
    pub skills: Vec<Skill>,
    /// Aliases keyed by their first lowercased token, longest first.
    pub by_first: HashMap<String, Vec<Alias>>,
    /// Canonical names (lowercased) to skill index.
    by_name: HashMap<String, u32>,
}

/// The vocabulary, built on first use.
pub static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(Vocabulary::build);

/// Lowercased tokens of a phrase, joined by spaces: the key aliases compare on.
pub fn key(phrase: &str) -> String {
    tokenize(phrase)
        .iter()
        .map(|t| t.text.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Vocabulary {
    fn build() -> Self {
        let mut vocabulary = Self {
            skills: Vec::new(),
            by_first: HashMap::new(),
            by_name: HashMap::new(),
        };
        vocabulary.load_curated();
        vocabulary.load_onet();
        for aliases in vocabulary.by_first.values_mut() {
            aliases.sort_by_key(|a| std::cmp::Reverse(a.lower.len()));
        }
        vocabulary
    }

    fn load_curated(&mut self) {
        let mut category = SkillCategory::Technical;
        for line in CURATED.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                category = name.parse().unwrap_or(SkillCategory::Technical);
                continue;
            }
            let (canonical, aliases) = line.split_once('|').unwrap_or((line, ""));
            let canonical = canonical.trim();
            let (name, matched_itself) = match canonical.strip_prefix('!') {
                Some(name) => (name, false),
                None => (canonical.trim_start_matches(['=', '~']), true),
            };
            let skill = self.add_skill(name, category);
            if matched_itself {
                self.add_alias(canonical, skill);
            }
            for alias in aliases.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                self.add_alias(alias, skill);
            }
        }
    }

    fn load_onet(&mut self) {
        for line in ONET.lines().skip(1) {
            let Some(raw) = line.split('\t').next() else {
                continue;
            };
            let name = raw
                .trim()
                .trim_end_matches(" software")
                .trim_end_matches(" systems")
                .trim();
            let distinctive = name.chars().skip(1).any(|c| c.is_uppercase())
                || name
                    .chars()
                    .any(|c| c.is_ascii_digit() || "+#.".contains(c));
            let k = key(name);
            if !distinctive || k.is_empty() || self.is_alias(&k) || self.by_name.contains_key(&k) {
                continue;
            }
            let skill = self.add_skill(name, SkillCategory::Technical);
            // One word in capitals may also be an English word ("IMPACT").
            if k.contains(' ') {
                self.add_alias(name, skill);
            } else {
                self.add_alias(&format!("={name}"), skill);
            }
        }
    }

    fn add_skill(&mut self, name: &str, category: SkillCategory) -> u32 {
        let index = self.skills.len() as u32;
        self.skills.push(Skill {
            name: name.to_string(),
            category,
        });
        self.by_name.insert(key(name), index);
        index
    }

    fn is_alias(&self, k: &str) -> bool {
        let first = k.split(' ').next().unwrap_or_default();
        self.by_first
            .get(first)
            .is_some_and(|list| list.iter().any(|a| a.lower.join(" ") == k))
    }

    fn add_alias(&mut self, alias: &str, skill: u32) {
        let (strictness, text) = match alias.chars().next() {
            Some('=') => (Strictness::ExactCase, &alias[1..]),
            Some('~') => (Strictness::InContext, &alias[1..]),
            _ => (Strictness::AnyCase, alias),
        };
        let written: Vec<String> = tokenize(text).iter().map(|t| t.text.to_string()).collect();
        let Some(first) = written.first() else {
            return;
        };
        let lower: Vec<String> = written.iter().map(|t| t.to_lowercase()).collect();
        let list = self.by_first.entry(first.to_lowercase()).or_default();
        if list
            .iter()
            .any(|a| a.lower == lower && a.strictness == strictness)
        {
            return;
        }
        list.push(Alias {
            lower,
            written,
            strictness,
            skill,
        });
    }

    /// The skill with this canonical name (any capitalisation).
    pub fn find(&self, name: &str) -> Option<&Skill> {
        self.by_name
            .get(&key(name))
            .map(|&i| &self.skills[i as usize])
    }

    /// The skill a phrase names, by its canonical name or any alias (any
    /// capitalisation): "Hadoop" and "Apache Hadoop" are one skill.
    pub fn resolve(&self, phrase: &str) -> Option<&Skill> {
        self.find(phrase).or_else(|| {
            let k = key(phrase);
            let first = k.split(' ').next().unwrap_or_default();
            self.by_first
                .get(first)?
                .iter()
                .find(|a| a.lower.join(" ") == k)
                .map(|a| &self.skills[a.skill as usize])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_large_and_covers_every_category() {
        let v = &*VOCABULARY;
        assert!(v.skills.len() >= 1_500, "{} skills", v.skills.len());
        for category in [
            SkillCategory::Technical,
            SkillCategory::Soft,
            SkillCategory::Certification,
            SkillCategory::Language,
        ] {
            let n = v.skills.iter().filter(|s| s.category == category).count();
            assert!(n >= 30, "{category:?}: {n}");
        }
    }

    #[test]
    fn no_alias_names_two_skills() {
        let mut seen: HashMap<(String, bool), u32> = HashMap::new();
        for alias in VOCABULARY.by_first.values().flatten() {
            let exact = alias.strictness != Strictness::AnyCase;
            let k = if exact {
                alias.written.join(" ")
            } else {
                alias.lower.join(" ")
            };
            if let Some(&other) = seen.get(&(k.clone(), exact))
                && other != alias.skill
            {
                panic!(
                    "'{k}' names both {} and {}",
                    VOCABULARY.skills[other as usize].name,
                    VOCABULARY.skills[alias.skill as usize].name
                );
            }
            seen.insert((k, exact), alias.skill);
        }
    }

    #[test]
    fn onet_names_join_and_plain_words_do_not() {
        assert!(VOCABULARY.find("Autodesk Revit").is_some() || VOCABULARY.find("Revit").is_some());
        assert!(VOCABULARY.find("MEDITECH").is_some());
        assert!(VOCABULARY.find("Email").is_none());
        assert_eq!(
            VOCABULARY.find("postgresql").map(|s| s.name.as_str()),
            Some("PostgreSQL")
        );
    }
}
