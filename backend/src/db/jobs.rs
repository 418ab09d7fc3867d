//! Queries on `jobs` (saved postings) and `job_saves` (the daily counter).
//!
//! Full-text search differs by engine: PostgreSQL matches the generated
//! `search` tsvector (GIN index) with `websearch_to_tsquery`; SQLite matches
//! the `jobs_fts` FTS5 table, each word of the query as a quoted prefix.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::Db;
use super::models::{JobPostingFields, JobRow, JobSummaryRow};
use super::schema::job_saves::dsl as s;
use super::schema::jobs::dsl as j;

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Words to search for.
    pub q: Option<String>,
    /// Only jobs with this status.
    pub status: Option<String>,
    /// Only jobs with ids below this.
    pub before: Option<i64>,
    /// Only the job saved from this address.
    pub url: Option<String>,
}

/// The id of the user's job saved from `url`.
pub fn find_by_url(conn: &mut Db, user_id: i64, url: &str) -> QueryResult<Option<i64>> {
    j::jobs
        .filter(j::user_id.eq(user_id))
        .filter(j::url.eq(url))
        .select(j::id)
        .first(conn)
        .optional()
}

/// Saves a new job; returns its id.
pub fn insert(
    conn: &mut Db,
    user_id: i64,
    fields: &JobPostingFields,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(j::jobs)
        .values((
            j::user_id.eq(user_id),
            fields,
            j::status.eq("saved"),
            j::created_at.eq(at),
        ))
        .returning(j::id)
        .get_result(conn)
}

/// Overwrites a saved job's posting fields (a save of the same URL).
pub fn update_posting(conn: &mut Db, id: i64, fields: &JobPostingFields) -> QueryResult<usize> {
    diesel::update(j::jobs.filter(j::id.eq(id)))
        .set(fields)
        .execute(conn)
}

/// The user's job with this id, if it is theirs.
pub fn find_owned(conn: &mut Db, user_id: i64, id: i64) -> QueryResult<Option<JobRow>> {
    j::jobs
        .filter(j::id.eq(id))
        .filter(j::user_id.eq(user_id))
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

/// The words of `q` as an FTS5 query: each a quoted prefix, all required.
fn fts5_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// A page of the user's jobs, newest first.
pub fn list(
    conn: &mut Db,
    user_id: i64,
    filter: &ListFilter,
    limit: i64,
) -> QueryResult<Vec<JobSummaryRow>> {
    let mut query = j::jobs
        .filter(j::user_id.eq(user_id))
        .select(JobSummaryRow::as_select())
        .order(j::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(j::status.eq(status.clone()));
    }
    if let Some(before) = filter.before {
        query = query.filter(j::id.lt(before));
    }
    if let Some(url) = &filter.url {
        query = query.filter(j::url.eq(url.clone()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = match conn {
            Db::Pg(_) => query.filter(
                sql::<Bool>("search @@ websearch_to_tsquery('english', ")
                    .bind::<Text, _>(q.to_string())
                    .sql(")"),
            ),
            Db::Sqlite(_) => match fts5_query(q) {
                Some(m) => query.filter(
                    sql::<Bool>("jobs.id IN (SELECT rowid FROM jobs_fts WHERE jobs_fts MATCH ")
                        .bind::<Text, _>(m)
                        .sql(")"),
                ),
                None => return Ok(Vec::new()),
            },
        };
    }
    query.load(conn)
}

/// Sets a job's status and/or notes; returns the rows changed.
pub fn update_tracking(
    conn: &mut Db,
    user_id: i64,
    id: i64,
    status: Option<&str>,
    notes: Option<Option<&str>>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let row = j::jobs.filter(j::id.eq(id)).filter(j::user_id.eq(user_id));
    match (status, notes) {
        (Some(st), Some(n)) => diesel::update(row)
            .set((j::status.eq(st), j::notes.eq(n), j::updated_at.eq(at)))
            .execute(conn),
        (Some(st), None) => diesel::update(row)
            .set((j::status.eq(st), j::updated_at.eq(at)))
            .execute(conn),
        (None, Some(n)) => diesel::update(row)
            .set((j::notes.eq(n), j::updated_at.eq(at)))
            .execute(conn),
        (None, None) => diesel::update(row).set(j::updated_at.eq(at)).execute(conn),
    }
}

/// Deletes those of `ids` that are the user's; returns how many.
pub fn delete_owned(conn: &mut Db, user_id: i64, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(
        j::jobs
            .filter(j::user_id.eq(user_id))
            .filter(j::id.eq_any(ids)),
    )
    .execute(conn)
}

/// The stored skills (JSON) of the user's jobs, optionally only those with a
/// status or among some ids.
pub fn skills(
    conn: &mut Db,
    user_id: i64,
    status: Option<&str>,
    ids: Option<&[i64]>,
) -> QueryResult<Vec<String>> {
    let mut query = j::jobs
        .filter(j::user_id.eq(user_id))
        .select(j::skills)
        .order(j::id.desc())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(j::status.eq(status.to_string()));
    }
    if let Some(ids) = ids {
        query = query.filter(j::id.eq_any(ids.to_vec()));
    }
    query.load(conn)
}

/// Counts one new save for `day` if the user is under `limit` (`None`:
/// unlimited); `false` when the limit is reached. One conditional UPDATE, as
/// for the question quota.
pub fn reserve_save(
    conn: &mut Db,
    user_id: i64,
    day: &str,
    limit: Option<u32>,
) -> QueryResult<bool> {
    let create = || {
        diesel::insert_into(s::job_saves)
            .values((s::user_id.eq(user_id), s::day.eq(day), s::used.eq(0)))
            .on_conflict_do_nothing()
    };
    match conn {
        Db::Pg(pg) => create().execute(pg)?,
        Db::Sqlite(sqlite) => create().execute(sqlite)?,
    };
    let row = s::job_saves
        .filter(s::user_id.eq(user_id))
        .filter(s::day.eq(day));
    let changed = match limit {
        Some(limit) => {
            diesel::update(row.filter(s::used.lt(i32::try_from(limit).unwrap_or(i32::MAX))))
                .set(s::used.eq(s::used + 1))
                .execute(conn)?
        }
        None => diesel::update(row)
            .set(s::used.eq(s::used + 1))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Up to `limit` saved jobs whose skills an extractor older than `version`
/// found: `(id, title, description)`.
pub fn stale_skills(
    conn: &mut Db,
    version: i32,
    limit: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    j::jobs
        .filter(j::skills_version.lt(version))
        .order(j::id)
        .limit(limit)
        .select((j::id, j::title, j::description))
        .load(conn)
}

/// Stores skills found by extractor `version`, unless a newer write has
/// already stored them; returns the rows changed.
pub fn set_skills(conn: &mut Db, id: i64, skills: &str, version: i32) -> QueryResult<usize> {
    diesel::update(
        j::jobs
            .filter(j::id.eq(id))
            .filter(j::skills_version.lt(version)),
    )
    .set((j::skills.eq(skills), j::skills_version.eq(version)))
    .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::fts5_query;

    #[test]
    fn search_words_become_quoted_prefixes() {
        assert_eq!(
            fts5_query("rust  Berlin"),
            Some("\"rust\"* \"berlin\"*".replace("berlin", "Berlin"))
        );
        assert_eq!(
            fts5_query("\"; DROP TABLE jobs; --"),
            Some("\"DROP\"* \"TABLE\"* \"jobs\"*".into())
        );
        assert_eq!(fts5_query("-- ()"), None);
    }
}
