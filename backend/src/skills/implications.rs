//! Broader skills a skill implies (GitHub Actions → CI/CD, PostgreSQL → SQL,
//! Amazon EKS → Kubernetes and AWS), from `data/implications.txt`, so the
//! match counts CI/CD as shown by a resume that names GitHub Actions.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::vocabulary::VOCABULARY;

const IMPLICATIONS: &str = include_str!("data/implications.txt");

/// Canonical name to the canonical names it directly implies. A name the
/// vocabulary does not know is left out (the unit test lists any).
static DIRECT: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let canonical = |n: &str| VOCABULARY.resolve(n.trim()).map(|s| s.name.clone());
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for line in rules() {
        let Some((skill, broader)) = line.split_once('>') else {
            continue;
        };
        let Some(skill) = canonical(skill) else {
            continue;
        };
        map.entry(skill)
            .or_default()
            .extend(broader.split(',').filter_map(canonical));
    }
    map
});

fn rules() -> impl Iterator<Item = &'static str> {
    IMPLICATIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Every broader skill `name` implies, following chains, nearest first.
pub fn broader(name: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut queue: Vec<&str> = vec![name];
    while let Some(next) = queue.pop() {
        for b in DIRECT.get(next).into_iter().flatten() {
            if b != name && !out.contains(&b.as_str()) {
                out.push(b.as_str());
                queue.insert(0, b.as_str());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_in_the_table_is_a_known_skill() {
        let unknown: Vec<&str> = rules()
            .flat_map(|l| l.split(['>', ',']))
            .map(str::trim)
            .filter(|n| VOCABULARY.resolve(n).is_none())
            .collect();
        assert!(unknown.is_empty(), "unknown skills: {unknown:?}");
    }

    #[test]
    fn implications_chain() {
        assert_eq!(broader("GitHub Actions"), ["CI/CD"]);
        assert_eq!(broader("Next.js"), ["React", "JavaScript"]);
        let eks = broader("Amazon EKS");
        assert!(eks.contains(&"Kubernetes") && eks.contains(&"Amazon Web Services"));
        assert!(broader("Python").is_empty());
    }
}
