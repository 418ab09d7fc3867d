//! Keys: personal API keys (for the user's own scripts and the SDKs they
//! already use) and the users' own AI provider keys, encrypted at rest. No
//! HTTP here.

pub mod api_keys;
pub mod provider_keys;
pub mod vault;
