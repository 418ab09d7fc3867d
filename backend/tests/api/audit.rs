//! The audit log: what each account event records, the database refusing
//! to change it, retention, and `GET /api/v1/admin/audit` (admins only).

use diesel::prelude::*;
use mentor::db::schema::audit_log::dsl as a;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Session, TestApp, spawn_app};

async fn audit(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let reply = app
        .request(
            "GET",
            &format!("/api/v1/admin/audit?{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["entries"].as_array().expect("entries").clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect()
}

#[tokio::test]
async fn account_events_are_recorded_with_who_where_and_what() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let browser = reqwest::Client::builder()
        .user_agent("AuditTest/1.0")
        .build()
        .expect("client");
    let registered = browser
        .post(format!("{}/api/v1/auth/register", app.address))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 201);
    let ada_id = registered.json::<Value>().await.expect("json")["user"]["id"]
        .as_i64()
        .expect("id");
    app.login("ada@example.com", "not the password at all")
        .await;
    app.login("nobody@example.com", PASSWORD).await;
    let s = Session::from(&app.login("ada@example.com", PASSWORD).await);
    // A refresh token used twice: the second use is a stolen session.
    app.refresh(&s.refresh).await;
    app.refresh(&s.refresh).await;
    let s = Session::from(&app.login("ada@example.com", PASSWORD).await);
    let changed = app
        .request(
            "PATCH",
            "/api/v1/users/me",
            Some(&s.access),
            Some(
                json!({"current_password": PASSWORD, "new_password": "another long passphrase 42"}),
            ),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let entries = audit(&app, &root.access, &format!("target=user:{ada_id}")).await;
    assert_eq!(
        actions(&entries),
        [
            "auth.password_changed",
            "auth.sign_in",
            "auth.refresh_token_reused",
            "auth.sign_in",
            "auth.sign_in_failed",
            "auth.account_created",
        ]
    );
    let created = entries.last().expect("created");
    assert_eq!(created["actor_type"], "user");
    assert_eq!(created["actor_id"], ada_id);
    assert_eq!(created["actor_email"], "ada@example.com");
    assert_eq!(created["ip"], "127.0.0.1");
    assert_eq!(created["user_agent"], "AuditTest/1.0");
    assert_eq!(
        entries[4]["details"],
        json!({"reason": "wrong_password", "failures": 1})
    );
    assert_eq!(entries[2]["details"]["sessions_revoked"], 1);

    // A failed sign-in for no account names the address tried, and no user.
    let unknown = audit(&app, &root.access, "actor=nobody%40example.com").await;
    assert_eq!(actions(&unknown), ["auth.sign_in_failed"]);
    assert_eq!(unknown[0]["actor_id"], Value::Null);
    assert_eq!(unknown[0]["details"]["reason"], "unknown_email");

    // Deleting the account keeps its events without the person.
    let gone = app
        .request(
            "DELETE",
            "/api/v1/users/me",
            Some(&s.access),
            Some(json!({"password": "another long passphrase 42"})),
        )
        .await;
    assert_eq!(gone.status, 204);
    assert!(
        audit(&app, &root.access, &format!("target=user:{ada_id}"))
            .await
            .is_empty()
    );
    let kept = audit(&app, &root.access, "action=auth.account_created").await;
    let ada_created = kept.iter().find(|e| e["actor_id"].is_null()).expect("kept");
    assert_eq!(
        (
            &ada_created["actor_email"],
            &ada_created["ip"],
            &ada_created["user_agent"]
        ),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    let deleted = audit(&app, &root.access, "action=auth.account_deleted").await;
    assert_eq!(deleted[0]["actor_type"], "user");
    assert_eq!(deleted[0]["actor_email"], Value::Null);

    // No password, token or hash anywhere in the log.
    let all = app
        .request(
            "GET",
            "/api/v1/admin/audit?limit=500",
            Some(&root.access),
            None,
        )
        .await;
    let text = all.body.to_string();
    for secret in [
        PASSWORD,
        "another long passphrase 42",
        s.refresh.as_str(),
        s.access.as_str(),
        "$argon2",
    ] {
        assert!(!text.contains(secret), "the log holds a secret");
    }
    assert!(
        text.contains("admin.granted"),
        "the CLI's promotion is there too"
    );
}

#[tokio::test]
async fn throttling_is_recorded_once_the_threshold_is_reached() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    app.register("ada@example.com").await;
    for _ in 0..5 {
        app.login("ada@example.com", "wrong wrong wrong wrong")
            .await;
    }
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_error(429, "account_locked");
    let entries = audit(&app, &root.access, "actor=ada%40example.com").await;
    assert_eq!(
        actions(&entries)[..3],
        [
            "auth.sign_in_failed",
            "auth.sign_in_throttled",
            "auth.sign_in_failed"
        ]
    );
    assert_eq!(entries[0]["details"]["reason"], "throttled");
    assert_eq!(entries[1]["details"], json!({"failures": 5, "seconds": 1}));
    assert_eq!(
        audit(&app, &root.access, "action=auth.sign_in_throttled")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_audit_rows_except_for_retention() {
    let app = spawn_app().await;
    app.register("ada@example.com").await;
    app.register("bob@example.com").await;
    app.with_db(|conn| {
        let update = diesel::update(a::audit_log)
            .set(a::action.eq("auth.nothing"))
            .execute(conn);
        assert!(update.is_err(), "UPDATE went through");
        let delete = diesel::delete(a::audit_log).execute(conn);
        assert!(delete.is_err(), "DELETE went through");
        if matches!(conn, mentor::db::Db::Pg(_)) {
            assert!(
                diesel::sql_query("TRUNCATE audit_log")
                    .execute(conn)
                    .is_err(),
                "TRUNCATE went through"
            );
        }
        let count: i64 = a::audit_log.count().get_result(conn).expect("count");
        assert_eq!(count, 2);
        // Retention removes what is older than its cutoff, and only that.
        let cutoff = mentor::db::now() - chrono::TimeDelta::days(1);
        assert_eq!(mentor::db::audit::prune(conn, cutoff).expect("prune"), 0);
        let cutoff = mentor::db::now() + chrono::TimeDelta::seconds(5);
        assert_eq!(mentor::db::audit::prune(conn, cutoff).expect("prune"), 2);
    });
    // The gate closed behind the prune.
    app.register("cy@example.com").await;
    app.with_db(|conn| {
        assert!(
            diesel::delete(a::audit_log).execute(conn).is_err(),
            "DELETE after a prune went through"
        );
    });
}

#[tokio::test]
async fn only_admins_read_the_log_and_a_demoted_admin_is_refused_at_once() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let user = app.register("ada@example.com").await;
    app.request("GET", "/api/v1/admin/audit", Some(&user.access), None)
        .await
        .assert_error(403, "forbidden");
    app.request("GET", "/api/v1/admin/audit", None, None)
        .await
        .assert_error(401, "missing_token");
    assert!(!audit(&app, &root.access, "").await.is_empty());
    app.with_db(|conn| {
        use mentor::db::schema::users::dsl as u;
        diesel::update(u::users.filter(u::email.eq("root@example.com")))
            .set(u::role.eq("user"))
            .execute(conn)
            .expect("demote");
    });
    // Same token, still unexpired: refused now.
    app.request("GET", "/api/v1/admin/audit", Some(&root.access), None)
        .await
        .assert_error(403, "forbidden");
}

#[tokio::test]
async fn the_log_is_filtered_paged_and_exported_as_csv() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    for name in ["ada", "bob", "cy"] {
        app.register(&format!("{name}@example.com")).await;
    }
    let created = audit(&app, &root.access, "action=auth.account_created").await;
    assert_eq!(created.len(), 4);
    let page = app
        .request(
            "GET",
            "/api/v1/admin/audit?action=auth.account_created&limit=3",
            Some(&root.access),
            None,
        )
        .await;
    assert_eq!(page.body["entries"].as_array().expect("entries").len(), 3);
    let before = page.body["next_before"].as_i64().expect("more");
    let rest = audit(
        &app,
        &root.access,
        &format!("action=auth.account_created&limit=3&before={before}"),
    )
    .await;
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["actor_email"], "root@example.com");

    let today = chrono::Utc::now().format("%Y-%m-%d");
    assert_eq!(
        audit(
            &app,
            &root.access,
            &format!("action=auth.account_created&from={today}&to={today}")
        )
        .await
        .len(),
        4
    );
    assert!(
        audit(&app, &root.access, "from=2020-01-01&to=2020-01-31")
            .await
            .is_empty()
    );
    for bad in ["from=yesterday", "format=xml", "before=x"] {
        app.request(
            "GET",
            &format!("/api/v1/admin/audit?{bad}"),
            Some(&root.access),
            None,
        )
        .await
        .assert_error(400, "invalid_request");
    }

    let csv = app
        .client
        .get(format!(
            "{}/api/v1/admin/audit?action=auth.account_created&format=csv",
            app.address
        ))
        .bearer_auth(&root.access)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let body = csv.text().await.expect("body");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "id,at,actor_type,actor_id,actor_email,action,target_type,target_id,ip,user_agent,details"
    );
    assert_eq!(lines.len(), 5);
    assert!(
        lines[1].contains(",cy@example.com,auth.account_created,user,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",{}"), "{}", lines[1]);
}

#[tokio::test]
async fn a_formula_in_a_logged_field_opens_as_text_in_the_csv() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let attacker = reqwest::Client::builder()
        .user_agent("=HYPERLINK(\"http://evil.example\",\"Click\")")
        .build()
        .expect("client");
    let failed = attacker
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"email": "root@example.com", "password": "not the password at all"}))
        .send()
        .await
        .expect("login");
    assert_eq!(failed.status(), 401);
    let csv = app
        .client
        .get(format!(
            "{}/api/v1/admin/audit?action=auth.sign_in_failed&format=csv",
            app.address
        ))
        .bearer_auth(&root.access)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("body");
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    // The cell, quoted for its own quotes, starts with ' and not with =.
    assert!(
        rows[0].contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\","),
        "{}",
        rows[0]
    );
}
