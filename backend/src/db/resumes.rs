//! Queries on `resumes`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::models::{NewResume, ResumeRow};
use super::schema::resumes::dsl as r;

/// How many resumes the user has.
pub fn count(conn: &mut Db, user_id: i64) -> QueryResult<i64> {
    r::resumes
        .filter(r::user_id.eq(user_id))
        .count()
        .get_result(conn)
}

/// Adds a resume; returns its id.
pub fn insert(conn: &mut Db, row: &NewResume) -> QueryResult<i64> {
    diesel::insert_into(r::resumes)
        .values(row)
        .returning(r::id)
        .get_result(conn)
}

/// The user's resumes, newest first.
pub fn list(conn: &mut Db, user_id: i64) -> QueryResult<Vec<ResumeRow>> {
    r::resumes
        .filter(r::user_id.eq(user_id))
        .select(ResumeRow::as_select())
        .order(r::id.desc())
        .load(conn)
}

/// The user's resume with this id, if it is theirs.
pub fn find_owned(conn: &mut Db, user_id: i64, id: i64) -> QueryResult<Option<ResumeRow>> {
    r::resumes
        .filter(r::id.eq(id))
        .filter(r::user_id.eq(user_id))
        .select(ResumeRow::as_select())
        .first(conn)
        .optional()
}

/// The user's active resume.
pub fn active(conn: &mut Db, user_id: i64) -> QueryResult<Option<ResumeRow>> {
    r::resumes
        .filter(r::user_id.eq(user_id))
        .filter(r::is_active.eq(true))
        .select(ResumeRow::as_select())
        .first(conn)
        .optional()
}

/// Sets a new title.
pub fn set_title(conn: &mut Db, id: i64, title: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(r::resumes.filter(r::id.eq(id)))
        .set((r::title.eq(title), r::updated_at.eq(at)))
        .execute(conn)
}

/// Replaces the text, with its word count, skills and structure.
pub fn set_text(
    conn: &mut Db,
    id: i64,
    text: &str,
    word_count: i32,
    skills: &str,
    document: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(r::resumes.filter(r::id.eq(id)))
        .set((
            r::text.eq(text),
            r::word_count.eq(word_count),
            r::skills.eq(skills),
            r::skills_version.eq(crate::skills::EXTRACTOR_VERSION),
            r::document.eq(document),
            r::warnings.eq("[]"),
            r::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Stores the user's resume's structure and warnings (its text stays);
/// returns how many rows changed (0: no such resume of theirs).
pub fn set_document(
    conn: &mut Db,
    user_id: i64,
    id: i64,
    document: &str,
    warnings: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        r::resumes
            .filter(r::id.eq(id))
            .filter(r::user_id.eq(user_id)),
    )
    .set((
        r::document.eq(document),
        r::warnings.eq(warnings),
        r::updated_at.eq(at),
    ))
    .execute(conn)
}

/// Makes `id` the user's one active resume (call inside a transaction).
pub fn activate(conn: &mut Db, user_id: i64, id: i64) -> QueryResult<usize> {
    diesel::update(
        r::resumes
            .filter(r::user_id.eq(user_id))
            .filter(r::is_active.eq(true))
            .filter(r::id.ne(id)),
    )
    .set(r::is_active.eq(false))
    .execute(conn)?;
    diesel::update(
        r::resumes
            .filter(r::id.eq(id))
            .filter(r::user_id.eq(user_id)),
    )
    .set(r::is_active.eq(true))
    .execute(conn)
}

/// Deletes the user's resume; returns whether it was active, or `None` when
/// there was none.
pub fn delete_owned(conn: &mut Db, user_id: i64, id: i64) -> QueryResult<Option<bool>> {
    diesel::delete(
        r::resumes
            .filter(r::id.eq(id))
            .filter(r::user_id.eq(user_id)),
    )
    .returning(r::is_active)
    .get_result(conn)
    .optional()
}

/// The id of the user's newest resume.
pub fn newest(conn: &mut Db, user_id: i64) -> QueryResult<Option<i64>> {
    r::resumes
        .filter(r::user_id.eq(user_id))
        .select(r::id)
        .order(r::id.desc())
        .first(conn)
        .optional()
}

/// Up to `limit` resumes whose skills an extractor older than `version`
/// found: `(id, text)`.
pub fn stale_skills(conn: &mut Db, version: i32, limit: i64) -> QueryResult<Vec<(i64, String)>> {
    r::resumes
        .filter(r::skills_version.lt(version))
        .order(r::id)
        .limit(limit)
        .select((r::id, r::text))
        .load(conn)
}

/// Stores skills found by extractor `version`, unless a newer write has
/// already stored them; returns the rows changed.
pub fn set_skills(conn: &mut Db, id: i64, skills: &str, version: i32) -> QueryResult<usize> {
    diesel::update(
        r::resumes
            .filter(r::id.eq(id))
            .filter(r::skills_version.lt(version)),
    )
    .set((r::skills.eq(skills), r::skills_version.eq(version)))
    .execute(conn)
}
