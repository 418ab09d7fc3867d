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

/// CPU seconds used so far by this process and by every PostgreSQL server
/// process (Linux `/proc`; 0 elsewhere). Unlike throughput, CPU time per
/// request hardly moves with what else the shared machine is doing, so it
/// shows a change's cost where requests per second are too noisy to.
#[allow(dead_code)] // only some benchmarks measure CPU
pub fn cpu_seconds() -> (f64, f64) {
    fn of(stat: &str) -> Option<f64> {
        // Fields after the command (which may hold spaces): utime is the
        // 12th, stime the 13th; both in clock ticks (100 a second).
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        Some(ticks / 100.0)
    }
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| of(&s))
        .unwrap_or(0.0);
    let mut postgres = 0.0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if stat.contains("(postgres)") {
            postgres += of(&stat).unwrap_or(0.0);
        }
    }
    (own, postgres)
}
