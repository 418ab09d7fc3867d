#!/usr/bin/env bash
# Resident memory of the release backend under sign-ins (argon2id, 19 MiB a
# hash): idle, after 1,000 sign-ins one after another, and after 100 at once;
# with the system allocator (glibc), and with jemalloc and mimalloc preloaded
# where Debian has them, to compare. Prints numbers only.
#   scripts/bench-sign-in.sh [SEQUENTIAL] [CONCURRENT]   (default 1000 100)
# MENTOR_BIN=path measures another build (an older commit, say).
source "$(dirname "$0")/lib.sh"

sequential="${1:-1000}" concurrent="${2:-100}"
bin="${MENTOR_BIN:-}"
if [ -z "$bin" ]; then
  ensure_rust
  cargo build --release -p mentor-backend -q
  bin="${CARGO_TARGET_DIR:-target}/release/mentor"
fi
ensure_apt libjemalloc2 libmimalloc2.0
tmp="$(mktemp -d)"
trap 'kill "${pid:-0}" 2>/dev/null; rm -rf "$tmp"' EXIT
port=18932
url="http://127.0.0.1:$port"
password="a long enough bench passphrase 7"

rss() { awk '/^VmRSS/ {print int($2/1024)}' "/proc/$pid/status"; }
peak() { awk '/^VmHWM/ {print int($2/1024)}' "/proc/$pid/status"; }
login() {
  curl -sf -o /dev/null -w '%{http_code}\n' -H 'content-type: application/json' \
    -d "{\"email\":\"bench@example.com\",\"password\":\"$password\"}" "$url/api/v1/auth/login"
}
export -f login
export url password

# measure NAME PRELOAD -> one line of MB figures
measure() {
  local name="$1" preload="$2"
  rm -f "$tmp/mentor.db"*
  LD_PRELOAD="$preload" JWT_SECRET="bench-secret-0123456789abcdef0123456789" \
    DATABASE_URL="sqlite://$tmp/mentor.db" MENTOR_BIND="127.0.0.1:$port" \
    MENTOR_AUTH_RATE_PER_MINUTE=100000000 MENTOR_MAIL_OUTBOX="$tmp/outbox" RUST_LOG=warn \
    "$bin" serve >"$tmp/log" 2>&1 &
  pid=$!
  until curl -sf "$url/health" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "the backend exited during start-up: $(cat "$tmp/log")"
    sleep 0.05
  done
  curl -sf -o /dev/null -H 'content-type: application/json' \
    -d "{\"email\":\"bench@example.com\",\"password\":\"$password\"}" "$url/api/v1/auth/register" ||
    die "could not register"
  local idle start seq_s seq_rss seq_peak par_s par_rss par_peak codes
  idle=$(rss)
  start=$(date +%s%N)
  for _ in $(seq "$sequential"); do login >/dev/null; done
  seq_s=$(( ($(date +%s%N) - start) / 1000000 ))
  seq_rss=$(rss) seq_peak=$(peak)
  start=$(date +%s%N)
  codes=$(seq "$concurrent" | xargs -P "$concurrent" -I{} bash -c login | sort | uniq -c | tr -s ' \n' ' ')
  par_s=$(( ($(date +%s%N) - start) / 1000000 ))
  par_rss=$(rss) par_peak=$(peak)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  printf '%-9s idle %4d MB | %d sequential: %5d ms, RSS %4d MB, peak %4d MB | %d at once: %5d ms, RSS %4d MB, peak %4d MB (statuses:%s)\n' \
    "$name" "$idle" "$sequential" "$seq_s" "$seq_rss" "$seq_peak" "$concurrent" "$par_s" "$par_rss" "$par_peak" "$codes"
}

echo "cores: $(nproc); binary: $bin"
measure glibc ""
for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/x86_64-linux-gnu/libmimalloc.so.2.0; do
  [ -e "$lib" ] && measure "$(basename "$lib" | cut -d. -f1 | sed 's/^lib//')" "$lib"
done
