//! Whose rows a database call may reach: PostgreSQL's row-level security.
//!
//! Every call through the pool names a [`Scope`]. On PostgreSQL a user's
//! scope runs the call as the role `mentor_user`, whose policies (migration
//! `row_level_security`) let it see and write only the rows of the users
//! named in the session's `mentor.user_ids`: conversations, messages,
//! resumes, saved jobs, API and provider keys, the vault's data keys and
//! data exports. A query that forgot its owner filter still cannot reach
//! another user's row. The system scope runs as the login role, which owns
//! the tables and so passes the policies: admin and background work, and
//! finding whose a credential is, say so by asking for it.
//!
//! The scope is set for the session, in one statement, when a call takes a
//! connection whose last scope differs; it stays set between calls, and
//! every call sets its own, so none inherits another's. SQLite, which
//! serves one machine's users from one file, has no roles: there the
//! queries' own owner filters are the only wall.

use diesel::QueryResult;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::Db;

diesel::define_sql_function! {
    /// PostgreSQL's `set_config`: sets a setting, for the session when
    /// `is_local` is false.
    fn set_config(setting_name: Text, new_value: Text, is_local: Bool) -> Text;
}

/// Whose rows a call may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A request on behalf of one user: their rows only.
    User(i64),
    /// Several users' writes made in one statement (the ask's grouped
    /// reservations and settles): those users' rows only.
    Users(Vec<i64>),
    /// Admin and background work, sign-in and finding whose a credential
    /// is: every row.
    System,
}

impl Scope {
    /// The role and `mentor.user_ids` value the scope runs with.
    fn settings(&self) -> (&'static str, String) {
        let ids = |ids: &[i64]| {
            let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
            format!("{{{}}}", list.join(","))
        };
        match self {
            Self::User(id) => ("mentor_user", ids(&[*id])),
            Self::Users(list) => ("mentor_user", ids(list)),
            // `none`: back to the login role.
            Self::System => ("none", String::new()),
        }
    }
}

/// Sets `scope` on `conn` unless `current` says it is set already; keeps
/// `current` up to date. On SQLite, does nothing.
pub(super) fn enter(conn: &mut Db, current: &mut Option<Scope>, scope: &Scope) -> QueryResult<()> {
    let Db::Pg(pg) = conn else { return Ok(()) };
    if current.as_ref() == Some(scope) {
        return Ok(());
    }
    // Unknown until the statement succeeds: it may fail half-way.
    *current = None;
    let (role, ids) = scope.settings();
    diesel::sql_query(
        "SELECT set_config('role', $1, false), set_config('mentor.user_ids', $2, false)",
    )
    .bind::<Text, _>(role)
    .bind::<Text, _>(ids)
    .execute(pg)?;
    *current = Some(scope.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn each_scope_names_its_role_and_users() {
        assert_eq!(Scope::User(7).settings(), ("mentor_user", "{7}".into()));
        assert_eq!(
            Scope::Users(vec![3, 12]).settings(),
            ("mentor_user", "{3,12}".into())
        );
        assert_eq!(Scope::System.settings(), ("none", String::new()));
    }
}
