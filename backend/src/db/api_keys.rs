//! Queries on `api_keys`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::models::UserRow;
use super::schema::api_keys::dsl as k;
use super::schema::users::dsl as u;

/// A row of `api_keys`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::api_keys)]
pub struct ApiKeyRow {
    /// Primary key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// The key's public part, looked up on use.
    pub public_id: String,
    /// SHA-256 of the secret part, hex.
    pub secret_hash: String,
    /// What it is for.
    pub name: String,
    /// The key's last 4 characters.
    pub last4: String,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last use (to the minute).
    pub last_used_at: Option<NaiveDateTime>,
    /// When it stops working.
    pub expires_at: Option<NaiveDateTime>,
    /// What it may reach, comma-separated (`ask,resume`).
    pub scopes: String,
}

/// A new row of `api_keys`.
#[derive(Debug, Insertable)]
#[diesel(table_name = super::schema::api_keys)]
pub struct NewApiKey<'a> {
    /// Owner.
    pub user_id: i64,
    /// The key's public part.
    pub public_id: &'a str,
    /// SHA-256 of the secret part, hex.
    pub secret_hash: &'a str,
    /// What it is for.
    pub name: &'a str,
    /// The key's last 4 characters.
    pub last4: &'a str,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// When it stops working.
    pub expires_at: Option<NaiveDateTime>,
    /// What it may reach, comma-separated.
    pub scopes: &'a str,
}

/// Stores a key.
pub fn insert(conn: &mut Db, new: &NewApiKey<'_>) -> QueryResult<ApiKeyRow> {
    diesel::insert_into(k::api_keys)
        .values(new)
        .returning(k::api_keys::all_columns())
        .get_result(conn)
}

/// The user's keys, newest first.
pub fn list(conn: &mut Db, user_id: i64) -> QueryResult<Vec<ApiKeyRow>> {
    k::api_keys
        .filter(k::user_id.eq(user_id))
        .select(ApiKeyRow::as_select())
        .order(k::id.desc())
        .load(conn)
}

/// How many keys the user holds.
pub fn count(conn: &mut Db, user_id: i64) -> QueryResult<i64> {
    k::api_keys
        .filter(k::user_id.eq(user_id))
        .count()
        .get_result(conn)
}

/// Deletes all of the user's keys; returns how many there were.
pub fn delete_all(conn: &mut Db, user_id: i64) -> QueryResult<usize> {
    diesel::delete(k::api_keys.filter(k::user_id.eq(user_id))).execute(conn)
}

/// Deletes one of the user's keys; returns whether there was one.
pub fn delete_owned(conn: &mut Db, user_id: i64, id: i64) -> QueryResult<bool> {
    diesel::delete(
        k::api_keys
            .filter(k::id.eq(id))
            .filter(k::user_id.eq(user_id)),
    )
    .execute(conn)
    .map(|n| n > 0)
}

/// The key with this public id and its owner, in one query.
pub fn find_with_user(conn: &mut Db, public_id: &str) -> QueryResult<Option<(ApiKeyRow, UserRow)>> {
    k::api_keys
        .inner_join(u::users)
        .filter(k::public_id.eq(public_id))
        .select((ApiKeyRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()
}

/// Stamps the key's last use.
pub fn touch(conn: &mut Db, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(k::api_keys.find(id))
        .set(k::last_used_at.eq(Some(at)))
        .execute(conn)
}
