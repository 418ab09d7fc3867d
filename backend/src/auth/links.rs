//! Mailed links: proving the address, and resetting a forgotten password.
//!
//! A link carries a token of 256 random bits; only its SHA-256 is stored,
//! with its purpose, its user and the address it went to. A token is used
//! once (one conditional UPDATE), only for its purpose, only while the
//! account still has that address, and only before it expires: 24 hours
//! for verification, 30 minutes for a reset.

use chrono::NaiveDateTime;
use diesel::Connection;
use minijinja::Value;
use shared_types::validation;
use shared_types::{User, UserId};

use super::{Accounts, AuthError, actor, tokens};
use crate::audit::{self, Action, Event, Origin};
use crate::db::account_tokens::{self, Purpose};
use crate::db::models::UserRow;
use crate::db::{self, Db, Scope, mail_queue, refresh_tokens, sign_in_throttle, users};
use crate::mail::Kind;

/// How long a verification link works.
pub const VERIFY_VALID_FOR: chrono::Duration = chrono::Duration::hours(24);
/// How long a reset link works.
pub const RESET_VALID_FOR: chrono::Duration = chrono::Duration::minutes(30);

impl Accounts {
    /// Queues the mail that proves `user`'s address, on `conn` (inside the
    /// caller's transaction); earlier unused links stop working.
    pub(super) fn queue_verification(
        &self,
        conn: &mut Db,
        user: &UserRow,
    ) -> Result<(), AuthError> {
        self.queue_link(conn, user, Purpose::VerifyEmail)
    }

    fn queue_link(&self, conn: &mut Db, user: &UserRow, purpose: Purpose) -> Result<(), AuthError> {
        let (kind, page, valid_for, words) = match purpose {
            Purpose::VerifyEmail => (
                Kind::VerifyEmail,
                "/verify-email",
                VERIFY_VALID_FOR,
                "24 hours",
            ),
            Purpose::ResetPassword => (
                Kind::ResetPassword,
                "/reset-password",
                RESET_VALID_FOR,
                "30 minutes",
            ),
        };
        let now = db::now();
        let expires_at = now + valid_for;
        let (token, hash) = tokens::new_refresh_token();
        account_tokens::retire_unused(conn, user.id, purpose, now)?;
        account_tokens::insert(conn, user.id, purpose, &hash, &user.email, now, expires_at)?;
        let templates = self.mailer.templates();
        let link = templates.link(&format!("{page}?token={token}"));
        let mail = templates
            .render(kind, &fields(user, Some(link), Some(words)))
            .map_err(AuthError::Internal)?;
        self.mailer
            .queue(conn, &user.email, kind, mail, Some(expires_at))?;
        Ok(())
    }

