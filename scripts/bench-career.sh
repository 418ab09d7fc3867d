#!/usr/bin/env bash
# Benchmark of the career features: skills extraction of a 10,000-character
# posting, and GET /api/v1/skills/analysis over 1,000 saved jobs on SQLite and
# PostgreSQL. Prints numbers; nothing passes or fails on speed.
#   scripts/bench-career.sh
source "$(dirname "$0")/lib.sh"

ensure_rust
pg_url="$(ensure_postgres)"
cargo bench -q -p mentor-backend --bench career 2>/dev/null
MENTOR_BENCH_POSTGRES_URL="$pg_url" cargo bench -q -p mentor-backend --bench career 2>/dev/null
psql "$pg_url" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'mentor_bench_%'" |
  while read -r db; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
