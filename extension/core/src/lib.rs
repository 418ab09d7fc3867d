//! The AI Mentor extension's logic in plain Rust, tested with `cargo test`
//! and compiled into the extension's wasm: job posting extraction, answers
//! and their markdown, the panel's context, the job match card, the token refresh rules and the words the
//! extension shows for each error. The browser glue lives in the `browser`,
//! `worker` and `ui` crates beside this one.

pub mod answers;
pub mod job_posting;
pub mod markdown;
pub mod match_card;
pub mod panel;
pub mod session;
pub mod words;
