//! Taking one's data away: an export is a ZIP of JSON files, one per kind
//! of data, built in the background and kept in the database (so any
//! replica can serve it) for 24 hours. Its download link is signed (HMAC
//! over the export's id and expiry), so a browser can fetch it without the
//! bearer token and nobody can forge one for another export.
//!
//! At most one export an hour (a failed one does not count). A replica
//! that dies while building leaves its export pending; the next status
//! request after the builder's lease runs out builds it again.

use std::io::Write;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use diesel::Connection;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use shared_types::{ApiKeyInfo, DataExport, ExportState, LedgerEntry, ProviderKeyInfo, User};

use super::LifecycleError;
use crate::db::data_exports::{self as queries, ExportRow, Gathered};
use crate::db::{self, DbError, Pool, Scope, rfc3339};
use crate::keys::{api_keys, provider_keys};

/// How long a download link works.
const VALID_FOR: Duration = Duration::hours(24);
/// How often a user may start one.
const ONE_PER: Duration = Duration::hours(1);
/// How long a builder holds a pending export before another may take it.
const LEASE: Duration = Duration::minutes(10);

/// Starts, reports and serves exports (cheap to clone).
#[derive(Clone)]
pub struct Exports {
    pool: Pool,
    key: Arc<[u8; 32]>,
    public_url: String,
}

impl Exports {
    /// Exports whose links point under `public_url`, signed with a key
    /// derived from `secret` (the access-token secret).
    pub fn new(pool: Pool, secret: &[u8], public_url: &str) -> Self {
        Self {
            pool,
            key: Arc::new(link_key(secret)),
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    /// Starts an export of the user's data; 429 when one was started in
    /// the last hour.
    pub async fn start(&self, user_id: i64) -> Result<DataExport, LifecycleError> {
        let started = self
            .pool
            .write(Scope::User(user_id), move |conn| {
                let now = db::now();
                let id = queries::start(conn, user_id, now, now + LEASE, now - ONE_PER)?;
                let latest = queries::latest(conn, user_id, now)?;
                Ok::<_, DbError>((id, latest))
            })
            .await
            .map_err(|e| {
                if e.is_missing_reference() {
                    // The only row an export names is its user's.
                    LifecycleError::AccountGone
                } else {
                    e.into()
                }
            })?;
        match started {
            (Some(id), Some(row)) if row.id == id => {
                self.spawn_build(id, user_id);
                Ok(self.view(&row))
            }
            (_, latest) => {
                let wait = latest.map_or(ONE_PER, |row| row.requested_at + ONE_PER - db::now());
                Err(LifecycleError::ExportTooSoon {
                    retry_after_secs: wait.num_seconds().max(1) as u64,
                })
            }
        }
    }

    /// The user's latest export; 404 when there is none (or it expired).
    pub async fn status(&self, user_id: i64) -> Result<DataExport, LifecycleError> {
        let row = self
            .pool
            .read(Scope::User(user_id), move |conn| {
                Ok::<_, DbError>(queries::latest(conn, user_id, db::now())?)
            })
            .await?
            .ok_or(LifecycleError::NoExport)?;
        if row.state == "pending" && row.claimed_until < db::now() {
            let id = row.id;
            let reclaimed = self
                .pool
                .write(Scope::User(user_id), move |conn| {
                    let now = db::now();
                    Ok::<_, DbError>(queries::reclaim(conn, id, now, now + LEASE)?)
                })
                .await?;
            if reclaimed {
                tracing::info!(
                    export = id,
                    "export left pending by its builder; building again"
                );
                self.spawn_build(id, user_id);
            }
        }
        Ok(self.view(&row))
    }

    /// The archive behind a download link, once the link's signature and
    /// expiry check out.
    pub async fn download(
        &self,
        id: i64,
        expires: i64,
        signature: &str,
    ) -> Result<Vec<u8>, LifecycleError> {
        let signed = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .is_some_and(|sig| mac(&self.key, id, expires).verify_slice(&sig).is_ok());
        if !signed {
            // Forged or altered: schema-valid, but no right to anything.
            return Err(LifecycleError::ForgedLink);
        }
        if expires <= db::now().and_utc().timestamp() {
            return Err(LifecycleError::LinkExpired);
        }
        self.pool
            .read(Scope::System, move |conn| {
                Ok::<_, DbError>(queries::archive(conn, id, db::now())?)
            })
            .await?
            .ok_or(LifecycleError::LinkExpired)
    }

    fn spawn_build(&self, id: i64, user_id: i64) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let built = pool
                .read(Scope::User(user_id), move |conn| {
                    let gathered = conn.transaction(|conn| queries::gather(conn, user_id))?;
                    Ok::<_, DbError>(gathered.map(|g| archive(&g)))
                })
                .await;
            let outcome: Result<(), String> = match built {
                Ok(Some(Ok(zip))) => {
                    let size = zip.len();
                    pool.write(Scope::User(user_id), move |conn| {
                        let now = db::now();
                        Ok::<_, DbError>(queries::finish(conn, id, &zip, now, now + VALID_FOR)?)
                    })
                    .await
                    .map(|_| tracing::info!(export = id, size, "export ready"))
                    .map_err(|e| e.to_string())
                }
                // The account went meanwhile, and its exports with it.
                Ok(None) => return,
                Ok(Some(Err(e))) => Err(format!("zip: {e}")),
                Err(e) => Err(e.to_string()),
            };
            if let Err(error) = outcome {
                tracing::error!(export = id, %error, "export failed");
                // If this write fails too, the export stays pending and is
                // built again once its lease runs out.
                let _ = pool
                    .write(Scope::User(user_id), move |conn| {
                        Ok::<_, DbError>(queries::fail(conn, id)?)
                    })
                    .await;
            }
        });
    }

    fn view(&self, row: &ExportRow) -> DataExport {
        let state = row.state.parse().unwrap_or(ExportState::Failed);
        let download_url = match (state, row.expires_at) {
            (ExportState::Ready, Some(expires_at)) => {
                let expires = expires_at.and_utc().timestamp();
                let signature = sign(&self.key, row.id, expires);
                Some(format!(
                    "{}/api/v1/exports/{}/download?expires={expires}&signature={signature}",
                    self.public_url, row.id
                ))
            }
            _ => None,
        };
        DataExport {
            state,
            requested_at: rfc3339(row.requested_at),
            ready_at: row.ready_at.map(rfc3339),
            expires_at: row.expires_at.map(rfc3339),
            size_bytes: row.size_bytes,
            download_url,
        }
    }
}

