//! Dates as resumes write them ("Jan 2021", "03/2019", "2016", "März
//! 2020") and their ranges ("2020–2026", "Jan 2021 - Present"), rewritten
//! as JSON Resume's `YYYY`, `YYYY-MM`.

use std::sync::LazyLock;

use regex::Regex;

/// Month names and their common abbreviations in English, German, French
/// and Spanish (lower case, without a trailing dot), with their number.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("januar", 1),
    ("jänner", 1),
    ("janvier", 1),
    ("janv", 1),
    ("enero", 1),
    ("ene", 1),
    ("february", 2),
    ("feb", 2),
    ("februar", 2),
    ("février", 2),
    ("fevrier", 2),
    ("févr", 2),
    ("fév", 2),
    ("febrero", 2),
    ("march", 3),
    ("mar", 3),
    ("märz", 3),
    ("maerz", 3),
    ("mrz", 3),
    ("mars", 3),
    ("marzo", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("avr", 4),
    ("abril", 4),
    ("abr", 4),
    ("may", 5),
    ("mai", 5),
    ("mayo", 5),
    ("june", 6),
    ("jun", 6),
    ("juni", 6),
    ("juin", 6),
    ("junio", 6),
    ("july", 7),
    ("jul", 7),
    ("juli", 7),
    ("juillet", 7),
    ("juil", 7),
    ("julio", 7),
    ("august", 8),
    ("aug", 8),
    ("août", 8),
    ("aout", 8),
    ("agosto", 8),
    ("ago", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("october", 10),
    ("oct", 10),
    ("oktober", 10),
    ("okt", 10),
    ("octobre", 10),
    ("octubre", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("december", 12),
    ("dec", 12),
    ("dezember", 12),
    ("dez", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("déc", 12),
    ("diciembre", 12),
    ("dic", 12),
];

/// Words that end a range that goes on.
const ONGOING: &[&str] = &[
    "present",
    "current",
    "now",
    "today",
    "heute",
    "aktuell",
    "jetzt",
    "dato",
    "présent",
    "aujourd'hui",
    "actuel",
    "actuellement",
    "presente",
    "actualidad",
    "hoy",
    "actual",
];

/// One date: a month name and year, a numeric month and year, or a year
/// (`MONTH` stands for the month names).
const DATE: &str = r"(?:\b(?P<M>MONTH)\.?\s+(?P<MY>(?:19|20)\d{2})|\b(?P<N>0?[1-9]|1[0-2])\s*[/.]\s*(?P<NY>(?:19|20)\d{2})|\b(?P<IY>(?:19|20)\d{2})-(?P<IM>0[1-9]|1[0-2])|\b(?P<Y>(?:19|20)\d{2}))\b";

static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    // Longest first, so that "june" is not read as "jun" and a stray "e".
    let mut names: Vec<&str> = MONTHS.iter().map(|(name, _)| *name).collect();
    names.sort_by_key(|name| std::cmp::Reverse(name.chars().count()));
    let date = DATE.replace("MONTH", &names.join("|"));
    let end = date.replace("?P<", "?P<E");
    let ongoing = ONGOING.join("|").replace('\'', "['’]");
    let pattern = format!(
        r"(?i)(?P<start>{date})\s*(?:[-–—]+|\bto\b|\bbis\b|\bà\b|\bau\b|\ba\b|\bhasta\b)\s*(?P<end>{end}|(?P<ongoing>{ongoing})\b)|(?P<alone>{single})",
        single = date.replace("?P<", "?P<S")
    );
    Regex::new(&pattern).expect("the date pattern compiles")
});

/// A date range found in a line, and where it stood in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// `YYYY` or `YYYY-MM`.
    pub start: String,
    /// `None` while it goes on, or for a date alone.
    pub end: Option<String>,
    /// The byte range of the dates in the line.
    pub span: std::ops::Range<usize>,
}

fn month(name: &str) -> Option<u32> {
    let name = name.to_lowercase();
    MONTHS.iter().find(|(m, _)| *m == name).map(|(_, n)| *n)
}

/// The date in the captures whose group names start with `prefix`.
fn date(caps: &regex::Captures<'_>, prefix: &str) -> Option<String> {
    let group = |name: &str| caps.name(&format!("{prefix}{name}")).map(|m| m.as_str());
    if let (Some(name), Some(year)) = (group("M"), group("MY")) {
        return month(name).map(|m| format!("{year}-{m:02}"));
    }
    if let (Some(m), Some(year)) = (group("N"), group("NY")) {
        return m.parse::<u32>().ok().map(|m| format!("{year}-{m:02}"));
    }
    if let (Some(year), Some(m)) = (group("IY"), group("IM")) {
        return Some(format!("{year}-{m}"));
    }
    group("Y").map(str::to_string)
}

/// The first date range (or, failing one, the first date) in `line`. A
/// month name that is not one ("Team 2020") does not count.
pub fn find(line: &str) -> Option<Found> {
    for caps in RANGE.captures_iter(line) {
        let whole = caps.get(0).expect("a match has its whole");
        if caps.name("start").is_some() {
            let Some(start) = date(&caps, "") else {
                continue;
            };
            let end = if caps.name("ongoing").is_some() {
                None
            } else {
                match date(&caps, "E") {
                    Some(end) => Some(end),
                    None => continue,
                }
            };
            return Some(Found {
                start,
                end,
                span: whole.range(),
            });
        }
        if let Some(start) = date(&caps, "S") {
            return Some(Found {
                start,
                end: None,
                span: whole.range(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find;

    fn range(line: &str) -> Option<(String, Option<String>)> {
        find(line).map(|f| (f.start, f.end))
    }

    #[test]
    fn ranges_in_the_forms_resumes_use() {
        let cases = [
            (
                "Staff Engineer, Betalning AB (2020–2026)",
                ("2020", Some("2026")),
            ),
            ("Jan 2021 - Present", ("2021-01", None)),
            ("Sept. 2018 – Dec. 2020", ("2018-09", Some("2020-12"))),
            ("03/2019 - 12/2020", ("2019-03", Some("2020-12"))),
            ("2019-03 to 2021-11", ("2019-03", Some("2021-11"))),
            ("März 2020 – heute", ("2020-03", None)),
            ("Oktober 2015 bis Juni 2019", ("2015-10", Some("2019-06"))),
            ("janvier 2017 – aujourd’hui", ("2017-01", None)),
            ("Septiembre 2014 - Actualidad", ("2014-09", None)),
            ("2012 — 2014", ("2012", Some("2014"))),
        ];
        for (line, (start, end)) in cases {
            assert_eq!(
                range(line),
                Some((start.to_string(), end.map(str::to_string))),
                "{line}"
            );
        }
    }

    #[test]
    fn a_date_alone_or_none() {
        assert_eq!(
            range("Certified Kubernetes Administrator, 2022"),
            Some(("2022".into(), None))
        );
        assert_eq!(range("Moved 40 services to Kubernetes"), None);
        assert_eq!(range("Team of 12, p99 under 20 ms"), None);
    }

    #[test]
    fn the_span_covers_the_dates_only() {
        let line = "Engineer, Nordbank (2016–2020)";
        let found = find(line).expect("dates");
        assert_eq!(&line[found.span], "2016–2020");
    }
}
