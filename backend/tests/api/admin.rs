//! The admin API: users (list, detail, tier, suspension, grants, sessions,
//! deletion), models (kill switch, tiers, prices, seen by replicas) and
//! analytics; admins only, each change audited.

use diesel::prelude::*;
use mentor::db::schema::{audit_log::dsl as a, users::dsl as u};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Session, TestApp, spawn_app, spawn_app_with, spawn_replica};

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let reply = app.request("GET", path, Some(token), None).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    reply.body
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let reply = app.request("PATCH", path, Some(token), Some(body)).await;
    assert_eq!(reply.status, 200, "PATCH {path}: {}", reply.body);
    reply.body
}

/// The newest audit entries with this action.
async fn audited(app: &TestApp, root: &Session, action: &str) -> Vec<Value> {
    get(
        app,
        &root.access,
        &format!("/api/v1/admin/audit?action={action}"),
    )
    .await["entries"]
        .as_array()
        .expect("entries")
        .clone()
}

const ADMIN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/admin/users"),
    ("GET", "/api/v1/admin/users/1"),
    ("PATCH", "/api/v1/admin/users/1"),
    ("DELETE", "/api/v1/admin/users/1"),
    ("POST", "/api/v1/admin/users/1/grant"),
    ("POST", "/api/v1/admin/users/1/revoke-sessions"),
    ("GET", "/api/v1/admin/models"),
    ("PATCH", "/api/v1/admin/models/gpt-4o"),
    ("GET", "/api/v1/admin/analytics"),
    ("GET", "/api/v1/admin/ledger"),
    ("GET", "/api/v1/admin/audit"),
];

#[tokio::test]
async fn every_admin_route_refuses_users_and_anonymous_callers_and_a_demoted_admin_at_once() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    for (method, path) in ADMIN_ROUTES {
        let body = (*method != "GET" && *method != "DELETE").then(|| json!({}));
        app.request(method, path, Some(&ada.access), body.clone())
            .await
            .assert_error(403, "forbidden");
        app.request(method, path, None, body)
            .await
            .assert_error(401, "missing_token");
    }
    get(&app, &root.access, "/api/v1/admin/users").await;
    // Demoted in the database: the admin's unexpired token stops working.
    app.with_db(|conn| {
        diesel::update(u::users.filter(u::email.eq("root@example.com")))
            .set(u::role.eq("user"))
            .execute(conn)
            .expect("demote")
    });
    app.request("GET", "/api/v1/admin/users", Some(&root.access), None)
        .await
        .assert_error(403, "forbidden");
}

#[tokio::test]
async fn users_are_searched_filtered_sorted_by_cost_and_paged() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.org").await;
    app.register("cy_x@example.com").await;
    for _ in 0..2 {
        assert_eq!(
            app.ask(&bob.access, json!({"question": "Hi?"}))
                .await
                .status,
            200
        );
    }
    assert_eq!(
        app.ask(&ada.access, json!({"question": "Hi?"}))
            .await
            .status,
        200
    );

    let found = get(&app, &root.access, "/api/v1/admin/users?q=EXAMPLE.ORG").await;
    let emails: Vec<&str> = found["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, ["bob@example.org"]);
    // `_` is a plain character in a search, not a wildcard.
    let found = get(&app, &root.access, "/api/v1/admin/users?q=y_x").await;
    assert_eq!(found["users"].as_array().expect("users").len(), 1);

    let by_cost = get(&app, &root.access, "/api/v1/admin/users?sort=cost&limit=2").await;
    let users = by_cost["users"].as_array().expect("users");
    assert_eq!(users[0]["email"], "bob@example.org");
    assert_eq!(users[0]["questions_this_month"], 2);
    assert_eq!(users[0]["cost_this_month_usd"], "0.0000096");
    assert_eq!(users[1]["email"], "ada@example.com");
    let cursor = by_cost["next_before"].as_str().expect("a next page");
    let rest = get(
        &app,
        &root.access,
        &format!("/api/v1/admin/users?sort=cost&limit=2&before={cursor}"),
    )
    .await;
    assert_eq!(rest["users"].as_array().expect("users").len(), 2);
    assert!(rest["next_before"].is_null());

    let newest = get(
        &app,
        &root.access,
        "/api/v1/admin/users?sort=created&limit=1",
    )
    .await;
    assert_eq!(newest["users"][0]["email"], "cy_x@example.com");
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status, 200);
    let signed_in = get(&app, &root.access, "/api/v1/admin/users?sort=last_sign_in").await;
    assert_eq!(signed_in["users"][0]["email"], "ada@example.com");

    for bad in [
        "sort=age",
        "status=gone",
        "tier=gold",
        "limit=0",
        "before=x",
    ] {
        app.request(
            "GET",
            &format!("/api/v1/admin/users?{bad}"),
            Some(&root.access),
            None,
        )
        .await
        .assert_error(400, "invalid_request");
    }

    let detail = get(
        &app,
        &root.access,
        &format!("/api/v1/admin/users/{}", bob.user_id),
    )
    .await;
    assert_eq!(detail["user"]["email"], "bob@example.org");
    assert_eq!(detail["quota"]["used"], 2);
    assert_eq!(detail["quota"]["limit"], 10);
    assert_eq!(detail["cost_all_time_usd"], "0.0000096");
    assert_eq!(detail["active_sessions"], 1);
    assert_eq!(detail["billing"]["tier"], "free");
    let asks = detail["recent_asks"].as_array().expect("asks");
    assert_eq!(asks.len(), 2);
    assert_eq!(asks[0]["model"], "gpt-4o-mini");
    assert_eq!(asks[0]["outcome"], "ok");
    app.request(
        "GET",
        "/api/v1/admin/users/999999",
        Some(&root.access),
        None,
    )
    .await
    .assert_error(404, "not_found");
}

