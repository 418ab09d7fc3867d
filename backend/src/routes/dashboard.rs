//! `/admin`: the operator console, four static files built into the
//! binary. The page talks only to this server's API; its Content-Security-
//! Policy allows nothing else (no inline script or style, no other origin,
//! no framing).

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, mime, web};

const INDEX: &str = include_str!("../../dashboard/index.html");
const SCRIPT: &str = include_str!("../../dashboard/app.js");
const STYLE: &str = include_str!("../../dashboard/app.css");
const ICON: &str = include_str!("../../dashboard/favicon.svg");

/// The policy every console response carries.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; \
    base-uri 'none'";

/// Registers `/admin` and its script, style sheet and icon.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin").get(index))
        .service(web::resource("/admin/").get(index))
        .service(web::resource("/admin/app.js").get(script))
        .service(web::resource("/admin/app.css").get(style))
        .service(web::resource("/admin/favicon.svg").get(icon));
}

/// A static file under [`CSP`], revalidated before reuse (the other
/// headers are every response's: [`crate::security_headers`]).
pub(crate) fn file(content_type: ContentType, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("content-security-policy", CSP))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

async fn index() -> HttpResponse {
    file(ContentType::html(), INDEX)
}

async fn script() -> HttpResponse {
    file(ContentType(mime::TEXT_JAVASCRIPT), SCRIPT)
}

async fn icon() -> HttpResponse {
    file(ContentType(mime::IMAGE_SVG), ICON)
}

async fn style() -> HttpResponse {
    file(ContentType(mime::TEXT_CSS_UTF_8), STYLE)
}
