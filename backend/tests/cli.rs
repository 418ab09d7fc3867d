//! The `mentor` binary, run as an operator runs it: configuration errors,
//! a real `serve` stopped by SIGTERM, `migrate`, `admin ...` and `keys ...`.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use mentor::db::models::NewUser;
use mentor::db::{Pool, Scope, users};
use serde_json::{Value, json};

const SECRET: &str = "cli-test-secret-0123456789abcdef-0123456789";
const PASSWORD: &str = "correct horse battery staple";

/// The binary with a clean environment, run in `dir` (so no `.env` is read).
fn mentor(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mentor"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("mentor.db").display()),
        );
    command
}

/// Reads a JSON-logging server's stdout into `logs` up to its "listening"
/// line; returns the address it bound.
fn listening_address(
    stdout: &mut BufReader<std::process::ChildStdout>,
    logs: &mut String,
) -> String {
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).expect("read") > 0,
            "exited early: {logs}"
        );
        logs.push_str(&line);
        if let Ok(event) = serde_json::from_str::<Value>(&line)
            && event["message"] == "listening"
        {
            return event["address"].as_str().expect("address").to_string();
        }
    }
}

/// `mentor serve` logging JSON on a free port, with what it has logged.
struct Logged {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    logs: String,
    address: String,
}

impl Logged {
    /// Starts `command` (from [`mentor`]) and waits until it listens.
    fn serve(command: &mut Command) -> Self {
        let mut child = command
            .env("JWT_SECRET", SECRET)
            .env("MENTOR_BIND", "127.0.0.1:0")
            .env("MENTOR_LOG_FORMAT", "json")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut logs = String::new();
        let address = listening_address(&mut stdout, &mut logs);
        Self {
            child,
            stdout,
            logs,
            address,
        }
    }

    /// Sends SIGTERM, waits for the exit; returns it and everything logged.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let output = output_within(self.child, Duration::from_secs(15));
        self.stdout
            .read_to_string(&mut self.logs)
            .expect("rest of stdout");
        self.logs.push_str(&String::from_utf8_lossy(&output.stderr));
        (output.status, self.logs)
    }
}

/// Signs ada@example.com up; returns the token pair and user.
async fn register_ada(client: &reqwest::Client, base: &str) -> Value {
    client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json")
}

