//! Turns what the content script read off a page into what the in-page
//! panel asks about: the selection, trimmed, and the job posting extracted
//! from the page's HTML (the HTML itself goes no further).

use shared_types::extension::{PageSnapshot, PanelContext};

use crate::job_posting;

/// The most selected text kept, in characters (the backend trims further to
/// fit the model).
pub const SELECTION_MAX_CHARS: usize = 20_000;

/// The panel's context for a page snapshot.
pub fn context_for(snapshot: PageSnapshot) -> PanelContext {
    let selection = snapshot
        .selection
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(SELECTION_MAX_CHARS).collect());
    let job_posting = snapshot
        .html
        .as_deref()
        .and_then(|html| job_posting::extract(html, &snapshot.url))
        .map(|found| found.posting);
    PanelContext {
        url: snapshot.url,
        title: snapshot.title,
        selection,
        job_posting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_selections_are_dropped_and_long_ones_cut() {
        let blank = context_for(PageSnapshot {
            selection: Some("  \n ".into()),
            ..PageSnapshot::default()
        });
        assert_eq!(blank.selection, None);
        let long = context_for(PageSnapshot {
            selection: Some("é".repeat(SELECTION_MAX_CHARS + 5)),
            ..PageSnapshot::default()
        });
        assert_eq!(
            long.selection.map(|s| s.chars().count()),
            Some(SELECTION_MAX_CHARS)
        );
    }

    #[test]
    fn a_posting_in_the_html_becomes_the_job_context() {
        let html = r#"<html><head><script type="application/ld+json">
            {"@type": "JobPosting", "title": "Rust Engineer",
             "hiringOrganization": {"name": "Acme"},
             "description": "<p>Build things.</p>"}</script></head><body></body></html>"#;
        let context = context_for(PageSnapshot {
            url: "https://jobs.example/1".into(),
            title: "Rust Engineer".into(),
            selection: None,
            html: Some(html.into()),
        });
        let posting = context.job_posting.expect("a posting");
        assert_eq!(posting.title.as_deref(), Some("Rust Engineer"));
        assert_eq!(posting.company.as_deref(), Some("Acme"));
        assert_eq!(context.url, "https://jobs.example/1");
    }

    #[test]
    fn a_page_without_a_posting_has_no_job_context() {
        let context = context_for(PageSnapshot {
            url: "https://blog.example/".into(),
            html: Some("<html><body><p>Hello</p></body></html>".into()),
            ..PageSnapshot::default()
        });
        assert_eq!(context.job_posting, None);
    }
}
