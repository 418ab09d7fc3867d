//! The document laid out once, as the blocks every format writes: the
//! person, then each section's heading and entries in reading order. Every
//! word a block holds comes from the document, except the headings, the
//! month abbreviations of dates and "Present" ([`TEMPLATE_WORDS`]).
//!
//! The plain text it gives is also what the deterministic parser reads
//! back into the same structure (see the tests of `render`).

use shared_types::resume_document::{Location, ResumeDocument};

/// One block of a rendered resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The person's name.
    Name(String),
    /// A line under the name: the label, the contact details.
    Line(String),
    /// A section's heading.
    Heading(&'static str),
    /// An entry's title: "Position — Employer".
    Title(String),
    /// An entry's dates (and place): "Jan 2021 – Present".
    Dates(String),
    /// Running text.
    Paragraph(String),
    /// A highlight.
    Bullet(String),
}

/// Words a template adds that are not the document's.
pub const TEMPLATE_WORDS: &[&str] = &[
    "Summary",
    "Experience",
    "Volunteering",
    "Education",
    "Projects",
    "Skills",
    "Certifications",
    "Languages",
    "Awards",
    "Publications",
    "Present",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
];

/// Joins a title's two parts; the parser splits on the same dash.
const TITLE_JOINT: &str = " — ";
/// Between the parts of the contact line.
const CONTACT_JOINT: &str = " · ";

/// A JSON Resume date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) as people write it
/// ("Jan 2021"); anything else as it is.
pub fn display_date(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = date.splitn(3, '-');
    let (year, month) = (parts.next().unwrap_or_default(), parts.next());
    match month.and_then(|m| m.parse::<usize>().ok()) {
        Some(m @ 1..=12) if year.len() == 4 => format!("{} {year}", MONTHS[m - 1]),
        _ => date.to_string(),
    }
}

/// "Jan 2021 – Present", "2016 – 2020", "2019"; `None` without a start.
fn range(start: Option<&String>, end: Option<&String>) -> Option<String> {
    let start = display_date(start?);
    Some(match end {
        Some(end) => format!("{start} – {}", display_date(end)),
        None => format!("{start} – Present"),
    })
}

/// Text on one line, its runs of white space made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The parts that have text, each on one line, joined.
fn joined<'a>(parts: impl IntoIterator<Item = Option<&'a String>>, joint: &str) -> Option<String> {
    let parts: Vec<String> = parts
        .into_iter()
        .flatten()
        .map(|p| one_line(p))
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(joint))
}

fn place(location: Option<&Location>) -> Option<String> {
    let l = location?;
    joined(
        [l.city.as_ref(), l.region.as_ref(), l.country_code.as_ref()],
        ", ",
    )
}

