//! Users as the operator manages them.

use diesel::Connection;
use serde_json::json;
use shared_types::money::format_pico_usd;
use shared_types::{
    AdminUserDetail, AdminUserPage, AdminUserPatch, AdminUserSummary, BillingStatus, LedgerEntry,
    Tier,
};

use super::{AdminError, parse_time};
use crate::ai::catalogue::Catalogue;
use crate::audit::{self, Action, Actor, Event, Origin};
use crate::billing::Billing;
use crate::db::admin_users::{self, Filter, Sort};
use crate::db::models::UserRow;
use crate::db::usage_events;
use crate::db::{
    self, DbError, Pool, Scope, quota, refresh_tokens, subscriptions, usage_rollup, users,
};
use crate::lifecycle::deletion::{self, DeletedBy};
use crate::quota::Period;

/// The most users one page holds.
pub const MAX_PAGE: i64 = 200;
/// The most extra questions one grant gives.
pub const MAX_GRANT: u32 = 10_000;
/// Asks shown on a user's page.
const RECENT_ASKS: i64 = 20;

/// Which users to list, as the query string gives it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Part of the email address.
    pub q: Option<String>,
    /// `free`, `pro` or `enterprise`.
    pub tier: Option<String>,
    /// `active` or `suspended`.
    pub status: Option<String>,
    /// `created` (newest first, the default), `last_sign_in` or `cost`
    /// (highest this month first).
    pub sort: Option<String>,
    /// Users per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// The `next_before` of the previous page.
    pub before: Option<String>,
}

