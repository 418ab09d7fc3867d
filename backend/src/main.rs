//! The `mentor` command: `serve` (default), `migrate`, `admin ...`, `keys ...`, and the
//! hidden `extract-text` that the server runs to read uploaded resumes.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mentor::config::Settings;
use mentor::db::Pool;
use mentor::startup::Application;
use mentor::{auth, telemetry};

#[derive(Parser)]
#[command(name = "mentor", version, about = "The AI Mentor backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administer accounts.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// The users' own AI provider keys and the master key that guards them.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Give back now the questions of asks whose process died before they
    /// settled (`kill -9`, a lost machine), with an `abandoned` ledger row
    /// each, instead of waiting for the servers' own sweep.
    Sweep {
        /// Only asks opened at least this many seconds ago (default: the
        /// servers' own limit, 10 minutes). Shorter is safe only while no server
        /// is answering: it would also take answers in progress.
        #[arg(long, default_value_t = mentor::ask::sweep::ABANDONED_AFTER.num_seconds())]
        older_than_secs: i64,
    },
    /// Internal: read a document on stdin and print its text as JSON, under
    /// resource limits (the server runs this for each uploaded resume).
    #[command(hide = true)]
    ExtractText {
        /// pdf or docx.
        #[arg(long)]
        format: String,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Re-wrap every user's data key under MENTOR_MASTER_KEY, unwrapping the
    /// old ones with MENTOR_MASTER_KEY_PREVIOUS (the encrypted provider keys
    /// are not touched). Safe to run again; run it once every replica has
    /// the new key.
    Rotate,
    /// How many users' data keys each master key wraps.
    Status,
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create an admin account, or promote an existing account to admin.
    /// A new account's password is read from MENTOR_ADMIN_PASSWORD or stdin.
    Create {
        /// The account's email address.
        #[arg(long)]
        email: String,
    },
    /// Find and manage users (audited as the system).
    Users {
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Usage, cost and signups by day over a range (default: the last 30 days).
    Usage {
        /// The first day, YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// The last day, YYYY-MM-DD (inclusive).
        #[arg(long)]
        to: Option<String>,
        /// Print the JSON the admin API gives.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UsersAction {
    /// List users: search, filter, sort.
    List {
        /// Part of the email address.
        #[arg(long)]
        q: Option<String>,
        /// free, pro or enterprise.
        #[arg(long)]
        tier: Option<String>,
        /// active or suspended.
        #[arg(long)]
        status: Option<String>,
        /// created (default), last_sign_in or cost.
        #[arg(long)]
        sort: Option<String>,
        /// Users per page (default 50).
        #[arg(long)]
        limit: Option<i64>,
        /// The cursor printed after the previous page.
        #[arg(long)]
        before: Option<String>,
    },
    /// Everything about one user (an id or an email), as JSON.
    Show { user: String },
    /// Set a user's tier by hand, optionally until a day.
    SetTier {
        user: String,
        /// free, pro or enterprise.
        tier: String,
        /// The last day of the tier, YYYY-MM-DD (or an RFC 3339 time).
        #[arg(long)]
        until: Option<String>,
    },
    /// Suspend a user: refused everywhere, signed out everywhere.
    Suspend { user: String },
    /// Restore a suspended user.
    Unsuspend { user: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The extractor reads untrusted files: no .env, no logging, its own limits.
    if let Some(Command::ExtractText { format }) = &cli.command {
        return mentor::resumes::sandbox::child_main(format);
    }
    // A missing .env is normal outside development.
    let _ = dotenvy::dotenv();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Migrate => migrate(),
        Command::Admin { action } => admin(action),
        Command::Keys { action } => keys(action),
        Command::Sweep { older_than_secs } => sweep(older_than_secs),
        Command::ExtractText { .. } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve() -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    telemetry::init(settings.log_json);
    // Not dumpable: no other process of this user (an extraction child
    // before it confines itself, say) may read this one's memory or its
    // /proc/<pid>/environ, which holds the secrets. Core dumps go too.
    if let Err(e) = nix::sys::prctl::set_dumpable(false) {
        tracing::warn!(error = %e, "could not make the server undumpable");
    }
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(address = %app.address(), "listening");
        app.run_until_stopped().await.map_err(|e| e.to_string())?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn database_pool() -> Result<Pool, String> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://mentor.db".into());
    Pool::new(&url, 1).map_err(|e| format!("DATABASE_URL: {e}"))
}

fn migrate() -> Result<(), String> {
    let applied = database_pool()?.migrate()?;
    if applied.is_empty() {
        println!("The database is up to date.");
    }
    for name in applied {
        println!("applied {name}");
    }
    Ok(())
}

fn keys(action: KeysAction) -> Result<(), String> {
    use mentor::keys::provider_keys;
    let pool = database_pool()?;
    pool.migrate()?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    match action {
        KeysAction::Rotate => {
            let vault = mentor::keys::vault::Vault::from_lookup(&|name| std::env::var(name).ok())?
                .ok_or("MENTOR_MASTER_KEY is not set: there is no key to rotate to")?;
            let done = provider_keys::rotate(&mut conn, &vault).map_err(|e| e.to_string())?;
            println!(
                "Re-wrapped {done} data keys under master key '{}'.",
                vault.current_id()
            );
        }
        KeysAction::Status => {
            let census = provider_keys::master_key_census(&mut conn).map_err(|e| e.to_string())?;
            if census.is_empty() {
                println!("No user has stored a provider key.");
            }
            for (id, count) in census {
                println!("{id}\t{count} data keys");
            }
        }
    }
    Ok(())
}

fn sweep(older_than_secs: i64) -> Result<(), String> {
    let pool = database_pool()?;
    pool.migrate()?;
    let cutoff = mentor::db::now() - chrono::TimeDelta::seconds(older_than_secs.max(0));
    let swept = actix_web::rt::System::new()
        .block_on(mentor::ask::sweep::sweep(&pool, cutoff))
        .map_err(|e| e.to_string())?;
    println!("{swept} abandoned asks given back");
    Ok(())
}

fn admin(action: AdminAction) -> Result<(), String> {
    let pool = database_pool()?;
    pool.migrate()?;
    let output = match action {
        AdminAction::Create { email } => create_admin(&pool, &email)?,
        AdminAction::Usage { from, to, json } => actix_web::rt::System::new()
            .block_on(mentor::admin::cli::usage(
                &pool,
                from.as_deref(),
                to.as_deref(),
                json,
            ))
            .map_err(|e| e.to_string())?,
        AdminAction::Users { action } => users(&pool, action)?,
    };
    print!("{output}");
    Ok(())
}

fn create_admin(pool: &Pool, email: &str) -> Result<String, String> {
    let (user, created) = auth::create_or_promote_admin(pool, email, read_admin_password)
        .map_err(|e| e.to_string())?;
    let verb = if created { "created" } else { "promoted" };
    Ok(format!("{verb} admin {} (id {})\n", user.email, user.id))
}

fn users(pool: &Pool, action: UsersAction) -> Result<String, String> {
    use mentor::admin::cli;
    use mentor::admin::users::ListQuery;
    use shared_types::AdminUserPatch;

    let config = std::env::var_os("MENTOR_CONFIG").map(std::path::PathBuf::from);
    let catalogue = mentor::ai::catalogue::Catalogue::load(config.as_deref())?;
    let suspension = |suspended: bool| AdminUserPatch {
        suspended: Some(suspended),
        ..AdminUserPatch::default()
    };
    actix_web::rt::System::new()
        .block_on(async {
            match action {
                UsersAction::List {
                    q,
                    tier,
                    status,
                    sort,
                    limit,
                    before,
                } => {
                    let query = ListQuery {
                        q,
                        tier,
                        status,
                        sort,
                        limit,
                        before,
                    };
                    cli::users_list(pool, query).await
                }
                UsersAction::Show { user } => cli::user_show(pool, &catalogue, &user).await,
                UsersAction::SetTier { user, tier, until } => {
                    let patch = cli::tier_patch(&tier, until)?;
                    cli::user_update(pool, &catalogue, &user, patch).await
                }
                UsersAction::Suspend { user } => {
                    cli::user_update(pool, &catalogue, &user, suspension(true)).await
                }
                UsersAction::Unsuspend { user } => {
                    cli::user_update(pool, &catalogue, &user, suspension(false)).await
                }
            }
        })
        .map_err(|e| e.to_string())
}

fn read_admin_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("MENTOR_ADMIN_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the new admin (input is shown): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err("no password given: set MENTOR_ADMIN_PASSWORD or pipe it on stdin".into());
    }
    Ok(password)
}
