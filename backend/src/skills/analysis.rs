//! The skills picture across saved jobs, and the match of a resume against
//! one posting: plain, deterministic functions over extracted skills.

use std::collections::{BTreeSet, HashMap, HashSet};

use shared_types::{
    MatchResult, MatchedSkill, PostingSkill, SkillCategory, SkillDemand, SkillsAnalysis, Tally,
};

use super::{Found, implications, snippet};

/// How many missing skills the analysis lists.
pub const TOP_MISSING: usize = 10;

/// Weight of a required skill in the match score; a preferred one weighs 1.
pub const REQUIRED_WEIGHT: u32 = 2;

/// Which skills `jobs` ask for, and which of them `resume` shows.
pub fn analyse<'a>(
    jobs: impl IntoIterator<Item = &'a [PostingSkill]>,
    resume: Option<(i64, &[PostingSkill])>,
) -> SkillsAnalysis {
    let mut counts: HashMap<&str, (SkillCategory, u32, u32)> = HashMap::new();
    let mut considered = 0u32;
    for skills in jobs {
        considered += 1;
        for skill in skills {
            let entry = counts
                .entry(skill.name.as_str())
                .or_insert((skill.category, 0, 0));
            entry.1 += 1;
            entry.2 += u32::from(skill.required);
        }
    }
    let have: HashSet<&str> = resume
        .map(|(_, skills)| skills.iter().map(|s| s.name.as_str()).collect())
        .unwrap_or_default();
    let mut skills: Vec<SkillDemand> = counts
        .into_iter()
        .map(|(name, (category, jobs, required_in))| SkillDemand {
            name: name.to_string(),
            category,
            jobs,
            share: f64::from(jobs) / f64::from(considered.max(1)),
            required_in,
            in_resume: have.contains(name),
        })
        .collect();
    skills.sort_by(|a, b| {
        b.jobs
            .cmp(&a.jobs)
            .then(b.required_in.cmp(&a.required_in))
            .then_with(|| a.name.cmp(&b.name))
    });
    let top_missing = if resume.is_some() {
        skills
            .iter()
            .filter(|s| !s.in_resume)
            .take(TOP_MISSING)
            .map(|s| s.name.clone())
            .collect()
    } else {
        skills
            .iter()
            .take(TOP_MISSING)
            .map(|s| s.name.clone())
            .collect()
    };
    SkillsAnalysis {
        jobs_considered: considered,
        resume_id: resume.map(|(id, _)| id),
        skills,
        top_missing,
    }
}

