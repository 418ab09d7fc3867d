//! Personal API keys: plan rules, the key shown once and stored as a hash,
//! use on the ask route only, last use, expiry, deletion, the per-user
//! limit, cross-user isolation and the audit log.

use diesel::prelude::*;
use mentor::db::schema::{api_keys::dsl as k, audit_log::dsl as a};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, spawn_app};

async fn create(app: &TestApp, s: &Session, body: Value) -> crate::helpers::Reply {
    app.request("POST", "/api/v1/api-keys", Some(&s.access), Some(body))
        .await
}

#[tokio::test]
async fn a_key_is_shown_once_stored_as_a_hash_and_asks_on_a_paid_plan() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    create(&app, &ada, json!({"name": "laptop"}))
        .await
        .assert_error(403, "plan_required");
    app.set_tier(ada.user_id, "pro");

    let reply = create(&app, &ada, json!({"name": "laptop", "expires_in_days": 30})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let key = reply.body["key"].as_str().expect("key").to_string();
    assert!(
        key.starts_with("aim_") && key.len() == 4 + 16 + 1 + 64,
        "{key}"
    );
    assert_eq!(reply.body["prefix"], key[..20]);
    assert_eq!(reply.body["last4"], key[key.len() - 4..]);
    assert!(reply.body["expires_at"].is_string());

    let listed = app
        .request("GET", "/api/v1/api-keys", Some(&ada.access), None)
        .await;
    assert_eq!(listed.status, 200);
    assert!(
        !listed.body.to_string().contains(&key[21..]),
        "the secret is listed"
    );
    assert_eq!(listed.body[0]["name"], "laptop");
    // Neither the key nor its secret is in the database.
    let (hash, public_id): (String, String) = app.with_db(|conn| {
        k::api_keys
            .select((k::secret_hash, k::public_id))
            .first(conn)
            .expect("row")
    });
    assert!(!hash.contains(&key[21..]) && key.contains(&public_id));

    let answer = app.ask(&key, json!({"question": "Hi?"})).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // The key's last use is stamped (in the background).
    let mut stamped = false;
    for _ in 0..50 {
        let listed = app
            .request("GET", "/api/v1/api-keys", Some(&ada.access), None)
            .await;
        if listed.body[0]["last_used_at"].is_string() {
            stamped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(stamped, "last_used_at was never set");

    // A key works on the ask route only: never on account, key or admin routes.
    for (method, path) in [
        ("GET", "/api/v1/users/me"),
        ("GET", "/api/v1/api-keys"),
        ("GET", "/api/v1/conversations"),
        ("GET", "/api/v1/admin/users"),
    ] {
        app.request(method, path, Some(&key), None)
            .await
            .assert_error(401, "invalid_token");
    }

    // A changed secret, or the plan's end, stops it.
    let mut tampered = key.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    app.ask(&tampered, json!({"question": "Hi?"}))
        .await
        .assert_error(401, "invalid_token");
    app.set_tier(ada.user_id, "free");
    app.ask(&key, json!({"question": "Hi?"}))
        .await
        .assert_error(403, "plan_required");
}

#[tokio::test]
async fn expired_deleted_and_other_users_keys_are_refused() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    for s in [&ada, &bob] {
        app.set_tier(s.user_id, "pro");
    }
    let made = create(&app, &ada, json!({"name": "ci"})).await;
    let (key, id) = (
        made.body["key"].as_str().expect("key").to_string(),
        made.body["id"].as_i64().expect("id"),
    );
    // Bob can neither see nor delete Ada's key.
    let bobs = app
        .request("GET", "/api/v1/api-keys", Some(&bob.access), None)
        .await;
    assert_eq!(bobs.body, json!([]));
    app.request(
        "DELETE",
        &format!("/api/v1/api-keys/{id}"),
        Some(&bob.access),
        None,
    )
    .await
    .assert_error(404, "not_found");
    assert_eq!(app.ask(&key, json!({"question": "Hi?"})).await.status, 200);

    // Expired.
    app.with_db(|conn| {
        diesel::update(k::api_keys.find(id))
            .set(k::expires_at.eq(Some(mentor::db::now() - chrono::TimeDelta::seconds(1))))
            .execute(conn)
            .expect("expire")
    });
    app.ask(&key, json!({"question": "Hi?"}))
        .await
        .assert_error(401, "invalid_token");

    // Deleted.
    let second = create(&app, &ada, json!({"name": "ci 2"})).await;
    let key2 = second.body["key"].as_str().expect("key").to_string();
    let id2 = second.body["id"].as_i64().expect("id");
    let gone = app
        .request(
            "DELETE",
            &format!("/api/v1/api-keys/{id2}"),
            Some(&ada.access),
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    app.ask(&key2, json!({"question": "Hi?"}))
        .await
        .assert_error(401, "invalid_token");

    let actions: Vec<(String, String)> = app.with_db(|conn| {
        a::audit_log
            .filter(a::action.like("keys.%"))
            .select((a::action, a::details))
            .order(a::id.asc())
            .load(conn)
            .expect("audit")
    });
    let names: Vec<&str> = actions.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "keys.api_key_created",
            "keys.api_key_created",
            "keys.api_key_deleted"
        ]
    );
    assert!(
        actions
            .iter()
            .all(|(_, d)| !d.contains(&key[21..]) && !d.contains(&key2[21..]))
    );
}

