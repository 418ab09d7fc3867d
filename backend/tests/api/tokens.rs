//! Access tokens: only HS256 tokens signed with our key, unexpired, with our
//! issuer and audience, are accepted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mentor::auth::tokens::unix_now;
use serde_json::{Value, json};

use crate::helpers::{JWT_SECRET, TestApp, spawn_app};

fn claims(user_id: i64, exp_offset: i64) -> Value {
    let now = unix_now() as i64;
    json!({
        "sub": user_id.to_string(), "email": "ada@example.com", "role": "user", "tier": "free",
        "sid": "s", "iat": now, "exp": now + exp_offset, "iss": "ai-mentor", "aud": "ai-mentor-api",
    })
}

fn sign(alg: Algorithm, secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("signs")
}

async fn me_status(app: &TestApp, token: &str) -> (u16, String) {
    let reply = app
        .request("GET", "/api/v1/users/me", Some(token), None)
        .await;
    (reply.status, reply.error().to_string())
}

fn invalid() -> (u16, String) {
    (401, "invalid_token".into())
}

#[tokio::test]
async fn a_token_we_sign_is_accepted_so_the_refusals_below_are_meaningful() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let token = sign(Algorithm::HS256, JWT_SECRET, &claims(session.user_id, 600));
    assert_eq!(me_status(&app, &token).await, (200, String::new()));
}

#[tokio::test]
async fn a_request_without_a_token_gets_missing_token() {
    let app = spawn_app().await;
    app.request("GET", "/api/v1/users/me", None, None)
        .await
        .assert_error(401, "missing_token");
}

#[tokio::test]
async fn a_malformed_authorization_header_is_refused() {
    let app = spawn_app().await;
    for value in ["Token abc", "Bearer ", "Bearer not.a.jwt", "Basic YTpi"] {
        let reply = app
            .client
            .get(format!("{}/api/v1/users/me", app.address))
            .header("authorization", value)
            .send()
            .await
            .expect("sent");
        assert_eq!(reply.status(), 401, "{value}");
        let body: Value = reply.json().await.expect("json");
        assert_eq!(body["error"], "invalid_token", "{value}");
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let token = sign(Algorithm::HS256, JWT_SECRET, &claims(session.user_id, -60));
    assert_eq!(me_status(&app, &token).await, invalid());
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let mut parts: Vec<String> = session.access.split('.').map(str::to_string).collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
    payload["role"] = json!("admin");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    assert_eq!(me_status(&app, &parts.join(".")).await, invalid());
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims(session.user_id, 600).to_string());
    assert_eq!(
        me_status(&app, &format!("{header}.{body}.")).await,
        invalid()
    );
}

#[tokio::test]
async fn other_algorithms_and_other_keys_are_refused() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let claims = claims(session.user_id, 600);
    for token in [
        sign(Algorithm::HS384, JWT_SECRET, &claims),
        sign(Algorithm::HS512, JWT_SECRET, &claims),
        sign(
            Algorithm::HS256,
            "another-secret-that-is-long-enough-42",
            &claims,
        ),
    ] {
        assert_eq!(me_status(&app, &token).await, invalid());
    }
}

#[tokio::test]
async fn a_token_for_another_issuer_or_audience_is_refused() {
    let app = spawn_app().await;
    let session = app.register("ada@example.com").await;
    let mut wrong_issuer = claims(session.user_id, 600);
    wrong_issuer["iss"] = json!("someone-else");
    let mut wrong_audience = claims(session.user_id, 600);
    wrong_audience["aud"] = json!("another-api");
    for c in [wrong_issuer, wrong_audience] {
        assert_eq!(
            me_status(&app, &sign(Algorithm::HS256, JWT_SECRET, &c)).await,
            invalid()
        );
    }
}