#[tokio::test]
async fn a_tier_set_by_hand_is_felt_by_the_next_ask_and_audited_with_before_and_after() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let gpt4o = json!({"question": "Hi?", "model": "gpt-4o"});
    app.ask(&ada.access, gpt4o.clone())
        .await
        .assert_error(403, "model_not_allowed");

    let path = format!("/api/v1/admin/users/{}", ada.user_id);
    let changed = patch(
        &app,
        &root.access,
        &path,
        json!({"tier": "pro", "tier_until": "2099-12-31"}),
    )
    .await;
    assert_eq!(changed["user"]["tier"], "pro");
    assert_eq!(changed["user"]["tier_until"], "2100-01-01T00:00:00Z");
    // Same token, issued while on free: the ask reads the tier in force.
    let reply = app.ask(&ada.access, gpt4o).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["usage"]["quota"]["limit"], 500);

    let entry = &audited(&app, &root, "admin.user_updated").await[0];
    assert_eq!(entry["actor_email"], "root@example.com");
    assert_eq!(entry["target_id"], ada.user_id.to_string());
    assert_eq!(entry["details"]["tier"]["before"], "free");
    assert_eq!(entry["details"]["tier"]["after"], "pro");

    for bad in [
        json!({}),
        json!({"tier": "gold"}),
        json!({"tier": "pro", "tier_until": "2001-01-01"}),
        json!({"tier_until": "2099-01-01"}),
        json!({"tier": "pro", "role": "admin"}),
    ] {
        app.request("PATCH", &path, Some(&root.access), Some(bad))
            .await
            .assert_error(400, "invalid_request");
    }
}

#[tokio::test]
async fn a_suspended_user_is_refused_everywhere_loses_their_sessions_and_can_be_restored() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let path = format!("/api/v1/admin/users/{}", ada.user_id);
    let changed = patch(&app, &root.access, &path, json!({"suspended": true})).await;
    assert_eq!(changed["user"]["suspended"], true);
    assert_eq!(changed["active_sessions"], 0);

    for (method, route) in [
        ("GET", "/api/v1/users/me"),
        ("GET", "/api/v1/conversations"),
        ("GET", "/api/v1/usage"),
        ("POST", "/api/v1/ask"),
    ] {
        let body = (method == "POST").then(|| json!({"question": "Hi?"}));
        app.request(method, route, Some(&ada.access), body)
            .await
            .assert_error(403, "account_suspended");
    }
    app.refresh(&ada.refresh)
        .await
        .assert_error(401, "invalid_token");
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_error(403, "account_suspended");
    // A wrong password says nothing about the suspension.
    app.login("ada@example.com", "not the password at all")
        .await
        .assert_error(401, "invalid_credentials");
    let listed = get(&app, &root.access, "/api/v1/admin/users?status=suspended").await;
    assert_eq!(listed["users"][0]["email"], "ada@example.com");

    // An admin may not lock themselves out.
    let own = format!("/api/v1/admin/users/{}", root.user_id);
    app.request(
        "PATCH",
        &own,
        Some(&root.access),
        Some(json!({"suspended": true})),
    )
    .await
    .assert_error(403, "forbidden");

    patch(&app, &root.access, &path, json!({"suspended": false})).await;
    let back = Session::from(&app.login("ada@example.com", PASSWORD).await);
    assert_eq!(
        app.ask(&back.access, json!({"question": "Hi?"}))
            .await
            .status,
        200
    );
    let entries = audited(&app, &root, "admin.user_updated").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["details"]["suspended"]["after"], true);
    assert_eq!(entries[1]["details"]["suspended"]["sessions_revoked"], 1);
}

