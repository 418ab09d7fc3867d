//! The extractor on saved pages shaped like the real sites' (see
//! `tests/fixtures/jobs/` and `shared/JOB_PAGES.md`).

use mentor_extension::job_posting::{Method, extract};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/jobs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fields(
    name: &str,
    url: &str,
) -> (
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    &'static str,
    Method,
) {
    let found = extract(&fixture(name), url).unwrap_or_else(|| panic!("{name}: no posting found"));
    let p = found.posting;
    (
        p.title,
        p.company,
        p.location,
        p.description.unwrap_or_default(),
        found.site,
        found.method,
    )
}

fn some(text: &str) -> Option<String> {
    Some(text.to_string())
}

#[test]
fn workday_json_ld_in_a_graph_with_an_escaped_type_attribute() {
    let (title, company, location, description, site, method) = fields(
        "workday-jsonld.html",
        "https://initech.wd5.myworkdayjobs.com/en-US/careers/job/R-1234",
    );
    assert_eq!(
        (title, company, location),
        (
            some("Senior Data Engineer"),
            some("Initech"),
            some("Austin, TX, US")
        )
    );
    assert_eq!(
        description,
        "About the role\nYou will own our pipelines.\n- 5+ years of SQL\n- Python or Rust"
    );
    assert_eq!((site, method), ("workday", Method::JsonLd));
}

#[test]
fn linkedin_guest_layout_takes_the_first_bullet_as_location() {
    let (title, company, location, description, site, method) = fields(
        "linkedin-guest.html",
        "https://www.linkedin.com/jobs/view/rust-engineer-at-acme-4242",
    );
    assert_eq!(
        (title, company, location),
        (
            some("Rust Engineer"),
            some("Acme"),
            some("Berlin, Berlin, Germany")
        )
    );
    assert!(
        description.starts_with("What you will do\nBuild the services"),
        "{description}"
    );
    assert!(description.contains("- Design APIs in Rust\n- Run them on Kubernetes"));
    assert!(!description.contains("Show more"), "buttons are not text");
    assert_eq!((site, method), ("linkedin", Method::SiteLayout));
}

#[test]
fn linkedin_logged_in_takes_the_title_from_the_page_title() {
    let (title, company, _, description, _, method) = fields(
        "linkedin-logged-in.html",
        "https://www.linkedin.com/jobs/view/4242/",
    );
    assert_eq!(
        (title, company),
        (some("Staff Platform Engineer"), some("Globex"))
    );
    assert_eq!(
        description,
        "Globex is looking for a Staff Platform Engineer.\nRequirements:\n- Terraform\n- Incident leadership"
    );
    assert_eq!(method, Method::SiteLayout);
}

#[test]
fn indeed_side_pane_drops_the_job_post_suffix() {
    let (title, company, location, description, site, _) = fields(
        "indeed-side-pane.html",
        "https://www.indeed.com/jobs?q=nurse&vjk=abc",
    );
    assert_eq!(
        (title, company, location),
        (
            some("Registered Nurse"),
            some("Mercy Hospital"),
            some("Springfield, IL 62701")
        )
    );
    assert!(description.contains("- Active RN license"), "{description}");
    assert_eq!(site, "indeed");
}

#[test]
fn greenhouse_company_comes_from_the_page_title() {
    let (title, company, location, description, site, _) = fields(
        "greenhouse.html",
        "https://job-boards.greenhouse.io/hooli/jobs/123",
    );
    assert_eq!(
        (title, company, location),
        (
            some("Data Engineer"),
            some("Hooli"),
            some("Remote, United States")
        )
    );
    assert!(
        description
            .starts_with("Hooli is hiring a Data Engineer.\nResponsibilities\n- Own the warehouse")
    );
    assert_eq!(site, "greenhouse");
}

#[test]
fn lever_company_comes_from_the_page_title() {
    let (title, company, location, description, site, _) =
        fields("lever.html", "https://jobs.lever.co/umbrella/8f1c");
    assert_eq!(
        (title, company, location),
        (
            some("Backend Developer"),
            some("Umbrella"),
            some("Toronto, Canada")
        )
    );
    assert_eq!(
        description,
        "Umbrella builds software for labs.\nYou will write Go and Rust services."
    );
    assert_eq!(site, "lever");
}

#[test]
fn an_article_with_open_graph_tags_is_not_a_posting() {
    assert_eq!(
        extract(
            &fixture("blog-post.html"),
            "https://blog.example/interview-tips"
        ),
        None
    );
    // Nor is a known site's page without a posting on it.
    assert_eq!(
        extract(&fixture("blog-post.html"), "https://www.linkedin.com/feed/"),
        None
    );
}

#[test]
fn json_ld_wins_over_the_layout_on_the_same_page() {
    let html = fixture("lever.html").replace(
        "</head>",
        r#"<script type="application/ld+json">[{"@type": "WebSite"}, {"@type": ["JobPosting"], "title": "Backend Developer II",
            "hiringOrganization": "Umbrella Corp", "jobLocationType": "TELECOMMUTE", "description": "Plain text."}]</script></head>"#,
    );
    let found = extract(&html, "https://jobs.lever.co/umbrella/8f1c").expect("posting");
    assert_eq!(found.method, Method::JsonLd);
    assert_eq!(found.posting.title.as_deref(), Some("Backend Developer II"));
    assert_eq!(found.posting.company.as_deref(), Some("Umbrella Corp"));
    assert_eq!(found.posting.location.as_deref(), Some("Remote"));
    assert_eq!(found.posting.description.as_deref(), Some("Plain text."));
}
