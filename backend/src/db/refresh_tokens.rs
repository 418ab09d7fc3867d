//! Queries on `refresh_tokens`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::models::{NewRefreshToken, RefreshTokenRow};
use super::schema::refresh_tokens::dsl as rt;

/// Stores a new refresh token (its hash).
pub fn insert(conn: &mut Db, new: &NewRefreshToken<'_>) -> QueryResult<usize> {
    diesel::insert_into(rt::refresh_tokens)
        .values(new)
        .execute(conn)
}

/// The token with this hash, revoked or not.
pub fn find_by_hash(conn: &mut Db, hash: &str) -> QueryResult<Option<RefreshTokenRow>> {
    rt::refresh_tokens
        .filter(rt::token_hash.eq(hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Revokes the token with this hash if it is live (not revoked, not
/// expired); returns its owner and family when this call revoked it. One
/// conditional UPDATE, so two concurrent rotations cannot both succeed.
pub fn revoke_live_by_hash(
    conn: &mut Db,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<(i64, String)>> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::token_hash.eq(hash))
            .filter(rt::revoked_at.is_null())
            .filter(rt::expires_at.gt(at)),
    )
    .set(rt::revoked_at.eq(Some(at)))
    .returning((rt::user_id, rt::family_id))
    .get_result(conn)
    .optional()
}

/// Revokes every live token of a family (a rotated token was replayed).
pub fn revoke_family(conn: &mut Db, family: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::family_id.eq(family))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(at)))
    .execute(conn)
}

/// Revokes every live token of a user outside the session `keep_family`.
pub fn revoke_other_sessions(
    conn: &mut Db,
    user_id: i64,
    keep_family: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::user_id.eq(user_id))
            .filter(rt::family_id.ne(keep_family))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(at)))
    .execute(conn)
}

/// Deletes tokens that expired before `before`; returns how many.
pub fn delete_expired(conn: &mut Db, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(rt::refresh_tokens.filter(rt::expires_at.lt(before))).execute(conn)
}

/// Revokes every live token of a user (an admin signs them out everywhere).
pub fn revoke_all(conn: &mut Db, user_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        rt::refresh_tokens
            .filter(rt::user_id.eq(user_id))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(at)))
    .execute(conn)
}

/// The user's sessions that can still be refreshed.
pub fn count_live(conn: &mut Db, user_id: i64, now: NaiveDateTime) -> QueryResult<i64> {
    rt::refresh_tokens
        .filter(rt::user_id.eq(user_id))
        .filter(rt::revoked_at.is_null())
        .filter(rt::expires_at.gt(now))
        .count()
        .get_result(conn)
}
