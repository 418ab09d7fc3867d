//! The page layouts of known job sites: for each field, selectors in order of
//! preference (newer layouts first, older ones kept as fallbacks), and how the
//! site writes its `<title>`.

use scraper::{Html, Selector};
use shared_types::JobPosting;

use super::text;

/// How the site's `<title>` carries the title and company.
#[derive(Debug, Clone, Copy)]
pub enum TitleShape {
    /// "Title | Company | LinkedIn" or "Company hiring Title in Place | LinkedIn".
    LinkedIn,
    /// "Job Application for Title at Company".
    Greenhouse,
    /// "Company - Title".
    Lever,
    /// "Title - Company - Indeed.com".
    Indeed,
    /// Nothing useful.
    None,
}

/// One site's layout.
#[derive(Debug)]
pub struct Layout {
    /// The site's short name.
    pub site: &'static str,
    hosts: &'static [&'static str],
    title: &'static [&'static str],
    company: &'static [&'static str],
    location: &'static [&'static str],
    description: &'static [&'static str],
    title_shape: TitleShape,
}

const LAYOUTS: &[Layout] = &[
    Layout {
        site: "linkedin",
        hosts: &["linkedin.com"],
        title: &[
            "h1.top-card-layout__title",
            ".topcard__title",
            ".job-details-jobs-unified-top-card__job-title h1",
        ],
        company: &[
            "[aria-label^=\"Company, \"] a[href*=\"/company/\"]",
            "a.topcard__org-name-link",
            ".topcard__flavor a",
            ".job-details-jobs-unified-top-card__company-name a",
        ],
        location: &[
            ".topcard__flavor--bullet",
            ".job-details-jobs-unified-top-card__bullet",
        ],
        description: &[
            "[componentkey^=\"JobDetails_AboutTheJob\"] [data-testid=\"expandable-text-box\"]",
            ".description__text .show-more-less-html__markup",
            ".show-more-less-html__markup",
            ".jobs-description__content",
            "#job-details",
        ],
        title_shape: TitleShape::LinkedIn,
    },
    Layout {
        site: "indeed",
        hosts: &["indeed.com"],
        title: &[
            "[data-testid=\"jobsearch-JobInfoHeader-title\"]",
            "h1.jobsearch-JobInfoHeader-title",
        ],
        company: &[
            "[data-testid=\"inlineHeader-companyName\"]",
            "[data-company-name]",
        ],
        location: &[
            "[data-testid=\"inlineHeader-companyLocation\"]",
            "[data-testid=\"job-location\"]",
        ],
        description: &["#jobDescriptionText"],
        title_shape: TitleShape::Indeed,
    },
    Layout {
        site: "greenhouse",
        hosts: &["greenhouse.io"],
        title: &[".job__title h1", ".app-title"],
        company: &[".company-name"],
        location: &[".job__location", ".location"],
        description: &[".job__description", "#content"],
        title_shape: TitleShape::Greenhouse,
    },
    Layout {
        site: "lever",
        hosts: &["lever.co"],
        title: &[".posting-headline h2", ".posting-header h2"],
        company: &[],
        location: &[".posting-categories .location", ".location"],
        description: &["[data-qa=\"job-description\"]", ".section-wrapper .section"],
        title_shape: TitleShape::Lever,
    },
    Layout {
        site: "workday",
        hosts: &["myworkdayjobs.com", "workday.com"],
        title: &["[data-automation-id=\"jobPostingHeader\"]"],
        company: &[],
        location: &["[data-automation-id=\"locations\"] dd"],
        description: &["[data-automation-id=\"jobPostingDescription\"]"],
        title_shape: TitleShape::None,
    },
    Layout {
        site: "ashby",
        hosts: &["ashbyhq.com"],
        title: &[".ashby-job-posting-heading"],
        company: &[],
        location: &[],
        description: &[],
        title_shape: TitleShape::None,
    },
    Layout {
        site: "workable",
        hosts: &["workable.com"],
        title: &["[data-ui=\"job-title\"]"],
        company: &[],
        location: &["[data-ui=\"job-location\"]"],
        description: &["[data-ui=\"job-description\"]"],
        title_shape: TitleShape::None,
    },
];

/// The layout of the site serving `url`, if it is a known one.
pub fn layout_for(url: &str) -> Option<&'static Layout> {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = host
        .rsplit('@')
        .next()
        .unwrap_or(host)
        .split(':')
        .next()
        .unwrap_or(host)
        .to_ascii_lowercase();
    LAYOUTS.iter().find(|layout| {
        layout
            .hosts
            .iter()
            .any(|h| host == *h || host.ends_with(&format!(".{h}")))
    })
}

