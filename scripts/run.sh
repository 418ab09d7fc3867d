#!/usr/bin/env bash
# Runs AI Mentor locally: the backend on its embedded SQLite database
# (./mentor.db), listening on MENTOR_BIND (default 127.0.0.1:8080).
# Installs what the build needs on a fresh machine, and creates a development
# JWT_SECRET in .env if none is set. Settings: see .env.example.
source "$(dirname "$0")/lib.sh"

ensure_rust
ensure_dev_secret

step "Building the backend (release)"
cargo build --release -p mentor-backend

step "Starting the backend (Ctrl+C stops it)"
exec "${CARGO_TARGET_DIR:-target}/release/mentor" serve
