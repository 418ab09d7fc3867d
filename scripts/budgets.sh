#!/usr/bin/env bash
# Prints the extension's size and speed budgets against their targets:
# each page's wasm (gzip, after wasm-opt) <= 150 KB (one crate per page:
# popup, panel, options, account, career, document), popup and career page
# first render in headless Chromium <= 150 ms, the every-page content script
# <= 10 KB.
# Builds the extension first. Usage: scripts/budgets.sh [page loads]
source "$(dirname "$0")/lib.sh"

bash scripts/build-extension.sh >/dev/null
ensure_npm_packages tests/e2e
ensure_apt chromium

report() { # name value limit unit
  local verdict="within"
  awk -v v="$2" -v l="$3" 'BEGIN { exit !(v > l) }' && verdict="OVER"
  printf '%-34s %8s %-3s (budget %s %s: %s)\n' "$1" "$2" "$4" "$3" "$4" "$verdict"
}

step "Budgets"
gz_kb() { awk -v b="$(gzip -9c "dist/chrome/wasm/$1_bg.wasm" | wc -c)" 'BEGIN { printf "%.1f", b / 1024 }'; }
for page in popup panel options account career document; do
  report "$page page wasm, gzip" "$(gz_kb "mentor_$page")" 150 KB
done
report "content script" "$(awk -v b="$(wc -c <dist/chrome/content.js)" 'BEGIN { printf "%.1f", b / 1024 }')" 10 KB
printf '%-34s %8s KB (no budget)\n' "worker wasm, gzip" "$(gz_kb mentor_worker)"
line="$(cd tests/e2e && node first-render.mjs "${1:-10}")"
echo "$line"
median="$(sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' <<<"$line")"
report "popup first render (median)" "$median" 150 ms
line="$(cd tests/e2e && node first-render.mjs "${1:-10}" career)"
echo "$line"
median="$(sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' <<<"$line")"
report "career page first render (median)" "$median" 150 ms
