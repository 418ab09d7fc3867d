//! SQLite's writes, committed in groups (group commit).
//!
//! SQLite has one writer at a time. Each write used to take the writer
//! connection from its pool on a blocking thread and commit alone; under
//! load, tens of threads queued for that one connection, handing it on one
//! by one, and each commit wrote its own pages to the log
//! (`scripts/bench-ask.sh`, JSON asks at 32 clients on 2 cores: 2,350 to
//! 2,700 a second, at 580 to 680 µs of CPU each; with this module 4,230 to
//! 4,260, at 380 µs).
//!
//! Here one thread owns the writing. It takes the writes queued meanwhile
//! (up to [`MOST`]), runs them one after another inside one `BEGIN
//! IMMEDIATE` transaction, commits once, and only then answers each. So a
//! write's caller hears of it only once it is committed, as before, and a
//! write's own transaction (`conn.transaction`) becomes a savepoint that
//! rolls back alone.
//!
//! A write that returns an error keeps what its statements did before it,
//! as it would without a transaction around it, and ends the group: if
//! SQLite rolled the whole transaction back for it (a full disk, an I/O
//! error), no later write runs outside the group unseen. When the commit
//! fails, or a write panics, the group is rolled back and every write in
//! it is answered `Unavailable`.
//!
//! Statements that cannot run inside a transaction (a checkpoint) take the
//! writer connection from its pool instead, between groups.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::Instant;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::{self, R2D2Connection};
use tokio::sync::oneshot;

use super::{Conn, Db, DbError, DbManager, Reachability, checkout};

/// The most writes committed together.
pub const MOST: usize = 64;

/// A write ran: whether it failed, and how to answer its caller once the
/// group's fate is known (`None`: committed).
struct Ran {
    failed: bool,
    answer: Box<dyn FnOnce(Option<String>) + Send>,
}

/// A queued write: run it in the group, or refuse it unrun.
trait Job: Send {
    fn run(self: Box<Self>, conn: &mut Db) -> Ran;
    fn refuse(self: Box<Self>, why: String);
}

struct Queued<F, T, E> {
    f: F,
    reply: oneshot::Sender<Result<T, E>>,
    queued: Instant,
    waits: Option<prometheus::Histogram>,
}

impl<F, T, E> Job for Queued<F, T, E>
where
    F: FnOnce(&mut Db) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut Db) -> Ran {
        let Self {
            f,
            reply,
            queued,
            waits,
        } = *self;
        if let Some(waits) = &waits {
            waits.observe(queued.elapsed().as_secs_f64());
        }
        let result = f(conn);
        Ran {
            failed: result.is_err(),
            answer: Box::new(move |failure| {
                let _ = reply.send(match failure {
                    None => result,
                    Some(why) => Err(DbError::Unavailable(why).into()),
                });
            }),
        }
    }

    fn refuse(self: Box<Self>, why: String) {
        let _ = self.reply.send(Err(DbError::Unavailable(why).into()));
    }
}

/// Queues writes for the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Batcher {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

/// A queued write's answer.
pub type Pending<T, E> = oneshot::Receiver<Result<T, E>>;

impl Batcher {
    /// Starts the writer thread over the writer pool. It stops when the
    /// last `Batcher` is dropped.
    pub fn start(
        writer: r2d2::Pool<DbManager>,
        reachability: Reachability,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    commit_group(&writer, &reachability, first, &queue);
                }
            })?;
        Ok(Self { jobs })
    }

    /// Queues `f`; `waits` records how long it waited for its turn.
    pub fn queue<T, E, F>(&self, waits: Option<prometheus::Histogram>, f: F) -> Pending<T, E>
    where
        F: FnOnce(&mut Db) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (job, pending) = job(waits, f);
        // If the thread is gone, the job and its reply are dropped, and
        // `outcome` says so.
        let _ = self.jobs.send(job);
        pending
    }
}

/// `f` as a job, and its answer.
fn job<T, E, F>(waits: Option<prometheus::Histogram>, f: F) -> (Box<dyn Job>, Pending<T, E>)
where
    F: FnOnce(&mut Db) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let (reply, pending) = oneshot::channel();
    let job = Queued {
        f,
        reply,
        queued: Instant::now(),
        waits,
    };
    (Box::new(job), pending)
}

