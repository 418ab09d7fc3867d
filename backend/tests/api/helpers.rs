//! Starts the real app on port 0 against a fresh database for each test.
//!
//! SQLite by default (a temporary file). With `MENTOR_TEST_POSTGRES_URL` set
//! (an admin URL such as `postgres://postgres@127.0.0.1:5432/postgres`), each
//! test gets a fresh PostgreSQL database `mentor_test_<uuid>` instead; the
//! test script drops them before each run.

use std::sync::LazyLock;

use diesel::{Connection, PgConnection, RunQueryDsl};
use mentor::config::{AiSettings, ProviderSettings, Settings, Wire};
use mentor::db::{Db, Pool};
use mentor::startup::Application;
use mentor_stand_ins::FakeAi;
use secrecy::SecretString;
use serde_json::{Value, json};

/// The signing key every test app uses, so tests can forge tokens.
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-0123456789";
/// A password that passes the rules.
pub const PASSWORD: &str = "correct horse battery staple";

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        mentor::telemetry::init(false);
    }
});

/// A running app and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// A client without cookies or redirects.
    pub client: reqwest::Client,
    /// A pool on the app's database, for assertions on rows.
    pub pool: Pool,
    /// The AI stand-in the app's OpenAI, Anthropic and Gemini point at.
    pub fake: FakeAi,
    /// The SMTP server the app's mail goes to.
    pub mail: mentor_stand_ins::MailCatcher,
    /// The settings the app started with.
    pub settings: Settings,
    /// `http://ADDRESS` of the metrics-only server, when `metrics_bind` is set.
    pub metrics_address: Option<String>,
    _db: TestDb,
}

/// The API key each stand-in provider is configured with.
/// The tests' master key ("test-k1"), or after a rotation a newer one
/// ("test-k2") with "test-k1" as the previous key.
pub fn test_vault(rotated: bool) -> mentor::keys::vault::Vault {
    use mentor::keys::vault::{MasterKey, Vault};
    let key = |id: &str, byte: u8| MasterKey::parse(id, &hex_byte(byte)).expect("master key");
    if rotated {
        Vault::new(key("test-k2", 0x22), Some(key("test-k1", 0x11)))
    } else {
        Vault::new(key("test-k1", 0x11), None)
    }
}

fn hex_byte(byte: u8) -> String {
    format!("{byte:02x}").repeat(32)
}

pub fn test_key(provider: &str) -> String {
    format!("test-key-{provider}")
}

enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres,
}

/// Starts an app with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An app whose plans are `plans` (the TOML of a config file); the
/// directory holding the file lives as long as the returned guard.
pub async fn spawn_app_with_plans(plans: &str) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("mentor.toml");
    std::fs::write(&config, plans).expect("config");
    (
        spawn_app_with(|s| s.ai.config_file = Some(config)).await,
        dir,
    )
}

/// Starts an app after `customize` adjusts the settings.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    LazyLock::force(&TRACING);
    let fake = FakeAi::start();
    let (database_url, db) = match std::env::var("MENTOR_TEST_POSTGRES_URL") {
        Ok(admin_url) => (fresh_postgres_database(&admin_url), TestDb::Postgres),
        Err(_) => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("mentor.db").display());
            (url, TestDb::Sqlite(dir))
        }
    };
    let mut settings = Settings::new(database_url, SecretString::from(JWT_SECRET));
    settings.bind = "127.0.0.1:0".into();
    settings.db_pool_size = 4;
    settings.redis_prefix = format!("mentor-test-{}", uuid::Uuid::new_v4().simple());
    settings.ai = AiSettings {
        providers: [
            ("openai", Wire::OpenAi, mentor_stand_ins::Wire::OpenAi),
            (
                "anthropic",
                Wire::Anthropic,
                mentor_stand_ins::Wire::Anthropic,
            ),
            ("gemini", Wire::Gemini, mentor_stand_ins::Wire::Gemini),
        ]
        .into_iter()
        .map(|(name, wire, fake_wire)| ProviderSettings {
            name: name.into(),
            wire,
            base_url: fake.base_url(fake_wire),
            api_key: SecretString::from(test_key(name)),
        })
        .collect(),
        // Users' own keys reach the same stand-in, whichever provider.
        endpoints: mentor::config::PROVIDER_ENV
            .iter()
            .map(|&(name, _, _, wire)| mentor::config::Endpoint {
                name: name.into(),
                wire,
                base_url: fake.base_url(match wire {
                    Wire::OpenAi => mentor_stand_ins::Wire::OpenAi,
                    Wire::Anthropic => mentor_stand_ins::Wire::Anthropic,
                    Wire::Gemini => mentor_stand_ins::Wire::Gemini,
                }),
            })
            .collect(),
        read_timeout: std::time::Duration::from_secs(5),
        retry_backoff: std::time::Duration::from_millis(5),
        ..AiSettings::default()
    };
    settings.vault = Some(std::sync::Arc::new(test_vault(false)));
    let mail = mentor_stand_ins::MailCatcher::start();
    settings.mail.smtp_url = Some(SecretString::from(mail.url()));
    settings.mail.retry_base = std::time::Duration::from_secs(1);
    // Most tests are about other things than the address; the tests of
    // verification turn this on.
    settings.require_verified_email = false;
    // Uploaded documents are read by the real binary, as in production.
    settings.extractor.program = env!("CARGO_BIN_EXE_mentor").into();
    customize(&mut settings);
    let pool = Pool::new(&settings.database_url, 2).expect("pool");
    let app = Application::build(settings.clone())
        .await
        .expect("app starts");
    let address = format!("http://{}", app.address());
    let metrics_address = app.metrics_address().map(|a| format!("http://{a}"));
    tokio::spawn(app.run_until_stopped());
    TestApp {
        metrics_address,
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        pool,
        fake,
        mail,
        settings,
        _db: db,
    }
}