#[tokio::test]
async fn ten_keys_at_most_and_bad_requests_are_refused() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    app.set_tier(ada.user_id, "enterprise");
    let made = futures_util::future::join_all(
        (0..12).map(|i| create(&app, &ada, json!({"name": format!("key {i}")}))),
    )
    .await;
    let created = made.iter().filter(|r| r.status == 201).count();
    let refused = made
        .iter()
        .filter(|r| r.status == 409 && r.error() == "api_key_limit_reached")
        .count();
    assert_eq!((created, refused), (10, 2));
    for bad in [
        json!({"name": ""}),
        json!({"name": "x".repeat(101)}),
        json!({"name": "k", "expires_in_days": 0}),
        json!({"name": "k", "expires_in_days": 3651}),
        json!({"name": "k", "scopes": ["all"]}),
    ] {
        create(&app, &ada, bad)
            .await
            .assert_error(400, "invalid_request");
    }
}

#[tokio::test]
async fn a_key_reaches_the_resume_and_conversations_only_with_those_scopes() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    app.set_tier(ada.user_id, "pro");
    let resume = b"Ada Lovelace\nAnalyst. Python, SQL and Tableau since 2015.".to_vec();
    assert_eq!(
        app.upload_resume(&ada.access, "cv.txt", resume, None)
            .await
            .status,
        201
    );
    let first = app.ask(&ada.access, json!({"question": "Hi?"})).await;
    assert_eq!(first.body["resume_used"], true, "{}", first.body);
    let conversation = first.body["conversation_id"].clone();

    // By default a key asks only: no resume, no stored conversation.
    let plain = create(&app, &ada, json!({"name": "script"})).await;
    assert_eq!(plain.body["scopes"], json!(["ask"]), "{}", plain.body);
    let plain = plain.body["key"].as_str().expect("key").to_string();
    let answer = app.ask(&plain, json!({"question": "Hi?"})).await;
    assert_eq!(
        (answer.status, &answer.body["resume_used"]),
        (200, &json!(false)),
        "{}",
        answer.body
    );
    app.ask(
        &plain,
        json!({"question": "And then?", "conversation_id": conversation}),
    )
    .await
    .assert_error(403, "forbidden");

    // Opted in at creation, both work, and the list shows them.
    let scoped = create(
        &app,
        &ada,
        json!({"name": "assistant", "scopes": ["resume", "conversations"]}),
    )
    .await;
    assert_eq!(scoped.status, 201, "{}", scoped.body);
    let scoped = scoped.body["key"].as_str().expect("key").to_string();
    let answer = app
        .ask(
            &scoped,
            json!({"question": "And then?", "conversation_id": conversation}),
        )
        .await;
    assert_eq!(
        (answer.status, &answer.body["resume_used"]),
        (200, &json!(true)),
        "{}",
        answer.body
    );
    let listed = app
        .request("GET", "/api/v1/api-keys", Some(&ada.access), None)
        .await;
    assert_eq!(
        listed.body[0]["scopes"],
        json!(["ask", "conversations", "resume"])
    );
    assert_eq!(listed.body[1]["scopes"], json!(["ask"]));
    create(&app, &ada, json!({"name": "x", "scopes": ["admin"]}))
        .await
        .assert_error(400, "invalid_request");
}

