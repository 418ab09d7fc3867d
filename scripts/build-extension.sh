#!/usr/bin/env bash
# Builds the browser extension into dist/chrome and dist/firefox (load them
# unpacked) and the store zips dist/ai-mentor-{chrome,firefox}.zip.
# The backend address compiled in as default is MENTOR_BACKEND_URL
# (http://127.0.0.1:8080 when unset); users can change it in Options.
source "$(dirname "$0")/lib.sh"

ensure_rust
ensure_wasm_bindgen
ensure_npm_packages extension
ensure_apt zip

target="${CARGO_TARGET_DIR:-$ROOT/target}"
export MENTOR_BACKEND_URL="${MENTOR_BACKEND_URL:-http://127.0.0.1:8080}"
step "Building the extension's wasm (backend default: $MENTOR_BACKEND_URL)"
# One wasm per page (each within its budget: scripts/budgets.sh) and the worker's.
pages=(popup panel options account career document)
cargo build --locked --profile wasm --target wasm32-unknown-unknown \
  "${pages[@]/#/--package=mentor-}" -p mentor-worker

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
for crate in "${pages[@]/#/mentor_}" mentor_worker; do
  wasm-bindgen --target web --no-typescript --out-dir "$stage/wasm" \
    "$target/wasm32-unknown-unknown/wasm/$crate.wasm"
  extension/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-multivalue \
    "$stage/wasm/${crate}_bg.wasm" -o "$stage/wasm/${crate}_bg.wasm"
done

step "Packaging dist/chrome and dist/firefox"
rm -rf dist/chrome dist/firefox dist/ai-mentor-*.zip
for browser in chrome firefox; do
  out="dist/$browser"
  mkdir -p "$out"
  cp -R extension/static/. "$out/"
  cp -R "$stage/wasm" "$out/wasm"
  node extension/tools/manifest.mjs "$browser" manifest.json "$out/manifest.json"
  (cd "$out" && zip -qr -X "../ai-mentor-$browser.zip" .)
done
ls -l dist/*.zip | awk '{print "    " $NF ": " $5 " bytes"}'
