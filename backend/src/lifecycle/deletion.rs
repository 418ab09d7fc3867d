//! Deleting an account, by its owner or by an admin. Stripe goes first: the
//! account's subscriptions are cancelled at once and its customer deleted,
//! so nobody is charged for an account that is gone; if Stripe cannot be
//! reached nothing is deleted and the caller may try again. Then, in one
//! transaction, the account's own rows go, and what the operator keeps (the
//! usage ledger, the audit log) loses the person but keeps amounts and
//! times.

use diesel::Connection;
use serde_json::json;

use super::LifecycleError;
use crate::audit::{self, Action, Actor, Event, Origin};
use crate::billing::Billing;
use crate::db::{Pool, Scope, users};

/// Who deletes the account.
pub enum DeletedBy {
    /// Its owner (the caller has checked their password).
    Owner,
    /// An admin from the console.
    Admin {
        /// The admin.
        actor: Actor,
        /// Their request's origin.
        origin: Origin,
    },
}

/// Deletes account `id`; `false` when there is no such account.
pub async fn delete_account(
    pool: &Pool,
    billing: Option<&Billing>,
    id: i64,
    by: DeletedBy,
) -> Result<bool, LifecycleError> {
    let Some(user) = pool
        .read(Scope::System, move |conn| {
            Ok::<_, LifecycleError>(users::find(conn, id)?)
        })
        .await?
    else {
        return Ok(false);
    };
    if let Some(customer) = &user.stripe_customer_id {
        match billing {
            Some(billing) => billing.forget_customer(customer).await?,
            None => tracing::error!(
                user_id = id,
                %customer,
                "billing is off, so the deleted account's Stripe customer was left; cancel its subscriptions in Stripe's dashboard"
            ),
        }
    }
    let tier = user.tier();
    pool.write(Scope::System, move |conn| {
        conn.transaction(|conn| {
            users::delete(conn, &user)?;
            // The event names nobody: the account is gone, and so is the
            // link from the earlier rows about it.
            let (event, origin) = match by {
                DeletedBy::Owner => (
                    Event::new(Actor::FormerUser, Action::AccountDeleted),
                    Origin::default(),
                ),
                DeletedBy::Admin { actor, origin } => {
                    (Event::new(actor, Action::UserDeleted), origin)
                }
            };
            let event = event.details(json!({"tier": tier.as_str()}));
            audit::record(conn, &origin, event)?;
            Ok::<_, LifecycleError>(())
        })
    })
    .await?;
    tracing::info!(user_id = id, "account deleted");
    Ok(true)
}