/// The blocks of `doc`, in reading order.
pub fn blocks(doc: &ResumeDocument) -> Vec<Block> {
    let mut out = Vec::new();
    let b = &doc.basics;
    if let Some(name) = joined([b.name.as_ref()], "") {
        out.push(Block::Name(name));
    }
    if let Some(label) = joined([b.label.as_ref()], "") {
        out.push(Block::Line(label));
    }
    let place = place(b.location.as_ref());
    let contact = [b.email.as_ref(), b.phone.as_ref(), b.url.as_ref()]
        .into_iter()
        .chain(b.profiles.iter().map(|p| p.url.as_ref()))
        .chain([place.as_ref()]);
    if let Some(contact) = joined(contact, CONTACT_JOINT) {
        out.push(Block::Line(contact));
    }
    let summary: Vec<Block> = paragraphs(b.summary.as_deref().unwrap_or_default()).collect();
    if !summary.is_empty() {
        out.push(Block::Heading("Summary"));
        out.extend(summary);
    }
    section(&mut out, "Experience", &doc.work, |w, out| {
        let role = Role {
            position: w.position.as_ref(),
            organisation: w.name.as_ref(),
            start: w.start_date.as_ref(),
            end: w.end_date.as_ref(),
            summary: w.summary.as_deref(),
            highlights: &w.highlights,
        };
        role.write(out);
    });
    section(&mut out, "Volunteering", &doc.volunteer, |v, out| {
        let role = Role {
            position: v.position.as_ref(),
            organisation: v.organization.as_ref(),
            start: v.start_date.as_ref(),
            end: v.end_date.as_ref(),
            summary: v.summary.as_deref(),
            highlights: &v.highlights,
        };
        role.write(out);
    });
    section(&mut out, "Education", &doc.education, |e, out| {
        let study = joined([e.study_type.as_ref(), e.area.as_ref()], " ");
        entry(
            out,
            joined([study.as_ref(), e.institution.as_ref()], TITLE_JOINT),
            range(e.start_date.as_ref(), e.end_date.as_ref()),
        );
        if let Some(score) = joined([e.score.as_ref()], "") {
            out.push(Block::Paragraph(score));
        }
        out.extend(bullets(&e.courses));
    });
    section(&mut out, "Projects", &doc.projects, |p, out| {
        entry(
            out,
            joined([p.name.as_ref()], ""),
            range(p.start_date.as_ref(), p.end_date.as_ref()),
        );
        out.extend(paragraphs(p.description.as_deref().unwrap_or_default()));
        out.extend(bullets(&p.highlights));
        if let Some(keywords) = joined(p.keywords.iter().map(Some), ", ") {
            out.push(Block::Paragraph(keywords));
        }
    });
    section(&mut out, "Skills", &doc.skills, |s, out| {
        let name = joined([s.name.as_ref(), s.level.as_ref()], TITLE_JOINT);
        let keywords = joined(s.keywords.iter().map(Some), ", ");
        let line = match (name, keywords) {
            (Some(name), Some(keywords)) => format!("{name}: {keywords}"),
            (name, keywords) => name.or(keywords).unwrap_or_default(),
        };
        if !line.is_empty() {
            out.push(Block::Paragraph(line));
        }
    });
    section(&mut out, "Certifications", &doc.certificates, |c, out| {
        let date = c.date.as_deref().map(display_date);
        let line = joined([c.name.as_ref(), c.issuer.as_ref()], TITLE_JOINT);
        if let Some(line) = joined([line.as_ref(), date.as_ref()], ", ") {
            out.push(Block::Paragraph(line));
        }
    });
    let languages: Vec<String> = doc
        .languages
        .iter()
        .filter_map(|l| {
            match (
                joined([l.language.as_ref()], ""),
                joined([l.fluency.as_ref()], ""),
            ) {
                (Some(language), Some(fluency)) => Some(format!("{language} ({fluency})")),
                (language, _) => language,
            }
        })
        .collect();
    if !languages.is_empty() {
        out.push(Block::Heading("Languages"));
        out.push(Block::Paragraph(languages.join(", ")));
    }
    section(&mut out, "Awards", &doc.awards, |a, out| {
        let date = a.date.as_deref().map(display_date);
        let title = joined([a.title.as_ref(), a.awarder.as_ref()], TITLE_JOINT);
        if let Some(title) = joined([title.as_ref(), date.as_ref()], ", ") {
            out.push(Block::Title(title));
        }
        out.extend(paragraphs(a.summary.as_deref().unwrap_or_default()));
    });
    section(&mut out, "Publications", &doc.publications, |p, out| {
        let date = p.release_date.as_deref().map(display_date);
        let title = joined([p.name.as_ref(), p.publisher.as_ref()], TITLE_JOINT);
        if let Some(title) = joined([title.as_ref(), date.as_ref()], ", ") {
            out.push(Block::Title(title));
        }
        out.extend(paragraphs(p.summary.as_deref().unwrap_or_default()));
    });
    out
}

/// A heading and its entries, when it has any that write something.
fn section<T>(
    out: &mut Vec<Block>,
    heading: &'static str,
    items: &[T],
    mut write: impl FnMut(&T, &mut Vec<Block>),
) {
    let mut blocks = Vec::new();
    for item in items {
        write(item, &mut blocks);
    }
    if !blocks.is_empty() {
        out.push(Block::Heading(heading));
        out.extend(blocks);
    }
}

fn entry(out: &mut Vec<Block>, title: Option<String>, dates: Option<String>) {
    out.extend(title.map(Block::Title));
    out.extend(dates.map(Block::Dates));
}

/// A job or an unpaid role, as both are written.
struct Role<'a> {
    position: Option<&'a String>,
    organisation: Option<&'a String>,
    start: Option<&'a String>,
    end: Option<&'a String>,
    summary: Option<&'a str>,
    highlights: &'a [String],
}

impl Role<'_> {
    fn write(&self, out: &mut Vec<Block>) {
        entry(
            out,
            joined([self.position, self.organisation], TITLE_JOINT),
            range(self.start, self.end),
        );
        out.extend(paragraphs(self.summary.unwrap_or_default()));
        out.extend(bullets(self.highlights));
    }
}

/// One bullet per highlight that has text, on one line.
fn bullets(items: &[String]) -> impl Iterator<Item = Block> + '_ {
    items
        .iter()
        .map(|h| one_line(h))
        .filter(|h| !h.is_empty())
        .map(Block::Bullet)
}

/// Text with blank lines between its paragraphs, one block each.
fn paragraphs(text: &str) -> impl Iterator<Item = Block> + '_ {
    text.split("\n\n")
        .map(one_line)
        .filter(|p| !p.is_empty())
        .map(Block::Paragraph)
}
