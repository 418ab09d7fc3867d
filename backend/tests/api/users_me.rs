use diesel::prelude::*;
use mentor::db::schema::{refresh_tokens, users};
use serde_json::json;

use crate::helpers::{PASSWORD, Session, spawn_app};

const NEW_PASSWORD: &str = "a brand new passphrase 2026";

#[tokio::test]
async fn me_returns_the_signed_in_user() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let reply = app
        .request("GET", "/api/v1/users/me", Some(&session.access), None)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["id"], session.user_id);
    assert_eq!(reply.body["email"], "ada@example.com");
}

#[tokio::test]
async fn the_name_can_be_set_and_cleared() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let reply = app
        .request(
            "PATCH",
            "/api/v1/users/me",
            Some(&s.access),
            Some(json!({"full_name": " Ada "})),
        )
        .await;
    assert_eq!(
        (reply.status, &reply.body["full_name"]),
        (200, &json!("Ada"))
    );
    let reply = app
        .request(
            "PATCH",
            "/api/v1/users/me",
            Some(&s.access),
            Some(json!({"full_name": ""})),
        )
        .await;
    assert_eq!(
        (reply.status, &reply.body["full_name"]),
        (200, &json!(null))
    );
    app.request(
        "PATCH",
        "/api/v1/users/me",
        Some(&s.access),
        Some(json!({"full_name": "n".repeat(101)})),
    )
    .await
    .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn a_password_change_needs_the_right_current_password_and_a_strong_new_one() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    let patch = |body| app.request("PATCH", "/api/v1/users/me", Some(&s.access), Some(body));
    patch(json!({"new_password": NEW_PASSWORD}))
        .await
        .assert_error(400, "invalid_request");
    patch(json!({"new_password": NEW_PASSWORD, "current_password": "wrong password!"}))
        .await
        .assert_error(403, "wrong_password");
    patch(json!({"new_password": "short", "current_password": PASSWORD}))
        .await
        .assert_error(400, "weak_password");
    // Nothing changed: the old password still works.
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_password_change_revokes_the_other_sessions_but_keeps_this_one() {
    let app = spawn_app().await;
    let this = app.register("ada@example.com").await;
    let other = Session::from(&app.login("ada@example.com", PASSWORD).await);
    let reply = app
        .request(
            "PATCH",
            "/api/v1/users/me",
            Some(&this.access),
            Some(json!({"new_password": NEW_PASSWORD, "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.refresh(&other.refresh)
        .await
        .assert_error(401, "invalid_token");
    assert_eq!(app.refresh(&this.refresh).await.status, 200);
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_error(401, "invalid_credentials");
    assert_eq!(app.login("ada@example.com", NEW_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_user_and_no_one_elses() {
    let app = spawn_app().await;
    let this = app.register("ada@example.com").await;
    let other = Session::from(&app.login("ada@example.com", PASSWORD).await);
    let bob = app.register("bob@example.com").await;
    let reply = app
        .request("POST", "/api/v1/auth/logout-all", Some(&this.access), None)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    for session in [&this, &other] {
        app.refresh(&session.refresh)
            .await
            .assert_error(401, "invalid_token");
    }
    assert_eq!(app.refresh(&bob.refresh).await.status, 200);
    app.request("POST", "/api/v1/auth/logout-all", None, None)
        .await
        .assert_error(401, "missing_token");
    // The password still signs in.
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_removes_its_rows() {
    let app = spawn_app().await;
    let s = app.register("ada@example.com").await;
    app.login("ada@example.com", PASSWORD).await;
    app.request(
        "DELETE",
        "/api/v1/users/me",
        Some(&s.access),
        Some(json!({"password": "wrong password!"})),
    )
    .await
    .assert_error(403, "wrong_password");
    app.request("DELETE", "/api/v1/users/me", Some(&s.access), None)
        .await
        .assert_error(400, "invalid_request");

    let reply = app
        .request(
            "DELETE",
            "/api/v1/users/me",
            Some(&s.access),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(reply.status, 204);
    let (user_rows, token_rows): (i64, i64) = app.with_db(|conn| {
        (
            users::table.count().get_result(conn).expect("count"),
            refresh_tokens::table
                .count()
                .get_result(conn)
                .expect("count"),
        )
    });
    assert_eq!((user_rows, token_rows), (0, 0));
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_error(401, "invalid_credentials");
    // The still-unexpired access token no longer names a user.
    app.request("GET", "/api/v1/users/me", Some(&s.access), None)
        .await
        .assert_error(401, "invalid_token");
}

#[tokio::test]
async fn one_user_cannot_read_or_change_another_users_data() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    let me = app
        .request("GET", "/api/v1/users/me", Some(&ada.access), None)
        .await;
    assert_eq!(me.body["email"], "ada@example.com");

    app.request(
        "PATCH",
        "/api/v1/users/me",
        Some(&ada.access),
        Some(json!({"full_name": "Ada"})),
    )
    .await;
    app.request(
        "PATCH",
        "/api/v1/users/me",
        Some(&ada.access),
        Some(json!({"new_password": NEW_PASSWORD, "current_password": PASSWORD})),
    )
    .await;
    // Bob's password, name and sessions are untouched.
    assert_eq!(app.refresh(&bob.refresh).await.status, 200);
    let bob_login = app.login("bob@example.com", PASSWORD).await;
    assert_eq!(
        (bob_login.status, &bob_login.body["user"]["full_name"]),
        (200, &json!(null))
    );

    // Ada cannot use her password to delete Bob, and deleting Ada leaves Bob.
    app.request(
        "DELETE",
        "/api/v1/users/me",
        Some(&ada.access),
        Some(json!({"password": PASSWORD})),
    )
    .await
    .assert_error(403, "wrong_password");
    app.request(
        "DELETE",
        "/api/v1/users/me",
        Some(&ada.access),
        Some(json!({"password": NEW_PASSWORD})),
    )
    .await;
    let emails: Vec<String> =
        app.with_db(|conn| users::table.select(users::email).load(conn).expect("rows"));
    assert_eq!(emails, vec!["bob@example.com".to_string()]);
}

#[tokio::test]
async fn a_deleted_accounts_live_token_is_invalid_on_routes_that_create_rows() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    app.request(
        "DELETE",
        "/api/v1/users/me",
        Some(&ada.access),
        Some(json!({"password": PASSWORD})),
    )
    .await;
    // The access token is still within its lifetime; the account is gone.
    for (path, body) in [
        (
            "/api/v1/jobs",
            json!({"title": "Engineer", "company": "Acme", "description": "Rust and SQL."}),
        ),
        (
            "/api/v1/resumes",
            json!({"title": "CV", "text": "Ada Lovelace. Engineer. Rust, SQL."}),
        ),
        ("/api/v1/users/me/export", json!({})),
    ] {
        let reply = app
            .request("POST", path, Some(&ada.access), Some(body))
            .await;
        assert_eq!(
            (reply.status, reply.body["error"].as_str()),
            (401, Some("invalid_token")),
            "{path}: {}",
            reply.body
        );
    }
}
