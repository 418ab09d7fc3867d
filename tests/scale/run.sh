#!/usr/bin/env bash
# Scale-out and fault tests (tests/scale/run.mjs): three replicas behind
# Debian's nginx with their own PostgreSQL and Redis, a fixed-rate load,
# kill -9 of a replica, PostgreSQL stopped and Redis stopped mid-load. The
# whole run is bounded by a time budget; it prints what it measured.
#   tests/scale/run.sh [RATE] [SECONDS] [BUDGET]   (defaults 100, 20, 300)
# Needs the debug binaries (cargo build -p mentor-backend --bin mentor -p
# mentor-stand-ins --bins).
source "$(dirname "$0")/../../scripts/lib.sh"

rate="${1:-100}" seconds="${2:-20}" budget="${3:-300}"
ensure_apt nginx redis-server postgresql
ensure_node
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
MENTOR_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}" PG_BIN="$pg_bin" \
  timeout --kill-after=10 "$budget" node "$ROOT/tests/scale/run.mjs" "$rate" "$seconds" ||
  die "the scale and fault tests failed or ran past ${budget} s (above)"
