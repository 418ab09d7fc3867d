//! How many extractions run at once: at most one per core on this replica
//! (each child may take 512 MiB and 10 CPU seconds) and at most
//! [`Gate::per_user`] for one user. A user past their share is refused at
//! once; anyone past the machine's waits up to [`Gate::wait`] for a turn,
//! then is refused. Either refusal says when to try again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The extraction slots of this process.
#[derive(Clone)]
pub struct Gate {
    slots: Arc<Semaphore>,
    running: Arc<Mutex<HashMap<i64, usize>>>,
    per_user: usize,
    wait: Duration,
}

/// Why an extraction may not start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The user already has their share running.
    UserBusy,
    /// Every slot stayed taken for the whole wait.
    MachineBusy,
}

/// A turn: the slot and the user's share are given back when it is dropped.
pub struct Turn {
    _slot: OwnedSemaphorePermit,
    user: i64,
    running: Arc<Mutex<HashMap<i64, usize>>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Ok(mut running) = self.running.lock()
            && let Some(count) = running.get_mut(&self.user)
        {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.user);
            }
        }
    }
}

impl Gate {
    /// `slots` at once on this replica, `per_user` of them for one user,
    /// waiting at most `wait` for a slot.
    pub fn new(slots: usize, per_user: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            running: Arc::default(),
            per_user: per_user.max(1),
            wait,
        }
    }

    /// Takes a turn for `user`, or says why not.
    pub async fn enter(&self, user: i64) -> Result<Turn, Refused> {
        {
            let mut running = self.running.lock().map_err(|_| Refused::MachineBusy)?;
            let count = running.entry(user).or_default();
            if *count >= self.per_user {
                return Err(Refused::UserBusy);
            }
            *count += 1;
        }
        // From here the user's share is held: a refusal must give it back,
        // which dropping a `Turn` does; so count first, then wait.
        let release = Release {
            user,
            running: self.running.clone(),
            armed: true,
        };
        let slot = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await;
        match slot {
            Ok(Ok(slot)) => Ok(release.into_turn(slot)),
            _ => Err(Refused::MachineBusy),
        }
    }
}

/// Gives the user's share back unless it became a [`Turn`].
struct Release {
    user: i64,
    running: Arc<Mutex<HashMap<i64, usize>>>,
    armed: bool,
}

impl Release {
    fn into_turn(mut self, slot: OwnedSemaphorePermit) -> Turn {
        self.armed = false;
        Turn {
            _slot: slot,
            user: self.user,
            running: self.running.clone(),
        }
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        if self.armed
            && let Ok(mut running) = self.running.lock()
            && let Some(count) = running.get_mut(&self.user)
        {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_user_gets_their_share_and_the_machine_its_slots() {
        let gate = Gate::new(2, 1, Duration::from_millis(50));
        let first = gate.enter(1).await.expect("a turn");
        assert_eq!(gate.enter(1).await.err(), Some(Refused::UserBusy));
        let second = gate.enter(2).await.expect("a turn");
        // Both slots taken: a third user waits, then is refused.
        assert_eq!(gate.enter(3).await.err(), Some(Refused::MachineBusy));
        drop(first);
        let again = gate.enter(1).await.expect("the share came back");
        drop((again, second));
        assert!(
            gate.running.lock().expect("lock").is_empty(),
            "nothing left counted"
        );
    }

    #[tokio::test]
    async fn a_waiter_gets_the_slot_freed_during_its_wait() {
        let gate = Gate::new(1, 1, Duration::from_secs(5));
        let held = gate.enter(1).await.expect("a turn");
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.enter(2).await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(held);
        assert_eq!(waiting.await.expect("joined"), Ok(()));
    }
}
