//! Request extractors: the signed-in user from a bearer token (refused
//! while the account is suspended), an admin
//! (whose role is checked in the database), where a request came from, and
//! the client IP used for rate limits.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use shared_types::{ApiKeyScope, ErrorCode, Role, Tier, UserId};

use crate::audit::Origin;
use crate::db::{DbError, Scope, users};
use crate::error::ApiError;
use crate::keys::api_keys;
use crate::state::AppState;

/// The caller, proven by a valid access token. Checking it needs no database.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's id.
    pub id: UserId,
    /// The user's email when the token was issued.
    pub email: String,
    /// The user's role when the token was issued.
    pub role: Role,
    /// The user's tier when the token was issued.
    pub tier: Tier,
    /// The session the token belongs to (its refresh-token family).
    pub session: String,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn state_of(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("AppState is not registered"))
}

/// The credential of `Authorization: Bearer <credential>`.
fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::new(
            ErrorCode::MissingToken,
            "Sign in first: this request needs a bearer token.",
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidToken,
                "The Authorization header must be 'Bearer <token>'.",
            )
        })
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = state_of(req)?;
    let token = bearer(req)?;
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidToken,
            "The access token is invalid or has expired.",
        )
    };
    let claims = state.tokens.verify(token).ok_or_else(invalid)?;
    let id = claims.user_id().ok_or_else(invalid)?;
    if state.live.is_suspended(id.0) {
        return Err(ApiError::suspended());
    }
    Ok(AuthUser {
        id,
        email: claims.email,
        role: claims.role,
        tier: claims.tier,
        session: claims.sid,
    })
}

/// The caller of the routes a personal API key may use (`/api/v1/ask`):
/// an access token, or an API key of a plan that has them. Key, account and
/// admin routes take [`AuthUser`], which refuses API keys.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's id.
    pub id: UserId,
    /// The tier for the per-minute limit: the token's, or for a key the
    /// user's tier now.
    pub tier: Tier,
    /// For an API key, what it may reach; `None` for an access token.
    pub key_scopes: Option<Vec<ApiKeyScope>>,
}

impl Caller {
    /// Whether the caller may reach `scope` (an access token reaches all).
    pub fn may(&self, scope: ApiKeyScope) -> bool {
        self.key_scopes.as_ref().is_none_or(|s| s.contains(&scope))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match bearer(req) {
            Ok(credential) if api_keys::is_api_key(credential) => credential.to_string(),
            _ => {
                let user = authenticate(req);
                return Box::pin(async move {
                    let user = user?;
                    Ok(Caller {
                        id: user.id,
                        tier: user.tier,
                        key_scopes: None,
                    })
                });
            }
        };
        let state = state_of(req).cloned();
        Box::pin(async move {
            let state = state?;
            let (user, scopes) = api_keys::authenticate(&state.pool, &key).await?;
            if user.suspended_at.is_some() || state.live.is_suspended(user.id) {
                return Err(ApiError::suspended());
            }
            let tier = user.tier();
            if !state.ask.catalogue().plan(tier).api_keys {
                return Err(api_keys::KeyError::PlanRequired.into());
            }
            Ok(Caller {
                id: user.user_id(),
                tier,
                key_scopes: Some(scopes),
            })
        })
    }
}

/// An admin: a valid access token whose user is an admin in the database
/// now. The role is read on every request, so a demoted admin's token stops
/// working at once; anyone else gets 403 `forbidden`. The admin scope checks
/// it before anything else is read (see `routes::admin::scope`) and leaves
/// it in the request's extensions for the handler.
#[derive(Debug, Clone)]
pub struct AdminUser {
    /// The admin's id.
    pub id: UserId,
    /// The admin's email as it is now.
    pub email: String,
}

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(admin) = req.extensions().get::<AdminUser>().cloned() {
            return Box::pin(async move { Ok(admin) });
        }
        let user = authenticate(req);
        let state = state_of(req).cloned();
        Box::pin(async move {
            let user = user?;
            let state = state?;
            let id = user.id.0;
            let row = state
                .pool
                .read(Scope::User(id), move |conn| {
                    users::find(conn, id).map_err(DbError::from)
                })
                .await?;
            match row {
                Some(row) if row.role() == Role::Admin => Ok(AdminUser {
                    id: user.id,
                    email: row.email,
                }),
                _ => Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "Only an administrator may do this.",
                )),
            }
        })
    }
}

impl FromRequest for Origin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        ready(Ok(Origin {
            ip: Some(client_ip(req)),
            user_agent,
        }))
    }
}

/// The client's IP: the socket peer, or, when the peer is one of the
/// operator's proxies, the address they report ([`TrustedProxies::client`]).
///
/// [`TrustedProxies::client`]: crate::client_ip::TrustedProxies::client
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr() else {
        return "unknown".into();
    };
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.trusted_proxies.client(peer.ip(), req.headers()),
        None => peer.ip(),
    }
    .to_string()
}

/// A JSON request body, read as its OpenAPI schema describes it: it and
/// every object in it must be an object (`web::Json` alone also takes an
/// array for a struct, since serde reads a struct from a sequence of its
/// fields: `"context": []`), and a number with
/// no fraction counts as an integer (`3.0` is an integer in JSON Schema;
/// serde refuses it for an integer field). Limits, content type and error
/// bodies come from the route's `web::JsonConfig`, as with `web::Json`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + serde::Serialize + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = body.await?.into_inner();
            if !value.is_object() {
                return Err(ApiError::invalid("The JSON body must be an object.").into());
            }
            integral_numbers_as_integers(&mut value);
            let parsed = T::deserialize(&value)
                .map_err(|e| ApiError::invalid(format!("The JSON body is invalid: {e}")))?;
            if has_array(&value)
                && let Ok(written) = serde_json::to_value(&parsed)
                && let Some(pointer) = array_read_as_object(&value, &written)
            {
                return Err(ApiError::invalid(format!(
                    "The JSON body is invalid: {pointer} must be an object, not an array."
                ))
                .into());
            }
            Ok(Json(parsed))
        })
    }
}

fn has_array(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Array(_) => true,
        serde_json::Value::Object(fields) => fields.values().any(has_array),
        _ => false,
    }
}

/// The JSON pointer of the first place where the body holds an array and
/// what was read from it, written back, holds an object: a struct that
/// serde read from the sequence of its fields.
fn array_read_as_object(body: &serde_json::Value, written: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (body, written) {
        (Value::Array(_), Value::Object(_)) => Some(String::new()),
        (Value::Object(body), Value::Object(written)) => body.iter().find_map(|(key, item)| {
            let inner = array_read_as_object(item, written.get(key)?)?;
            Some(format!(
                "/{}{inner}",
                key.replace('~', "~0").replace('/', "~1")
            ))
        }),
        (Value::Array(body), Value::Array(written)) => body
            .iter()
            .zip(written)
            .enumerate()
            .find_map(|(i, (item, w))| {
                array_read_as_object(item, w).map(|inner| format!("/{i}{inner}"))
            }),
        _ => None,
    }
}

/// Turns every number with no fraction (`3.0`) into an integer, in place.
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if !(n.is_i64() || n.is_u64()) => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // Exact: below 2^53 every integral f64 is an i64.
                #[allow(clippy::cast_possible_truncation)]
                let integer = f as i64;
                *value = Value::from(integer);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}
