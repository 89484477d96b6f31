#!/usr/bin/env bash
# Build the one-folder desktop bundle in a clean virtual environment, then run its self-check.
# Usage: tools/build.sh [OUT_DIR]   (default: dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet . pyinstaller
"$work/venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$out" --workpath "$work/build" build.spec
echo "bundle: $out/lmi-explorer ($(du -sh "$out/lmi-explorer" | cut -f1))"
QT_QPA_PLATFORM=offscreen "$out/lmi-explorer/lmi-explorer" --self-check
