//! SQLite's write-ahead log, kept short.
//!
//! A commit appends the pages it changed to the log; a checkpoint copies
//! them into the database file; and the log starts again from its beginning
//! only when a write begins after a checkpoint has copied all of it while no
//! reader is still reading from it. A checkpoint that runs beside the writer
//! never finds that moment under steady writes: in `scripts/bench-ask.sh`
//! the log grew by about 130 MB a second, to 1.2 GB in one run, and it never
//! shrinks. Every read then searches a longer log index, and the log's new
//! pages cost the kernel block allocations on each write.
//!
//! So the checkpoint runs on the writer connection, between writes, and
//! waits briefly for readers to leave the log (RESTART): the next write
//! starts the log again. Under the same load the log stayed under 30 MB.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Integer;

/// The longest the log file is left when it starts again, in bytes (a
/// burst that outran the checkpoints, or a long read that held them off,
/// may have grown it): each connection's `journal_size_limit`.
pub const SIZE_LIMIT: u64 = 64 << 20;

/// The checkpoint's result row.
#[derive(Debug, Default, QueryableByName)]
pub struct Checkpoint {
    /// 1 when readers were still in the log when the wait ended: the log is
    /// copied but starts again only after a later checkpoint.
    #[diesel(sql_type = Integer)]
    pub busy: i32,
    /// Pages in the log.
    #[diesel(sql_type = Integer)]
    pub log: i32,
    /// Pages of the log copied into the database file.
    #[diesel(sql_type = Integer)]
    #[diesel(column_name = checkpointed)]
    pub copied: i32,
}

/// How long a checkpoint waits for readers to leave the log, in ms. It
/// holds the writer meanwhile; reads last microseconds.
const READERS_WAIT_MS: u32 = 5;
/// The connection's usual wait for a lock held elsewhere, in ms.
pub const BUSY_TIMEOUT_MS: u32 = 10_000;

/// Copies the log into the database file, and lets the next write start
/// the log again. Call with the writer connection, so that no write lands
/// between the two.
pub fn checkpoint(conn: &mut SqliteConnection) -> QueryResult<Checkpoint> {
    conn.batch_execute(&format!("PRAGMA busy_timeout = {READERS_WAIT_MS}"))?;
    let done = diesel::sql_query("PRAGMA wal_checkpoint(RESTART)").get_result(conn);
    // The usual wait comes back even when the checkpoint failed.
    conn.batch_execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))?;
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &std::path::Path) -> SqliteConnection {
        let mut conn = SqliteConnection::establish(&path.display().to_string()).expect("opens");
        conn.batch_execute(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
             PRAGMA journal_size_limit = {SIZE_LIMIT};"
        ))
        .expect("settings");
        conn
    }

    /// Adds `rows` rows of 1 kB in one transaction.
    fn write(conn: &mut SqliteConnection, rows: usize) {
        conn.batch_execute(&format!(
            "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
             INSERT INTO t (body) SELECT zeroblob(1000) FROM n;"
        ))
        .expect("writes");
    }

    fn pages_in_log(conn: &mut SqliteConnection) -> i32 {
        diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
            .get_result::<Checkpoint>(conn)
            .expect("checkpoint")
            .log
    }

    /// After a checkpoint the next write starts the log from its beginning,
    /// though another connection has read from the log meanwhile.
    #[test]
    fn the_next_write_after_a_checkpoint_starts_the_log_again() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.db");
        let mut writer = open(&path);
        let mut reader = open(&path);
        writer
            .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB);")
            .expect("table");
        write(&mut writer, 200);
        reader
            .batch_execute("SELECT count(*) FROM t;")
            .expect("reads");
        let before = pages_in_log(&mut writer);
        assert!(before > 40, "{before} pages in the log");

        let done = checkpoint(&mut writer).expect("checkpoint");
        assert_eq!((done.busy, done.log, done.copied), (0, before, before));
        write(&mut writer, 1);
        let after = pages_in_log(&mut writer);
        assert!(
            after < 10,
            "the log went on from page {before}: {after} pages"
        );
    }

    /// A log that grew past the limit is cut back to it when it starts again.
    #[test]
    fn a_log_that_grew_is_cut_back_to_the_limit() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.db");
        let mut writer = open(&path);
        writer
            .batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB); PRAGMA journal_size_limit = 100000;")
            .expect("table");
        write(&mut writer, 500);
        let log = dir.path().join("t.db-wal");
        let grown = std::fs::metadata(&log).expect("log").len();
        assert!(grown > 500_000, "{grown} bytes");

        checkpoint(&mut writer).expect("checkpoint");
        write(&mut writer, 1);
        let cut = std::fs::metadata(&log).expect("log").len();
        assert!(cut <= 100_000, "{cut} bytes");
    }

    /// The short wait for readers is for the checkpoint only.
    #[test]
    fn the_usual_busy_timeout_comes_back() {
        #[derive(QueryableByName)]
        struct Timeout {
            #[diesel(sql_type = Integer)]
            timeout: i32,
        }
        let dir = tempfile::tempdir().expect("dir");
        let mut conn = open(&dir.path().join("t.db"));
        checkpoint(&mut conn).expect("checkpoint");
        let now: Timeout = diesel::sql_query("PRAGMA busy_timeout")
            .get_result(&mut conn)
            .expect("reads");
        assert_eq!(now.timeout, BUSY_TIMEOUT_MS as i32);
    }
}
