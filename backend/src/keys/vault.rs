//! Envelope encryption of the users' provider keys.
//!
//! Each user has a random 256-bit data key. It is stored only wrapped
//! (encrypted) by the operator's master key, named by an id so that a
//! rotation can tell old wrappings from new. Provider keys are encrypted by
//! the data key. Both layers use AES-256-GCM (RustCrypto's `aes-gcm`) with a
//! fresh random 96-bit nonce per encryption and associated data that binds
//! the ciphertext to its place:
//!
//! | layer        | associated data                                  |
//! |--------------|--------------------------------------------------|
//! | data key     | `mentor/data-key/v1`, user id, master key id      |
//! | provider key | `mentor/provider-key/v1`, user id, provider name  |
//!
//! So a ciphertext copied to another user's row, or another provider's,
//! fails to decrypt. Stored form: base64 of `version (1) | nonce (12) |
//! ciphertext and tag`.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use zeroize::Zeroizing;

/// The format version of everything this module writes.
const VERSION: u8 = 1;
const NONCE_BYTES: usize = 12;

/// Why something could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// Wrapped under a master key this server does not hold.
    #[error("the data key is wrapped under master key '{0}', which is not configured")]
    UnknownMasterKey(String),
    /// Malformed, tampered with, or moved to another row.
    #[error("a stored key failed to decrypt (tampered with, or not this row's)")]
    Corrupt,
}

/// One master key and its id.
pub struct MasterKey {
    id: String,
    key: SecretBox<[u8; 32]>,
}

impl MasterKey {
    /// Parses 64 hex characters (32 bytes).
    pub fn parse(id: &str, hex_key: &str) -> Result<Self, String> {
        let bytes = Zeroizing::new(hex::decode(hex_key.trim()).map_err(|_| "not hex".to_string())?);
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| format!("{} bytes; 32 are needed (64 hex characters)", bytes.len()))?;
        let id = id.trim();
        if id.is_empty() || id.len() > 64 || id.contains(char::is_whitespace) {
            return Err("the key id must be 1 to 64 characters without spaces".into());
        }
        Ok(Self {
            id: id.to_string(),
            key: SecretBox::new(Box::new(key)),
        })
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(*self.key.expose_secret()))
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({}, [redacted])", self.id)
    }
}

/// The master keys: the current one wraps; the previous one, during a
/// rotation, still unwraps.
#[derive(Debug)]
pub struct Vault {
    current: MasterKey,
    previous: Option<MasterKey>,
}

/// A data key wrapped by a master key, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The master key's id.
    pub master_key_id: String,
    /// The wrapped key (base64).
    pub wrapped: String,
}

/// A user's data key, in memory only while a request uses it.
pub struct DataKey {
    user_id: i64,
    key: SecretBox<[u8; 32]>,
}

impl Vault {
    /// A vault over these keys.
    pub fn new(current: MasterKey, previous: Option<MasterKey>) -> Self {
        Self { current, previous }
    }

    /// Reads `MENTOR_MASTER_KEY` (+ `_ID`, default `primary`) and, during a
    /// rotation, `MENTOR_MASTER_KEY_PREVIOUS` (+ `_ID`). `None` without a key.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let value = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let Some(current) = value("MENTOR_MASTER_KEY") else {
            return Ok(None);
        };
        let current_id = value("MENTOR_MASTER_KEY_ID").unwrap_or_else(|| "primary".into());
        let current = MasterKey::parse(&current_id, &current)
            .map_err(|e| format!("MENTOR_MASTER_KEY: {e}"))?;
        let previous = match value("MENTOR_MASTER_KEY_PREVIOUS") {
            None => None,
            Some(key) => {
                let id = value("MENTOR_MASTER_KEY_PREVIOUS_ID").ok_or(
                    "MENTOR_MASTER_KEY_PREVIOUS_ID must name the previous key (the id its data keys were wrapped under)",
                )?;
                if id.trim() == current.id {
                    return Err(
                        "the previous master key needs an id other than the current one's".into(),
                    );
                }
                Some(
                    MasterKey::parse(&id, &key)
                        .map_err(|e| format!("MENTOR_MASTER_KEY_PREVIOUS: {e}"))?,
                )
            }
        };
        Ok(Some(Self { current, previous }))
    }

    /// The id new wrappings carry.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// A fresh random data key for `user_id`, and its wrapping to store.
    pub fn new_data_key(&self, user_id: i64) -> (DataKey, WrappedKey) {
        let key: [u8; 32] = Aes256Gcm::generate_key(&mut OsRng).into();
        let key = DataKey {
            user_id,
            key: SecretBox::new(Box::new(key)),
        };
        let wrapped = self.wrap(&key);
        (key, wrapped)
    }

    fn wrap(&self, key: &DataKey) -> WrappedKey {
        let aad = data_key_aad(key.user_id, &self.current.id);
        WrappedKey {
            master_key_id: self.current.id.clone(),
            wrapped: seal(&self.current.cipher(), key.key.expose_secret(), &aad),
        }
    }

    /// Unwraps a stored data key of `user_id`.
    pub fn unwrap(&self, user_id: i64, stored: &WrappedKey) -> Result<DataKey, VaultError> {
        let master = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|m| m.id == stored.master_key_id)
            .ok_or_else(|| VaultError::UnknownMasterKey(stored.master_key_id.clone()))?;
        let aad = data_key_aad(user_id, &master.id);
        let plain = Zeroizing::new(open(&master.cipher(), &stored.wrapped, &aad)?);
        let key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Corrupt)?;
        Ok(DataKey {
            user_id,
            key: SecretBox::new(Box::new(key)),
        })
    }

    /// The data key wrapped under the current master key, or `None` if it
    /// already is. The encrypted provider keys are untouched.
    pub fn rewrap(
        &self,
        user_id: i64,
        stored: &WrappedKey,
    ) -> Result<Option<WrappedKey>, VaultError> {
        if stored.master_key_id == self.current.id {
            return Ok(None);
        }
        let key = self.unwrap(user_id, stored)?;
        Ok(Some(self.wrap(&key)))
    }
}

