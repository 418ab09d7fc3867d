#!/usr/bin/env bash
# Runs AI Mentor locally: builds the extension (dist/chrome, dist/firefox)
# and prints how to load it, then runs the backend on its embedded SQLite database
# (./mentor.db), listening on MENTOR_BIND (default 127.0.0.1:8080). With no
# AI provider key configured, the clearly labelled demo provider is enabled.
# Installs what the build needs on a fresh machine, and creates a development
# JWT_SECRET in .env if none is set. Settings: see .env.example.
source "$(dirname "$0")/lib.sh"

ensure_rust
ensure_cjk_font
ensure_dev_secret
if ! has_provider_key && [ -z "${MENTOR_DEMO_PROVIDER:-}" ]; then
  step "No AI provider key is set: enabling the demo provider (answers say they are demos)"
  echo "    Set OPENAI_API_KEY (or ANTHROPIC_, GEMINI_, DEEPSEEK_, GROQ_, XAI_API_KEY) in .env for real answers."
  export MENTOR_DEMO_PROVIDER=1
fi

step "Building the extension"
bash scripts/build-extension.sh
cat <<MSG
    Load it in Chrome: chrome://extensions, turn on Developer mode, Load unpacked,
      choose $ROOT/dist/chrome
    Load it in Firefox: about:debugging, This Firefox, Load Temporary Add-on,
      choose $ROOT/dist/firefox/manifest.json
MSG

step "Building the backend (release)"
cargo build --release -p mentor-backend

step "Starting the backend (Ctrl+C stops it)"
echo "    Without SMTP_URL, mail (verification and reset links) is written to ${MENTOR_MAIL_OUTBOX:-./outbox} as .eml files."
exec "${CARGO_TARGET_DIR:-target}/release/mentor" serve
