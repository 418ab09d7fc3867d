//! `/api/v1/resumes`: uploads of real documents and hostile files, pasted
//! text, editing, the one active resume, limits, isolation, and the resume
//! in an ask's context.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/resumes")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn resume_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use mentor::db::schema::resumes::dsl as r;
    app.with_db(|conn| r::resumes.count().get_result(conn).expect("count"))
}

const PASTED: &str = "Ada Lovelace\nSenior backend engineer with eight years of Rust, PostgreSQL and Kubernetes.\n\
    Built payment services; mentored four engineers; led the move to AWS with Terraform.";

#[tokio::test]
async fn a_two_column_pdf_made_in_libreoffice_reads_in_order_with_ligatures_and_accents() {
    let app = spawn_app().await;
    let s = app.register("zoe@example.com").await;
    let reply = app
        .upload_resume(&s.access, "cv.pdf", fixture("two-column.pdf"), None)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let text = reply.body["text"].as_str().expect("text");
    for expected in [
        "Zoë Ferrández-Müller",
        // A line the PDF wrapped before a capital stays wrapped.
        "Wrote efficient Spark jobs in Python and\nScala",
        "Cut warehouse costs with a workflow of dbt models",
        "offered weekly SQL clinics",
        "Senior Data Engineer Madrid, Spain",
        "Universidad Politécnica de Madrid",
        "Highlight: cut the nightly batch",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The left column comes before the right one.
    assert!(text.find("Experience") < text.find("Education"), "{text}");
    assert_eq!(reply.body["format"], "pdf");
    assert_eq!(reply.body["title"], "cv");
    assert_eq!(reply.body["is_active"], true);
    assert!(reply.body["word_count"].as_u64().expect("count") > 60);
    let skills: Vec<&str> = reply.body["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    for skill in [
        "Apache Airflow",
        "Snowflake",
        "Apache Spark",
        "dbt",
        "Scala",
        "Kubernetes",
    ] {
        assert!(skills.contains(&skill), "{skill} not in {skills:?}");
    }
}

#[tokio::test]
async fn a_docx_keeps_its_header_table_list_text_box_and_tab_separated_words() {
    let app = spawn_app().await;
    let s = app.register("zoe@example.com").await;
    let reply = app
        .upload_resume(
            &s.access,
            "Zoë CV.docx",
            fixture("two-column.docx"),
            Some("Data roles"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let text = reply.body["text"].as_str().expect("text");
    for expected in [
        "Zoë Ferrández-Müller · Curriculum Vitae",
        "Senior Data Engineer Madrid, Spain\nOpen to remote work",
        "• Built Airflow pipelines moving 2 TB a day into Snowflake",
        "Languages | Python, Scala, SQL",
        "Platforms | Kubernetes, Docker, AWS",
        "zoe.ferrandez@example.com",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(
        text.matches("Highlight: cut the nightly batch").count(),
        1,
        "{text}"
    );
    assert_eq!(reply.body["format"], "docx");
    assert_eq!(reply.body["title"], "Data roles");
}

#[tokio::test]
async fn a_two_page_pdf_keeps_its_running_footer_once_and_says_so() {
    let app = spawn_app().await;
    let s = app.register("jonas@example.com").await;
    let reply = app
        .upload_resume(&s.access, "jonas.pdf", fixture("one-column.pdf"), None)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let text = reply.body["text"].as_str().expect("text");
    assert_eq!(text.matches("Jonas Lindqvist — page").count(), 1, "{text}");
    assert!(text.contains("Go microservices over Kafka"), "{text}");
    assert!(
        text.contains("• Designed the settlement ledger in Rust"),
        "{text}"
    );
    let warnings = reply.body["warnings"].to_string();
    assert!(warnings.contains("header or footer"), "{warnings}");
}

async fn assert_unreadable(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>, says: &str) {
    let reply = app.upload_resume(token, name, bytes, None).await;
    reply.assert_error(422, "unreadable_document");
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{name}: {message}");
    assert!(message.contains("paste the text"), "{name}: {message}");
}

#[tokio::test]
async fn hostile_and_broken_files_get_422_and_nothing_is_kept() {
    // Made before the first request: compressing the bomb takes seconds on
    // a busy machine, past the server's keep-alive, and the client would
    // then send on a connection the server is closing.
    let (bomb, long) = (zip_bomb(), many_pages(10_000));
    let app = spawn_app().await;
    let s = app.register("eve@example.com").await;
    let random: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_unreadable(
        &app,
        &s.access,
        "random.pdf",
        random.clone(),
        "not a readable PDF",
    )
    .await;
    let mut fake_pdf = b"%PDF-1.7\n".to_vec();
    fake_pdf.extend(&random);
    assert_unreadable(&app, &s.access, "broken.pdf", fake_pdf, "").await;
    assert_unreadable(
        &app,
        &s.access,
        "locked.pdf",
        fixture("encrypted.pdf"),
        "password-protected",
    )
    .await;
    assert_unreadable(
        &app,
        &s.access,
        "scan.pdf",
        fixture("image-only.pdf"),
        "scanned",
    )
    .await;
    assert_unreadable(&app, &s.access, "bomb.docx", bomb, "expands").await;
    assert_unreadable(&app, &s.access, "long.pdf", long, "10000 pages").await;
    assert_unreadable(&app, &s.access, "empty.txt", b"   \n\t".to_vec(), "empty").await;
    assert_unreadable(
        &app,
        &s.access,
        "garbage.txt",
        vec![0xC3, 0x28, 0xA0, 0xA1],
        "UTF-8",
    )
    .await;
    let reply = app
        .upload_resume(&s.access, "nothing.pdf", Vec::new(), None)
        .await;
    reply.assert_error(422, "unreadable_document");
    assert_eq!(resume_count(&app), 0);
    // The server is still fine.
    let ok = app
        .upload_resume(&s.access, "cv.txt", PASTED.as_bytes().to_vec(), None)
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}

#[tokio::test]
async fn a_document_that_takes_too_long_is_stopped_at_the_time_limit() {
    // With a one-millisecond budget no document can be read in time: the
    // child is killed and the upload refused, whatever the file.
    let app = spawn_app_with(|s| {
        s.extractor.timeout = std::time::Duration::from_millis(1);
    })
    .await;
    let s = app.register("slow@example.com").await;
    let reply = app
        .upload_resume(&s.access, "cv.pdf", fixture("two-column.pdf"), None)
        .await;
    reply.assert_error(422, "unreadable_document");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("took too long")
    );
    assert_eq!(resume_count(&app), 0);
}

#[tokio::test]
async fn an_extractor_that_crashes_or_runs_out_of_memory_gives_422_and_the_server_goes_on() {
    // A reader that dies at once, as a panic or an abort would.
    let app = spawn_app_with(|s| s.extractor.program = "/bin/false".into()).await;
    let s = app.register("crash@example.com").await;
    let reply = app
        .upload_resume(&s.access, "cv.pdf", fixture("one-column.pdf"), None)
        .await;
    reply.assert_error(422, "unreadable_document");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("could not be read safely")
    );

    // The real reader with 32 MB of address space: the limit holds and the
    // child fails, not the server.
    let app = spawn_app_with(|s| s.extractor.memory_bytes = 32 * 1024 * 1024).await;
    let s = app.register("small@example.com").await;
    let reply = app
        .upload_resume(&s.access, "cv.pdf", fixture("two-column.pdf"), None)
        .await;
    reply.assert_error(422, "unreadable_document");
    assert_eq!(resume_count(&app), 0);
    let ok = app
        .upload_resume(&s.access, "cv.txt", PASTED.as_bytes().to_vec(), None)
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}

#[tokio::test]
async fn wrong_types_get_415_and_big_files_413() {
    let app = spawn_app().await;
    let s = app.register("eve@example.com").await;
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    app.upload_resume(&s.access, "photo.png", png, None)
        .await
        .assert_error(415, "unsupported_media_type");
    app.upload_resume(&s.access, "old.doc", b"whatever".to_vec(), None)
        .await
        .assert_error(415, "unsupported_media_type");
    app.upload_resume(&s.access, "cv.zip", b"PK\x03\x04zzzz".to_vec(), None)
        .await
        .assert_error(415, "unsupported_media_type");
    // Padding in another field counts too.
    let padding = reqwest::multipart::Part::bytes(vec![b'x'; 5 * 1024 * 1024 + 100_000]);
    let form = reqwest::multipart::Form::new().part("junk", padding).part(
        "file",
        reqwest::multipart::Part::bytes(PASTED.as_bytes().to_vec()).file_name("cv.txt"),
    );
    let padded = app
        .client
        .post(format!("{}/api/v1/resumes", app.address))
        .bearer_auth(&s.access)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    assert_eq!(padded.status(), 413);
    app.upload_resume(&s.access, "cv.txt", Vec::new(), None)
        .await
        .assert_error(422, "unreadable_document");
    let big = vec![b'a'; 5 * 1024 * 1024 + 1];
    app.upload_resume(&s.access, "big.txt", big, None)
        .await
        .assert_error(413, "payload_too_large");
    let form = app
        .client
        .post(format!("{}/api/v1/resumes", app.address))
        .bearer_auth(&s.access)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), 415);
    assert_eq!(resume_count(&app), 0);
}

