//! Bring your own key: the users' own AI provider keys, checked with the
//! provider on save, stored encrypted ([`super::vault`]), and decrypted only
//! for the ask that uses one. No HTTP here.
//!
//! A key is sent only to the provider's configured address (the operator's
//! `{PROVIDER}_BASE_URL` or the provider's own); users cannot choose one.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::Connection;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use shared_types::{BYOK_PROVIDERS, ProviderKeyInfo, ProviderKeyStatus, ProviderKeys, Tier};

use super::vault::{DataKey, Vault, VaultError, WrappedKey};
use crate::ai::catalogue::Catalogue;
use crate::ai::router::AiRouter;
use crate::ai::{ProviderError, ProviderErrorKind};
use crate::audit::{self, Action, Actor, Event, Origin};
use crate::db::models::UserRow;
use crate::db::provider_keys::{self as db, DataKeyRow, ProviderKeyRow};
use crate::db::{self as database, Db, DbError, Pool, Scope, users};

/// The shortest and longest key accepted.
const KEY_CHARS: std::ops::RangeInclusive<usize> = 8..=512;
/// Data keys re-wrapped per transaction by a rotation.
const ROTATE_BATCH: i64 = 500;

/// Why a provider-key operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ByokError {
    /// `MENTOR_MASTER_KEY` is not set.
    #[error(
        "This server does not store provider keys: the operator has not set MENTOR_MASTER_KEY."
    )]
    NotConfigured,
    /// The request is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// The user's plan may not bring keys.
    #[error("Your plan does not include using your own provider keys. Upgrade to Pro for it.")]
    PlanRequired,
    /// The provider refused the key.
    #[error("{provider} refused this key (HTTP {status}). Check that you copied all of it.")]
    Refused {
        /// The provider.
        provider: String,
        /// Its answer.
        status: u16,
    },
    /// No key for this provider.
    #[error("You have no key for this provider.")]
    NotFound,
    /// The path names no provider one can bring a key for.
    #[error("{0}")]
    UnknownProvider(String),
    /// A stored key could not be decrypted.
    #[error("A stored key could not be read: {0}")]
    Vault(#[from] VaultError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ByokError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// One of the user's keys, decrypted for the ask that uses it.
pub struct UserKey {
    /// The owner.
    pub user_id: i64,
    /// The provider.
    pub provider: String,
    /// The key.
    pub api_key: SecretString,
    /// Its ciphertext, to name this very key when marking it invalid.
    pub ciphertext: String,
    /// What its last check found.
    pub status: ProviderKeyStatus,
}

/// The user's keys, sealed until one is needed.
pub struct SealedKeys {
    user_id: i64,
    data_key: DataKey,
    rows: HashMap<String, ProviderKeyRow>,
}

impl SealedKeys {
    /// Whether there is a key for `provider`.
    pub fn has(&self, provider: &str) -> bool {
        self.rows.contains_key(provider)
    }

    /// Decrypts the key for `provider`.
    pub fn open(&self, provider: &str) -> Result<Option<UserKey>, VaultError> {
        let Some(row) = self.rows.get(provider) else {
            return Ok(None);
        };
        Ok(Some(UserKey {
            user_id: self.user_id,
            provider: provider.to_string(),
            api_key: self.data_key.decrypt(provider, &row.ciphertext)?,
            ciphertext: row.ciphertext.clone(),
            status: ProviderKeyStatus::parse(&row.status).unwrap_or(ProviderKeyStatus::Unverified),
        }))
    }
}

/// How a check of a key with its provider came out.
enum Check {
    Accepted,
    Refused(u16),
    /// Busy, failing or unreachable: the key may be fine.
    Unsure(String),
}

/// The users' provider keys.
#[derive(Clone)]
pub struct Byok {
    pool: Pool,
    vault: Option<Arc<Vault>>,
    router: Arc<AiRouter>,
}

impl Byok {
    /// Wires the service; without a vault every route answers
    /// [`ByokError::NotConfigured`].
    pub fn new(pool: Pool, vault: Option<Arc<Vault>>, router: Arc<AiRouter>) -> Self {
        Self {
            pool,
            vault,
            router,
        }
    }

    /// Whether keys can be stored.
    pub fn is_configured(&self) -> bool {
        self.vault.is_some()
    }

    fn vault(&self) -> Result<&Arc<Vault>, ByokError> {
        self.vault.as_ref().ok_or(ByokError::NotConfigured)
    }

    /// The user's keys and settings.
    pub async fn list(
        &self,
        user_id: i64,
        catalogue: &Catalogue,
    ) -> Result<ProviderKeys, ByokError> {
        self.vault()?;
        let plans = byok_plans(catalogue);
        let (user, rows) = self
            .pool
            .read(Scope::User(user_id), move |conn| {
                let user = users::find(conn, user_id)?.ok_or(ByokError::NotFound)?;
                Ok::<_, ByokError>((user, db::list(conn, user_id)?))
            })
            .await?;
        Ok(ProviderKeys {
            keys: rows.iter().map(info).collect(),
            fallback_to_platform: user.byok_fallback,
            allowed: plans.contains(&user.tier()),
        })
    }

    /// Checks a key with its provider and, unless refused, stores it.
    pub async fn put(
        &self,
        user_id: i64,
        provider: &str,
        api_key: String,
        catalogue: &Catalogue,
        origin: &Origin,
    ) -> Result<ProviderKeyInfo, ByokError> {
        let vault = self.vault()?.clone();
        let provider = known(provider)?;
        let api_key = SecretString::from(api_key.trim().to_string());
        let chars = api_key.expose_secret().chars().count();
        if !KEY_CHARS.contains(&chars)
            || api_key
                .expose_secret()
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ByokError::InvalidInput(format!(
                "api_key must be {} to {} characters without spaces.",
                KEY_CHARS.start(),
                KEY_CHARS.end()
            )));
        }
        let plans = byok_plans(catalogue);
        let tier = self
            .pool
            .read(Scope::User(user_id), move |conn| {
                Ok::<_, ByokError>(users::find(conn, user_id)?.map(|u| u.tier()))
            })
            .await?
            .ok_or(ByokError::NotFound)?;
        if !plans.contains(&tier) {
            return Err(ByokError::PlanRequired);
        }
        let (status, last_error) = match self.check(provider, &api_key).await {
            Check::Refused(status) => {
                return Err(ByokError::Refused {
                    provider: provider.into(),
                    status,
                });
            }
            Check::Accepted => (ProviderKeyStatus::Verified, None),
            Check::Unsure(why) => (ProviderKeyStatus::Unverified, Some(why)),
        };
        let key = api_key.expose_secret();
        let last4: String = key.chars().skip(chars - 4).collect();
        let origin = origin.clone();
        let provider = provider.to_string();
        let row = self
            .pool
            .write(Scope::User(user_id), move |conn| {
                conn.transaction(|conn| {
                    // Lock the user's row, so two first saves make one data key.
                    users::touch(conn, user_id)?;
                    let user = users::find(conn, user_id)?.ok_or(ByokError::NotFound)?;
                    let data_key =
                        data_key_for(conn, &vault, user_id, true)?.expect("created when missing");
                    let now = database::now();
                    let row = ProviderKeyRow {
                        user_id,
                        provider: provider.clone(),
                        ciphertext: data_key.encrypt(&provider, api_key.expose_secret()),
                        last4,
                        status: status.as_str().into(),
                        verified_at: (status == ProviderKeyStatus::Verified).then_some(now),
                        last_error,
                        created_at: now,
                        updated_at: now,
                    };
                    db::upsert(conn, &row)?;
                    let event = Event::new(actor(&user), Action::ProviderKeySaved)
                        .on("provider_key", provider.clone())
                        .details(json!({"last4": row.last4, "status": row.status}));
                    audit::record(conn, &origin, event)?;
                    Ok::<_, ByokError>(row)
                })
            })
            .await?;
        Ok(info(&row))
    }

    /// Checks a stored key with its provider again and records the outcome.
    pub async fn verify(&self, user_id: i64, provider: &str) -> Result<ProviderKeyInfo, ByokError> {
        let vault = self.vault()?.clone();
        let provider = known(provider)?.to_string();
        let key = {
            let provider = provider.clone();
            self.pool
                .read(Scope::User(user_id), move |conn| {
                    let sealed = sealed(conn, &vault, user_id)?.ok_or(ByokError::NotFound)?;
                    sealed.open(&provider)?.ok_or(ByokError::NotFound)
                })
                .await?
        };
        let (status, error) = match self.check(&provider, &key.api_key).await {
            Check::Accepted => (ProviderKeyStatus::Verified, None),
            Check::Refused(code) => (
                ProviderKeyStatus::Invalid,
                Some(format!("The provider refused the key (HTTP {code}).")),
            ),
            Check::Unsure(why) => (ProviderKeyStatus::Unverified, Some(why)),
        };
        self.record_status(user_id, &provider, &key.ciphertext, status, error)
            .await?;
        let row = self
            .pool
            .read(Scope::User(user_id), move |conn| {
                db::find(conn, user_id, &provider)?.ok_or(ByokError::NotFound)
            })
            .await?;
        Ok(info(&row))
    }

    /// Marks a key the provider refused during an ask.
    pub async fn mark_invalid(&self, key: &UserKey, error: &ProviderError) {
        let code = match error.kind {
            ProviderErrorKind::Status(code) => code,
            _ => 401,
        };
        let message = format!("The provider refused the key when it was used (HTTP {code}).");
        let recorded = self
            .record_status(
                key.user_id,
                &key.provider,
                &key.ciphertext,
                ProviderKeyStatus::Invalid,
                Some(message),
            )
            .await;
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not mark a refused provider key invalid");
        }
    }

    async fn record_status(
        &self,
        user_id: i64,
        provider: &str,
        ciphertext: &str,
        status: ProviderKeyStatus,
        error: Option<String>,
    ) -> Result<(), ByokError> {
        let (provider, ciphertext) = (provider.to_string(), ciphertext.to_string());
        self.pool
            .write(Scope::User(user_id), move |conn| {
                db::set_status(
                    conn,
                    user_id,
                    &provider,
                    &ciphertext,
                    status.as_str(),
                    error.as_deref(),
                    database::now(),
                )?;
                Ok::<_, ByokError>(())
            })
            .await
    }

    /// Deletes one of the user's keys.
    pub async fn delete(
        &self,
        user_id: i64,
        provider: &str,
        origin: &Origin,
    ) -> Result<(), ByokError> {
        self.vault()?;
        let provider = known(provider)?.to_string();
        let origin = origin.clone();
        self.pool
            .write(Scope::User(user_id), move |conn| {
                conn.transaction(|conn| {
                    if !db::delete(conn, user_id, &provider)? {
                        return Err(ByokError::NotFound);
                    }
                    let user = users::find(conn, user_id)?.ok_or(ByokError::NotFound)?;
                    let event = Event::new(actor(&user), Action::ProviderKeyDeleted)
                        .on("provider_key", provider.clone());
                    audit::record(conn, &origin, event)?;
                    Ok(())
                })
            })
            .await
    }

    /// Turns the platform fallback on or off.
    pub async fn set_fallback(
        &self,
        user_id: i64,
        on: bool,
        catalogue: &Catalogue,
    ) -> Result<ProviderKeys, ByokError> {
        self.vault()?;
        self.pool
            .write(Scope::User(user_id), move |conn| {
                Ok::<_, ByokError>(users::set_byok_fallback(conn, user_id, on)?)
            })
            .await?;
        self.list(user_id, catalogue).await
    }

    /// Whether an ask on a plan that allows own keys (`plan_allows`) reads
    /// the user's keys ([`Self::for_ask`]).
    pub fn in_play(&self, plan_allows: bool) -> bool {
        self.vault.is_some() && plan_allows
    }

    /// The user's keys for an ask, sealed, when their plan may use them and
    /// they have any (`conn` is the ask's own read connection).
    pub fn for_ask(
        &self,
        conn: &mut Db,
        user: &UserRow,
        plan_allows: bool,
    ) -> Result<Option<SealedKeys>, ByokError> {
        match &self.vault {
            Some(vault) if plan_allows => sealed(conn, vault, user.id),
            _ => Ok(None),
        }
    }

    /// The provider at its configured address with this key.
    pub fn provider_with(&self, key: &UserKey) -> Option<Arc<dyn crate::ai::Provider>> {
        self.router
            .with_user_key(&key.provider, key.api_key.clone())
    }

    async fn check(&self, provider: &str, api_key: &SecretString) -> Check {
        let Some(client) = self.router.with_user_key(provider, api_key.clone()) else {
            return Check::Unsure("this provider cannot be checked".into());
        };
        match client.check_key().await {
            Ok(()) => Check::Accepted,
            Err(e) => match e.kind {
                ProviderErrorKind::Status(code @ (401 | 403)) => Check::Refused(code),
                ProviderErrorKind::Status(code) => Check::Unsure(format!(
                    "The provider could not check the key just now (HTTP {code}); it will be tried when you ask."
                )),
                _ => Check::Unsure(
                    "The provider could not be reached to check the key; it will be tried when you ask."
                        .into(),
                ),
            },
        }
    }
}

