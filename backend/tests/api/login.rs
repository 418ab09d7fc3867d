use std::time::Duration;

use diesel::prelude::*;
use mentor::db::schema::users;
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};

#[tokio::test]
async fn signing_in_returns_a_pair_and_stamps_the_last_login() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let reply = app.login(" ADA@example.com", PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["access_token"].is_string());
    assert!(reply.body["refresh_token"].is_string());
    assert!(reply.body["user"]["last_login_at"].is_string());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let wrong = app.login("ada@example.com", "not the right password").await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    wrong.assert_error(401, "invalid_credentials");
    unknown.assert_error(401, "invalid_credentials");
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn five_failures_lock_the_account_even_against_the_right_password() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    for _ in 0..4 {
        app.login("ada@example.com", "wrong password!!")
            .await
            .assert_error(401, "invalid_credentials");
    }
    let fifth = app.login("ada@example.com", "wrong password!!").await;
    fifth.assert_error(429, "account_locked");
    assert_eq!(fifth.header("retry-after"), Some("900"));

    let right = app.login("ada@example.com", PASSWORD).await;
    right.assert_error(429, "account_locked");
    let retry: u64 = right
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((890..=900).contains(&retry), "{retry}");
}

#[tokio::test]
async fn the_lock_expires_and_then_the_right_password_works() {
    let app = spawn_app_with(|s| s.auth.lockout_duration = Duration::from_secs(1)).await;
    app.register("ada@example.com").await;
    for _ in 0..5 {
        app.login("ada@example.com", "wrong password!!").await;
    }
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_error(429, "account_locked");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reply = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (failures, locked): (i32, Option<chrono::NaiveDateTime>) = app.with_db(|conn| {
        users::table
            .select((users::failed_login_count, users::locked_until))
            .first(conn)
            .expect("row")
    });
    assert_eq!((failures, locked), (0, None));
}

#[tokio::test]
async fn only_consecutive_failures_count_towards_the_lock() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    for _ in 0..4 {
        app.login("ada@example.com", "wrong password!!").await;
    }
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status, 200);
    for _ in 0..4 {
        app.login("ada@example.com", "wrong password!!")
            .await
            .assert_error(401, "invalid_credentials");
    }
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn auth_routes_are_rate_limited_per_client_ip_but_other_routes_are_not() {
    let app = spawn_app_with(|s| s.auth.auth_requests_per_minute = 3).await;
    let session = app.register("ada@example.com").await;
    for _ in 0..2 {
        app.login("ada@example.com", PASSWORD).await;
    }
    let limited = app.login("ada@example.com", PASSWORD).await;
    limited.assert_error(429, "rate_limited");
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=20).contains(&retry), "{retry}");
    let reply = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "bob@example.com", "password": PASSWORD}),
        )
        .await;
    reply.assert_error(429, "rate_limited");
    let me = app
        .request("GET", "/api/v1/users/me", Some(&session.access), None)
        .await;
    assert_eq!(me.status, 200);
}
