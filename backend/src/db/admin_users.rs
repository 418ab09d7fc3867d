//! The admin console's query over `users`: search, filter, sort, page, with
//! each user's questions and cost this month.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::Db;
use super::models::UserRow;
use super::schema::{quota_usage::dsl as q, users::dsl as u};

/// How to order the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Newest account first.
    Created,
    /// Most recent sign-in first (never signed in last).
    LastSignIn,
    /// Highest cost this month first.
    Cost,
}

/// Which users to list.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Part of the email, lower case.
    pub email_contains: Option<String>,
    /// The stored tier.
    pub tier: Option<String>,
    /// `Some(true)`: suspended only; `Some(false)`: not suspended.
    pub suspended: Option<bool>,
    /// The order.
    pub sort: Sort,
    /// Rows to skip (the page cursor).
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
    /// The month's key (`YYYY-MM`).
    pub period: String,
    /// The month's first instant.
    pub month_start: NaiveDateTime,
    /// Ledger rows up to this id are in the daily rollups.
    pub watermark: i64,
}

/// One listed user with this month's questions and cost (pico-dollars).
pub type Listed = (UserRow, Option<i32>, i64);

/// A user's cost since `since` (the month's start), as correlated
/// subqueries: the daily rollup's days (by its `(user_id, day, ...)` index),
/// then the ledger rows past the rollup's watermark (by the ledger's
/// `(user_id, created_at)` index, from the oldest such row on). The values
/// are written into the SQL (a boxed query cannot carry these binds); they
/// are formatted here, never taken from a request.
fn month_cost(since: NaiveDateTime, watermark: i64) -> diesel::expression::SqlLiteral<BigInt> {
    let day = since.format("%Y-%m-%d");
    let time = since.format("%Y-%m-%d %H:%M:%S");
    sql::<BigInt>(&format!(
        "(COALESCE((SELECT CAST(SUM(d.cost_pico) AS BIGINT) FROM usage_daily_users d \
           WHERE d.user_id = users.id AND d.day >= '{day}'), 0) \
         + COALESCE((SELECT CAST(SUM(e.cost_pico) AS BIGINT) FROM usage_events e \
           WHERE e.user_id = users.id AND e.id > {watermark} AND e.created_at >= '{time}' \
           AND e.created_at >= (SELECT MIN(t.created_at) FROM usage_events t \
             WHERE t.id > {watermark})), 0))"
    ))
}

/// One page of users.
pub fn list(conn: &mut Db, f: &Filter) -> QueryResult<Vec<Listed>> {
    let mut query = u::users
        .left_join(q::quota_usage.on(q::user_id.eq(u::id).and(q::period.eq(f.period.clone()))))
        .select((
            UserRow::as_select(),
            q::used.nullable(),
            month_cost(f.month_start, f.watermark),
        ))
        .into_boxed();
    if let Some(text) = &f.email_contains {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(u::email.like(format!("%{escaped}%")).escape('\\'));
    }
    if let Some(tier) = &f.tier {
        query = query.filter(u::subscription_tier.eq(tier.clone()));
    }
    match f.suspended {
        Some(true) => query = query.filter(u::suspended_at.is_not_null()),
        Some(false) => query = query.filter(u::suspended_at.is_null()),
        None => {}
    }
    query = match f.sort {
        Sort::Created => query.order(u::id.desc()),
        Sort::LastSignIn => query.order((
            u::last_login_at.is_null(),
            u::last_login_at.desc(),
            u::id.desc(),
        )),
        Sort::Cost => query.order((month_cost(f.month_start, f.watermark).desc(), u::id.desc())),
    };
    query.offset(f.offset).limit(f.limit).load(conn)
}
