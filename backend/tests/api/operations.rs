use diesel::{Connection, PgConnection, RunQueryDsl};

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with_plans};

#[tokio::test]
async fn health_answers_without_touching_the_database() {
    let app = spawn_app().await;
    let reply = app.request("GET", "/health", None, None).await;
    assert_eq!(
        (reply.status, &reply.body["status"]),
        (200, &serde_json::json!("ok"))
    );
}

#[tokio::test]
async fn ready_answers_200_when_the_database_answers() {
    let app = spawn_app().await;
    let reply = app.request("GET", "/ready", None, None).await;
    assert_eq!(
        (reply.status, &reply.body["status"]),
        (200, &serde_json::json!("ready"))
    );
}

/// PostgreSQL only: a server-side database can be taken away under the app;
/// an open SQLite file cannot.
#[tokio::test]
async fn ready_answers_503_and_health_200_when_postgres_goes_away() {
    let Ok(admin_url) = std::env::var("MENTOR_TEST_POSTGRES_URL") else {
        return;
    };
    let app = spawn_app().await;
    let database = app.with_db(|conn| {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "current_database()",
        ))
        .get_result::<String>(conn)
        .expect("name")
    });
    let mut admin = PgConnection::establish(&admin_url).expect("admin connection");
    diesel::sql_query(format!("DROP DATABASE {database} WITH (FORCE)"))
        .execute(&mut admin)
        .expect("drop");
    app.request("GET", "/ready", None, None)
        .await
        .assert_error(503, "service_unavailable");
    assert_eq!(app.request("GET", "/health", None, None).await.status, 200);
}

/// PostgreSQL only: the server can close the app's connections under it (a
/// restart, a failover). Dead connections must leave the pool, not be
/// reused, and the requests that meet them answer 503 (to be retried), never
/// 500: reads, and asks, whose reservation is the first query they send.
#[tokio::test]
async fn requests_recover_after_postgres_closes_the_apps_connections() {
    let Ok(admin_url) = std::env::var("MENTOR_TEST_POSTGRES_URL") else {
        return;
    };
    // The free plan, without its limits: its asks reserve with no read
    // before.
    let (app, _dir) = spawn_app_with_plans(
        "[plans.free]\nmonthly_questions = \"unlimited\"\nper_minute = 1000\n",
    )
    .await;
    let s = app.register("ada@example.com").await;
    let database = app.with_db(|conn| {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "current_database()",
        ))
        .get_result::<String>(conn)
        .expect("name")
    });
    let mut admin = PgConnection::establish(&admin_url).expect("admin connection");
    for route in ["/api/v1/users/me", "/api/v1/ask"] {
        let request = async || {
            let body = (route == "/api/v1/ask").then(|| json!({"question": "Hello?"}));
            let method = if body.is_some() { "POST" } else { "GET" };
            app.request(method, route, Some(&s.access), body)
                .await
                .status
        };
        for _ in 0..4 {
            assert_eq!(request().await, 200, "{route} before");
        }
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut admin)
        .expect("terminate");
        let mut statuses = Vec::new();
        for _ in 0..10 {
            statuses.push(request().await);
        }
        // No query checks a connection on checkout, so each dead connection
        // may fail one request before it is dropped; the pool holds at most
        // 4, so the rest must succeed.
        assert!(
            statuses.iter().all(|&s| s == 200 || s == 503),
            "{route}: {statuses:?}"
        );
        assert!(
            statuses[5..].iter().all(|&s| s == 200),
            "{route}: {statuses:?}"
        );
    }
}
