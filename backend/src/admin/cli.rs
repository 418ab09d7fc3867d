//! `mentor admin ...` at the command line: the admin API's users and usage
//! for operators without the dashboard, straight on the database. Changes
//! are audited with the system as the actor.

use std::fmt::Write;

use shared_types::{AdminUserPatch, AdminUserSummary, Analytics, Tier};

use super::AdminError;
use super::analytics::{self, Range};
use super::users::{self, By, ListQuery};
use crate::ai::catalogue::Catalogue;
use crate::audit::{Actor, Origin};
use crate::db::{DbError, Pool, Scope, users as user_rows};

/// The system at the command line, for the audit log.
fn by_operator() -> By {
    By {
        actor: Actor::System,
        admin_id: 0,
        origin: Origin {
            ip: None,
            user_agent: Some("mentor admin (command line)".into()),
        },
    }
}

/// A user's id from an id or an email address.
pub async fn resolve(pool: &Pool, who: &str) -> Result<i64, AdminError> {
    if let Ok(id) = who.parse::<i64>() {
        return Ok(id);
    }
    let email = who.trim().to_lowercase();
    let found = pool
        .read(Scope::System, move |conn| {
            user_rows::find_by_email(conn, &email).map_err(DbError::from)
        })
        .await?;
    found
        .map(|row| row.id)
        .ok_or_else(|| AdminError::NotFound(format!("No user with the email '{who}'.")))
}

fn row(u: &AdminUserSummary) -> String {
    format!(
        "{:>7}  {:<32}  {:<10}  {:<9}  {:>5}  {:>12}  {}",
        u.id,
        u.email,
        u.tier.as_str(),
        if u.suspended { "suspended" } else { "active" },
        u.questions_this_month,
        u.cost_this_month_usd,
        u.last_login_at.as_deref().unwrap_or("never"),
    )
}

/// `users list`: one page as a table (and the cursor of the next).
pub async fn users_list(pool: &Pool, query: ListQuery) -> Result<String, AdminError> {
    let page = users::list(pool, query).await?;
    let mut out = format!(
        "{:>7}  {:<32}  {:<10}  {:<9}  {:>5}  {:>12}  {}\n",
        "id", "email", "tier", "status", "asks", "cost (month)", "last sign-in"
    );
    for u in &page.users {
        out.push_str(&row(u));
        out.push('\n');
    }
    if let Some(next) = page.next_before {
        let _ = writeln!(out, "more: --before {next}");
    }
    Ok(out)
}

/// `users show`: what `GET /admin/users/{id}` gives, as JSON.
pub async fn user_show(
    pool: &Pool,
    catalogue: &Catalogue,
    who: &str,
) -> Result<String, AdminError> {
    let id = resolve(pool, who).await?;
    let detail = users::detail(pool, catalogue, id).await?;
    serde_json::to_string_pretty(&detail).map_err(|e| AdminError::InvalidInput(e.to_string()))
}

/// `users set-tier`, `users suspend`, `users unsuspend`: the change, then
/// the user's line.
pub async fn user_update(
    pool: &Pool,
    catalogue: &Catalogue,
    who: &str,
    patch: AdminUserPatch,
) -> Result<String, AdminError> {
    let id = resolve(pool, who).await?;
    users::update(pool, by_operator(), id, patch).await?;
    let detail = users::detail(pool, catalogue, id).await?;
    Ok(format!("{}\n", row(&detail.user)))
}

/// A `set-tier` patch.
pub fn tier_patch(tier: &str, until: Option<String>) -> Result<AdminUserPatch, AdminError> {
    Ok(AdminUserPatch {
        tier: Some(tier.parse::<Tier>().map_err(AdminError::InvalidInput)?),
        tier_until: until,
        suspended: None,
    })
}

/// `usage --from --to`: the analytics of a range, as a daily table and
/// totals (or, with `json`, what `GET /admin/analytics` gives).
pub async fn usage(
    pool: &Pool,
    from: Option<&str>,
    to: Option<&str>,
    json: bool,
) -> Result<String, AdminError> {
    let range = Range::parse(from, to)?;
    // Revenue needs Stripe's prices: the API and the dashboard show it.
    let report = analytics::build(pool, range, |_| async { None }).await?;
    if json {
        return serde_json::to_string_pretty(&report)
            .map_err(|e| AdminError::InvalidInput(e.to_string()));
    }
    Ok(usage_table(&report))
}

fn usage_table(report: &Analytics) -> String {
    let mut out = format!(
        "{:<10}  {:>7}  {:>6}  {:>9}  {:>6}  {:>12}  {:>12}  {:>12}\n",
        "date", "signups", "active", "questions", "failed", "input tok", "output tok", "cost"
    );
    for d in &report.days {
        let _ = writeln!(
            out,
            "{:<10}  {:>7}  {:>6}  {:>9}  {:>6}  {:>12}  {:>12}  {:>12}",
            d.date,
            d.signups,
            d.active_users,
            d.questions,
            d.failed,
            d.input_tokens,
            d.output_tokens,
            d.cost_usd
        );
    }
    out.push_str("\ncost by provider:\n");
    for line in &report.cost_by_provider {
        let _ = writeln!(
            out,
            "  {:<12} {:>9} asks  {:>12}",
            line.name, line.asks, line.cost_usd
        );
    }
    out.push_str("time to first token:\n");
    for line in &report.time_to_first_token {
        let _ = writeln!(
            out,
            "  {:<12} p50 {:>5} ms  p95 {:>5} ms  ({} asks)",
            line.provider, line.p50_ms, line.p95_ms, line.samples
        );
    }
    out.push_str("users by tier:\n");
    for t in &report.tiers {
        let _ = writeln!(
            out,
            "  {:<12} {:>7} ({} subscribed)",
            t.tier.as_str(),
            t.users,
            t.subscribed
        );
    }
    let _ = writeln!(
        out,
        "signed up in range: {}, of them on a paid tier now: {}",
        report.signups_in_range, report.converted_in_range
    );
    out
}