#[tokio::test]
async fn granted_questions_extend_this_month_and_sessions_can_be_revoked() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("mentor.toml");
    std::fs::write(&config, "[plans.free]\nmonthly_questions = 1\n").expect("config");
    let app = spawn_app_with(|s| s.ai.config_file = Some(config)).await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let ask = json!({"question": "Hi?"});
    assert_eq!(app.ask(&ada.access, ask.clone()).await.status, 200);
    app.ask(&ada.access, ask.clone())
        .await
        .assert_error(429, "quota_exceeded");

    let grant = format!("/api/v1/admin/users/{}/grant", ada.user_id);
    let reply = app
        .request(
            "POST",
            &grant,
            Some(&root.access),
            Some(json!({"questions": 2})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["granted_this_month"], 2);
    assert_eq!(reply.body["quota"]["limit"], 3);
    for _ in 0..2 {
        assert_eq!(app.ask(&ada.access, ask.clone()).await.status, 200);
    }
    app.ask(&ada.access, ask.clone())
        .await
        .assert_error(429, "quota_exceeded");
    for bad in [
        json!({"questions": 0}),
        json!({"questions": 10001}),
        json!({}),
    ] {
        app.request("POST", &grant, Some(&root.access), Some(bad))
            .await
            .assert_error(400, "invalid_request");
    }
    assert_eq!(
        audited(&app, &root, "admin.questions_granted").await[0]["details"]["questions"],
        2
    );

    let revoke = format!("/api/v1/admin/users/{}/revoke-sessions", ada.user_id);
    let reply = app.request("POST", &revoke, Some(&root.access), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["sessions_revoked"], 1);
    app.refresh(&ada.refresh)
        .await
        .assert_error(401, "invalid_token");
    assert_eq!(
        audited(&app, &root, "admin.sessions_revoked").await.len(),
        1
    );
}

#[tokio::test]
async fn an_admin_deletes_a_user_with_an_audit_row_the_database_will_not_change() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let path = format!("/api/v1/admin/users/{}", ada.user_id);
    let reply = app.request("DELETE", &path, Some(&root.access), None).await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    app.request("GET", &path, Some(&root.access), None)
        .await
        .assert_error(404, "not_found");
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_error(401, "invalid_credentials");
    let own = format!("/api/v1/admin/users/{}", root.user_id);
    app.request("DELETE", &own, Some(&root.access), None)
        .await
        .assert_error(403, "forbidden");

    let entry = &audited(&app, &root, "admin.user_deleted").await[0];
    // It names the tier, not the person who is gone.
    assert_eq!(entry["details"], json!({"tier": "free"}));
    assert_eq!(entry["target_id"], Value::Null);
    let id = entry["id"].as_i64().expect("id");
    app.with_db(|conn| {
        let update = diesel::update(a::audit_log.find(id))
            .set(a::action.eq("nothing.happened"))
            .execute(conn);
        assert!(update.is_err(), "the audit row was changed");
        let delete = diesel::delete(a::audit_log.find(id)).execute(conn);
        assert!(delete.is_err(), "the audit row was deleted");
    });
}

