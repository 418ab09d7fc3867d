//! Mail and the links it carries: verifying the address, resetting a
//! forgotten password, and the queue that delivers them through a real SMTP
//! server (or an outbox folder).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use mentor::db::schema::{account_tokens as at, mail_queue as mq};
use mentor_stand_ins::MailCatcher;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with};

const WAIT: Duration = Duration::from_secs(10);
const NEW_PASSWORD: &str = "a brand new passphrase 2026";

/// The token of the newest link to `page` mailed to `to` (waiting for the
/// `count`-th message).
async fn link_token(app: &TestApp, to: &str, count: usize, page: &str) -> String {
    let mails = app.mail.wait_for(to, count, WAIT).await;
    assert!(mails.len() >= count, "{to} got {} mails", mails.len());
    let prefix = format!("{}{page}?token=", app.address);
    let link = mails
        .iter()
        .rev()
        .find_map(|m| m.link(&prefix))
        .unwrap_or_else(|| panic!("no {page} link in: {}", mails[count - 1].text()));
    link.rsplit("token=").next().expect("token").to_string()
}

async fn verify(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.post("/api/v1/auth/verify-email", json!({"token": token}))
        .await
}

#[tokio::test]
async fn sign_up_mails_a_link_that_verifies_the_address_once() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let me = app
        .request("GET", "/api/v1/users/me", Some(&ada.access), None)
        .await;
    assert_eq!(me.body["email_verified"], false);

    let mails = app.mail.wait_for("ada@example.com", 1, WAIT).await;
    let mail = &mails[0];
    assert!(
        mail.subject().contains("Confirm your email"),
        "{}",
        mail.subject()
    );
    assert!(
        mail.html().contains("Confirm my address"),
        "{}",
        mail.html()
    );
    let token = link_token(&app, "ada@example.com", 1, "/verify-email").await;
    assert_eq!(token.len(), 43, "256 bits, base64url");

    // The page the link opens: strict policy, no referrer.
    let page = app
        .client
        .get(format!("{}/verify-email?token={token}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("header")
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");

    let reply = verify(&app, &token).await;
    assert_eq!(
        (reply.status, &reply.body["email_verified"]),
        (200, &json!(true)),
        "{}",
        reply.body
    );
    let me = app
        .request("GET", "/api/v1/users/me", Some(&ada.access), None)
        .await;
    assert_eq!(me.body["email_verified"], true);
    // Single use.
    verify(&app, &token).await.assert_error(410, "link_expired");
    // Only the hash is stored.
    let stored: Vec<String> =
        app.with_db(|conn| at::table.select(at::token_hash).load(conn).expect("tokens"));
    assert!(stored.iter().all(|h| h != &token && h.len() == 64));
}

#[tokio::test]
async fn unknown_expired_and_wrong_purpose_links_are_refused() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let token = link_token(&app, "ada@example.com", 1, "/verify-email").await;

    verify(&app, "A".repeat(43).as_str())
        .await
        .assert_error(400, "invalid_link");
    verify(&app, "short")
        .await
        .assert_error(400, "invalid_link");
    // A verification token does not reset a password.
    app.post(
        "/api/v1/auth/reset-password",
        json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await
    .assert_error(400, "invalid_link");
    // Expired: refused, and the address stays unverified.
    app.with_db(|conn| {
        diesel::update(at::table)
            .set(at::expires_at.eq(mentor::db::now() - chrono::Duration::minutes(1)))
            .execute(conn)
            .expect("expire")
    });
    verify(&app, &token).await.assert_error(410, "link_expired");
}

#[tokio::test]
async fn a_new_link_retires_the_old_one_and_resending_is_limited() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let first = link_token(&app, "ada@example.com", 1, "/verify-email").await;
    let resend = || {
        app.request(
            "POST",
            "/api/v1/auth/resend-verification",
            Some(&ada.access),
            None,
        )
    };
    assert_eq!(resend().await.status, 202);
    resend().await.assert_error(429, "rate_limited");
    let second = link_token(&app, "ada@example.com", 2, "/verify-email").await;
    assert_ne!(first, second);
    verify(&app, &first).await.assert_error(410, "link_expired");
    assert_eq!(verify(&app, &second).await.status, 200);
    app.request("POST", "/api/v1/auth/resend-verification", None, None)
        .await
        .assert_error(401, "missing_token");
}