    /// Moves the account to `email` on `conn` (inside the caller's
    /// transaction): a verification link goes to the new address, and a
    /// notice to the old one.
    pub(super) fn change_email(
        &self,
        conn: &mut Db,
        user: &UserRow,
        email: &str,
        origin: &Origin,
    ) -> Result<(), AuthError> {
        let now = db::now();
        check_email_change_limits(conn, user.id, email, now)?;
        users::set_email(conn, user.id, email, now).map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => AuthError::EmailTaken,
            other => other.into(),
        })?;
        let event = Event::new(actor(user), Action::EmailChanged).on_user(user.id);
        audit::record(conn, origin, event)?;
        let moved = users::find(conn, user.id)?.ok_or(AuthError::InvalidToken)?;
        self.queue_verification(conn, &moved)?;
        let extra = [("new_email", Value::from(email))];
        self.notify(conn, user, Kind::EmailChanged, &extra)
    }

    /// Queues the notice that the user's `keys` API keys were revoked.
    pub(super) fn mail_keys_revoked(
        &self,
        conn: &mut Db,
        user: &UserRow,
        keys: usize,
    ) -> Result<(), AuthError> {
        let extra = [("keys_revoked", Value::from(keys))];
        self.notify(conn, user, Kind::ApiKeysRevoked, &extra)
    }

    /// Queues a notice to `user` about their account (no link, no expiry),
    /// with `extra` fields besides the account's.
    fn notify(
        &self,
        conn: &mut Db,
        user: &UserRow,
        kind: Kind,
        extra: &[(&'static str, Value)],
    ) -> Result<(), AuthError> {
        let notice = self
            .mailer
            .templates()
            .render(kind, &[fields(user, None, None), extra.to_vec()].concat())
            .map_err(AuthError::Internal)?;
        self.mailer.queue(conn, &user.email, kind, notice, None)?;
        Ok(())
    }

    /// Proves the address with a verification link's token.
    pub async fn verify_email(&self, token: String, origin: &Origin) -> Result<User, AuthError> {
        let origin = origin.clone();
        let row = self
            .pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| {
                    let now = db::now();
                    let (link, user) = use_token(conn, &token, Purpose::VerifyEmail, now)?;
                    if user.email_verified_at.is_some() {
                        return Err(AuthError::AlreadyVerified);
                    }
                    if !users::mark_verified(conn, user.id, &link.email, now)? {
                        // The account's address changed since the link went out.
                        return Err(AuthError::InvalidLink);
                    }
                    let event = Event::new(actor(&user), Action::EmailVerified).on_user(user.id);
                    audit::record(conn, &origin, event)?;
                    users::find(conn, user.id)?.ok_or(AuthError::InvalidLink)
                })
            })
            .await?;
        Ok(User::from(&row))
    }

    /// Sends a new verification link to the signed-in user.
    pub async fn resend_verification(&self, id: UserId) -> Result<(), AuthError> {
        let this = self.clone();
        self.pool
            .write(Scope::User(id.0), move |conn| {
                conn.transaction(|conn| {
                    let user = users::find(conn, id.0)?.ok_or(AuthError::InvalidToken)?;
                    if user.email_verified_at.is_some() {
                        return Err(AuthError::AlreadyVerified);
                    }
                    this.queue_verification(conn, &user)
                })
            })
            .await?;
        self.mailer.wake();
        Ok(())
    }

    /// Mails a reset link if `email` (normalised) has an account. Says
    /// nothing either way: the caller answers the same whatever happens here.
    pub async fn forgot_password(&self, email: String) {
        let this = self.clone();
        let queued = self
            .pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| match users::find_by_email(conn, &email)? {
                    Some(user) => this
                        .queue_link(conn, &user, Purpose::ResetPassword)
                        .map(|()| true),
                    None => Ok::<_, AuthError>(false),
                })
            })
            .await;
        match queued {
            Ok(true) => self.mailer.wake(),
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "could not queue a password reset mail"),
        }
    }

    /// Sets a new password with a reset link's token, signs out every
    /// session and tells the user by mail.
    pub async fn reset_password(
        &self,
        token: String,
        new_password: String,
        origin: &Origin,
    ) -> Result<(), AuthError> {
        // Look the link up first, so a bad link is refused before the
        // password's (slow) hash; it is used below, in one transaction.
        let hash = tokens::hash_refresh_token(&token);
        let link = self
            .pool
            .read(Scope::System, move |conn| {
                account_tokens::find(conn, &hash)?.ok_or(AuthError::InvalidLink)
            })
            .await?;
        if link.purpose != Purpose::ResetPassword.as_str() {
            return Err(AuthError::InvalidLink);
        }
        if link.used_at.is_some() || link.expires_at <= db::now() {
            return Err(AuthError::LinkExpired);
        }
        validation::validate_password(&new_password, &link.email)
            .map_err(AuthError::WeakPassword)?;
        let phc = self
            .hasher
            .hash(new_password)
            .await?
            .map_err(AuthError::Internal)?;
        let (origin, this) = (origin.clone(), self.clone());
        self.pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| {
                    let now = db::now();
                    let (link, user) = use_token(conn, &token, Purpose::ResetPassword, now)?;
                    if user.email != link.email {
                        return Err(AuthError::InvalidLink);
                    }
                    users::reset_password(conn, user.id, &phc, now)?;
                    // The address is proved: its failed sign-ins are forgotten.
                    sign_in_throttle::clear(conn, &super::throttle::account_key(&user.email))?;
                    let revoked = refresh_tokens::revoke_all(conn, user.id, now)?;
                    // Whoever knew the old password may have made keys.
                    let keys_revoked = db::api_keys::delete_all(conn, user.id)?;
                    account_tokens::retire_unused(conn, user.id, Purpose::ResetPassword, now)?;
                    let event = Event::new(actor(&user), Action::PasswordReset)
                        .on_user(user.id)
                        .details(serde_json::json!({
                            "sessions_revoked": revoked,
                            "api_keys_revoked": keys_revoked,
                        }));
                    audit::record(conn, &origin, event)?;
                    let extra = [("keys_revoked", Value::from(keys_revoked))];
                    this.notify(conn, &user, Kind::PasswordResetDone, &extra)
                })
            })
            .await?;
        self.mailer.wake();
        Ok(())
    }
}

