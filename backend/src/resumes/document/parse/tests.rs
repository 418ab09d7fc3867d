use shared_types::resume_document::ResumeDocument;

use super::parse;

/// Every string value in the document.
fn strings(doc: &ResumeDocument) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::to_value(doc).expect("json"), &mut out);
    out
}

/// The text of the one-column fixture (`tests/fixtures/resumes`), as the
/// extractor gives it.
const ONE_COLUMN: &str = "Jonas Lindqvist
Backend Engineer · Göteborg · jonas@example.com
Summary
Backend engineer with nine years of experience building payment services in Rust and Go on PostgreSQL, deployed on Kubernetes.
Experience
Staff Engineer, Betalning AB (2020–2026)
Designed the settlement ledger in Rust; p99 latency under 20 ms
Moved 40 services from virtual machines to Kubernetes with Terraform
Ran the on-call rotation and the incident review
Engineer, Nordbank (2016–2020)
Go microservices over Kafka; PostgreSQL tuning
Education
MSc Software Engineering, Chalmers University of Technology
";

#[test]
fn the_one_column_fixture() {
    let doc = parse(ONE_COLUMN);
    assert_eq!(doc.basics.name.as_deref(), Some("Jonas Lindqvist"));
    assert_eq!(doc.basics.label.as_deref(), Some("Backend Engineer"));
    assert_eq!(doc.basics.email.as_deref(), Some("jonas@example.com"));
    assert_eq!(
        doc.basics.location.as_ref().and_then(|l| l.city.as_deref()),
        Some("Göteborg")
    );
    assert!(
        doc.basics
            .summary
            .as_deref()
            .is_some_and(|s| s.starts_with("Backend engineer with nine"))
    );
    assert_eq!(doc.work.len(), 2);
    let staff = &doc.work[0];
    assert_eq!(staff.position.as_deref(), Some("Staff Engineer"));
    assert_eq!(staff.name.as_deref(), Some("Betalning AB"));
    assert_eq!(staff.start_date.as_deref(), Some("2020"));
    assert_eq!(staff.end_date.as_deref(), Some("2026"));
    assert_eq!(staff.highlights.len(), 3);
    assert_eq!(doc.work[1].name.as_deref(), Some("Nordbank"));
    assert_eq!(
        doc.work[1].highlights,
        ["Go microservices over Kafka; PostgreSQL tuning"]
    );
    let study = &doc.education[0];
    assert_eq!(study.study_type.as_deref(), Some("MSc"));
    assert_eq!(study.area.as_deref(), Some("Software Engineering"));
    assert_eq!(
        study.institution.as_deref(),
        Some("Chalmers University of Technology")
    );
}

#[test]
fn a_german_resume_with_dates_on_their_own_lines_and_bullets() {
    let text = "Anna Schmidt
Softwareentwicklerin | München | +49 170 1234567 | anna.schmidt@example.de
linkedin.com/in/annaschmidt
Berufserfahrung
Senior Entwicklerin bei Muster GmbH
März 2020 – heute
• Aufbau einer Datenplattform mit Python und Apache Airflow
• Leitung eines Teams von fünf Personen, das die Kosten um 30 %
senkte
Entwicklerin, Beispiel AG
10/2016 - 02/2020
• Wartung von Java-Diensten
Ausbildung
M.Sc. Informatik, Technische Universität München (2014 – 2016)
Kenntnisse
Programmiersprachen: Python, Java, SQL
Werkzeuge: Docker, Kubernetes
Sprachen
Deutsch (Muttersprache), Englisch (C1)
";
    let doc = parse(text);
    assert_eq!(doc.basics.name.as_deref(), Some("Anna Schmidt"));
    assert_eq!(doc.basics.label.as_deref(), Some("Softwareentwicklerin"));
    assert_eq!(doc.basics.phone.as_deref(), Some("+49 170 1234567"));
    assert_eq!(doc.basics.email.as_deref(), Some("anna.schmidt@example.de"));
    assert_eq!(doc.basics.profiles[0].network.as_deref(), Some("LinkedIn"));
    assert_eq!(
        doc.basics.profiles[0].username.as_deref(),
        Some("annaschmidt")
    );
    assert_eq!(doc.work.len(), 2);
    let first = &doc.work[0];
    assert_eq!(first.position.as_deref(), Some("Senior Entwicklerin"));
    assert_eq!(first.name.as_deref(), Some("Muster GmbH"));
    assert_eq!(first.start_date.as_deref(), Some("2020-03"));
    assert_eq!(first.end_date, None);
    assert_eq!(
        first.highlights[1],
        "Leitung eines Teams von fünf Personen, das die Kosten um 30 % senkte"
    );
    assert_eq!(doc.work[1].start_date.as_deref(), Some("2016-10"));
    assert_eq!(doc.work[1].end_date.as_deref(), Some("2020-02"));
    assert_eq!(doc.education[0].study_type.as_deref(), Some("M.Sc."));
    assert_eq!(doc.education[0].area.as_deref(), Some("Informatik"));
    assert_eq!(doc.education[0].end_date.as_deref(), Some("2016"));
    assert_eq!(doc.skills[0].name.as_deref(), Some("Programmiersprachen"));
    assert_eq!(doc.skills[0].keywords, ["Python", "Java", "SQL"]);
    assert_eq!(doc.languages.len(), 2);
    assert_eq!(doc.languages[1].language.as_deref(), Some("Englisch"));
    assert_eq!(doc.languages[1].fluency.as_deref(), Some("C1"));
}

