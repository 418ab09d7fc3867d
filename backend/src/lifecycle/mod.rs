//! An account's life beyond signing in: the notices mailed about it, taking
//! its data away, and its end (deletion, and conversations past the plan's
//! retention).

pub mod deletion;
pub mod export;
pub mod notices;
pub mod retention;
