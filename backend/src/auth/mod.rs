//! Accounts and sessions: registration, sign-in with throttling, refresh-token
//! rotation with reuse detection, sign-out, and changes to one's own account.
//!
//! Knows nothing of HTTP; `routes` maps [`AuthError`] to responses.

mod links;
mod me;
pub mod password;
mod settings;
mod throttle;
pub mod tokens;

use std::time::Duration;

use diesel::Connection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;
use shared_types::validation::{self, PasswordProblem};
use shared_types::{LoginRequest, RegisterRequest, Role, TokenResponse, User, UserId};

use crate::audit::{self, Action, Actor, Event, Origin};
use crate::db::models::{NewRefreshToken, NewUser, UserRow};
use crate::db::{self, Db, DbError, Pool, Scope, refresh_tokens, users};
pub use settings::AuthSettings;
use tokens::AccessTokens;

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The email is malformed.
    #[error("{0}")]
    InvalidEmail(String),
    /// The password breaks a rule.
    #[error("{}", .0.message())]
    WeakPassword(PasswordProblem),
    /// Some other field is invalid.
    #[error("{0}")]
    InvalidInput(String),
    /// The email belongs to another account.
    #[error("An account with this email already exists.")]
    EmailTaken,
    /// Unknown email or wrong password.
    #[error("The email or password is incorrect.")]
    InvalidCredentials,
    /// The confirming password is wrong.
    #[error("The current password is incorrect.")]
    WrongPassword,
    /// Too many failed passwords for this address or from this client.
    #[error("Too many failed sign-ins; try again in {} second(s).", .retry_after.as_secs().max(1))]
    Locked {
        /// Time until the next attempt is taken.
        retry_after: Duration,
    },
    /// Too many of something that mails an address the caller chose.
    #[error("{what}; try again in {} minute(s).", .retry_after.as_secs().div_ceil(60).max(1))]
    TooMany {
        /// What there were too many of, in words.
        what: &'static str,
        /// Time until one more is allowed.
        retry_after: Duration,
    },
    /// An admin suspended the account.
    #[error("This account is suspended. Contact the service's support to restore it.")]
    Suspended,
    /// The token is unknown, expired or revoked, or its user is gone.
    #[error("The session has expired or was signed out; sign in again.")]
    InvalidToken,
    /// A mailed link's token is unknown or for something else.
    #[error("This link is not valid. Use the newest link we sent you, or ask for a new one.")]
    InvalidLink,
    /// A mailed link was used already or has expired.
    #[error("This link was used already or has expired. Ask for a new one.")]
    LinkExpired,
    /// The address is verified already.
    #[error("Your email address is verified already.")]
    AlreadyVerified,
    /// This needs a verified address.
    #[error(
        "Confirm your email address first: open the link we mailed you (or ask for a new one)."
    )]
    EmailUnverified,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Every password-hashing slot stayed busy.
    #[error(transparent)]
    Busy(#[from] password::Busy),
    /// Something that should not fail did.
    #[error("{0}")]
    Internal(String),
}

impl From<DieselError> for AuthError {
    fn from(err: DieselError) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// The account rules, with what they need: the pool, the token keys, settings.
#[derive(Clone)]
pub struct Accounts {
    pool: Pool,
    tokens: std::sync::Arc<AccessTokens>,
    rules: AuthSettings,
    mailer: crate::mail::Mailer,
    hasher: password::Hasher,
}

impl Accounts {
    /// Wires the service.
    pub fn new(
        pool: Pool,
        tokens: std::sync::Arc<AccessTokens>,
        rules: AuthSettings,
        mailer: crate::mail::Mailer,
    ) -> Self {
        Self {
            pool,
            tokens,
            rules,
            mailer,
            hasher: password::Hasher::for_this_machine(),
        }
    }