/// Re-wraps every data key under the current master key, in batches; the
/// encrypted provider keys are not touched. Returns how many were re-wrapped.
pub fn rotate(conn: &mut Db, vault: &Vault) -> Result<u64, ByokError> {
    let mut done = 0u64;
    let mut failed: Vec<i64> = Vec::new();
    loop {
        let batch =
            db::data_keys_not_under(conn, vault.current_id(), ROTATE_BATCH + failed.len() as i64)?;
        let todo: Vec<&DataKeyRow> = batch
            .iter()
            .filter(|r| !failed.contains(&r.user_id))
            .collect();
        if todo.is_empty() {
            break;
        }
        let (rewrapped, unreadable) = conn.transaction(|conn| {
            let (mut rewrapped, mut unreadable) = (0u64, Vec::new());
            for row in &todo {
                let stored = WrappedKey {
                    master_key_id: row.master_key_id.clone(),
                    wrapped: row.wrapped.clone(),
                };
                match vault.rewrap(row.user_id, &stored) {
                    Ok(Some(new)) => {
                        let now = database::now();
                        if db::rewrap(conn, row, &new.master_key_id, &new.wrapped, now)? {
                            rewrapped += 1;
                        }
                    }
                    Ok(None) => {}
                    Err(_) => unreadable.push(row.user_id),
                }
            }
            if rewrapped > 0 {
                let event = Event::new(Actor::System, Action::MasterKeyRotated)
                    .details(json!({"master_key_id": vault.current_id(), "rewrapped": rewrapped}));
                audit::record(conn, &Origin::default(), event)?;
            }
            Ok::<_, ByokError>((rewrapped, unreadable))
        })?;
        done += rewrapped;
        failed.extend(unreadable);
    }
    if let Some(&first) = failed.first() {
        return Err(ByokError::InvalidInput(format!(
            "{} data keys could not be re-wrapped (the first: user {first}); is MENTOR_MASTER_KEY_PREVIOUS set to the key they are under?",
            failed.len()
        )));
    }
    Ok(done)
}

