//! The account's life beyond signing in: deleting it (Stripe cleaned up,
//! the ledger and audit log kept without the person), exporting its data,
//! the notices mailed about it, and conversations past their plan's
//! retention.

use std::io::Read;
use std::time::Duration;

use diesel::prelude::*;
use mentor::db::schema::{
    audit_log as al, conversations as c, mail_queue as mq, usage_events as ue,
};
use mentor_stand_ins::stripe::event;
use serde_json::{Value, json};

use crate::billing::{now, pro_sub, spawn_billed};
use crate::helpers::{PASSWORD, Session, TestApp, spawn_app, spawn_app_with_plans};

const WAIT: Duration = Duration::from_secs(10);

fn sql(conn: &mut mentor::db::Db, query: &str) -> QueryResult<usize> {
    diesel::sql_query(query).execute(conn)
}

async fn delete_me(app: &TestApp, s: &Session) -> crate::helpers::Reply {
    app.request(
        "DELETE",
        "/api/v1/users/me",
        Some(&s.access),
        Some(json!({"password": PASSWORD})),
    )
    .await
}

fn ledger_rows(app: &TestApp) -> Vec<Option<i64>> {
    app.with_db(|conn| {
        ue::table
            .select(ue::user_id)
            .order(ue::id)
            .load(conn)
            .expect("ledger")
    })
}

