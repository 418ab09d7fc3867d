//! The AI Mentor browser extension's logic: plain Rust, tested with
//! `cargo test`, compiled to wasm for the extension's pages. The browser glue
//! (popup, service worker, content script) comes with the extension issue.

pub mod job_posting;
pub mod markdown;
