//! Bring your own key: saving checks the key with the provider, keys are
//! stored encrypted (tamper-evident, bound to their row), a rotation keeps
//! them readable, asks with the user's key reach the provider with it and
//! count no question, a refused key fails the ask unless the user allows
//! the platform's, plan rules, isolation between users, and deletion.

use diesel::prelude::*;
use mentor::db::schema::{
    provider_keys::dsl as p, usage_events::dsl as l, user_data_keys::dsl as d,
};
use mentor_stand_ins::{Scenario, Wire};
use serde_json::{Value, json};

use crate::helpers::{Reply, Session, TestApp, spawn_app, spawn_app_with, test_key, test_vault};

const GOOD: &str = "sk-user-own-key-7Qx2";
const REFUSED: &str = "sk-refused-by-provider-1";
const BUSY: &str = "sk-busy-provider-key-9";

async fn put(app: &TestApp, s: &Session, provider: &str, key: &str) -> Reply {
    app.request(
        "PUT",
        &format!("/api/v1/provider-keys/{provider}"),
        Some(&s.access),
        Some(json!({"api_key": key})),
    )
    .await
}

/// `method /api/v1/provider-keys/{tail}` without a body.
async fn on_key(app: &TestApp, s: &Session, method: &str, tail: &str) -> Reply {
    app.request(
        method,
        &format!("/api/v1/provider-keys/{tail}"),
        Some(&s.access),
        None,
    )
    .await
}

