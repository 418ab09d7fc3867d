//! The pages that mailed links open (`/verify-email`, `/reset-password`,
//! `/plans`):
//! static files built into the binary that call this server's API. The link's
//! token never leaves the page but to that API; the policy allows no other
//! origin, no inline script and no framing, and no referrer is sent.

use actix_web::http::header::ContentType;
use actix_web::{mime, web};

use super::dashboard::file;

const VERIFY: &str = include_str!("../../pages/verify-email.html");
const RESET: &str = include_str!("../../pages/reset-password.html");
const PLANS: &str = include_str!("../../pages/plans.html");
const SCRIPT: &str = include_str!("../../pages/account.js");
const STYLE: &str = include_str!("../../pages/account.css");

/// Registers the pages and their script and style sheet.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/verify-email").get(|| async { file(ContentType::html(), VERIFY) }))
        .service(
            web::resource("/reset-password").get(|| async { file(ContentType::html(), RESET) }),
        )
        .service(web::resource("/plans").get(|| async { file(ContentType::html(), PLANS) }))
        .service(
            web::resource("/account/account.js")
                .get(|| async { file(ContentType(mime::TEXT_JAVASCRIPT), SCRIPT) }),
        )
        .service(
            web::resource("/account/account.css")
                .get(|| async { file(ContentType(mime::TEXT_CSS_UTF_8), STYLE) }),
        );
}
