//! What the benchmarks share.

use diesel::{Connection, PgConnection, RunQueryDsl};

/// A new, empty PostgreSQL database `mentor_bench_<uuid>` on the server of
/// `admin_url`; returns its URL (`scripts/bench-*.sh` drop them afterwards).
pub fn fresh_postgres(admin_url: &str) -> String {
    let name = format!("mentor_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(admin_url).expect("PostgreSQL reachable");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create database");
    // Keep the admin URL's options (such as `?sslmode=disable`).
    let (path, options) = admin_url
        .split_once('?')
        .map_or((admin_url, String::new()), |(p, o)| (p, format!("?{o}")));
    let (base, _) = path.rsplit_once('/').expect("admin URL has a database");
    format!("{base}/{name}{options}")
}
