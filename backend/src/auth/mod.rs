//! Accounts and sessions: registration, sign-in with lockout, refresh-token
//! rotation with reuse detection, sign-out, and changes to one's own account.
//!
//! Knows nothing of HTTP; `routes` maps [`AuthError`] to responses.

pub mod password;
pub mod tokens;

use std::time::Duration;

use diesel::Connection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::validation::{self, PasswordProblem};
use shared_types::{
    DeleteMeRequest, LoginRequest, RegisterRequest, Role, TokenResponse, UpdateMeRequest, User,
    UserId,
};

use crate::config::AuthSettings;
use crate::db::models::{NewRefreshToken, NewUser, UserRow};
use crate::db::{self, Db, DbError, Pool, refresh_tokens, users};
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
    /// Too many failed sign-ins.
    #[error("Too many failed sign-ins; try again in {} minute(s).", .retry_after.as_secs().div_ceil(60).max(1))]
    Locked {
        /// Time until the lock ends.
        retry_after: Duration,
    },
    /// The token is unknown, expired or revoked, or its user is gone.
    #[error("The session has expired or was signed out; sign in again.")]
    InvalidToken,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
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
}

impl Accounts {
    /// Wires the service.
    pub fn new(pool: Pool, tokens: std::sync::Arc<AccessTokens>, rules: AuthSettings) -> Self {
        Self {
            pool,
            tokens,
            rules,
        }
    }

