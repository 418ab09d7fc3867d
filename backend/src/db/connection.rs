//! The connection type over both engines. Its own module because the derive
//! generates public items that carry no documentation.
#![allow(missing_docs)]

use diesel::{PgConnection, SqliteConnection};

/// A connection to whichever database `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum Db {
    /// PostgreSQL, which replicas share in production.
    Pg(PgConnection),
    /// SQLite, the embedded single-machine default.
    Sqlite(SqliteConnection),
}
