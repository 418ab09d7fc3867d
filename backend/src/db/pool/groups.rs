//! PostgreSQL's two writes of every ask, several in one statement.
//!
//! Every ask reserves ([`asks::reserve`]) and settles ([`asks::settle`]).
//! Alone, each write costs PostgreSQL a statement's start-up, a commit and a
//! round trip besides the rows it writes. Here one thread per kind of write
//! takes those queued while its last group ran (up to [`MOST`]), writes
//! them with one statement ([`asks::reserve_together`],
//! [`asks::settle_together`]), and then answers each. One ask at a time
//! makes groups of one, written as before; under load the writes share the
//! cost. Measured with `scripts/bench-ask.sh`, PostgreSQL at 32 clients:
//! grouped settles took 1,627–1,829 asks a second to 1,915–2,547; grouped
//! reservations then took 1,660–2,224 to 1,938–3,692 (another machine).
//!
//! A group's statement is atomic: written whole or not at all. When
//! PostgreSQL refuses it (a deadlock, a foreign key), each of its writes is
//! tried alone, so that one write's error is its own. Any other failure (the
//! connection lost, perhaps after the commit) is every write's answer, as
//! it would be for one alone, so that nothing is written twice.
//!
//! One group of each kind is written at a time: a group waiting on a row
//! lock (a conversation being deleted) holds up the writes queued behind it
//! until the lock is released.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use diesel::{PgConnection, QueryResult, r2d2};
use tokio::sync::oneshot;

use super::{Db, DbError, DbManager, Reachability, Scope, call};
use crate::db::asks::{self, Reserve, ReserveError, Reserved, Settle};

/// The most writes in one group.
pub const MOST: usize = 64;

/// A write that PostgreSQL can take several at a time.
pub(super) trait Groupable: Send + Sized + 'static {
    /// What each write answers.
    type Answer: Send + 'static;
    /// The name of the thread that writes them.
    const THREAD: &'static str;
    /// Whose write it is: a group runs in its users' scope.
    fn user_id(&self) -> i64;
    /// Whether the two may be written in one group.
    fn fits_with(&self, _other: &Self) -> bool {
        true
    }
    /// Writes it alone, as it is written without groups.
    fn alone(&self, conn: &mut Db) -> Result<Self::Answer, DbError>;
    /// Writes all of `group` in one statement; answers in its order.
    fn together(pg: &mut PgConnection, group: &[Self]) -> QueryResult<Vec<Self::Answer>>;
}

impl Groupable for Settle {
    type Answer = (i32, i32);
    const THREAD: &'static str = "pg-settler";

    /// Every ask's ledger row names its user (0, no user's rows, if not).
    fn user_id(&self) -> i64 {
        self.ledger.user_id.unwrap_or_default()
    }

    fn alone(&self, conn: &mut Db) -> Result<(i32, i32), DbError> {
        asks::settle(conn, self).map_err(DbError::from)
    }

    fn together(pg: &mut PgConnection, group: &[Self]) -> QueryResult<Vec<(i32, i32)>> {
        asks::settle_together(pg, group)
    }
}

/// A reservation refused (its quota used up, its account changed) is an
/// answer, not an error: the group it was in is written.
impl Groupable for Reserve {
    type Answer = Result<Reserved, ReserveError>;
    const THREAD: &'static str = "pg-reserver";

    fn user_id(&self) -> i64 {
        self.user_id
    }

    /// One quota row is counted once per statement.
    fn fits_with(&self, other: &Self) -> bool {
        self.user_id != other.user_id
    }

    fn alone(&self, conn: &mut Db) -> Result<Self::Answer, DbError> {
        match asks::reserve(conn, self) {
            Err(ReserveError::Query(error)) => Err(DbError::Query(error)),
            answer => Ok(answer),
        }
    }

    fn together(pg: &mut PgConnection, group: &[Self]) -> QueryResult<Vec<Self::Answer>> {
        asks::reserve_together(pg, group)
    }
}

/// A write waiting for its group, and where to answer.
struct Job<W: Groupable> {
    write: W,
    reply: oneshot::Sender<Result<W::Answer, DbError>>,
}

/// Queues writes of one kind for their thread; cheap to clone.
pub struct Grouper<W: Groupable> {
    jobs: mpsc::Sender<Job<W>>,
}

impl<W: Groupable> Clone for Grouper<W> {
    fn clone(&self) -> Self {
        Self {
            jobs: self.jobs.clone(),
        }
    }
}

impl<W: Groupable> Grouper<W> {
    /// Starts the writing thread over `pool`. It stops when the last
    /// `Grouper` is dropped.
    pub(super) fn start(
        pool: r2d2::Pool<DbManager>,
        waits: Option<prometheus::Histogram>,
        reachability: Reachability,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name(W::THREAD.into())
            .spawn(move || {
                // Writes that did not fit the last group go first in the next.
                let mut held = VecDeque::new();
                while let Some(first) = held.pop_front().or_else(|| queue.recv().ok()) {
                    let group = take_group(first, &mut held, &queue);
                    // A panic drops the group's replies (each caller hears
                    // so) but not the thread, which later writes need.
                    let written = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        write_group(&pool, waits.as_ref(), &reachability, group)
                    }));
                    if written.is_err() {
                        tracing::error!(
                            thread = W::THREAD,
                            "writing a group panicked; its callers were told"
                        );
                    }
                }
            })?;
        Ok(Self { jobs })
    }

    /// Writes in the next group that it fits.
    pub async fn write(&self, write: W) -> Result<W::Answer, DbError> {
        let (reply, answer) = oneshot::channel();
        // If the thread is gone, or its group panicked, the reply is
        // dropped unanswered: the answer below says so.
        let _ = self.jobs.send(Job { write, reply });
        answer.await.unwrap_or_else(|_| {
            Err(DbError::Unavailable(format!(
                "the write failed unexpectedly, or the {} thread stopped",
                W::THREAD
            )))
        })
    }
}

