//! Every response's security headers: API answers (tokens included) are
//! never cached or sniffed, errors from middleware carry them too, every
//! HTML page has a policy that forbids framing, and HSTS comes with an
//! https public address.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("{} has no {name}", response.url()))
        .to_str()
        .expect("text")
}

#[tokio::test]
async fn api_answers_and_middleware_errors_are_not_cached_sniffed_or_framed() {
    let app = spawn_app_with(|s| s.auth.auth_requests_per_minute = 1).await;
    let login = || {
        app.client
            .post(format!("{}/api/v1/auth/register", app.address))
            .json(&json!({"email": "ada@example.com", "password": "a long enough passphrase 7"}))
            .send()
    };
    let tokens = login().await.expect("register");
    assert_eq!(tokens.status(), 201);
    // The second is refused by the per-IP limit, a middleware.
    let limited = login().await.expect("register");
    assert_eq!(limited.status(), 429);
    for response in [&tokens, &limited] {
        assert_eq!(header(response, "cache-control"), "no-store");
        assert_eq!(header(response, "x-content-type-options"), "nosniff");
        assert_eq!(header(response, "x-frame-options"), "DENY");
        assert_eq!(header(response, "referrer-policy"), "no-referrer");
        assert!(header(response, "content-security-policy").contains("frame-ancestors 'none'"));
        assert!(response.headers().get("x-request-id").is_some());
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none()
        );
    }
    assert!(header(&limited, "retry-after").parse::<u64>().is_ok());
}

#[tokio::test]
async fn every_html_page_has_a_policy_against_framing_and_no_referrer() {
    let app = spawn_app().await;
    for path in [
        "/admin",
        "/verify-email",
        "/reset-password",
        "/plans",
        "/billing/success",
        "/billing/cancel",
    ] {
        let page = get(&app, path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert!(
            header(&page, "content-type").starts_with("text/html"),
            "{path}"
        );
        let csp = header(&page, "content-security-policy");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(header(&page, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&page, "referrer-policy"), "no-referrer", "{path}");
    }
    // A 404 for a page-like path is JSON, with the same headers.
    let missing = get(&app, "/nothing-here").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn an_https_public_address_adds_hsts() {
    let app = spawn_app_with(|s| s.public_url = Some("https://mentor.example".into())).await;
    let health = get(&app, "/health").await;
    assert_eq!(
        header(&health, "strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
}
