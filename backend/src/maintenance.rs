//! The hourly housekeeping task: expired refresh tokens and mailed links
//! go, the record of mail sent (or given up) over 30 days ago, and audit
//! entries older than the retention period. Several replicas may each run
//! it: every delete is idempotent.

use std::time::Duration;

use crate::db::{self, DbError, Pool, account_tokens, mail_queue};
use crate::{audit, auth};

/// Starts the task (call within a tokio runtime).
pub fn spawn_hourly(pool: Pool, audit_retention_days: u32) {
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
                .write(|conn| {
                    let now = db::now();
                    let links =
                        account_tokens::delete_stale(conn, now - chrono::Duration::days(1))?;
                    let mail = mail_queue::delete_done(conn, now - chrono::Duration::days(30))?;
                    Ok::<_, DbError>((links, mail))
                })
                .await;
            match housekeeping {
                Ok((0, 0)) => {}
                Ok((links, mail)) => {
                    tracing::info!(links, mail, "expired links and old mail records deleted")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not delete expired links and old mail records")
                }
            }
            match audit::prune(&pool, audit_retention_days).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "audit entries past retention deleted"),
                Err(e) => tracing::warn!(error = %e, "could not prune the audit log"),
            }
        }
    });
}
