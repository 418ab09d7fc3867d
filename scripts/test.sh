#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, the Rust tests on SQLite,
# the API tests again on a real PostgreSQL, the extension's build and
# web-ext lint, and the end-to-end tests of the built extension in Chromium
# and Firefox ESR, and the official OpenAI SDKs (Node and Python) against the
# OpenAI-compatible endpoint, and Schemathesis fuzzing the API against its
# OpenAPI document, and the scale-out and fault tests (three replicas behind
# nginx). PostgreSQL, Redis, nginx, the browsers, wasm-bindgen, the npm
# test tools and the Python packages are installed or started when missing;
# nothing is skipped.
source "$(dirname "$0")/lib.sh"

started=$SECONDS
ensure_rust
ensure_cjk_font
pg_url="$(ensure_postgres)"
export MENTOR_TEST_REDIS_URL="$(ensure_redis)"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (SQLite)"
cargo test --workspace --locked

step "API and command-line tests (PostgreSQL)"
# Each test makes its own database (about 170 of them, 1.5 GB in all); drop
# them before (an interrupted run's) and after.
drop_test_databases() {
  psql "$pg_url" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'mentor_test_%'" |
    while read -r db; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
}
drop_test_databases
MENTOR_TEST_POSTGRES_URL="$pg_url" cargo test -p mentor-backend --test api --test cli --locked
drop_test_databases

step "Deployment files, validated offline (hadolint, Compose schema, kustomize + Kubernetes schemas)"
bash scripts/check-deploy.sh

step "Extension build (dist/chrome, dist/firefox)"
bash scripts/build-extension.sh

step "No secret in the extension bundle"
# Stripe-style keys by shape; the backend's own secrets by value.
if grep -rqE 'sk_(live|test)_|whsec_' dist/chrome dist/firefox; then
  die "the extension bundle contains something shaped like a Stripe secret"
fi
while IFS='=' read -r name value; do
  case "$name" in JWT_SECRET|*_API_KEY|STRIPE_*) ;; *) continue ;; esac
  [ -n "$value" ] && grep -rqF "$value" dist/chrome dist/firefox && die "the extension bundle contains $name"
done < <(env; cat .env 2>/dev/null || true)

step "web-ext lint of dist/firefox (errors fail)"
ensure_npm_packages tests/e2e
(cd tests/e2e && npx web-ext lint --source-dir ../../dist/firefox --output text)

step "End-to-end tests: the extension in Chromium and Firefox ESR"
ensure_browsers
cargo build --locked -p mentor-backend --bin mentor -p mentor-stand-ins --bins
# Screenshots of the popup and panel land in tests/artifacts/ (not committed).
(cd tests/e2e && MENTOR_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}" npm test)

step "OpenAI SDK conformance: the official Node and Python packages against /v1"
ensure_npm_packages tests/sdk
sdk_python="$(ensure_python_packages tests/sdk/requirements.txt)"
(cd tests/sdk && MENTOR_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}" MENTOR_SDK_PYTHON="$sdk_python" npm test)

step "API contract under fuzzing: Schemathesis, every check, 120 s against the real server"
bash tests/contract/run.sh 120

step "Scale-out and fault tests: 3 replicas behind nginx, kill -9, PostgreSQL and Redis stopped (budget 300 s)"
bash tests/scale/run.sh 100 20 300

step "All checks passed in $((SECONDS - started)) s"