    /// Creates an account and signs it in.
    pub async fn register(
        &self,
        req: RegisterRequest,
        origin: &Origin,
    ) -> Result<TokenResponse, AuthError> {
        let email = validation::normalize_email(&req.email).map_err(AuthError::InvalidEmail)?;
        validation::validate_password(&req.password, &email).map_err(AuthError::WeakPassword)?;
        let full_name = match req.full_name.as_deref() {
            Some(name) => validation::normalize_full_name(name).map_err(AuthError::InvalidInput)?,
            None => None,
        };
        let password = req.password;
        let hash = self
            .hasher
            .hash(password)
            .await?
            .map_err(AuthError::Internal)?;
        let refresh_ttl = self.rules.refresh_token_ttl;
        let origin = origin.clone();
        let this = self.clone();
        let (user, refresh) = self
            .pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| {
                    let now = db::now();
                    let user = users::insert(
                        conn,
                        &NewUser {
                            email: &email,
                            password_hash: &hash,
                            full_name: full_name.as_deref(),
                            role: Role::User.as_str(),
                            created_at: now,
                            updated_at: now,
                        },
                    )
                    .map_err(|e| match e {
                        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                            AuthError::EmailTaken
                        }
                        other => other.into(),
                    })?;
                    let user = users::record_login(conn, user.id, now)?;
                    let refresh = start_session(conn, user.id, None, refresh_ttl)?;
                    audit::record(
                        conn,
                        &origin,
                        Event::new(actor(&user), Action::AccountCreated).on_user(user.id),
                    )?;
                    this.queue_verification(conn, &user)?;
                    Ok::<_, AuthError>((user, refresh))
                })
            })
            .await?;
        self.mailer.wake();
        self.token_response(&user, refresh)
    }

    /// Checks credentials, throttling repeated failures, and signs in.
    pub async fn login(
        &self,
        req: LoginRequest,
        origin: &Origin,
    ) -> Result<TokenResponse, AuthError> {
        let email = validation::normalize_email(&req.email).map_err(AuthError::InvalidEmail)?;
        let found = {
            let email = email.clone();
            self.pool
                .read(Scope::System, move |conn| {
                    users::find_by_email(conn, &email).map_err(AuthError::from)
                })
                .await?
        };
        let keys = throttle::Keys::new(&email, origin);
        self.check_throttle(&keys, found.as_ref(), &email, origin)
            .await?;
        let password = req.password;
        let Some(user) = found else {
            self.hasher.verify_dummy(password).await?;
            let refused = AuthError::InvalidCredentials;
            return Err(self
                .count_failure(keys, None, &email, origin, "unknown_email", refused)
                .await?);
        };
        let phc = user.password_hash.clone();
        if !self.hasher.verify(password, phc).await? {
            let refused = AuthError::InvalidCredentials;
            return Err(self
                .count_failure(keys, Some(&user), &email, origin, "wrong_password", refused)
                .await?);
        }
        if user.suspended_at.is_some() {
            let event = Event::new(actor(&user), Action::SignInFailed)
                .on_user(user.id)
                .details(json!({"reason": "suspended"}));
            self.audit(origin, event).await?;
            return Err(AuthError::Suspended);
        }
        let refresh_ttl = self.rules.refresh_token_ttl;
        let origin = origin.clone();
        let (user, refresh) = self
            .pool
            .write(Scope::System, move |conn| {
                conn.transaction(|conn| {
                    let user = users::record_login(conn, user.id, db::now())?;
                    Self::clear_throttle(conn, &keys)?;
                    let refresh = start_session(conn, user.id, None, refresh_ttl)?;
                    audit::record(
                        conn,
                        &origin,
                        Event::new(actor(&user), Action::SignIn).on_user(user.id),
                    )?;
                    Ok::<_, AuthError>((user, refresh))
                })
            })
            .await?;
        self.token_response(&user, refresh)
    }

    /// Writes one audit row on its own.
    async fn audit(&self, origin: &Origin, event: Event) -> Result<(), AuthError> {
        let origin = origin.clone();
        self.pool
            .write(Scope::System, move |conn| {
                audit::record(conn, &origin, event).map_err(AuthError::from)
            })
            .await
    }

    /// Trades a live refresh token for a new pair; the old one stops working.
    /// A token that was already rotated revokes its whole family.
    pub async fn refresh(
        &self,
        token: String,
        origin: &Origin,
    ) -> Result<TokenResponse, AuthError> {
        let hash = tokens::hash_refresh_token(&token);
        let origin = origin.clone();
        let refresh_ttl = self.rules.refresh_token_ttl;
        let (user, refresh) = self
            .pool
            .write(Scope::System, move |conn| {
                // Write first: SQLite then takes the write lock at once instead
                // of upgrading a read lock, which could fail under contention.
                let rotated = conn.transaction(|conn| {
                    let Some((user_id, family)) =
                        refresh_tokens::revoke_live_by_hash(conn, &hash, db::now())?
                    else {
                        return Ok::<_, AuthError>(None);
                    };
                    let refresh = start_session(conn, user_id, Some(&family), refresh_ttl)?;
                    let user = users::find(conn, user_id)?.ok_or(AuthError::InvalidToken)?;
                    Ok(Some((user, refresh)))
                })?;
                if let Some(pair) = rotated {
                    return Ok(pair);
                }
                if let Some(old) = refresh_tokens::find_by_hash(conn, &hash)?
                    && old.revoked_at.is_some()
                {
                    let revoked = refresh_tokens::revoke_family(conn, &old.family_id, db::now())?;
                    if let Some(user) = users::find(conn, old.user_id)? {
                        let event = Event::new(actor(&user), Action::RefreshTokenReused)
                            .on_user(user.id)
                            .details(json!({"sessions_revoked": revoked}));
                        audit::record(conn, &origin, event)?;
                    }
                    tracing::warn!(
                        user_id = old.user_id,
                        revoked,
                        "a rotated refresh token was presented again; its session was revoked"
                    );
                }
                Err(AuthError::InvalidToken)
            })
            .await?;
        self.token_response(&user, refresh)
    }

    /// Revokes a refresh token. Unknown or already revoked tokens are refused,
    /// so a client learns its sign-out did not apply to a live session.
    pub async fn logout(&self, token: String) -> Result<(), AuthError> {
        let hash = tokens::hash_refresh_token(&token);
        self.pool
            .write(
                Scope::System,
                move |conn| match refresh_tokens::revoke_live_by_hash(conn, &hash, db::now())? {
                    Some(_) => Ok(()),
                    None => Err(AuthError::InvalidToken),
                },
            )
            .await
    }

    /// Ends every session of the user; with `revoke_keys`, deletes their
    /// personal API keys too and mails them that it did.
    pub async fn logout_everywhere(
        &self,
        id: UserId,
        revoke_keys: bool,
        origin: &Origin,
    ) -> Result<(), AuthError> {
        let (origin, this) = (origin.clone(), self.clone());
        let mailed = self
            .pool
            .write(Scope::User(id.0), move |conn| {
                conn.transaction(|conn| {
                    let row = users::find(conn, id.0)?.ok_or(AuthError::InvalidToken)?;
                    let revoked = refresh_tokens::revoke_all(conn, row.id, db::now())?;
                    let event = Event::new(actor(&row), Action::SignedOutEverywhere)
                        .on_user(row.id)
                        .details(json!({"sessions_revoked": revoked}));
                    audit::record(conn, &origin, event)?;
                    let keys = if revoke_keys {
                        db::api_keys::delete_all(conn, row.id)?
                    } else {
                        0
                    };
                    if keys == 0 {
                        return Ok::<_, AuthError>(false);
                    }
                    let event = Event::new(actor(&row), Action::ApiKeysRevoked)
                        .on_user(row.id)
                        .details(json!({"api_keys_revoked": keys}));
                    audit::record(conn, &origin, event)?;
                    this.mail_keys_revoked(conn, &row, keys)?;
                    Ok(true)
                })
            })
            .await?;
        if mailed {
            self.mailer.wake();
        }
        Ok(())
    }

    async fn load(&self, id: UserId) -> Result<UserRow, AuthError> {
        self.pool
            .read(Scope::User(id.0), move |conn| {
                users::find(conn, id.0)?.ok_or(AuthError::InvalidToken)
            })
            .await
    }

    fn token_response(&self, user: &UserRow, refresh: Session) -> Result<TokenResponse, AuthError> {
        let access_token = self
            .tokens
            .issue(
                user.user_id(),
                &user.email,
                user.role(),
                user.tier(),
                &refresh.family,
            )
            .map_err(AuthError::Internal)?;
        Ok(TokenResponse {
            access_token,
            refresh_token: refresh.token,
            token_type: "Bearer".into(),
            expires_in: self.tokens.ttl_secs(),
            user: User::from(user),
        })
    }
}