type AuditFields = (
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

fn audit_rows(app: &TestApp) -> Vec<AuditFields> {
    app.with_db(|conn| {
        al::table
            .select((
                al::action,
                al::actor_id,
                al::actor_email,
                al::target_id,
                al::ip,
                al::details,
            ))
            .order(al::id)
            .load(conn)
            .expect("audit")
    })
}

#[tokio::test]
async fn deleting_an_account_ends_it_at_stripe_and_keeps_the_books_without_the_person() {
    let billed = spawn_billed().await;
    let app = &billed.app;
    let (ada, customer) = billed.customer("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    let t = now();
    billed
        .stripe
        .put_subscription(pro_sub(&customer, "active", t));
    let created = event(
        "evt_1",
        "customer.subscription.created",
        t,
        pro_sub(&customer, "active", t),
    );
    assert_eq!(billed.deliver(&created).await.status, 200);
    assert_eq!(billed.billing(&ada.access).await["tier"], "pro");
    for s in [&ada, &bob] {
        assert_eq!(
            app.ask(&s.access, json!({"question": "q"})).await.status,
            200
        );
    }
    let ledger_before = ledger_rows(app);
    assert_eq!(ledger_before.len(), 2);

    // The wrong password deletes nothing and calls nobody.
    let wrong = app
        .request(
            "DELETE",
            "/api/v1/users/me",
            Some(&ada.access),
            Some(json!({"password": "not the password at all"})),
        )
        .await;
    wrong.assert_error(403, "wrong_password");
    assert!(
        !billed
            .stripe
            .received()
            .iter()
            .any(|r| r.method == "DELETE"),
        "no Stripe call before the password matched"
    );

    let reply = delete_me(app, &ada).await;
    assert_eq!(reply.status, 204, "{}", reply.body);

    // Stripe: the live subscription cancelled at once, then the customer.
    let deletes: Vec<String> = billed
        .stripe
        .received()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        deletes,
        [
            "/v1/subscriptions/sub_1".to_string(),
            format!("/v1/customers/{customer}")
        ]
    );
    assert_eq!(
        billed.stripe.subscription("sub_1").expect("kept")["status"],
        "canceled"
    );
    assert!(!billed.stripe.has_customer(&customer));

    // Every session is over.
    app.refresh(&ada.refresh)
        .await
        .assert_error(401, "invalid_token");
    app.request("GET", "/api/v1/users/me", Some(&ada.access), None)
        .await
        .assert_error(401, "invalid_token");

    // The ledger keeps both rows; Ada's lost its link, Bob's did not.
    let ledger_after = ledger_rows(app);
    assert_eq!(ledger_after, [None, Some(bob.user_id)]);

    // The audit log keeps Ada's events without her id, address or IP.
    let audit = audit_rows(app);
    let ada_id = ada.user_id.to_string();
    for (action, actor_id, email, target, ip, details) in &audit {
        assert_ne!(*actor_id, Some(ada.user_id), "{action}");
        assert_ne!(email.as_deref(), Some("ada@example.com"), "{action}");
        assert_ne!(target.as_deref(), Some(ada_id.as_str()), "{action}");
        assert!(!details.contains("ada@example.com"), "{action}: {details}");
        if *actor_id == Some(bob.user_id) {
            assert!(ip.is_some(), "Bob's rows keep their IP");
        }
    }
    let kept: Vec<&str> = audit.iter().map(|row| row.0.as_str()).collect();
    assert!(kept.contains(&"auth.account_created"), "{kept:?}");
    assert!(kept.contains(&"billing.subscription_changed"), "{kept:?}");
    assert_eq!(kept.last(), Some(&"auth.account_deleted"));
    assert_eq!(audit.last().expect("row").5, r#"{"tier":"pro"}"#);

    // The address can sign in no more (that attempt is logged anew).
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status, 401);

    // No mail to her address stays queued or recorded.
    let mail: i64 = app.with_db(|conn| {
        mq::table
            .filter(mq::recipient.eq("ada@example.com"))
            .count()
            .get_result(conn)
            .expect("count")
    });
    assert_eq!(mail, 0);

    // Stripe then reports the cancellation: accepted, and nobody's tier moves.
    let ended = event(
        "evt_2",
        "customer.subscription.deleted",
        t + 10,
        pro_sub(&customer, "canceled", t),
    );
    assert_eq!(billed.deliver(&ended).await.status, 200);
    assert_eq!(billed.billing(&bob.access).await["tier"], "free");

    // The address is free for a new account.
    app.register("ada@example.com").await;
}

#[tokio::test]
async fn when_stripe_is_out_of_reach_nothing_is_deleted() {
    let billed = spawn_billed().await;
    let (ada, _) = billed.customer("ada@example.com").await;
    let app = billed.app;
    billed.stripe.stop().await;
    delete_me(&app, &ada)
        .await
        .assert_error(502, "payment_provider_error");
    let me = app
        .request("GET", "/api/v1/users/me", Some(&ada.access), None)
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
}

#[tokio::test]
async fn an_admin_deleting_a_user_ends_their_stripe_customer_too() {
    let billed = spawn_billed().await;
    let app = &billed.app;
    let admin = app.admin("root@example.com").await;
    let (ada, customer) = billed.customer("ada@example.com").await;
    let reply = app
        .request(
            "DELETE",
            &format!("/api/v1/admin/users/{}", ada.user_id),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert!(!billed.stripe.has_customer(&customer));
    let audit = audit_rows(app);
    let last = audit.last().expect("row");
    assert_eq!(
        (last.0.as_str(), last.1, last.3.as_deref()),
        ("admin.user_deleted", Some(admin.user_id), None)
    );
}

#[tokio::test]
async fn the_audit_log_lets_personal_fields_be_erased_and_nothing_else_change() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    let run = |query: &'static str| app.with_db(move |conn| sql(conn, query).map(drop));
    assert!(run("UPDATE audit_log SET action = 'auth.sign_in'").is_err());
    assert!(run("UPDATE audit_log SET actor_email = 'eve@example.com'").is_err());
    assert!(run("UPDATE audit_log SET details = '{\"x\":1}'").is_err());
    assert!(run("DELETE FROM audit_log").is_err());
    assert!(run("UPDATE audit_log SET actor_email = NULL, actor_id = NULL, ip = NULL").is_ok());
}

/// Polls the export until it is no longer pending.
async fn ready_export(app: &TestApp, s: &Session) -> Value {
    for _ in 0..100 {
        let reply = app
            .request("GET", "/api/v1/users/me/export", Some(&s.access), None)
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body["state"] != "pending" {
            return reply.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the export stayed pending");
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("entry");
            let mut text = String::new();
            file.read_to_string(&mut text).expect("utf-8");
            (file.name().expect("name").to_string(), text)
        })
        .collect()
}

#[tokio::test]
async fn an_export_holds_all_of_the_users_data_and_nobody_elses() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    app.ask(
        &ada.access,
        json!({"question": "How do I negotiate a raise?"}),
    )
    .await;
    app.ask(&bob.access, json!({"question": "Bob's secret question"}))
        .await;
    let resume = app
        .upload_resume(
            &ada.access,
            "cv.txt",
            b"Ada Lovelace\nAnalytical engines, Rust and PostgreSQL".to_vec(),
            None,
        )
        .await;
    assert_eq!(resume.status, 201, "{}", resume.body);
    let job = app
        .request(
            "POST",
            "/api/v1/jobs",
            Some(&ada.access),
            Some(json!({"title": "Engine designer", "description": "Build engines with Rust."})),
        )
        .await;
    assert_eq!(job.status, 201, "{}", job.body);
    app.set_tier(ada.user_id, "pro");
    let key = app
        .request(
            "POST",
            "/api/v1/api-keys",
            Some(&ada.access),
            Some(json!({"name": "laptop"})),
        )
        .await;
    assert_eq!(key.status, 201, "{}", key.body);
    let secret = key.body["key"].as_str().expect("key").to_string();

    // Nothing yet; then one started, and a second within the hour refused.
    app.request("GET", "/api/v1/users/me/export", Some(&ada.access), None)
        .await
        .assert_error(404, "not_found");
    let started = app
        .request("POST", "/api/v1/users/me/export", Some(&ada.access), None)
        .await;
    assert_eq!(started.status, 202, "{}", started.body);
    assert_eq!(started.body["state"], "pending");
    assert_eq!(started.body["download_url"], Value::Null);
    let again = app
        .request("POST", "/api/v1/users/me/export", Some(&ada.access), None)
        .await;
    again.assert_error(429, "rate_limited");
    let wait: u64 = again
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("secs");
    assert!((3000..=3600).contains(&wait), "{wait}");

    let export = ready_export(&app, &ada).await;
    assert_eq!(export["state"], "ready", "{export}");
    let url = export["download_url"].as_str().expect("url").to_string();
    assert!(url.starts_with(&app.address), "{url}");

    // The link needs no bearer token.
    let download = app.client.get(&url).send().await.expect("download");
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/zip");
    assert_eq!(download.headers()["cache-control"], "no-store");
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment; filename=\"ai-mentor-data-")
    );
    let bytes = download.bytes().await.expect("body");
    assert_eq!(Some(bytes.len() as i64), export["size_bytes"].as_i64());
    let files = unzip(&bytes);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "README.txt",
            "account.json",
            "api_keys.json",
            "audit.json",
            "conversations.json",
            "provider_keys.json",
            "resumes.json",
            "saved_jobs.json",
            "subscriptions.json",
            "usage.json"
        ]
    );
    let json = |name: &str| -> Value { serde_json::from_str(&files[name]).expect(name) };
    assert_eq!(json("account.json")["user"]["email"], "ada@example.com");
    let conversations = json("conversations.json");
    assert_eq!(conversations.as_array().map(Vec::len), Some(1));
    assert_eq!(
        conversations[0]["messages"][0]["content"],
        "How do I negotiate a raise?"
    );
    assert!(
        !conversations[0]["messages"][1]["content"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    assert!(files["resumes.json"].contains("Analytical engines"));
    assert!(
        json("resumes.json")[0]["document"]["basics"]["name"].is_string(),
        "each resume's structure goes with it"
    );
    assert!(files["saved_jobs.json"].contains("Engine designer"));
    assert_eq!(json("usage.json")["asks"].as_array().map(Vec::len), Some(1));
    assert_eq!(json("usage.json")["months"][0]["questions"], 1);
    assert_eq!(json("api_keys.json")[0]["name"], "laptop");
    let actions: Vec<String> = json("audit.json")
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        actions.contains(&"auth.account_created".to_string()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"keys.api_key_created".to_string()),
        "{actions:?}"
    );

    // Nobody else's data, and no secret of Ada's.
    let everything: String = files.values().cloned().collect();
    for absent in [
        "bob@example.com",
        "Bob's secret question",
        &secret,
        "$argon2",
    ] {
        assert!(!everything.contains(absent), "the export holds {absent}");
    }

    // A tampered link is refused; an expired export is gone.
    let tampered = url.replace("signature=", "signature=A");
    let reply = app.client.get(&tampered).send().await.expect("sent");
    assert_eq!(reply.status(), 403);
    let forged = url.replace("/exports/", "/exports/9").to_string();
    assert_eq!(
        app.client.get(&forged).send().await.expect("sent").status(),
        403
    );
    app.with_db(|conn| {
        sql(
            conn,
            "UPDATE data_exports SET expires_at = '2000-01-01 00:00:00'",
        )
        .expect("expire")
    });
    let reply = app.client.get(&url).send().await.expect("sent");
    assert_eq!(reply.status(), 410);
    let body: Value = reply.json().await.expect("json");
    assert_eq!(body["error"], "link_expired");
}

