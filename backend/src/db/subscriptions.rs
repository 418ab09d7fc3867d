//! Queries on `subscriptions` and `stripe_events`, and the billing columns
//! of `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::models::UserRow;
use super::schema::stripe_events::dsl as e;
use super::schema::subscriptions::dsl as s;
use super::schema::users::dsl as u;

/// A row of `subscriptions`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::subscriptions)]
pub struct SubscriptionRow {
    /// Primary key.
    pub id: i64,
    /// The subscriber.
    pub user_id: i64,
    /// `sub_...`.
    pub stripe_subscription_id: String,
    /// `price_...`.
    pub stripe_price_id: String,
    /// The tier the price buys.
    pub tier: String,
    /// Stripe's status.
    pub status: String,
    /// When the current period ends.
    pub current_period_end: Option<NaiveDateTime>,
    /// Whether it ends rather than renews at the period end.
    pub cancel_at_period_end: bool,
    /// When it fell past due (cleared once paid).
    pub past_due_since: Option<NaiveDateTime>,
    /// The Stripe event time (Unix seconds) this row reflects.
    pub last_event_at: i64,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A subscription as an event describes it.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::subscriptions)]
pub struct SubscriptionChange<'a> {
    /// The subscriber.
    pub user_id: i64,
    /// `sub_...`.
    pub stripe_subscription_id: &'a str,
    /// `price_...`.
    pub stripe_price_id: &'a str,
    /// The tier the price buys.
    pub tier: &'a str,
    /// Stripe's status.
    pub status: &'a str,
    /// When the current period ends.
    #[diesel(treat_none_as_null = true)]
    pub current_period_end: Option<NaiveDateTime>,
    /// Whether it ends rather than renews at the period end.
    pub cancel_at_period_end: bool,
    /// When it fell past due.
    #[diesel(treat_none_as_null = true)]
    pub past_due_since: Option<NaiveDateTime>,
    /// The Stripe event time (Unix seconds).
    pub last_event_at: i64,
    /// Now.
    pub updated_at: NaiveDateTime,
}

/// The subscription with this Stripe id, if known.
pub fn find(conn: &mut Db, stripe_id: &str) -> QueryResult<Option<SubscriptionRow>> {
    s::subscriptions
        .filter(s::stripe_subscription_id.eq(stripe_id))
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()
}

/// Writes `change` over the row with its Stripe id, or inserts it.
pub fn upsert(
    conn: &mut Db,
    change: &SubscriptionChange<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let updated = diesel::update(
        s::subscriptions.filter(s::stripe_subscription_id.eq(change.stripe_subscription_id)),
    )
    .set(change)
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(s::subscriptions)
            .values((change, s::created_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

/// A user's subscriptions, the most recently changed first.
pub fn for_user(conn: &mut Db, user_id: i64) -> QueryResult<Vec<SubscriptionRow>> {
    s::subscriptions
        .filter(s::user_id.eq(user_id))
        .order((s::updated_at.desc(), s::id.desc()))
        .select(SubscriptionRow::as_select())
        .load(conn)
}

/// Records a Stripe event id; false if it was recorded before.
pub fn record_event(
    conn: &mut Db,
    id: &str,
    event_type: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    // Both engines support ON CONFLICT; the multi-backend type does not
    // express it, so the insert runs on the concrete connection.
    let insert = || {
        diesel::insert_into(e::stripe_events)
            .values((
                e::id.eq(id),
                e::event_type.eq(event_type),
                e::received_at.eq(at),
            ))
            .on_conflict_do_nothing()
    };
    let inserted = match conn {
        Db::Pg(pg) => insert().execute(pg)?,
        Db::Sqlite(sqlite) => insert().execute(sqlite)?,
    };
    Ok(inserted == 1)
}

/// Whether a Stripe event id was recorded.
pub fn event_seen(conn: &mut Db, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(e::stripe_events.filter(e::id.eq(id)))).get_result(conn)
}

/// The user whose Stripe customer this is.
pub fn user_by_customer(conn: &mut Db, customer: &str) -> QueryResult<Option<UserRow>> {
    u::users
        .filter(u::stripe_customer_id.eq(customer))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Stores the user's Stripe customer unless one is stored already; returns
/// the one stored now.
pub fn set_customer(conn: &mut Db, user_id: i64, customer: &str) -> QueryResult<Option<String>> {
    diesel::update(
        u::users
            .find(user_id)
            .filter(u::stripe_customer_id.is_null()),
    )
    .set(u::stripe_customer_id.eq(customer))
    .execute(conn)?;
    u::users
        .find(user_id)
        .select(u::stripe_customer_id)
        .first(conn)
}

/// Sets the user's tier and when it lapses (`None`: it does not).
pub fn set_tier(
    conn: &mut Db,
    user_id: i64,
    tier: &str,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(u::users.find(user_id))
        .set((
            u::subscription_tier.eq(tier),
            u::tier_expires_at.eq(expires_at),
            u::updated_at.eq(now),
        ))
        .execute(conn)
}
