//! Load benchmark of `POST /api/v1/ask`. Prints numbers; asserts nothing.
//!
//! Starts a zero-delay AI stand-in and the real backend (release build),
//! registers users, then sends asks at a fixed rate (open loop) for a fixed
//! time, JSON and streaming, and the same chat request straight to the
//! stand-in at the same rate. It reports throughput, errors, and p50/p99
//! latency of both; "added" is what the backend adds over the upstream.
//!
//! `cargo bench -p mentor-backend --bench ask` (SQLite), or with
//! `MENTOR_BENCH_POSTGRES_URL=postgres://...` for PostgreSQL.
//! `MENTOR_BENCH_RATE` (asks per second, default 1000) and
//! `MENTOR_BENCH_SECONDS` (default 10) tune the run. Then, closed loop,
//! `MENTOR_BENCH_CLIENTS` concurrent clients (default `1,32`) each ask one
//! after another: the throughput at that concurrency and the p50 the backend
//! adds; `summary` lines carry those for `scripts/bench-ask.sh`'s table.
//!
//! With `MENTOR_BENCH_ASKS=N` it only sends N JSON asks one after another
//! (two users, no timing) and stops: `scripts/profile-ask.sh` runs that
//! under callgrind, whose instruction counts hold still on a shared machine
//! where times do not.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use mentor::config::{AiSettings, ProviderSettings, Settings, Wire};
use mentor::startup::Application;
use mentor_stand_ins::FakeAi;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::Mutex;

