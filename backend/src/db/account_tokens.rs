//! Queries on `account_tokens`: the single-use links sent by mail.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::schema::account_tokens::dsl as at;

/// What a link is for; a token of one purpose never serves another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Proves the user owns the address.
    VerifyEmail,
    /// Sets a new password.
    ResetPassword,
}

impl Purpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// A token's row, as the consumer needs it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::account_tokens)]
pub struct TokenRow {
    /// Primary key.
    pub id: i64,
    /// Whose link it is.
    pub user_id: i64,
    /// [`Purpose::as_str`].
    pub purpose: String,
    /// The address the link was sent to.
    pub email: String,
    /// After this the link is refused.
    pub expires_at: NaiveDateTime,
    /// Set once used.
    pub used_at: Option<NaiveDateTime>,
}

/// Stores a new token's hash.
pub fn insert(
    conn: &mut Db,
    user_id: i64,
    purpose: Purpose,
    hash: &str,
    email: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(at::account_tokens)
        .values((
            at::user_id.eq(user_id),
            at::purpose.eq(purpose.as_str()),
            at::token_hash.eq(hash),
            at::email.eq(email),
            at::created_at.eq(now),
            at::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

/// The token with this hash, used or not.
pub fn find(conn: &mut Db, hash: &str) -> QueryResult<Option<TokenRow>> {
    at::account_tokens
        .filter(at::token_hash.eq(hash))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

/// Marks the token used if it still is unused and unexpired; true when this
/// call used it. One conditional UPDATE: two concurrent uses cannot both win.
pub fn consume(conn: &mut Db, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let used = diesel::update(
        at::account_tokens
            .filter(at::id.eq(id))
            .filter(at::used_at.is_null())
            .filter(at::expires_at.gt(now)),
    )
    .set(at::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(used == 1)
}

/// Ends the user's other unused links of this purpose (a new one was sent,
/// or one was just used).
pub fn retire_unused(
    conn: &mut Db,
    user_id: i64,
    purpose: Purpose,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        at::account_tokens
            .filter(at::user_id.eq(user_id))
            .filter(at::purpose.eq(purpose.as_str()))
            .filter(at::used_at.is_null()),
    )
    .set(at::used_at.eq(Some(now)))
    .execute(conn)
}

/// Deletes tokens that can no longer be used and are a day past their
/// expiry; returns how many went.
pub fn delete_stale(conn: &mut Db, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(at::account_tokens.filter(at::expires_at.lt(before))).execute(conn)
}