/// Starts a second app on the same database and settings as `app` (a
/// replica), with its own stand-in.
pub async fn spawn_replica(app: &TestApp) -> String {
    let replica = Application::build(app.settings.clone())
        .await
        .expect("replica starts");
    let address = format!("http://{}", replica.address());
    tokio::spawn(replica.run_until_stopped());
    address
}

fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("mentor_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(admin_url)
        .expect("PostgreSQL reachable at MENTOR_TEST_POSTGRES_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create database");
    // Keep the admin URL's options (such as `?sslmode=disable`).
    let (path, options) = admin_url
        .split_once('?')
        .map_or((admin_url, String::new()), |(p, o)| (p, format!("?{o}")));
    let (base, _) = path
        .rsplit_once('/')
        .expect("admin URL has a database path");
    format!("{base}/{name}{options}")
}

/// A response's status and JSON body (`Null` when empty or not JSON).
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The parsed body.
    pub body: Value,
}

impl Reply {
    /// Reads a response.
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            body,
        }
    }

    /// The `error` code of an error body.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and error code of an error reply, and that the
    /// body has exactly the two documented fields.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.error()),
            (status, code),
            "body: {}",
            self.body
        );
        let object = self.body.as_object().expect("error body is an object");
        assert_eq!(
            object.len(),
            2,
            "error body has only error and message: {}",
            self.body
        );
        assert!(!self.body["message"].as_str().unwrap_or_default().is_empty());
    }
}

impl TestApp {
    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.expect("request sent")).await
    }

    /// `POST` a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.request("POST", path, None, Some(body)).await
    }

    /// Registers `email` with [`PASSWORD`]; panics unless it succeeds.
    pub async fn register(&self, email: &str) -> Session {
        let reply = self
            .post(
                "/api/v1/auth/register",
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, 201, "register: {}", reply.body);
        Session::from(&reply)
    }

    /// Signs in with a password; returns the raw reply.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Trades a refresh token; returns the raw reply.
    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": refresh_token}),
        )
        .await
    }

    /// Asks without streaming.
    pub async fn ask(&self, token: &str, body: Value) -> Reply {
        self.request("POST", "/api/v1/ask", Some(token), Some(body))
            .await
    }

    /// Asks with `Accept: text/event-stream`; returns the reply (body `Null`)
    /// and the events as (name, data) pairs.
    pub async fn ask_stream(&self, token: &str, body: Value) -> (Reply, Vec<(String, Value)>) {
        let response = self
            .client
            .post(format!("{}/api/v1/ask", self.address))
            .bearer_auth(token)
            .header("accept", "text/event-stream")
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        if status != 200 {
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            return (
                Reply {
                    status,
                    headers,
                    body,
                },
                Vec::new(),
            );
        }
        (
            Reply {
                status,
                headers,
                body: Value::Null,
            },
            parse_sse(&text),
        )
    }

    /// Uploads a file as multipart/form-data to `POST /api/v1/resumes`.
    pub async fn upload_resume(
        &self,
        token: &str,
        file_name: &str,
        bytes: Vec<u8>,
        title: Option<&str>,
    ) -> Reply {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let mut form = reqwest::multipart::Form::new().part("file", part);
        if let Some(title) = title {
            form = form.text("title", title.to_string());
        }
        let response = self
            .client
            .post(format!("{}/api/v1/resumes", self.address))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request sent");
        Reply::from(response).await
    }

    /// Registers `email`, makes it an admin (as `mentor admin create` does)
    /// and signs in.
    pub async fn admin(&self, email: &str) -> Session {
        self.register(email).await;
        mentor::auth::create_or_promote_admin(&self.pool, email, || Ok(PASSWORD.into()))
            .expect("promote");
        Session::from(&self.login(email, PASSWORD).await)
    }

    /// Puts a user on a tier, as a subscription would.
    pub fn set_tier(&self, user_id: i64, tier: &str) {
        self.with_db(|conn| {
            mentor::db::subscriptions::set_tier(conn, user_id, tier, None, mentor::db::now())
                .expect("tier")
        });
    }

    /// Runs a query on the app's database.
    pub fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> T) -> T {
        let mut conn = self.pool.get().expect("connection");
        f(&mut conn)
    }
}

/// The tokens of a signed-in user.
pub struct Session {
    /// The JWT.
    pub access: String,
    /// The opaque refresh token.
    pub refresh: String,
    /// The user's id.
    pub user_id: i64,
}

impl Session {
    /// Reads the pair from a token response.
    pub fn from(reply: &Reply) -> Self {
        Self {
            access: reply.body["access_token"]
                .as_str()
                .expect("access_token")
                .to_string(),
            refresh: reply.body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_string(),
            user_id: reply.body["user"]["id"].as_i64().expect("user.id"),
        }
    }
}

/// Splits an SSE body into (event name, JSON data) pairs.
pub fn parse_sse(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut name = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    name = v.to_string();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push_str(v);
                }
            }
            (
                name,
                serde_json::from_str(&data).expect("event data is JSON"),
            )
        })
        .collect()
}
