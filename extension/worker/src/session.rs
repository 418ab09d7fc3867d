//! The signed-in session: the access token in `storage.session` (in memory
//! where the browser lacks it), the refresh token and the user in
//! `storage.local`. Refreshes follow `mentor_extension::session`; only one
//! runs at a time, because a refresh token is single-use and a second
//! refresh with the same token would revoke the whole session.

use std::cell::RefCell;

use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use mentor_browser::storage::Area;
use mentor_extension::session::{
    AccessToken, BeforeRequest, before_request, refresh_failure_ends_session, retry_after_response,
};
use serde::de::DeserializeOwned;
use shared_types::{ErrorBody, ErrorCode, RefreshRequest, TokenResponse, User};
use web_sys::Response;

use crate::backend::{self, Call};

const ACCESS_KEY: &str = "access_token";
const REFRESH_KEY: &str = "refresh_token";
const USER_KEY: &str = "user";

type Refreshing = Shared<LocalBoxFuture<'static, Result<String, ErrorBody>>>;

thread_local! {
    static MEMORY_ACCESS: RefCell<Option<AccessToken>> = const { RefCell::new(None) };
    static REFRESHING: RefCell<Option<Refreshing>> = const { RefCell::new(None) };
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The error for a request that needs a signed-in user.
pub fn signed_out() -> ErrorBody {
    ErrorBody {
        error: ErrorCode::MissingToken,
        message: "You're signed out.".into(),
    }
}

/// Keeps the tokens and user from a sign-in or refresh.
pub async fn store(tokens: &TokenResponse) {
    let access = AccessToken::from_response(tokens, now_ms());
    if Area::Session.exists() {
        let _ = Area::Session.set(ACCESS_KEY, &access).await;
    } else {
        MEMORY_ACCESS.with(|m| *m.borrow_mut() = Some(access));
    }
    let _ = Area::Local.set(REFRESH_KEY, &tokens.refresh_token).await;
    let _ = Area::Local.set(USER_KEY, &tokens.user).await;
}

/// Forgets the session here; returns the refresh token it held.
pub async fn clear() -> Option<String> {
    let refresh = Area::Local.get::<String>(REFRESH_KEY).await;
    if Area::Session.exists() {
        let _ = Area::Session.remove(ACCESS_KEY).await;
    }
    MEMORY_ACCESS.with(|m| *m.borrow_mut() = None);
    let _ = Area::Local.remove(REFRESH_KEY).await;
    let _ = Area::Local.remove(USER_KEY).await;
    refresh
}

/// The signed-in user as last seen.
pub async fn user() -> Option<User> {
    Area::Local.get(USER_KEY).await
}

/// Updates the stored user (after `GET /users/me`).
pub async fn set_user(user: &User) {
    let _ = Area::Local.set(USER_KEY, user).await;
}

async fn access() -> Option<AccessToken> {
    if Area::Session.exists() {
        Area::Session.get(ACCESS_KEY).await
    } else {
        MEMORY_ACCESS.with(|m| m.borrow().clone())
    }
}

/// Sends `call` as the signed-in user: refreshes first when the access token
/// is stale, and once more after a 401.
pub async fn send(base_url: &str, call: &Call<'_>) -> Result<Response, ErrorBody> {
    let has_refresh = Area::Local.get::<String>(REFRESH_KEY).await.is_some();
    let mut refreshed = false;
    let mut token = match before_request(access().await.as_ref(), has_refresh, now_ms()) {
        BeforeRequest::Send(token) => token,
        BeforeRequest::Refresh => {
            refreshed = true;
            refresh(base_url).await?
        }
        BeforeRequest::SignedOut => return Err(signed_out()),
    };
    loop {
        let response = backend::send(base_url, call, Some(&token)).await?;
        if !retry_after_response(response.status(), refreshed) {
            return Ok(response);
        }
        refreshed = true;
        token = refresh(base_url).await?;
    }
}

/// A new access token; joins a refresh already under way.
async fn refresh(base_url: &str) -> Result<String, ErrorBody> {
    let running = REFRESHING.with(|r| r.borrow().clone());
    let shared = match running {
        Some(shared) => shared,
        None => {
            let shared = run_refresh(base_url.to_string()).boxed_local().shared();
            REFRESHING.with(|r| *r.borrow_mut() = Some(shared.clone()));
            shared
        }
    };
    let result = shared.await;
    REFRESHING.with(|r| *r.borrow_mut() = None);
    result
}

async fn run_refresh(base_url: String) -> Result<String, ErrorBody> {
    let refresh_token = Area::Local
        .get::<String>(REFRESH_KEY)
        .await
        .ok_or_else(signed_out)?;
    let call = Call::new("POST", "/api/v1/auth/refresh").json(&RefreshRequest { refresh_token });
    let response = backend::send(&base_url, &call, None).await?;
    match backend::json_of::<TokenResponse>(response).await {
        Ok(tokens) => {
            store(&tokens).await;
            Ok(tokens.access_token)
        }
        Err(error) if refresh_failure_ends_session(error.error) => {
            clear().await;
            Err(signed_out())
        }
        Err(error) => Err(error),
    }
}

/// Sends `call` with the session's access token and reads its JSON body.
pub async fn authed<T: DeserializeOwned>(base: &str, call: Call<'_>) -> Result<T, ErrorBody> {
    let response = send(base, &call).await?;
    backend::json_of(response).await
}
