//! Types the AI Mentor backend and extension both speak.
//!
//! No I/O and no database types live here, so the crate compiles for native
//! targets and for `wasm32-unknown-unknown`. OpenAPI schema derives sit behind
//! the `openapi` feature, which only the backend enables.

// Implements `as_str` and `FromStr` for a snake_case unit enum, so database
// text columns and JWT claims convert the same way serde does.
macro_rules! string_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The snake_case name, as stored and serialised.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!("unknown {} '{other}'", stringify!($ty))),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod admin;
pub mod ask;
pub mod auth;
pub mod billing;
pub mod career;
pub mod conversations;
pub mod error;
pub mod extension;
pub mod keys;
pub mod models;
pub mod money;
pub mod plans;
pub mod resume_document;
pub mod sse;
pub mod usage;
pub mod validation;

pub use admin::*;
pub use ask::*;
pub use auth::*;
pub use billing::*;
pub use career::*;
pub use conversations::*;
pub use error::{DocumentErrorBody, ErrorBody, ErrorCode, FieldProblem};
pub use keys::*;
pub use models::*;
pub use plans::{Plan, Role, SubscriptionStatus, Tier};
pub use usage::*;