/// One page of users.
pub async fn list(pool: &Pool, query: ListQuery) -> Result<AdminUserPage, AdminError> {
    let invalid = |m: String| AdminError::InvalidInput(m);
    let sort = match query.sort.as_deref().unwrap_or("created") {
        "created" => Sort::Created,
        "last_sign_in" => Sort::LastSignIn,
        "cost" => Sort::Cost,
        other => {
            return Err(invalid(format!(
                "Unknown sort '{other}': created, last_sign_in or cost."
            )));
        }
    };
    let suspended = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some("active") => Some(false),
        Some("suspended") => Some(true),
        Some(other) => {
            return Err(invalid(format!(
                "Unknown status '{other}': active or suspended."
            )));
        }
    };
    let tier = match query.tier.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(t.parse::<Tier>().map_err(invalid)?.as_str().to_string()),
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(invalid(format!("limit must be 1 to {MAX_PAGE}.")));
    }
    let offset = match query.before.as_deref().filter(|b| !b.is_empty()) {
        None => 0,
        Some(cursor) => cursor
            .parse::<i64>()
            .ok()
            .filter(|o| *o >= 0)
            .ok_or_else(|| invalid("before must be the next_before of an earlier page.".into()))?,
    };
    let period = Period::current();
    let filter = Filter {
        email_contains: query
            .q
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty()),
        tier,
        suspended,
        sort,
        offset,
        limit: limit + 1,
        period: period.key,
        month_start: period.start,
        watermark: 0,
    };
    let mut rows = pool
        .read(Scope::System, move |conn| {
            db::read_snapshot(conn, |conn| {
                let watermark = usage_rollup::watermark(conn)?;
                admin_users::list(
                    conn,
                    &Filter {
                        watermark,
                        ..filter
                    },
                )
            })
            .map_err(DbError::from)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(AdminUserPage {
        users: rows
            .iter()
            .map(|(row, used, cost)| summary(row, used.unwrap_or_default(), *cost))
            .collect(),
        next_before: more.then(|| (offset + limit).to_string()),
    })
}

fn summary(row: &UserRow, used: i32, cost_pico: i64) -> AdminUserSummary {
    AdminUserSummary {
        id: row.id,
        email: row.email.clone(),
        full_name: row.full_name.clone(),
        role: row.role(),
        tier: row.tier(),
        tier_until: row.tier_expires_at.map(db::rfc3339),
        suspended: row.suspended_at.is_some(),
        created_at: db::rfc3339(row.created_at),
        last_login_at: row.last_login_at.map(db::rfc3339),
        questions_this_month: u32::try_from(used).unwrap_or_default(),
        cost_this_month_usd: format_pico_usd(cost_pico),
    }
}

/// Everything about one user.
pub async fn detail(
    pool: &Pool,
    catalogue: &Catalogue,
    id: i64,
) -> Result<AdminUserDetail, AdminError> {
    let period = Period::current();
    let (key, start) = (period.key.clone(), period.start);
    let (row, (used, granted), month, all, sessions, recent, latest) = pool
        .read(Scope::System, move |conn| {
            let row = users::find(conn, id)?.ok_or_else(not_found)?;
            let now = db::now();
            Ok::<_, AdminError>((
                row,
                quota::used(conn, id, &key)?,
                usage_events::cost_since(conn, id, Some(start))?,
                usage_events::cost_since(conn, id, None)?,
                refresh_tokens::count_live(conn, id, now)?,
                usage_events::recent(conn, id, RECENT_ASKS)?,
                subscriptions::for_user(conn, id)?.into_iter().next(),
            ))
        })
        .await?;
    let limit = catalogue.plan(row.tier()).monthly_questions;
    Ok(AdminUserDetail {
        user: summary(&row, used, month),
        billing: BillingStatus {
            tier: row.tier(),
            status: latest.as_ref().and_then(|s| s.status.parse().ok()),
            current_period_end: latest
                .as_ref()
                .and_then(|s| s.current_period_end)
                .map(db::rfc3339),
            cancel_at_period_end: latest.is_some_and(|s| s.cancel_at_period_end),
        },
        quota: period.status(used, granted, limit),
        granted_this_month: u32::try_from(granted).unwrap_or_default(),
        cost_all_time_usd: format_pico_usd(all),
        active_sessions: u32::try_from(sessions).unwrap_or_default(),
        recent_asks: recent.into_iter().map(LedgerEntry::from).collect(),
    })
}

fn not_found() -> AdminError {
    AdminError::NotFound("No user with this id.".into())
}

/// Who acts and from where: the admin, for the audit log.
#[derive(Debug, Clone)]
pub struct By {
    /// The admin.
    pub actor: Actor,
    /// Their id (an admin may not suspend or delete themselves).
    pub admin_id: i64,
    /// Their request's origin.
    pub origin: Origin,
}

/// Sets a tier by hand and/or suspends or restores the user. Suspension
/// revokes every session in the same transaction.
pub async fn update(pool: &Pool, by: By, id: i64, patch: AdminUserPatch) -> Result<(), AdminError> {
    if patch.tier.is_none() && patch.suspended.is_none() {
        return Err(AdminError::InvalidInput(
            "Give a tier (with an optional tier_until) or suspended.".into(),
        ));
    }
    if patch.tier_until.is_some() && patch.tier.is_none() {
        return Err(AdminError::InvalidInput(
            "tier_until goes with a tier.".into(),
        ));
    }
    let until = match &patch.tier_until {
        Some(text) => {
            let until = parse_time("tier_until", text, true)?;
            if until <= db::now() {
                return Err(AdminError::InvalidInput(
                    "tier_until must be in the future.".into(),
                ));
            }
            Some(until)
        }
        None => None,
    };
    if patch.suspended == Some(true) && id == by.admin_id {
        return Err(AdminError::NotAllowed(
            "You cannot suspend your own account.".into(),
        ));
    }
    pool.write(Scope::System, move |conn| {
        conn.transaction(|conn| {
            let before = users::find(conn, id)?.ok_or_else(not_found)?;
            let now = db::now();
            let mut details = serde_json::Map::new();
            if let Some(tier) = patch.tier {
                subscriptions::set_tier(conn, id, tier.as_str(), until, now)?;
                details.insert(
                    "tier".into(),
                    json!({
                        "before": before.tier().as_str(),
                        "after": tier.as_str(),
                        "until_before": before.tier_expires_at.map(db::rfc3339),
                        "until_after": until.map(db::rfc3339),
                    }),
                );
            }
            if let Some(suspend) = patch.suspended {
                users::set_suspended(conn, id, suspend.then_some(now), now)?;
                let revoked = if suspend {
                    refresh_tokens::revoke_all(conn, id, now)?
                } else {
                    0
                };
                details.insert(
                    "suspended".into(),
                    json!({
                        "before": before.suspended_at.is_some(),
                        "after": suspend,
                        "sessions_revoked": revoked,
                    }),
                );
            }
            let event = Event::new(by.actor.clone(), Action::UserUpdated)
                .on_user(id)
                .details(details.into());
            audit::record(conn, &by.origin, event)?;
            Ok(())
        })
    })
    .await
}

/// Grants `questions` more for this month; returns the total granted.
pub async fn grant(pool: &Pool, by: By, id: i64, questions: u32) -> Result<u32, AdminError> {
    if !(1..=MAX_GRANT).contains(&questions) {
        return Err(AdminError::InvalidInput(format!(
            "questions must be 1 to {MAX_GRANT}."
        )));
    }
    let period = Period::current().key;
    pool.write(Scope::System, move |conn| {
        conn.transaction(|conn| {
            users::find(conn, id)?.ok_or_else(not_found)?;
            let extra = i32::try_from(questions).unwrap_or(i32::MAX);
            let total = quota::grant(conn, id, &period, extra)?;
            let event = Event::new(by.actor.clone(), Action::QuestionsGranted)
                .on_user(id)
                .details(json!({"questions": questions, "period": period, "granted_total": total}));
            audit::record(conn, &by.origin, event)?;
            Ok(u32::try_from(total).unwrap_or_default())
        })
    })
    .await
}

/// Revokes every session of the user; returns how many were live.
pub async fn revoke_sessions(pool: &Pool, by: By, id: i64) -> Result<usize, AdminError> {
    pool.write(Scope::System, move |conn| {
        conn.transaction(|conn| {
            users::find(conn, id)?.ok_or_else(not_found)?;
            let revoked = refresh_tokens::revoke_all(conn, id, db::now())?;
            let event = Event::new(by.actor.clone(), Action::SessionsRevoked)
                .on_user(id)
                .details(json!({"sessions_revoked": revoked}));
            audit::record(conn, &by.origin, event)?;
            Ok(revoked)
        })
    })
    .await
}

/// Deletes the account and what it owns (see [`deletion`]).
pub async fn delete(
    pool: &Pool,
    billing: Option<&Billing>,
    by: By,
    id: i64,
) -> Result<(), AdminError> {
    if id == by.admin_id {
        return Err(AdminError::NotAllowed(
            "Delete your own account from your account page, not the console.".into(),
        ));
    }
    let by = DeletedBy::Admin {
        actor: by.actor,
        origin: by.origin,
    };
    if !deletion::delete_account(pool, billing, id, by).await? {
        return Err(not_found());
    }
    Ok(())
}