#[tokio::test]
async fn api_keys_need_a_verified_address_when_required() {
    let app = spawn_app_with(|s| s.require_verified_email = true).await;
    let ada = app.register("ada@example.com").await;
    app.set_tier(ada.user_id, "pro");
    let create = || {
        app.request(
            "POST",
            "/api/v1/api-keys",
            Some(&ada.access),
            Some(json!({"name": "laptop"})),
        )
    };
    create().await.assert_error(403, "email_unverified");
    let token = link_token(&app, "ada@example.com", 1, "/verify-email").await;
    assert_eq!(verify(&app, &token).await.status, 200);
    let reply = create().await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_signs_out_everywhere() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    app.mail.wait_for("ada@example.com", 1, WAIT).await;
    let reply = app
        .post(
            "/api/v1/auth/forgot-password",
            json!({"email": " Ada@Example.com "}),
        )
        .await;
    assert_eq!(reply.status, 202);
    let token = link_token(&app, "ada@example.com", 2, "/reset-password").await;
    let mails = app.mail.to("ada@example.com");
    assert!(
        mails[1].text().contains("30 minutes"),
        "{}",
        mails[1].text()
    );

    // A weak password is refused and the link still works.
    let reset = |password: &str| {
        app.post(
            "/api/v1/auth/reset-password",
            json!({"token": token, "new_password": password}),
        )
    };
    reset("password1234")
        .await
        .assert_error(400, "weak_password");
    assert_eq!(reset(NEW_PASSWORD).await.status, 204);
    reset(NEW_PASSWORD).await.assert_error(410, "link_expired");

    // Every session is gone; the old password fails, the new one works.
    app.refresh(&ada.refresh)
        .await
        .assert_error(401, "invalid_token");
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_error(401, "invalid_credentials");
    assert_eq!(app.login("ada@example.com", NEW_PASSWORD).await.status, 200);
    // And the user is told.
    let mails = app.mail.wait_for("ada@example.com", 3, WAIT).await;
    assert!(
        mails[2].subject().contains("password was reset"),
        "{}",
        mails[2].subject()
    );
}

#[tokio::test]
async fn forgot_password_never_tells_whether_an_address_has_an_account() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    app.mail.wait_for("ada@example.com", 1, WAIT).await;
    let mut times = (Vec::new(), Vec::new());
    for i in 0..4 {
        for (email, into) in [
            ("ada@example.com", &mut times.0),
            (&*format!("nobody{i}@example.com"), &mut times.1),
        ] {
            let started = Instant::now();
            let reply = app
                .post("/api/v1/auth/forgot-password", json!({"email": email}))
                .await;
            into.push(started.elapsed());
            assert_eq!((reply.status, &reply.body), (202, &serde_json::Value::Null));
        }
    }
    // Both answer before looking the address up: the times are alike.
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (known, unknown) = (median(&mut times.0), median(&mut times.1));
    assert!(
        known.abs_diff(unknown) < Duration::from_millis(50),
        "known {known:?} vs unknown {unknown:?}"
    );
    // The address's form is checked (which says nothing about accounts).
    app.post(
        "/api/v1/auth/forgot-password",
        json!({"email": "not an address"}),
    )
    .await
    .assert_error(400, "invalid_email");
    // One reset mail for the known address (one a minute per address),
    // none for the others.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.mail.to("ada@example.com").len(), 2);
    assert_eq!(app.mail.messages().len(), 2);
}