/// Registers Ada on the pro plan; her one key, which asks only.
async fn pro_user_with_key(app: &TestApp) -> String {
    let ada = app.register("ada@example.com").await;
    app.set_tier(ada.user_id, "pro");
    create(app, &ada, json!({"name": "script"})).await.body["key"]
        .as_str()
        .expect("key")
        .to_string()
}

#[tokio::test]
async fn signing_out_everywhere_revokes_the_keys_when_asked_and_mails_it() {
    let app = spawn_app().await;
    let key = pro_user_with_key(&app).await;
    let logout_all = |path: &'static str| {
        let app = &app;
        async move {
            let session = app.login("ada@example.com", crate::helpers::PASSWORD).await;
            let token = session.body["access_token"]
                .as_str()
                .expect("token")
                .to_string();
            app.request("POST", path, Some(&token), None).await
        }
    };
    assert_eq!(logout_all("/api/v1/auth/logout-all").await.status, 204);
    assert_eq!(app.ask(&key, json!({"question": "Hi?"})).await.status, 200);
    assert_eq!(
        logout_all("/api/v1/auth/logout-all?revoke_api_keys=true")
            .await
            .status,
        204
    );
    app.ask(&key, json!({"question": "Hi?"}))
        .await
        .assert_error(401, "invalid_token");
    let mails = app
        .mail
        .wait_for("ada@example.com", 2, std::time::Duration::from_secs(10))
        .await;
    let notice = mails.last().expect("mail");
    assert!(
        notice.subject().contains("API keys were revoked"),
        "{}",
        notice.subject()
    );
    assert!(notice.text().contains("(1 in all)"), "{}", notice.text());
}

#[tokio::test]
async fn a_password_reset_revokes_every_key_and_its_mail_says_so() {
    let app = spawn_app().await;
    let key = pro_user_with_key(&app).await;
    app.mail
        .wait_for("ada@example.com", 1, std::time::Duration::from_secs(10))
        .await;
    app.post(
        "/api/v1/auth/forgot-password",
        json!({"email": "ada@example.com"}),
    )
    .await;
    let mails = app
        .mail
        .wait_for("ada@example.com", 2, std::time::Duration::from_secs(10))
        .await;
    let prefix = format!("{}/reset-password?token=", app.address);
    let link = mails[1].link(&prefix).expect("link");
    let token = link.rsplit("token=").next().expect("token");
    let reset = app
        .post(
            "/api/v1/auth/reset-password",
            json!({"token": token, "new_password": "a brand new passphrase 2026"}),
        )
        .await;
    assert_eq!(reset.status, 204, "{}", reset.body);
    app.ask(&key, json!({"question": "Hi?"}))
        .await
        .assert_error(401, "invalid_token");
    let mails = app
        .mail
        .wait_for("ada@example.com", 3, std::time::Duration::from_secs(10))
        .await;
    assert!(
        mails[2]
            .text()
            .contains("1 personal API key(s) were revoked too"),
        "{}",
        mails[2].text()
    );
}
