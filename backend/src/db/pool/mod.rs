//! The pool: how a call reaches the database. Reads and writes run a
//! closure on the blocking thread pool; SQLite's writes go through its one
//! writer thread ([`batch`]), PostgreSQL's reservations and settles in groups
//! ([`groups`]). A database found out of reach makes calls fail fast
//! ([`Reachability`]) until a connection opens again.

mod batch;
mod groups;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use diesel::prelude::*;
use diesel::r2d2::{self, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Conn, Db, DbError, DbKind, DbManager, Scope, asks, scope, wal};
use groups::{Groupable, Grouper};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Whether the database was found out of reach lately: a connection that
/// would not open (the pool keeps retrying in the background, at least
/// every 2.5 s, while it is down) or one found dead. Meanwhile a call waits
/// for a connection only briefly (long enough for one to open if the
/// database is back) and then fails with `Unavailable`, instead of waiting
/// the pool's full timeout for a connection that cannot open.
#[derive(Debug, Clone, Default)]
pub(super) struct Reachability {
    /// Milliseconds since the Unix epoch of the last failure; 0: none.
    failed_at: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Reachability {
    /// How long after a failure calls fail fast (more than the pool's
    /// longest pause between attempts, so that it stays open while down).
    const WINDOW_MS: u64 = 3_000;
    /// How long a call waits for a connection meanwhile.
    const BRIEF_WAIT: Duration = Duration::from_millis(250);

    fn now_ms() -> u64 {
        u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or_default()
    }

    fn failed(&self) {
        self.failed_at
            .store(Self::now_ms(), std::sync::atomic::Ordering::Relaxed);
    }

    fn recovered(&self) {
        // Read first: a store on every call would bounce the cache line.
        if self.failed_at.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            self.failed_at
                .store(0, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn down(&self) -> bool {
        let at = self.failed_at.load(std::sync::atomic::Ordering::Relaxed);
        at != 0 && Self::now_ms().saturating_sub(at) < Self::WINDOW_MS
    }
}

impl r2d2::HandleError<r2d2::Error> for Reachability {
    fn handle_error(&self, error: r2d2::Error) {
        if !self.down() {
            tracing::warn!(error = %error, "cannot open a database connection; calls fail fast until one opens");
        }
        self.failed();
    }
}

/// Database connections: reads and writes.
///
/// On PostgreSQL both come from one pool. SQLite allows one writer at a
/// time and makes a waiting writer sleep and poll (1, 2, 5, 10 ms, ...), so
/// its writes get one dedicated connection, which one thread uses to commit
/// the writes queued meanwhile together ([`batch`]); readers (WAL) never
/// wait for them.
#[derive(Clone)]
pub struct Pool {
    readers: r2d2::Pool<DbManager>,
    writer: r2d2::Pool<DbManager>,
    /// SQLite's group commit.
    batcher: Option<batch::Batcher>,
    /// PostgreSQL's grouped reservations and settles, each started by its
    /// first write.
    reserver: Arc<OnceLock<Grouper<asks::Reserve>>>,
    settler: Arc<OnceLock<Grouper<asks::Settle>>>,
    kind: DbKind,
    waits: Option<prometheus::Histogram>,
    reachability: Reachability,
}

fn build(
    url: &str,
    size: u32,
    reachability: &Reachability,
) -> Result<r2d2::Pool<DbManager>, String> {
    // No query on checkout: a round trip on every call to catch the rare
    // connection that the server closed (a restart, a failover) costs more
    // than that one call failing. `Pool::run` finds such a connection when
    // a call on it fails, and the pool drops it.
    Ok(r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(false)
        .error_handler(Box::new(reachability.clone()))
        .build_unchecked(DbManager::new(url)?))
}

impl Pool {
    /// Builds the pool; no connection is opened until one is needed.
    pub fn new(url: &str, size: u32) -> Result<Self, String> {
        let kind = DbKind::of_url(url)?;
        if kind == DbKind::Sqlite {
            // Switch a new file to WAL once, before the pools open their
            // connections in the background: the switch needs an exclusive
            // lock, and racing for it costs sleeps in SQLite's busy handler.
            DbManager::new(url)?
                .open()
                .map_err(|e| format!("cannot open the SQLite database: {e}"))?;
        }
        let reachability = Reachability::default();
        let readers = build(url, size, &reachability)?;
        let (writer, batcher) = match kind {
            DbKind::Postgres => (readers.clone(), None),
            DbKind::Sqlite => {
                let writer = build(url, 1, &reachability)?;
                let batcher = batch::Batcher::start(writer.clone(), reachability.clone())
                    .map_err(|e| format!("cannot start the SQLite writer thread: {e}"))?;
                (writer, Some(batcher))
            }
        };
        Ok(Self {
            readers,
            writer,
            batcher,
            reserver: Arc::default(),
            settler: Arc::default(),
            kind,
            waits: None,
            reachability,
        })
    }

    /// The same pool, recording how long each checkout waits in `waits`.
    pub fn observing_waits(mut self, waits: prometheus::Histogram) -> Self {
        self.waits = Some(waits);
        self
    }

    /// Connections in use and idle, per pool (`readers`, and `writer` when
    /// it is a pool of its own, as on SQLite).
    pub fn usage(&self) -> Vec<(&'static str, u32, u32)> {
        let of = |name, pool: &r2d2::Pool<DbManager>| {
            let state = pool.state();
            (
                name,
                state.connections - state.idle_connections,
                state.idle_connections,
            )
        };
        let mut out = vec![of("readers", &self.readers)];
        if self.kind == DbKind::Sqlite {
            out.push(of("writer", &self.writer));
        }
        out
    }

    /// Takes a connection that may write, in the system scope, waiting at
    /// most the pool's timeout: for the command line and start-up.
    pub fn get(&self) -> Result<r2d2::PooledConnection<DbManager>, DbError> {
        let mut conn = self
            .writer
            .get()
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        let Conn {
            db, scope: current, ..
        } = &mut *conn;
        scope::enter(db, current, &Scope::System)?;
        Ok(conn)
    }

    /// Runs `f`, which only reads, in `scope`, with a connection on the
    /// blocking pool.
    pub async fn read<T, E, F>(&self, scope: Scope, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Db) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        Self::run(
            self.readers.clone(),
            self.waits.clone(),
            self.reachability.clone(),
            scope,
            f,
        )
        .await
    }

    /// Runs `f`, which may write, in `scope`: on SQLite in the writer
    /// thread's next group ([`batch`]), on PostgreSQL with a connection on
    /// the blocking pool. Resolves once what `f` wrote is committed.
    pub async fn write<T, E, F>(&self, scope: Scope, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Db) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        if let Some(batcher) = &self.batcher {
            return batch::outcome(batcher.queue(self.waits.clone(), f)).await;
        }
        Self::run(
            self.writer.clone(),
            self.waits.clone(),
            self.reachability.clone(),
            scope,
            f,
        )
        .await
    }

    /// Reserves an ask's question ([`asks::reserve`]): on PostgreSQL in
    /// the reserving thread's next group that it fits ([`groups`]), on
    /// SQLite as any write. A reservation refused is the inner error.
    pub async fn reserve(
        &self,
        reserve: asks::Reserve,
    ) -> Result<Result<asks::Reserved, asks::ReserveError>, DbError> {
        self.grouped(&self.reserver, reserve).await
    }

    /// Settles an ask ([`asks::settle`]): on PostgreSQL in the settling
    /// thread's next group ([`groups`]), on SQLite as any write. Returns the
    /// questions used and granted in the period afterwards.
    pub async fn settle(&self, settle: asks::Settle) -> Result<(i32, i32), DbError> {
        self.grouped(&self.settler, settle).await
    }

    /// Writes `write` in its kind's group, starting the kind's thread on
    /// the first; on SQLite as any write.
    async fn grouped<W: Groupable>(
        &self,
        grouper: &OnceLock<Grouper<W>>,
        write: W,
    ) -> Result<W::Answer, DbError> {
        if self.kind == DbKind::Sqlite {
            return self
                .write(Scope::User(write.user_id()), move |conn| write.alone(conn))
                .await;
        }
        let grouper = match grouper.get() {
            Some(grouper) => grouper,
            None => {
                let started = Grouper::start(
                    self.writer.clone(),
                    self.waits.clone(),
                    self.reachability.clone(),
                )
                .map_err(|e| {
                    DbError::Unavailable(format!("cannot start the {} thread: {e}", W::THREAD))
                })?;
                // Two first writes at once may both start one: one is kept,
                // and the other's thread ends when it is dropped.
                grouper.get_or_init(|| started)
            }
        };
        grouper.write(write).await
    }

    /// Runs `read` on a reader, then `write` with what it returned as a
    /// write, both in `scope`, in one trip to the blocking pool (on PostgreSQL, on one
    /// connection; on SQLite the blocking thread queues the write for the
    /// writer thread): for a request that reads what it needs to decide,
    /// then writes.
    pub async fn read_then_write<R, T, E, F, G>(
        &self,
        scope: Scope,
        read: F,
        write: G,
    ) -> Result<T, E>
    where
        F: FnOnce(&mut Db) -> Result<R, E> + Send + 'static,
        G: FnOnce(&mut Db, R) -> Result<T, E> + Send + 'static,
        R: Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (readers, writer) = (self.readers.clone(), self.writer.clone());
        let (waits, reachability) = (self.waits.clone(), self.reachability.clone());
        if let Some(batcher) = self.batcher.clone() {
            let pending = Self::blocking(move || {
                let read = call(&readers, waits.as_ref(), &reachability, &scope, read)?;
                Ok::<_, E>(batcher.queue(waits, move |conn| write(conn, read)))
            })
            .await?;
            return batch::outcome(pending).await;
        }
        let same = self.kind == DbKind::Postgres;
        Self::blocking(move || {
            if same {
                return call(&writer, waits.as_ref(), &reachability, &scope, |conn| {
                    let read = read(conn)?;
                    write(conn, read)
                });
            }
            let read = call(&readers, waits.as_ref(), &reachability, &scope, read)?;
            call(&writer, waits.as_ref(), &reachability, &scope, |conn| {
                write(conn, read)
            })
        })
        .await
    }