async fn list(app: &TestApp, s: &Session) -> Value {
    let reply = app
        .request("GET", "/api/v1/provider-keys", Some(&s.access), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn pro(app: &TestApp, email: &str) -> Session {
    let s = app.register(email).await;
    app.set_tier(s.user_id, "pro");
    s
}

async fn used(app: &TestApp, s: &Session) -> i64 {
    let usage = app
        .request("GET", "/api/v1/usage", Some(&s.access), None)
        .await;
    usage.body["quota"]["used"].as_i64().expect("used")
}

/// The API keys the stand-in received on chat requests, in order.
fn chat_keys(app: &TestApp) -> Vec<String> {
    app.fake
        .received()
        .into_iter()
        .filter(|r| !r.body.is_null())
        .filter_map(|r| r.api_key)
        .collect()
}

#[tokio::test]
async fn saving_checks_the_key_with_the_provider() {
    let app = spawn_app().await;
    let free = app.register("free@example.com").await;
    put(&app, &free, "openai", GOOD)
        .await
        .assert_error(403, "plan_required");
    let ada = pro(&app, "ada@example.com").await;

    let saved = put(&app, &ada, "openai", GOOD).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.body["status"], "verified");
    assert_eq!(saved.body["last4"], "7Qx2");
    assert!(saved.body["verified_at"].is_string());
    let check = app.fake.received().pop().expect("a check call");
    assert_eq!(check.path, "/v1/models");
    assert_eq!(
        check.api_key.as_deref(),
        Some(format!("Bearer {GOOD}").as_str())
    );

    // Refused: not saved. Busy: saved, unverified, with the reason.
    put(&app, &ada, "anthropic", REFUSED)
        .await
        .assert_error(422, "provider_key_invalid");
    let busy = put(&app, &ada, "gemini", BUSY).await;
    assert_eq!(busy.body["status"], "unverified", "{}", busy.body);
    assert!(
        busy.body["last_error"]
            .as_str()
            .expect("text")
            .contains("429")
    );
    let checks: Vec<_> = app.fake.received().into_iter().map(|r| r.path).collect();
    assert!(
        checks.iter().any(|p| p.starts_with("/v1/models?limit=1")),
        "{checks:?}"
    );
    assert!(
        checks.iter().any(|p| p.starts_with("/v1beta/models")),
        "{checks:?}"
    );

    let keys = list(&app, &ada).await;
    assert_eq!(keys["allowed"], true);
    assert_eq!(keys["fallback_to_platform"], false);
    let providers: Vec<_> = keys["keys"]
        .as_array()
        .expect("list")
        .iter()
        .map(|k| k["provider"].clone())
        .collect();
    assert_eq!(providers, [json!("gemini"), json!("openai")]);
    assert!(!keys.to_string().contains(GOOD));

    // Bad input, unknown providers, verify, delete.
    put(&app, &ada, "acme", GOOD)
        .await
        .assert_error(404, "not_found");
    put(&app, &ada, "openai", "short")
        .await
        .assert_error(400, "invalid_request");
    put(&app, &ada, "openai", "has a space in it")
        .await
        .assert_error(400, "invalid_request");
    let verified = on_key(&app, &ada, "POST", "gemini/verify").await;
    assert_eq!(verified.body["status"], "unverified", "{}", verified.body);
    // A saved key the provider now refuses, or cannot check, is marked so.
    app.fake.queue(Wire::OpenAi, [Scenario::Status(401)]);
    let refused = on_key(&app, &ada, "POST", "openai/verify").await;
    assert_eq!(refused.body["status"], "invalid", "{}", refused.body);
    assert!(
        refused.body["last_error"]
            .as_str()
            .expect("text")
            .contains("401")
    );
    app.fake.queue(Wire::OpenAi, [Scenario::Status(503)]);
    let unsure = on_key(&app, &ada, "POST", "openai/verify").await;
    assert_eq!(unsure.body["status"], "unverified", "{}", unsure.body);
    let valid = on_key(&app, &ada, "POST", "openai/verify").await;
    assert_eq!(valid.body["status"], "verified", "{}", valid.body);
    assert_eq!(valid.body["last_error"], Value::Null);
    // No address of the user's choosing.
    app.request(
        "PUT",
        "/api/v1/provider-keys/openai",
        Some(&ada.access),
        Some(json!({"api_key": GOOD, "base_url": "http://169.254.169.254"})),
    )
    .await
    .assert_error(400, "invalid_request");
    put(&app, &ada, "gemini", "sk-now-fine-gemini").await;
    let deleted = on_key(&app, &ada, "DELETE", "gemini").await;
    assert_eq!(deleted.status, 204);
    on_key(&app, &ada, "DELETE", "gemini")
        .await
        .assert_error(404, "not_found");
    on_key(&app, &ada, "POST", "gemini/verify")
        .await
        .assert_error(404, "not_found");

    // Another user sees none of it.
    let bob = pro(&app, "bob@example.com").await;
    assert_eq!(list(&app, &bob).await["keys"], json!([]));
    on_key(&app, &bob, "DELETE", "openai")
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn keys_are_encrypted_at_rest_and_bound_to_their_row() {
    let app = spawn_app().await;
    let ada = pro(&app, "ada@example.com").await;
    let bob = pro(&app, "bob@example.com").await;
    assert_eq!(put(&app, &ada, "openai", GOOD).await.status, 200);
    assert_eq!(
        put(&app, &bob, "openai", "sk-bob-own-key-0000")
            .await
            .status,
        200
    );

    let (ada_cipher, wrapped): (String, String) = app.with_db(|conn| {
        let cipher = p::provider_keys
            .filter(p::user_id.eq(ada.user_id))
            .select(p::ciphertext)
            .first(conn)
            .expect("row");
        let wrapped = d::user_data_keys
            .find(ada.user_id)
            .select(d::wrapped)
            .first(conn)
            .expect("data key");
        (cipher, wrapped)
    });
    assert!(!ada_cipher.contains(GOOD) && !wrapped.contains(GOOD));
    if let Some(path) = app.settings.database_url.strip_prefix("sqlite://") {
        app.with_db(|conn| {
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(conn)
                .expect("checkpoint")
        });
        let file = std::fs::read(path).expect("database file");
        let needle = GOOD.as_bytes();
        assert!(
            !file.windows(needle.len()).any(|w| w == needle),
            "the plain key is in the file"
        );
    }

    // Ada's ciphertext in Bob's row does not decrypt (another user's data key
    // and associated data): the check fails closed.
    app.with_db(|conn| {
        diesel::update(p::provider_keys.filter(p::user_id.eq(bob.user_id)))
            .set(p::ciphertext.eq(&ada_cipher))
            .execute(conn)
            .expect("swap")
    });
    let reply = on_key(&app, &bob, "POST", "openai/verify").await;
    reply.assert_error(500, "internal");
    assert!(!reply.body.to_string().contains(GOOD));
    // A changed byte fails too.
    let mut bytes: Vec<u8> = ada_cipher.into_bytes();
    bytes[20] = if bytes[20] == b'A' { b'B' } else { b'A' };
    app.with_db(|conn| {
        diesel::update(p::provider_keys.filter(p::user_id.eq(ada.user_id)))
            .set(p::ciphertext.eq(String::from_utf8(bytes).expect("utf-8")))
            .execute(conn)
            .expect("tamper")
    });
    on_key(&app, &ada, "POST", "openai/verify")
        .await
        .assert_error(500, "internal");
}

#[tokio::test]
async fn a_rotation_rewraps_data_keys_and_the_keys_still_work() {
    let app = spawn_app().await;
    let ada = pro(&app, "ada@example.com").await;
    assert_eq!(put(&app, &ada, "openai", GOOD).await.status, 200);
    let cipher_before: String = app.with_db(|conn| {
        p::provider_keys
            .select(p::ciphertext)
            .first(conn)
            .expect("row")
    });

    let rotating = test_vault(true);
    let done = app
        .with_db(|conn| mentor::keys::provider_keys::rotate(conn, &rotating))
        .expect("rotate");
    assert_eq!(done, 1);
    assert_eq!(
        app.with_db(|conn| mentor::keys::provider_keys::rotate(conn, &rotating))
            .expect("again"),
        0
    );
    let (master, cipher_after): (String, String) = app.with_db(|conn| {
        let master = d::user_data_keys
            .select(d::master_key_id)
            .first(conn)
            .expect("dk");
        (
            master,
            p::provider_keys
                .select(p::ciphertext)
                .first(conn)
                .expect("row"),
        )
    });
    assert_eq!(master, "test-k2");
    assert_eq!(
        cipher_before, cipher_after,
        "the provider keys are not touched"
    );

    // A replica with only the new key reads it and asks with it.
    let replica = {
        let mut settings = app.settings.clone();
        let only_new = mentor::keys::vault::Vault::new(
            mentor::keys::vault::MasterKey::parse("test-k2", &"22".repeat(32)).expect("key"),
            None,
        );
        settings.vault = Some(std::sync::Arc::new(only_new));
        let replica = mentor::startup::Application::build(settings)
            .await
            .expect("replica");
        let address = format!("http://{}", replica.address());
        tokio::spawn(replica.run_until_stopped());
        address
    };
    let reply = app
        .client
        .post(format!("{replica}/api/v1/ask"))
        .bearer_auth(&ada.access)
        .json(&json!({"question": "Hi", "model": "gpt-4o-mini"}))
        .send()
        .await
        .expect("ask");
    assert_eq!(reply.status(), 200);
    assert_eq!(
        chat_keys(&app).last().map(String::as_str),
        Some(format!("Bearer {GOOD}").as_str())
    );
}

#[tokio::test]
async fn an_ask_with_the_users_key_reaches_the_provider_with_it_and_counts_no_question() {
    let app = spawn_app().await;
    let ada = pro(&app, "ada@example.com").await;
    assert_eq!(put(&app, &ada, "anthropic", GOOD).await.status, 200);

    // No model named: the plan's first model whose provider has her key.
    let reply = app.ask(&ada.access, json!({"question": "Hi"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body["model"]
            .as_str()
            .expect("text")
            .starts_with("claude"),
        "{}",
        reply.body
    );
    assert_eq!(chat_keys(&app), [GOOD.to_string()]);
    assert_eq!(used(&app, &ada).await, 0);
    assert_eq!(reply.body["usage"]["cost_usd"], "0");

    // A model of another provider: the platform's key, and it counts.
    let reply = app
        .ask(
            &ada.access,
            json!({"question": "Hi", "model": "gpt-4o-mini"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(chat_keys(&app)[1], format!("Bearer {}", test_key("openai")));
    assert_eq!(used(&app, &ada).await, 1);

    let rows: Vec<(bool, bool, i64, String)> = app.with_db(|conn| {
        l::usage_events
            .select((l::byok, l::charged, l::cost_pico, l::via))
            .order(l::id)
            .load(conn)
            .expect("ledger")
    });
    assert!(rows[0].0);
    assert_eq!((rows[0].1, rows[0].2), (false, 0));
    assert_eq!((rows[1].0, rows[1].1), (false, true));
    assert!(rows.iter().all(|r| r.3 == "app"));

    // Another user on the same plan asks with the platform's key.
    let bob = pro(&app, "bob@example.com").await;
    app.ask(
        &bob.access,
        json!({"question": "Hi", "model": "claude-3-5-haiku-latest"}),
    )
    .await;
    assert_eq!(chat_keys(&app)[2], test_key("anthropic"));

    // Downgraded to free: the key stays, unused.
    app.set_tier(ada.user_id, "free");
    app.ask(&ada.access, json!({"question": "Hi"})).await;
    assert_ne!(chat_keys(&app)[3], GOOD);
    assert_eq!(list(&app, &ada).await["allowed"], false);
}

#[tokio::test]
async fn a_refused_key_fails_the_ask_unless_the_platform_may_answer() {
    let app = spawn_app().await;
    let ada = pro(&app, "ada@example.com").await;
    assert_eq!(put(&app, &ada, "openai", GOOD).await.status, 200);
    app.fake.queue(Wire::OpenAi, [Scenario::Status(401)]);

    let ask = json!({"question": "Hi", "model": "gpt-4o-mini"});
    app.ask(&ada.access, ask.clone())
        .await
        .assert_error(422, "provider_key_invalid");
    let keys = list(&app, &ada).await;
    assert_eq!(keys["keys"][0]["status"], "invalid");
    assert!(
        keys["keys"][0]["last_error"]
            .as_str()
            .expect("value")
            .contains("401")
    );
    // Known invalid: refused at once, without calling the provider.
    let calls = chat_keys(&app).len();
    app.ask(&ada.access, ask.clone())
        .await
        .assert_error(422, "provider_key_invalid");
    assert_eq!(chat_keys(&app).len(), calls);
    assert_eq!(used(&app, &ada).await, 0);

    // With the fallback on, the platform answers and the question counts.
    let on = app
        .request(
            "PATCH",
            "/api/v1/provider-keys",
            Some(&ada.access),
            Some(json!({"fallback_to_platform": true})),
        )
        .await;
    assert_eq!(on.body["fallback_to_platform"], true, "{}", on.body);
    let reply = app.ask(&ada.access, ask.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        chat_keys(&app).last().expect("a call"),
        &format!("Bearer {}", test_key("openai"))
    );
    assert_eq!(used(&app, &ada).await, 1);

    // Re-verified, the key answers again; refused mid-use with the fallback
    // on, the platform answers the same ask.
    put(&app, &ada, "openai", GOOD).await;
    app.fake.queue(Wire::OpenAi, [Scenario::Status(403)]);
    let reply = app.ask(&ada.access, ask).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let keys = chat_keys(&app);
    assert_eq!(keys[keys.len() - 2], format!("Bearer {GOOD}"));
    assert_eq!(
        keys[keys.len() - 1],
        format!("Bearer {}", test_key("openai"))
    );
    assert_eq!(used(&app, &ada).await, 2);
    let outcomes: Vec<(String, bool)> = app.with_db(|conn| {
        l::usage_events
            .select((l::outcome, l::byok))
            .order(l::id)
            .load(conn)
            .expect("ledger")
    });
    assert_eq!(
        outcomes
            .iter()
            .filter(|(o, b)| o == "provider_key_invalid" && *b)
            .count(),
        2,
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn without_a_master_key_the_routes_say_so_and_deleting_the_account_destroys_the_data_key() {
    let off = spawn_app_with(|s| s.vault = None).await;
    let s = pro(&off, "ada@example.com").await;
    off.request("GET", "/api/v1/provider-keys", Some(&s.access), None)
        .await
        .assert_error(503, "byok_not_configured");
    put(&off, &s, "openai", GOOD)
        .await
        .assert_error(503, "byok_not_configured");

    let app = spawn_app().await;
    let ada = pro(&app, "ada@example.com").await;
    assert_eq!(put(&app, &ada, "openai", GOOD).await.status, 200);
    let deleted = app
        .request(
            "DELETE",
            "/api/v1/users/me",
            Some(&ada.access),
            Some(json!({"password": crate::helpers::PASSWORD})),
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let left: (i64, i64) = app.with_db(|conn| {
        (
            d::user_data_keys.count().get_result(conn).expect("count"),
            p::provider_keys.count().get_result(conn).expect("count"),
        )
    });
    assert_eq!(left, (0, 0));
}
