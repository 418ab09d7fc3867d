//! Queries on `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::models::{NewUser, UserRow};
use super::schema::users::dsl as u;

/// Inserts a user; a taken email surfaces as a unique-violation error.
pub fn insert(conn: &mut Db, new: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(u::users)
        .values(new)
        .returning(u::users::all_columns())
        .get_result(conn)
}

/// The user with this id, if any.
pub fn find(conn: &mut Db, id: i64) -> QueryResult<Option<UserRow>> {
    u::users
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The user and the text of their active resume, in one query (an ask
/// needs both).
pub fn find_with_active_resume(
    conn: &mut Db,
    id: i64,
) -> QueryResult<Option<(UserRow, Option<String>)>> {
    use super::schema::resumes::dsl as r;
    u::users
        .left_join(r::resumes.on(r::user_id.eq(u::id).and(r::is_active.eq(true))))
        .filter(u::id.eq(id))
        .select((UserRow::as_select(), r::text.nullable()))
        .first(conn)
        .optional()
}

/// The user with this (normalised) email, if any.
pub fn find_by_email(conn: &mut Db, email: &str) -> QueryResult<Option<UserRow>> {
    u::users
        .filter(u::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Records a successful sign-in: stamps the time.
pub fn record_login(conn: &mut Db, id: i64, at: NaiveDateTime) -> QueryResult<UserRow> {
    diesel::update(u::users.find(id))
        .set(u::last_login_at.eq(Some(at)))
        .returning(u::users::all_columns())
        .get_result(conn)
}

/// Sets (or with `None` clears) the display name.
pub fn set_full_name(
    conn: &mut Db,
    id: i64,
    name: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set((u::full_name.eq(name), u::updated_at.eq(at)))
        .execute(conn)
}

/// Replaces the password hash.
pub fn set_password_hash(
    conn: &mut Db,
    id: i64,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set((u::password_hash.eq(hash), u::updated_at.eq(at)))
        .execute(conn)
}

/// Sets a new password after a reset through a mailed link.
pub fn reset_password(conn: &mut Db, id: i64, hash: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set((u::password_hash.eq(hash), u::updated_at.eq(at)))
        .execute(conn)
}

/// Records that the user proved they own `email`, if it is still their
/// address; true when it was.
pub fn mark_verified(conn: &mut Db, id: i64, email: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(u::users.find(id).filter(u::email.eq(email)))
        .set((u::email_verified_at.eq(Some(at)), u::updated_at.eq(at)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Changes the sign-in address; the new one is not verified yet.
pub fn set_email(conn: &mut Db, id: i64, email: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set((
            u::email.eq(email),
            u::email_verified_at.eq(None::<NaiveDateTime>),
            u::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Makes the user an admin.
pub fn promote_to_admin(conn: &mut Db, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set((u::role.eq("admin"), u::updated_at.eq(at)))
        .execute(conn)
}

/// Deletes the user: their own rows and the mail to their address go with
/// them; their ledger rows and the audit rows about them stay, without the
/// person (no id, address, IP or browser).
pub fn delete(conn: &mut Db, user: &UserRow) -> QueryResult<usize> {
    // The ledger keeps the account's rows without the link (it has no
    // foreign key to users, so no settle can fail on a deleted account).
    use super::schema::mail_queue::dsl as m;
    use super::schema::usage_events::dsl as l;
    diesel::update(l::usage_events.filter(l::user_id.eq(user.id)))
        .set(l::user_id.eq(None::<i64>))
        .execute(conn)?;
    super::audit::forget_user(conn, user.id, &user.email)?;
    diesel::delete(m::mail_queue.filter(m::recipient.eq(&user.email))).execute(conn)?;
    // Everything else the account owns goes with it (ON DELETE CASCADE).
    diesel::delete(u::users.find(user.id)).execute(conn)
}

/// Turns the optional notices on or off.
pub fn set_email_notices(
    conn: &mut Db,
    id: i64,
    on: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set((u::email_notices.eq(on), u::updated_at.eq(at)))
        .execute(conn)
}

/// The ids of the suspended accounts.
pub fn suspended_ids(conn: &mut Db) -> QueryResult<Vec<i64>> {
    u::users
        .filter(u::suspended_at.is_not_null())
        .select(u::id)
        .load(conn)
}

/// Suspends (`Some(time)`) or restores (`None`) the account.
pub fn set_suspended(
    conn: &mut Db,
    id: i64,
    at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set((u::suspended_at.eq(at), u::updated_at.eq(now)))
        .execute(conn)
}

/// A no-op write to the user's row: takes its lock (PostgreSQL) or the
/// write lock (SQLite) for the rest of the transaction.
pub fn touch(conn: &mut Db, id: i64) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set(u::updated_at.eq(u::updated_at))
        .execute(conn)
}

/// Sets whether an ask whose own provider key is refused may use the
/// platform's key.
pub fn set_byok_fallback(conn: &mut Db, id: i64, on: bool) -> QueryResult<usize> {
    diesel::update(u::users.find(id))
        .set(u::byok_fallback.eq(on))
        .execute(conn)
}
