#!/usr/bin/env bash
# Benchmark of the admin console's heavy reads: analytics over 1,000,000
# ledger rows and the users list sorted by cost, on SQLite and PostgreSQL.
# Prints numbers; nothing passes or fails on speed.
#   scripts/bench-admin.sh
source "$(dirname "$0")/lib.sh"

ensure_rust
pg_url="$(ensure_postgres)"
cargo bench -q -p mentor-backend --bench admin 2>/dev/null
MENTOR_BENCH_POSTGRES_URL="$pg_url" cargo bench -q -p mentor-backend --bench admin 2>/dev/null
psql "$pg_url" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'mentor_bench_%'" |
  while read -r db; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