/// The links' own key, derived from the access-token secret (one secret to
/// manage, no key used for two purposes).
fn link_key(secret: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"ai-mentor data export links v1");
    mac.finalize().into_bytes().into()
}

fn mac(key: &[u8; 32], id: i64, expires: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{expires}").as_bytes());
    mac
}

/// A link's `signature` parameter.
fn sign(key: &[u8; 32], id: i64, expires: i64) -> String {
    URL_SAFE_NO_PAD.encode(mac(key, id, expires).finalize().into_bytes())
}

/// The ZIP of one user's data.
pub fn archive(data: &Gathered) -> zip::result::ZipResult<Vec<u8>> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, value) in files(data) {
        zip.start_file(name, options)?;
        let text = match value {
            Value::String(text) => text,
            value => serde_json::to_string_pretty(&value).unwrap_or_default(),
        };
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// An audit entry as the user's export holds it: what was done and when,
/// but who did it, from where and with what only when it was the user
/// (an admin's or the operator's email, IP and browser are theirs, not
/// the user's data).
fn about_you(mut entry: shared_types::AuditEntry, user_id: i64) -> shared_types::AuditEntry {
    if entry.actor_id != Some(user_id) {
        entry.actor_id = None;
        entry.actor_email = None;
        entry.ip = None;
        entry.user_agent = None;
    }
    entry
}

/// The archive's files: the API's own shapes where it has them.
fn files(d: &Gathered) -> Vec<(&'static str, Value)> {
    let at = |t: &NaiveDateTime| rfc3339(*t);
    let at_opt = |t: &Option<NaiveDateTime>| t.as_ref().map(at);
    let conversations: Vec<Value> = d
        .conversations
        .iter()
        .map(|c| {
            let messages: Vec<shared_types::Message> = d
                .messages
                .iter()
                .filter(|m| m.conversation_id == c.id)
                .map(Into::into)
                .collect();
            json!(shared_types::Conversation {
                summary: c.into(),
                messages,
            })
        })
        .collect();
    let resumes: Vec<Value> = d
        .resumes
        .iter()
        .map(|row| {
            let mut resume = json!(shared_types::Resume::from(row));
            resume["document"] = json!(crate::resumes::documents::of_row(row));
            resume
        })
        .collect();
    let jobs: Vec<shared_types::Job> = d.jobs.iter().map(Into::into).collect();
    let audit: Vec<shared_types::AuditEntry> = d
        .audit
        .iter()
        .map(|row| about_you(row.into(), d.user.id))
        .collect();
    let usage: Vec<LedgerEntry> = d.usage.iter().cloned().map(LedgerEntry::from).collect();
    let months: Vec<Value> = d
        .quota
        .iter()
        .map(|(period, used, granted)| json!({"month": period, "questions": used, "granted": granted}))
        .collect();
    let subscriptions: Vec<Value> = d
        .subscriptions
        .iter()
        .map(|s| {
            json!({
                "stripe_subscription_id": s.stripe_subscription_id, "tier": s.tier,
                "status": s.status, "current_period_end": at_opt(&s.current_period_end),
                "cancel_at_period_end": s.cancel_at_period_end,
                "created_at": at(&s.created_at), "updated_at": at(&s.updated_at),
            })
        })
        .collect();
    let api_keys: Vec<ApiKeyInfo> = d.api_keys.iter().map(api_keys::info).collect();
    let provider_keys: Vec<ProviderKeyInfo> =
        d.provider_keys.iter().map(provider_keys::info).collect();
    let u = &d.user;
    let account = json!({
        "user": User::from(u),
        "email_verified_at": at_opt(&u.email_verified_at),
        "stripe_customer_id": u.stripe_customer_id,
        "tier_expires_at": at_opt(&u.tier_expires_at),
        "uses_platform_keys_when_own_key_fails": u.byok_fallback,
    });
    vec![
        (
            "README.txt",
            Value::String(README.replace("{date}", &rfc3339(db::now()))),
        ),
        ("account.json", account),
        ("conversations.json", Value::from(conversations)),
        ("resumes.json", json!(resumes)),
        ("saved_jobs.json", json!(jobs)),
        ("usage.json", json!({"asks": usage, "months": months})),
        ("subscriptions.json", Value::from(subscriptions)),
        ("api_keys.json", json!(api_keys)),
        ("provider_keys.json", json!(provider_keys)),
        ("audit.json", json!(audit)),
    ]
}

const README: &str = "AI Mentor: your data, exported {date}

account.json        your account (address, name, plan, settings)
conversations.json  every conversation with its questions and answers
resumes.json        your resumes, with the text read from each file and its
                    structure (a JSON Resume document)
saved_jobs.json     the jobs you saved, with your notes
usage.json          each question asked (model, tokens, cost) and each month's count
subscriptions.json  your subscriptions as Stripe reported them
api_keys.json       your personal API keys (as the API lists them; never the secret)
provider_keys.json  your own AI provider keys (provider, last four, status; never the key)
audit.json          the security and account events by or about you (who acted,
                    and from where, only where it was you)

Times are UTC (RFC 3339). Secrets (passwords, keys) are never exported.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_bound_to_their_export_expiry_and_secret() {
        let key = link_key(b"0123456789abcdef0123456789abcdef");
        assert_eq!(sign(&key, 1, 100), sign(&key, 1, 100));
        assert_ne!(sign(&key, 1, 100), sign(&key, 2, 100));
        assert_ne!(sign(&key, 1, 100), sign(&key, 1, 101));
        let other = link_key(b"another secret of at least 32 bytes!!");
        assert_ne!(sign(&key, 1, 100), sign(&other, 1, 100));
        let sig = URL_SAFE_NO_PAD.decode(sign(&key, 1, 100)).expect("base64");
        assert!(mac(&key, 1, 100).verify_slice(&sig).is_ok());
        assert!(mac(&key, 1, 101).verify_slice(&sig).is_err());
    }
}
