//! `/api/v1/jobs`, `/api/v1/skills/analysis` and the match routes: saving,
//! re-saving by URL, search, status, deletion, limits, isolation, the skills
//! picture and the match score.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const RUST_JOB: &str = "We build payment services.\nRequirements:\n- Rust and PostgreSQL\n- Docker and Kubernetes\n\
    Nice to have:\n- Apache Kafka\n- Terraform\n";
const DATA_JOB: &str = "Data platform team in Berlin.\nRequirements:\n- Python and SQL\n- Apache Airflow\n- PostgreSQL\n\
    Bonus:\n- Kubernetes\n";
const RESUME: &str = "Ada Lovelace\nBackend engineer.\n- Built payment services in Rust on PostgreSQL\n\
    - Deployed with Docker to Kubernetes clusters\n- Wrote Python tooling";

async fn save(app: &TestApp, token: &str, body: Value) -> crate::helpers::Reply {
    app.request("POST", "/api/v1/jobs", Some(token), Some(body))
        .await
}

fn job(title: &str, description: &str, url: Option<&str>) -> Value {
    json!({"title": title, "company": "Acme", "location": "Remote", "description": description, "url": url, "source": "greenhouse"})
}

#[tokio::test]
async fn a_saved_job_keeps_its_fields_and_skills_and_a_second_save_of_its_url_updates_it() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let first = save(
        &app,
        &s.access,
        job("Rust engineer", RUST_JOB, Some("https://jobs.example/1")),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["status"], "saved");
    assert_eq!(first.body["company"], "Acme");
    let skills = &first.body["skills"];
    let find = |name: &str| {
        skills
            .as_array()
            .expect("skills")
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
    };
    assert_eq!(find("Rust").expect("Rust")["required"], true);
    assert_eq!(find("Apache Kafka").expect("Kafka")["required"], false);
    assert_eq!(find("Rust").expect("Rust")["category"], "technical");

    let again = save(
        &app,
        &s.access,
        job(
            "Senior Rust engineer",
            RUST_JOB,
            Some("https://jobs.example/1"),
        ),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.body["title"], "Senior Rust engineer");
    let list = app
        .request("GET", "/api/v1/jobs", Some(&s.access), None)
        .await;
    assert_eq!(list.body["jobs"].as_array().expect("jobs").len(), 1);
}