    async fn run<T, E, F>(
        pool: r2d2::Pool<DbManager>,
        waits: Option<prometheus::Histogram>,
        reachability: Reachability,
        scope: Scope,
        f: F,
    ) -> Result<T, E>
    where
        F: FnOnce(&mut Db) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        Self::blocking(move || call(&pool, waits.as_ref(), &reachability, &scope, f)).await
    }

    /// Runs `f` on the blocking pool.
    async fn blocking<T, E, F>(f: F) -> Result<T, E>
    where
        F: FnOnce() -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match actix_web::rt::task::spawn_blocking(f).await {
            Ok(result) => result,
            Err(join) => Err(DbError::Unavailable(format!("blocking task failed: {join}")).into()),
        }
    }

    /// On SQLite, starts a task that checkpoints the write-ahead log every
    /// 200 ms on the writer connection ([`wal`]): the log stays short, and
    /// each checkpoint's fsync is small and off any request's commit. When
    /// readers were still in the log, it tries again after 20 ms. Does
    /// nothing on PostgreSQL. Call within a tokio runtime.
    pub fn spawn_checkpoints(&self) {
        const EVERY: Duration = Duration::from_millis(200);
        const AGAIN: Duration = Duration::from_millis(20);
        if self.kind != DbKind::Sqlite {
            return;
        }
        let (writer, reachability) = (self.writer.clone(), self.reachability.clone());
        tokio::spawn(async move {
            let mut wait = EVERY;
            loop {
                tokio::time::sleep(wait).await;
                // Between the writer thread's groups: a checkpoint cannot
                // run inside a transaction.
                let checkpoint = Self::run(
                    writer.clone(),
                    None,
                    reachability.clone(),
                    Scope::System,
                    |conn| {
                        match conn {
                            Db::Sqlite(c) => wal::checkpoint(c).map_err(DbError::Query),
                            Db::Pg(_) => Ok(wal::Checkpoint::default()), // not started there
                        }
                    },
                )
                .await;
                wait = match checkpoint {
                    Ok(done) if done.busy != 0 => AGAIN,
                    Ok(_) => EVERY,
                    Err(e) => {
                        tracing::warn!(error = %e, "SQLite checkpoint failed");
                        EVERY
                    }
                };
            }
        });
    }

    /// Applies every pending migration for this engine; returns their names.
    /// On PostgreSQL, replicas starting together (and the migration Job)
    /// take turns under an advisory lock, so each migration runs once.
    pub fn migrate(&self) -> Result<Vec<String>, String> {
        /// The advisory lock's key ("mentor-m" in ASCII).
        const MIGRATION_LOCK: i64 = 0x6d65_6e74_6f72_2d6d;
        let mut conn = self.get().map_err(|e| e.to_string())?;
        let applied = match &mut **conn {
            Db::Pg(c) => {
                let lock = |c: &mut diesel::PgConnection, sql: &str| {
                    diesel::sql_query(sql)
                        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
                        .execute(c)
                        .map_err(|e| format!("migration lock: {e}"))
                };
                lock(c, "SELECT pg_advisory_lock($1)")?;
                let applied = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|names| names.iter().map(ToString::to_string).collect::<Vec<_>>());
                lock(c, "SELECT pg_advisory_unlock($1)")?;
                applied
            }
            Db::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|names| names.iter().map(ToString::to_string).collect()),
        }
        .map_err(|e| format!("migration failed: {e}"))?;
        Ok(applied)
    }
}

