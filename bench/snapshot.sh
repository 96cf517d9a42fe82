#!/bin/bash
# immsnapshot vs ffmpeg on the same file, in one run. Prints wall times and
# ratios (time of the other / time of ours: > 1 = ours faster).
#
# usage: bench/snapshot.sh VIDEO
#   VIDEO  e.g. the 9-minute 720p H.264 file of
#          ../shared/bench/make-long-h264.sh (keyframe about every 6 s)
# Needs: a build in ./build, ffmpeg. Each command runs once (they take
# seconds to minutes); JPEG output goes to a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
f=$(readlink -f "${1:?usage: bench/snapshot.sh VIDEO}")
export GST_PLUGIN_PATH=$PWD/build/plugins
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")

declare -A T N
timed() {   # timed KEY DIR cmd...: wall time, and JPEGs written into DIR
  local key=$1 dir=$tmp/$1 s e
  shift
  mkdir -p "$dir"
  s=$(date +%s.%N)
  (cd "$dir" && "$@" >/dev/null 2>&1)
  e=$(date +%s.%N)
  T[$key]=$(printf '%.2f' "$(echo "$e - $s" | bc -l)")
  N[$key]=$(find "$dir" -name '*.jpg' | wc -l)
}
imm() {
  gst-launch-1.0 -q filesrc location="$f" ! decodebin ! videoconvert \
    ! immsnapshot "$@" ! jpegenc quality=90 ! multifilesink location=%d.jpg index=1
}
seek_loop() {   # one ffmpeg process per frame, as a per-frame API call would
  local t=0 i=1
  while (( $(echo "$t < $dur" | bc -l) )); do
    ffmpeg -v error -ss "$t" -i "$f" -frames:v 1 -q:v 2 "$i.jpg" || true
    t=$(echo "$t + 10" | bc -l); i=$((i + 1))
  done
}

timed decode gst-launch-1.0 -q filesrc location="$f" ! decodebin ! fakesink
timed imm_interval imm mode=interval interval=10
timed ff_fps ffmpeg -v error -i "$f" -vf fps=1/10 -q:v 2 %d.jpg
timed ff_seek seek_loop
timed imm_key imm mode=keyframe
timed ff_key ffmpeg -v error -skip_frame nokey -i "$f" -fps_mode vfr -q:v 2 %d.jpg
timed imm_avg imm mode=average number=10
timed imm_dhash imm mode=dhash interval=1 threshold=15

r() { echo "scale=2; ${T[$2]} / ${T[$1]}" | bc -l; }
echo "$(basename "$f"): ${dur%.*} s, $(nproc) cores"
echo
printf '| %-52s | %7s | %6s |\n' "command" "time s" "frames"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "---------" "--------"
row() { printf '| %-52s | %7s | %6s |\n' "$1" "${T[$2]}" "${N[$2]}"; }
row "full decode: decodebin ! fakesink" decode
row "immsnapshot mode=interval interval=10" imm_interval
row "ffmpeg -vf fps=1/10" ff_fps
row "ffmpeg -ss T -frames:v 1, once per frame" ff_seek
row "immsnapshot mode=keyframe" imm_key
row "ffmpeg -skip_frame nokey -fps_mode vfr" ff_key
row "immsnapshot mode=average number=10" imm_avg
row "immsnapshot mode=dhash interval=1 threshold=15" imm_dhash
echo
printf '| %-48s | %6s | %-12s |\n' "comparison" "ratio" "goal"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..50})" "--------" "--------------"
printf '| %-48s | %6s | %-12s |\n' "interval vs ffmpeg fps filter" "$(r imm_interval ff_fps)" ">= 4"
printf '| %-48s | %6s | %-12s |\n' "interval vs ffmpeg per-frame seeks" "$(r imm_interval ff_seek)" "> 1"
printf '| %-48s | %6s | %-12s |\n' "keyframe vs ffmpeg -skip_frame nokey" "$(r imm_key ff_key)" ">= 1"
printf '| %-48s | %6s | %-12s |\n' "average: share of a full decode (time / decode)" "$(echo "scale=3; ${T[imm_avg]} / ${T[decode]}" | bc -l)" "< 0.10"
printf '| %-48s | %6s | %-12s |\n' "dhash: time / full decode" "$(echo "scale=3; ${T[imm_dhash]} / ${T[decode]}" | bc -l)" "<= 1.1"
