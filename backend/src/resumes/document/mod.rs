//! The resume as a structured document (JSON Resume): the deterministic
//! parser that builds it from the text, and the stable ids of its entries
//! and highlights, which later edits point at.

pub mod dates;
pub mod ground;
pub mod headings;
pub mod parse;
pub mod render;
pub mod validate;

use shared_types::resume_document::{EntryIds, ResumeDocument};

/// Gives every entry and highlight that has none an id, keeping those that
/// have one. Ids are the section's initial and a number that is never
/// reused within the document (`w3`, `w3.2`).
pub fn assign_ids(doc: &mut ResumeDocument) {
    let sections: [(&str, Vec<usize>); 9] = [
        (
            "work",
            doc.work.iter().map(|w| w.highlights.len()).collect(),
        ),
        (
            "volunteer",
            doc.volunteer.iter().map(|w| w.highlights.len()).collect(),
        ),
        (
            "education",
            doc.education.iter().map(|e| e.courses.len()).collect(),
        ),
        (
            "projects",
            doc.projects.iter().map(|p| p.highlights.len()).collect(),
        ),
        ("skills", vec![0; doc.skills.len()]),
        ("languages", vec![0; doc.languages.len()]),
        ("certificates", vec![0; doc.certificates.len()]),
        ("awards", vec![0; doc.awards.len()]),
        ("publications", vec![0; doc.publications.len()]),
    ];
    for (section, highlights) in sections {
        let ids = doc.meta.ids.entry(section.to_string()).or_default();
        ids.truncate(highlights.len());
        let prefix = &section[..1];
        let mut next = ids
            .iter()
            .filter_map(|e| e.id.strip_prefix(prefix)?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        while ids.len() < highlights.len() {
            next += 1;
            ids.push(EntryIds {
                id: format!("{prefix}{next}"),
                highlights: Vec::new(),
            });
        }
        for (entry, count) in ids.iter_mut().zip(highlights) {
            entry.highlights.truncate(count);
            let mut last = entry
                .highlights
                .iter()
                .filter_map(|h| h.rsplit('.').next()?.parse::<u32>().ok())
                .max()
                .unwrap_or(0);
            while entry.highlights.len() < count {
                last += 1;
                entry.highlights.push(format!("{}.{last}", entry.id));
            }
        }
        if doc.meta.ids.get(section).is_some_and(Vec::is_empty) {
            doc.meta.ids.remove(section);
        }
    }
}

#[cfg(test)]
mod tests {
    use shared_types::resume_document::{ResumeDocument, Work};

    use super::assign_ids;

    /// A JSON Resume file keeps what this product has no field for.
    #[test]
    fn an_imported_file_goes_out_as_it_came_in() {
        let file = serde_json::json!({
            "$schema": "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json",
            "basics": {"name": "Ada", "image": "https://example.com/ada.png",
                       "location": {"city": "London", "countryCode": "GB"}},
            "work": [{"name": "Engines Ltd", "location": {"city": "London"}, "startDate": "1842-01",
                      "highlights": ["Wrote the first program"]}],
            "interests": [{"name": "Poetry"}],
            "references": [{"name": "C. Babbage", "reference": "Able."}],
            "meta": {"version": "v1.0.0"}
        });
        let doc: ResumeDocument = serde_json::from_value(file.clone()).expect("a resume");
        assert_eq!(doc.work[0].highlights, ["Wrote the first program"]);
        assert_eq!(serde_json::to_value(&doc).expect("json"), file);
    }

    #[test]
    fn ids_are_kept_and_new_ones_never_reuse_a_number() {
        let job = |highlights: usize| Work {
            highlights: (0..highlights).map(|n| format!("did {n}")).collect(),
            ..Work::default()
        };
        let mut doc = ResumeDocument {
            work: vec![job(2), job(1)],
            ..ResumeDocument::default()
        };
        assign_ids(&mut doc);
        let ids = &doc.meta.ids["work"];
        assert_eq!(ids[0].id, "w1");
        assert_eq!(ids[0].highlights, ["w1.1", "w1.2"]);
        assert_eq!(ids[1].highlights, ["w2.1"]);

        // The first job is removed, with its ids, and a third added.
        doc.work.remove(0);
        doc.meta.ids.get_mut("work").expect("work").remove(0);
        doc.work.push(job(1));
        doc.work[0].highlights.push("more".into());
        assign_ids(&mut doc);
        let ids = &doc.meta.ids["work"];
        assert_eq!(ids[0].id, "w2");
        assert_eq!(ids[0].highlights, ["w2.1", "w2.2"]);
        assert_eq!(ids[1].id, "w3");
        assert!(!doc.meta.ids.contains_key("skills"));
    }
}