fn output_within(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(
            start.elapsed() < limit,
            "the process did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[test]
fn serve_without_jwt_secret_exits_non_zero_before_binding_and_says_what_to_set() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let child = mentor(dir.path())
        .arg("serve")
        .env("MENTOR_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let output = output_within(child, Duration::from_secs(10));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("JWT_SECRET") && stderr.contains("openssl rand -hex 32"),
        "{stderr}"
    );
    assert!(
        TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "the port was left bound"
    );
    assert!(
        !dir.path().join("mentor.db").exists(),
        "nothing was created before the check"
    );
}

#[test]
fn serve_with_a_short_jwt_secret_exits_non_zero() {
    let dir = tempfile::tempdir().expect("dir");
    let child = mentor(dir.path())
        .env("JWT_SECRET", "short")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let output = output_within(child, Duration::from_secs(10));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 32 bytes"));
}

#[tokio::test]
async fn serve_stops_cleanly_on_sigterm_and_never_logs_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Logged::serve(mentor(dir.path()).env("RUST_LOG", "debug"));
    let address = server.address.clone();

    let client = reqwest::Client::new();
    let base = format!("http://{address}");
    let registered = register_ada(&client, &base).await;
    let access = registered["access_token"]
        .as_str()
        .expect("access")
        .to_string();
    let refresh = registered["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let me = client
        .get(format!("{base}/api/v1/users/me"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "ada@example.com", "password": "a wrong password"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 401);

    let (status, logs) = server.stop();
    assert!(status.success(), "exit status {status:?}");

    assert!(
        logs.contains("request_id"),
        "requests are logged with an id: {logs}"
    );
    assert!(
        logs.contains("\"stopped\""),
        "the shutdown is logged: {logs}"
    );
    for secret in [
        SECRET,
        PASSWORD,
        "a wrong password",
        access.as_str(),
        refresh.as_str(),
    ] {
        assert!(
            !logs.contains(secret),
            "the logs contain a secret: {secret}"
        );
    }
}

#[test]
fn migrate_applies_the_migrations_once() {
    let dir = tempfile::tempdir().expect("dir");
    let first = mentor(dir.path()).arg("migrate").output().expect("run");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied"));
    let second = mentor(dir.path()).arg("migrate").output().expect("run");
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
}

/// On PostgreSQL, a login role that may not create roles (as on managed
/// databases) is told what a superuser must run for row-level security;
/// once it has, it migrates and switches between the scopes.
#[test]
fn a_postgres_login_role_that_may_not_make_roles_is_told_what_to_run() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};
    let Ok(admin_url) = std::env::var("MENTOR_TEST_POSTGRES_URL") else {
        return;
    };
    let mut admin = PgConnection::establish(&admin_url).expect("PostgreSQL");
    let name = format!("mentor_owner_{}", std::process::id());
    // One by one: several in one batch run as one transaction, which
    // CREATE DATABASE refuses.
    let run = |admin: &mut PgConnection, statements: &[&str]| {
        for sql in statements {
            admin.batch_execute(sql).expect(sql);
        }
    };
    run(
        &mut admin,
        &[
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            &format!("DROP ROLE IF EXISTS {name}"),
            &format!("CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEROLE"),
            &format!("CREATE DATABASE {name} OWNER {name}"),
            "DO $$ BEGIN CREATE ROLE mentor_user NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        ],
    );
    let (head, _) = admin_url.split_once("://").expect("a URL");
    let rest = admin_url.rsplit_once('@').map_or("", |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or_default();
    let url = format!("{head}://{name}@{host}/{name}");
    let migrate = || {
        Command::new(env!("CARGO_BIN_EXE_mentor"))
            .env_clear()
            .env("DATABASE_URL", &url)
            .arg("migrate")
            .output()
            .expect("run")
    };

    let refused = migrate();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "CREATE ROLE mentor_user NOLOGIN; GRANT mentor_user TO {name};"
        )),
        "{stderr}"
    );

    run(&mut admin, &[&format!("GRANT mentor_user TO {name}")]);
    let applied = migrate();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let pool = Pool::new(&url, 1).expect("pool");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for scope in [Scope::User(1), Scope::System, Scope::Users(vec![1, 2])] {
        let count = runtime.block_on(pool.read(scope.clone(), |conn| {
            mentor::db::execute_sql(
                conn,
                diesel::sql_query("SELECT count(*) FROM conversations"),
            )
            .map_err(mentor::db::DbError::from)
        }));
        assert!(count.is_ok(), "{scope:?}: {count:?}");
    }
    drop(pool);
    run(
        &mut admin,
        &[
            &format!("DROP DATABASE {name} WITH (FORCE)"),
            &format!("DROP ROLE {name}"),
        ],
    );
}

