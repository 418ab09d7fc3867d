//! Keeps stored skills in step with the extractor: at start, the resumes
//! and saved jobs whose skills an older extractor found (their
//! `skills_version` is below [`skills::EXTRACTOR_VERSION`]) are extracted
//! again, a hundred at a time, in the background. Several replicas may run
//! it at once: each write is conditional on the row still being stale, and
//! a user's own edit meanwhile stores the current version, which the pass
//! then leaves alone.

use crate::db::{DbError, Pool, Scope, jobs, resumes};
use crate::skills;

const BATCH: i64 = 100;

/// How many resumes and jobs one pass updated.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Upgraded {
    /// Resumes.
    pub resumes: usize,
    /// Saved jobs.
    pub jobs: usize,
}

/// Re-extracts every stale row.
pub async fn run(pool: &Pool) -> Result<Upgraded, DbError> {
    let version = skills::EXTRACTOR_VERSION;
    let mut done = Upgraded::default();
    loop {
        let stale = pool
            .read(Scope::System, move |conn| {
                resumes::stale_skills(conn, version, BATCH).map_err(DbError::from)
            })
            .await?;
        if stale.is_empty() {
            break;
        }
        let found: Vec<(i64, String)> = stale
            .into_iter()
            .map(|(id, text)| (id, crate::resumes::skills_json(&text)))
            .collect();
        let changed = pool
            .write(Scope::System, move |conn| {
                conn_each(&found, |(id, json)| {
                    resumes::set_skills(conn, *id, json, version)
                })
            })
            .await?;
        done.resumes += changed;
    }
    loop {
        let stale = pool
            .read(Scope::System, move |conn| {
                jobs::stale_skills(conn, version, BATCH).map_err(DbError::from)
            })
            .await?;
        if stale.is_empty() {
            break;
        }
        let found: Vec<(i64, String)> = stale
            .into_iter()
            .map(|(id, title, description)| (id, crate::jobs::skills_json(&title, &description)))
            .collect();
        let changed = pool
            .write(Scope::System, move |conn| {
                conn_each(&found, |(id, json)| {
                    jobs::set_skills(conn, *id, json, version)
                })
            })
            .await?;
        done.jobs += changed;
    }
    Ok(done)
}

/// Applies `write` to each item, summing the rows changed.
fn conn_each<T>(
    items: &[T],
    mut write: impl FnMut(&T) -> diesel::QueryResult<usize>,
) -> Result<usize, DbError> {
    let mut changed = 0;
    for item in items {
        changed += write(item)?;
    }
    Ok(changed)
}

/// Runs the pass in the background (call within a tokio runtime).
pub fn spawn(pool: Pool) {
    tokio::spawn(async move {
        match run(&pool).await {
            Ok(Upgraded {
                resumes: 0,
                jobs: 0,
            }) => {}
            Ok(done) => tracing::info!(
                resumes = done.resumes,
                jobs = done.jobs,
                version = skills::EXTRACTOR_VERSION,
                "stored skills re-extracted"
            ),
            Err(e) => tracing::warn!(error = %e, "could not re-extract stored skills"),
        }
    });
}
