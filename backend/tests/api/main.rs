//! Integration tests of the HTTP API against the real app and database.

mod helpers;

mod account_mail;
mod admin;
mod api_keys;
mod ask;
mod ask_failures;
mod audit;
mod billing;
mod conversations;
mod errors;
mod jobs;
mod ledger;
mod lifecycle;
mod login;
mod metrics;
mod models_usage;
mod openai_compat;
mod openapi;
mod operations;
mod provider_keys;
mod quota;
mod refresh;
mod register;
mod resume_documents;
mod resumes;
mod row_security;
mod security_headers;
mod throttle;
mod tokens;
mod users_me;
