#!/usr/bin/env bash
# Instructions per ask, counted by callgrind (valgrind), which holds still
# on a shared machine where times and CPU seconds do not. Runs the ask
# benchmark's profile mode (N JSON asks one after another, two users) twice,
# with N and 2N asks, and divides the difference: the set-up (migrations,
# sign-ups) cancels out. What is counted is the benchmark's whole process:
# the backend, the HTTP client and the AI stand-in; PostgreSQL's own work is
# not. Prints the total and the functions that cost the most per ask.
# On SQLite the write-ahead log starts again at each checkpoint, every
# 200 ms of wall time; under callgrind an ask takes about fifty times
# longer, so the log stays shorter than in a real run, and its upkeep per
# ask (wal*) counts for a little less here.
#   scripts/profile-ask.sh [sqlite|postgres] [N]   (defaults: sqlite, 200)
source "$(dirname "$0")/lib.sh"

engine="${1:-sqlite}" asks="${2:-200}"
ensure_rust
ensure_apt valgrind
# MENTOR_PROFILE_OUT keeps callgrind's files there (for callgrind_annotate).
if [ -n "${MENTOR_PROFILE_OUT:-}" ]; then
  out="$MENTOR_PROFILE_OUT" && mkdir -p "$out"
else
  out="$(mktemp -d)" && trap 'rm -rf "$out"' EXIT
fi
bench="$(cargo bench -q -p mentor-backend --bench ask --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)"
[ -x "$bench" ] || die "could not build the ask benchmark"
if [ "$engine" = postgres ]; then
  export MENTOR_BENCH_POSTGRES_URL="$(ensure_postgres)"
fi
for n in "$asks" $((asks * 2)); do
  MENTOR_BENCH_ASKS="$n" valgrind --tool=callgrind --callgrind-out-file="$out/$n.out" \
    "$bench" --bench >"$out/$n.log" 2>&1 || { cat "$out/$n.log"; die "the profile run failed"; }
  grep '^profile:' "$out/$n.log"
done
if [ "$engine" = postgres ]; then
  psql "$MENTOR_BENCH_POSTGRES_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'mentor_bench_%'" |
    while read -r db; do psql "$MENTOR_BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
fi
step "Instructions per ask ($engine, the benchmark's process), and the functions that cost the most (inclusive)"
python3 - "$asks" "$out/$asks.out" "$out/$((asks * 2)).out" <<'PY'
import re, subprocess, sys
def costs(path):
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                          capture_output=True, text=True, check=True).stdout
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)", line)
        if m:
            out[m.group(2)] = int(m.group(1).replace(",", ""))
    return out
n = int(sys.argv[1])
a, b = costs(sys.argv[2]), costs(sys.argv[3])
print(f"{(b['PROGRAM TOTALS'] - a['PROGRAM TOTALS']) / n:,.0f} instructions per ask")
rows = sorted(((b[k] - a.get(k, 0)) / n, k) for k in b if k != "PROGRAM TOTALS")
for per_ask, name in reversed(rows[-60:]):
    print(f"{per_ask:12,.0f}  {name[:160]}")
PY
