//! Benchmark of the admin console's heavy reads. Prints numbers; asserts
//! nothing about speed.
//!
//! Seeds 10,000 users and 1,000,000 ledger rows spread over the 30 days up
//! to now (six providers, twelve models, 3% failures), then times, through
//! the real app (release build) over HTTP, one request at a time:
//! - `GET /api/v1/admin/analytics` over those days (every row);
//! - `GET /api/v1/admin/users?sort=cost` (this month's cost of every user);
//!
//! and each analytics query on its own, to show where the time goes.
//!
//! `cargo bench -p mentor-backend --bench admin` (SQLite), or with
//! `MENTOR_BENCH_POSTGRES_URL=postgres://...` for PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::connection::SimpleConnection;
use mentor::config::Settings;
use mentor::db::{Db, Pool, admin_analytics as q};
use mentor::startup::Application;
use secrecy::SecretString;
use serde_json::{Value, json};

const USERS: i64 = 10_000;
const ROWS: i64 = 1_000_000;
const DAYS: i64 = 30;

/// Seeds users and ledger rows with SQL the engine runs itself (a series of
/// numbers, each row's fields derived from its number), which is far faster
/// than sending a million rows.
fn seed(conn: &mut Db, start: NaiveDateTime) {
    let start = start.format("%Y-%m-%d %H:%M:%S").to_string();
    let seconds = DAYS * 86_400;
    let fields = |n: &str| {
        format!(
            "1 + {n} % {USERS}, \
             CASE {n} % 6 WHEN 0 THEN 'openai' WHEN 1 THEN 'anthropic' WHEN 2 THEN 'gemini' \
               WHEN 3 THEN 'deepseek' WHEN 4 THEN 'groq' ELSE 'xai' END, \
             'model-' || ({n} % 12), \
             100 + {n} % 900, 50 + {n} % 400, (100 + {n} % 900) * 150 + (50 + {n} % 400) * 600, \
             CASE WHEN {n} % 33 = 0 THEN NULL ELSE 80 + ({n} * 7) % 900 END, \
             600 + ({n} * 13) % 4000, \
             CASE WHEN {n} % 33 = 0 THEN (CASE WHEN {n} % 2 = 0 THEN 'upstream_error' ELSE 'upstream_timeout' END) \
               WHEN {n} % 101 = 0 THEN 'cancelled' ELSE 'ok' END, \
             {n} % 33 <> 0"
        )
    };
    let sql = match conn {
        Db::Pg(_) => format!(
            "INSERT INTO users (email, password_hash, role, subscription_tier, created_at, updated_at) \
             SELECT 'user' || n || '@example.com', 'x', 'user', \
               CASE WHEN n % 20 = 0 THEN 'pro' WHEN n % 97 = 0 THEN 'enterprise' ELSE 'free' END, \
               TIMESTAMP '{start}' + (n % {DAYS}) * INTERVAL '1 day', TIMESTAMP '{start}' \
             FROM generate_series(1, {USERS}) AS n; \
             INSERT INTO usage_events (user_id, provider, model, input_tokens, output_tokens, cost_pico, \
               ttft_ms, total_ms, outcome, charged, created_at) \
             SELECT {}, TIMESTAMP '{start}' + ((n - 1) * {seconds} / {ROWS}) * INTERVAL '1 second' \
             FROM generate_series(CAST(1 AS BIGINT), {ROWS}) AS n; ANALYZE;",
            fields("n")
        ),
        Db::Sqlite(_) => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {USERS}) \
             INSERT INTO users (email, password_hash, role, subscription_tier, created_at, updated_at) \
             SELECT 'user' || n || '@example.com', 'x', 'user', \
               CASE WHEN n % 20 = 0 THEN 'pro' WHEN n % 97 = 0 THEN 'enterprise' ELSE 'free' END, \
               datetime('{start}', '+' || (n % {DAYS}) || ' days'), '{start}' FROM s; \
             WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {ROWS}) \
             INSERT INTO usage_events (user_id, provider, model, input_tokens, output_tokens, cost_pico, \
               ttft_ms, total_ms, outcome, charged, created_at) \
             SELECT {}, datetime('{start}', '+' || ((n - 1) * {seconds} / {ROWS}) || ' seconds') FROM s; \
             ANALYZE;",
            fields("n")
        ),
    };
    conn.batch_execute(&sql).expect("seed");
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    format!(
        "p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms ({} runs)",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(*times.last().expect("runs")),
        times.len()
    )
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let (database_url, db_name) = match std::env::var("MENTOR_BENCH_POSTGRES_URL") {
        Ok(admin) => (common::fresh_postgres(&admin), "PostgreSQL"),
        Err(_) => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "SQLite",
        ),
    };
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

    // The rows end now (as a live ledger does), so the rollups hold them
    // all and only what the benchmark itself adds is past the watermark.
    let now = mentor::db::now();
    let start = now - TimeDelta::days(DAYS);
    let today = now.date();
    let first: NaiveDate = start.date();
    let pool = Pool::new(&database_url, 2).expect("pool");
    let seeding = Instant::now();
    seed(&mut pool.get().expect("connection"), start);
    let seeded = seeding.elapsed();
    // What the rollup task does in the background, timed here.
    let folding = Instant::now();
    mentor::admin::rollup::fold_pending(&pool, mentor::db::now())
        .await
        .expect("fold");
    let folded_in = folding.elapsed();
    let folded = mentor::db::usage_rollup::watermark(&mut pool.get().expect("connection"))
        .expect("watermark");
    // What autovacuum (PostgreSQL) or a periodic ANALYZE would have done by
    // now to tables that just took a million rows: fresh statistics.
    let analyze = match &**pool.get().expect("connection") {
        Db::Pg(_) => "VACUUM ANALYZE",
        Db::Sqlite(_) => "ANALYZE",
    };
    pool.get()
        .expect("connection")
        .batch_execute(analyze)
        .expect("analyze");

    let client = reqwest::Client::new();
    let email = "bench-admin@example.com";
    let password = "correct horse battery staple";
    client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("register");
    mentor::auth::create_or_promote_admin(&pool, email, || Ok(password.into())).expect("admin");
    let signed_in: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = signed_in["access_token"]
        .as_str()
        .expect("token")
        .to_string();

    let range = format!("from={first}&to={today}");
    let analytics = format!("{base}/api/v1/admin/analytics?{range}");
    let report: Value = client
        .get(&analytics)
        .bearer_auth(&token)
        .send()
        .await
        .expect("analytics")
        .json()
        .await
        .expect("json");
    let counted: u64 = report["cost_by_provider"]
        .as_array()
        .expect("providers")
        .iter()
        .filter_map(|p| p["asks"].as_u64())
        .sum();
    assert_eq!(counted, ROWS as u64, "every seeded row is in the range");

    let http = |url: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            let mut times = Vec::new();
            for i in 0..23 {
                let started = Instant::now();
                let response = client
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("get");
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.expect("body");
                if i >= 3 {
                    times.push(started.elapsed());
                }
            }
            times
        }
    };
    println!(
        "{db_name}: {ROWS} ledger rows and {USERS} users seeded in {:.1} s; \
         ledger folded into the daily rollups up to row {folded} in {:.1} s (the app's own task helping)",
        seeded.as_secs_f64(),
        folded_in.as_secs_f64()
    );
    println!(
        "  GET /admin/analytics from {first} to {today} (all rows): {}",
        summary(http(analytics).await)
    );
    println!(
        "  GET /admin/users?sort=cost&limit=50: {}",
        summary(http(format!("{base}/api/v1/admin/users?sort=cost&limit=50")).await)
    );

    let mut conn = pool.get().expect("connection");
    let span = q::Span {
        from: first,
        to: today,
        watermark: mentor::db::usage_rollup::watermark(&mut conn).expect("watermark"),
    };
    let (from, to) = (span.start(), span.end());
    type Part<'a> = (&'a str, &'a mut dyn FnMut(&mut Db));
    let parts: [Part; 6] = [
        ("ledger by day/provider/model/outcome", &mut |c| {
            q::ledger_groups(c, span).expect("query");
        }),
        ("active users by day", &mut |c| {
            q::active_users(c, span).expect("query");
        }),
        ("time to first token histogram", &mut |c| {
            q::ttft_histogram(c, span).expect("query");
        }),
        ("top users", &mut |c| {
            q::top_users(c, span, 10).expect("query");
        }),
        ("signups by day", &mut |c| {
            q::signups(c, from, to).expect("query");
        }),
        ("users by tier", &mut |c| {
            q::tiers(c, now, from, to).expect("query");
        }),
    ];
    for (name, run) in parts {
        let times = time(10, || run(&mut conn));
        println!("    {name}: {}", summary(times));
    }
}
