//! Measures the skills extractor against the labelled set in
//! `tests/fixtures/skills/` and prints precision and recall per category.
//!
//! Each fixture starts with the skills a careful reader lists for it, one
//! line per category, then `---` and the text. The labels were written from
//! the texts, before the extractor ran on them. Files named `*-heldout-*`
//! were kept out of tuning the vocabulary; the figures are printed for the
//! tuned part, the held-out part and all together.
//!
//! A label names a skill as a reader would; it is mapped to the vocabulary's
//! canonical name when the vocabulary knows it by that name or an alias.
//! A label the vocabulary does not know stays a miss.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use mentor::skills::{extract, vocabulary};
use shared_types::SkillCategory;

const CATEGORIES: [SkillCategory; 4] = [
    SkillCategory::Technical,
    SkillCategory::Soft,
    SkillCategory::Certification,
    SkillCategory::Language,
];

struct Doc {
    name: String,
    heldout: bool,
    labels: BTreeMap<SkillCategory, BTreeSet<String>>,
    text: String,
}

fn canonical(label: &str) -> String {
    let v = &*vocabulary::VOCABULARY;
    if let Some(skill) = v.find(label) {
        return skill.name.clone();
    }
    let key = vocabulary::key(label);
    let first = key.split(' ').next().unwrap_or_default();
    v.by_first
        .get(first)
        .and_then(|aliases| aliases.iter().find(|a| a.lower.join(" ") == key))
        .map_or_else(
            || label.to_string(),
            |a| v.skills[a.skill as usize].name.clone(),
        )
}

fn load(dir: &Path) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    for path in paths {
        let raw = std::fs::read_to_string(&path).expect("fixture");
        let (head, text) = raw.split_once("\n---\n").expect("labels, ---, text");
        let mut labels = BTreeMap::new();
        for line in head.lines() {
            let (category, names) = line.split_once(':').expect("category: names");
            let category: SkillCategory = category.trim().parse().expect("known category");
            let set: BTreeSet<String> = names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(canonical)
                .collect();
            labels.insert(category, set);
        }
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        docs.push(Doc {
            heldout: name.contains("-heldout-"),
            name,
            labels,
            text: text.to_string(),
        });
    }
    docs
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Counts {
    fn precision(self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fp).max(1))
    }
    fn recall(self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fn_).max(1))
    }
}

type Table = BTreeMap<(bool, SkillCategory), Counts>;

fn score(docs: &[Doc], table: &mut Table, verbose: bool) {
    for doc in docs {
        let found = extract(&doc.text);
        for category in CATEGORIES {
            let got: BTreeSet<String> = found
                .iter()
                .filter(|f| f.category == category)
                .map(|f| f.name.clone())
                .collect();
            let want = doc.labels.get(&category).cloned().unwrap_or_default();
            let c = table.entry((doc.heldout, category)).or_default();
            c.tp += got.intersection(&want).count() as u32;
            let extra: Vec<_> = got.difference(&want).collect();
            let missed: Vec<_> = want.difference(&got).collect();
            c.fp += extra.len() as u32;
            c.fn_ += missed.len() as u32;
            if verbose && (!extra.is_empty() || !missed.is_empty()) {
                println!(
                    "{} [{}] extra {extra:?} missed {missed:?}",
                    doc.name,
                    category.as_str()
                );
            }
        }
    }
}

fn row(label: &str, c: Counts) -> String {
    format!(
        "{label:<28} precision {:.3}  recall {:.3}  (tp {}, fp {}, fn {})",
        c.precision(),
        c.recall(),
        c.tp,
        c.fp,
        c.fn_
    )
}

#[test]
fn skills_extraction_quality_on_the_labelled_set() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/skills");
    let jobs = load(&root.join("jobs"));
    let resumes = load(&root.join("resumes"));
    assert!(
        jobs.len() >= 40 && resumes.len() >= 15,
        "the labelled set is too small"
    );

    let verbose = std::env::var_os("SKILLS_VERBOSE").is_some();
    let mut table = Table::new();
    score(&jobs, &mut table, verbose);
    score(&resumes, &mut table, verbose);

    let vocabulary = &vocabulary::VOCABULARY.skills;
    let per_category: Vec<String> = CATEGORIES
        .iter()
        .map(|c| {
            let n = vocabulary.iter().filter(|s| s.category == *c).count();
            format!("{n} {}", c.as_str())
        })
        .collect();
    println!(
        "\nVocabulary: {} skills ({})",
        vocabulary.len(),
        per_category.join(", ")
    );
    let mut all = BTreeMap::<SkillCategory, Counts>::new();
    println!(
        "Skills extraction on {} job postings and {} resumes:",
        jobs.len(),
        resumes.len()
    );
    for category in CATEGORIES {
        let tuned = table.get(&(false, category)).copied().unwrap_or_default();
        let heldout = table.get(&(true, category)).copied().unwrap_or_default();
        let sum = Counts {
            tp: tuned.tp + heldout.tp,
            fp: tuned.fp + heldout.fp,
            fn_: tuned.fn_ + heldout.fn_,
        };
        all.insert(category, sum);
        println!(
            "{}",
            row(&format!("{} (tuned set)", category.as_str()), tuned)
        );
        println!(
            "{}",
            row(&format!("{} (held out)", category.as_str()), heldout)
        );
        println!("{}", row(&format!("{} (all)", category.as_str()), sum));
    }

    let technical = all[&SkillCategory::Technical];
    assert!(
        technical.precision() >= 0.90,
        "technical precision {:.3} is below 0.90",
        technical.precision()
    );
    assert!(
        technical.recall() >= 0.85,
        "technical recall {:.3} is below 0.85",
        technical.recall()
    );
}
