//! The signed-in user's own account: reading it, changing the name, the
//! password or the address (confirmed with the password, counted with
//! sign-in's failures), and confirming a deletion.

use diesel::Connection;
use serde_json::json;
use shared_types::validation;
use shared_types::{UpdateMeRequest, User, UserId};

use super::{Accounts, AuthError, actor, throttle};
use crate::audit::{self, Action, Event, Origin};
use crate::db::models::UserRow;
use crate::db::{self, Scope, refresh_tokens, users};

impl Accounts {
    /// Refuses unless the user verified their address.
    pub async fn require_verified(&self, id: UserId) -> Result<(), AuthError> {
        match self.load(id).await?.email_verified_at {
            Some(_) => Ok(()),
            None => Err(AuthError::EmailUnverified),
        }
    }

    /// The user's account.
    pub async fn me(&self, id: UserId) -> Result<User, AuthError> {
        let row = self.load(id).await?;
        Ok(User::from(&row))
    }

    /// Changes the display name, the optional mail, the password or the
    /// address. A password change needs the current password and revokes
    /// every other session of the user.
    pub async fn update_me(
        &self,
        id: UserId,
        session: String,
        req: UpdateMeRequest,
        origin: &Origin,
    ) -> Result<User, AuthError> {
        let full_name = match req.full_name.as_deref() {
            Some(name) => {
                Some(validation::normalize_full_name(name).map_err(AuthError::InvalidInput)?)
            }
            None => None,
        };
        let row = self.load(id).await?;
        let new_email = match req.email.as_deref() {
            Some(email) => {
                let email = validation::normalize_email(email).map_err(AuthError::InvalidEmail)?;
                (email != row.email).then_some(email)
            }
            None => None,
        };
        if req.new_password.is_some() || new_email.is_some() {
            let current = req.current_password.ok_or_else(|| {
                AuthError::InvalidInput(
                    "current_password is required to change the password or the email.".into(),
                )
            })?;
            self.confirm_password(&row, current, origin).await?;
        }
        let new_hash = match req.new_password {
            None => None,
            Some(new_password) => {
                let email = new_email.clone().unwrap_or_else(|| row.email.clone());
                validation::validate_password(&new_password, &email)
                    .map_err(AuthError::WeakPassword)?;
                Some(
                    self.hasher
                        .hash(new_password)
                        .await?
                        .map_err(AuthError::Internal)?,
                )
            }
        };
        let origin = origin.clone();
        let (this, email_changes) = (self.clone(), new_email.is_some());
        let row = self
            .pool
            .write(Scope::User(id.0), move |conn| {
                conn.transaction(|conn| {
                    let now = db::now();
                    if let Some(name) = &full_name {
                        users::set_full_name(conn, row.id, name.as_deref(), now)?;
                    }
                    if let Some(on) = req.email_notices {
                        users::set_email_notices(conn, row.id, on, now)?;
                    }
                    if let Some(hash) = &new_hash {
                        users::set_password_hash(conn, row.id, hash, now)?;
                        let revoked =
                            refresh_tokens::revoke_other_sessions(conn, row.id, &session, now)?;
                        let event = Event::new(actor(&row), Action::PasswordChanged)
                            .on_user(row.id)
                            .details(json!({"other_sessions_revoked": revoked}));
                        audit::record(conn, &origin, event)?;
                    }
                    if let Some(email) = &new_email {
                        this.change_email(conn, &row, email, &origin)?;
                    }
                    users::find(conn, row.id)?.ok_or(AuthError::InvalidToken)
                })
            })
            .await?;
        if email_changes {
            self.mailer.wake();
        }
        Ok(User::from(&row))
    }

    /// Succeeds when `password` is the account's (to confirm a deletion).
    pub async fn check_password(
        &self,
        id: UserId,
        password: String,
        origin: &Origin,
    ) -> Result<(), AuthError> {
        let row = self.load(id).await?;
        self.confirm_password(&row, password, origin).await
    }

    /// Checks a password given to confirm a change, counted and throttled
    /// with sign-in's failures (a stolen session must not make guessing free).
    async fn confirm_password(
        &self,
        row: &UserRow,
        password: String,
        origin: &Origin,
    ) -> Result<(), AuthError> {
        let keys = throttle::Keys::new(&row.email, origin);
        self.check_throttle(&keys, Some(row), &row.email, origin)
            .await?;
        let phc = row.password_hash.clone();
        if self.hasher.verify(password, phc).await? {
            return self
                .pool
                .write(Scope::System, move |conn| Self::clear_throttle(conn, &keys))
                .await;
        }
        let refused = AuthError::WrongPassword;
        Err(self
            .count_failure(
                keys,
                Some(row),
                &row.email,
                origin,
                "wrong_confirmation",
                refused,
            )
            .await?)
    }
}