/// How well a resume (its id, text and the skills found in it) fits a
/// posting's skills. A skill and its alternatives are one requirement that
/// any of them meets; a skill the resume does not name but implies (CI/CD
/// by GitHub Actions) counts as shown, with the skill that shows it.
pub fn match_resume<'a>(
    posting: &'a [PostingSkill],
    resume_id: i64,
    resume_text: &str,
    resume_skills: &[Found],
) -> MatchResult {
    let shown: HashMap<&str, &Found> = resume_skills.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut implied: HashMap<&str, &Found> = HashMap::new();
    for found in resume_skills {
        for broader in implications::broader(&found.name) {
            implied.entry(broader).or_insert(found);
        }
    }
    let mut matched = Vec::new();
    let mut missing = Vec::new();
    let (mut required, mut preferred) = (
        Tally {
            matched: 0,
            total: 0,
        },
        Tally {
            matched: 0,
            total: 0,
        },
    );
    // Each requirement is a skill with its alternatives. A skill in two
    // groups ("Go or Rust", "Python or Go") lists both groups' names; the
    // groups themselves are the requirements, so such a union is skipped.
    let requirement = |skill: &'a PostingSkill| -> BTreeSet<&'a str> {
        std::iter::once(skill.name.as_str())
            .chain(skill.alternatives.iter().map(String::as_str))
            .collect()
    };
    let requirements: Vec<BTreeSet<&str>> = posting.iter().map(requirement).collect();
    let mut counted: HashSet<&BTreeSet<&str>> = HashSet::new();
    for (skill, names_set) in posting.iter().zip(&requirements) {
        let union_of_groups = requirements.iter().any(|other| {
            other.len() < names_set.len()
                && other.contains(skill.name.as_str())
                && other.is_subset(names_set)
        });
        if union_of_groups || !counted.insert(names_set) {
            continue;
        }
        let names: Vec<&str> = std::iter::once(skill.name.as_str())
            .chain(skill.alternatives.iter().map(String::as_str))
            .collect();
        let tally = if skill.required {
            &mut required
        } else {
            &mut preferred
        };
        tally.total += 1;
        let named = names
            .iter()
            .find_map(|n| shown.get(n).map(|found| (*n, *found, None)));
        let by_implication = || {
            names.iter().find_map(|n| {
                implied
                    .get(n)
                    .map(|found| (*n, *found, Some(found.name.clone())))
            })
        };
        match named.or_else(by_implication) {
            Some((name, found, via)) => {
                tally.matched += 1;
                matched.push(MatchedSkill {
                    name: name.to_string(),
                    category: skill.category,
                    required: skill.required,
                    snippet: snippet(resume_text, found.first_at),
                    via,
                });
            }
            None => missing.push(skill.clone()),
        }
    }
    let earned = REQUIRED_WEIGHT * required.matched + preferred.matched;
    let possible = REQUIRED_WEIGHT * required.total + preferred.total;
    let score = (100 * earned + possible / 2)
        .checked_div(possible)
        .map_or(0, |s| s.min(100) as u8);
    let formula = format!(
        "score = 100 × ({w} × required matched + preferred matched) / ({w} × required + preferred) \
         = 100 × ({w} × {} + {}) / ({w} × {} + {}) = {score}",
        required.matched,
        preferred.matched,
        required.total,
        preferred.total,
        w = REQUIRED_WEIGHT,
    );
    MatchResult {
        score,
        formula,
        required,
        preferred,
        matched,
        missing,
        resume_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::extract;

    fn skill(name: &str, required: bool) -> PostingSkill {
        PostingSkill {
            name: name.into(),
            category: SkillCategory::Technical,
            required,
            alternatives: Vec::new(),
        }
    }

    #[test]
    fn analysis_counts_jobs_and_marks_what_the_resume_shows() {
        let a = [skill("Rust", true), skill("SQL", false)];
        let b = [skill("Rust", false), skill("Docker", true)];
        let resume = [skill("Rust", true)];
        let result = analyse([&a[..], &b[..]], Some((7, &resume[..])));
        assert_eq!(result.jobs_considered, 2);
        assert_eq!(result.resume_id, Some(7));
        let rust = &result.skills[0];
        assert_eq!(
            (
                rust.name.as_str(),
                rust.jobs,
                rust.required_in,
                rust.in_resume
            ),
            ("Rust", 2, 1, true)
        );
        assert!((rust.share - 1.0).abs() < f64::EPSILON);
        let order: Vec<&str> = result.skills.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(order, ["Rust", "Docker", "SQL"]);
        assert_eq!(result.top_missing, ["Docker", "SQL"]);
    }

    #[test]
    fn required_skills_weigh_twice_preferred_ones() {
        let posting = [
            skill("Rust", true),
            skill("PostgreSQL", true),
            skill("Apache Kafka", false),
        ];
        let text = "Senior engineer.\n- Rust services on PostgreSQL\n";
        let result = match_resume(&posting, 3, text, &extract(text));
        // 100 × (2×2 + 0) / (2×2 + 1) = 80
        assert_eq!(result.score, 80);
        assert_eq!(
            result.required,
            Tally {
                matched: 2,
                total: 2
            }
        );
        assert_eq!(
            result.preferred,
            Tally {
                matched: 0,
                total: 1
            }
        );
        assert_eq!(result.missing, [skill("Apache Kafka", false)]);
        assert_eq!(result.matched[0].snippet, "Rust services on PostgreSQL");
        assert!(result.formula.ends_with("= 80"), "{}", result.formula);
    }

    #[test]
    fn alternatives_are_one_requirement_and_skills_imply_broader_ones() {
        let posting = "Requirements:\n- Go or Rust\n- AWS or GCP\n- Python or Go scripting\n\
                       - CI/CD pipelines (we use GitHub Actions)\n- PostgreSQL\n";
        let resume = "Backend engineer: Go services on AWS, shipped with GitHub Actions; SQL.\n";
        let posting: Vec<PostingSkill> = extract(posting).iter().map(Into::into).collect();
        let result = match_resume(&posting, 1, resume, &extract(resume));
        let missing: Vec<(&str, &[String])> = result
            .missing
            .iter()
            .map(|s| (s.name.as_str(), &s.alternatives[..]))
            .collect();
        assert_eq!(missing, [("PostgreSQL", &[][..])], "{result:?}");
        // Go or Rust, AWS or GCP, Python or Go, CI/CD, GitHub Actions; PostgreSQL missing.
        assert_eq!(
            result.required,
            Tally {
                matched: 5,
                total: 6
            },
            "{posting:?}"
        );
        let ci = result
            .matched
            .iter()
            .find(|m| m.name == "CI/CD")
            .expect("CI/CD");
        assert_eq!(ci.via.as_deref(), Some("GitHub Actions"));
        let implied = match_resume(
            &[skill("CI/CD", true), skill("SQL", true)],
            1,
            "Deploys with GitHub Actions to PostgreSQL",
            &extract("Deploys with GitHub Actions to PostgreSQL"),
        );
        assert_eq!(implied.score, 100);
        let via: Vec<Option<&str>> = implied.matched.iter().map(|m| m.via.as_deref()).collect();
        assert_eq!(via, [Some("GitHub Actions"), Some("PostgreSQL")]);
    }

    #[test]
    fn a_posting_without_skills_scores_zero() {
        assert_eq!(match_resume(&[], 1, "", &[]).score, 0);
    }
}
