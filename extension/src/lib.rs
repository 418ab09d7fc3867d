//! The AI Mentor browser extension. A placeholder until the extension issue
//! builds the popup, service worker and content script.

pub use shared_types;
