#!/usr/bin/env bash
# Build the one-folder desktop bundle in a clean virtual environment, then run its self-check.
# Usage: tools/build.sh [OUT_DIR]   (default: dist/)
# Leaves OUT_DIR/lmi-explorer/ (the bundle) and OUT_DIR/lmi-explorer-window.png (the window as the
# frozen self-check built it, to look at).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet . pyinstaller
"$work/venv/bin/pyinstaller" --noconfirm --clean --log-level ERROR \
  --distpath "$out" --workpath "$work/build" build.spec
bundle="$out/lmi-explorer"
if [ "$(uname -s)" = "Linux" ] && command -v strip >/dev/null 2>&1; then
  # Debug symbols are most of libpython and of several extension modules. The wheels' vendored
  # libraries (*.libs) are patched in ways strip can break, and Qt's are stripped already.
  find "$bundle/_internal" -name '*.so*' -type f ! -path '*.libs/*' ! -path '*/PySide6/*' \
    -exec strip --strip-debug {} +
fi
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1))"
QT_QPA_PLATFORM=offscreen "$bundle/lmi-explorer" --self-check --screenshot "$out/lmi-explorer-window.png"
