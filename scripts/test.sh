#!/bin/sh
# Builds imm-gst with warnings as errors and runs the whole test suite.
#   BUILD_DIR    build directory (default: build)
#   MESON_ARGS   extra `meson setup` arguments for a new build directory
set -eu
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
if [ ! -f "$dir/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$dir" --werror ${MESON_ARGS:-}
fi
status=0
meson test -C "$dir" --print-errorlogs --num-processes 2 || status=$?
# One closing line any CI can read: "N passed, N failed".
python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = skip = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): ok += 1
    elif r == "SKIP": skip += 1
    else: bad += 1
print(f"{ok} passed, {bad} failed" + (f", {skip} skipped" if skip else ""))
PY
exit $status
