//! The AI Mentor backend as a library; `main.rs` only parses the command line.

pub mod admin;
pub mod ai;
pub mod ask;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod config;
pub mod conversations;
pub mod db;
pub mod error;
pub mod extractors;
pub mod jobs;
pub mod keys;
pub mod live;
pub mod mail;
pub mod maintenance;
pub mod metrics;
pub mod quota;
pub mod rate_limit;
pub mod resumes;
pub mod routes;
pub mod skills;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod usage;
