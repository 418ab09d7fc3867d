//! The mails' words: each message is a pair of templates under
//! `backend/templates/mail/` (plain text and HTML, the HTML auto-escaped),
//! compiled into the binary.

use minijinja::{Environment, Value};

/// The product's name in every mail.
pub const PRODUCT: &str = "AI Mentor";

/// Which message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The link that proves the address.
    VerifyEmail,
    /// The link that sets a new password.
    ResetPassword,
    /// The notice that the password was reset.
    PasswordResetDone,
    /// The notice, to the old address, that the address changed.
    EmailChanged,
    /// The notice that every personal API key was revoked.
    ApiKeysRevoked,
    /// 80% of the month's questions are used.
    QuotaWarning,
    /// All of the month's questions are used.
    QuotaReached,
    /// A subscription payment failed.
    PaymentFailed,
    /// A subscription started.
    SubscriptionStarted,
    /// A subscription ended.
    SubscriptionEnded,
}

impl Kind {
    /// Every message.
    pub const ALL: [Kind; 10] = [
        Self::VerifyEmail,
        Self::ResetPassword,
        Self::PasswordResetDone,
        Self::EmailChanged,
        Self::ApiKeysRevoked,
        Self::QuotaWarning,
        Self::QuotaReached,
        Self::PaymentFailed,
        Self::SubscriptionStarted,
        Self::SubscriptionEnded,
    ];

    /// The templates' base name, also stored with the queued mail.
    pub fn name(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::PasswordResetDone => "password_reset_done",
            Self::EmailChanged => "email_changed",
            Self::ApiKeysRevoked => "api_keys_revoked",
            Self::QuotaWarning => "quota_warning",
            Self::QuotaReached => "quota_reached",
            Self::PaymentFailed => "payment_failed",
            Self::SubscriptionStarted => "subscription_started",
            Self::SubscriptionEnded => "subscription_ended",
        }
    }

    fn subject(self) -> &'static str {
        match self {
            Self::VerifyEmail => "Confirm your email address",
            Self::ResetPassword => "Reset your password",
            Self::PasswordResetDone => "Your password was reset",
            Self::EmailChanged => "Your sign-in address was changed",
            Self::ApiKeysRevoked => "Your API keys were revoked",
            Self::QuotaWarning => "You have used 80% of this month's questions",
            Self::QuotaReached => "You have used all of this month's questions",
            Self::PaymentFailed => "Your payment did not go through",
            Self::SubscriptionStarted => "Your subscription has started",
            Self::SubscriptionEnded => "Your subscription has ended",
        }
    }
}

/// A rendered message.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The subject line (with the product's name).
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// `(name, source)` of each template file, read at compile time.
macro_rules! mail_templates {
    ($($name:literal),+ $(,)?) => {
        [$(($name, include_str!(concat!("../../templates/mail/", $name)))),+]
    };
}

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
    public_url: String,
}

impl Templates {
    /// Compiles the templates; links point under `public_url`.
    pub fn new(public_url: &str) -> Self {
        let mut env = Environment::new();
        for (name, source) in mail_templates![
            "layout.html",
            "verify_email.html",
            "verify_email.txt",
            "reset_password.html",
            "reset_password.txt",
            "password_reset_done.html",
            "password_reset_done.txt",
            "email_changed.html",
            "email_changed.txt",
            "api_keys_revoked.html",
            "api_keys_revoked.txt",
            "quota_warning.html",
            "quota_warning.txt",
            "quota_reached.html",
            "quota_reached.txt",
            "payment_failed.html",
            "payment_failed.txt",
            "subscription_started.html",
            "subscription_started.txt",
            "subscription_ended.html",
            "subscription_ended.txt",
        ] {
            env.add_template(name, source)
                .expect("the mail templates are valid (a unit test renders each)");
        }
        Self {
            env,
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    /// A page of this server, for links: `path` starts with `/`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Renders `kind` with `fields` (besides the product's name, the
    /// subject and the public URL, which every template gets).
    pub fn render(&self, kind: Kind, fields: &[(&str, Value)]) -> Result<Rendered, String> {
        let subject = format!("{} – {}", kind.subject(), PRODUCT);
        let mut context: Vec<(&str, Value)> = vec![
            ("product", Value::from(PRODUCT)),
            ("subject", Value::from(subject.as_str())),
            ("public_url", Value::from(self.public_url.as_str())),
        ];
        context.extend(fields.iter().cloned());
        let context = Value::from_iter(context);
        let render = |ext: &str| {
            self.env
                .get_template(&format!("{}.{ext}", kind.name()))
                .and_then(|t| t.render(&context))
                .map_err(|e| format!("mail template {}.{ext}: {e}", kind.name()))
        };
        Ok(Rendered {
            text: render("txt")?,
            html: render("html")?,
            subject,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_and_html_is_escaped() {
        let templates = Templates::new("https://mentor.example/");
        for kind in Kind::ALL {
            let mail = templates
                .render(
                    kind,
                    &[
                        ("name", Value::from("<Ada>")),
                        ("email", Value::from("ada@example.com")),
                        ("link", Value::from(templates.link("/x?token=abc"))),
                        ("valid_for", Value::from("30 minutes")),
                        ("new_email", Value::from("ada@new.example")),
                        ("used", Value::from(8)),
                        ("allowance", Value::from(10)),
                        ("plan", Value::from("Pro")),
                        ("resets", Value::from("1 December 2026")),
                    ],
                )
                .expect("renders");
            assert!(mail.html.contains("&lt;Ada&gt;"), "{}", mail.html);
            assert!(mail.text.contains("<Ada>"), "{}", mail.text);
            assert!(
                mail.text.contains("https://mentor.example"),
                "{}",
                mail.text
            );
            assert!(mail.subject.ends_with(PRODUCT));
        }
    }
}
