//! Measures the skills extractor against two labelled sets and prints
//! precision and recall per category, for the tuned and the held-out part:
//!
//! - `tests/fixtures/skills/{jobs,resumes}`: our own set, written by us.
//! - `tests/fixtures/skills/real/{jobs,resumes}`: real postings and resumes
//!   written by others (sources and labelling rules in its README).
//!
//! Each fixture starts with the skills a careful reader lists for it, one
//! line per category, then `---` and the text. `Name?` marks a preferred
//! skill, `A or B` a requirement either satisfies. Files named `*-heldout-*`
//! were kept out of tuning; `SKILLS_VERBOSE=1` lists the misses and extras of
//! the tuned files only, so tuning never looks at the held-out ones.
//!
//! A label is mapped to the vocabulary's canonical name when the vocabulary
//! knows it by that name or an alias; a label it does not know stays a miss.
//!
//! A second test scores resume/posting pairs (`real/pairs.txt`) twice: as the
//! match does from the texts, and as a careful reader would from the labels
//! (the same formula, alternatives as one requirement, the same implications),
//! and prints the mean absolute difference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use mentor::skills::analysis::{REQUIRED_WEIGHT, match_resume};
use mentor::skills::{extract, implications, vocabulary};
use shared_types::{PostingSkill, SkillCategory};

const CATEGORIES: [SkillCategory; 4] = [
    SkillCategory::Technical,
    SkillCategory::Soft,
    SkillCategory::Certification,
    SkillCategory::Language,
];

/// One labelled requirement: a skill, or alternatives any of which will do.
struct Label {
    names: Vec<String>,
    preferred: bool,
}

struct Doc {
    name: String,
    heldout: bool,
    labels: BTreeMap<SkillCategory, Vec<Label>>,
    text: String,
}

fn canonical(label: &str) -> String {
    vocabulary::VOCABULARY
        .resolve(label)
        .map_or_else(|| label.to_string(), |skill| skill.name.clone())
}

fn parse_labels(line: &str) -> Vec<Label> {
    line.split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (l, preferred) = match l.strip_suffix('?') {
                Some(l) => (l, true),
                None => (l, false),
            };
            Label {
                names: l.split(" or ").map(|n| canonical(n.trim())).collect(),
                preferred,
            }
        })
        .collect()
}

fn load(dir: &Path) -> Vec<Doc> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let raw = std::fs::read_to_string(&path).expect("fixture");
            let (head, text) = raw.split_once("\n---\n").expect("labels, ---, text");
            let labels = head
                .lines()
                .map(|line| {
                    let (category, names) = line.split_once(':').expect("category: names");
                    let category: SkillCategory = category.trim().parse().expect("known category");
                    (category, parse_labels(names))
                })
                .collect();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            Doc {
                heldout: name.contains("-heldout-"),
                name,
                labels,
                text: text.to_string(),
            }
        })
        .collect()
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
    fn add(self, other: Counts) -> Counts {
        Counts {
            tp: self.tp + other.tp,
            fp: self.fp + other.fp,
            fn_: self.fn_ + other.fn_,
        }
    }
}

/// Correct required/preferred flags among the labelled skills found.
#[derive(Default, Clone, Copy)]
struct Flags {
    right: u32,
    total: u32,
}

#[derive(Default)]
struct Scores {
    /// Keyed by (held out, category).
    counts: BTreeMap<(bool, SkillCategory), Counts>,
    /// Keyed by held out.
    flags: BTreeMap<bool, Flags>,
}

impl Scores {
    fn get(&self, heldout: bool, category: SkillCategory) -> Counts {
        self.counts
            .get(&(heldout, category))
            .copied()
            .unwrap_or_default()
    }
}

