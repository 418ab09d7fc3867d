//! Access tokens (HS256 JWTs) and refresh tokens (opaque, stored hashed).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared_types::{Role, Tier, UserId};

/// The `iss` claim of our tokens.
pub const ISSUER: &str = "ai-mentor";
/// The `aud` claim of our tokens.
pub const AUDIENCE: &str = "ai-mentor-api";

/// The claims an access token carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (JWT convention).
    pub sub: String,
    /// The user's email.
    pub email: String,
    /// The user's role.
    pub role: Role,
    /// The user's tier when the token was issued.
    pub tier: Tier,
    /// The session (refresh-token family) the token was issued in.
    pub sid: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expires at (Unix seconds).
    pub exp: u64,
    /// Issuer: [`ISSUER`].
    pub iss: String,
    /// Audience: [`AUDIENCE`].
    pub aud: String,
}

impl Claims {
    /// The user id in `sub`, if it is one.
    pub fn user_id(&self) -> Option<UserId> {
        self.sub.parse().ok().map(UserId)
    }
}

/// Signs and checks access tokens with one HS256 key.
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl AccessTokens {
    /// Keys from the shared secret; tokens live for `ttl`.
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// The lifetime of a token, in seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl.as_secs()
    }

    /// Signs a token for this user and session.
    pub fn issue(
        &self,
        id: UserId,
        email: &str,
        role: Role,
        tier: Tier,
        sid: &str,
    ) -> Result<String, String> {
        let now = unix_now();
        let claims = Claims {
            sub: id.to_string(),
            email: email.to_string(),
            role,
            tier,
            sid: sid.to_string(),
            iat: now,
            exp: now + self.ttl.as_secs(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| format!("signing an access token failed: {e}"))
    }

    /// The claims of a valid token: our key, HS256, not expired, ours by
    /// issuer and audience. Anything else is `None`.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A new refresh token (256 random bits, URL-safe) and the hash to store.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// The stored form of a refresh token: SHA-256, hex. A fast hash is right
/// here: the token is random and long, so it cannot be guessed offline.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn tokens() -> AccessTokens {
        AccessTokens::new(SECRET, Duration::from_secs(900))
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let t = tokens();
        let jwt = t
            .issue(UserId(7), "a@b.co", Role::User, Tier::Pro, "fam")
            .expect("signs");
        let claims = t.verify(&jwt).expect("valid");
        assert_eq!(claims.user_id(), Some(UserId(7)));
        assert_eq!(claims.tier, Tier::Pro);
        assert_eq!(claims.exp - claims.iat, 900);
        assert_eq!(
            (claims.iss.as_str(), claims.aud.as_str()),
            (ISSUER, AUDIENCE)
        );
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = AccessTokens::new(
            b"another-secret-another-secret-xx",
            Duration::from_secs(900),
        );
        let jwt = other
            .issue(UserId(1), "a@b.co", Role::Admin, Tier::Free, "f")
            .expect("signs");
        assert!(tokens().verify(&jwt).is_none());
    }

    #[test]
    fn refresh_tokens_carry_256_bits_and_are_stored_hashed() {
        let (token, hash) = new_refresh_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).expect("base64").len(), 32);
        assert_eq!(hash, hash_refresh_token(&token));
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token));
        assert_ne!(new_refresh_token().0, token);
    }
}
