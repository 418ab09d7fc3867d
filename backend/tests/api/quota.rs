//! Monthly quotas and per-minute limits, under concurrency and across
//! replicas.

use std::path::PathBuf;

use diesel::prelude::*;
use mentor::db::schema::usage_events;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with, spawn_replica};

/// A config file raising or lowering the free plan's per-minute limit.
fn free_per_minute(dir: &tempfile::TempDir, per_minute: u32) -> PathBuf {
    let path = dir.path().join("mentor.toml");
    std::fs::write(&path, format!("[plans.free]\nper_minute = {per_minute}\n"))
        .expect("write config");
    path
}

#[tokio::test]
async fn a_hundred_simultaneous_asks_with_ten_left_get_exactly_ten_answers() {
    let dir = tempfile::tempdir().expect("dir");
    let config = free_per_minute(&dir, 10_000);
    let app = spawn_app_with(|s| {
        s.ai.config_file = Some(config);
        s.db_pool_size = 8;
    })
    .await;
    let s = app.register("ada@example.com").await;
    let asks = (0..100).map(|i| app.ask(&s.access, json!({"question": format!("Question {i}")})));
    let replies = futures_util::future::join_all(asks).await;
    let answered = replies.iter().filter(|r| r.status == 200).count();
    let refused = replies
        .iter()
        .filter(|r| r.status == 429 && r.error() == "quota_exceeded")
        .count();
    assert_eq!(
        (answered, refused),
        (10, 90),
        "statuses: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let usage = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    assert_eq!(usage.body["quota"]["used"], 10);
    let charged: i64 = app.with_db(|conn| {
        usage_events::table
            .filter(usage_events::charged.eq(true))
            .count()
            .get_result(conn)
            .expect("count")
    });
    assert_eq!(charged, 10);
}

#[tokio::test]
async fn the_sixth_ask_in_a_minute_on_the_free_plan_is_rate_limited_with_headers() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    for expected_remaining in ["4", "3", "2", "1", "0"] {
        let reply = app.ask(&s.access, json!({"question": "q"})).await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("x-ratelimit-remaining"),
            Some(expected_remaining)
        );
    }
    let limited = app.ask(&s.access, json!({"question": "q"})).await;
    limited.assert_error(429, "rate_limited");
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=12).contains(&retry), "{retry}");
    assert_eq!(limited.header("x-ratelimit-limit"), Some("5"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert!(limited.header("x-ratelimit-reset").is_some());
    // Another user is not affected.
    let bob = app.register("bob@example.com").await;
    assert_eq!(
        app.ask(&bob.access, json!({"question": "q"})).await.status,
        200
    );
}

#[tokio::test]
async fn the_monthly_quota_is_enforced_once_the_minute_limit_is_out_of_the_way() {
    let dir = tempfile::tempdir().expect("dir");
    let config = free_per_minute(&dir, 1000);
    let app = spawn_app_with(|s| s.ai.config_file = Some(config)).await;
    let s = app.register("ada@example.com").await;
    for _ in 0..10 {
        assert_eq!(
            app.ask(&s.access, json!({"question": "q"})).await.status,
            200
        );
    }
    let reply = app.ask(&s.access, json!({"question": "q"})).await;
    reply.assert_error(429, "quota_exceeded");
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("renew on")
            && message.contains("-01T00:00:00Z")
            && message.contains("upgrade"),
        "{message}"
    );
    let (_, events) = app.ask_stream(&s.access, json!({"question": "q"})).await;
    assert!(events.is_empty(), "a refused stream sends no events");
    assert_eq!(
        app.fake.received().len(),
        10,
        "refused questions never reach the provider"
    );
}

#[tokio::test]
async fn a_plan_with_no_questions_answers_only_what_an_admin_grants() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("mentor.toml");
    std::fs::write(&config, "[plans.free]\nmonthly_questions = 0\n").expect("config");
    let app = spawn_app_with(|s| s.ai.config_file = Some(config)).await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let ask = json!({"question": "q"});
    app.ask(&ada.access, ask.clone())
        .await
        .assert_error(429, "quota_exceeded");
    let granted = app
        .request(
            "POST",
            &format!("/api/v1/admin/users/{}/grant", ada.user_id),
            Some(&root.access),
            Some(json!({"questions": 1})),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert_eq!(app.ask(&ada.access, ask.clone()).await.status, 200);
    app.ask(&ada.access, ask)
        .await
        .assert_error(429, "quota_exceeded");
}

fn redis_url() -> String {
    std::env::var("MENTOR_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn with_redis(per_minute: u32, url: String) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let config = free_per_minute(&dir, per_minute);
    let app = spawn_app_with(move |s| {
        s.ai.config_file = Some(config);
        s.redis_url = Some(url.into());
    })
    .await;
    (app, dir)
}

#[tokio::test]
async fn with_redis_the_per_minute_limit_holds_across_two_replicas() {
    let (app, _dir) = with_redis(3, redis_url()).await;
    let replica = spawn_replica(&app).await;
    let s = app.register("ada@example.com").await;
    let ask_on = |base: String| {
        let client = app.client.clone();
        let token = s.access.clone();
        async move {
            client
                .post(format!("{base}/api/v1/ask"))
                .bearer_auth(token)
                .json(&json!({"question": "q"}))
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for base in [&app.address, &replica, &app.address, &replica, &app.address] {
        statuses.push(ask_on(base.clone()).await);
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn with_redis_unreachable_asks_are_still_answered_and_limited_per_process() {
    let (app, _dir) = with_redis(2, "redis://127.0.0.1:1".into()).await;
    let s = app.register("ada@example.com").await;
    assert_eq!(
        app.ask(&s.access, json!({"question": "q"})).await.status,
        200
    );
    assert_eq!(
        app.ask(&s.access, json!({"question": "q"})).await.status,
        200
    );
    app.ask(&s.access, json!({"question": "q"}))
        .await
        .assert_error(429, "rate_limited");
}
