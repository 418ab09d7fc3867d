//! Personal API keys: `aim_<public id>_<secret>`, shown once. Only a SHA-256
//! of the secret is stored (the secret is 256 random bits, so a fast hash
//! cannot be reversed by guessing); a key is found by its public id and its
//! secret compared in constant time.

use chrono::TimeDelta;
use diesel::Connection;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared_types::{
    ApiKeyInfo, ApiKeyScope, CreateApiKeyRequest, CreatedApiKey, MAX_API_KEY_DAYS, MAX_API_KEYS,
};
use subtle::ConstantTimeEq;

use crate::ai::catalogue::Catalogue;
use crate::audit::{self, Action, Actor, Event, Origin};
use crate::db::api_keys::{self as db, ApiKeyRow, NewApiKey};
use crate::db::models::UserRow;
use crate::db::{self as database, DbError, Pool, Scope, users};

/// What every key starts with.
pub const PREFIX: &str = "aim_";
/// The longest name kept.
const NAME_CHARS: usize = 100;
/// A key's last use is stamped at most this often (a write per call would
/// cost more than the answer is worth).
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Why a key operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The request is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// No such key among the user's.
    #[error("No API key with this id.")]
    NotFound,
    /// The user holds the most keys allowed.
    #[error("You already have {MAX_API_KEYS} API keys; delete one first.")]
    LimitReached,
    /// The user's plan has no API keys.
    #[error(
        "Your plan does not include API keys. Upgrade to Pro to call AI Mentor from your own tools."
    )]
    PlanRequired,
    /// The key is malformed, unknown, expired or deleted.
    #[error("The API key is invalid, expired or deleted.")]
    Invalid,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for KeyError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// Random bytes as lower-case hex.
fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `aim_<public id>_<secret>` split in two, if it has that shape.
fn parse(key: &str) -> Option<(&str, &str)> {
    let (public_id, secret) = key.strip_prefix(PREFIX)?.split_once('_')?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(public_id, 16) && hex(secret, 64)).then_some((public_id, secret))
}

/// Whether a bearer credential looks like an API key (not a JWT).
pub fn is_api_key(credential: &str) -> bool {
    credential.starts_with(PREFIX)
}

