//! Input rules shared by the popup and the backend, so both judge alike.

/// The shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// The longest password accepted (hashing cost stays bounded).
pub const PASSWORD_MAX_CHARS: usize = 256;
/// The longest display name accepted.
pub const FULL_NAME_MAX_CHARS: usize = 100;
/// The longest email address accepted (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

/// Whether a required text has something in it: a character that is
/// neither blank nor a control character. The OpenAPI document says the
/// same of such fields with the pattern `[^\s\x00-\x1f\x7f-\x9f]`.
pub fn has_text(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace() && !c.is_control())
}

/// Passwords long enough to pass the length rule that are still among the
/// most common in breach corpora; compared case-insensitively.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`PASSWORD_MIN_CHARS`] characters.
    TooShort,
    /// More than [`PASSWORD_MAX_CHARS`] characters.
    TooLong,
    /// Found in the list of common passwords.
    TooCommon,
    /// One character repeated, or the email address itself.
    TooPredictable,
}

impl PasswordProblem {
    /// A sentence a user can act on.
    pub fn message(self) -> String {
        match self {
            Self::TooShort => {
                format!("The password must be at least {PASSWORD_MIN_CHARS} characters long.")
            }
            Self::TooLong => {
                format!("The password must be at most {PASSWORD_MAX_CHARS} characters long.")
            }
            Self::TooCommon => {
                "This password is too common; choose one that is harder to guess.".into()
            }
            Self::TooPredictable => {
                "This password is too easy to guess; avoid repeated characters and your email address."
                    .into()
            }
        }
    }
}

/// Checks a new password against the rules; `email` is the account's address.
pub fn validate_password(password: &str, email: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    // ASCII case folding: the list is ASCII, and Unicode's case tables would
    // cost the popup's wasm ~10 KB for the odd non-ASCII letter.
    let lowered = password.to_ascii_lowercase();
    if COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .any(|common| !common.is_empty() && common == lowered)
    {
        return Err(PasswordProblem::TooCommon);
    }
    let mut distinct: Vec<char> = lowered.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let email = email.trim().to_ascii_lowercase();
    let local_part = email.split('@').next().unwrap_or_default();
    if distinct.len() <= 2 || lowered == email || (local_part.len() >= 4 && lowered == local_part) {
        return Err(PasswordProblem::TooPredictable);
    }
    Ok(())
}

/// Trims and lower-cases an email address and checks its shape
/// ([`check_email`]).
pub fn normalize_email(raw: &str) -> Result<String, String> {
    check_email(raw).map(str::to_lowercase)
}

/// The trimmed address if it has the shape of one, or why not. Case plays
/// no part, so the popup checks with this alone and leaves the lower-casing
/// (and Unicode's case tables) to the backend.
///
/// The check is deliberately practical, not RFC 5322 complete: one `@`, a
/// non-empty local part of at most 64 characters, a domain of dot-separated
/// labels of letters, digits and hyphens, and no spaces or control characters.
pub fn check_email(raw: &str) -> Result<&str, String> {
    let email = raw.trim();
    let invalid = |why: &str| Err(format!("'{email}' is not a valid email address: {why}."));
    if email.is_empty() {
        return Err("An email address is required.".into());
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return invalid("it is too long");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return invalid("it has no '@'");
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return invalid("the part before '@' is empty, too long, or there are two '@'");
    }
    if local
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "\"(),:;<>[\\]".contains(c))
    {
        return invalid("the part before '@' has a character addresses cannot contain");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return invalid("dots cannot start, end or repeat in the part before '@'");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return invalid("the domain after '@' is not a valid domain name");
    }
    Ok(email)
}

/// Trims a display name; `None` when it is empty, an error when too long.
pub fn normalize_full_name(raw: &str) -> Result<Option<String>, String> {
    let name = raw.trim();
    if raw.chars().count() > FULL_NAME_MAX_CHARS {
        return Err(format!(
            "The name must be at most {FULL_NAME_MAX_CHARS} characters long."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("The name cannot contain control characters.".into());
    }
    Ok((!name.is_empty()).then(|| name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Ada.Lovelace@Example.COM \n"),
            Ok("ada.lovelace@example.com".to_string())
        );
        assert_eq!(
            normalize_email("a+tag@sub.example.co.uk").as_deref(),
            Ok("a+tag@sub.example.co.uk")
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "   ",
            "plainaddress",
            "@example.com",
            "a@b@example.com",
            "a@example",
            "a@.example.com",
            "a@example..com",
            "a b@example.com",
            ".a@example.com",
            "a..b@example.com",
            "a@-example.com",
            "a@exa_mple.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} should be refused");
        }
        for bad in ["A B@Example.com", "Ada@EXAMPLE"] {
            assert_eq!(check_email(bad).is_err(), normalize_email(bad).is_err());
        }
        assert_eq!(check_email("  Ada@Example.COM "), Ok("Ada@Example.COM"));
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(normalize_email(&long).is_err());
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert_eq!(
            validate_password("short-pw-11", "a@b.co"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(validate_password("long-enough-pw", "a@b.co"), Ok(()));
        // Characters, not bytes: eleven two-byte letters are still too short.
        assert_eq!(
            validate_password(&"é".repeat(11), "a@b.co"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            validate_password(&"x1".repeat(129), "a@b.co"),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn common_and_predictable_passwords_are_refused() {
        assert_eq!(
            validate_password("Password1234", "a@b.co"),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            validate_password("123456789012", "a@b.co"),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            validate_password("aaaaaaaaaaaaaa", "a@b.co"),
            Err(PasswordProblem::TooPredictable)
        );
        assert_eq!(
            validate_password("ababababababab", "a@b.co"),
            Err(PasswordProblem::TooPredictable)
        );
        assert_eq!(
            validate_password("ada.lovelace@example.com", "Ada.Lovelace@example.com"),
            Err(PasswordProblem::TooPredictable)
        );
    }

    #[test]
    fn the_common_password_list_only_holds_entries_the_length_rule_lets_through() {
        let entries: Vec<&str> = COMMON_PASSWORDS
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert!(entries.len() >= 100, "list has {} entries", entries.len());
        for entry in entries {
            assert!(
                entry.chars().count() >= PASSWORD_MIN_CHARS,
                "{entry:?} is shorter than the minimum"
            );
            assert_eq!(entry, entry.to_lowercase(), "{entry:?} must be lower case");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize_full_name("  Ada  "), Ok(Some("Ada".into())));
        assert_eq!(normalize_full_name("   "), Ok(None));
        assert!(normalize_full_name(&"n".repeat(101)).is_err());
        assert!(normalize_full_name("a\u{0}b").is_err());
    }
}