#[tokio::test]
async fn mail_waits_in_the_queue_while_smtp_is_down_and_is_delivered_once() {
    // A port with nothing listening yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let app = spawn_app_with(|s| {
        s.mail.smtp_url = Some(secrecy::SecretString::from(format!(
            "smtp://127.0.0.1:{port}"
        )));
    })
    .await;
    app.register("ada@example.com").await;
    // Tried and failed at least once.
    let deadline = Instant::now() + WAIT;
    loop {
        let (attempts, error): (i32, Option<String>) = app.with_db(|conn| {
            mq::table
                .select((mq::attempts, mq::last_error))
                .first(conn)
                .expect("queued")
        });
        if attempts >= 1 && error.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "never tried");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The server comes up: the retry delivers it, once.
    let smtp = MailCatcher::start_on(&format!("127.0.0.1:{port}"));
    let mails = smtp
        .wait_for("ada@example.com", 1, Duration::from_secs(15))
        .await;
    assert_eq!(mails.len(), 1);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.messages().len(), 1, "delivered twice");
    let (sent, text): (Option<chrono::NaiveDateTime>, String) = app.with_db(|conn| {
        mq::table
            .select((mq::sent_at, mq::text_body))
            .first(conn)
            .expect("row")
    });
    assert!(sent.is_some());
    assert!(text.is_empty(), "the body stays at rest after sending");
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_outbox() {
    let outbox = tempfile::tempdir().expect("dir");
    let path = outbox.path().to_path_buf();
    let app = spawn_app_with(move |s| {
        s.mail.smtp_url = None;
        s.mail.outbox = path;
    })
    .await;
    app.register("ada@example.com").await;
    let deadline = Instant::now() + WAIT;
    let eml = loop {
        let files: Vec<_> = std::fs::read_dir(outbox.path())
            .expect("outbox")
            .flatten()
            .filter(|f| f.path().extension().is_some_and(|e| e == "eml"))
            .collect();
        // The file may be seen before its writer has filled it.
        if let Some(text) = files
            .first()
            .and_then(|f| std::fs::read_to_string(f.path()).ok())
            .filter(|text| text.contains("/verify-email?token="))
        {
            break text;
        }
        assert!(Instant::now() < deadline, "no whole .eml in the outbox");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(eml.contains("To: ada@example.com"), "{eml}");
    assert!(eml.contains("/verify-email?token="), "{eml}");
}

#[tokio::test]
async fn changing_the_address_verifies_the_new_one_and_tells_the_old_one() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let token = link_token(&app, "ada@example.com", 1, "/verify-email").await;
    assert_eq!(verify(&app, &token).await.status, 200);
    app.register("taken@example.com").await;
    let patch = |body| app.request("PATCH", "/api/v1/users/me", Some(&ada.access), Some(body));

    patch(json!({"email": "ada@new.example"}))
        .await
        .assert_error(400, "invalid_request");
    patch(json!({"email": "ada@new.example", "current_password": "not it at all 99"}))
        .await
        .assert_error(403, "wrong_password");
    patch(json!({"email": "taken@example.com", "current_password": PASSWORD}))
        .await
        .assert_error(409, "email_taken");
    let reply = patch(json!({"email": " Ada@New.example ", "current_password": PASSWORD})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        (&reply.body["email"], &reply.body["email_verified"]),
        (&json!("ada@new.example"), &json!(false))
    );
    // The old address is told; the new one gets a link, which verifies it.
    let old = app.mail.wait_for("ada@example.com", 2, WAIT).await;
    assert!(
        old[1].text().contains("ada@new.example"),
        "{}",
        old[1].text()
    );
    let token = link_token(&app, "ada@new.example", 1, "/verify-email").await;
    let reply = verify(&app, &token).await;
    assert_eq!(
        (reply.status, &reply.body["email_verified"]),
        (200, &json!(true))
    );
    assert_eq!(app.login("ada@new.example", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn address_changes_are_limited_and_mail_to_an_unproved_address_carries_no_user_words() {
    let app = spawn_app().await;
    let spam = "URGENT your bank account is locked call 555";
    let change = |token: String, email: String| {
        let app = &app;
        async move {
            let body = json!({"email": email, "current_password": PASSWORD});
            app.request("PATCH", "/api/v1/users/me", Some(&token), Some(body))
                .await
        }
    };
    let ada = app.register("ada@example.com").await;
    let named = app
        .request(
            "PATCH",
            "/api/v1/users/me",
            Some(&ada.access),
            Some(json!({"full_name": spam})),
        )
        .await;
    assert_eq!(named.status, 200, "{}", named.body);
    for i in 1..=3 {
        let reply = change(ada.access.clone(), format!("victim{i}@example.net")).await;
        assert_eq!(reply.status, 200, "change {i}: {}", reply.body);
    }
    let fourth = change(ada.access.clone(), "victim4@example.net".into()).await;
    fourth.assert_error(429, "rate_limited");
    let wait: u64 = fourth
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((86_000..=86_400).contains(&wait), "{wait}");
    // Each victim got a link, and none of the name the caller wrote.
    for i in 1..=3 {
        let mails = app
            .mail
            .wait_for(&format!("victim{i}@example.net"), 1, WAIT)
            .await;
        assert!(
            mails
                .iter()
                .all(|m| !m.text().contains("URGENT") && !m.html().contains("URGENT"))
        );
    }

    // One address named by account after account is mailed 3 times an hour at most.
    let target = "target@example.net".to_string();
    for (i, user) in ["bob", "cy"].iter().enumerate() {
        let s = app.register(&format!("{user}@example.com")).await;
        let there = change(s.access.clone(), target.clone()).await;
        assert_eq!(there.status, 200, "{user} to target: {}", there.body);
        let away = change(s.access.clone(), format!("{user}{i}@example.org")).await;
        assert_eq!(away.status, 200, "{user} away: {}", away.body);
    }
    let dee = app.register("dee@example.com").await;
    let refused = change(dee.access.clone(), target.clone()).await;
    refused.assert_error(429, "rate_limited");
    assert_eq!(app.mail.wait_for(&target, 4, WAIT).await.len(), 4);
}
