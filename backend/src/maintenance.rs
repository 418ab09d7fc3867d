//! The hourly housekeeping task: expired refresh tokens go, and audit
//! entries older than the retention period. Several replicas may each run
//! it: both deletes are idempotent.

use std::time::Duration;

use crate::db::Pool;
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
            match audit::prune(&pool, audit_retention_days).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "audit entries past retention deleted"),
                Err(e) => tracing::warn!(error = %e, "could not prune the audit log"),
            }
        }
    });
}
