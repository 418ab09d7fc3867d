//! Benchmark of rendering a resume: a two-page resume (six jobs of five
//! highlights, education, projects, skills; about 900 words) to PDF and
//! DOCX in each template, its first page as the SVG preview, and to text,
//! Markdown and JSON, in-process, one
//! render at a time (the first PDF, which loads the fonts, is timed apart). Prints the time per render and the bytes allocated per render
//! (counted by `stats_alloc` around the call). Asserts nothing.
//!
//! `cargo bench -p mentor-backend --bench render` (or scripts/bench-render.sh).

use std::alloc::System;
use std::time::{Duration, Instant};

use mentor::resumes::document::render::{Format, Template, render};
use serde_json::json;
use shared_types::resume_document::ResumeDocument;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const RUNS: usize = 200;

fn two_pages() -> ResumeDocument {
    let jobs: Vec<_> = (1..=6)
        .map(|n| {
            json!({
                "name": format!("Company number {n} GmbH"), "position": "Senior Software Engineer",
                "startDate": format!("{}-03", 2024 - 3 * n), "endDate": format!("{}-02", 2027 - 3 * n),
                "summary": "Led a team of five engineers building the payment platform used by two million customers.",
                "highlights": (1..=5).map(|h| format!(
                    "Delivered improvement {h}: cut the p99 latency of service {n} by {}% while moving it to Kubernetes and PostgreSQL 15",
                    10 * h)).collect::<Vec<_>>()
            })
        })
        .collect();
    serde_json::from_value(json!({
        "basics": {"name": "Amélie Dufour-Nakamura", "label": "Staff Engineer", "email": "amelie@example.org",
                   "phone": "+44 20 7946 0958", "url": "https://amelie.example.org",
                   "location": {"city": "London", "countryCode": "GB"},
                   "summary": "Engineer with eighteen years of distributed systems, payments and reliability work across four countries."},
        "work": jobs,
        "education": [{"institution": "University of Edinburgh", "studyType": "MSc", "area": "Computer Science",
                       "startDate": "2004", "endDate": "2006", "courses": ["Distributed systems", "Databases"]}],
        "projects": [{"name": "pgwatch-lite", "description": "A PostgreSQL monitor used by 300 teams.",
                      "highlights": ["Written in Go", "Exports Prometheus metrics"]}],
        "skills": [{"name": "Languages", "keywords": ["Go", "Rust", "Python", "SQL", "TypeScript"]},
                   {"name": "Platforms", "keywords": ["Kubernetes", "AWS", "PostgreSQL", "Kafka", "Terraform"]}],
        "certificates": [{"name": "Certified Kubernetes Administrator", "issuer": "CNCF", "date": "2022-05"}],
        "languages": [{"language": "English", "fluency": "Native"}, {"language": "French", "fluency": "C1"}]
    }))
    .expect("a resume")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let doc = two_pages();
    let words = String::from_utf8(render(&doc, Format::Txt, Template::Classic).expect("text"))
        .expect("utf-8")
        .split_whitespace()
        .count();
    println!("render: a resume of {words} words, {RUNS} renders of each");
    let start = Instant::now();
    let first = render(&doc, Format::Pdf, Template::Classic).expect("a PDF");
    println!(
        "  first PDF (fonts loaded): {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    drop(first);
    for (name, format, template, cold) in [
        ("pdf cold", Format::Pdf, Template::Classic, true),
        ("pdf classic", Format::Pdf, Template::Classic, false),
        ("pdf modern", Format::Pdf, Template::Modern, false),
        ("svg preview", Format::Svg, Template::Classic, false),
        ("docx classic", Format::Docx, Template::Classic, false),
        ("docx modern", Format::Docx, Template::Modern, false),
        ("markdown", Format::Markdown, Template::Classic, false),
        ("text", Format::Txt, Template::Classic, false),
        ("json", Format::Json, Template::Classic, false),
    ] {
        let mut times = Vec::with_capacity(RUNS);
        let (mut bytes, mut allocated) = (0, 0);
        for run in 0..RUNS {
            // A different resume each time, as on a server: Typst's memo
            // cache would otherwise answer a repeated one from memory.
            let mut doc = doc.clone();
            doc.work[0].highlights[0] = format!("Delivered improvement number {run} of the year");
            if cold {
                // Nothing of earlier renders kept: a resume seen for the
                // first time.
                comemo::evict(0);
            }
            let region = Region::new(GLOBAL);
            let start = Instant::now();
            let out = render(&doc, format, template).expect("rendered");
            times.push(start.elapsed());
            allocated = region.change().bytes_allocated;
            bytes = out.len();
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "  {name:<13} p50 {:.3} ms, p99 {:.3} ms; {:.0} KB out; {:.0} KB allocated per render",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            bytes as f64 / 1024.0,
            allocated as f64 / 1024.0,
        );
    }
}
