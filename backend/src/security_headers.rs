//! The headers every response carries unless its handler chose otherwise:
//! never sniffed, framed, cached or sent on as a referrer, and a
//! Content-Security-Policy that allows nothing (an HTML page sets its own,
//! which must keep `frame-ancestors 'none'`). HSTS is added when the public
//! address is `https://` (`MENTOR_PUBLIC_URL`), the only case where the
//! browser keeps it.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// The policy of a response that names none: load nothing, be framed by
/// no one.
pub const DEFAULT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// A year, subdomains included (no `preload`: that is the operator's choice).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds each header that the response does not already have.
pub fn add(headers: &mut HeaderMap, hsts: bool) {
    let defaults = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::CONTENT_SECURITY_POLICY, DEFAULT_CSP),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if hsts && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY) {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_what_is_missing_and_keep_what_a_handler_set() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        add(&mut headers, false);
        assert_eq!(headers.get(header::CACHE_CONTROL).expect("set"), "no-cache");
        assert_eq!(
            headers.get(header::X_CONTENT_TYPE_OPTIONS).expect("set"),
            "nosniff"
        );
        assert_eq!(
            headers.get(header::CONTENT_SECURITY_POLICY).expect("set"),
            DEFAULT_CSP
        );
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        add(&mut headers, true);
        assert_eq!(
            headers.get(header::STRICT_TRANSPORT_SECURITY).expect("set"),
            HSTS
        );
    }
}