fn score(docs: &[Doc], postings: bool, scores: &mut Scores, verbose: bool) {
    for doc in docs {
        let found = extract(&doc.text);
        for category in CATEGORIES {
            // Names compare without case: shape-found names ("ISO 26262")
            // are not in the vocabulary the labels are resolved with. A
            // label of alternatives is one requirement that any of them
            // meets, and finding the others too is no error.
            let got: BTreeMap<String, bool> = found
                .iter()
                .filter(|f| f.category == category)
                .map(|f| (f.name.to_lowercase(), f.required))
                .collect();
            let labels = doc.labels.get(&category).map_or(&[][..], Vec::as_slice);
            let labelled: BTreeSet<String> = labels
                .iter()
                .flat_map(|l| l.names.iter().map(|n| n.to_lowercase()))
                .collect();
            let extra: Vec<&String> = got.keys().filter(|n| !labelled.contains(*n)).collect();
            let missed: Vec<String> = labels
                .iter()
                .filter(|l| !l.names.iter().any(|n| got.contains_key(&n.to_lowercase())))
                .map(|l| l.names.join(" or "))
                .collect();
            let c = scores.counts.entry((doc.heldout, category)).or_default();
            c.tp += (labels.len() - missed.len()) as u32;
            c.fp += extra.len() as u32;
            c.fn_ += missed.len() as u32;
            if postings {
                let flags = scores.flags.entry(doc.heldout).or_default();
                for label in labels {
                    for name in &label.names {
                        if let Some(&required) = got.get(&name.to_lowercase()) {
                            flags.total += 1;
                            flags.right += u32::from(required != label.preferred);
                        }
                    }
                }
            }
            if verbose && !doc.heldout && (!extra.is_empty() || !missed.is_empty()) {
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
        "{label:<34} precision {:.3}  recall {:.3}  (tp {}, fp {}, fn {})",
        c.precision(),
        c.recall(),
        c.tp,
        c.fp,
        c.fn_
    )
}

/// Loads one set, scores it and prints its table.
fn measure(root: &Path, title: &str, verbose: bool) -> Scores {
    let jobs = load(&root.join("jobs"));
    let resumes = load(&root.join("resumes"));
    let mut scores = Scores::default();
    score(&jobs, true, &mut scores, verbose);
    score(&resumes, false, &mut scores, verbose);
    let heldout = jobs.iter().chain(&resumes).filter(|d| d.heldout).count();
    println!(
        "\n{title}: {} postings and {} resumes ({heldout} held out)",
        jobs.len(),
        resumes.len()
    );
    for category in CATEGORIES {
        for (part, heldout) in [("tuned", false), ("held out", true)] {
            let c = scores.get(heldout, category);
            println!("{}", row(&format!("{} ({part})", category.as_str()), c));
        }
    }
    for (part, heldout) in [("tuned", false), ("held out", true)] {
        let f = scores.flags.get(&heldout).copied().unwrap_or_default();
        println!(
            "required-vs-preferred ({part}): {}/{} = {:.3}",
            f.right,
            f.total,
            f64::from(f.right) / f64::from(f.total.max(1))
        );
    }
    scores
}

#[test]
fn skills_extraction_quality_on_the_labelled_sets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/skills");
    let verbose = std::env::var_os("SKILLS_VERBOSE").is_some();

    let vocabulary = &vocabulary::VOCABULARY.skills;
    let per_category: Vec<String> = CATEGORIES
        .iter()
        .map(|c| {
            let n = vocabulary.iter().filter(|s| s.category == *c).count();
            format!("{n} {}", c.as_str())
        })
        .collect();
    println!(
        "Vocabulary: {} skills ({})",
        vocabulary.len(),
        per_category.join(", ")
    );

    let own = measure(&root, "Our own set", verbose);
    let real = measure(&root.join("real"), "Real texts (others')", verbose);

    // Our own set, all files: what the extractor was first built to.
    let technical = own
        .get(false, SkillCategory::Technical)
        .add(own.get(true, SkillCategory::Technical));
    assert!(
        technical.precision() >= 0.90 && technical.recall() >= 0.85,
        "own set, technical: {}",
        row("", technical)
    );

    // Real texts, held out: the aims of issue 40 are printed; the floors
    // below are what the extractor reaches today, so a change that loses
    // ground fails here.
    let aims = [
        (SkillCategory::Technical, 0.90, 0.85),
        (SkillCategory::Soft, 0.85, 0.75),
        (SkillCategory::Certification, 0.85, 0.75),
    ];
    println!("\nAims on the real held-out part:");
    for (category, precision, recall) in aims {
        let c = real.get(true, category);
        let met = c.precision() >= precision && c.recall() >= recall;
        println!(
            "  {:<14} precision {:.3} (aim {precision})  recall {:.3} (aim {recall})  {}",
            category.as_str(),
            c.precision(),
            c.recall(),
            if met { "met" } else { "NOT MET" }
        );
    }
    // Reached on 2026-12-07 (technical 0.736 / 0.692, soft 0.694 / 0.789,
    // certification 1.0 / 1.0 of 5, language 1.0 / 0.75 of 4), less a margin
    // of about one labelled skill.
    let floors = [
        (SkillCategory::Technical, 0.72, 0.68),
        (SkillCategory::Soft, 0.67, 0.76),
        (SkillCategory::Certification, 0.80, 0.80),
        (SkillCategory::Language, 0.75, 0.50),
    ];
    for (category, precision, recall) in floors {
        let c = real.get(true, category);
        assert!(
            c.precision() >= precision && c.recall() >= recall,
            "real held out, {}: {} is below the floor ({precision}, {recall})",
            category.as_str(),
            row("", c)
        );
    }
    let flags = real.flags.get(&true).copied().unwrap_or_default();
    let right = f64::from(flags.right) / f64::from(flags.total.max(1));
    assert!(
        right >= 0.90,
        "required-vs-preferred on the real held-out postings: {right:.3}, the aim is 0.90"
    );
}

/// The score a careful reader gives: the match's formula over the labels.
fn reader_score(posting: &Doc, resume: &Doc) -> u32 {
    let mut shown: BTreeSet<String> = BTreeSet::new();
    for labels in resume.labels.values() {
        for name in labels.iter().flat_map(|l| &l.names) {
            shown.insert(name.to_lowercase());
            shown.extend(implications::broader(name).iter().map(|b| b.to_lowercase()));
        }
    }
    let (mut earned, mut possible) = (0, 0);
    for label in posting.labels.values().flatten() {
        let weight = if label.preferred { 1 } else { REQUIRED_WEIGHT };
        possible += weight;
        if label
            .names
            .iter()
            .any(|n| shown.contains(&n.to_lowercase()))
        {
            earned += weight;
        }
    }
    (100 * earned + possible / 2)
        .checked_div(possible)
        .unwrap_or(0)
}

#[test]
fn match_scores_against_a_careful_readers_on_real_pairs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/skills/real");
    let jobs = load(&root.join("jobs"));
    let resumes = load(&root.join("resumes"));
    let find = |docs: &[Doc], name: &str| -> usize {
        docs.iter()
            .position(|d| d.name == name)
            .unwrap_or_else(|| panic!("pairs.txt names {name}, which is not a fixture"))
    };
    let pairs = std::fs::read_to_string(root.join("pairs.txt")).expect("pairs.txt");
    let mut differences = Vec::new();
    println!("\nMatch score against a careful reader's (from the labels):");
    for line in pairs
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (resume, posting) = line.split_once('|').expect("resume | posting");
        let resume = &resumes[find(&resumes, resume.trim())];
        let posting = &jobs[find(&jobs, posting.trim())];
        let skills: Vec<PostingSkill> = extract(&posting.text).iter().map(Into::into).collect();
        let system = match_resume(&skills, 0, &resume.text, &extract(&resume.text)).score;
        let reader = reader_score(posting, resume);
        let difference = (i64::from(system) - i64::from(reader)).unsigned_abs();
        println!(
            "  {:<44} {:<46} match {system:>3}  reader {reader:>3}  difference {difference:>3}",
            resume.name, posting.name
        );
        differences.push(difference);
    }
    assert!(
        differences.len() >= 20,
        "the issue asks for at least 20 pairs"
    );
    let mean = differences.iter().sum::<u64>() as f64 / differences.len() as f64;
    let within_10 = differences.iter().filter(|d| **d <= 10).count();
    println!(
        "  {} pairs: mean absolute difference {mean:.1} points; {within_10} within 10 points",
        differences.len()
    );
    assert!(
        mean <= 7.0,
        "mean absolute difference {mean:.1} (4.7 on 2026-12-07)"
    );
}
