//! The deterministic parser: a resume's text to its structure, with no AI.
//! It reads the lines before the first heading as the person (name, then
//! title, contact details and place), each heading's lines as its section,
//! entries by their date lines, and the lines under an entry as its
//! highlights. It only ever copies text that is in the resume.

use std::sync::LazyLock;

use regex::Regex;
use shared_types::resume_document::{
    Basics, Certificate, Education, Language, Location, Profile, Project, ResumeDocument, Skill,
    Volunteer, Work,
};

use super::dates;
use super::headings::{Section, section_of};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$").expect("the email pattern compiles")
});
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+?[\d\s().\-/]{7,20}$").expect("the phone pattern compiles"));
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$")
        .expect("the address pattern compiles")
});

/// Characters that start a bullet.
const BULLETS: &[char] = &['•', '-', '*', '▪', '◦', '–', '·', '●', '■', '➢', '►'];

/// Separators between the parts of a contact line.
const CONTACT_SEPARATORS: &[char] = &['·', '|', '•', '⋅', '∙'];

/// Parses `text` into a document (without ids: see [`super::assign_ids`]).
pub fn parse(text: &str) -> ResumeDocument {
    let lines: Vec<String> = text.lines().map(clean).filter(|l| !l.is_empty()).collect();
    let mut doc = ResumeDocument::default();
    let first_heading = lines.iter().position(|l| section_of(l).is_some());
    let (head, body) = lines.split_at(first_heading.unwrap_or(lines.len()));
    doc.basics = basics(head);
    let mut at = 0;
    while at < body.len() {
        let section = section_of(&body[at]).unwrap_or(Section::Other);
        let end = body[at + 1..]
            .iter()
            .position(|l| section_of(l).is_some())
            .map_or(body.len(), |n| at + 1 + n);
        fill(&mut doc, section, &body[at + 1..end]);
        at = end;
    }
    doc
}