#[test]
fn admin_create_makes_a_new_admin_and_promotes_an_existing_user() {
    let dir = tempfile::tempdir().expect("dir");
    let created = mentor(dir.path())
        .args(["admin", "create", "--email", "Root@Example.com"])
        .env("MENTOR_ADMIN_PASSWORD", PASSWORD)
        .output()
        .expect("run");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("created admin root@example.com"));

    // A password on stdin works too; a weak one is refused and nothing is created.
    let mut weak = mentor(dir.path())
        .args(["admin", "create", "--email", "ops@example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut weak.stdin.take().expect("stdin"), b"short\n").expect("write");
    let weak = output_within(weak, Duration::from_secs(30));
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12 characters"));

    let db_url = format!("sqlite://{}", dir.path().join("mentor.db").display());
    let pool = Pool::new(&db_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let root = users::find_by_email(&mut conn, "root@example.com")
        .expect("query")
        .expect("root exists");
    assert_eq!(root.role, "admin");
    assert!(
        users::find_by_email(&mut conn, "ops@example.com")
            .expect("query")
            .is_none()
    );

    let now = mentor::db::now();
    let ordinary = users::insert(
        &mut conn,
        &NewUser {
            email: "bob@example.com",
            password_hash: "$argon2id$kept",
            full_name: None,
            role: "user",
            created_at: now,
            updated_at: now,
        },
    )
    .expect("insert");
    drop(conn);
    let promoted = mentor(dir.path())
        .args(["admin", "create", "--email", "bob@example.com"])
        .output()
        .expect("run");
    assert!(
        promoted.status.success(),
        "{}",
        String::from_utf8_lossy(&promoted.stderr)
    );
    assert!(String::from_utf8_lossy(&promoted.stdout).contains("promoted admin bob@example.com"));
    let bob = users::find(&mut pool.get().expect("conn"), ordinary.id)
        .expect("query")
        .expect("bob");
    assert_eq!(
        (bob.role.as_str(), bob.password_hash.as_str()),
        ("admin", "$argon2id$kept")
    );
}

/// Runs `mentor admin ...` in `dir`; panics unless it succeeds; its stdout.
fn admin_ok(dir: &Path, args: &[&str]) -> String {
    let out = mentor(dir).arg("admin").args(args).output().expect("run");
    assert!(
        out.status.success(),
        "mentor admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn admin_users_and_usage_commands_print_what_the_api_gives_and_audit_changes() {
    use diesel::prelude::*;
    use mentor::db::models::NewUsageEvent;
    use mentor::db::schema::audit_log::dsl as a;

    let dir = tempfile::tempdir().expect("dir");
    let created = mentor(dir.path())
        .args(["admin", "create", "--email", "root@example.com"])
        .env("MENTOR_ADMIN_PASSWORD", PASSWORD)
        .output()
        .expect("run");
    assert!(created.status.success());
    let db_url = format!("sqlite://{}", dir.path().join("mentor.db").display());
    let pool = Pool::new(&db_url, 1).expect("pool");
    let now = mentor::db::now();
    let (ada, bob) = {
        let mut conn = pool.get().expect("conn");
        let mut add = |email: &str| {
            users::insert(
                &mut conn,
                &NewUser {
                    email,
                    password_hash: "$argon2id$x",
                    full_name: None,
                    role: "user",
                    created_at: now,
                    updated_at: now,
                },
            )
            .expect("insert")
            .id
        };
        (add("ada@example.com"), add("bob@example.com"))
    };
    mentor::db::usage_events::insert(
        &mut pool.get().expect("conn"),
        &NewUsageEvent {
            user_id: Some(bob),
            conversation_id: None,
            provider: "openai".into(),
            model: "gpt-4o-mini".into(),
            input_tokens: 12,
            output_tokens: 5,
            cost_pico: 4_800_000,
            ttft_ms: Some(120),
            total_ms: 300,
            outcome: "ok".into(),
            charged: true,
            created_at: now,
            byok: false,
            via: "app".into(),
        },
    )
    .expect("ledger row");

    let listed = admin_ok(dir.path(), &["users", "list", "--sort", "cost"]);
    let first = listed.lines().nth(1).expect("a user");
    assert!(
        first.contains("bob@example.com") && first.contains("0.0000048"),
        "{listed}"
    );
    assert_eq!(listed.lines().count(), 4, "{listed}");

    let changed = admin_ok(
        dir.path(),
        &[
            "users",
            "set-tier",
            "ada@example.com",
            "pro",
            "--until",
            "2099-12-31",
        ],
    );
    assert!(
        changed.contains("ada@example.com") && changed.contains("pro"),
        "{changed}"
    );
    let shown: Value =
        serde_json::from_str(&admin_ok(dir.path(), &["users", "show", &ada.to_string()]))
            .expect("JSON");
    assert_eq!(shown["user"]["tier"], "pro");
    assert_eq!(shown["user"]["tier_until"], "2100-01-01T00:00:00Z");

    assert!(admin_ok(dir.path(), &["users", "suspend", "ada@example.com"]).contains("suspended"));
    let row = users::find(&mut pool.get().expect("conn"), ada)
        .expect("query")
        .expect("ada");
    assert!(row.suspended_at.is_some());
    admin_ok(dir.path(), &["users", "unsuspend", "ada@example.com"]);
    let row = users::find(&mut pool.get().expect("conn"), ada)
        .expect("query")
        .expect("ada");
    assert!(row.suspended_at.is_none());

    let usage: Value =
        serde_json::from_str(&admin_ok(dir.path(), &["usage", "--json"])).expect("JSON");
    let today = usage["days"]
        .as_array()
        .expect("days")
        .last()
        .expect("today")
        .clone();
    assert_eq!(
        (today["questions"].as_u64(), today["signups"].as_u64()),
        (Some(1), Some(3))
    );
    let table = admin_ok(dir.path(), &["usage", "--from", &now.date().to_string()]);
    assert!(
        table.contains("cost by provider") && table.contains("openai"),
        "{table}"
    );

    let unknown = mentor(dir.path())
        .args(["admin", "users", "suspend", "nobody@example.com"])
        .output()
        .expect("run");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("No user"));
    let bad = mentor(dir.path())
        .args(["admin", "usage", "--from", "last week"])
        .output()
        .expect("run");
    assert!(!bad.status.success());

    let audited: Vec<(String, String)> = a::audit_log
        .filter(a::action.eq("admin.user_updated"))
        .select((a::actor_type, a::target_id.assume_not_null()))
        .load(&mut **pool.get().expect("conn"))
        .expect("audit");
    assert_eq!(audited.len(), 3);
    assert!(
        audited
            .iter()
            .all(|(actor, target)| actor == "system" && *target == ada.to_string())
    );
}

#[test]
fn keys_rotate_rewraps_data_keys_under_the_new_master_key() {
    use mentor::keys::vault::{MasterKey, Vault};
    let dir = tempfile::tempdir().expect("dir");
    let keys = |args: &[&str], env: &[(&str, String)]| {
        let mut command = mentor(dir.path());
        command.arg("keys").args(args);
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run")
    };
    let out = keys(&["status"], &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("No user has stored a provider key."));

    // A data key wrapped under "old", as the server makes one.
    let db_url = format!("sqlite://{}", dir.path().join("mentor.db").display());
    let pool = Pool::new(&db_url, 1).expect("pool");
    let (old_hex, new_hex) = ("11".repeat(32), "22".repeat(32));
    let old = Vault::new(MasterKey::parse("old", &old_hex).expect("key"), None);
    {
        let mut conn = pool.get().expect("conn");
        let now = mentor::db::now();
        let user = users::insert(
            &mut conn,
            &NewUser {
                email: "ada@example.com",
                password_hash: "$argon2id$x",
                full_name: None,
                role: "user",
                created_at: now,
                updated_at: now,
            },
        )
        .expect("user")
        .id;
        let (_, wrapped) = old.new_data_key(user);
        mentor::db::provider_keys::insert_data_key(
            &mut conn,
            user,
            &wrapped.master_key_id,
            &wrapped.wrapped,
            now,
        )
        .expect("data key");
    }

    let refused = keys(&["rotate"], &[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("MENTOR_MASTER_KEY is not set"));
    let new_only = [
        ("MENTOR_MASTER_KEY", new_hex.clone()),
        ("MENTOR_MASTER_KEY_ID", "new".to_string()),
    ];
    let stuck = keys(&["rotate"], &new_only);
    assert!(!stuck.status.success(), "rotated without the old key");
    assert!(String::from_utf8_lossy(&stuck.stderr).contains("MENTOR_MASTER_KEY_PREVIOUS"));

    let rotating = [
        ("MENTOR_MASTER_KEY", new_hex),
        ("MENTOR_MASTER_KEY_ID", "new".to_string()),
        ("MENTOR_MASTER_KEY_PREVIOUS", old_hex),
        ("MENTOR_MASTER_KEY_PREVIOUS_ID", "old".to_string()),
    ];
    let out = keys(&["rotate"], &rotating);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("Re-wrapped 1 data keys under master key 'new'.")
    );
    let again = keys(&["rotate"], &rotating);
    assert!(String::from_utf8_lossy(&again.stdout).contains("Re-wrapped 0"));
    let status = keys(&["status"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "new\t1 data keys"
    );
}

/// Starts `mentor serve` on the demo provider with `grace`; returns the
/// child, its stdout reader and its address.
fn serve_demo(dir: &Path, grace: &str) -> (Child, BufReader<std::process::ChildStdout>, String) {
    let mut child = mentor(dir)
        .env("JWT_SECRET", SECRET)
        .env("MENTOR_BIND", "127.0.0.1:0")
        .env("MENTOR_LOG_FORMAT", "json")
        .env("MENTOR_DEMO_PROVIDER", "1")
        .env("MENTOR_SHUTDOWN_GRACE_SECS", grace)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let address = listening_address(&mut stdout, &mut String::new());
    (child, stdout, address)
}

/// Signs up, starts a streamed ask, sends SIGTERM once its first words are
/// in, and returns the whole stream as the client read it.
async fn ask_then_stop(child: &Child, address: &str) -> String {
    use futures_util::StreamExt;
    let client = reqwest::Client::new();
    let base = format!("http://{address}");
    let registered = register_ada(&client, &base).await;
    let response = client
        .post(format!("{base}/api/v1/ask"))
        .bearer_auth(registered["access_token"].as_str().expect("token"))
        .header("accept", "text/event-stream")
        .json(&json!({"question": "What is a good first job?"}))
        .send()
        .await
        .expect("ask");
    let mut body = response.bytes_stream();
    let mut text = String::new();
    let mut signalled = false;
    while let Some(chunk) = body.next().await {
        text.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        if !signalled && text.contains("event: delta") {
            let kill = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("kill");
            assert!(kill.success());
            signalled = true;
        }
    }
    text
}

#[tokio::test]
async fn on_sigterm_answers_in_progress_finish_within_the_grace_and_are_cut_after_it() {
    use diesel::prelude::*;
    use mentor::db::schema::{quota_usage::dsl as q, usage_events::dsl as l};

    // With time to spare, the answer ends normally and counts.
    let dir = tempfile::tempdir().expect("dir");
    let (child, _stdout, address) = serve_demo(dir.path(), "30");
    let text = ask_then_stop(&child, &address).await;
    assert!(
        text.contains("event: usage") && text.ends_with("event: done\ndata: {}\n\n"),
        "{text}"
    );
    let output = output_within(child, Duration::from_secs(15));
    assert!(output.status.success(), "exit status {:?}", output.status);

    // With no grace, it is cut at once: settled, stored, not counted.
    let dir = tempfile::tempdir().expect("dir");
    let (child, _stdout, address) = serve_demo(dir.path(), "0");
    let text = ask_then_stop(&child, &address).await;
    assert!(text.contains("\"service_unavailable\""), "{text}");
    assert!(!text.contains("event: usage"), "{text}");
    let output = output_within(child, Duration::from_secs(15));
    assert!(output.status.success(), "exit status {:?}", output.status);
    let db_url = format!("sqlite://{}", dir.path().join("mentor.db").display());
    let pool = Pool::new(&db_url, 1).expect("pool");
    let mut conn = pool.get().expect("conn");
    let outcomes: Vec<(String, bool)> = l::usage_events
        .select((l::outcome, l::charged))
        .load(&mut **conn)
        .expect("ledger");
    assert_eq!(outcomes, [("interrupted".to_string(), false)]);
    let used: i32 = q::quota_usage
        .select(q::used)
        .first(&mut **conn)
        .expect("quota");
    assert_eq!(used, 0);
}

#[tokio::test]
async fn a_signed_links_query_never_reaches_the_log() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Logged::serve(&mut mentor(dir.path()));
    let address = server.address.clone();
    let signature = "c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtYmUtbG9nZ2Vk";
    let forged = reqwest::get(format!(
        "http://{address}/api/v1/exports/7/download?expires=4102444800&signature={signature}"
    ))
    .await
    .expect("download");
    assert_eq!(forged.status(), 403);

    let (_, logs) = server.stop();
    assert!(
        logs.contains("\"http.target\":\"/api/v1/exports/7/download\""),
        "the refused request is logged with its path: {logs}"
    );
    assert!(
        !logs.contains(signature),
        "the signature was logged: {logs}"
    );
}
