//! Explicit stops of answers in progress. A client that goes away does not
//! stop an app's answer (it is written to its end and stored whole); only a
//! stop request does. That request may reach any replica, so it marks the
//! answer's row `stopping` in the database, and tells this replica's
//! running answer at once if it is here. Each replica also looks for marks
//! on the answers it is writing every [`WATCH_EVERY`], but only while it is
//! writing some: one small indexed query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use crate::db::{DbError, Pool, Scope, conversations};

/// How often a replica looks for stops asked of its answers elsewhere.
pub const WATCH_EVERY: Duration = Duration::from_millis(500);

/// The answers this replica is writing, by message id.
#[derive(Default)]
pub struct Stops {
    running: Mutex<HashMap<i64, Arc<Notify>>>,
}

/// One answer being written; dropping it forgets the answer.
pub struct Running {
    id: i64,
    notify: Arc<Notify>,
    stops: Arc<Stops>,
}

impl Running {
    /// Resolves once a stop was asked for.
    pub async fn requested(&self) {
        self.notify.notified().await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stops.lock().remove(&self.id);
    }
}

impl Stops {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<Notify>>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes that this replica writes the answer `message_id`.
    pub fn register(self: &Arc<Self>, message_id: i64) -> Running {
        let notify = Arc::new(Notify::new());
        self.lock().insert(message_id, notify.clone());
        Running {
            id: message_id,
            notify,
            stops: self.clone(),
        }
    }

    /// Stops the answer if this replica writes it; whether it did.
    pub fn signal(&self, message_id: i64) -> bool {
        let notify = self.lock().get(&message_id).cloned();
        // `notify_one` keeps the signal for a stream not yet waiting.
        notify.map(|n| n.notify_one()).is_some()
    }

    /// Looks for stops marked in the database every [`WATCH_EVERY`], for as
    /// long as the server runs.
    pub fn spawn_watch(self: &Arc<Self>, pool: Pool) {
        let stops = Arc::clone(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(WATCH_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Err(e) = stops.check(&pool).await {
                    tracing::warn!(error = %e, "could not look for stopped answers");
                }
            }
        });
    }

    async fn check(&self, pool: &Pool) -> Result<(), DbError> {
        let ids: Vec<i64> = self.lock().keys().copied().collect();
        if ids.is_empty() {
            return Ok(());
        }
        let stopped = pool
            .read(Scope::System, move |conn| {
                conversations::stop_requested(conn, &ids).map_err(DbError::from)
            })
            .await?;
        for id in stopped {
            self.signal(id);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_signal_reaches_an_answer_not_yet_waiting_and_dropping_forgets_it() {
        let stops = Arc::new(Stops::default());
        let running = stops.register(7);
        assert!(stops.signal(7));
        tokio::time::timeout(Duration::from_secs(1), running.requested())
            .await
            .expect("the stop was kept until asked for");
        assert!(!stops.signal(8), "no such answer here");
        drop(running);
        assert!(!stops.signal(7), "forgotten once done");
    }
}
