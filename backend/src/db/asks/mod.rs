//! The two writes of every ask: reserving (check the account is as the
//! caller's token describes it, count the question, open the ask for the
//! sweep, store the question and its empty answer) and settling
//! (store the answer, write the ledger row, close the ask, give the question
//! back if it was not charged).
//!
//! Each is atomic, and each is written out in SQL for each engine, as
//! statements prepared once per connection (`prepared`): the ask's hot
//! path pays neither diesel's per-call query building nor a fresh parse.
//! On PostgreSQL each phase is one statement (data-modifying `WITH`
//! clauses), so an ask pays one round trip and one commit per phase, and
//! reservations or settles that queue together share one
//! ([`reserve_together`], [`settle_together`]); replicas put PostgreSQL
//! across a network, where round trips are the cost.
//! Only the reservation's commit waits for the flush to disk ([`settle`]
//! says why the settle need not).
//! SQLite has no data-modifying `WITH` and no network, so there each phase
//! is a transaction of one statement per table. The API tests run on both
//! engines and hold them equal.
//!
//! Files: `reservation` (its types, SQLite), `reservation_pg`
//! (PostgreSQL, one reservation or a group), `settlement` (both engines),
//! `prepared` (how a statement is prepared once per connection).

use diesel::prelude::*;
use diesel::sql_types::BigInt;

#[macro_use]
mod prepared;
#[macro_use]
mod reservation;
mod reservation_pg;
mod settlement;

pub use reservation::{Account, Opening, Reserve, ReserveError, Reserved, StoredTurn, Turn};
pub use reservation_pg::reserve_together;
pub use settlement::{Answered, Settle, settle_together};

use super::Db;

/// Reserves, atomically: all of it or nothing.
pub fn reserve(conn: &mut Db, r: &Reserve) -> Result<Reserved, ReserveError> {
    let result = match conn {
        Db::Pg(pg) => reservation_pg::reserve_in_one_statement(pg, r),
        Db::Sqlite(sqlite) => {
            sqlite.transaction(|sqlite| reservation::reserve_on_sqlite(sqlite, r))
        }
    };
    result.map_err(|e| match e {
        // The only foreign key a reservation can miss is the conversation's.
        ReserveError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            _,
        )) => ReserveError::ConversationGone,
        e => e,
    })
}

/// Settles, atomically; returns the questions used and granted in the
/// period afterwards. The question goes back only if the ledger row says it
/// was not charged and the ask was still open (the sweep gives back the
/// questions of asks it takes; not twice).
///
/// The conversation is touched first: that locks its row, so it cannot be
/// deleted before the ledger row links it, and if it went already the row
/// is written without the link. The ledger row is never lost to a
/// conversation deleted meanwhile.
///
/// On PostgreSQL, a settle that closes its open ask commits without waiting
/// for the log to reach the disk (`synchronous_commit = off` for its
/// transaction alone): the reservation's commit did wait, so the open ask
/// is on disk. Should PostgreSQL crash before the settle's commit is
/// flushed (within 3 × `wal_writer_delay`, 0.6 s by default), the open ask
/// comes back, and the sweep gives its question back and writes its ledger
/// row: the call still has exactly one, outcome `abandoned` rather than
/// the tokens it used, and the stored answer reads as failed. A settle
/// with no open ask (the user's own key) waits for the flush, as before.
/// The answer is visible to every reader at the commit either way.
pub fn settle(conn: &mut Db, s: &Settle) -> QueryResult<(i32, i32)> {
    match conn {
        Db::Pg(pg) => settlement::settle_in_one_statement(pg, s),
        Db::Sqlite(sqlite) => sqlite.transaction(|sqlite| settlement::settle_on_sqlite(sqlite, s)),
    }
}

/// A row of one id.
#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}