struct Run {
    name: String,
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Sends `rate` requests per second for `seconds`, each made by `send(i)`.
async fn open_loop<F, Fut>(name: &'static str, rate: u32, seconds: u64, send: F) -> Run
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let send = Arc::new(send);
    let results = Arc::new(Mutex::new((Vec::new(), 0usize)));
    let total = rate as u64 * seconds;
    let interval = Duration::from_secs(1) / rate;
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (send, results) = (send.clone(), results.clone());
        tasks.push(tokio::spawn(async move {
            let began = Instant::now();
            let ok = send(i as usize).await;
            let took = began.elapsed();
            let mut r = results.lock().await;
            if ok {
                r.0.push(took);
            } else {
                r.1 += 1;
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = start.elapsed();
    let (mut latencies, errors) = std::mem::take(&mut *results.lock().await);
    latencies.sort();
    Run {
        name: name.into(),
        latencies,
        errors,
        elapsed,
    }
}

/// `clients` clients each sending `send(i)` one after another for `seconds`
/// (closed loop: throughput at that concurrency, and each request's latency).
async fn closed_loop<F, Fut>(name: String, clients: usize, seconds: u64, send: F) -> Run
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let send = Arc::new(send);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let send = send.clone();
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut i) = (Vec::new(), 0usize, client);
                while Instant::now() < deadline {
                    let began = Instant::now();
                    if send(i).await {
                        latencies.push(began.elapsed());
                    } else {
                        errors += 1;
                    }
                    i += clients;
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        if let Ok((l, e)) = task.await {
            latencies.extend(l);
            errors += e;
        }
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Run {
        name,
        latencies,
        errors,
        elapsed,
    }
}

fn report(run: &Run, baseline: &Run) {
    let done = run.latencies.len();
    let (p50, p99) = (
        percentile(&run.latencies, 0.50),
        percentile(&run.latencies, 0.99),
    );
    let (b50, b99) = (
        percentile(&baseline.latencies, 0.50),
        percentile(&baseline.latencies, 0.99),
    );
    println!(
        "{:<28} {:>7.0}/s  ok {:>6}  errors {:>4}  p50 {:>7.3} ms  p99 {:>7.3} ms  added p50 {:>7.3} ms  added p99 {:>7.3} ms",
        run.name,
        done as f64 / run.elapsed.as_secs_f64(),
        done,
        run.errors,
        ms(p50),
        ms(p99),
        ms(p50.saturating_sub(b50)),
        ms(p99.saturating_sub(b99)),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let rate: u32 = std::env::var("MENTOR_BENCH_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let seconds: u64 = std::env::var("MENTOR_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let clients: Vec<usize> = std::env::var("MENTOR_BENCH_CLIENTS")
        .unwrap_or_else(|_| "1,32".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    // Profile mode: a fixed number of asks, few users (each sign-up hashes
    // a password, which is slow under callgrind).
    let profile_asks: Option<usize> = std::env::var("MENTOR_BENCH_ASKS")
        .ok()
        .and_then(|v| v.parse().ok());
    let users = if profile_asks.is_some() { 2 } else { 100 };
    let fake = FakeAi::start_on("127.0.0.1:0", false).expect("stand-in");
    let dir = tempfile::tempdir().expect("dir");
    let (database_url, db_name) = match std::env::var("MENTOR_BENCH_POSTGRES_URL") {
        Ok(admin) => (common::fresh_postgres(&admin), "postgres"),
        Err(_) => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "sqlite",
        ),
    };
    let config = dir.path().join("mentor.toml");
    std::fs::write(
        &config,
        "[plans.free]\nmonthly_questions = \"unlimited\"\nper_minute = 1000000\n",
    )
    .expect("config");

    let mut settings = Settings::new(
        database_url,
        SecretString::from("bench-secret-0123456789abcdef-0123456789"),
    );
    settings.bind = "127.0.0.1:0".into();
    // Sign-up mail (the verification links) stays out of the source tree.
    settings.mail.outbox = dir.path().join("outbox");
    settings.auth.auth_requests_per_minute = 1_000_000;
    settings.ai = AiSettings {
        providers: vec![ProviderSettings {
            name: "openai".into(),
            wire: Wire::OpenAi,
            base_url: fake.base_url(mentor_stand_ins::Wire::OpenAi),
            api_key: SecretString::from("bench-key"),
        }],
        config_file: Some(config),
        ..AiSettings::default()
    };
    let app = Application::build(settings).await.expect("app starts");
    let base = format!("http://{}", app.address());
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .expect("client");
    let mut tokens = Vec::with_capacity(users);
    for i in 0..users {
        let reply: Value = client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({"email": format!("bench{i}@example.com"), "password": "benchmark password 2026"}))
            .send()
            .await
            .expect("register")
            .json()
            .await
            .expect("json");
        tokens.push(reply["access_token"].as_str().expect("token").to_string());
    }
    let tokens = Arc::new(tokens);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    match profile_asks {
        Some(asks) => {
            println!("ask profile: {db_name}, {asks} JSON asks one after another, {users} users")
        }
        None => println!(
            "ask benchmark: {db_name}, {rate} asks/s for {seconds} s, {users} users, zero-delay upstream, {cores} cores"
        ),
    }

    let upstream = fake.base_url(mentor_stand_ins::Wire::OpenAi);
    let direct = |stream: bool| {
        let (client, upstream) = (client.clone(), upstream.clone());
        move |_i: usize| {
            let (client, upstream) = (client.clone(), upstream.clone());
            async move {
                let body = json!({"model": "gpt-4o-mini", "stream": stream, "stream_options": {"include_usage": true},
                    "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "What next?"}]});
                match client
                    .post(format!("{upstream}/chat/completions"))
                    .bearer_auth("bench-key")
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        }
    };
    let ask = |stream: bool| {
        let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
        move |i: usize| {
            let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
            async move {
                let mut request = client
                    .post(format!("{base}/api/v1/ask"))
                    .bearer_auth(&tokens[i % tokens.len()])
                    .json(&json!({"question": "What next?"}));
                if stream {
                    request = request.header("accept", "text/event-stream");
                }
                match request.send().await {
                    Ok(r) => {
                        r.status().is_success() && r.bytes().await.is_ok_and(|b| !b.is_empty())
                    }
                    Err(_) => false,
                }
            }
        }
    };

    // The OpenAI-compatible endpoint: the same ask without a conversation.
    let completion = |stream: bool| {
        let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
        move |i: usize| {
            let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
            async move {
                let body = json!({"model": "gpt-4o-mini", "stream": stream,
                    "messages": [{"role": "user", "content": "What next?"}]});
                match client
                    .post(format!("{base}/v1/chat/completions"))
                    .bearer_auth(&tokens[i % tokens.len()])
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => {
                        r.status().is_success() && r.bytes().await.is_ok_and(|b| !b.is_empty())
                    }
                    Err(_) => false,
                }
            }
        }
    };

    if let Some(asks) = profile_asks {
        let send = ask(false);
        let mut errors = 0;
        for i in 0..asks {
            if !send(i).await {
                errors += 1;
            }
        }
        println!("profile: {asks} json asks, {errors} errors");
        server.stop(true).await;
        fake.stop().await;
        return;
    }
    // Warm up connections and caches.
    open_loop("warm-up", rate.min(500), 2, ask(false)).await;
    // The backend always streams from the provider, so the streamed direct
    // call is the baseline for both kinds of ask.
    let baseline = open_loop("upstream direct", rate, seconds, direct(true)).await;
    report(&baseline, &baseline);
    for stream in [false, true] {
        let run = open_loop(
            if stream { "ask streaming" } else { "ask json" },
            rate,
            seconds,
            ask(stream),
        )
        .await;
        report(&run, &baseline);
    }
    for stream in [false, true] {
        let name = if stream {
            "/v1 completion stream"
        } else {
            "/v1 completion json"
        };
        let run = open_loop(name, rate, seconds, completion(stream)).await;
        report(&run, &baseline);
    }
    // Closed loop: the most each concurrency gets through. The baseline is
    // the upstream at the same concurrency.
    for &n in &clients {
        let cpu_before = common::cpu_seconds();
        let upstream =
            closed_loop(format!("upstream, {n} clients"), n, seconds, direct(true)).await;
        let cpu = (common::cpu_seconds().0 - cpu_before.0) / upstream.latencies.len().max(1) as f64;
        report(&upstream, &upstream);
        println!(
            "{:<28} CPU per call: {:.0} µs (client and stand-in)",
            "",
            cpu * 1e6
        );
        for stream in [false, true] {
            let mode = if stream { "stream" } else { "json" };
            let cpu_before = common::cpu_seconds();
            let run =
                closed_loop(format!("ask {mode}, {n} clients"), n, seconds, ask(stream)).await;
            let cpu_after = common::cpu_seconds();
            report(&run, &upstream);
            let asks = run.latencies.len().max(1) as f64;
            let (own, postgres) = (
                (cpu_after.0 - cpu_before.0) / asks * 1e6,
                (cpu_after.1 - cpu_before.1) / asks * 1e6,
            );
            println!(
                "{:<28} CPU per ask: {own:.0} µs in this process (backend, client, stand-in), {postgres:.0} µs in PostgreSQL",
                ""
            );
            let added = percentile(&run.latencies, 0.50)
                .saturating_sub(percentile(&upstream.latencies, 0.50));
            println!(
                "summary {db_name} {mode} {n} {:.0} {:.3} {:.0}",
                run.latencies.len() as f64 / run.elapsed.as_secs_f64(),
                ms(added),
                own + postgres
            );
        }
    }
    let log = dir.path().join("bench.db-wal");
    if let Ok(meta) = std::fs::metadata(&log) {
        println!(
            "SQLite's write-ahead log at the end: {:.1} MB",
            meta.len() as f64 / 1e6
        );
    }
    server.stop(true).await;
    fake.stop().await;
}
