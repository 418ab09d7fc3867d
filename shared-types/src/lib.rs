//! Types the AI Mentor backend and extension both speak.
//!
//! No I/O and no database types live here, so the crate compiles for native
//! targets and for `wasm32-unknown-unknown`. OpenAPI schema derives sit behind
//! the `openapi` feature, which only the backend enables.

pub mod ask;
pub mod auth;
pub mod billing;
pub mod career;
pub mod conversations;
pub mod error;
pub mod extension;
pub mod models;
pub mod money;
pub mod plans;
pub mod sse;
pub mod usage;
pub mod validation;

pub use ask::*;
pub use auth::*;
pub use billing::*;
pub use career::*;
pub use conversations::*;
pub use error::{ErrorBody, ErrorCode};
pub use models::*;
pub use plans::{Plan, Role, SubscriptionStatus, Tier};
pub use usage::*;