/// The group that starts with `first`: the held writes, then those queued,
/// as many as fit; the rest are held for the next group, in order.
fn take_group<W: Groupable>(
    first: Job<W>,
    held: &mut VecDeque<Job<W>>,
    queue: &mpsc::Receiver<Job<W>>,
) -> Vec<Job<W>> {
    let mut group = vec![first];
    let mut left = VecDeque::new();
    // Every held write is placed (none may be dropped); the queue is read
    // only while the group has room.
    for job in std::mem::take(held) {
        place(job, &mut group, &mut left);
    }
    while group.len() < MOST {
        let Ok(job) = queue.try_recv() else { break };
        place(job, &mut group, &mut left);
    }
    *held = left;
    group
}

/// Puts `job` in `group` if there is room and it fits, else in `left`.
fn place<W: Groupable>(job: Job<W>, group: &mut Vec<Job<W>>, left: &mut VecDeque<Job<W>>) {
    if group.len() < MOST && group.iter().all(|j| job.write.fits_with(&j.write)) {
        group.push(job);
    } else {
        left.push_back(job);
    }
}

/// Writes a group together and answers each (see the module's doc). A
/// group of one is written as it is without groups.
fn write_group<W: Groupable>(
    pool: &r2d2::Pool<DbManager>,
    waits: Option<&prometheus::Histogram>,
    reachability: &Reachability,
    group: Vec<Job<W>>,
) {
    let alone = |write: &W| {
        let scope = Scope::User(write.user_id());
        call(pool, waits, reachability, &scope, |conn| write.alone(conn))
    };
    let (writes, replies): (Vec<W>, Vec<_>) =
        group.into_iter().map(|job| (job.write, job.reply)).unzip();
    if let [write] = writes.as_slice() {
        for reply in replies {
            let _ = reply.send(alone(write));
        }
        return;
    }
    let scope = Scope::Users(writes.iter().map(W::user_id).collect());
    let together = call(pool, waits, reachability, &scope, |conn| match conn {
        Db::Pg(pg) => W::together(pg, &writes).map_err(DbError::from),
        Db::Sqlite(_) => Err(DbError::Unavailable(
            "writes are grouped on PostgreSQL only".into(),
        )),
    });
    match together {
        Ok(answers) => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(Ok(answer));
            }
        }
        Err(DbError::Query(diesel::result::Error::DatabaseError(_, info))) => {
            tracing::warn!(
                thread = W::THREAD,
                error = info.message(),
                writes = writes.len(),
                "a group was refused; writing each alone"
            );
            for (write, reply) in writes.iter().zip(replies) {
                let _ = reply.send(alone(write));
            }
        }
        Err(DbError::Unavailable(why)) => {
            for reply in replies {
                let _ = reply.send(Err(DbError::Unavailable(why.clone())));
            }
        }
        Err(DbError::Query(error)) => {
            let why = error.to_string();
            for reply in replies {
                let error = diesel::result::Error::QueryBuilderError(why.clone().into());
                let _ = reply.send(Err(DbError::Query(error)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write by a user; two by one user do not fit together.
    struct ByUser(i64);

    impl Groupable for ByUser {
        type Answer = ();
        const THREAD: &'static str = "test";
        fn user_id(&self) -> i64 {
            self.0
        }
        fn fits_with(&self, other: &Self) -> bool {
            self.0 != other.0
        }
        fn alone(&self, _: &mut Db) -> Result<(), DbError> {
            unreachable!("take_group writes nothing")
        }
        fn together(_: &mut PgConnection, _: &[Self]) -> QueryResult<Vec<()>> {
            unreachable!("take_group writes nothing")
        }
    }

    fn job(user: i64) -> Job<ByUser> {
        Job {
            write: ByUser(user),
            reply: oneshot::channel().0,
        }
    }

    fn users(jobs: impl IntoIterator<Item = impl std::borrow::Borrow<Job<ByUser>>>) -> Vec<i64> {
        jobs.into_iter().map(|j| j.borrow().write.0).collect()
    }

    #[test]
    fn a_full_group_keeps_every_held_write_and_leaves_the_queue_be() {
        let (jobs, queue) = mpsc::channel();
        for user in [200, 201] {
            jobs.send(job(user)).expect("the queue is open");
        }
        let mut held: VecDeque<_> = (1..=70).map(job).collect();
        let group = take_group(job(0), &mut held, &queue);
        assert_eq!(users(&group), (0..64).collect::<Vec<_>>());
        assert_eq!(users(&held), (64..=70).collect::<Vec<_>>());
        assert_eq!(users(queue.try_iter()), [200, 201]);
    }

    #[test]
    fn a_write_that_does_not_fit_is_held_in_order_for_the_next_group() {
        let (jobs, queue) = mpsc::channel();
        for user in [1, 2, 1, 3, 2] {
            jobs.send(job(user)).expect("the queue is open");
        }
        let mut held = VecDeque::from([job(1)]);
        let group = take_group(job(0), &mut held, &queue);
        assert_eq!(users(&group), [0, 1, 2, 3]);
        assert_eq!(users(&held), [1, 1, 2]);
        let group = take_group(
            held.pop_front().expect("a write is held"),
            &mut held,
            &queue,
        );
        assert_eq!(users(&group), [1, 2]);
        assert_eq!(users(&held), [1]);
    }
}
