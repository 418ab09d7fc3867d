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
}

impl Kind {
    /// The templates' base name, also stored with the queued mail.
    pub fn name(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::PasswordResetDone => "password_reset_done",
            Self::EmailChanged => "email_changed",
        }
    }

    fn subject(self) -> &'static str {
        match self {
            Self::VerifyEmail => "Confirm your email address",
            Self::ResetPassword => "Reset your password",
            Self::PasswordResetDone => "Your password was reset",
            Self::EmailChanged => "Your sign-in address was changed",
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

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
    public_url: String,
}

impl Templates {
    /// Compiles the templates; links point under `public_url`.
    pub fn new(public_url: &str) -> Self {
        let mut env = Environment::new();
        for (name, source) in [
            (
                "layout.html",
                include_str!("../../templates/mail/layout.html"),
            ),
            (
                "verify_email.html",
                include_str!("../../templates/mail/verify_email.html"),
            ),
            (
                "verify_email.txt",
                include_str!("../../templates/mail/verify_email.txt"),
            ),
            (
                "reset_password.html",
                include_str!("../../templates/mail/reset_password.html"),
            ),
            (
                "reset_password.txt",
                include_str!("../../templates/mail/reset_password.txt"),
            ),
            (
                "password_reset_done.html",
                include_str!("../../templates/mail/password_reset_done.html"),
            ),
            (
                "password_reset_done.txt",
                include_str!("../../templates/mail/password_reset_done.txt"),
            ),
            (
                "email_changed.html",
                include_str!("../../templates/mail/email_changed.html"),
            ),
            (
                "email_changed.txt",
                include_str!("../../templates/mail/email_changed.txt"),
            ),
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
        for kind in [
            Kind::VerifyEmail,
            Kind::ResetPassword,
            Kind::PasswordResetDone,
            Kind::EmailChanged,
        ] {
            let mail = templates
                .render(
                    kind,
                    &[
                        ("name", Value::from("<Ada>")),
                        ("email", Value::from("ada@example.com")),
                        ("link", Value::from(templates.link("/x?token=abc"))),
                        ("valid_for", Value::from("30 minutes")),
                        ("new_email", Value::from("ada@new.example")),
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
