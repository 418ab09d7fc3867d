//! Finds the job posting in a page's HTML.
//!
//! Sources, most trusted first: schema.org `JobPosting` JSON-LD; the known
//! layouts of job sites (several selectors per field, since sites change
//! their markup gradually); then Open Graph tags and `<title>` patterns.
//! Fields missing from one source are filled from the next. See
//! `shared/JOB_PAGES.md` for where each site keeps its data.

mod json_ld;
mod sites;
mod text;

use scraper::{Html, Selector};
use shared_types::JobPosting;

/// How the posting's main fields were found, so a wrong guess can be traced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// schema.org `JobPosting` JSON-LD.
    JsonLd,
    /// A known site's page layout.
    SiteLayout,
    /// Open Graph tags and the page title (only ever filling gaps).
    Generic,
}

/// A posting found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedPosting {
    /// Title, company, location and plain-text description.
    pub posting: JobPosting,
    /// The page's address.
    pub url: String,
    /// The site it came from (`linkedin`, `indeed`, ... or `other`).
    pub site: &'static str,
    /// Which source supplied the title and description.
    pub method: Method,
}

/// The job posting on the page at `url` with this HTML, if there is one: a
/// page counts as a posting when JSON-LD or a known site layout found part
/// of one, and a title and a description were found in all.
pub fn extract(html: &str, url: &str) -> Option<ExtractedPosting> {
    let document = Html::parse_document(html);
    let layout = sites::layout_for(url);
    let site = layout.map_or("other", |l| l.site);

    let mut posting = JobPosting::default();
    let mut method = None;
    for (source, found) in [
        (Method::JsonLd, json_ld::find(&document)),
        (
            Method::SiteLayout,
            layout.map(|l| l.read(&document)).unwrap_or_default(),
        ),
        (Method::Generic, generic(&document, layout)),
    ] {
        // Generic tags only fill gaps: on their own, any article would look
        // like a posting.
        if method.is_none() && source != Method::Generic && found != JobPosting::default() {
            method = Some(source);
        }
        fill(&mut posting, found);
    }
    let method = method?;
    (posting.title.is_some() && posting.description.is_some()).then(|| ExtractedPosting {
        posting,
        url: url.to_string(),
        site,
        method,
    })
}

/// Fills the fields `into` lacks from `from`.
fn fill(into: &mut JobPosting, from: JobPosting) {
    into.title = into.title.take().or(from.title);
    into.company = into.company.take().or(from.company);
    into.location = into.location.take().or(from.location);
    into.description = into.description.take().or(from.description);
}

/// What Open Graph tags and `<title>` say.
fn generic(document: &Html, layout: Option<&sites::Layout>) -> JobPosting {
    let meta = |property: &str| {
        let selector = Selector::parse(&format!(
            "meta[property=\"{property}\"], meta[name=\"{property}\"]"
        ))
        .ok()?;
        document
            .select(&selector)
            .filter_map(|m| m.value().attr("content"))
            .map(text::clean_line)
            .find(|c| !c.is_empty())
    };
    let page_title = Selector::parse("title")
        .ok()
        .and_then(|s| document.select(&s).next())
        .map(|t| text::clean_line(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty());
    let (title, company) = match (&page_title, layout) {
        (Some(t), Some(layout)) => layout.split_title(t),
        _ => (None, None),
    };
    JobPosting {
        title: title.or_else(|| meta("og:title")).or(page_title),
        company: company.or_else(|| meta("og:site_name").filter(|_| layout.is_none())),
        location: None,
        description: meta("og:description").or_else(|| meta("description")),
    }
}