/// The scopes as stored: `ask` and those asked for, in [`ApiKeyScope::ALL`]'s
/// order, comma-separated.
fn stored_scopes(requested: &[ApiKeyScope]) -> String {
    ApiKeyScope::ALL
        .into_iter()
        .filter(|s| *s == ApiKeyScope::Ask || requested.contains(s))
        .map(ApiKeyScope::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// The scopes of a stored key (a name this version does not know is left out).
pub fn scopes(row: &ApiKeyRow) -> Vec<ApiKeyScope> {
    row.scopes
        .split(',')
        .filter_map(ApiKeyScope::parse)
        .collect()
}

/// The API view of a key (never its secret).
pub fn info(row: &ApiKeyRow) -> ApiKeyInfo {
    ApiKeyInfo {
        id: row.id,
        name: row.name.clone(),
        prefix: format!("{PREFIX}{}", row.public_id),
        last4: row.last4.clone(),
        created_at: database::rfc3339(row.created_at),
        last_used_at: row.last_used_at.map(database::rfc3339),
        expires_at: row.expires_at.map(database::rfc3339),
        scopes: scopes(row),
    }
}

fn actor(user: &UserRow) -> Actor {
    Actor::User {
        id: Some(user.id),
        email: user.email.clone(),
    }
}

/// Makes a key for the user, if their plan has API keys and they hold
/// fewer than [`MAX_API_KEYS`].
pub async fn create(
    pool: &Pool,
    catalogue: &Catalogue,
    user_id: i64,
    request: CreateApiKeyRequest,
    origin: &Origin,
) -> Result<CreatedApiKey, KeyError> {
    // As the OpenAPI document says: some text, and the limit counts what
    // was sent.
    let name = request.name.trim().to_string();
    if !shared_types::validation::has_text(&name) || request.name.chars().count() > NAME_CHARS {
        return Err(KeyError::InvalidInput(format!(
            "name must be 1 to {NAME_CHARS} characters."
        )));
    }
    let expires_at = match request.expires_in_days {
        None => None,
        Some(days @ 1..=MAX_API_KEY_DAYS) => {
            Some(database::now() + TimeDelta::days(i64::from(days)))
        }
        Some(_) => {
            return Err(KeyError::InvalidInput(format!(
                "expires_in_days must be 1 to {MAX_API_KEY_DAYS}."
            )));
        }
    };
    let plans: Vec<_> = shared_types::Tier::ALL
        .iter()
        .map(|&t| (t, catalogue.plan(t).api_keys))
        .collect();
    let (public_id, secret) = (random_hex(8), random_hex(32));
    let key = format!("{PREFIX}{public_id}_{secret}");
    let last4 = secret[secret.len() - 4..].to_string();
    let secret_hash = hash(&secret);
    let scopes = stored_scopes(&request.scopes);
    let origin = origin.clone();
    let row = pool
        .write(Scope::User(user_id), move |conn| {
            conn.transaction(|conn| {
                // Lock the user's row first, so concurrent creates count in turn.
                users::touch(conn, user_id)?;
                let user = users::find(conn, user_id)?.ok_or(KeyError::Invalid)?;
                let allowed = plans.iter().any(|(t, on)| *t == user.tier() && *on);
                if !allowed {
                    return Err(KeyError::PlanRequired);
                }
                if db::count(conn, user_id)? >= MAX_API_KEYS as i64 {
                    return Err(KeyError::LimitReached);
                }
                let row = db::insert(
                    conn,
                    &NewApiKey {
                        user_id,
                        public_id: &public_id,
                        secret_hash: &secret_hash,
                        name: &name,
                        last4: &last4,
                        created_at: database::now(),
                        expires_at,
                        scopes: &scopes,
                    },
                )?;
                let event = Event::new(actor(&user), Action::ApiKeyCreated)
                    .on("api_key", row.id.to_string())
                    .details(json!({
                        "name": row.name,
                        "prefix": format!("{PREFIX}{}", row.public_id),
                        "scopes": row.scopes,
                    }));
                audit::record(conn, &origin, event)?;
                Ok(row)
            })
        })
        .await?;
    Ok(CreatedApiKey {
        key,
        info: info(&row),
    })
}

/// The user's keys, newest first.
pub async fn list(pool: &Pool, user_id: i64) -> Result<Vec<ApiKeyInfo>, KeyError> {
    let rows = pool
        .read(Scope::User(user_id), move |conn| {
            db::list(conn, user_id).map_err(KeyError::from)
        })
        .await?;
    Ok(rows.iter().map(info).collect())
}

/// Deletes one of the user's keys: it stops working at once.
pub async fn delete(pool: &Pool, user_id: i64, id: i64, origin: &Origin) -> Result<(), KeyError> {
    let origin = origin.clone();
    pool.write(Scope::User(user_id), move |conn| {
        conn.transaction(|conn| {
            if !db::delete_owned(conn, user_id, id)? {
                return Err(KeyError::NotFound);
            }
            let user = users::find(conn, user_id)?.ok_or(KeyError::Invalid)?;
            let event =
                Event::new(actor(&user), Action::ApiKeyDeleted).on("api_key", id.to_string());
            audit::record(conn, &origin, event)?;
            Ok(())
        })
    })
    .await
}

/// The owner of a valid key and what the key may reach (one query),
/// stamping its last use at most once a minute. A malformed, unknown,
/// expired or mismatched key is `Invalid`; the secret is compared in
/// constant time.
pub async fn authenticate(pool: &Pool, key: &str) -> Result<(UserRow, Vec<ApiKeyScope>), KeyError> {
    let (public_id, secret) = parse(key).ok_or(KeyError::Invalid)?;
    let public_id = public_id.to_string();
    let found = pool
        .read(Scope::System, move |conn| {
            db::find_with_user(conn, &public_id).map_err(KeyError::from)
        })
        .await?;
    let (row, user) = found.ok_or(KeyError::Invalid)?;
    let matches: bool = hash(secret)
        .as_bytes()
        .ct_eq(row.secret_hash.as_bytes())
        .into();
    let now = database::now();
    if !matches || row.expires_at.is_some_and(|end| end <= now) {
        return Err(KeyError::Invalid);
    }
    let granted = scopes(&row);
    if row.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
        let pool = pool.clone();
        tokio::spawn(async move {
            let touched = pool
                .write(Scope::System, move |conn| {
                    db::touch(conn, row.id, now).map_err(DbError::from)
                })
                .await;
            if let Err(e) = touched {
                tracing::warn!(error = %e, "could not stamp an API key's last use");
            }
        });
    }
    Ok((user, granted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_keys_parse() {
        let key = format!("{PREFIX}{}_{}", random_hex(8), random_hex(32));
        assert!(parse(&key).is_some());
        assert!(is_api_key(&key));
        for bad in [
            "aim_",
            "aim_0123456789abcdef",
            "aim_0123456789abcdef_short",
            "xyz_0123456789abcdef_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "aim_0123456789abcdeg_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn every_key_may_ask_and_the_rest_is_what_was_asked_for() {
        use ApiKeyScope::*;
        assert_eq!(stored_scopes(&[]), "ask");
        assert_eq!(stored_scopes(&[Resume, Resume, Ask]), "ask,resume");
        assert_eq!(
            stored_scopes(&[Resume, Conversations]),
            "ask,conversations,resume"
        );
    }

    #[test]
    fn keys_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (random_hex(32), random_hex(32));
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
    }
}