#[tokio::test]
async fn an_export_left_pending_by_a_dead_builder_is_built_again() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    // As a replica killed mid-build leaves it: pending, its lease over.
    app.with_db(|conn| {
        sql(
            conn,
            &format!(
                "INSERT INTO data_exports (user_id, state, requested_at, claimed_until) \
                 VALUES ({}, 'pending', '2000-01-01 00:00:00', '2000-01-01 00:10:00')",
                ada.user_id
            ),
        )
        .expect("insert")
    });
    let export = ready_export(&app, &ada).await;
    assert_eq!(export["state"], "ready", "{export}");
}

/// An app whose free plan has 5 questions a month.
async fn spawn_five_a_month() -> (TestApp, tempfile::TempDir) {
    spawn_app_with_plans("[plans.free]\nmonthly_questions = 5\nper_minute = 1000\n").await
}

fn subjects(app: &TestApp, to: &str) -> Vec<String> {
    app.mail.to(to).iter().map(|m| m.subject()).collect()
}

#[tokio::test]
async fn the_months_questions_are_noticed_at_80_and_100_percent_once_unless_turned_off() {
    let (app, _dir) = spawn_five_a_month().await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    let off = app
        .request(
            "PATCH",
            "/api/v1/users/me",
            Some(&bob.access),
            Some(json!({"email_notices": false})),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.body["email_notices"], false);

    for s in [&ada, &bob] {
        for _ in 0..5 {
            assert_eq!(
                app.ask(&s.access, json!({"question": "q"})).await.status,
                200
            );
        }
        app.ask(&s.access, json!({"question": "q"}))
            .await
            .assert_error(429, "quota_exceeded");
    }
    // Sign-up's verification link, then the two notices.
    let mails = app.mail.wait_for("ada@example.com", 3, WAIT).await;
    let warning = mails
        .iter()
        .find(|m| m.subject().contains("80%"))
        .expect("the 80% notice");
    assert!(
        warning
            .text()
            .contains("You have used 4 of your 5 questions"),
        "{}",
        warning.text()
    );
    assert!(
        warning.text().contains(&format!("{}/plans", app.address)),
        "{}",
        warning.text()
    );
    let plans = app
        .client
        .get(format!("{}/plans", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(plans.status(), 200);
    let reached = mails
        .iter()
        .find(|m| m.subject().contains("all of this month"))
        .expect("the 100% notice");
    assert!(
        reached.html().contains("Upgrade your plan"),
        "{}",
        reached.html()
    );

    // A question given back and taken again does not notice twice.
    app.with_db(|conn| sql(conn, "UPDATE quota_usage SET used = 3").expect("give back"));
    for _ in 0..2 {
        app.ask(&ada.access, json!({"question": "q"})).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(subjects(&app, "ada@example.com").len(), 3);
    // Bob turned them off: only his verification link.
    assert_eq!(subjects(&app, "bob@example.com").len(), 1);
}

#[tokio::test]
async fn subscriptions_starting_failing_and_ending_are_mailed_once_each() {
    let billed = spawn_billed().await;
    let app = &billed.app;
    let (_ada, customer) = billed.customer("ada@example.com").await;
    let t = now();
    let sub = |status: &str| pro_sub(&customer, status, t);
    billed.stripe.put_subscription(sub("active"));
    billed
        .deliver(&event(
            "evt_1",
            "customer.subscription.created",
            t - 100,
            sub("active"),
        ))
        .await;
    // Stripe sends `updated` too; still one "started".
    billed
        .deliver(&event(
            "evt_2",
            "customer.subscription.updated",
            t - 90,
            sub("active"),
        ))
        .await;
    billed.stripe.put_subscription(sub("past_due"));
    let invoice = json!({"id": "in_1", "object": "invoice", "customer": customer,
                         "parent": {"subscription_details": {"subscription": "sub_1"}}});
    for id in ["evt_3", "evt_4"] {
        // Two events about one failed invoice: one mail.
        billed
            .deliver(&event(
                id,
                "invoice.payment_failed",
                t - 50,
                invoice.clone(),
            ))
            .await;
    }
    billed
        .deliver(&event(
            "evt_5",
            "customer.subscription.deleted",
            t,
            sub("canceled"),
        ))
        .await;
    let mails = app.mail.wait_for("ada@example.com", 4, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let subjects = subjects(app, "ada@example.com");
    assert_eq!(subjects.len(), 4, "{subjects:?}");
    assert!(
        subjects[1].contains("subscription has started"),
        "{subjects:?}"
    );
    assert!(
        subjects[2].contains("payment did not go through"),
        "{subjects:?}"
    );
    assert!(
        subjects[3].contains("subscription has ended"),
        "{subjects:?}"
    );
    assert!(
        mails[1]
            .text()
            .contains("Your Pro subscription has started")
    );
}

#[tokio::test]
async fn the_hourly_task_deletes_conversations_past_their_plans_retention() {
    let app = spawn_app().await;
    let free = app.register("free@example.com").await;
    let pro = app.register("pro@example.com").await;
    app.set_tier(pro.user_id, "pro");
    for s in [&free, &pro] {
        for _ in 0..3 {
            app.ask(&s.access, json!({"question": "q"})).await;
        }
    }
    // Backdate: each user's first conversation 800 days, second 200 days.
    let ages = |conn: &mut mentor::db::Db, user: i64| {
        let ids: Vec<i64> = c::table
            .filter(c::user_id.eq(user))
            .select(c::id)
            .order(c::id)
            .load(conn)
            .expect("ids");
        for (id, days) in ids.iter().zip([800, 200]) {
            let at = chrono::Utc::now().naive_utc() - chrono::Duration::days(days);
            diesel::update(c::table.find(*id))
                .set(c::updated_at.eq(at))
                .execute(conn)
                .expect("backdate");
        }
    };
    app.with_db(|conn| {
        ages(conn, free.user_id);
        ages(conn, pro.user_id);
    });
    let ledger_before = ledger_rows(&app).len();
    let deleted =
        mentor::lifecycle::retention::apply(&app.pool, mentor::config::Retention::default())
            .await
            .expect("retention");
    // Free keeps 183 days: two go. Pro keeps 730: one goes.
    assert_eq!(deleted, 3);
    let left = |user: i64| -> i64 {
        app.with_db(|conn| {
            c::table
                .filter(c::user_id.eq(user))
                .count()
                .get_result(conn)
                .expect("count")
        })
    };
    assert_eq!((left(free.user_id), left(pro.user_id)), (1, 2));
    assert_eq!(
        ledger_rows(&app).len(),
        ledger_before,
        "the ledger keeps its rows"
    );
    let unlimited = mentor::config::Retention {
        free_days: None,
        pro_days: None,
        enterprise_days: None,
    };
    assert_eq!(
        mentor::lifecycle::retention::apply(&app.pool, unlimited)
            .await
            .expect("retention"),
        0
    );
}

#[tokio::test]
async fn deleting_an_account_leaves_the_rows_of_whoever_held_its_address_before() {
    let app = spawn_app().await;
    let eve = app.register("ada@example.com").await;
    let moved = app
        .request(
            "PATCH",
            "/api/v1/users/me",
            Some(&eve.access),
            Some(json!({"email": "eve@example.com", "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let ada = app.register("ada@example.com").await;
    assert_eq!(delete_me(&app, &ada).await.status, 204);
    // Eve signed up with the address Ada had when she was deleted.
    let created = audit_rows(&app)
        .into_iter()
        .find(|row| row.0 == "auth.account_created" && row.1 == Some(eve.user_id))
        .expect("Eve's sign-up");
    assert_eq!(created.2.as_deref(), Some("ada@example.com"));
    assert!(created.4.is_some(), "Eve's row keeps its IP");
}

#[tokio::test]
async fn the_export_keeps_what_an_admin_did_but_not_who_or_from_where() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let console = reqwest::Client::builder()
        .user_agent("OperatorConsole/9.9")
        .build()
        .expect("client");
    let changed = console
        .patch(format!(
            "{}/api/v1/admin/users/{}",
            app.address, ada.user_id
        ))
        .bearer_auth(&root.access)
        .json(&json!({"tier": "pro"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(changed.status(), 200);
    let started = app
        .request("POST", "/api/v1/users/me/export", Some(&ada.access), None)
        .await;
    assert_eq!(started.status, 202, "{}", started.body);
    let export = ready_export(&app, &ada).await;
    let url = export["download_url"].as_str().expect("url").to_string();
    let bytes = app
        .client
        .get(&url)
        .send()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("body");
    let audit: Vec<Value> = serde_json::from_str(&unzip(&bytes)["audit.json"]).expect("audit.json");
    let by_admin: Vec<&Value> = audit
        .iter()
        .filter(|e| e["actor_id"] != json!(ada.user_id))
        .collect();
    assert!(!by_admin.is_empty(), "{audit:?}");
    for entry in by_admin {
        assert!(
            entry["action"].is_string() && entry["at"].is_string(),
            "{entry}"
        );
        for field in ["actor_id", "actor_email", "ip", "user_agent"] {
            assert_eq!(entry[field], Value::Null, "{field} in {entry}");
        }
    }
    let own = audit
        .iter()
        .find(|e| e["action"] == "auth.account_created")
        .expect("her sign-up");
    assert_eq!(own["actor_email"], "ada@example.com");
    let text = serde_json::to_string(&audit).expect("text");
    assert!(!text.contains("root@example.com") && !text.contains("OperatorConsole"));
}
