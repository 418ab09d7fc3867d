use diesel::prelude::*;
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

/// Signs in with a wrong password through a proxy that appended `seen` (the
/// address it saw) to the `X-Forwarded-For` the client sent (`sent`).
async fn fail_through_proxy(app: &crate::helpers::TestApp, sent: &str, seen: &str) -> u16 {
    app.client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("x-forwarded-for", format!("{sent}, {seen}"))
        .json(&json!({"email": "ada@example.com", "password": "wrong password!!"}))
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_a_forged_forwarded_for_moves_neither_the_limit_nor_the_audit() {
    use mentor::client_ip::{ProxyHeader, TrustedProxies};
    use mentor::db::schema::audit_log::dsl as a;
    let app = spawn_app_with(|s| {
        s.auth.auth_requests_per_minute = 5;
        s.auth.throttle_after = 100;
        s.trusted_proxies =
            TrustedProxies::parse("127.0.0.1", ProxyHeader::XForwardedFor).expect("proxies");
    })
    .await;
    // A new left-most address on every try, as an attacker rotates it; the
    // right-most is what the (trusted) proxy saw.
    let mut statuses = Vec::new();
    for i in 0..6 {
        statuses.push(fail_through_proxy(&app, &format!("198.51.100.{i}"), "203.0.113.7").await);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    // Another client behind the same proxy has its own allowance.
    assert_eq!(
        fail_through_proxy(&app, "203.0.113.7", "192.0.2.8").await,
        401
    );
    let ips: Vec<Option<String>> = app.with_db(|conn| {
        a::audit_log
            .filter(a::action.eq("auth.sign_in_failed"))
            .select(a::ip)
            .load(conn)
            .expect("audit")
    });
    assert_eq!(ips.len(), 6, "{ips:?}");
    assert!(
        ips[..5]
            .iter()
            .all(|ip| ip.as_deref() == Some("203.0.113.7")),
        "{ips:?}"
    );
    assert_eq!(ips[5].as_deref(), Some("192.0.2.8"));
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_for_is_not_believed() {
    use mentor::db::schema::audit_log::dsl as a;
    let app = spawn_app_with(|s| s.auth.throttle_after = 100).await;
    assert_eq!(
        fail_through_proxy(&app, "198.51.100.1", "203.0.113.7").await,
        401
    );
    let ip: Option<String> = app.with_db(|conn| {
        a::audit_log
            .filter(a::action.eq("auth.sign_in_failed"))
            .select(a::ip)
            .first(conn)
            .expect("audit")
    });
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}
