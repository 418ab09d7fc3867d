//! Checks a JSON value against the JSON Resume schema (draft-07, as
//! published at jsonresume.org): the types of the fields it names, its
//! date pattern (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), and the email and URI
//! formats. Every problem is reported with its JSON pointer, not only the
//! first. Fields the schema does not name are allowed, as there.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
use shared_types::resume_document::ResumeDocument;

pub use shared_types::FieldProblem as Problem;

/// What a field holds.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Date,
    Email,
    Uri,
    Texts,
    Location,
    /// An entry's place: a location, or text as the schema's v1.0.0 had it
    /// (files written for it are still read).
    Place,
    /// An array of objects with these fields.
    Items(&'static [(&'static str, Kind)]),
    /// An object with these fields.
    Object(&'static [(&'static str, Kind)]),
}

use Kind::{Date, Email, Items, Location, Object, Place, Text, Texts, Uri};

const LOCATION: &[(&str, Kind)] = &[
    ("address", Text),
    ("postalCode", Text),
    ("city", Text),
    ("countryCode", Text),
    ("region", Text),
];
const PROFILE: &[(&str, Kind)] = &[("network", Text), ("username", Text), ("url", Uri)];
const BASICS: &[(&str, Kind)] = &[
    ("name", Text),
    ("label", Text),
    ("image", Text),
    ("email", Email),
    ("phone", Text),
    ("url", Uri),
    ("summary", Text),
    ("location", Location),
    ("profiles", Items(PROFILE)),
];
const WORK: &[(&str, Kind)] = &[
    ("name", Text),
    ("location", Place),
    ("description", Text),
    ("position", Text),
    ("url", Uri),
    ("startDate", Date),
    ("endDate", Date),
    ("summary", Text),
    ("highlights", Texts),
];
const VOLUNTEER: &[(&str, Kind)] = &[
    ("organization", Text),
    ("location", Place),
    ("position", Text),
    ("url", Uri),
    ("startDate", Date),
    ("endDate", Date),
    ("summary", Text),
    ("highlights", Texts),
];
const EDUCATION: &[(&str, Kind)] = &[
    ("institution", Text),
    ("location", Place),
    ("url", Uri),
    ("area", Text),
    ("studyType", Text),
    ("startDate", Date),
    ("endDate", Date),
    ("score", Text),
    ("courses", Texts),
];
const AWARD: &[(&str, Kind)] = &[
    ("title", Text),
    ("date", Date),
    ("awarder", Text),
    ("summary", Text),
];
const CERTIFICATE: &[(&str, Kind)] = &[
    ("name", Text),
    ("date", Date),
    ("url", Uri),
    ("issuer", Text),
];
const PUBLICATION: &[(&str, Kind)] = &[
    ("name", Text),
    ("publisher", Text),
    ("releaseDate", Date),
    ("url", Uri),
    ("summary", Text),
];
const SKILL: &[(&str, Kind)] = &[("name", Text), ("level", Text), ("keywords", Texts)];
const LANGUAGE: &[(&str, Kind)] = &[("language", Text), ("fluency", Text)];
const INTEREST: &[(&str, Kind)] = &[("name", Text), ("keywords", Texts)];
const REFERENCE: &[(&str, Kind)] = &[("name", Text), ("reference", Text)];
const PROJECT: &[(&str, Kind)] = &[
    ("name", Text),
    ("description", Text),
    ("highlights", Texts),
    ("keywords", Texts),
    ("startDate", Date),
    ("endDate", Date),
    ("url", Uri),
    ("roles", Texts),
    ("entity", Text),
    ("type", Text),
];
const META: &[(&str, Kind)] = &[
    ("canonical", Uri),
    ("version", Text),
    ("lastModified", Text),
];
const RESUME: &[(&str, Kind)] = &[
    ("$schema", Uri),
    ("basics", Object(BASICS)),
    ("work", Items(WORK)),
    ("volunteer", Items(VOLUNTEER)),
    ("education", Items(EDUCATION)),
    ("awards", Items(AWARD)),
    ("certificates", Items(CERTIFICATE)),
    ("publications", Items(PUBLICATION)),
    ("skills", Items(SKILL)),
    ("languages", Items(LANGUAGE)),
    ("interests", Items(INTEREST)),
    ("references", Items(REFERENCE)),
    ("projects", Items(PROJECT)),
    ("meta", Object(META)),
];

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([1-2][0-9]{3}-[0-1][0-9]-[0-3][0-9]|[1-2][0-9]{3}-[0-1][0-9]|[1-2][0-9]{3})$")
        .expect("the schema's date pattern compiles")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^@\s]+@[^@\s]+\.[^@\s]+$").expect("the email pattern compiles")
});
static URI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$").expect("the URI pattern compiles")
});

