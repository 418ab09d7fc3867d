//! The error format, body limits, request ids and CORS, across routes.

use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = spawn_app().await;
    let reply = app.request("GET", "/api/v1/nothing-here", None, None).await;
    reply.assert_error(404, "not_found");
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let app = spawn_app().await;
    let reply = app.request("PUT", "/api/v1/users/me", None, None).await;
    reply.assert_error(405, "method_not_allowed");
}

#[tokio::test]
async fn bodies_over_64_kb_are_refused_with_413() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "ada@example.com", "password": PASSWORD, "full_name": "x".repeat(70 * 1024)}),
        )
        .await;
    reply.assert_error(413, "payload_too_large");
}

#[tokio::test]
async fn a_non_json_content_type_is_an_invalid_request() {
    let app = spawn_app().await;
    let reply = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "text/plain")
        .body("email=a&password=b")
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status(), 400);
    let body: serde_json::Value = reply.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
}

/// Bodies are read as their schema says: an object, never an array of the
/// fields (which serde alone would take), and `3.0` is an integer.
#[tokio::test]
async fn a_body_must_be_an_object_and_integral_numbers_are_integers() {
    let app = spawn_app().await;
    let ada = app.register("ada@example.com").await;
    let array = app
        .request(
            "PATCH",
            "/api/v1/users/me",
            Some(&ada.access),
            Some(json!([null, null, null])),
        )
        .await;
    array.assert_error(400, "invalid_request");
    assert!(
        array.body["message"]
            .as_str()
            .expect("message")
            .contains("object")
    );
    let root = app.admin("root@example.com").await;
    let granted = app
        .request(
            "POST",
            &format!("/api/v1/admin/users/{}/grant", ada.user_id),
            Some(&root.access),
            Some(json!({"questions": 3.0})),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    let fractional = app
        .request(
            "POST",
            &format!("/api/v1/admin/users/{}/grant", ada.user_id),
            Some(&root.access),
            Some(json!({"questions": 3.5})),
        )
        .await;
    fractional.assert_error(400, "invalid_request");
}

#[tokio::test]
async fn every_response_carries_its_own_request_id() {
    let app = spawn_app().await;
    let ok = app.request("GET", "/health", None, None).await;
    let error = app.request("GET", "/api/v1/users/me", None, None).await;
    let ids: Vec<&str> = [&ok, &error]
        .iter()
        .map(|r| r.header("x-request-id").expect("x-request-id"))
        .collect();
    assert_ne!(ids[0], ids[1]);
    assert!(ids.iter().all(|id| id.len() >= 32));
}

#[tokio::test]
async fn extension_origins_pass_cors_and_web_origins_do_not() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/v1/auth/login", app.address),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("chrome-extension://abcdefghijklmnop")
        .await
        .expect("sent");
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("chrome-extension://abcdefghijklmnop")
    );
    assert!(
        allowed
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let firefox = preflight("moz-extension://0b3c7c8e-1111-2222-3333-444455556666")
        .await
        .expect("sent");
    assert_eq!(firefox.status(), 200);

    let refused = preflight("https://evil.example").await.expect("sent");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(refused.status().is_client_error());
}
