//! Mail: messages are queued in the database in the same transaction as the
//! change that causes them, and a background sender delivers them through
//! SMTP (`SMTP_URL`) or, without it, writes them as `.eml` files to an outbox
//! folder. A request never waits for a mail server; a message survives a
//! restart and a mail server that is down (retried with backoff).

pub mod templates;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Notify;

use crate::db::mail_queue::{self, NewMail, QueuedMail};
use crate::db::models::UserRow;
use crate::db::{self, Db, DbError, Pool, Scope};

/// The fields every mail about an account gets: its address, and the name
/// the user wrote only once they have proved the address is theirs, so that
/// no one can send words of their own to an address that is not theirs.
pub fn account_fields(user: &UserRow) -> Vec<(&'static str, minijinja::Value)> {
    let name = user
        .full_name
        .clone()
        .filter(|_| user.email_verified_at.is_some());
    vec![
        ("name", minijinja::Value::from(name)),
        ("email", minijinja::Value::from(user.email.as_str())),
    ]
}
pub use templates::{Kind, Templates};

/// How long one try may take before it counts as failed. lettre's own
/// timeout covers only opening the connection (lettre issue #1027).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a sender holds a message it took (longer than a try).
const LEASE: Duration = Duration::from_secs(120);
/// The longest wait between two tries of one message.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Tries before a message is given up (about a day with the default base).
const MAX_ATTEMPTS: i32 = 30;
/// How often the sender looks for due mail when nothing wakes it.
const POLL: Duration = Duration::from_secs(2);

/// Mail settings.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `SMTP_URL`: `smtp://user:pass@host:port` (STARTTLS when the server
    /// offers it; `?tls=required` insists) or `smtps://...` (TLS from the
    /// start). `None`: mail goes to the outbox folder.
    pub smtp_url: Option<SecretString>,
    /// `MENTOR_MAIL_FROM`: the sender, `Name <address>`.
    pub from: String,
    /// `MENTOR_MAIL_OUTBOX`: where mail goes without SMTP (default `./outbox`).
    pub outbox: PathBuf,
    /// The first retry's delay; each next one doubles (default 10 s).
    pub retry_base: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "AI Mentor <no-reply@localhost>".into(),
            outbox: PathBuf::from("outbox"),
            retry_base: Duration::from_secs(10),
        }
    }
}

/// Where mail goes.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

/// Queues mail and delivers it.
#[derive(Clone)]
pub struct Mailer {
    pool: Pool,
    transport: Arc<Transport>,
    from: Mailbox,
    templates: Arc<Templates>,
    retry_base: Duration,
    wake: Arc<Notify>,
}

