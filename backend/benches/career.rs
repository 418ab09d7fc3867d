//! Benchmark of the career features. Prints numbers; asserts nothing.
//!
//! 1. Skills extraction of a 10,000-character posting (built from the
//!    labelled postings in `tests/fixtures/skills/jobs`), timed one call at a
//!    time in-process.
//! 2. `GET /api/v1/skills/analysis` over 1,000 saved jobs with an active
//!    resume, through the real app (release build) over HTTP, one request at
//!    a time.
//!
//! `cargo bench -p mentor-backend --bench career` (SQLite), or with
//! `MENTOR_BENCH_POSTGRES_URL=postgres://...` for PostgreSQL.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use diesel::Connection;
use mentor::config::Settings;
use mentor::db::models::JobPostingFields;
use mentor::db::{Pool, jobs};
use mentor::skills;
use mentor::startup::Application;
use secrecy::SecretString;
use serde_json::{Value, json};
use shared_types::PostingSkill;

const JOBS: usize = 1_000;
const POSTING_CHARS: usize = 10_000;

fn postings() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/skills/jobs");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let raw = std::fs::read_to_string(p).expect("fixture");
            raw.split_once("\n---\n")
                .map(|(_, t)| t.to_string())
                .unwrap_or(raw)
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut times: Vec<Duration>, unit: &str) -> String {
    times.sort();
    let scale = if unit == "µs" { 1e6 } else { 1e3 };
    let f = |d: Duration| d.as_secs_f64() * scale;
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    format!(
        "p50 {:.2} {unit}, p99 {:.2} {unit}, mean {:.2} {unit}, max {:.2} {unit} ({} runs)",
        f(percentile(&times, 0.5)),
        f(percentile(&times, 0.99)),
        f(mean),
        f(*times.last().expect("runs")),
        times.len()
    )
}

fn bench_extraction(postings: &[String]) {
    let mut posting = String::new();
    for p in postings.iter().cycle() {
        if posting.chars().count() >= POSTING_CHARS {
            break;
        }
        posting.push_str(p);
        posting.push('\n');
    }
    let posting: String = posting.chars().take(POSTING_CHARS).collect();
    let found = skills::extract(&posting).len();
    for _ in 0..100 {
        std::hint::black_box(skills::extract(&posting));
    }
    let times: Vec<Duration> = (0..2_000)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(skills::extract(std::hint::black_box(&posting)));
            start.elapsed()
        })
        .collect();
    println!(
        "skills of a {POSTING_CHARS}-character posting ({found} skills): {}",
        summary(times, "µs")
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let postings = postings();
    let dir = tempfile::tempdir().expect("dir");
    let (database_url, db_name) = match std::env::var("MENTOR_BENCH_POSTGRES_URL") {
        Ok(admin) => (common::fresh_postgres(&admin), "postgres"),
        Err(_) => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "sqlite",
        ),
    };
    if db_name == "sqlite" {
        bench_extraction(&postings);
    }

    let mut settings = Settings::new(
        database_url.clone(),
        SecretString::from("bench-secret-0123456789abcdef-0123456789"),
    );
    settings.bind = "127.0.0.1:0".into();
    // Sign-up mail (the verification links) stays out of the source tree.
    settings.mail.outbox = dir.path().join("outbox");
    let app = Application::build(settings).await.expect("app starts");
    let base = format!("http://{}", app.address());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let registered: Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": "bench@example.com", "password": "correct horse battery staple"}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let token = registered["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let user_id = registered["user"]["id"].as_i64().expect("user id");
    let resume = "Backend engineer: Rust, Go, Python, PostgreSQL, Redis, Kafka, Docker, Kubernetes, AWS, \
        Terraform, CI/CD, SQL, Airflow, dbt, Spark; mentoring and communication.";
    client
        .post(format!("{base}/api/v1/resumes"))
        .bearer_auth(&token)
        .json(&json!({"text": resume}))
        .send()
        .await
        .expect("resume");

    // Seed the saved jobs straight into the database, skills found as a save would.
    let pool = Pool::new(&database_url, 2).expect("pool");
    let skills: Vec<String> = postings
        .iter()
        .map(|p| {
            let found: Vec<PostingSkill> = skills::extract(p).iter().map(Into::into).collect();
            serde_json::to_string(&found).expect("json")
        })
        .collect();
    let seeding = Instant::now();
    {
        let mut conn = pool.get().expect("connection");
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for i in 0..JOBS {
                let fields = JobPostingFields {
                    title: format!("Job {i}"),
                    company: Some("Bench Co".into()),
                    location: None,
                    description: postings[i % postings.len()].clone(),
                    url: Some(format!("https://jobs.example/{i}")),
                    source: None,
                    skills: skills[i % skills.len()].clone(),
                    skills_version: skills::EXTRACTOR_VERSION,
                    updated_at: mentor::db::now(),
                };
                jobs::insert(conn, user_id, &fields, fields.updated_at)?;
            }
            Ok(())
        })
        .expect("seed");
    }
    let seeded = seeding.elapsed();

    let get = || {
        client
            .get(format!("{base}/api/v1/skills/analysis"))
            .bearer_auth(&token)
            .send()
    };
    let first: Value = get().await.expect("analysis").json().await.expect("json");
    assert_eq!(first["jobs_considered"], JOBS, "{first}");
    for _ in 0..20 {
        get().await.expect("warm").bytes().await.expect("body");
    }
    let mut times = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        let response = get().await.expect("analysis");
        assert!(response.status().is_success());
        response.bytes().await.expect("body");
        times.push(start.elapsed());
    }
    println!(
        "GET /skills/analysis over {JOBS} saved jobs on {db_name} ({} skills; seeded in {:.0} ms): {}",
        first["skills"].as_array().map_or(0, Vec::len),
        seeded.as_secs_f64() * 1000.0,
        summary(times, "ms")
    );
}
