//! The user's settings, with the backend URL fixed at build time as default.

use mentor_browser::storage::Area;
use shared_types::extension::{ExtensionSettings, PageSettings, SETTINGS_KEY, Theme};

/// Where the job button's collapsed state is kept.
const COLLAPSED_KEY: &str = "job_button_collapsed";

/// The backend used until the user sets another (`MENTOR_BACKEND_URL` at build time).
pub const DEFAULT_BACKEND_URL: &str = match option_env!("MENTOR_BACKEND_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8080",
};

/// The stored settings, or the defaults.
pub async fn load() -> ExtensionSettings {
    let mut settings = Area::Local
        .get(SETTINGS_KEY)
        .await
        .unwrap_or_else(|| ExtensionSettings {
            backend_url: String::new(),
            theme: Theme::System,
            selection_button: true,
            job_button: true,
            hidden_sites: Vec::new(),
        });
    if settings.backend_url.is_empty() {
        settings.backend_url = DEFAULT_BACKEND_URL.to_string();
    }
    settings
}

/// Stores `settings`.
pub async fn save(settings: &ExtensionSettings) -> Result<(), wasm_bindgen::JsValue> {
    Area::Local.set(SETTINGS_KEY, settings).await
}

/// What the content script shows on the site `host`.
pub async fn for_page(host: &str) -> PageSettings {
    let settings = load().await;
    PageSettings {
        selection_button: settings.selection_button,
        job_button: settings.job_button && !settings.hidden_sites.iter().any(|s| s == host),
        collapsed: Area::Local.get(COLLAPSED_KEY).await.unwrap_or(false),
    }
}

/// Hides the job button on the site `host`.
pub async fn hide_on(host: &str) -> Result<(), wasm_bindgen::JsValue> {
    let mut settings = load().await;
    if !settings.hidden_sites.iter().any(|s| s == host) {
        settings.hidden_sites.push(host.to_string());
    }
    save(&settings).await
}

/// Keeps whether the job button is collapsed.
pub async fn set_job_tab_collapsed(collapsed: bool) -> Result<(), wasm_bindgen::JsValue> {
    Area::Local.set(COLLAPSED_KEY, &collapsed).await
}

/// Checks and tidies a backend URL typed by the user: `https://`, or
/// `http://` to this machine only (a password and tokens must not cross a
/// network in the clear).
pub fn normalise_backend_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let (rest, plain) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (rest, false),
        (None, Some(rest)) => (rest, true),
        (None, None) => {
            return Err(
                "The server address must start with https:// (or http:// for a server on this computer)."
                    .into(),
            );
        }
    };
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err("That server address isn't valid.".into());
    }
    if plain && !is_loopback(rest) {
        return Err(
            "Use https:// for a server on another computer: over http:// your password and session would cross the network unencrypted."
                .into(),
        );
    }
    Ok(url.to_string())
}

/// Whether the host of `authority[/path]` is this machine.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::normalise_backend_url;

    #[test]
    fn backend_urls_need_a_web_scheme_and_lose_trailing_slashes() {
        assert_eq!(
            normalise_backend_url(" https://mentor.example/ "),
            Ok("https://mentor.example".into())
        );
        assert_eq!(
            normalise_backend_url("http://127.0.0.1:8080"),
            Ok("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            normalise_backend_url("http://[::1]:8080/"),
            Ok("http://[::1]:8080".into())
        );
        assert!(normalise_backend_url("http://localhost:8080").is_ok());
        for remote in [
            "http://mentor.example",
            "http://10.0.0.5:8080",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
        ] {
            assert!(normalise_backend_url(remote).is_err(), "{remote}");
        }
        assert!(normalise_backend_url("ftp://x").is_err());
        assert!(normalise_backend_url("https://").is_err());
        assert!(normalise_backend_url("javascript:alert(1)").is_err());
    }
}
