//! Queries on `audit_log`: append, list, and the retention task's prune.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Db;
use super::models::{AuditRow, NewAuditRow};
use super::schema::audit_log::dsl as a;
use super::schema::audit_prune_gate::dsl as gate;

/// Whether user `id` signed in from `ip` since `since` (a known client).
pub fn signed_in_from(conn: &mut Db, id: i64, ip: &str, since: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        a::audit_log
            .filter(a::target_type.eq("user"))
            .filter(a::target_id.eq(id.to_string()))
            .filter(a::action.eq("auth.sign_in"))
            .filter(a::ip.eq(ip))
            .filter(a::at.ge(since)),
    ))
    .get_result(conn)
}

/// How many `action` rows about user `id` since `since`, and the earliest's time.
pub fn count_about_since(
    conn: &mut Db,
    id: i64,
    action: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    a::audit_log
        .filter(a::target_type.eq("user"))
        .filter(a::target_id.eq(id.to_string()))
        .filter(a::action.eq(action))
        .filter(a::at.ge(since))
        .select((diesel::dsl::count_star(), diesel::dsl::min(a::at)))
        .first(conn)
}

/// Appends one row.
pub fn insert(conn: &mut Db, row: &NewAuditRow) -> QueryResult<usize> {
    diesel::insert_into(a::audit_log).values(row).execute(conn)
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this acting user.
    pub actor_id: Option<i64>,
    /// Only actors with this email (lowercase).
    pub actor_email: Option<String>,
    /// Only this target type.
    pub target_type: Option<String>,
    /// Only this target id.
    pub target_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// At or after this time.
    pub from: Option<NaiveDateTime>,
    /// Before this time.
    pub to: Option<NaiveDateTime>,
    /// Only ids below this.
    pub before: Option<i64>,
}

/// A page of entries, newest first.
pub fn list(conn: &mut Db, filter: &Filter, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut query = a::audit_log
        .select(AuditRow::as_select())
        .order(a::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(id) = filter.actor_id {
        query = query.filter(a::actor_id.eq(id));
    }
    if let Some(email) = &filter.actor_email {
        query = query.filter(a::actor_email.eq(email.clone()));
    }
    if let Some(kind) = &filter.target_type {
        query = query.filter(a::target_type.eq(kind.clone()));
    }
    if let Some(id) = &filter.target_id {
        query = query.filter(a::target_id.eq(id.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(a::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(a::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(a::at.lt(to));
    }
    if let Some(before) = filter.before {
        query = query.filter(a::id.lt(before));
    }
    query.load(conn)
}

/// Deletes rows older than `cutoff`; the only delete the database allows
/// (SQLite: the gate row, opened and closed in this transaction; PostgreSQL:
/// `SET LOCAL mentor.audit_prune`). Returns how many went.
pub fn prune(conn: &mut Db, cutoff: NaiveDateTime) -> QueryResult<usize> {
    conn.transaction(|conn| {
        match conn {
            Db::Pg(pg) => {
                diesel::sql_query("SET LOCAL mentor.audit_prune = 'on'").execute(pg)?;
            }
            Db::Sqlite(_) => {
                diesel::update(gate::audit_prune_gate.filter(gate::id.eq(1)))
                    .set(gate::open.eq(true))
                    .execute(conn)?;
            }
        }
        let deleted = diesel::delete(a::audit_log.filter(a::at.lt(cutoff))).execute(conn)?;
        if matches!(conn, Db::Sqlite(_)) {
            diesel::update(gate::audit_prune_gate.filter(gate::id.eq(1)))
                .set(gate::open.eq(false))
                .execute(conn)?;
        }
        Ok(deleted)
    })
}

/// Erases the personal fields of the rows about an account being deleted:
/// its id and address as actor (with the IP and browser of its requests),
/// its id as target, and details that name the address. Actions, times and
/// amounts stay. The only UPDATE the database allows (see the `lifecycle`
/// migrations). Returns how many rows changed.
pub fn forget_user(conn: &mut Db, id: i64, email: &str) -> QueryResult<usize> {
    let user_id = id.to_string();
    // Rows without an id name the account by its address (failed sign-ins);
    // another account that holds the address now keeps its own rows.
    let acted = a::actor_id
        .eq(id)
        .or(a::actor_id.is_null().and(a::actor_email.eq(email)));
    let targeted = a::target_type.eq("user").and(a::target_id.eq(&user_id));
    let escaped = email
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut changed = diesel::update(
        a::audit_log
            .filter(acted.or(targeted))
            .filter(a::details.like(format!("%{escaped}%")).escape('\\')),
    )
    .set(a::details.eq("{}"))
    .execute(conn)?;
    changed += diesel::update(a::audit_log.filter(acted))
        .set((
            a::actor_id.eq(None::<i64>),
            a::actor_email.eq(None::<String>),
            a::ip.eq(None::<String>),
            a::user_agent.eq(None::<String>),
        ))
        .execute(conn)?;
    changed += diesel::update(a::audit_log.filter(targeted))
        .set(a::target_id.eq(None::<String>))
        .execute(conn)?;
    Ok(changed)
}
