//! Queries on `user_data_keys` and `provider_keys` (bring your own key).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::schema::provider_keys::dsl as p;
use super::schema::user_data_keys::dsl as d;

/// A row of `provider_keys`: one user's key for one provider, encrypted.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::provider_keys)]
pub struct ProviderKeyRow {
    /// Owner.
    pub user_id: i64,
    /// `openai`, `anthropic`, ...
    pub provider: String,
    /// The key, encrypted by the owner's data key.
    pub ciphertext: String,
    /// The key's last 4 characters.
    pub last4: String,
    /// `verified`, `unverified` or `invalid`.
    pub status: String,
    /// When the provider last accepted it.
    pub verified_at: Option<NaiveDateTime>,
    /// Why the last check or use failed.
    pub last_error: Option<String>,
    /// When it was first saved.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A row of `user_data_keys`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::user_data_keys)]
pub struct DataKeyRow {
    /// Owner.
    pub user_id: i64,
    /// The master key that wraps it.
    pub master_key_id: String,
    /// The wrapped data key.
    pub wrapped: String,
}

/// The user's wrapped data key, if they have one.
pub fn data_key(conn: &mut Db, user_id: i64) -> QueryResult<Option<DataKeyRow>> {
    d::user_data_keys
        .find(user_id)
        .select(DataKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a new data key (the caller holds the user's row lock).
pub fn insert_data_key(
    conn: &mut Db,
    user_id: i64,
    master_key_id: &str,
    wrapped: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(d::user_data_keys)
        .values((
            d::user_id.eq(user_id),
            d::master_key_id.eq(master_key_id),
            d::wrapped.eq(wrapped),
            d::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Up to `limit` data keys wrapped under another master key than `current`.
pub fn data_keys_not_under(
    conn: &mut Db,
    current: &str,
    limit: i64,
) -> QueryResult<Vec<DataKeyRow>> {
    d::user_data_keys
        .filter(d::master_key_id.ne(current))
        .select(DataKeyRow::as_select())
        .order(d::user_id)
        .limit(limit)
        .load(conn)
}

/// Replaces a wrapping, if it is still the one that was read.
pub fn rewrap(
    conn: &mut Db,
    old: &DataKeyRow,
    master_key_id: &str,
    wrapped: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        d::user_data_keys
            .find(old.user_id)
            .filter(d::master_key_id.eq(&old.master_key_id))
            .filter(d::wrapped.eq(&old.wrapped)),
    )
    .set((
        d::master_key_id.eq(master_key_id),
        d::wrapped.eq(wrapped),
        d::rotated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// How many data keys each master key wraps.
pub fn count_by_master(conn: &mut Db) -> QueryResult<Vec<(String, i64)>> {
    d::user_data_keys
        .group_by(d::master_key_id)
        .select((d::master_key_id, diesel::dsl::count_star()))
        .order(d::master_key_id)
        .load(conn)
}

/// The user's provider keys, by provider name.
pub fn list(conn: &mut Db, user_id: i64) -> QueryResult<Vec<ProviderKeyRow>> {
    p::provider_keys
        .filter(p::user_id.eq(user_id))
        .select(ProviderKeyRow::as_select())
        .order(p::provider)
        .load(conn)
}

/// One of the user's provider keys.
pub fn find(conn: &mut Db, user_id: i64, provider: &str) -> QueryResult<Option<ProviderKeyRow>> {
    p::provider_keys
        .find((user_id, provider))
        .select(ProviderKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Saves (or replaces) a key; the caller holds the user's row lock.
pub fn upsert(conn: &mut Db, row: &ProviderKeyRow) -> QueryResult<()> {
    let replaced = diesel::update(p::provider_keys.find((row.user_id, &row.provider)))
        .set((
            p::ciphertext.eq(&row.ciphertext),
            p::last4.eq(&row.last4),
            p::status.eq(&row.status),
            p::verified_at.eq(row.verified_at),
            p::last_error.eq(&row.last_error),
            p::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if replaced == 0 {
        diesel::insert_into(p::provider_keys)
            .values((
                p::user_id.eq(row.user_id),
                p::provider.eq(&row.provider),
                p::ciphertext.eq(&row.ciphertext),
                p::last4.eq(&row.last4),
                p::status.eq(&row.status),
                p::verified_at.eq(row.verified_at),
                p::last_error.eq(&row.last_error),
                p::created_at.eq(row.created_at),
                p::updated_at.eq(row.updated_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records a check's outcome on the key that was checked (not on one that
/// replaced it meanwhile); returns whether it was still there.
pub fn set_status(
    conn: &mut Db,
    user_id: i64,
    provider: &str,
    ciphertext: &str,
    status: &str,
    error: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = p::provider_keys
        .find((user_id, provider))
        .filter(p::ciphertext.eq(ciphertext));
    let changed = if status == "verified" {
        diesel::update(target)
            .set((
                p::status.eq(status),
                p::last_error.eq(None::<String>),
                p::verified_at.eq(Some(now)),
                p::updated_at.eq(now),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((
                p::status.eq(status),
                p::last_error.eq(error),
                p::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    Ok(changed == 1)
}

/// Deletes one of the user's keys; returns whether there was one.
pub fn delete(conn: &mut Db, user_id: i64, provider: &str) -> QueryResult<bool> {
    diesel::delete(p::provider_keys.find((user_id, provider)))
        .execute(conn)
        .map(|n| n == 1)
}