/// Waits for a queued write's answer.
pub async fn outcome<T, E: From<DbError>>(pending: Pending<T, E>) -> Result<T, E> {
    pending.await.unwrap_or_else(|_| {
        Err(DbError::Unavailable(
            "the write was not saved: it failed unexpectedly, or the database writer stopped"
                .into(),
        )
        .into())
    })
}

/// Runs `first` and the writes queued behind it in one transaction, then
/// answers them all.
fn commit_group(
    writer: &r2d2::Pool<DbManager>,
    reachability: &Reachability,
    first: Box<dyn Job>,
    queue: &mpsc::Receiver<Box<dyn Job>>,
) {
    let mut conn = match checkout(writer, reachability) {
        Ok(conn) => conn,
        Err(why) => {
            // Answer this write and those queued behind it with the reason.
            let why = why.to_string();
            first.refuse(why.clone());
            while let Ok(job) = queue.try_recv() {
                job.refuse(why.clone());
            }
            return;
        }
    };
    let (ran, failure) = run_group(&mut conn, first, queue);
    if failure.is_some() && conn.db.ping().is_err() {
        conn.dead = true;
        reachability.failed();
    }
    drop(conn); // back to the pool before anyone hears
    for job in ran {
        (job.answer)(failure.clone());
    }
}

/// The group's transaction: begin, the writes, commit (or roll back).
/// Returns the writes run and, if the group failed, why.
fn run_group(
    conn: &mut Conn,
    first: Box<dyn Job>,
    queue: &mpsc::Receiver<Box<dyn Job>>,
) -> (Vec<Ran>, Option<String>) {
    let Db::Sqlite(sqlite) = &mut conn.db else {
        unreachable!("group commit is SQLite's");
    };
    if let Err(e) = AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
        let why = format!("could not begin a write: {e}");
        first.refuse(why.clone());
        return (Vec::new(), Some(why));
    }
    let mut ran = Vec::new();
    let mut next = Some(first);
    while let Some(job) = next.take() {
        match std::panic::catch_unwind(AssertUnwindSafe(|| job.run(&mut conn.db))) {
            Ok(done) => {
                let failed = done.failed;
                ran.push(done);
                if failed || ran.len() == MOST {
                    break;
                }
                next = queue.try_recv().ok();
            }
            Err(_) => {
                rollback(&mut conn.db);
                return (
                    ran,
                    Some("a write failed unexpectedly; nothing of its group was saved".into()),
                );
            }
        }
    }
    let Db::Sqlite(sqlite) = &mut conn.db else {
        unreachable!("group commit is SQLite's");
    };
    match AnsiTransactionManager::commit_transaction(sqlite) {
        Ok(()) => (ran, None),
        Err(e) => {
            rollback(&mut conn.db);
            (ran, Some(format!("the write could not be saved: {e}")))
        }
    }
}

