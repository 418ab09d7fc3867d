//! PostgreSQL's settles, several in one statement.
//!
//! Every ask ends with a settle ([`asks::settle`]). Alone, a settle costs
//! PostgreSQL a statement's start-up, a commit and a round trip besides the
//! rows it writes. Here one thread takes the settles queued while its last
//! group ran (up to [`MOST`]), writes them with one statement
//! ([`asks::settle_together`]), and then answers each. One ask at a time
//! makes groups of one, written as before; under load the settles share the
//! cost (`scripts/bench-ask.sh`, PostgreSQL at 32 clients, alternated runs:
//! 1,627–1,829 asks a second before, 1,915–2,547 after; CPU per ask
//! 1,041–1,190 µs before, 740–989 µs after).
//!
//! A group's statement is atomic: written whole or not at all. When
//! PostgreSQL refuses it (a deadlock, say), each of its settles is tried
//! alone, so that one settle's error is its own. Any other failure (the
//! connection lost, perhaps after the commit) is every settle's answer, as
//! it would be for one alone, so that nothing is written twice.
//!
//! One group is written at a time: a group waiting on a row lock (a
//! conversation being deleted) holds up the settles queued behind it until
//! the lock is released.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use diesel::r2d2;
use tokio::sync::oneshot;

use super::asks::{self, Settle};
use super::{Db, DbError, DbManager, Reachability, call};

/// The most settles written together.
pub const MOST: usize = 64;

/// A settle waiting for its group, and where to answer.
struct Job {
    settle: Settle,
    reply: oneshot::Sender<Result<(i32, i32), DbError>>,
}

/// Queues settles for the settling thread; cheap to clone.
#[derive(Clone)]
pub struct Settler {
    jobs: mpsc::Sender<Job>,
}

impl Settler {
    /// Starts the settling thread over `pool`. It stops when the last
    /// `Settler` is dropped.
    pub(super) fn start(
        pool: r2d2::Pool<DbManager>,
        waits: Option<prometheus::Histogram>,
        reachability: Reachability,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("pg-settler".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut group = vec![first];
                    while group.len() < MOST {
                        match queue.try_recv() {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    // A panic drops the group's replies (each caller hears
                    // so) but not the thread, which later settles need.
                    let settled = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        settle_group(&pool, waits.as_ref(), &reachability, group)
                    }));
                    if settled.is_err() {
                        tracing::error!("settling a group panicked; its asks were told");
                    }
                }
            })?;
        Ok(Self { jobs })
    }

    /// Settles in the next group; returns the questions used and granted in
    /// the period afterwards.
    pub async fn settle(&self, settle: Settle) -> Result<(i32, i32), DbError> {
        let (reply, answer) = oneshot::channel();
        // If the thread is gone, or its group panicked, the reply is
        // dropped unanswered: the answer below says so.
        let _ = self.jobs.send(Job { settle, reply });
        answer.await.unwrap_or_else(|_| {
            Err(DbError::Unavailable(
                "the settle failed unexpectedly, or the settling thread stopped".into(),
            ))
        })
    }
}

/// Writes a group's settles together and answers them (see the module's
/// doc). A group of one is written as [`asks::settle`] writes it.
fn settle_group(
    pool: &r2d2::Pool<DbManager>,
    waits: Option<&prometheus::Histogram>,
    reachability: &Reachability,
    group: Vec<Job>,
) {
    let alone = |settle: &Settle| {
        call(pool, waits, reachability, |conn| {
            asks::settle(conn, settle).map_err(DbError::from)
        })
    };
    let (settles, replies): (Vec<Settle>, Vec<_>) =
        group.into_iter().map(|job| (job.settle, job.reply)).unzip();
    if let [settle] = settles.as_slice() {
        for reply in replies {
            let _ = reply.send(alone(settle));
        }
        return;
    }
    let together = call(pool, waits, reachability, |conn| match conn {
        Db::Pg(pg) => asks::settle_together(pg, &settles).map_err(DbError::from),
        Db::Sqlite(_) => Err(DbError::Unavailable(
            "settles are grouped on PostgreSQL only".into(),
        )),
    });
    match together {
        Ok(counts) => {
            for (reply, counts) in replies.into_iter().zip(counts) {
                let _ = reply.send(Ok(counts));
            }
        }
        Err(DbError::Query(diesel::result::Error::DatabaseError(_, info))) => {
            tracing::warn!(
                error = info.message(),
                settles = settles.len(),
                "a group of settles was refused; settling each alone"
            );
            for (settle, reply) in settles.iter().zip(replies) {
                let _ = reply.send(alone(settle));
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
