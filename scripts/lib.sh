# Helpers shared by the scripts in this folder. Source it; do not run it.
# Each ensure_* installs what is missing and is quick when all is there.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root (directly, or through sudo when there is one).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $*"
  fi
}

APT_UPDATED=""
# Installs Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "Installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# A font for Chinese, Japanese and Korean text in rendered PDF resumes (the
# backend's own fonts cover Latin, Greek and Cyrillic).
ensure_cjk_font() {
  ensure_apt fonts-wqy-microhei
}

# The Rust pieces the build needs beyond a bare toolchain.
ensure_rust() {
  command -v cargo >/dev/null || die "cargo is not installed; install Rust with rustup (https://rustup.rs)"
  ensure_apt libpq-dev pkg-config
  local have
  have="$(rustup component list --installed 2>/dev/null || true)"
  for component in rustfmt clippy; do
    grep -q "^$component" <<<"$have" || rustup component add "$component"
  done
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

# A JWT secret and a master key (for users' own provider keys) for
# development, kept in the ignored .env file.
ensure_dev_secret() {
  local name
  for name in JWT_SECRET MENTOR_MASTER_KEY; do
    [ -n "${!name:-}" ] && continue
    if ! grep -qs "^$name=" .env; then
      step "Creating a development $name in .env (ignored by git)"
      printf '# Development only; created by scripts/run.sh.\n%s=%s\n' \
        "$name" "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" >>.env
    fi
  done
}

# A PostgreSQL server on 127.0.0.1:5432 that tests can create databases in.
# Prints the admin URL to use. Starts or installs the server when needed.
# TLS is off for this local server: it adds nothing here, and libpq's OpenSSL
# state torn down at process exit while worker threads still hold TLS
# connections aborted a test process ("free(): invalid pointer").
ensure_postgres() {
  local url="${MENTOR_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      ensure_apt postgresql >&2
    fi
    step "Starting PostgreSQL" >&2
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start >&2 || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not start on 127.0.0.1:5432"
  fi
  if ! psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    # A stock Debian install wants a password on TCP: give postgres one.
    as_root runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >&2 || true
    url="postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"
    psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1 ||
      die "cannot connect to PostgreSQL at 127.0.0.1:5432; set MENTOR_TEST_POSTGRES_URL to an admin URL"
  fi
  printf '%s\n' "$url"
}

# A Redis server on 127.0.0.1:6379 for the shared rate-limit tests. Prints
# its URL. Starts or installs it when needed.
ensure_redis() {
  local url="${MENTOR_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
  if [ -n "${MENTOR_TEST_REDIS_URL:-}" ]; then printf '%s\n' "$url"; return 0; fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    command -v redis-server >/dev/null || ensure_apt redis-server >&2
    step "Starting Redis" >&2
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >&2 ||
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && break; sleep 1; done
    redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG || die "Redis did not start on 127.0.0.1:6379"
  fi
  printf '%s\n' "$url"
}

# Whether any real AI provider key is set, in the environment or in .env.
has_provider_key() {
  local prefix
  for prefix in OPENAI ANTHROPIC GEMINI DEEPSEEK GROQ XAI; do
    local var="${prefix}_API_KEY"
    [ -n "${!var:-}" ] && return 0
    grep -qsE "^${var}=.+" .env && return 0
  done
  return 1
}

# Node.js and npm, from Debian's packages when missing.
ensure_node() {
  command -v npm >/dev/null || ensure_apt nodejs npm
}

# The npm packages of a folder with a package-lock.json, installed once.
ensure_npm_packages() {
  local dir="$1"
  ensure_node
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    step "Installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# A Python virtual environment with the packages of a requirements file
# (pinned versions), made once and remade when the file changes; prints the
# environment's python.
ensure_python_packages() {
  local requirements="$1" venv="$HOME/.cache/ai-mentor/venv-$(basename "$(dirname "$1")")"
  command -v python3 >/dev/null || ensure_apt python3
  python3 -m venv --help >/dev/null 2>&1 || ensure_apt python3-venv
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    step "Installing Python packages from $requirements" >&2
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$venv/requirements.txt"
  fi
  echo "$venv/bin/python"
}

# The wasm-bindgen CLI at exactly the version of the crate in Cargo.lock
# (they must match). Building it takes minutes, so it is skipped when present.
ensure_wasm_bindgen() {
  local want
  want="$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')"
  if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$want" ]; then
    step "Installing wasm-bindgen-cli $want (a few minutes, once)"
    # --locked fails here: a locked dependency of the CLI is not served.
    cargo install wasm-bindgen-cli --version "=$want"
  fi
}

# Debian's Chromium and Firefox ESR for the end-to-end tests.
ensure_browsers() {
  ensure_apt chromium firefox-esr
}
