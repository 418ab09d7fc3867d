//! Failed passwords slow down guessing (per address, per client IP) without
//! locking the owner out, the same for an address with no account, and
//! confirmations of changes count with sign-ins.

use std::time::Duration;

use mentor::client_ip::{ProxyHeader, TrustedProxies};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Reply, Session, TestApp, spawn_app_with};

const WRONG: &str = "not the right password";

/// An app behind a trusted proxy on loopback, so each request can come from
/// the client address it names.
async fn behind_proxy() -> TestApp {
    spawn_app_with(|s| {
        s.trusted_proxies =
            TrustedProxies::parse("127.0.0.1", ProxyHeader::XForwardedFor).expect("proxies");
    })
    .await
}

async fn send(
    app: &TestApp,
    ip: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Reply {
    let mut request = app
        .client
        .request(
            method.parse().expect("method"),
            format!("{}{path}", app.address),
        )
        .header("x-forwarded-for", ip)
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Reply::from(request.send().await.expect("request")).await
}

async fn login(app: &TestApp, ip: &str, email: &str, password: &str) -> Reply {
    let body = json!({"email": email, "password": password});
    send(app, ip, "POST", "/api/v1/auth/login", None, body).await
}

#[tokio::test]
async fn failures_make_an_address_wait_longer_and_one_without_an_account_waits_alike() {
    let app = behind_proxy().await;
    app.register("ada@example.com").await;
    let mut answers = Vec::new();
    for email in ["ada@example.com", "nobody@example.com"] {
        for _ in 0..4 {
            login(&app, "203.0.113.66", email, WRONG)
                .await
                .assert_error(401, "invalid_credentials");
        }
        // The fifth failure makes the address wait 1 s; then even the right
        // password from this client is not tried.
        let fifth = login(&app, "203.0.113.66", email, WRONG).await;
        fifth.assert_error(429, "account_locked");
        let right = login(&app, "203.0.113.66", email, PASSWORD).await;
        right.assert_error(429, "account_locked");
        let retry_after = fifth.header("retry-after").map(str::to_string);
        answers.push((fifth.body, retry_after));
    }
    assert_eq!(
        answers[0], answers[1],
        "the answers tell no account from none"
    );
    assert_eq!(answers[0].1.as_deref(), Some("1"));

    // After the wait, a failure waits twice as long; the right password then
    // signs in and the count starts afresh.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let sixth = login(&app, "203.0.113.66", "ada@example.com", WRONG).await;
    sixth.assert_error(429, "account_locked");
    assert_eq!(sixth.header("retry-after"), Some("2"));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let reply = login(&app, "203.0.113.66", "ada@example.com", PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    login(&app, "203.0.113.66", "ada@example.com", WRONG)
        .await
        .assert_error(401, "invalid_credentials");
}

#[tokio::test]
async fn the_owner_signs_in_from_a_known_client_while_an_attacker_waits() {
    let app = behind_proxy().await;
    app.register("ada@example.com").await;
    let owner = "192.0.2.10";
    assert_eq!(
        login(&app, owner, "ada@example.com", PASSWORD).await.status,
        200
    );
    for _ in 0..5 {
        login(&app, "203.0.113.66", "ada@example.com", WRONG).await;
    }
    // The attacker, even with the password, waits; the owner does not.
    login(&app, "203.0.113.66", "ada@example.com", PASSWORD)
        .await
        .assert_error(429, "account_locked");
    let reply = login(&app, owner, "ada@example.com", PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A wrong password from the owner's client is still refused.
    login(&app, owner, "ada@example.com", WRONG)
        .await
        .assert_error(401, "invalid_credentials");
}

#[tokio::test]
async fn one_client_guessing_many_addresses_waits_too() {
    let app = behind_proxy().await;
    for i in 0..19 {
        login(&app, "203.0.113.66", &format!("user{i}@example.com"), WRONG)
            .await
            .assert_error(401, "invalid_credentials");
    }
    login(&app, "203.0.113.66", "user19@example.com", WRONG)
        .await
        .assert_error(429, "account_locked");
    // Another client is not held back.
    login(&app, "198.51.100.4", "user20@example.com", WRONG)
        .await
        .assert_error(401, "invalid_credentials");
}

#[tokio::test]
async fn wrong_confirmation_passwords_count_with_sign_in_failures() {
    let app = behind_proxy().await;
    let owner = "192.0.2.10";
    app.register("ada@example.com").await;
    let signed_in = login(&app, owner, "ada@example.com", PASSWORD).await;
    let session = Session::from(&signed_in);
    // A stolen token, used from elsewhere, to guess the password.
    let thief = "203.0.113.66";
    let change = |password: &str| json!({"current_password": password, "new_password": "the thief's own passphrase 9"});
    for _ in 0..4 {
        send(
            &app,
            thief,
            "PATCH",
            "/api/v1/users/me",
            Some(&session.access),
            change(WRONG),
        )
        .await
        .assert_error(403, "wrong_password");
    }
    send(
        &app,
        thief,
        "PATCH",
        "/api/v1/users/me",
        Some(&session.access),
        change(WRONG),
    )
    .await
    .assert_error(429, "account_locked");
    let delete = json!({"password": PASSWORD});
    send(
        &app,
        thief,
        "DELETE",
        "/api/v1/users/me",
        Some(&session.access),
        delete,
    )
    .await
    .assert_error(429, "account_locked");
    login(&app, thief, "ada@example.com", PASSWORD)
        .await
        .assert_error(429, "account_locked");
    // The owner, from their own client, goes on.
    let rename =
        json!({"full_name": "Ada", "current_password": PASSWORD, "email": "ada@example.org"});
    let reply = send(
        &app,
        owner,
        "PATCH",
        "/api/v1/users/me",
        Some(&session.access),
        rename,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}
