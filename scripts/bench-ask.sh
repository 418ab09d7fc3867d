#!/usr/bin/env bash
# Load benchmark of POST /api/v1/ask and POST /v1/chat/completions on SQLite
# and PostgreSQL: open loop at a fixed rate (throughput and the p50/p99
# latency the backend adds over calling a zero-delay AI stand-in directly),
# then closed loop at 1 and 32 concurrent clients, ending with both
# databases side by side. Prints numbers; nothing passes or fails on speed.
#   scripts/bench-ask.sh [RATE] [SECONDS] [CLIENTS]
#   (defaults: 1000 asks/s, 10 s, clients "1,32")
source "$(dirname "$0")/lib.sh"

export MENTOR_BENCH_RATE="${1:-1000}" MENTOR_BENCH_SECONDS="${2:-10}" MENTOR_BENCH_CLIENTS="${3:-1,32}"
ensure_rust
pg_url="$(ensure_postgres)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cargo bench -q -p mentor-backend --bench ask 2>/dev/null | tee "$out" | grep -v '^summary'
MENTOR_BENCH_POSTGRES_URL="$pg_url" cargo bench -q -p mentor-backend --bench ask 2>/dev/null |
  tee -a "$out" | grep -v '^summary' | tail -n +2
psql "$pg_url" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'mentor_bench_%'" |
  while read -r db; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done

step "Side by side (closed loop): asks/s and the p50 the backend adds"
echo "(CPU: microseconds per ask in the benchmark's process, which holds the backend, the client and the AI stand-in, plus PostgreSQL's)"
awk '$1 == "summary" { key = $3 " " $4; seen[key] = 1; rate[$2, key] = $5; added[$2, key] = $6; cpu[$2, key] = $7 }
  END {
    printf "%-8s %8s %14s %18s %11s %14s %18s %11s\n", "mode", "clients", "sqlite asks/s", "sqlite added p50", "sqlite CPU", "pg asks/s", "pg added p50", "pg CPU"
    for (key in seen) {
      split(key, k, " ")
      printf "%-8s %8s %14s %15s ms %8s µs %14s %15s ms %8s µs\n", k[1], k[2], rate["sqlite", key], added["sqlite", key], cpu["sqlite", key], rate["postgres", key], added["postgres", key], cpu["postgres", key]
    }
  }' "$out" | (read -r header; echo "$header"; sort -k2,2n -k1,1)