impl DataKey {
    /// Encrypts a provider key of this user.
    pub fn encrypt(&self, provider: &str, api_key: &str) -> String {
        seal(
            &self.cipher(),
            api_key.as_bytes(),
            &provider_key_aad(self.user_id, provider),
        )
    }

    /// Decrypts a provider key of this user.
    pub fn decrypt(&self, provider: &str, stored: &str) -> Result<SecretString, VaultError> {
        let plain = Zeroizing::new(open(
            &self.cipher(),
            stored,
            &provider_key_aad(self.user_id, provider),
        )?);
        let text = std::str::from_utf8(&plain).map_err(|_| VaultError::Corrupt)?;
        Ok(SecretString::from(text.to_string()))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(*self.key.expose_secret()))
    }
}

fn data_key_aad(user_id: i64, master_key_id: &str) -> Vec<u8> {
    [
        b"mentor/data-key/v1\0".as_slice(),
        &user_id.to_be_bytes(),
        master_key_id.as_bytes(),
    ]
    .concat()
}

fn provider_key_aad(user_id: i64, provider: &str) -> Vec<u8> {
    [
        b"mentor/provider-key/v1\0".as_slice(),
        &user_id.to_be_bytes(),
        provider.as_bytes(),
    ]
    .concat()
}

fn seal(cipher: &Aes256Gcm, plain: &[u8], aad: &[u8]) -> String {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(&nonce, Payload { msg: plain, aad })
        .expect("AES-GCM encryption of a short message cannot fail");
    let mut out = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    B64.encode(out)
}

fn open(cipher: &Aes256Gcm, stored: &str, aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    let bytes = B64.decode(stored).map_err(|_| VaultError::Corrupt)?;
    match bytes.split_first() {
        Some((&VERSION, rest)) if rest.len() > NONCE_BYTES => {
            let (nonce, sealed) = rest.split_at(NONCE_BYTES);
            let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| VaultError::Corrupt)?;
            cipher
                .decrypt(&Nonce::from(nonce), Payload { msg: sealed, aad })
                .map_err(|_| VaultError::Corrupt)
        }
        _ => Err(VaultError::Corrupt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(id: &str, byte: u8) -> MasterKey {
        MasterKey::parse(id, &hex::encode([byte; 32])).expect("ok")
    }

    #[test]
    fn a_provider_key_round_trips_and_only_in_its_place() {
        let v = Vault::new(vault("k1", 7), None);
        let (key, wrapped) = v.new_data_key(42);
        let sealed = key.encrypt("openai", "sk-secret-1234");
        assert!(!sealed.contains("sk-secret"));
        let again = v.unwrap(42, &wrapped).expect("ok");
        assert_eq!(
            again
                .decrypt("openai", &sealed)
                .expect("ok")
                .expose_secret(),
            "sk-secret-1234"
        );
        // Another provider's slot, another user's wrapping, a flipped byte.
        assert_eq!(
            again.decrypt("groq", &sealed).expect_err("fails"),
            VaultError::Corrupt
        );
        assert_eq!(v.unwrap(43, &wrapped).err(), Some(VaultError::Corrupt));
        let mut bytes = B64.decode(&sealed).expect("ok");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            again
                .decrypt("openai", &B64.encode(bytes))
                .expect_err("fails"),
            VaultError::Corrupt
        );
        // Each encryption has its own nonce.
        assert_ne!(key.encrypt("openai", "x"), key.encrypt("openai", "x"));
    }

    #[test]
    fn rotation_rewraps_under_the_new_key_and_keeps_the_data() {
        let old = Vault::new(vault("k1", 1), None);
        let (key, wrapped) = old.new_data_key(5);
        let sealed = key.encrypt("anthropic", "sk-ant-xyz");
        let rotating = Vault::new(vault("k2", 2), Some(vault("k1", 1)));
        let rewrapped = rotating.rewrap(5, &wrapped).expect("ok").expect("ok");
        assert_eq!(rewrapped.master_key_id, "k2");
        assert_eq!(rotating.rewrap(5, &rewrapped).expect("ok"), None);
        let after = Vault::new(vault("k2", 2), None);
        let key = after.unwrap(5, &rewrapped).expect("ok");
        assert_eq!(
            key.decrypt("anthropic", &sealed)
                .expect("ok")
                .expose_secret(),
            "sk-ant-xyz"
        );
        assert_eq!(
            after.unwrap(5, &wrapped).err(),
            Some(VaultError::UnknownMasterKey("k1".into()))
        );
    }

    #[test]
    fn master_keys_must_be_32_hex_bytes() {
        assert!(MasterKey::parse("k", "abcd").is_err());
        assert!(MasterKey::parse("k", &"zz".repeat(32)).is_err());
        assert!(MasterKey::parse("", &"00".repeat(32)).is_err());
        let get = |name: &str| match name {
            "MENTOR_MASTER_KEY" => Some("11".repeat(32)),
            "MENTOR_MASTER_KEY_PREVIOUS" => Some("22".repeat(32)),
            _ => None,
        };
        assert!(
            Vault::from_lookup(&get)
                .expect_err("fails")
                .contains("PREVIOUS_ID")
        );
        assert!(Vault::from_lookup(&|_: &str| None).expect("ok").is_none());
    }
}