/// Normalises one line: ligatures, odd spaces, runs of spaces.
fn clean(line: &str) -> String {
    crate::resumes::extract::text::clean(line)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn bullet(line: &str) -> Option<&str> {
    let rest = line.strip_prefix(BULLETS)?;
    rest.starts_with(' ').then(|| rest.trim())
}

fn some(text: &str) -> Option<String> {
    let text = text
        .trim()
        .trim_matches(|c: char| ",;:|–—-".contains(c))
        .trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The person, from the lines before the first heading.
fn basics(head: &[String]) -> Basics {
    let mut basics = Basics::default();
    let mut parts: Vec<String> = Vec::new();
    for (n, line) in head.iter().enumerate() {
        if n == 0 && !line.contains('@') && !line.chars().any(|c| c.is_ascii_digit()) {
            basics.name = Some(line.clone());
            continue;
        }
        parts.extend(
            line.split(CONTACT_SEPARATORS)
                .flat_map(|p| p.split(" , "))
                .filter_map(some),
        );
    }
    let mut words = Vec::new();
    for part in parts {
        let bare = part
            .trim_start_matches("E-Mail:")
            .trim_start_matches("Email:")
            .trim_start_matches("Tel.:")
            .trim_start_matches("Phone:")
            .trim();
        if EMAIL.is_match(bare) && basics.email.is_none() {
            basics.email = Some(bare.to_string());
        } else if PHONE.is_match(bare)
            && bare.chars().filter(char::is_ascii_digit).count() >= 7
            && basics.phone.is_none()
        {
            basics.phone = Some(bare.to_string());
        } else if URL.is_match(bare) && bare.contains('.') && !bare.contains(' ') {
            match network(bare) {
                Some(network) => basics.profiles.push(Profile {
                    network: Some(network.to_string()),
                    username: bare
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .map(str::to_string),
                    url: Some(bare.to_string()),
                    ..Profile::default()
                }),
                None if basics.url.is_none() => basics.url = Some(bare.to_string()),
                None => words.push(bare.to_string()),
            }
        } else {
            words.push(bare.to_string());
        }
    }
    let mut words = words.into_iter();
    basics.label = words.next();
    if let Some(place) = words.next() {
        basics.location = Some(Location {
            city: Some(place),
            ..Location::default()
        });
    }
    basics
}

fn network(url: &str) -> Option<&'static str> {
    let lower = url.to_lowercase();
    [
        ("linkedin.com", "LinkedIn"),
        ("github.com", "GitHub"),
        ("gitlab.com", "GitLab"),
        ("xing.com", "XING"),
        ("stackoverflow.com", "Stack Overflow"),
        ("twitter.com", "Twitter"),
        ("x.com/", "X"),
    ]
    .iter()
    .find(|(host, _)| lower.contains(host))
    .map(|(_, name)| *name)
}

/// Puts a section's lines into the document.
fn fill(doc: &mut ResumeDocument, section: Section, lines: &[String]) {
    match section {
        Section::Summary => {
            let summary = lines.join(" ");
            doc.basics.summary = some(&summary);
        }
        Section::Work => doc.work.extend(entries(lines).into_iter().map(work)),
        Section::Volunteer => doc
            .volunteer
            .extend(entries(lines).into_iter().map(volunteer)),
        Section::Education => doc
            .education
            .extend(entries(lines).into_iter().map(education)),
        Section::Projects => doc.projects.extend(entries(lines).into_iter().map(project)),
        Section::Skills => doc.skills.extend(lines.iter().flat_map(|l| skills(l))),
        Section::Languages => doc
            .languages
            .extend(lines.iter().flat_map(|l| languages(l))),
        Section::Certificates => doc
            .certificates
            .extend(lines.iter().map(|l| certificate(l))),
        Section::Awards | Section::Publications | Section::Other => {}
    }
}

/// An entry as read: its heading (dates cut out), dates and lines under it.
#[derive(Debug, Default)]
struct Entry {
    heading: String,
    start: Option<String>,
    end: Option<String>,
    lines: Vec<String>,
}

/// Splits a section into entries: a line with dates starts one (with the
/// line before as its heading when the dates stand alone), and so does
/// the section's first line.
fn entries(lines: &[String]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for line in lines {
        let found = if bullet(line).is_none() {
            dates::find(line)
        } else {
            None
        };
        match found {
            Some(found) => {
                let rest = format!("{} {}", &line[..found.span.start], &line[found.span.end..]);
                let rest = rest.replace("()", "").replace("( )", "");
                let mut heading = some(&clean(&rest)).unwrap_or_default();
                if heading.is_empty() {
                    // Dates alone: the line before is the heading, unless the
                    // entry it belongs to has only that line.
                    if let Some(last) = out.last_mut() {
                        if last.start.is_none() && last.lines.is_empty() {
                            heading = std::mem::take(&mut last.heading);
                            out.pop();
                        } else if let Some(previous) = last.lines.pop() {
                            heading = previous;
                        }
                    }
                }
                out.push(Entry {
                    heading,
                    start: Some(found.start),
                    end: found.end,
                    lines: Vec::new(),
                });
            }
            None => match out.last_mut() {
                Some(entry) => push_line(&mut entry.lines, line),
                None => out.push(Entry {
                    heading: line.clone(),
                    ..Entry::default()
                }),
            },
        }
    }
    out
}

/// Adds a line under an entry: a bullet starts a highlight, a line starting
/// in lower case goes on the one before.
fn push_line(lines: &mut Vec<String>, line: &str) {
    if let Some(text) = bullet(line) {
        lines.push(text.to_string());
        return;
    }
    let continues = line.chars().next().is_some_and(char::is_lowercase);
    match lines.last_mut() {
        Some(last) if continues => {
            last.push(' ');
            last.push_str(line);
        }
        _ => lines.push(line.to_string()),
    }
}

/// Splits an entry's heading into its two parts: "Position, Employer",
/// "Position at Employer", "Position | Employer", "Position — Employer".
fn two_parts(heading: &str) -> (Option<String>, Option<String>) {
    for separator in [
        " | ", " — ", " – ", " - ", ", ", " at ", " bei ", " chez ", " en ", " @ ",
    ] {
        if let Some((first, second)) = heading.split_once(separator) {
            return (some(first), some(second));
        }
    }
    (some(heading), None)
}

fn work(entry: Entry) -> Work {
    let (position, name) = two_parts(&entry.heading);
    Work {
        name,
        position,
        start_date: entry.start,
        end_date: entry.end,
        highlights: entry.lines,
        ..Work::default()
    }
}

fn volunteer(entry: Entry) -> Volunteer {
    let Work {
        name,
        position,
        start_date,
        end_date,
        highlights,
        ..
    } = work(entry);
    Volunteer {
        organization: name,
        position,
        start_date,
        end_date,
        highlights,
        ..Volunteer::default()
    }
}

/// Degrees a study line starts with.
const DEGREES: &[&str] = &[
    "BSc",
    "B.Sc.",
    "MSc",
    "M.Sc.",
    "BA",
    "B.A.",
    "MA",
    "M.A.",
    "BEng",
    "MEng",
    "MBA",
    "PhD",
    "Ph.D.",
    "Dr.",
    "Bachelor",
    "Master",
    "Diplom",
    "Licence",
    "Licenciatura",
    "Grado",
    "Máster",
    "Doctorat",
    "Doctorado",
    "Associate",
    "Abitur",
    "Baccalauréat",
    "Bachillerato",
];

fn education(entry: Entry) -> Education {
    let (study, institution) = two_parts(&entry.heading);
    let (study_type, area) = match study.as_deref() {
        Some(study) => {
            let degree = DEGREES.iter().find(|d| {
                study == **d
                    || study.starts_with(&format!("{d} "))
                    || study.starts_with(&format!("{d} of "))
            });
            match degree {
                Some(degree) => {
                    let area = study[degree.len()..].trim();
                    // "Bachelor of", "Grado en", "Master de", "Diplom in".
                    let area = ["of ", "in ", "en ", "de ", "im "]
                        .iter()
                        .find_map(|joint| area.strip_prefix(joint))
                        .unwrap_or(area);
                    (Some((*degree).to_string()), some(area))
                }
                None => (None, Some(study.to_string())),
            }
        }
        None => (None, None),
    };
    Education {
        institution,
        area,
        study_type,
        start_date: entry.start,
        end_date: entry.end,
        courses: entry.lines,
        ..Education::default()
    }
}

fn project(entry: Entry) -> Project {
    let (name, description) = two_parts(&entry.heading);
    Project {
        name,
        description,
        start_date: entry.start,
        end_date: entry.end,
        highlights: entry.lines,
        ..Project::default()
    }
}

fn list(text: &str) -> Vec<String> {
    text.split([',', ';', '·', '|', '•'])
        .filter_map(some)
        .collect()
}

/// "Languages: Rust, Go" is a group; "Rust, Go, SQL" is one skill each.
fn skills(line: &str) -> Vec<Skill> {
    let line = bullet(line).unwrap_or(line);
    if let Some((name, rest)) = line.split_once(':') {
        return vec![Skill {
            name: some(name),
            keywords: list(rest),
            ..Skill::default()
        }];
    }
    list(line)
        .into_iter()
        .map(|name| Skill {
            name: Some(name),
            ..Skill::default()
        })
        .collect()
}

/// "English (native), German (C1)", "Spanish – fluent", "French: B2".
fn languages(line: &str) -> Vec<Language> {
    let line = bullet(line).unwrap_or(line);
    let items: Vec<&str> = if line.contains('(') {
        line.split([',', ';', '·', '|']).collect()
    } else {
        vec![line]
    };
    items
        .into_iter()
        .filter_map(|item| {
            let item = item.trim();
            let (language, fluency) = if let Some((language, rest)) = item.split_once('(') {
                (language, Some(rest.trim_end_matches(')')))
            } else if let Some((language, fluency)) = item
                .split_once(':')
                .or_else(|| item.split_once(" – "))
                .or_else(|| item.split_once(" - "))
                .or_else(|| item.split_once(" — "))
            {
                (language, Some(fluency))
            } else {
                (item, None)
            };
            Some(Language {
                language: Some(some(language)?),
                fluency: fluency.and_then(some),
                ..Language::default()
            })
        })
        .collect()
}

/// "Certified Kubernetes Administrator, CNCF, 2022".
fn certificate(line: &str) -> Certificate {
    let line = bullet(line).unwrap_or(line);
    let (rest, date) = match dates::find(line) {
        Some(found) => (
            format!("{} {}", &line[..found.span.start], &line[found.span.end..]),
            Some(found.start),
        ),
        None => (line.to_string(), None),
    };
    let rest = clean(&rest.replace("()", ""));
    let (name, issuer) = two_parts(&rest);
    Certificate {
        name,
        issuer,
        date,
        ..Certificate::default()
    }
}

#[cfg(test)]
mod tests;