async fn paste(app: &TestApp, token: &str, title: &str, text: &str) -> Value {
    let reply = app
        .request(
            "POST",
            "/api/v1/resumes",
            Some(token),
            Some(json!({"title": title, "text": text})),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn pasted_resumes_are_listed_edited_activated_and_deleted() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let first = paste(&app, &s.access, "Backend", PASTED).await;
    assert_eq!(first["format"], "pasted");
    assert_eq!(first["is_active"], true);
    let second = paste(
        &app,
        &s.access,
        "Data",
        &format!("{PASTED}\nAlso Python and Airflow."),
    )
    .await;
    assert_eq!(second["is_active"], false, "only the first starts active");
    let (a, b) = (
        first["id"].as_i64().expect("id"),
        second["id"].as_i64().expect("id"),
    );

    let list = app
        .request("GET", "/api/v1/resumes", Some(&s.access), None)
        .await;
    assert_eq!(list.status, 200);
    let ids: Vec<i64> = list
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![b, a]);
    assert!(
        list.body[0].get("text").is_none(),
        "lists leave the text out"
    );

    let edited = app
        .request(
            "PATCH",
            &format!("/api/v1/resumes/{b}"),
            Some(&s.access),
            Some(json!({"title": "Data, 2026", "text": "Fixed text: Python, Airflow and dbt for ten years of pipelines."})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["title"], "Data, 2026");
    assert_eq!(edited.body["word_count"], 11);
    let skills = edited.body["skills"].to_string();
    assert!(
        skills.contains("dbt") && !skills.contains("Rust"),
        "{skills}"
    );

    let activated = app
        .request(
            "POST",
            &format!("/api/v1/resumes/{b}/activate"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(activated.body["is_active"], true);
    let first_now = app
        .request(
            "GET",
            &format!("/api/v1/resumes/{a}"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(first_now.body["is_active"], false, "exactly one is active");

    let deleted = app
        .request(
            "DELETE",
            &format!("/api/v1/resumes/{b}"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let left = app
        .request(
            "GET",
            &format!("/api/v1/resumes/{a}"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(left.body["is_active"], true, "the newest left takes over");
    app.request(
        "GET",
        &format!("/api/v1/resumes/{b}"),
        Some(&s.access),
        None,
    )
    .await
    .assert_error(404, "not_found");
}

#[tokio::test]
async fn bad_pastes_and_edits_are_refused() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let post = |body: Value| app.request("POST", "/api/v1/resumes", Some(&s.access), Some(body));
    post(json!({"text": "  "}))
        .await
        .assert_error(400, "invalid_request");
    post(json!({"title": "x".repeat(201), "text": PASTED}))
        .await
        .assert_error(400, "invalid_request");
    post(json!({"text": "a".repeat(100_001)}))
        .await
        .assert_error(400, "invalid_request");
    post(json!({"title": 3}))
        .await
        .assert_error(400, "invalid_request");
    let id = paste(&app, &s.access, "CV", PASTED).await["id"]
        .as_i64()
        .expect("id");
    app.request(
        "PATCH",
        &format!("/api/v1/resumes/{id}"),
        Some(&s.access),
        Some(json!({"text": ""})),
    )
    .await
    .assert_error(400, "invalid_request");
    app.request(
        "PATCH",
        &format!("/api/v1/resumes/{id}"),
        Some(&s.access),
        Some(json!({"title": " "})),
    )
    .await
    .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn the_eleventh_resume_gets_409() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    for i in 0..10 {
        paste(&app, &s.access, &format!("CV {i}"), PASTED).await;
    }
    let reply = app
        .request(
            "POST",
            "/api/v1/resumes",
            Some(&s.access),
            Some(json!({"text": PASTED})),
        )
        .await;
    reply.assert_error(409, "resume_limit_reached");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Delete one")
    );
    app.upload_resume(&s.access, "cv.pdf", fixture("one-column.pdf"), None)
        .await
        .assert_error(409, "resume_limit_reached");
    assert_eq!(resume_count(&app), 10);
}

#[tokio::test]
async fn another_users_resumes_are_invisible_and_untouchable() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let eve = app.register("eve@example.com").await;
    let id = paste(&app, &ada.access, "Mine", PASTED).await["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/resumes/{id}");
    app.request("GET", &path, Some(&eve.access), None)
        .await
        .assert_error(404, "not_found");
    app.request(
        "PATCH",
        &path,
        Some(&eve.access),
        Some(json!({"title": "x"})),
    )
    .await
    .assert_error(404, "not_found");
    app.request("POST", &format!("{path}/activate"), Some(&eve.access), None)
        .await
        .assert_error(404, "not_found");
    app.request("DELETE", &path, Some(&eve.access), None)
        .await
        .assert_error(404, "not_found");
    let list = app
        .request("GET", "/api/v1/resumes", Some(&eve.access), None)
        .await;
    assert_eq!(list.body, json!([]));
    app.request("GET", "/api/v1/resumes", None, None)
        .await
        .assert_error(401, "missing_token");
    let mine = app.request("GET", &path, Some(&ada.access), None).await;
    assert_eq!(mine.body["title"], "Mine");
}

#[tokio::test]
async fn the_active_resume_goes_to_the_model_unless_the_ask_says_not_to() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    paste(&app, &s.access, "CV", PASTED).await;
    let with = app.ask(&s.access, json!({"question": "Am I a fit?"})).await;
    assert_eq!(with.status, 200, "{}", with.body);
    assert_eq!(with.body["resume_used"], true);
    let without = app
        .ask(
            &s.access,
            json!({"question": "Am I a fit?", "use_resume": false}),
        )
        .await;
    assert_eq!(without.body["resume_used"], false);
    let received = app.fake.received();
    let sent = |i: usize| received[i].body.to_string();
    assert!(
        sent(0).contains("mentored four engineers; led the move to AWS"),
        "{}",
        sent(0)
    );
    assert!(sent(0).contains("The user's resume"));
    assert!(!sent(1).contains("mentored four engineers"), "{}", sent(1));

    let (_, events) = app
        .ask_stream(&s.access, json!({"question": "And now?"}))
        .await;
    let meta = events
        .iter()
        .find(|(name, _)| name == "meta")
        .expect("meta");
    assert_eq!(meta.1["resume_used"], true);
}

fn zip_bomb() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("word/document.xml", options).expect("entry");
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..64 {
            zip.write_all(&chunk).expect("write");
        }
        zip.finish().expect("finish");
    }
    let bytes = out.into_inner();
    assert!(
        bytes.len() < 1024 * 1024,
        "the bomb is small: {}",
        bytes.len()
    );
    bytes
}

/// A valid PDF of `pages` empty pages, written by hand.
fn many_pages(pages: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |pdf: &mut Vec<u8>, body: String| {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{body}\nendobj\n", offsets.len()).as_bytes());
    };
    object(&mut pdf, "<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", i + 3)).collect();
    object(
        &mut pdf,
        format!(
            "<< /Type /Pages /Count {pages} /Kids [{}] >>",
            kids.join(" ")
        ),
    );
    for _ in 0..pages {
        object(
            &mut pdf,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".into(),
        );
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for offset in &offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

#[tokio::test]
async fn extractions_at_once_are_capped_per_user_and_per_machine() {
    // A reader that takes a second, then fails (as a slow, hostile file would).
    let dir = tempfile::tempdir().expect("dir");
    let slow = dir.path().join("slow-reader");
    std::fs::write(&slow, "#!/bin/sh\ncat >/dev/null\nsleep 1\nexit 1\n").expect("script");
    std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let app = spawn_app_with(|s| {
        s.extractor.program = slow.clone();
        s.extractor.concurrent = 2;
        s.extractor.per_user = 1;
    })
    .await;
    let (ada, bob, cy) = (
        app.register("ada@example.com").await,
        app.register("bob@example.com").await,
        app.register("cy@example.com").await,
    );
    let upload = |token: String| {
        let app = &app;
        async move {
            app.upload_resume(&token, "cv.pdf", fixture("one-column.pdf"), None)
                .await
        }
    };
    // Ada sends two at once: one is read, the other refused at once.
    let (first, second) = tokio::join!(upload(ada.access.clone()), upload(ada.access.clone()));
    let mut codes = [first.error().to_string(), second.error().to_string()];
    codes.sort();
    assert_eq!(codes, ["rate_limited", "unreadable_document"]);
    let refused = if first.status == 429 { &first } else { &second };
    assert_eq!(refused.header("retry-after"), Some("5"));

    // Three users at once on two slots: the third waits for a slot (the
    // wait is 5 s, a read 1 s) and is read too.
    let started = std::time::Instant::now();
    let (a, b, c) = tokio::join!(
        upload(ada.access.clone()),
        upload(bob.access.clone()),
        upload(cy.access.clone())
    );
    for reply in [&a, &b, &c] {
        reply.assert_error(422, "unreadable_document");
    }
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
}
