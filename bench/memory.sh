#!/bin/bash
# Peak memory of imm-convert as the input grows: the same request on the
# first minute of a long 720p video and on all of it (/usr/bin/time -v,
# maximum resident set size). Flat figures mean memory is bounded by the
# outputs, not the input.
#
# usage: bench/memory.sh LONG_VIDEO   (e.g. ../shared/bench/make-long-h264.sh's)
# Needs: a build in ./build, ffmpeg (to cut the first minute), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
long=$(readlink -f "${1:?usage: bench/memory.sh LONG_VIDEO}")
export GST_PLUGIN_PATH=$PWD/build/plugins
tool=$PWD/build/gst/tools/imm-convert
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/b"
ln -s "$long" "$root/b/long.mp4"
ffmpeg -v error -i "$long" -t 60 -c copy "$root/b/short.mp4"

request() {   # request NAME KIND
  case $2 in
    snapshots) echo '{"Sources": [{"URI": "oss://b/'$1'.mp4"}], "Targets": [{"Image": {"Snapshots": [
      {"Format": "jpg", "Interval": 10, "URI": "oss://b/o/'$1'-i-{index}.jpg"},
      {"Format": "jpg", "Mode": "dhash", "Number": 5, "URI": "oss://b/o/'$1'-d-{index}.jpg"}]}}]}' ;;
    gif) echo '{"Sources": [{"URI": "oss://b/'$1'.mp4"}], "Targets": [{"Image": {"Animations": [
      {"Format": "gif", "Interval": 1, "FrameRate": 15, "Width": 360, "URI": "oss://b/o/'$1'.gif"}]}}]}' ;;
    webp) echo '{"Sources": [{"URI": "oss://b/'$1'.mp4"}], "Targets": [{"Image": {"Animations": [
      {"Format": "webp", "Interval": 1, "FrameRate": 15, "Width": 360, "URI": "oss://b/o/'$1'.webp"}]}}]}' ;;
  esac
}
peak() {   # peak NAME KIND: max RSS in MiB and wall time
  request "$1" "$2" > "$root/req.json"
  /usr/bin/time -v "$tool" --quiet --storage-root "$root" "$root/req.json" \
    > /dev/null 2> "$root/time.txt"
  awk -F': ' '/Maximum resident/ {m = $2 / 1024} /Elapsed/ {t = $2}
    END {printf "%.0f MiB, %s", m, t}' "$root/time.txt"
}
printf '| %-44s | %-20s | %-20s |\n' "request" "1 min" "$(awk -v d="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$long")" 'BEGIN {printf "%.1f min", d / 60}')"
printf '|%s|%s|%s|\n' "----------------------------------------------" "----------------------" "----------------------"
for kind in snapshots gif webp; do
  case $kind in
    snapshots) what="snapshots: Interval 10 + dhash Number 5" ;;
    gif) what="GIF, Interval 1, 360 px wide" ;;
    webp) what="WebP, Interval 1, 360 px wide" ;;
  esac
  printf '| %-44s | %-20s | %-20s |\n' "$what" "$(peak short $kind)" "$(peak long $kind)"
done
