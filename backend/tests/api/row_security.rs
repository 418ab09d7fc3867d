//! PostgreSQL's row-level security, the wall behind each query's own owner
//! filter (`db::scope`): with no filter at all, a query in one user's scope
//! reaches that user's rows only, and the app's requests run in that scope.
//! SQLite has no such wall (its queries' filters are the only one): these
//! tests run on PostgreSQL only.

use diesel::QueryableByName;
use mentor::db::{self, Db, Scope};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, spawn_app};

/// Every table the policies cover.
const OWNED: [&str; 8] = [
    "conversations",
    "messages",
    "resumes",
    "jobs",
    "api_keys",
    "provider_keys",
    "user_data_keys",
    "data_exports",
];

fn on_postgres() -> bool {
    std::env::var("MENTOR_TEST_POSTGRES_URL").is_ok()
}

/// A pro user with a row in every owned table: a stored conversation, a
/// resume, a saved job, an API key, a provider key (and so a data key) and
/// a data export.
async fn user_with_everything(app: &TestApp, email: &str) -> Session {
    let s = app.register(email).await;
    app.set_tier(s.user_id, "pro");
    let steps = [
        ("POST", "/api/v1/ask", json!({"question": "What is Rust?"})),
        (
            "POST",
            "/api/v1/resumes",
            json!({"title": "Main", "text": "Rust engineer at Acme since 2019. Built payment systems."}),
        ),
        (
            "POST",
            "/api/v1/jobs",
            json!({"title": "Rust engineer", "description": "We need Rust and PostgreSQL."}),
        ),
        ("POST", "/api/v1/api-keys", json!({"name": "laptop"})),
        (
            "PUT",
            "/api/v1/provider-keys/anthropic",
            json!({"api_key": "sk-user-own-key-7Qx2"}),
        ),
    ];
    for (method, path, body) in steps {
        let reply = app.request(method, path, Some(&s.access), Some(body)).await;
        assert!(reply.status < 300, "{method} {path}: {}", reply.body);
    }
    let export = app
        .request("POST", "/api/v1/users/me/export", Some(&s.access), None)
        .await;
    assert!(export.status < 300, "export: {}", export.body);
    s
}

#[derive(QueryableByName)]
struct Owner {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    user_id: i64,
}

/// The owners of every row of `table` that `scope` reaches, with no filter.
async fn owners(app: &TestApp, scope: Scope, table: &'static str) -> Vec<i64> {
    let sql = format!("SELECT user_id FROM {table} ORDER BY user_id");
    let rows: Vec<Owner> = app
        .pool
        .read(scope, move |conn| {
            db::load_sql(conn, diesel::sql_query(sql)).map_err(db::DbError::from)
        })
        .await
        .expect("read");
    let mut owners: Vec<i64> = rows.into_iter().map(|r| r.user_id).collect();
    owners.dedup();
    owners
}

/// Runs `statement` in `scope`; the rows changed, or the database's refusal.
async fn execute(app: &TestApp, scope: Scope, statement: String) -> Result<usize, String> {
    app.pool
        .write(scope, move |conn: &mut Db| {
            db::execute_sql(conn, diesel::sql_query(statement)).map_err(db::DbError::from)
        })
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn with_no_owner_filter_a_users_scope_reaches_only_their_rows() {
    if !on_postgres() {
        return;
    }
    let app = spawn_app().await;
    let ada = user_with_everything(&app, "ada@example.com").await.user_id;
    let bob = user_with_everything(&app, "bob@example.com").await.user_id;

    for table in OWNED {
        assert_eq!(
            owners(&app, Scope::System, table).await,
            [ada, bob],
            "{table}, system"
        );
        assert_eq!(
            owners(&app, Scope::User(ada), table).await,
            [ada],
            "{table}, Ada's"
        );
        assert_eq!(
            owners(&app, Scope::User(bob), table).await,
            [bob],
            "{table}, Bob's"
        );
        assert_eq!(
            owners(&app, Scope::Users(vec![ada, bob]), table).await,
            [ada, bob],
            "{table}, a group of both"
        );
        assert!(
            owners(&app, Scope::Users(vec![]), table).await.is_empty(),
            "{table}, nobody's"
        );
    }

    // Writes with no filter change the scope's user's rows only.
    let changed = execute(
        &app,
        Scope::User(ada),
        "UPDATE jobs SET notes = 'seen'".into(),
    )
    .await;
    assert_eq!(changed, Ok(1));
    let deleted = execute(&app, Scope::User(ada), "DELETE FROM conversations".into()).await;
    assert_eq!(deleted, Ok(1));
    assert_eq!(owners(&app, Scope::System, "conversations").await, [bob]);
    assert_eq!(owners(&app, Scope::System, "messages").await, [bob]);

    // No row can be written in, or handed over to, another user's name.
    let planted = format!(
        "INSERT INTO conversations (user_id, title, created_at, updated_at) \
         VALUES ({bob}, 'planted', now(), now())"
    );
    let refused = execute(&app, Scope::User(ada), planted).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("row-level security")),
        "{refused:?}"
    );
    let handed = format!("UPDATE resumes SET user_id = {bob}");
    let refused = execute(&app, Scope::User(ada), handed).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("row-level security")),
        "{refused:?}"
    );
    assert_eq!(owners(&app, Scope::System, "resumes").await, [ada, bob]);
}

/// How many entries the list at `key` of a `GET path` holds.
async fn listed(app: &TestApp, s: &Session, path: &str, key: &str) -> usize {
    let reply = app.request("GET", path, Some(&s.access), None).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    let list: &Value = if key.is_empty() {
        &reply.body
    } else {
        &reply.body[key]
    };
    list.as_array()
        .unwrap_or_else(|| panic!("{path}: no list at '{key}': {}", reply.body))
        .len()
}

/// With every policy turned to deny, the user's own lists come back empty:
/// the requests' queries run as the restricted role, behind the wall, and
/// not only behind their own filters.
#[tokio::test]
async fn the_apps_requests_run_behind_the_wall() {
    if !on_postgres() {
        return;
    }
    let app = spawn_app().await;
    let ada = user_with_everything(&app, "ada@example.com").await;
    let lists = [
        ("/api/v1/conversations", "conversations"),
        ("/api/v1/resumes", ""),
        ("/api/v1/jobs", "jobs"),
        ("/api/v1/api-keys", ""),
    ];
    for (path, key) in lists {
        assert_eq!(listed(&app, &ada, path, key).await, 1, "{path} before");
    }
    for table in OWNED {
        let deny = format!("ALTER POLICY own_rows ON {table} USING (false)");
        execute(&app, Scope::System, deny).await.expect("policy");
    }
    for (path, key) in lists {
        assert_eq!(
            listed(&app, &ada, path, key).await,
            0,
            "{path} behind a closed wall"
        );
    }
    app.request("GET", "/api/v1/users/me/export", Some(&ada.access), None)
        .await
        .assert_error(404, "not_found");
}
