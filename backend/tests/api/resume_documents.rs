//! `/api/v1/resumes/{id}/document`: the structure parsed from the text, the
//! user's corrections (the text and skills follow), schema errors with
//! their pointers, JSON Resume import and export, the rendered files, and
//! another user's resume out of reach on every route.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with, spawn_app_with_plans};

const TEXT: &str = "Jonas Lindqvist\nBackend engineer\njonas@example.se · +46 70 123 45 67\n\n\
    Experience\nSenior Engineer — Betalning AB\nJan 2021 – Present\n\
    • Moved 40 services to Kubernetes\n• Cut ledger latency from 180 ms to 40 ms\n\n\
    Education\nMSc Computer Science — KTH Royal Institute of Technology\n2014 – 2016\n\n\
    Skills\nLanguages: Rust, Go, SQL\n";

async fn paste(app: &TestApp, token: &str) -> i64 {
    let reply = app
        .request(
            "POST",
            "/api/v1/resumes",
            Some(token),
            Some(json!({"title": "Backend, 2026", "text": TEXT})),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["id"].as_i64().expect("id")
}

/// A GET whose body is not JSON: status, content type, disposition, bytes.
async fn download(app: &TestApp, token: &str, path: &str) -> (u16, String, String, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (status, kind, disposition) = (
        response.status().as_u16(),
        header("content-type"),
        header("content-disposition"),
    );
    let bytes = response.bytes().await.expect("body").to_vec();
    (status, kind, disposition, bytes)
}

#[tokio::test]
async fn the_structure_is_parsed_from_the_text_and_corrections_rewrite_the_text_and_skills() {
    let app = spawn_app().await;
    let s = app.register("jonas@example.se").await;
    let id = paste(&app, &s.access).await;
    let path = format!("/api/v1/resumes/{id}/document");

    let doc = app.request("GET", &path, Some(&s.access), None).await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    assert_eq!(doc.body["basics"]["name"], "Jonas Lindqvist");
    assert_eq!(doc.body["work"][0]["name"], "Betalning AB");
    assert_eq!(doc.body["work"][0]["startDate"], "2021-01");
    assert_eq!(
        doc.body["work"][0]["highlights"][1],
        "Cut ledger latency from 180 ms to 40 ms"
    );
    assert_eq!(doc.body["meta"]["ids"]["work"][0]["id"], "w1");
    assert_eq!(doc.body["education"][0]["studyType"], "MSc");

    // The user corrects a highlight and adds one; the ids stay, the new
    // highlight gets the next.
    let mut corrected = doc.body.clone();
    corrected["work"][0]["highlights"][1] = json!("Cut ledger p99 latency from 180 ms to 40 ms");
    corrected["work"][0]["highlights"]
        .as_array_mut()
        .expect("highlights")
        .push(json!("Wrote the Terraform modules for every service"));
    let saved = app
        .request("PUT", &path, Some(&s.access), Some(corrected))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        saved.body["meta"]["ids"]["work"][0]["highlights"],
        json!(["w1.1", "w1.2", "w1.3"])
    );

    let resume = app
        .request(
            "GET",
            &format!("/api/v1/resumes/{id}"),
            Some(&s.access),
            None,
        )
        .await;
    let text = resume.body["text"].as_str().expect("text");
    assert!(
        text.contains("• Cut ledger p99 latency from 180 ms to 40 ms"),
        "{text}"
    );
    assert!(!text.contains("Cut ledger latency"), "{text}");
    assert!(
        resume.body["skills"].to_string().contains("Terraform"),
        "the skills follow the text: {}",
        resume.body["skills"]
    );
    let again = app.request("GET", &path, Some(&s.access), None).await;
    assert_eq!(again.body, saved.body, "what was saved is what is read");

    // New text replaces the structure with the one it gives.
    let patched = app
        .request(
            "PATCH",
            &format!("/api/v1/resumes/{id}"),
            Some(&s.access),
            Some(json!({"text": "Jonas Lindqvist\n\nExperience\nStaff Engineer, Klarbank\n2019 – 2020\n• Ran the on-call rotation"})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let doc = app.request("GET", &path, Some(&s.access), None).await;
    assert_eq!(doc.body["work"][0]["name"], "Klarbank");
    assert_eq!(doc.body["work"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_document_that_breaks_the_schema_gets_422_with_every_pointer_and_nothing_changes() {
    let app = spawn_app().await;
    let s = app.register("jonas@example.se").await;
    let id = paste(&app, &s.access).await;
    let path = format!("/api/v1/resumes/{id}/document");
    let before = app.request("GET", &path, Some(&s.access), None).await;

    let reply = app
        .request(
            "PUT",
            &path,
            Some(&s.access),
            Some(json!({
                "basics": {"name": "Jonas", "email": "not an address"},
                "work": [{"name": "Betalning AB", "startDate": "January 2021", "highlights": "one"}]
            })),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error()),
        (422, "invalid_document"),
        "{}",
        reply.body
    );
    let pointers: Vec<&str> = reply.body["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["pointer"].as_str())
        .collect();
    assert_eq!(
        pointers,
        ["/basics/email", "/work/0/startDate", "/work/0/highlights"]
    );
    let after = app.request("GET", &path, Some(&s.access), None).await;
    assert_eq!(after.body, before.body, "nothing was saved");

    let reply = app
        .request("PUT", &path, Some(&s.access), Some(json!([1, 2])))
        .await;
    reply.assert_error(400, "invalid_request");
    // An emptied structure is valid JSON Resume: the text is emptied too. A
    // new resume, though, needs something in it.
    let emptied = app
        .request("PUT", &path, Some(&s.access), Some(json!({"basics": {}})))
        .await;
    assert_eq!(emptied.status, 200, "{}", emptied.body);
    let resume = app
        .request(
            "GET",
            &format!("/api/v1/resumes/{id}"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(resume.body["text"], "");
    let empty_import = app
        .request(
            "POST",
            "/api/v1/resumes",
            Some(&s.access),
            Some(json!({"basics": {}})),
        )
        .await;
    empty_import.assert_error(400, "invalid_request");
}

fn json_resume() -> Value {
    json!({
        "$schema": "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json",
        "basics": {"name": "Ada Lovelace", "label": "Analyst", "email": "ada@example.org",
                   "location": {"city": "London", "countryCode": "GB"}},
        "work": [{"name": "Analytical Engines Ltd", "position": "Programmer", "startDate": "1842-09",
                  "endDate": "1843-08", "location": "London",
                  "highlights": ["Wrote the first published program, for Bernoulli numbers"]}],
        "skills": [{"name": "Mathematics", "keywords": ["Calculus", "Notation"]}],
        "interests": [{"name": "Poetry"}]
    })
}

#[tokio::test]
async fn a_json_resume_is_imported_and_exported_as_it_came_in() {
    let app = spawn_app().await;
    let s = app.register("ada@example.org").await;
    let created = app
        .request(
            "POST",
            "/api/v1/resumes",
            Some(&s.access),
            Some(json_resume()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["format"], "json_resume");
    assert_eq!(created.body["title"], "Ada Lovelace (JSON Resume)");
    assert!(
        created.body["text"]
            .as_str()
            .is_some_and(|t| t.contains("Programmer — Analytical Engines Ltd")),
        "{}",
        created.body
    );
    let id = created.body["id"].as_i64().expect("id");

    let (status, kind, disposition, bytes) = download(
        &app,
        &s.access,
        &format!("/api/v1/resumes/{id}/document?format=json"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/json");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("Ada-Lovelace-JSON-Resume.json"),
        "{disposition}"
    );
    let mut exported: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(
        exported["meta"]["ids"]["work"][0]["highlights"],
        json!(["w1.1"])
    );
    exported.as_object_mut().expect("object").remove("meta");
    assert_eq!(exported, json_resume(), "fields we do not use are kept");

    // As a file too; and a file that breaks the schema keeps nothing.
    let bytes = serde_json::to_vec(&json_resume()).expect("json");
    let uploaded = app
        .upload_resume(&s.access, "ada.json", bytes, Some("From a file"))
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    assert_eq!(uploaded.body["title"], "From a file");
    let broken = json!({"basics": {"name": "Ada", "url": "not a url"}});
    let refused = app
        .request("POST", "/api/v1/resumes", Some(&s.access), Some(broken))
        .await;
    assert_eq!((refused.status, refused.error()), (422, "invalid_document"));
    assert_eq!(refused.body["problems"][0]["pointer"], "/basics/url");
    let list = app
        .request("GET", "/api/v1/resumes", Some(&s.access), None)
        .await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn every_format_and_template_downloads_with_its_type() {
    let app = spawn_app().await;
    let s = app.register("jonas@example.se").await;
    let id = paste(&app, &s.access).await;
    let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    for (query, kind, starts) in [
        ("format=docx", docx, &b"PK"[..]),
        ("format=docx&template=modern", docx, b"PK"),
        ("format=pdf", "application/pdf", b"%PDF"),
        ("format=pdf&template=modern", "application/pdf", b"%PDF"),
        ("format=svg", "image/svg+xml", b"<svg"),
        ("format=svg&template=modern", "image/svg+xml", b"<svg"),
        (
            "format=md",
            "text/markdown; charset=utf-8",
            b"# Jonas Lindqvist",
        ),
        (
            "format=txt",
            "text/plain; charset=utf-8",
            b"Jonas Lindqvist\n",
        ),
    ] {
        let (status, got, disposition, bytes) = download(
            &app,
            &s.access,
            &format!("/api/v1/resumes/{id}/document?{query}"),
        )
        .await;
        assert_eq!((status, got.as_str()), (200, kind), "{query}");
        assert!(bytes.starts_with(starts), "{query}");
        assert!(disposition.contains("Backend-2026."), "{disposition}");
    }
    for query in ["format=pdf2", "format=docx&template=fancy", "template="] {
        app.request(
            "GET",
            &format!("/api/v1/resumes/{id}/document?{query}"),
            Some(&s.access),
            None,
        )
        .await
        .assert_error(400, "invalid_request");
    }
}

#[tokio::test]
async fn another_users_resume_is_not_found_on_every_document_route() {
    let app = spawn_app().await;
    let owner = app.register("jonas@example.se").await;
    let id = paste(&app, &owner.access).await;
    let other = app.register("mallory@example.com").await;
    let path = format!("/api/v1/resumes/{id}/document");
    for (method, path, body) in [
        ("GET", path.clone(), None),
        ("GET", format!("{path}?format=docx"), None),
        ("GET", format!("{path}?format=json"), None),
        (
            "PUT",
            path.clone(),
            Some(json!({"basics": {"name": "Mallory"}})),
        ),
    ] {
        app.request(method, &path, Some(&other.access), body)
            .await
            .assert_error(404, "not_found");
    }
    let doc = app.request("GET", &path, Some(&owner.access), None).await;
    assert_eq!(doc.body["basics"]["name"], "Jonas Lindqvist", "untouched");
}

/// The ledger rows of resume parses: (model, charged, cost).
fn parse_ledger(app: &TestApp) -> Vec<(String, bool, i64)> {
    use diesel::prelude::*;
    use mentor::db::schema::usage_events::dsl as u;
    app.with_db(|conn| {
        u::usage_events
            .filter(u::via.eq("resume_parse"))
            .select((u::model, u::charged, u::cost_pico))
            .load(conn)
            .expect("ledger")
    })
}

#[tokio::test]
async fn a_model_that_invents_an_employer_title_date_and_skill_gets_none_of_them_in() {
    use mentor_stand_ins::{Scenario, Wire};
    let app = spawn_app().await;
    let s = app.register("jonas@example.se").await;
    let id = paste(&app, &s.access).await;
    let proposed = json!({
        "basics": {"name": "Jonas Lindqvist", "label": "Chief Technology Officer", "email": "jonas@example.se"},
        "work": [
            {"name": "Betalning AB", "position": "Senior Engineer", "startDate": "2021-01",
             "highlights": ["Moved 40 services to Kubernetes", "Grew revenue by 300%"]},
            {"name": "Globex Corporation", "position": "Principal Engineer", "startDate": "2015-06"}
        ],
        "skills": [{"name": "Languages", "keywords": ["Rust", "Go", "Haskell"]}]
    });
    // Fenced as models often write it.
    let answer = format!("```json\n{proposed}\n```");
    app.fake
        .queue(Wire::OpenAi, [Scenario::answer(&[&answer], 900, 300)]);

    let reply = app
        .request(
            "POST",
            &format!("/api/v1/resumes/{id}/document/parse"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["source"], "model");
    let doc = &reply.body["document"];
    assert_eq!(doc["basics"]["name"], "Jonas Lindqvist");
    assert!(doc["basics"].get("label").is_none());
    assert_eq!(doc["work"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        doc["work"][0]["highlights"],
        json!(["Moved 40 services to Kubernetes"])
    );
    assert_eq!(doc["skills"][0]["keywords"], json!(["Rust", "Go"]));
    let warnings = reply.body["warnings"].to_string();
    for invented in [
        "Chief Technology Officer",
        "Grew revenue by 300%",
        "Globex Corporation",
        "2015-06",
        "Haskell",
    ] {
        assert!(warnings.contains(invented), "{invented} in {warnings}");
    }
    // Stored, with the warnings on the resume.
    let resume = app
        .request(
            "GET",
            &format!("/api/v1/resumes/{id}"),
            Some(&s.access),
            None,
        )
        .await;
    assert!(
        resume.body["warnings"]
            .to_string()
            .contains("Globex Corporation")
    );
    let stored = app
        .request(
            "GET",
            &format!("/api/v1/resumes/{id}/document"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(stored.body, reply.body["document"]);
    // Platform tokens on the ledger, no question of the plan.
    let ledger = parse_ledger(&app);
    assert_eq!(ledger.len(), 1);
    assert_eq!((ledger[0].0.as_str(), ledger[0].1), ("gpt-4o-mini", false));
    assert!(ledger[0].2 > 0, "the tokens cost the platform");
    let usage = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    assert_eq!(usage.body["quota"]["used"], 0);
    let sent = app.fake.received();
    let prompt = sent.last().expect("a call").body.to_string();
    assert!(
        prompt.contains("Cut ledger latency"),
        "the resume's text is sent"
    );
}

#[tokio::test]
async fn without_a_model_or_when_the_plan_says_no_the_parser_builds_it_and_says_why() {
    use mentor_stand_ins::{Scenario, Wire};
    let app = spawn_app_with(|s| {
        s.ai.providers.clear();
        s.ai.demo = true;
    })
    .await;
    let s = app.register("jonas@example.se").await;
    let id = paste(&app, &s.access).await;
    let path = format!("/api/v1/resumes/{id}/document/parse");
    let reply = app.request("POST", &path, Some(&s.access), None).await;
    assert_eq!(
        (reply.status, &reply.body["source"]),
        (200, &json!("parser")),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["document"]["work"][0]["name"], "Betalning AB");
    assert!(
        reply.body["warnings"][0]
            .as_str()
            .unwrap_or_default()
            .contains("No AI model")
    );
    assert!(parse_ledger(&app).is_empty());

    let (app, _dir) = spawn_app_with_plans("[plans.free]\nresume_ai_parse = false\n").await;
    let s = app.register("jonas@example.se").await;
    let id = paste(&app, &s.access).await;
    let path = format!("/api/v1/resumes/{id}/document/parse");
    let reply = app.request("POST", &path, Some(&s.access), None).await;
    assert_eq!(reply.body["source"], "parser", "{}", reply.body);
    assert!(
        reply.body["warnings"][0]
            .as_str()
            .unwrap_or_default()
            .contains("Your plan")
    );
    assert!(app.fake.received().is_empty(), "no model was called");

    // A model whose answer is no structure: the parser's, and the call is
    // on the ledger all the same.
    let app = spawn_app().await;
    let s = app.register("jonas@example.se").await;
    let id = paste(&app, &s.access).await;
    app.fake.queue(
        Wire::OpenAi,
        [Scenario::answer(&["I cannot help with that."], 500, 6)],
    );
    let path = format!("/api/v1/resumes/{id}/document/parse");
    let reply = app.request("POST", &path, Some(&s.access), None).await;
    assert_eq!(reply.body["source"], "parser", "{}", reply.body);
    assert_eq!(parse_ledger(&app).len(), 1);

    // Two builds a minute; another user's resume is not found.
    app.request("POST", &path, Some(&s.access), None).await;
    app.request("POST", &path, Some(&s.access), None)
        .await
        .assert_error(429, "rate_limited");
    let other = app.register("mallory@example.com").await;
    app.request("POST", &path, Some(&other.access), None)
        .await
        .assert_error(404, "not_found");
}