/// Takes a connection from `pool`: waiting the pool's timeout, or only
/// briefly while the database was found out of reach lately.
fn checkout(
    pool: &r2d2::Pool<DbManager>,
    reachability: &Reachability,
) -> Result<r2d2::PooledConnection<DbManager>, DbError> {
    if reachability.down() {
        pool.get_timeout(Reachability::BRIEF_WAIT)
    } else {
        pool.get()
    }
    .map_err(|e| DbError::Unavailable(e.to_string()))
}

/// Takes a connection from `pool` (waiting briefly while the database is
/// out of reach) and runs `f` on it in `scope`, on the calling (blocking)
/// thread.
/// A failed query must leave `f` as an `Err`: only then is the connection
/// checked, and dropped if the server closed it.
fn call<T, E, F>(
    pool: &r2d2::Pool<DbManager>,
    waits: Option<&prometheus::Histogram>,
    reachability: &Reachability,
    scope: &Scope,
    f: F,
) -> Result<T, E>
where
    F: FnOnce(&mut Db) -> Result<T, E>,
    E: From<DbError>,
{
    let started = std::time::Instant::now();
    let conn = checkout(pool, reachability);
    if let Some(waits) = waits {
        waits.observe(started.elapsed().as_secs_f64());
    }
    let mut conn = conn?;
    let conn = &mut *conn;
    let result = scope::enter(&mut conn.db, &mut conn.scope, scope)
        .map_err(|e| E::from(DbError::Query(e)))
        .and_then(|()| f(&mut conn.db));
    // A failed call may have met a connection the server closed:
    // then the call is answered as the database being unavailable
    // (503), and the connection is dropped.
    if result.is_err() && conn.db.ping().is_err() {
        conn.dead = true;
        reachability.failed();
        return Err(DbError::Unavailable("the database closed the connection".into()).into());
    }
    if result.is_ok() {
        reachability.recovered();
    }
    result
}
