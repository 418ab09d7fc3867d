#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, the Rust tests on SQLite,
# the API tests again on a real PostgreSQL, and the wasm32 build of the
# crates the extension uses. PostgreSQL and Redis (shared rate limits) are
# started or installed when missing; their tests are never skipped.
source "$(dirname "$0")/lib.sh"

started=$SECONDS
ensure_rust
pg_url="$(ensure_postgres)"
export MENTOR_TEST_REDIS_URL="$(ensure_redis)"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (SQLite)"
cargo test --workspace --locked

step "API tests (PostgreSQL)"
# Each test makes its own database; clear those an earlier run left behind.
psql "$pg_url" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'mentor_test_%'" |
  while read -r db; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
MENTOR_TEST_POSTGRES_URL="$pg_url" cargo test -p mentor-backend --test api --locked

step "wasm32 build of shared-types and the extension crate"
cargo build --locked --target wasm32-unknown-unknown -p shared-types -p mentor-extension

step "All checks passed in $((SECONDS - started)) s"
