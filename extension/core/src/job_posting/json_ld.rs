//! schema.org `JobPosting` in `<script type="application/ld+json">`, at the
//! top level, in a list, or in an `@graph`.

use scraper::{Html, Selector};
use serde_json::Value;
use shared_types::JobPosting;

use super::text;

/// The first `JobPosting` in the page's JSON-LD, as far as it goes.
pub fn find(document: &Html) -> JobPosting {
    let Ok(scripts) = Selector::parse("script[type]") else {
        return JobPosting::default();
    };
    document
        .select(&scripts)
        // The parser has decoded the attribute, so `application/ld&#x2B;json` matches too.
        .filter(|s| {
            s.value()
                .attr("type")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
        })
        .filter_map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).ok())
        .find_map(|json| job_posting(&json).map(read))
        .unwrap_or_default()
}

fn is_job_posting(value: &Value) -> bool {
    match &value["@type"] {
        Value::String(t) => t == "JobPosting",
        Value::Array(types) => types.iter().any(|t| t == "JobPosting"),
        _ => false,
    }
}

fn job_posting(value: &Value) -> Option<&Value> {
    match value {
        Value::Array(items) => items.iter().find_map(job_posting),
        Value::Object(_) if is_job_posting(value) => Some(value),
        Value::Object(_) => value.get("@graph").and_then(job_posting),
        _ => None,
    }
}

fn string(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(text::clean_line)
        .filter(|s| !s.is_empty())
}

fn read(posting: &Value) -> JobPosting {
    let organisation = &posting["hiringOrganization"];
    let company = string(organisation).or_else(|| string(&organisation["name"]));
    JobPosting {
        title: string(&posting["title"]).or_else(|| string(&posting["name"])),
        company,
        location: location(&posting["jobLocation"]).or_else(|| remote(posting)),
        description: posting["description"]
            .as_str()
            .map(text::fragment_text)
            .filter(|d| !d.is_empty()),
    }
}

/// "City, Region, Country" from the first place with an address.
fn location(value: &Value) -> Option<String> {
    if let Value::Array(places) = value {
        return places.iter().find_map(location);
    }
    let address = &value["address"];
    if let Some(text) = string(address) {
        return Some(text);
    }
    let parts: Vec<String> = ["addressLocality", "addressRegion", "addressCountry"]
        .iter()
        .filter_map(|key| string(&address[*key]).or_else(|| string(&address[*key]["name"])))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn remote(posting: &Value) -> Option<String> {
    (posting["jobLocationType"] == "TELECOMMUTE").then(|| "Remote".to_string())
}
