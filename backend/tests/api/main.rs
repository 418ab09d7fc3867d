//! Integration tests of the HTTP API against the real app and database.

mod helpers;

mod errors;
mod login;
mod openapi;
mod operations;
mod refresh;
mod register;
mod tokens;
mod users_me;