/// The audit actor for `user`: their id and their email as it is now.
fn actor(user: &UserRow) -> Actor {
    Actor::User {
        id: Some(user.id),
        email: user.email.clone(),
    }
}

/// Deletes refresh tokens past their expiry (they can no longer be used);
/// returns how many went.
pub async fn delete_expired_sessions(pool: &Pool) -> Result<usize, DbError> {
    pool.write(Scope::System, |conn| {
        refresh_tokens::delete_expired(conn, db::now()).map_err(DbError::from)
    })
    .await
}

/// A refresh token just issued, and the session family it belongs to.
struct Session {
    token: String,
    family: String,
}

/// Issues a refresh token in `family`, or in a new family for a new sign-in.
fn start_session(
    conn: &mut Db,
    user_id: i64,
    family: Option<&str>,
    ttl: Duration,
) -> Result<Session, AuthError> {
    let family = family.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let (token, hash) = tokens::new_refresh_token();
    let now = db::now();
    refresh_tokens::insert(
        conn,
        &NewRefreshToken {
            user_id,
            family_id: &family,
            token_hash: &hash,
            created_at: now,
            expires_at: now + to_chrono(ttl),
        },
    )?;
    Ok(Session { token, family })
}

fn to_chrono(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

/// Creates an admin, or promotes an existing account to admin. For a new
/// account `password` is asked for; an existing account keeps its password.
pub fn create_or_promote_admin(
    pool: &Pool,
    email: &str,
    password: impl FnOnce() -> Result<String, String>,
) -> Result<(User, bool), AuthError> {
    let email = validation::normalize_email(email).map_err(AuthError::InvalidEmail)?;
    let mut conn = pool.get()?;
    let granted = |conn: &mut Db, row: &UserRow, created: bool| {
        let event = Event::new(Actor::System, Action::AdminGranted)
            .on_user(row.id)
            .details(json!({"email": row.email, "created": created}));
        audit::record(conn, &Origin::default(), event)
    };
    if let Some(existing) = users::find_by_email(&mut conn, &email)? {
        let row = conn.transaction(|conn| {
            users::promote_to_admin(conn, existing.id, db::now())?;
            let row = users::find(conn, existing.id)?.ok_or(AuthError::InvalidToken)?;
            granted(conn, &row, false)?;
            Ok::<_, AuthError>(row)
        })?;
        return Ok((User::from(&row), false));
    }
    let password = password().map_err(AuthError::InvalidInput)?;
    validation::validate_password(&password, &email).map_err(AuthError::WeakPassword)?;
    let hash =
        password::hash(&mut password::Memory::default(), &password).map_err(AuthError::Internal)?;
    let now = db::now();
    let row = conn.transaction(|conn| {
        let row = users::insert(
            conn,
            &NewUser {
                email: &email,
                password_hash: &hash,
                full_name: None,
                role: Role::Admin.as_str(),
                created_at: now,
                updated_at: now,
            },
        )?;
        granted(conn, &row, true)?;
        Ok::<_, AuthError>(row)
    })?;
    Ok((User::from(&row), true))
}
