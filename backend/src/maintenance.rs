//! The hourly housekeeping task: expired refresh tokens, mailed links and
//! data exports go, the record of mail and notices sent over 30 days ago
//! (notices: 400 days, past any period they dedupe), conversations past
//! their plan's retention, and audit entries older than the audit
//! retention. Several replicas may each run it: every delete is idempotent.

use std::time::Duration;

use crate::db::{
    self, DbError, Pool, Scope, account_tokens, data_exports, mail_queue, notices, sign_in_throttle,
};
use crate::lifecycle::retention;
use crate::lifecycle::retention::Retention;
use crate::{audit, auth};

/// Starts the task (call within a tokio runtime).
pub fn spawn_hourly(pool: Pool, audit_retention_days: u32, conversations: Retention) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match auth::delete_expired_sessions(&pool).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "expired refresh tokens deleted"),
                Err(e) => tracing::warn!(error = %e, "could not delete expired refresh tokens"),
            }
            let housekeeping = pool
                .write(Scope::System, |conn| {
                    let now = db::now();
                    let links =
                        account_tokens::delete_stale(conn, now - chrono::Duration::days(1))?;
                    let mail = mail_queue::delete_done(conn, now - chrono::Duration::days(30))?;
                    let notices = notices::delete_before(conn, now - chrono::Duration::days(400))?;
                    let exports = data_exports::delete_expired(conn, now)?;
                    let throttles = sign_in_throttle::sweep(conn, now - chrono::Duration::days(1))?;
                    Ok::<_, DbError>(links + mail + notices + exports + throttles)
                })
                .await;
            match housekeeping {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(
                    deleted,
                    "expired links and exports, old mail, notice and sign-in failure records deleted"
                ),
                Err(e) => tracing::warn!(error = %e, "could not delete expired links and records"),
            }
            match retention::apply(&pool, conversations).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "conversations past retention deleted"),
                Err(e) => tracing::warn!(error = %e, "could not apply conversation retention"),
            }
            match audit::prune(&pool, audit_retention_days).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "audit entries past retention deleted"),
                Err(e) => tracing::warn!(error = %e, "could not prune the audit log"),
            }
        }
    });
}
