use std::time::Duration;

use serde_json::json;

use crate::helpers::{PASSWORD, Session, spawn_app, spawn_app_with};

#[tokio::test]
async fn refreshing_returns_a_new_pair_and_retires_the_presented_token() {
    let app = spawn_app().await;
    let first = app.register("ada@example.com").await;
    let reply = app.refresh(&first.refresh).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let second = Session::from(&reply);
    assert_ne!(second.refresh, first.refresh);
    let me = app
        .request("GET", "/api/v1/users/me", Some(&second.access), None)
        .await;
    assert_eq!(me.body["email"], "ada@example.com");
    assert_eq!(app.refresh(&second.refresh).await.status, 200);
}

#[tokio::test]
async fn presenting_a_rotated_token_revokes_its_whole_family() {
    let app = spawn_app().await;
    let first = app.register("ada@example.com").await;
    let second = Session::from(&app.refresh(&first.refresh).await);

    app.refresh(&first.refresh)
        .await
        .assert_error(401, "invalid_token");
    // The thief's or the victim's newer token is now dead too.
    app.refresh(&second.refresh)
        .await
        .assert_error(401, "invalid_token");
}

#[tokio::test]
async fn reuse_in_one_session_leaves_the_users_other_sessions_alone() {
    let app = spawn_app().await;
    let laptop = app.register("ada@example.com").await;
    let phone = Session::from(&app.login("ada@example.com", PASSWORD).await);
    app.refresh(&laptop.refresh).await;
    app.refresh(&laptop.refresh)
        .await
        .assert_error(401, "invalid_token");
    assert_eq!(app.refresh(&phone.refresh).await.status, 200);
}

#[tokio::test]
async fn two_concurrent_refreshes_of_one_token_cannot_both_succeed() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let (a, b) = tokio::join!(app.refresh(&session.refresh), app.refresh(&session.refresh));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401]);
}

#[tokio::test]
async fn unknown_and_expired_refresh_tokens_are_refused() {
    let app = spawn_app_with(|s| s.auth.refresh_token_ttl = Duration::from_secs(1)).await;
    app.refresh("not-a-token-we-issued")
        .await
        .assert_error(401, "invalid_token");
    let session = app.register("ada@example.com").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    app.refresh(&session.refresh)
        .await
        .assert_error(401, "invalid_token");
}

#[tokio::test]
async fn logging_out_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let reply = app
        .post(
            "/api/v1/auth/logout",
            json!({"refresh_token": session.refresh}),
        )
        .await;
    assert_eq!(reply.status, 204);
    app.refresh(&session.refresh)
        .await
        .assert_error(401, "invalid_token");
    app.post(
        "/api/v1/auth/logout",
        json!({"refresh_token": session.refresh}),
    )
    .await
    .assert_error(401, "invalid_token");
}

#[tokio::test]
async fn refresh_and_logout_need_a_refresh_token_field() {
    let app = spawn_app().await;
    app.post("/api/v1/auth/refresh", json!({}))
        .await
        .assert_error(400, "invalid_request");
    app.post("/api/v1/auth/logout", json!({"token": "x"}))
        .await
        .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn the_cleanup_deletes_expired_refresh_tokens_and_keeps_live_ones() {
    use diesel::prelude::*;
    use mentor::db::schema::refresh_tokens;

    let app = spawn_app_with(|s| s.auth.refresh_token_ttl = Duration::from_secs(2)).await;
    app.register("ada@example.com").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let bob = app.register("bob@example.com").await;
    let deleted = mentor::auth::delete_expired_sessions(&app.pool)
        .await
        .expect("cleanup");
    assert_eq!(deleted, 1, "only Ada's expired token goes");
    let left: i64 = app.with_db(|c| refresh_tokens::table.count().get_result(c).expect("count"));
    assert_eq!(left, 1);
    assert_eq!(
        app.refresh(&bob.refresh).await.status,
        200,
        "Bob's live token still works"
    );
}
