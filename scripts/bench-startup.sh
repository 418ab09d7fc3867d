#!/usr/bin/env bash
# Measures the release backend's start-up time (process start until /health
# answers, migrations on a fresh database included) and its resident memory
# when idle, on SQLite and, if reachable, PostgreSQL. Prints numbers only;
# nothing here passes or fails on speed.
#   scripts/bench-startup.sh [RUNS]   (default 10)
source "$(dirname "$0")/lib.sh"

runs="${1:-10}"
ensure_rust
cargo build --release -p mentor-backend -q
bin="${CARGO_TARGET_DIR:-target}/release/mentor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
port=18931

# measure URL -> prints "startup_ms rss_kib"
measure() {
  local url="$1" start pid ms
  start=$(date +%s%N)
  JWT_SECRET="bench-secret-0123456789abcdef0123456789" DATABASE_URL="$url" \
    MENTOR_BIND="127.0.0.1:$port" RUST_LOG=warn "$bin" serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "the backend exited during start-up"
  done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 2
  local rss
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  echo "$ms $rss"
}

report() {
  local name="$1"; shift
  local results=("$@")
  printf '%s\n' "${results[@]}" | sort -n | awk -v name="$name" '
    { ms[NR] = $1; rss[NR] = $2 }
    END {
      n = NR; mid = int((n + 1) / 2)
      asort(rss)
      printf "%-10s start-up ms: min %d  median %d  max %d   idle RSS: median %.1f MiB  (%d runs)\n",
        name, ms[1], ms[mid], ms[n], rss[mid] / 1024, n
    }'
}

results=()
for i in $(seq 1 "$runs"); do
  results+=("$(measure "sqlite://$tmp/bench-$i.db")")
done
report sqlite "${results[@]}"

if pg_url="$(ensure_postgres 2>/dev/null)"; then
  results=()
  for i in $(seq 1 "$runs"); do
    db="mentor_bench_$i"
    psql "$pg_url" -qc "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    results+=("$(measure "${pg_url%/*}/$db")")
    psql "$pg_url" -qc "DROP DATABASE $db WITH (FORCE)"
  done
  report postgres "${results[@]}"
fi
