#!/usr/bin/env bash
# The API contract under fuzzing: Schemathesis generates requests from the
# backend's own OpenAPI document (valid and invalid ones, and chains of
# them through the document's links) and runs every check it has against
# the real server for a fixed time budget. Any finding fails the step: a
# server error, an undocumented status, a schema-valid request refused, a
# schema-violating one accepted, a response that breaks its schema.
#   tests/contract/run.sh [SECONDS]   (default 120)
# The seed is the last commit's time, so that a run of one commit is
# repeatable (the cases it reaches still depend on the machine's speed) while
# each new commit explores cases the earlier ones did not reach; it is
# printed. MENTOR_CONTRACT_SEED=N repeats seed N; =random explores anew.
# Needs the debug binaries (cargo build -p mentor-backend --bin mentor -p
# mentor-stand-ins --bins). Reports land in tests/artifacts/contract/.
source "$(dirname "$0")/../../scripts/lib.sh"

budget="${1:-120}"
seed=()
default_seed="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 20261123)"
[ "${MENTOR_CONTRACT_SEED:-}" = random ] || seed=(--seed "${MENTOR_CONTRACT_SEED:-$default_seed}")
[ ${#seed[@]} -eq 0 ] || echo "Schemathesis seed ${seed[1]} (MENTOR_CONTRACT_SEED=${seed[1]} repeats it)"
target="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
python="$(ensure_python_packages "$ROOT/tests/contract/requirements.txt")"
work="$(mktemp -d)"
reports="$ROOT/tests/artifacts/contract"
mkdir -p "$reports"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a stand-in (here, not in a subshell, so that cleanup knows its pid).
stand_in() {
  "$target/mentor-stand-ins" "$@" >"$work/$1.url" 2>"$work/$1.log" &
  pids+=($!)
}
# The address a stand-in listens on, once it says.
address_of() {
  for _ in $(seq 50); do [ -s "$work/$1.url" ] && break; sleep 0.1; done
  head -n1 "$work/$1.url"
}
stand_in ai 127.0.0.1:0
stand_in stripe 127.0.0.1:0
ai="$(address_of ai)"
stripe="$(address_of stripe)"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
# Billing, own keys and every provider's address point at the stand-ins, so
# the fuzzer reaches the code behind each route. Sign-in limits are raised
# so that the generated requests test the logic, not the limiter.
export DATABASE_URL="sqlite://$work/contract.db" JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export MENTOR_BIND="127.0.0.1:$port" RUST_LOG=warn MENTOR_DEMO_PROVIDER=0
export MENTOR_MASTER_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export MENTOR_AUTH_RATE_PER_MINUTE=1000000
# Mail goes to files here; keys and checkout are reachable unverified.
export MENTOR_MAIL_OUTBOX="$work/outbox" MENTOR_REQUIRE_VERIFIED_EMAIL=0
export OPENAI_API_KEY=sk-contract OPENAI_BASE_URL="$ai/v1" ANTHROPIC_BASE_URL="$ai" GEMINI_BASE_URL="$ai"
export DEEPSEEK_BASE_URL="$ai/v1" GROQ_BASE_URL="$ai/v1" XAI_BASE_URL="$ai/v1"
export STRIPE_SECRET_KEY=sk_test_contract STRIPE_WEBHOOK_SECRET=whsec_contract STRIPE_API_BASE="$stripe"
export STRIPE_PRICE_PRO=price_pro STRIPE_PRICE_ENTERPRISE=price_enterprise
"$target/mentor" serve >"$work/backend.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "$url/health" >/dev/null && break; sleep 0.1; done
curl -fs "$url/health" >/dev/null || { cat "$work/backend.log"; die "the backend did not start"; }

# A user for the user's routes, and an admin for the operator's routes (in
# a run of their own, so that the console cannot suspend or delete the user
# the other run signs in as).
password="contract fuzzing password 2026"
MENTOR_ADMIN_PASSWORD="$password" "$target/mentor" admin create --email admin@example.com >/dev/null
curl -fs "$url/api/v1/auth/register" -H 'content-type: application/json' \
  -d "{\"email\":\"user@example.com\",\"password\":\"$password\"}" >/dev/null
token_of() {
  curl -fs "$url/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$password\"}" |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

failed=0
# fuzz NAME TOKEN FILTER...: one Schemathesis run over some operations.
fuzz() {
  local name="$1" token="$2"
  shift 2
  step "Schemathesis, every check, $((budget / 2)) s: $name"
  # From the work folder, where Schemathesis leaves its cache.
  (cd "$work" && "${python%/python}/schemathesis" --config-file "$ROOT/tests/contract/schemathesis.toml" run \
    "$url/api/v1/openapi.json" --url "$url" -H "Authorization: Bearer $token" "$@" \
    --max-time "$((budget / 2))" "${seed[@]}" --report junit,har --report-dir "$reports/$name" --no-color) ||
    failed=1
}
# Both tokens first: the user run's failed sign-ins from this address would
# make a later sign-in wait (per-IP throttling).
user_token="$(token_of user@example.com)" || die "could not sign in as user@example.com"
admin_token="$(token_of admin@example.com)" || die "could not sign in as admin@example.com"
fuzz users "$user_token" --exclude-tag admin
fuzz console "$admin_token" --include-tag admin

if grep -q ' panicked at ' "$work/backend.log"; then
  grep -B2 -A5 ' panicked at ' "$work/backend.log" | head -40
  die "the backend panicked under fuzzing"
fi
[ "$failed" -eq 0 ] || die "Schemathesis found problems (above; reports in $reports)"