#[tokio::test]
async fn a_disabled_model_is_refused_with_a_clear_error_on_every_replica_and_never_replaced() {
    let app = spawn_app().await;
    let replica = spawn_replica(&app).await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let mini = json!({"question": "Hi?", "model": "gpt-4o-mini"});

    let changed = patch(
        &app,
        &root.access,
        "/api/v1/admin/models/gpt-4o-mini",
        json!({"enabled": false}),
    )
    .await;
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["overridden"], true);
    let before = app.fake.received().len();
    app.ask(&ada.access, mini.clone())
        .await
        .assert_error(503, "model_disabled");
    assert_eq!(app.fake.received().len(), before, "another model was asked");
    let models = get(&app, &ada.access, "/api/v1/models").await;
    assert!(
        models["models"]
            .as_array()
            .expect("models")
            .iter()
            .all(|m| m["id"] != "gpt-4o-mini")
    );
    // Without a model named, the plan's next model answers.
    let reply = app.ask(&ada.access, json!({"question": "Hi?"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_ne!(reply.body["model"], "gpt-4o-mini");

    // The replica started before the change; it sees it within seconds.
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let lists_mini = |models: &Value| {
        models["models"]
            .as_array()
            .expect("models")
            .iter()
            .any(|m| m["id"] == "gpt-4o-mini")
    };
    loop {
        let models: Value = client
            .get(format!("{replica}/api/v1/models"))
            .bearer_auth(&ada.access)
            .send()
            .await
            .expect("replica")
            .json()
            .await
            .expect("json");
        if !lists_mini(&models) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the replica still offers the model"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let refused = client
        .post(format!("{replica}/api/v1/ask"))
        .bearer_auth(&ada.access)
        .json(&mini)
        .send()
        .await
        .expect("replica");
    assert_eq!(refused.status(), 503);

    let entry = &audited(&app, &root, "admin.model_changed").await[0];
    assert_eq!(entry["target_type"], "model");
    assert_eq!(entry["target_id"], "gpt-4o-mini");
    assert_eq!(entry["details"]["before"]["enabled"], true);
    assert_eq!(entry["details"]["after"]["enabled"], false);

    patch(
        &app,
        &root.access,
        "/api/v1/admin/models/gpt-4o-mini",
        json!({"enabled": true}),
    )
    .await;
    assert_eq!(app.ask(&ada.access, mini).await.status, 200);
}

#[tokio::test]
async fn model_prices_and_tiers_change_for_the_next_ask() {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let path = "/api/v1/admin/models/gpt-4o-mini";
    let changed = patch(
        &app,
        &root.access,
        path,
        json!({"input_usd_per_1k": "0.001", "output_usd_per_1k": "0.002"}),
    )
    .await;
    assert_eq!(changed["input_usd_per_1k"], "0.001");
    // 12 input tokens at $0.001/1k + 5 output at $0.002/1k.
    let reply = app
        .ask(
            &ada.access,
            json!({"question": "Hi?", "model": "gpt-4o-mini"}),
        )
        .await;
    assert_eq!(reply.body["usage"]["cost_usd"], "0.000022");

    // A later change keeps the earlier one's prices.
    let changed = patch(&app, &root.access, path, json!({"tiers": ["pro"]})).await;
    assert_eq!(changed["tiers"], json!(["pro"]));
    assert_eq!(changed["output_usd_per_1k"], "0.002");
    app.ask(
        &ada.access,
        json!({"question": "Hi?", "model": "gpt-4o-mini"}),
    )
    .await
    .assert_error(403, "model_not_allowed");

    let listed = get(&app, &root.access, "/api/v1/admin/models").await;
    let mini = listed
        .as_array()
        .expect("models")
        .iter()
        .find(|m| m["id"] == "gpt-4o-mini")
        .expect("listed")
        .clone();
    assert_eq!(mini["asks_this_month"], 1);
    assert_eq!(mini["cost_this_month_usd"], "0.000022");
    assert_eq!(mini["provider_configured"], true);

    for bad in [
        json!({}),
        json!({"tiers": []}),
        json!({"input_usd_per_1k": "cheap"}),
        json!({"input_usd_per_1k": "0.0000000001"}),
        json!({"enabled": "yes"}),
    ] {
        app.request("PATCH", path, Some(&root.access), Some(bad))
            .await
            .assert_error(400, "invalid_request");
    }
    app.request(
        "PATCH",
        "/api/v1/admin/models/gpt-9",
        Some(&root.access),
        Some(json!({"enabled": false})),
    )
    .await
    .assert_error(404, "not_found");
}

/// An app with an admin, and Ada asking once and Bob twice.
async fn three_asks_by_two_users() -> (TestApp, Session, Session, Session) {
    let app = spawn_app().await;
    let root = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;
    let bob = app.register("bob@example.com").await;
    for s in [&ada, &bob, &bob] {
        assert_eq!(
            app.ask(&s.access, json!({"question": "Hi?"})).await.status,
            200
        );
    }
    (app, root, ada, bob)
}

#[tokio::test]
async fn analytics_count_the_asks_made_and_export_csv() {
    let (app, root, _ada, _bob) = three_asks_by_two_users().await;
    let report = get(&app, &root.access, "/api/v1/admin/analytics").await;
    let days = report["days"].as_array().expect("days");
    assert_eq!(days.len(), 30);
    let today = days.last().expect("today");
    assert_eq!(today["questions"], 3);
    assert_eq!(today["active_users"], 2);
    assert_eq!(today["signups"], 3);
    assert_eq!(today["input_tokens"], 36);
    assert_eq!(today["cost_usd"], "0.0000144");
    assert_eq!(report["cost_by_provider"][0]["name"], "openai");
    assert_eq!(report["cost_by_provider"][0]["asks"], 3);
    assert_eq!(report["cost_by_model"][0]["name"], "gpt-4o-mini");
    assert_eq!(report["time_to_first_token"][0]["provider"], "openai");
    assert_eq!(report["time_to_first_token"][0]["samples"], 3);
    // To 10 ms, rounded up: a stand-in answering at once reads as 10 ms.
    let p50 = report["time_to_first_token"][0]["p50_ms"]
        .as_u64()
        .expect("p50");
    assert!(p50 >= 10 && p50 % 10 == 0, "p50 {p50}");
    assert_eq!(report["top_users"][0]["email"], "bob@example.com");
    assert_eq!(report["top_users"][0]["asks"], 2);
    assert_eq!(report["signups_in_range"], 3);
    assert_eq!(report["tiers"][0]["tier"], "free");
    assert_eq!(report["tiers"][0]["users"], 3);
    assert!(report["revenue"].is_null(), "no Stripe, no revenue figure");

    let csv = app
        .client
        .get(format!("{}/api/v1/admin/analytics?format=csv", app.address))
        .bearer_auth(&root.access)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 31);
    assert!(lines[0].starts_with("date,signups,active_users,questions"));
    assert!(
        lines[30].ends_with(",3,0,36,15,0.0000144,0,"),
        "{}",
        lines[30]
    );

    let ledger = app
        .client
        .get(format!("{}/api/v1/admin/ledger", app.address))
        .bearer_auth(&root.access)
        .send()
        .await
        .expect("ledger");
    assert_eq!(ledger.status(), 200);
    let text = ledger.text().await.expect("text");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[0][3], "openai");
    assert_eq!(&rows[0][9], "0.0000048");

    for bad in [
        "from=2026-13-01",
        "from=2026-12-01&to=2026-11-01",
        "from=2020-01-01&to=2026-01-01",
        "format=xml",
    ] {
        app.request(
            "GET",
            &format!("/api/v1/admin/analytics?{bad}"),
            Some(&root.access),
            None,
        )
        .await
        .assert_error(400, "invalid_request");
    }
}

#[tokio::test]
async fn analytics_read_the_same_before_and_after_the_ledger_is_folded_into_rollups() {
    let (app, root, ada, _bob) = three_asks_by_two_users().await;
    let analytics = "/api/v1/admin/analytics";
    let by_cost = "/api/v1/admin/users?sort=cost";
    let models = "/api/v1/admin/models";
    let before = (
        get(&app, &root.access, analytics).await,
        get(&app, &root.access, by_cost).await,
        get(&app, &root.access, models).await,
    );
    let far = mentor::db::now() + chrono::TimeDelta::days(1);
    let folded = mentor::admin::rollup::fold_pending(&app.pool, far)
        .await
        .expect("fold");
    assert!(folded >= 3, "folded {folded}");
    let after = (
        get(&app, &root.access, analytics).await,
        get(&app, &root.access, by_cost).await,
        get(&app, &root.access, models).await,
    );
    assert_eq!(before, after);
    // Nothing left to fold: a second fold changes nothing.
    assert_eq!(
        mentor::admin::rollup::fold_pending(&app.pool, far)
            .await
            .expect("fold"),
        0
    );

    // One more ask, past the watermark, by a user already in the rollups:
    // counted once among the day's active users, added to their cost.
    assert_eq!(
        app.ask(&ada.access, json!({"question": "Hi?"}))
            .await
            .status,
        200
    );
    let report = get(&app, &root.access, analytics).await;
    let today = report["days"]
        .as_array()
        .expect("days")
        .last()
        .expect("today")
        .clone();
    assert_eq!(today["questions"], 4);
    assert_eq!(today["active_users"], 2);
    assert_eq!(report["top_users"][0]["asks"], 2);
    assert_eq!(report["top_users"][1]["asks"], 2);
    let users = get(&app, &root.access, by_cost).await;
    assert_eq!(users["users"][0]["cost_this_month_usd"], "0.0000096");
    assert_eq!(users["users"][1]["cost_this_month_usd"], "0.0000096");
}
