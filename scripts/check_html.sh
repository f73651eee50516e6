#!/usr/bin/env bash
# Documented check: the audit's HTML report opens in a headless browser and renders its charts.
#
#   sudo apt-get install -y chromium     # Debian's Chromium, once
#   scripts/check_html.sh [OUT_DIR]
#
# It audits the demo list, writes report.html, has headless Chromium load it, dumps the DOM as
# the browser built it and takes a screenshot, then checks that both SVG charts, the 20
# histogram bars and the burst marker are in the rendered DOM and that the screenshot is not
# blank. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/html-check}
mkdir -p "$out"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }

cargo run --release --quiet --example audit -- --html "$out/report.html" > "$out/summary.txt"
page="file://$(realpath "$out/report.html")"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$(mktemp -d)")
"$browser" "${flags[@]}" --dump-dom "$page" > "$out/dom.html" 2> "$out/chromium.log"
"$browser" "${flags[@]}" --window-size=900,1500 --screenshot="$out/report.png" "$page" \
    >> "$out/chromium.log" 2>&1

fail=0
check() { if grep -q "$2" "$out/dom.html"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
check "histogram chart rendered" '<svg id="histogram"'
check "timeline chart rendered" '<svg id="timeline"'
check "burst marked on the timeline" 'class="burst"'
bars=$(grep -o 'class="bar"' "$out/dom.html" | wc -l)
if [ "$bars" -eq 20 ]; then echo "ok: 20 histogram bars"; else echo "FAIL: $bars histogram bars"; fail=1; fi
size=$(stat -c %s "$out/report.png" 2>/dev/null || echo 0)
if [ "$size" -gt 20000 ]; then echo "ok: screenshot $out/report.png ($size bytes)"; else echo "FAIL: screenshot missing or blank ($size bytes)"; fail=1; fi
exit $fail