/// How many data keys each master key wraps.
pub fn master_key_census(conn: &mut Db) -> Result<Vec<(String, i64)>, ByokError> {
    Ok(db::count_by_master(conn)?)
}

fn sealed(conn: &mut Db, vault: &Vault, user_id: i64) -> Result<Option<SealedKeys>, ByokError> {
    let rows = db::list(conn, user_id)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let Some(data_key) = data_key_for(conn, vault, user_id, false)? else {
        return Ok(None);
    };
    Ok(Some(SealedKeys {
        user_id,
        data_key,
        rows: rows.into_iter().map(|r| (r.provider.clone(), r)).collect(),
    }))
}

/// The user's data key, unwrapped; made and stored first if `create`.
fn data_key_for(
    conn: &mut Db,
    vault: &Vault,
    user_id: i64,
    create: bool,
) -> Result<Option<DataKey>, ByokError> {
    if let Some(row) = db::data_key(conn, user_id)? {
        let stored = WrappedKey {
            master_key_id: row.master_key_id,
            wrapped: row.wrapped,
        };
        return Ok(Some(vault.unwrap(user_id, &stored)?));
    }
    if !create {
        return Ok(None);
    }
    let (key, wrapped) = vault.new_data_key(user_id);
    db::insert_data_key(
        conn,
        user_id,
        &wrapped.master_key_id,
        &wrapped.wrapped,
        database::now(),
    )?;
    Ok(Some(key))
}

fn known(provider: &str) -> Result<&'static str, ByokError> {
    BYOK_PROVIDERS
        .into_iter()
        .find(|p| *p == provider)
        .ok_or_else(|| {
            ByokError::UnknownProvider(format!(
                "'{provider}' is not a provider you can bring a key for; use one of {}.",
                BYOK_PROVIDERS.join(", ")
            ))
        })
}

fn byok_plans(catalogue: &Catalogue) -> Vec<Tier> {
    Tier::ALL
        .iter()
        .copied()
        .filter(|&t| catalogue.plan(t).byok)
        .collect()
}

/// The API view of a key (never the key).
pub fn info(row: &ProviderKeyRow) -> ProviderKeyInfo {
    ProviderKeyInfo {
        provider: row.provider.clone(),
        last4: row.last4.clone(),
        status: ProviderKeyStatus::parse(&row.status).unwrap_or(ProviderKeyStatus::Unverified),
        verified_at: row.verified_at.map(database::rfc3339),
        last_error: row.last_error.clone(),
    }
}

fn actor(user: &UserRow) -> Actor {
    Actor::User {
        id: Some(user.id),
        email: user.email.clone(),
    }
}