impl Layout {
    /// The fields this layout finds in the document.
    pub fn read(&self, document: &Html) -> JobPosting {
        let line = |selectors: &[&str]| {
            first(document, selectors).map(|e| text::clean_line(&e.text().collect::<String>()))
        };
        let mut title = line(self.title).filter(|t| !t.is_empty());
        if let Some(t) = &mut title {
            // Indeed's side pane appends this to the title.
            if let Some(stripped) = t.strip_suffix(" - job post") {
                *t = stripped.to_string();
            }
        }
        JobPosting {
            title,
            company: line(self.company).filter(|c| !c.is_empty()),
            location: line(self.location).filter(|l| !l.is_empty()),
            description: first(document, self.description)
                .map(text::element_text)
                .filter(|d| !d.is_empty()),
        }
    }

    /// The title and company in a page title of this site.
    pub fn split_title(&self, page_title: &str) -> (Option<String>, Option<String>) {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        match self.title_shape {
            TitleShape::LinkedIn => {
                let parts: Vec<&str> = page_title.split(" | ").collect();
                match parts.as_slice() {
                    [title, company, "LinkedIn"] => (some(title), some(company)),
                    [hiring, "LinkedIn"] => match hiring.split_once(" hiring ") {
                        Some((company, rest)) => {
                            let title = rest.rsplit_once(" in ").map_or(rest, |(t, _)| t);
                            (some(title), some(company))
                        }
                        None => (some(hiring), None),
                    },
                    _ => (None, None),
                }
            }
            TitleShape::Greenhouse => page_title
                .strip_prefix("Job Application for ")
                .and_then(|rest| rest.rsplit_once(" at "))
                .map_or((None, None), |(title, company)| {
                    (some(title), some(company))
                }),
            TitleShape::Lever => page_title
                .split_once(" - ")
                .map_or((None, None), |(company, title)| {
                    (some(title), some(company))
                }),
            TitleShape::Indeed => {
                let parts: Vec<&str> = page_title.split(" - ").collect();
                match parts.as_slice() {
                    [title, company, .., last] if last.starts_with("Indeed") => {
                        (some(title), some(company))
                    }
                    _ => (None, None),
                }
            }
            TitleShape::None => (None, None),
        }
    }
}

/// The first element matching any of `selectors`, in their order.
fn first<'a>(document: &'a Html, selectors: &[&str]) -> Option<scraper::ElementRef<'a>> {
    selectors
        .iter()
        .filter_map(|s| Selector::parse(s).ok())
        .find_map(|selector| {
            document
                .select(&selector)
                .find(|e| !text::clean_line(&e.text().collect::<String>()).is_empty())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_recognised_by_host_and_subdomain_only() {
        let site = |url| layout_for(url).map(|l| l.site);
        assert_eq!(
            site("https://www.linkedin.com/jobs/view/1"),
            Some("linkedin")
        );
        assert_eq!(
            site("https://job-boards.greenhouse.io/acme/jobs/1"),
            Some("greenhouse")
        );
        assert_eq!(
            site("https://acme.wd5.myworkdayjobs.com/en-US/x"),
            Some("workday")
        );
        assert_eq!(site("https://jobs.lever.co/acme/123"), Some("lever"));
        assert_eq!(site("https://notlinkedin.com/jobs"), None);
        assert_eq!(site("https://example.com/?u=linkedin.com"), None);
    }

    #[test]
    fn page_titles_give_title_and_company_per_site() {
        let split = |url, title| layout_for(url).map(|l| l.split_title(title));
        let pair = |t: &str, c: &str| Some((Some(t.to_string()), Some(c.to_string())));
        assert_eq!(
            split(
                "https://linkedin.com/jobs/view/1",
                "Rust Engineer | Acme | LinkedIn"
            ),
            pair("Rust Engineer", "Acme")
        );
        assert_eq!(
            split(
                "https://linkedin.com/jobs/view/1",
                "Acme hiring Rust Engineer in Berlin, Germany | LinkedIn"
            ),
            pair("Rust Engineer", "Acme")
        );
        assert_eq!(
            split(
                "https://job-boards.greenhouse.io/acme",
                "Job Application for Data Engineer at Acme Corp"
            ),
            pair("Data Engineer", "Acme Corp")
        );
        assert_eq!(
            split("https://jobs.lever.co/acme/1", "Acme - Backend Developer"),
            pair("Backend Developer", "Acme")
        );
        assert_eq!(
            split(
                "https://www.indeed.com/viewjob?jk=1",
                "Nurse - Mercy Hospital - Springfield, IL - Indeed.com"
            ),
            pair("Nurse", "Mercy Hospital")
        );
    }
}
