#!/usr/bin/env bash
# Load benchmark of POST /api/v1/ask and POST /v1/chat/completions on SQLite
# and PostgreSQL: throughput and the p50/p99 latency the backend adds over
# calling a zero-delay AI stand-in
# directly. Prints numbers; nothing passes or fails on speed.
#   scripts/bench-ask.sh [RATE] [SECONDS]    (default 1000 asks/s for 10 s)
source "$(dirname "$0")/lib.sh"

export MENTOR_BENCH_RATE="${1:-1000}" MENTOR_BENCH_SECONDS="${2:-10}"
ensure_rust
pg_url="$(ensure_postgres)"
cargo bench -q -p mentor-backend --bench ask 2>/dev/null
MENTOR_BENCH_POSTGRES_URL="$pg_url" cargo bench -q -p mentor-backend --bench ask 2>/dev/null | tail -n +2
psql "$pg_url" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'mentor_bench_%'" |
  while read -r db; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