/// Checks `value`; the document it holds, or every problem in it.
pub fn validate(value: &Value) -> Result<ResumeDocument, Vec<Problem>> {
    let mut problems = Vec::new();
    check(value, Object(RESUME), "", &mut problems);
    if problems.is_empty() {
        // Past the checks, reading it as the document type cannot fail on
        // a field it names; anything else is still reported.
        serde_json::from_value(value.clone()).map_err(|e| {
            vec![Problem {
                pointer: String::new(),
                message: e.to_string(),
            }]
        })
    } else {
        Err(problems)
    }
}

fn check(value: &Value, kind: Kind, pointer: &str, problems: &mut Vec<Problem>) {
    let mut problem = |message: &str| {
        problems.push(Problem {
            pointer: pointer.to_string(),
            message: message.to_string(),
        });
    };
    match kind {
        Text => {
            if !value.is_string() {
                problem("must be text");
            }
        }
        Date => match value.as_str() {
            Some(date) if DATE.is_match(date) => {}
            _ => problem("must be a date written YYYY, YYYY-MM or YYYY-MM-DD"),
        },
        Email => match value.as_str() {
            Some(email) if EMAIL.is_match(email) => {}
            _ => problem("must be an email address"),
        },
        Uri => match value.as_str() {
            Some(uri) if URI.is_match(uri) => {}
            _ => problem("must be an absolute URL, such as https://example.com"),
        },
        Texts => match value.as_array() {
            Some(items) => {
                for (n, item) in items.iter().enumerate() {
                    check(item, Text, &format!("{pointer}/{n}"), problems);
                }
            }
            None => problem("must be a list of texts"),
        },
        Location => check(value, Object(LOCATION), pointer, problems),
        Place if value.is_string() => {}
        Place => check(value, Object(LOCATION), pointer, problems),
        Items(fields) => match value.as_array() {
            Some(items) => {
                for (n, item) in items.iter().enumerate() {
                    check(item, Object(fields), &format!("{pointer}/{n}"), problems);
                }
            }
            None => problem("must be a list"),
        },
        Object(fields) => match value.as_object() {
            Some(map) => {
                for (name, kind) in fields {
                    if let Some(field) = map.get(*name) {
                        let escaped = name.replace('~', "~0").replace('/', "~1");
                        check(field, *kind, &format!("{pointer}/{escaped}"), problems);
                    }
                }
            }
            None => problem("must be an object"),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Problem, validate};

    fn pointers(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.pointer.as_str()).collect()
    }

    #[test]
    fn a_valid_resume_reads_as_the_document() {
        let doc = validate(&json!({
            "basics": {"name": "Ada", "email": "ada@example.com", "url": "https://ada.example",
                       "profiles": [{"network": "GitHub", "url": "https://github.com/ada"}]},
            // An entry's place as text, as files written for v1.0.0 have it.
            "work": [{"name": "Engines Ltd", "startDate": "1842-01", "endDate": "1843", "location": "London",
                      "highlights": ["Wrote the first program"]}],
            "interests": [{"name": "Poetry"}],
            "x-custom": {"anything": true}
        }))
        .expect("valid");
        assert_eq!(doc.work[0].start_date.as_deref(), Some("1842-01"));
    }

    #[test]
    fn every_problem_is_reported_with_its_pointer() {
        let problems = validate(&json!({
            "basics": {"email": "not an address", "location": "London",
                       "profiles": [{"url": "github.com/ada"}]},
            "work": [{"startDate": "Jan 2021", "highlights": ["ok", 3]}, "a job"],
            "skills": {"name": "Rust"},
            "$schema": 7
        }))
        .expect_err("invalid");
        let mut found = pointers(&problems);
        found.sort_unstable();
        assert_eq!(
            found,
            [
                "/$schema",
                "/basics/email",
                "/basics/location",
                "/basics/profiles/0/url",
                "/skills",
                "/work/0/highlights/1",
                "/work/0/startDate",
                "/work/1",
            ]
        );
        assert!(problems.iter().any(|p| p.message.contains("YYYY-MM")));
        assert_eq!(pointers(&validate(&json!([])).expect_err("an array")), [""]);
    }
}