#[test]
fn french_and_spanish_headings_and_month_names() {
    let text = "Claire Martin
Cheffe de projet · Lyon · claire@example.fr
Expérience professionnelle
Cheffe de projet, Exemple SA
janvier 2019 – aujourd'hui
- Pilotage de 12 projets par an
Formation
Master Gestion de projet, Université Lyon 2 (2016 – 2018)
Certifications
PMP, PMI, 2021
";
    let doc = parse(text);
    assert_eq!(doc.work[0].start_date.as_deref(), Some("2019-01"));
    assert_eq!(doc.work[0].end_date, None);
    assert_eq!(doc.work[0].highlights, ["Pilotage de 12 projets par an"]);
    assert_eq!(doc.education[0].study_type.as_deref(), Some("Master"));
    assert_eq!(
        doc.education[0].institution.as_deref(),
        Some("Université Lyon 2")
    );
    assert_eq!(doc.certificates[0].name.as_deref(), Some("PMP"));
    assert_eq!(doc.certificates[0].issuer.as_deref(), Some("PMI"));
    assert_eq!(doc.certificates[0].date.as_deref(), Some("2021"));

    let text = "Lucía García
Enfermera · Madrid
Experiencia laboral
Enfermera, Hospital Universitario La Paz
Septiembre 2014 - Actualidad
Cuidados intensivos de adultos
Formación académica
Grado en Enfermería, Universidad Complutense de Madrid (2010 - 2014)
Idiomas
Español: nativo
Inglés: B2
";
    let doc = parse(text);
    assert_eq!(
        doc.work[0].name.as_deref(),
        Some("Hospital Universitario La Paz")
    );
    assert_eq!(doc.work[0].start_date.as_deref(), Some("2014-09"));
    assert_eq!(doc.education[0].study_type.as_deref(), Some("Grado"));
    assert_eq!(doc.education[0].area.as_deref(), Some("Enfermería"));
    assert_eq!(doc.languages[1].fluency.as_deref(), Some("B2"));
}

/// The parser copies: every value it writes is in the text, apart from
/// dates it rewrites and highlights joined from broken lines.
#[test]
fn every_value_is_the_texts_own() {
    let doc = parse(ONE_COLUMN);
    for value in strings(&doc) {
        let is_date = value.chars().all(|c| c.is_ascii_digit() || c == '-');
        assert!(
            is_date || ONE_COLUMN.contains(&value),
            "not in the text: {value}"
        );
    }
}

#[test]
fn text_without_headings_gives_the_person_and_no_invented_sections() {
    let doc = parse("Jane Doe\njane@example.com\nI like building things.");
    assert_eq!(doc.basics.name.as_deref(), Some("Jane Doe"));
    assert_eq!(doc.basics.email.as_deref(), Some("jane@example.com"));
    assert!(doc.work.is_empty() && doc.education.is_empty() && doc.skills.is_empty());
    assert!(parse("").basics.is_empty());
}

/// What the parser builds, with its ids, passes the schema's checks.
#[test]
fn the_parsers_documents_are_valid() {
    for text in [ONE_COLUMN, "Jane Doe\njane@example.com", ""] {
        let mut doc = parse(text);
        crate::resumes::document::assign_ids(&mut doc);
        let value = serde_json::to_value(&doc).expect("json");
        let read = crate::resumes::document::validate::validate(&value);
        assert_eq!(read.as_ref().ok(), Some(&doc), "{read:?}");
    }
}
