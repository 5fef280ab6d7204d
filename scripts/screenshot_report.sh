#!/usr/bin/env bash
# Render OUT_DIR/report.html in headless Chromium (Debian's `chromium` package) and save OUT_DIR/report.png,
# to look at the page as a person would. Network features are off: the page must not need any.
#   scripts/screenshot_report.sh OUT_DIR [HEIGHT]
set -euo pipefail
out_dir="$1"
height="${2:-4000}"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --hide-scrollbars --window-size="1200,${height}" \
  --screenshot="$out_dir/report.png" "file://$(realpath "$out_dir/report.html")" 2>/dev/null
echo "wrote $out_dir/report.png"