impl Mailer {
    /// Checks the settings; links in mail point under `public_url`.
    pub fn new(settings: &MailSettings, public_url: &str, pool: Pool) -> Result<Self, String> {
        let from: Mailbox = settings.from.parse().map_err(|e| {
            format!(
                "MENTOR_MAIL_FROM '{}' is not an address: {e}",
                settings.from
            )
        })?;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(smtp(url.expose_secret())?),
            None => {
                std::fs::create_dir_all(&settings.outbox).map_err(|e| {
                    format!(
                        "cannot create the mail outbox {}: {e}",
                        settings.outbox.display()
                    )
                })?;
                let outbox = settings
                    .outbox
                    .canonicalize()
                    .unwrap_or_else(|_| settings.outbox.clone());
                tracing::info!(outbox = %outbox.display(), "no SMTP_URL: mail is written to the outbox folder as .eml files");
                Transport::Outbox(AsyncFileTransport::new(outbox))
            }
        };
        Ok(Self {
            pool,
            transport: Arc::new(transport),
            from,
            templates: Arc::new(Templates::new(public_url)),
            retry_base: settings.retry_base,
            wake: Arc::new(Notify::new()),
        })
    }

    /// The templates (and the links they make).
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// Queues `mail` for `to` on `conn`, inside the caller's transaction:
    /// it is sent only if that transaction commits. Call [`Mailer::wake`]
    /// after the commit so it leaves at once.
    pub fn queue(
        &self,
        conn: &mut Db,
        to: &str,
        kind: Kind,
        mail: templates::Rendered,
        expires_at: Option<chrono::NaiveDateTime>,
    ) -> Result<i64, DbError> {
        let now = db::now();
        Ok(mail_queue::insert(
            conn,
            &NewMail {
                recipient: to.to_string(),
                subject: mail.subject,
                text_body: mail.text,
                html_body: mail.html,
                kind: kind.name().to_string(),
                next_attempt_at: now,
                expires_at,
                created_at: now,
            },
        )?)
    }

    /// Tells the sender that mail is waiting.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts the sender (call within a tokio runtime). Several replicas
    /// may each run one: a message is taken by one sender at a time.
    pub fn spawn_sender(&self) {
        let mailer = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = mailer.send_due().await {
                    tracing::warn!(error = %e, "could not read the mail queue");
                }
                tokio::select! {
                    _ = mailer.wake.notified() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
        });
    }

    /// Tries every message that is due.
    async fn send_due(&self) -> Result<(), DbError> {
        loop {
            let due = self
                .pool
                .write(Scope::System, |conn| {
                    let now = db::now();
                    let lease = now + LEASE;
                    let mut taken = Vec::new();
                    for mail in mail_queue::due(conn, now, 20)? {
                        if mail_queue::claim(conn, &mail, lease)? {
                            taken.push(mail);
                        }
                    }
                    Ok::<_, DbError>(taken)
                })
                .await?;
            if due.is_empty() {
                return Ok(());
            }
            for mail in due {
                self.try_one(mail).await?;
            }
        }
    }

    async fn try_one(&self, mail: QueuedMail) -> Result<(), DbError> {
        let (id, kind, attempts) = (mail.id, mail.kind.clone(), mail.attempts + 1);
        let now = db::now();
        if mail.expires_at.is_some_and(|at| at <= now) {
            tracing::warn!(
                id,
                kind,
                "mail dropped: its link expired before it could be sent"
            );
            return self
                .pool
                .write(Scope::System, move |conn| {
                    mail_queue::give_up(conn, id, "expired before it could be sent", db::now())
                        .map_err(DbError::from)
                })
                .await
                .map(drop);
        }
        match self.deliver(&mail).await {
            Ok(()) => {
                tracing::info!(id, kind, attempts, "mail sent");
                self.pool
                    .write(Scope::System, move |conn| {
                        mail_queue::mark_sent(conn, id, db::now()).map_err(DbError::from)
                    })
                    .await?;
            }
            Err(failure) if failure.permanent || attempts >= MAX_ATTEMPTS => {
                tracing::error!(id, kind, attempts, error = %failure.reason, "mail given up");
                self.pool
                    .write(Scope::System, move |conn| {
                        mail_queue::give_up(conn, id, &failure.reason, db::now())
                            .map_err(DbError::from)
                    })
                    .await?;
            }
            Err(failure) => {
                let wait = backoff(self.retry_base, attempts);
                tracing::warn!(id, kind, attempts, retry_in_secs = wait.as_secs_f64(), error = %failure.reason, "mail not sent; will retry");
                let at = db::now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                self.pool
                    .write(Scope::System, move |conn| {
                        mail_queue::retry_at(conn, id, &failure.reason, at).map_err(DbError::from)
                    })
                    .await?;
            }
        }
        Ok(())
    }

    async fn deliver(&self, mail: &QueuedMail) -> Result<(), Failure> {
        let to: Mailbox = mail.recipient.parse().map_err(|e| Failure {
            reason: format!("the recipient is not an address: {e}"),
            permanent: true,
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.text_body.clone(),
                mail.html_body.clone(),
            ))
            .map_err(|e| Failure {
                reason: format!("the message could not be built: {e}"),
                permanent: true,
            })?;
        match &*self.transport {
            Transport::Smtp(smtp) => {
                match tokio::time::timeout(SEND_TIMEOUT, smtp.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(Failure {
                        permanent: e.is_permanent(),
                        reason: e.to_string(),
                    }),
                    Err(_) => Err(Failure {
                        reason: format!("no answer from the SMTP server in {SEND_TIMEOUT:?}"),
                        permanent: false,
                    }),
                }
            }
            Transport::Outbox(outbox) => {
                outbox.send(message).await.map(drop).map_err(|e| Failure {
                    reason: format!("could not write to the outbox: {e}"),
                    permanent: false,
                })
            }
        }
    }
}

/// Why a try failed, and whether trying again could help.
struct Failure {
    reason: String,
    permanent: bool,
}

/// The wait after the `attempts`-th failed try: `base` doubled each time,
/// at most an hour.
fn backoff(base: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

/// The SMTP transport for `url`: `smtp://` upgrades with STARTTLS when the
/// server offers it (unless the URL names `tls=`), `smtps://` is TLS from
/// the start.
fn smtp(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let opportunistic = url.starts_with("smtp://") && !url.contains("tls=");
    let url = if opportunistic {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}tls=opportunistic")
    } else {
        url.to_string()
    };
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
        // Never echo the URL: it may hold the password.
        .map_err(|e| format!("SMTP_URL is not usable: {e}"))?
        .timeout(Some(SEND_TIMEOUT))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(base, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, 2), Duration::from_secs(20));
        assert_eq!(backoff(base, 4), Duration::from_secs(80));
        assert_eq!(backoff(base, 29), MAX_BACKOFF);
    }

    #[test]
    fn smtp_urls_are_checked_without_echoing_them() {
        assert!(smtp("smtp://user:secret@localhost:2525").is_ok());
        assert!(smtp("smtps://user:secret@mail.example").is_ok());
        let err = smtp("imap://user:secret@mail.example").expect_err("refused");
        assert!(!err.contains("secret"), "{err}");
    }
}
