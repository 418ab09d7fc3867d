//! Opening connections: which engine a URL names, and the pool's manager,
//! which sets each new connection up for its engine.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};

use super::{Db, wal};

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://PATH` or `sqlite:PATH`.
    Sqlite,
}

impl DbKind {
    /// Recognises the engine from the URL's scheme.
    pub fn of_url(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else {
            Err(format!(
                "'{}' is neither sqlite://PATH nor postgres://...",
                url.split('@').next_back().unwrap_or_default()
            ))
        }
    }
}

/// Opens connections of one engine; unlike the derived `Db::establish`, it
/// never falls back to another engine when the first refuses.
#[derive(Debug)]
pub struct DbManager {
    kind: DbKind,
    url: String,
}

impl DbManager {
    pub(super) fn new(url: &str) -> Result<Self, String> {
        let kind = DbKind::of_url(url)?;
        let url = match kind {
            DbKind::Postgres => url.to_string(),
            DbKind::Sqlite => sqlite_path(url).to_string(),
        };
        Ok(Self { kind, url })
    }
}

/// The file path of a `sqlite://PATH` or `sqlite:PATH` URL.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// A pooled connection, whether it was found dead after a failed call
/// (then the pool drops it instead of reusing it), and the scope its
/// session is in (`None`: not known).
pub struct Conn {
    pub(super) db: Db,
    pub(super) dead: bool,
    pub(super) scope: Option<super::Scope>,
}

impl std::ops::Deref for Conn {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Db {
        &mut self.db
    }
}

impl ManageConnection for DbManager {
    type Connection = Conn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Conn, r2d2::Error> {
        self.open().map(|db| Conn {
            db,
            dead: false,
            scope: None,
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), r2d2::Error> {
        conn.db.ping().map_err(r2d2::Error::QueryError)
    }

    /// Checked, without a query, each time a connection goes back to the
    /// pool: a connection found dead (see [`Pool::run`]) or left in a broken
    /// transaction is dropped, not reused.
    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.dead || conn.db.is_broken()
    }
}

impl DbManager {
    pub(super) fn open(&self) -> Result<Db, r2d2::Error> {
        match self.kind {
            DbKind::Postgres => {
                let mut conn =
                    PgConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                // Plan each prepared statement once per connection. Left to
                // choose, PostgreSQL kept re-planning the ask's one-statement
                // reserve and settle (their generic plans look dearer to its
                // estimates), which cost ~100 µs of server CPU per ask
                // (`scripts/bench-ask.sh`). The app's queries look rows up by
                // key, where a generic plan is as good as a custom one.
                conn.batch_execute("SET plan_cache_mode = force_generic_plan")
                    .map_err(r2d2::Error::QueryError)?;
                Ok(Db::Pg(conn))
            }
            DbKind::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the one writer. With NORMAL sync
                // a commit does not fsync; only checkpoints do, and those run
                // in the background (`Pool::spawn_checkpoints`) rather than inside
                // whichever commit fills the log. busy_timeout comes first so
                // that even the switch to WAL waits for a lock held by another
                // connection instead of failing at once.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; \
                     PRAGMA journal_size_limit = {}; PRAGMA foreign_keys = ON;",
                    wal::BUSY_TIMEOUT_MS,
                    wal::SIZE_LIMIT,
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(Db::Sqlite(conn))
            }
        }
    }
}