#[tokio::test]
async fn jobs_are_searched_filtered_by_status_and_paged_newest_first() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let mut ids = Vec::new();
    for (title, description, company) in [
        ("Rust engineer", RUST_JOB, "Northwind"),
        ("Data engineer", DATA_JOB, "Kestrel Analytics"),
        (
            "Staff platform engineer",
            "Kubernetes operators in Go.",
            "Ridgeway",
        ),
    ] {
        let reply = save(
            &app,
            &s.access,
            json!({"title": title, "company": company, "description": description}),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        ids.push(reply.body["id"].as_i64().expect("id"));
    }
    let titles = |reply: &crate::helpers::Reply| -> Vec<String> {
        reply.body["jobs"]
            .as_array()
            .expect("jobs")
            .iter()
            .map(|j| j["title"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let token = s.access.clone();
    let get = |path: String| {
        let (app, token) = (&app, token.clone());
        async move { app.request("GET", &path, Some(&token), None).await }
    };
    assert_eq!(
        titles(&get("/api/v1/jobs?q=airflow".into()).await),
        ["Data engineer"]
    );
    assert_eq!(
        titles(&get("/api/v1/jobs?q=kestrel".into()).await),
        ["Data engineer"]
    );
    assert_eq!(
        titles(&get("/api/v1/jobs?q=engineer%20kubernetes".into()).await),
        ["Staff platform engineer", "Data engineer", "Rust engineer"]
    );
    assert_eq!(
        titles(&get("/api/v1/jobs?q=%22%3B%20DROP%20TABLE%20jobs".into()).await),
        Vec::<String>::new()
    );
    assert_eq!(
        titles(&get("/api/v1/jobs?q=nothing-like-this".into()).await),
        Vec::<String>::new()
    );

    let patched = app
        .request(
            "PATCH",
            &format!("/api/v1/jobs/{}", ids[0]),
            Some(&s.access),
            Some(json!({"status": "applied", "notes": "Sent on Monday"})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["status"], "applied");
    assert_eq!(patched.body["notes"], "Sent on Monday");
    assert_eq!(
        titles(&get("/api/v1/jobs?status=applied".into()).await),
        ["Rust engineer"]
    );

    let page = get("/api/v1/jobs?limit=2".into()).await;
    assert_eq!(titles(&page), ["Staff platform engineer", "Data engineer"]);
    let before = page.body["next_before"].as_i64().expect("more");
    let rest = get(format!("/api/v1/jobs?limit=2&before={before}")).await;
    assert_eq!(titles(&rest), ["Rust engineer"]);
    assert!(rest.body["next_before"].is_null());

    get("/api/v1/jobs?status=lost".into())
        .await
        .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn jobs_are_deleted_one_by_one_or_several_at_once() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let eve = app.register("eve@example.com").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let reply = save(&app, &s.access, job(&format!("Job {i}"), RUST_JOB, None)).await;
        ids.push(reply.body["id"].as_i64().expect("id"));
    }
    let theirs = save(&app, &eve.access, job("Eve's", RUST_JOB, None))
        .await
        .body["id"]
        .as_i64()
        .expect("id");
    let one = app
        .request(
            "DELETE",
            &format!("/api/v1/jobs/{}", ids[0]),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(one.status, 204);
    app.request(
        "DELETE",
        &format!("/api/v1/jobs/{}", ids[0]),
        Some(&s.access),
        None,
    )
    .await
    .assert_error(404, "not_found");
    let many = app
        .request(
            "POST",
            "/api/v1/jobs/delete",
            Some(&s.access),
            Some(json!({"ids": [ids[1], ids[2], theirs, 999999]})),
        )
        .await;
    assert_eq!(many.status, 200, "{}", many.body);
    assert_eq!(many.body, json!({"deleted": 2}));
    app.request(
        "POST",
        "/api/v1/jobs/delete",
        Some(&s.access),
        Some(json!({"ids": []})),
    )
    .await
    .assert_error(400, "invalid_request");
    let still = app
        .request(
            "GET",
            &format!("/api/v1/jobs/{theirs}"),
            Some(&eve.access),
            None,
        )
        .await;
    assert_eq!(still.status, 200, "another user's job survives");
    let left = app
        .request("GET", "/api/v1/jobs", Some(&s.access), None)
        .await;
    assert_eq!(left.body["jobs"].as_array().expect("jobs").len(), 1);
}

#[tokio::test]
async fn bad_postings_get_clear_400s() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    for (body, says) in [
        (json!({"title": " ", "description": "x"}), "title is empty"),
        (
            json!({"title": "T", "description": ""}),
            "description is empty",
        ),
        (
            json!({"title": "T", "description": "x".repeat(100_001)}),
            "longer than 100000",
        ),
        (
            json!({"title": "T", "description": "x", "url": "javascript:alert(1)"}),
            "http",
        ),
        (json!({"title": "T"}), "description"),
    ] {
        let reply = save(&app, &s.access, body).await;
        reply.assert_error(400, "invalid_request");
        assert!(
            reply.body["message"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{}",
            reply.body
        );
    }
    let id = save(&app, &s.access, job("T", "x", None)).await.body["id"]
        .as_i64()
        .expect("id");
    app.request(
        "PATCH",
        &format!("/api/v1/jobs/{id}"),
        Some(&s.access),
        Some(json!({"status": "hired"})),
    )
    .await
    .assert_error(400, "invalid_request");
    app.request(
        "PATCH",
        &format!("/api/v1/jobs/{id}"),
        Some(&s.access),
        Some(json!({"notes": "n".repeat(10_001)})),
    )
    .await
    .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn the_plans_daily_saves_are_a_limit_but_resaving_a_url_is_not_a_new_save() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("mentor.toml");
    std::fs::write(&path, "[plans.free]\njob_saves_per_day = 2\n").expect("config");
    let app = spawn_app_with(|s| s.ai.config_file = Some(path)).await;
    let s = app.register("ada@example.com").await;
    save(
        &app,
        &s.access,
        job("A", "x", Some("https://jobs.example/a")),
    )
    .await;
    save(&app, &s.access, job("B", "x", None)).await;
    let third = save(&app, &s.access, job("C", "x", None)).await;
    third.assert_error(429, "job_limit_reached");
    assert!(
        third.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("tomorrow")
    );
    let resave = save(
        &app,
        &s.access,
        job("A again", "x", Some("https://jobs.example/a")),
    )
    .await;
    assert_eq!(resave.status, 200, "{}", resave.body);
}

#[tokio::test]
async fn another_users_jobs_are_invisible_and_untouchable() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let eve = app.register("eve@example.com").await;
    let id = save(
        &app,
        &ada.access,
        job("Mine", RUST_JOB, Some("https://jobs.example/x")),
    )
    .await
    .body["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/jobs/{id}");
    app.request("GET", &path, Some(&eve.access), None)
        .await
        .assert_error(404, "not_found");
    app.request(
        "PATCH",
        &path,
        Some(&eve.access),
        Some(json!({"status": "offer"})),
    )
    .await
    .assert_error(404, "not_found");
    app.request("DELETE", &path, Some(&eve.access), None)
        .await
        .assert_error(404, "not_found");
    app.request("GET", &format!("{path}/match"), Some(&eve.access), None)
        .await
        .assert_error(404, "not_found");
    // The same URL saved by another user is their own job.
    let own = save(
        &app,
        &eve.access,
        job("Also mine", RUST_JOB, Some("https://jobs.example/x")),
    )
    .await;
    assert_eq!(own.status, 201);
    assert_ne!(own.body["id"], json!(id));
    let search = app
        .request("GET", "/api/v1/jobs?q=mine", Some(&eve.access), None)
        .await;
    assert_eq!(search.body["jobs"].as_array().expect("jobs").len(), 1);
    let analysis = app
        .request("GET", "/api/v1/skills/analysis", Some(&eve.access), None)
        .await;
    assert_eq!(analysis.body["jobs_considered"], 1);
    let mine = app.request("GET", &path, Some(&ada.access), None).await;
    assert_eq!(mine.body["title"], "Mine");
}

#[tokio::test]
async fn the_skills_picture_counts_jobs_and_marks_what_the_resume_shows() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let rust = save(&app, &s.access, job("Rust engineer", RUST_JOB, None))
        .await
        .body["id"]
        .as_i64()
        .expect("id");
    let data = save(&app, &s.access, job("Data engineer", DATA_JOB, None))
        .await
        .body["id"]
        .as_i64()
        .expect("id");
    let before = app
        .request("GET", "/api/v1/skills/analysis", Some(&s.access), None)
        .await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(before.body["resume_id"].is_null());

    let resume = app
        .request(
            "POST",
            "/api/v1/resumes",
            Some(&s.access),
            Some(json!({"text": RESUME})),
        )
        .await;
    let resume_id = resume.body["id"].as_i64().expect("id");
    let analysis = app
        .request("GET", "/api/v1/skills/analysis", Some(&s.access), None)
        .await;
    assert_eq!(analysis.body["jobs_considered"], 2);
    assert_eq!(analysis.body["resume_id"], resume_id);
    let skills = analysis.body["skills"].as_array().expect("skills");
    let entry = |name: &str| {
        skills
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .expect(name)
    };
    assert_eq!(entry("PostgreSQL")["jobs"], 2);
    assert_eq!(entry("PostgreSQL")["required_in"], 2);
    assert_eq!(entry("PostgreSQL")["share"], 1.0);
    assert_eq!(entry("PostgreSQL")["in_resume"], true);
    assert_eq!(entry("Kubernetes")["jobs"], 2);
    assert_eq!(entry("Kubernetes")["required_in"], 1);
    assert_eq!(entry("Apache Airflow")["in_resume"], false);
    assert_eq!(skills[0]["name"], "PostgreSQL", "most wanted first");
    let missing: Vec<&str> = analysis.body["top_missing"]
        .as_array()
        .expect("missing")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        missing.contains(&"Apache Airflow") && !missing.contains(&"Rust"),
        "{missing:?}"
    );
    // Deterministic: the same answer twice.
    let again = app
        .request("GET", "/api/v1/skills/analysis", Some(&s.access), None)
        .await;
    assert_eq!(again.body, analysis.body);

    let only_rust = app
        .request(
            "GET",
            &format!("/api/v1/skills/analysis?ids={rust}"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(only_rust.body["jobs_considered"], 1);
    app.request(
        "PATCH",
        &format!("/api/v1/jobs/{data}"),
        Some(&s.access),
        Some(json!({"status": "applied"})),
    )
    .await;
    let applied = app
        .request(
            "GET",
            "/api/v1/skills/analysis?status=applied",
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(applied.body["jobs_considered"], 1);
    assert!(
        applied.body["skills"]
            .to_string()
            .contains("Apache Airflow")
    );
    app.request(
        "GET",
        "/api/v1/skills/analysis?ids=1,x",
        Some(&s.access),
        None,
    )
    .await
    .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn a_match_scores_required_skills_twice_and_shows_the_resume_lines() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let id = save(&app, &s.access, job("Rust engineer", RUST_JOB, None))
        .await
        .body["id"]
        .as_i64()
        .expect("id");
    app.request(
        "GET",
        &format!("/api/v1/jobs/{id}/match"),
        Some(&s.access),
        None,
    )
    .await
    .assert_error(409, "no_active_resume");
    app.request(
        "POST",
        "/api/v1/resumes",
        Some(&s.access),
        Some(json!({"text": RESUME})),
    )
    .await;

    let result = app
        .request(
            "GET",
            &format!("/api/v1/jobs/{id}/match"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(result.status, 200, "{}", result.body);
    // Required: Rust, PostgreSQL, Docker, Kubernetes (all shown); preferred:
    // Apache Kafka, Terraform (neither). 100 × (2×4 + 0) / (2×4 + 2) = 80.
    assert_eq!(result.body["required"], json!({"matched": 4, "total": 4}));
    assert_eq!(result.body["preferred"], json!({"matched": 0, "total": 2}));
    assert_eq!(result.body["score"], 80);
    assert!(
        result.body["formula"]
            .as_str()
            .unwrap_or_default()
            .contains("= 80")
    );
    let rust = result.body["matched"]
        .as_array()
        .expect("matched")
        .iter()
        .find(|m| m["name"] == "Rust")
        .cloned()
        .expect("Rust");
    assert_eq!(
        rust["snippet"],
        "Built payment services in Rust on PostgreSQL"
    );
    let missing: Vec<&str> = result.body["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(missing, ["Apache Kafka", "Terraform"]);

    let unsaved = app
        .request(
            "POST",
            "/api/v1/match",
            Some(&s.access),
            Some(json!({"job_posting": {"title": "Data engineer", "description": DATA_JOB}})),
        )
        .await;
    assert_eq!(unsaved.status, 200, "{}", unsaved.body);
    assert!(
        unsaved.body["missing"]
            .to_string()
            .contains("Apache Airflow")
    );
    app.request(
        "POST",
        "/api/v1/match",
        Some(&s.access),
        Some(json!({"job_posting": {}})),
    )
    .await
    .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn skills_stored_by_an_older_extractor_are_extracted_again() {
    use diesel::prelude::*;
    use mentor::db::schema::{jobs, resumes};

    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let job_id = save(&app, &s.access, job("Rust engineer", RUST_JOB, None))
        .await
        .body["id"]
        .as_i64()
        .expect("id");
    app.request(
        "POST",
        "/api/v1/resumes",
        Some(&s.access),
        Some(json!({"text": RESUME})),
    )
    .await;
    // As a row stored before versions were kept: version 0, skills an older
    // extractor found.
    app.with_db(|conn| {
        diesel::update(jobs::table)
            .set((jobs::skills.eq("[]"), jobs::skills_version.eq(0)))
            .execute(conn)
            .expect("job");
        diesel::update(resumes::table)
            .set((resumes::skills.eq("[]"), resumes::skills_version.eq(0)))
            .execute(conn)
            .expect("resume");
    });

    let done = mentor::skills_upgrade::run(&app.pool).await.expect("pass");
    assert_eq!((done.resumes, done.jobs), (1, 1));
    let again = mentor::skills_upgrade::run(&app.pool).await.expect("pass");
    assert_eq!(
        (again.resumes, again.jobs),
        (0, 0),
        "a second pass finds nothing stale"
    );

    let (skills, version): (String, i32) = app.with_db(|conn| {
        jobs::table
            .filter(jobs::id.eq(job_id))
            .select((jobs::skills, jobs::skills_version))
            .first(conn)
            .expect("row")
    });
    assert_eq!(version, mentor::skills::EXTRACTOR_VERSION);
    assert!(skills.contains("\"Rust\""), "{skills}");
    let (skills, version): (String, i32) = app.with_db(|conn| {
        resumes::table
            .select((resumes::skills, resumes::skills_version))
            .first(conn)
            .expect("row")
    });
    assert_eq!(version, mentor::skills::EXTRACTOR_VERSION);
    assert!(skills.contains("\"PostgreSQL\""), "{skills}");
    let matched = app
        .request(
            "GET",
            &format!("/api/v1/jobs/{job_id}/match"),
            Some(&s.access),
            None,
        )
        .await;
    assert_eq!(matched.body["required"], json!({"matched": 4, "total": 4}));
}