    /// Creates an account and signs it in.
    pub async fn register(&self, req: RegisterRequest) -> Result<TokenResponse, AuthError> {
        let email = validation::normalize_email(&req.email).map_err(AuthError::InvalidEmail)?;
        validation::validate_password(&req.password, &email).map_err(AuthError::WeakPassword)?;
        let full_name = match req.full_name.as_deref() {
            Some(name) => validation::normalize_full_name(name).map_err(AuthError::InvalidInput)?,
            None => None,
        };
        let password = req.password;
        let hash = blocking(move || password::hash(&password))
            .await?
            .map_err(AuthError::Internal)?;
        let refresh_ttl = self.rules.refresh_token_ttl;
        let (user, refresh) = self
            .pool
            .write(move |conn| {
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
                    Ok::<_, AuthError>((user, refresh))
                })
            })
            .await?;
        self.token_response(&user, refresh)
    }

    /// Checks credentials, applying the lockout rule, and signs in.
    pub async fn login(&self, req: LoginRequest) -> Result<TokenResponse, AuthError> {
        let email = validation::normalize_email(&req.email).map_err(AuthError::InvalidEmail)?;
        let found = self
            .pool
            .read(move |conn| users::find_by_email(conn, &email).map_err(AuthError::from))
            .await?;
        let password = req.password;
        let Some(user) = found else {
            blocking(move || password::verify_dummy(&password)).await?;
            return Err(AuthError::InvalidCredentials);
        };
        if let Some(retry_after) = remaining_lock(&user) {
            return Err(AuthError::Locked { retry_after });
        }
        let phc = user.password_hash.clone();
        if !blocking(move || password::verify(&password, &phc)).await? {
            return Err(self.count_failure(user.id).await?);
        }
        let refresh_ttl = self.rules.refresh_token_ttl;
        let (user, refresh) = self
            .pool
            .write(move |conn| {
                conn.transaction(|conn| {
                    let user = users::record_login(conn, user.id, db::now())?;
                    let refresh = start_session(conn, user.id, None, refresh_ttl)?;
                    Ok::<_, AuthError>((user, refresh))
                })
            })
            .await?;
        self.token_response(&user, refresh)
    }

    /// Counts a failed sign-in; the error to return (locked at the threshold).
    async fn count_failure(&self, id: i64) -> Result<AuthError, AuthError> {
        let (threshold, duration) = (self.rules.lockout_threshold, self.rules.lockout_duration);
        self.pool
            .write(move |conn| {
                let failures = users::record_failed_login(conn, id)?;
                if failures < threshold {
                    return Ok(AuthError::InvalidCredentials);
                }
                users::lock(conn, id, db::now() + to_chrono(duration))?;
                tracing::warn!(
                    user_id = id,
                    failures,
                    "account locked after repeated failed sign-ins"
                );
                Ok(AuthError::Locked {
                    retry_after: duration,
                })
            })
            .await
    }

    /// Trades a live refresh token for a new pair; the old one stops working.
    /// A token that was already rotated revokes its whole family.
    pub async fn refresh(&self, token: String) -> Result<TokenResponse, AuthError> {
        let hash = tokens::hash_refresh_token(&token);
        let refresh_ttl = self.rules.refresh_token_ttl;
        let (user, refresh) = self
            .pool
            .write(move |conn| {
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
                move |conn| match refresh_tokens::revoke_live_by_hash(conn, &hash, db::now())? {
                    Some(_) => Ok(()),
                    None => Err(AuthError::InvalidToken),
                },
            )
            .await
    }

    /// The user's account.
    pub async fn me(&self, id: UserId) -> Result<User, AuthError> {
        let row = self.load(id).await?;
        Ok(User::from(&row))
    }

    /// Changes the display name and/or the password. A password change needs
    /// the current password and revokes every other session of the user.
    pub async fn update_me(
        &self,
        id: UserId,
        session: String,
        req: UpdateMeRequest,
    ) -> Result<User, AuthError> {
        let full_name = match req.full_name.as_deref() {
            Some(name) => {
                Some(validation::normalize_full_name(name).map_err(AuthError::InvalidInput)?)
            }
            None => None,
        };
        let row = self.load(id).await?;
        let new_hash = match req.new_password {
            None => None,
            Some(new_password) => {
                let current = req.current_password.ok_or_else(|| {
                    AuthError::InvalidInput(
                        "current_password is required to change the password.".into(),
                    )
                })?;
                validation::validate_password(&new_password, &row.email)
                    .map_err(AuthError::WeakPassword)?;
                let phc = row.password_hash.clone();
                let hash = blocking(move || {
                    if password::verify(&current, &phc) {
                        password::hash(&new_password).map(Some)
                    } else {
                        Ok(None)
                    }
                })
                .await?
                .map_err(AuthError::Internal)?;
                Some(hash.ok_or(AuthError::WrongPassword)?)
            }
        };
        let row = self
            .pool
            .write(move |conn| {
                conn.transaction(|conn| {
                    let now = db::now();
                    if let Some(name) = &full_name {
                        users::set_full_name(conn, row.id, name.as_deref(), now)?;
                    }
                    if let Some(hash) = &new_hash {
                        users::set_password_hash(conn, row.id, hash, now)?;
                        refresh_tokens::revoke_other_sessions(conn, row.id, &session, now)?;
                    }
                    users::find(conn, row.id)?.ok_or(AuthError::InvalidToken)
                })
            })
            .await?;
        Ok(User::from(&row))
    }

    /// Deletes the account and everything it owns, once the password matches.
    pub async fn delete_me(&self, id: UserId, req: DeleteMeRequest) -> Result<(), AuthError> {
        let row = self.load(id).await?;
        let phc = row.password_hash.clone();
        let password = req.password;
        if !blocking(move || password::verify(&password, &phc)).await? {
            return Err(AuthError::WrongPassword);
        }
        self.pool
            .write(move |conn| users::delete(conn, row.id).map_err(AuthError::from))
            .await?;
        tracing::info!(user_id = id.0, "account deleted");
        Ok(())
    }

    async fn load(&self, id: UserId) -> Result<UserRow, AuthError> {
        self.pool
            .read(move |conn| users::find(conn, id.0)?.ok_or(AuthError::InvalidToken))
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

/// Deletes refresh tokens past their expiry (they can no longer be used);
/// returns how many went.
pub async fn delete_expired_sessions(pool: &Pool) -> Result<usize, DbError> {
    pool.write(|conn| refresh_tokens::delete_expired(conn, db::now()).map_err(DbError::from))
        .await
}

/// Starts a task that deletes expired refresh tokens every hour. Several
/// replicas may each run it: the delete is idempotent.
pub fn spawn_session_cleanup(pool: Pool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match delete_expired_sessions(&pool).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "expired refresh tokens deleted"),
                Err(e) => tracing::warn!(error = %e, "could not delete expired refresh tokens"),
            }
        }
    });
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

/// Time left on the account's lock, if it is locked.
fn remaining_lock(user: &UserRow) -> Option<Duration> {
    let until = user.locked_until?;
    (until - db::now())
        .to_std()
        .ok()
        .filter(|left| !left.is_zero())
}

fn to_chrono(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

/// Runs CPU-heavy work (password hashing) off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AuthError> {
    actix_web::rt::task::spawn_blocking(f)
        .await
        .map_err(|e| AuthError::Internal(format!("blocking task failed: {e}")))
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
    if let Some(existing) = users::find_by_email(&mut conn, &email)? {
        users::promote_to_admin(&mut conn, existing.id, db::now())?;
        let row = users::find(&mut conn, existing.id)?.ok_or(AuthError::InvalidToken)?;
        return Ok((User::from(&row), false));
    }
    let password = password().map_err(AuthError::InvalidInput)?;
    validation::validate_password(&password, &email).map_err(AuthError::WeakPassword)?;
    let hash = password::hash(&password).map_err(AuthError::Internal)?;
    let now = db::now();
    let row = users::insert(
        &mut conn,
        &NewUser {
            email: &email,
            password_hash: &hash,
            full_name: None,
            role: Role::Admin.as_str(),
            created_at: now,
            updated_at: now,
        },
    )?;
    Ok((User::from(&row), true))
}
