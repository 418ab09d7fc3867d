use diesel::prelude::*;
use mentor::auth::tokens::hash_refresh_token;
use mentor::db::schema::{refresh_tokens, users};
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn registering_returns_201_with_a_token_pair_and_the_normalised_user() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "  Ada@Example.COM ", "password": PASSWORD, "full_name": "  Ada Lovelace "}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = &reply.body;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 43)
    );
    let user = &body["user"];
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["full_name"], "Ada Lovelace");
    assert_eq!(user["role"], "user");
    assert_eq!(user["subscription_tier"], "free");
    assert!(
        user["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert!(user.get("password_hash").is_none());
}

#[tokio::test]
async fn the_password_and_refresh_token_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let (phc, token_hashes) = app.with_db(|conn| {
        let phc: String = users::table
            .select(users::password_hash)
            .first(conn)
            .expect("user row");
        let hashes: Vec<String> = refresh_tokens::table
            .select(refresh_tokens::token_hash)
            .load(conn)
            .expect("rows");
        (phc, hashes)
    });
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert!(!phc.contains(PASSWORD));
    assert_eq!(token_hashes, vec![hash_refresh_token(&session.refresh)]);
}

#[tokio::test]
async fn a_taken_email_is_refused_with_409_whatever_its_case() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "ADA@example.com", "password": PASSWORD}),
        )
        .await;
    reply.assert_error(409, "email_taken");
    let count: i64 = app.with_db(|conn| users::table.count().get_result(conn).expect("count"));
    assert_eq!(count, 1);
}

#[tokio::test]
async fn malformed_emails_are_refused_with_invalid_email() {
    let app = spawn_app().await;
    for email in ["not-an-email", "a@b", "", "a b@example.com"] {
        let reply = app
            .post(
                "/api/v1/auth/register",
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        reply.assert_error(400, "invalid_email");
    }
}

#[tokio::test]
async fn short_and_common_passwords_are_refused_with_weak_password() {
    let app = spawn_app().await;
    for password in ["elevenchars", "password1234", "qwertyuiop123"] {
        let reply = app
            .post(
                "/api/v1/auth/register",
                json!({"email": "ada@example.com", "password": password}),
            )
            .await;
        reply.assert_error(400, "weak_password");
    }
    let count: i64 = app.with_db(|conn| users::table.count().get_result(conn).expect("count"));
    assert_eq!(count, 0, "no half-made account is left behind");
}

#[tokio::test]
async fn missing_fields_and_bad_json_are_invalid_requests_that_say_what_is_wrong() {
    let app = spawn_app().await;
    let reply = app
        .post("/api/v1/auth/register", json!({"email": "ada@example.com"}))
        .await;
    reply.assert_error(400, "invalid_request");
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("password")),
        "{}",
        reply.body
    );

    let reply = app
        .post(
            "/api/v1/auth/register",
            json!({"email": 42, "password": PASSWORD}),
        )
        .await;
    reply.assert_error(400, "invalid_request");

    let raw = app
        .client
        .post(format!("{}/api/v1/auth/register", app.address))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(raw.status(), 400);
    let body: serde_json::Value = raw.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn an_overlong_name_is_refused() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "ada@example.com", "password": PASSWORD, "full_name": "n".repeat(101)}),
        )
        .await;
    reply.assert_error(400, "invalid_request");
}
