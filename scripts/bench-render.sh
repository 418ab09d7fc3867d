#!/usr/bin/env bash
# Benchmark of rendering a two-page resume to PDF and DOCX (both templates),
# the SVG preview of its first page, text, Markdown and JSON: time and bytes allocated per render. Prints numbers;
# nothing passes or fails on speed.
#   scripts/bench-render.sh
source "$(dirname "$0")/lib.sh"

ensure_rust
cargo bench -q -p mentor-backend --bench render 2>/dev/null
