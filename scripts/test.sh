#!/bin/sh
# Builds imm-gst with warnings as errors and runs the whole test suite.
#   BUILD_DIR    build directory (default: build)
#   MESON_ARGS   extra `meson setup`/`meson configure` -D arguments
# The build options the suite needs are set on every run, also on a build
# directory made before by scripts/demo.sh or by hand: a run of this
# script always means "built with --werror, every test built".
set -eu
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
opts="-Dwerror=true -Dtests=enabled -Dtools=enabled -Dfuzzing=false"
if [ ! -f "$dir/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$dir" $opts ${MESON_ARGS:-}
else
  # Only when something differs: `meson configure` always regenerates.
  # shellcheck disable=SC2086
  if ! python3 - "$dir" $opts ${MESON_ARGS:-} <<'PY'
import json, subprocess, sys
have = {o["name"]: o["value"] for o in json.loads(subprocess.check_output(
    ["meson", "introspect", "--buildoptions", sys.argv[1]]))}
for arg in sys.argv[2:]:
    name, _, want = arg[2:].partition("=")
    got = have.get(name)
    got = ",".join(got) if isinstance(got, list) else str(got).lower()
    if got != want.lower():
        sys.exit(1)
PY
  then
    # shellcheck disable=SC2086
    meson configure "$dir" $opts ${MESON_ARGS:-}
  fi
fi
status=0
meson test -C "$dir" --print-errorlogs --num-processes 2 || status=$?
# One closing line any CI can read: "N passed, N failed".
python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = skip = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    r = t["result"]
    if r in ("OK", "EXPECTEDFAIL"): ok += 1
    elif r == "SKIP": skip += 1
    else:
        bad += 1
        # meson shows a failing test's last 100 lines, which under LSan can
        # all be its "Running thread N was not suspended" notes (threads of
        # the parent of check's forked test process); here the lines that
        # say what failed.
        out = [l for l in (t.get("stdout") or "").splitlines()
               if "was not suspended" not in l]
        print(f"== {t['name']}: {r}; its last {min(len(out), 60)} lines "
              "without LSan's thread notes:")
        print("\n".join(out[-60:]))
print(f"{ok} passed, {bad} failed" + (f", {skip} skipped" if skip else ""))
PY
exit $status