/// Uses the token for `purpose`: its row and its user, or why not.
fn use_token(
    conn: &mut Db,
    token: &str,
    purpose: Purpose,
    now: NaiveDateTime,
) -> Result<(account_tokens::TokenRow, UserRow), AuthError> {
    let hash = tokens::hash_refresh_token(token);
    let link = account_tokens::find(conn, &hash)?.ok_or(AuthError::InvalidLink)?;
    if link.purpose != purpose.as_str() {
        return Err(AuthError::InvalidLink);
    }
    if !account_tokens::consume(conn, link.id, now)? {
        return Err(AuthError::LinkExpired);
    }
    let user = users::find(conn, link.user_id)?.ok_or(AuthError::InvalidLink)?;
    Ok((link, user))
}

/// Address changes one account may make in a day.
const EMAIL_CHANGES_PER_DAY: i64 = 3;
/// Mails one address may be sent in an hour, counted before it is named as
/// a new address (a link and a notice each time would let anyone flood it).
const MAILS_PER_ADDRESS_PER_HOUR: i64 = 3;

/// Refuses a change of address past either limit, with the time until the
/// oldest counted one leaves its window.
fn check_email_change_limits(
    conn: &mut Db,
    id: i64,
    email: &str,
    now: NaiveDateTime,
) -> Result<(), AuthError> {
    let wait = |first: Option<NaiveDateTime>, window: chrono::TimeDelta| {
        first
            .and_then(|at| (at + window - now).to_std().ok())
            .unwrap_or(std::time::Duration::from_secs(60))
    };
    let day = chrono::TimeDelta::days(1);
    let (changes, first) =
        db::audit::count_about_since(conn, id, Action::EmailChanged.as_str(), now - day)?;
    if changes >= EMAIL_CHANGES_PER_DAY {
        return Err(AuthError::TooMany {
            what: "You changed your address 3 times today",
            retry_after: wait(first, day),
        });
    }
    let hour = chrono::TimeDelta::hours(1);
    let (mails, first) = mail_queue::sent_to_since(conn, email, now - hour)?;
    if mails >= MAILS_PER_ADDRESS_PER_HOUR {
        return Err(AuthError::TooMany {
            what: "That address was sent several mails in the last hour",
            retry_after: wait(first, hour),
        });
    }
    Ok(())
}

/// What every account mail's template gets.
fn fields(
    user: &UserRow,
    link: Option<String>,
    valid_for: Option<&str>,
) -> Vec<(&'static str, Value)> {
    let mut fields = crate::mail::account_fields(user);
    if let Some(link) = link {
        fields.push(("link", Value::from(link)));
    }
    if let Some(valid_for) = valid_for {
        fields.push(("valid_for", Value::from(valid_for)));
    }
    fields
}
