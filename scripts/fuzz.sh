#!/bin/sh
# Builds the libFuzzer targets with clang + ASan + UBSan and runs each for a
# bounded time on its corpus. A crash input is copied into the corpus so the
# normal suite replays it from then on; the script then fails.
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
dir=build-fuzz
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang meson setup "$dir" -Dfuzzing=true -Dtests=disabled -Dtools=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$dir"
status=0
for bin in "$dir"/tests/fuzz/fuzz-*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  name=${bin##*/fuzz-}
  corpus=tests/fuzz/corpus/$name
  dict=
  [ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
  work=$(mktemp -d)
  cp "$corpus"/* "$work"/ 2>/dev/null || true
  echo "== fuzz $name for ${secs}s"
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$bin" $dict -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="$work/" "$work" > "$work.log" 2>&1; then
    tail -40 "$work.log"
    for c in "$work"/crash-* "$work"/timeout-* "$work"/oom-*; do
      [ -f "$c" ] && cp "$c" "$corpus/" && echo "kept $corpus/${c##*/}"
    done
    status=1
  else
    tail -1 "$work.log"
  fi
  rm -rf "$work" "$work.log"
done
exit $status
