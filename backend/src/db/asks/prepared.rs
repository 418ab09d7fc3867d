//! Statements of raw SQL prepared once per connection: [`Statement`] names a
//! statement's SQL by type, [`Prepared`] binds its parameters.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// The SQL of a [`Prepared`] statement: its parameters' names, in order,
/// and its body.
pub(super) trait Statement: Copy + 'static {
    const SQL: (&'static str, &'static str);
}

/// Declares a [`Statement`]: a unit type named as a constant.
macro_rules! statement {
    ($(#[$doc:meta])* $name:ident = ($names:expr, $body:expr $(,)?);) => {
        $(#[$doc])*
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        struct $name;

        impl Statement for $name {
            const SQL: (&'static str, &'static str) = ($names, $body);
        }
    };
}

/// A bound parameter of a [`Prepared`] statement.
pub(super) fn bound<ST, T: AsExpression<ST>>(value: T) -> T::Expression
where
    ST: diesel::sql_types::SqlType + diesel::sql_types::SingleValue,
{
    value.as_expression()
}

/// A statement of raw SQL that each connection parses and plans once.
/// Diesel keeps prepared statements for the queries it builds (though it
/// builds their SQL again on most calls), but never for `sql_query`; on
/// PostgreSQL planning the one-statement phases cost about 0.5 ms, more than
/// running them. Here each parameter is bound once, as a column of a one-row
/// `VALUES` named `p` that starts a `WITH` list; the statement's body reads
/// them as `p.name` and either goes on with the list (starting with a comma)
/// or is the statement itself. Each statement is a type of its own
/// ([`statement!`]), so diesel's statement cache finds it by type, without
/// writing out its SQL on every call.
pub(super) struct Prepared<S, P> {
    statement: PhantomData<S>,
    params: P,
}

impl<S: Statement, P> Prepared<S, P> {
    pub(super) fn new(_: S, params: P) -> Self {
        Self {
            statement: PhantomData,
            params,
        }
    }
}

impl<DB: Backend, S: Statement, P: QueryFragment<DB>> QueryFragment<DB> for Prepared<S, P> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let (names, body) = S::SQL;
        out.push_sql("WITH p (");
        out.push_sql(names);
        out.push_sql(") AS (VALUES (");
        self.params.walk_ast(out.reborrow())?;
        out.push_sql("))\n");
        out.push_sql(body);
        Ok(())
    }
}

impl<S: Statement, P: QueryId> QueryId for Prepared<S, P> {
    type QueryId = (S, P::QueryId);
    const HAS_STATIC_QUERY_ID: bool = P::HAS_STATIC_QUERY_ID;
}

impl<S, P> Query for Prepared<S, P> {
    type SqlType = diesel::sql_types::Untyped;
}

impl<S, P, C> RunQueryDsl<C> for Prepared<S, P> {}
