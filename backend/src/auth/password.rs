//! Password hashing with argon2id (OWASP's recommended parameters), on a
//! small pool that bounds how many hashes run at once and reuses their
//! memory.
//!
//! Each hash needs 19 MiB. Run on tokio's blocking threads with a fresh
//! allocation each, a burst of sign-ins kept a 19 MiB arena per thread
//! (glibc raises its mmap threshold after the first free, so later
//! allocations stay in the arenas): 24 sign-ups took a server from 30 to
//! 401 MB. [`Hasher`] lets as many hashes run as there are cores (at most
//! [`MAX_SLOTS`]), each in a buffer it keeps, so memory is bounded by
//! `slots × 19 MiB` whatever the load; callers past those wait up to
//! [`Hasher::new`]'s `wait`, then get [`Busy`].

use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

/// The most hashes that run at once, whatever the core count: each holds
/// 19 MiB for as long as the process lives.
pub const MAX_SLOTS: usize = 4;

/// OWASP's first recommended argon2id setting: 19 MiB, 2 passes, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// The memory one hash works in, kept between hashes.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    /// The first `blocks` blocks, grown to that size if needed.
    fn blocks(&mut self, blocks: usize) -> &mut [Block] {
        if self.0.len() < blocks {
            self.0.resize(blocks, Block::default());
        }
        &mut self.0[..blocks]
    }
}

/// Hashes a password into a PHC string with a fresh random salt.
pub fn hash(memory: &mut Memory, password: &str) -> Result<String, String> {
    let fail = |e: &dyn std::fmt::Display| format!("password hashing failed: {e}");
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let params = params();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    run(&argon2, &params, memory, password, salt_bytes, &mut out).map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the stored PHC string (compared in constant
/// time; a string that is not an argon2 PHC never matches).
pub fn verify(memory: &mut Memory, password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    run(&argon2, &params, memory, password, salt_bytes, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|out| out == expected)
}

/// One argon2 computation into `out`, in `memory`.
fn run(
    argon2: &Argon2<'_>,
    params: &Params,
    memory: &mut Memory,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    argon2.hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        out,
        memory.blocks(params.block_count()),
    )
}

/// A hash to verify against when the email is unknown, so that an unknown
/// email takes as long to refuse as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash(&mut Memory::default(), "dummy password for timing").unwrap_or_default());

/// Every slot was busy for longer than the wait.
#[derive(Debug, thiserror::Error)]
#[error("Too many sign-ins are being checked right now; try again in a few seconds.")]
pub struct Busy;

/// Where hashes run: at most `slots` at once, each in memory kept for reuse.
#[derive(Clone)]
pub struct Hasher {
    slots: Arc<Semaphore>,
    memories: Arc<Mutex<Vec<Memory>>>,
    wait: Duration,
}

impl Hasher {
    /// A pool of `slots` (1 to [`MAX_SLOTS`]); a caller waits at most `wait`
    /// for one.
    pub fn new(slots: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots.clamp(1, MAX_SLOTS))),
            memories: Arc::default(),
            wait,
        }
    }

    /// As many slots as the machine has cores (up to [`MAX_SLOTS`]), with a
    /// 10-second wait.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores, Duration::from_secs(10))
    }

    /// Runs `work` in a slot, off the async workers.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let memories = self.memories.clone();
        let take = || memories.lock().map(|mut m| m.pop()).ok().flatten();
        let mut memory = take().unwrap_or_default();
        let (result, memory) = tokio::task::spawn_blocking(move || {
            let result = work(&mut memory);
            (result, memory)
        })
        .await
        .map_err(|_| Busy)?;
        if let Ok(mut kept) = self.memories.lock() {
            kept.push(memory);
        }
        drop(permit);
        Ok(result)
    }

    /// [`hash`], in a slot.
    pub async fn hash(&self, password: String) -> Result<Result<String, String>, Busy> {
        self.run(move |memory| hash(memory, &password)).await
    }

    /// [`verify`], in a slot.
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, Busy> {
        self.run(move |memory| verify(memory, &password, &phc))
            .await
    }

    /// Spends the time of one verification, in a slot, and returns `false`.
    pub async fn verify_dummy(&self, password: String) -> Result<bool, Busy> {
        self.run(move |memory| {
            verify(memory, &password, &DUMMY_HASH);
            false
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let memory = &mut Memory::default();
        let phc = hash(memory, "correct horse battery").expect("hashes");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify(memory, "correct horse battery", &phc));
        assert!(!verify(memory, "correct horse batterx", &phc));
        assert!(!verify(memory, "anything", "not a phc string"));
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let phc = argon2
            .hash_password(b"an older hash", &salt)
            .expect("hash")
            .to_string();
        let memory = &mut Memory::default();
        assert!(verify(memory, "an older hash", &phc));
        assert!(!verify(memory, "an older hasH", &phc));
        // And the crate verifies ours.
        use argon2::password_hash::PasswordVerifier;
        let ours = hash(memory, "ours").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(argon2.verify_password(b"ours", &parsed).is_ok());
    }

    #[test]
    fn two_hashes_of_one_password_differ() {
        let memory = &mut Memory::default();
        assert_ne!(
            hash(memory, "same password!").ok(),
            hash(memory, "same password!").ok()
        );
    }

    #[tokio::test]
    async fn a_caller_past_the_slots_waits_then_is_told_busy() {
        let hasher = Hasher::new(1, Duration::from_millis(50));
        let slow = hasher.clone();
        let held = tokio::spawn(async move {
            slow.run(|_| std::thread::sleep(Duration::from_millis(500)))
                .await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(hasher.verify("x".into(), "y".into()).await.is_err());
        assert!(held.await.expect("joined").is_ok());
        assert_eq!(
            hasher.verify("x".into(), "y".into()).await.ok(),
            Some(false)
        );
        assert_eq!(
            hasher.memories.lock().expect("lock").len(),
            1,
            "the memory is kept"
        );
    }
}
