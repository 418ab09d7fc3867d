//! Keys: personal API keys (for the user's own scripts and the SDKs they
//! already use). No HTTP here.

pub mod api_keys;