/// Rolls the group back. After a panic inside a write's own transaction
/// this only reaches its savepoint; the pool then finds the connection
/// still in a transaction and drops it (`has_broken`), which rolls back
/// the rest.
fn rollback(db: &mut Db) {
    if let Db::Sqlite(sqlite) = db {
        let _ = AnsiTransactionManager::rollback_transaction(sqlite);
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use super::*;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn rows(conn: &mut Db) -> i64 {
        crate::db::load_sql::<Count, _>(conn, diesel::sql_query("SELECT count(*) AS n FROM t"))
            .expect("count")[0]
            .n
    }

    struct Setup {
        _dir: tempfile::TempDir,
        url: String,
        writer: r2d2::Pool<DbManager>,
        reachability: Reachability,
        jobs: mpsc::Sender<Box<dyn Job>>,
        queue: mpsc::Receiver<Box<dyn Job>>,
    }

    impl Setup {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("dir");
            let url = format!("sqlite://{}", dir.path().join("t.db").display());
            let reachability = Reachability::default();
            let writer = super::super::build(&url, 1, &reachability).expect("pool");
            writer
                .get()
                .expect("connection")
                .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);")
                .expect("table");
            let (jobs, queue) = mpsc::channel();
            Self {
                _dir: dir,
                url,
                writer,
                reachability,
                jobs,
                queue,
            }
        }

        fn queue<T: Send + 'static>(
            &self,
            f: impl FnOnce(&mut Db) -> Result<T, DbError> + Send + 'static,
        ) -> Pending<T, DbError> {
            let (job, pending) = job(None, f);
            self.jobs.send(job).expect("queued");
            pending
        }

        /// Runs one group, as the writer thread does.
        fn commit_group(&self) {
            let first = self.queue.try_recv().expect("a queued write");
            commit_group(&self.writer, &self.reachability, first, &self.queue);
        }

        /// Rows committed, as another connection sees them.
        fn committed(&self) -> i64 {
            rows(&mut another_connection(&self.url))
        }
    }

    fn another_connection(url: &str) -> Db {
        DbManager::new(url)
            .expect("url")
            .open()
            .expect("another connection")
    }

    fn insert(conn: &mut Db) -> Result<(), DbError> {
        conn.batch_execute("INSERT INTO t (v) VALUES ('x');")
            .map_err(DbError::Query)
    }

    /// The writes queued together share one transaction, and each hears
    /// of its write only after the commit.
    #[test]
    fn queued_writes_commit_together() {
        let s = Setup::new();
        let url = s.url.clone();
        let first = s.queue(insert);
        let second = s.queue(move |conn| {
            insert(conn)?;
            let other = rows(&mut another_connection(&url));
            Ok((rows(conn), other))
        });
        s.commit_group();
        first.blocking_recv().expect("answered").expect("first");
        let (own, other) = second.blocking_recv().expect("answered").expect("second");
        assert_eq!(own, 2, "the group's writes see each other");
        assert_eq!(other, 0, "nothing is visible before the commit");
        assert_eq!(s.committed(), 2);
    }

    /// A write that fails keeps its group's earlier writes, answers its own
    /// error, and ends the group; the writes behind it run in the next.
    #[test]
    fn a_failed_write_ends_the_group() {
        let s = Setup::new();
        let first = s.queue(insert);
        let failing = s.queue(|conn| {
            conn.batch_execute("INSERT INTO missing (v) VALUES ('x');")
                .map_err(DbError::Query)
        });
        let mut third = s.queue(insert);
        s.commit_group();
        first.blocking_recv().expect("answered").expect("first");
        assert!(matches!(
            failing.blocking_recv().expect("answered"),
            Err(DbError::Query(_))
        ));
        assert!(third.try_recv().is_err(), "not run yet");
        assert_eq!(s.committed(), 1);
        s.commit_group();
        third.blocking_recv().expect("answered").expect("third");
        assert_eq!(s.committed(), 2);
    }

    /// A write that panics takes its whole group back: every write in it is
    /// answered `Unavailable`, nothing of them is saved, and the next group
    /// runs.
    fn a_panic_rolls_its_group_back(
        panicking: impl FnOnce(&mut Db) -> Result<(), DbError> + Send + 'static,
    ) {
        let s = Setup::new();
        let first = s.queue(insert);
        let panicking = s.queue(panicking);
        s.commit_group();
        assert!(matches!(
            first.blocking_recv().expect("answered"),
            Err(DbError::Unavailable(_))
        ));
        let lost = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(outcome(panicking));
        assert!(matches!(lost, Err(DbError::Unavailable(_))));
        assert_eq!(s.committed(), 0);
        let next = s.queue(insert);
        s.commit_group();
        next.blocking_recv().expect("answered").expect("next");
        assert_eq!(s.committed(), 1);
    }

    #[test]
    fn a_panicking_write_rolls_its_group_back() {
        a_panic_rolls_its_group_back(|conn| {
            insert(conn)?;
            panic!("a bug in a write");
        });
    }

    /// The same when the panic comes inside the write's own transaction
    /// (a savepoint of the group's): the connection, left in the group's
    /// transaction, is dropped, and the next group opens another.
    #[test]
    fn a_panic_inside_a_savepoint_rolls_its_group_back() {
        a_panic_rolls_its_group_back(|conn| {
            conn.transaction(|conn| {
                insert(conn)?;
                panic!("a bug in a write's transaction");
            })
        });
    }
}
