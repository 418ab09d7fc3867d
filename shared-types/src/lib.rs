//! Types the AI Mentor backend and extension both speak.
//!
//! No I/O and no database types live here, so the crate compiles for native
//! targets and for `wasm32-unknown-unknown`. OpenAPI schema derives sit behind
//! the `openapi` feature, which only the backend enables.

pub mod auth;
pub mod error;
pub mod plans;
pub mod validation;

pub use auth::*;
pub use error::{ErrorBody, ErrorCode};
pub use plans::{Role, Tier};
