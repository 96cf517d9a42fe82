#!/bin/bash
# immsnapshot vs ffmpeg on the same file, in one run. Prints wall times, CPU
# times (user + sys, which other work on a shared machine disturbs less)
# and ratios (time of the other / time of ours: > 1 = ours faster).
#
# usage: flock /tmp/imm-bench.lock bench/snapshot.sh VIDEO
#   VIDEO  e.g. the 9-minute 720p H.264 file of
#          ../shared/bench/make-long-h264.sh (keyframe about every 6 s)
# Needs: a build in ./build, ffmpeg, /usr/bin/time. Each command runs once
# (they take seconds to minutes); JPEG output goes to a temporary folder.
# KEY_PAIRS=N: only keyframe mode and ffmpeg -skip_frame nokey, run one
# after the other N times (their times are short and ffmpeg's moves from
# run to run): each pair's ratio and the median.
set -euo pipefail
cd "$(dirname "$0")/.."
f=$(readlink -f "${1:?usage: bench/snapshot.sh VIDEO}")
export GST_PLUGIN_PATH=$PWD/build/plugins
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
load=$(cut -d' ' -f1 /proc/loadavg)

declare -A T C N
timed() {   # timed KEY cmd...: wall and CPU time, JPEGs written
  local key=$1 dir=$tmp/$1 t
  shift
  mkdir -p "$dir"
  # through bash, so that cmd can be one of the functions below
  (cd "$dir" && /usr/bin/time -o "$tmp/$key.time" -f '%e %U %S' \
    bash -c '"$@"' timed "$@" >/dev/null 2>&1)
  read -r -a t < "$tmp/$key.time"
  T[$key]=$(printf '%.2f' "${t[0]}")
  C[$key]=$(printf '%.2f' "$(echo "${t[1]} + ${t[2]}" | bc -l)")
  N[$key]=$(find "$dir" -name '*.jpg' | wc -l)
}
imm() {
  gst-launch-1.0 -q filesrc location="$f" ! decodebin ! videoconvert \
    ! immsnapshot "$@" ! jpegenc quality=90 ! multifilesink location=%d.jpg index=1
}
# The least an exact capture must decode: for every target (the first frame
# at or after 0, 10, 20 ... s), the reference frames from the keyframe
# before it up to it. ffmpeg decodes just those ranges (concat demuxer
# in/out points on keyframes, -skip_frame noref), on one thread.
least_list() {
  ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags \
    -of csv=p=0 "$f" | python3 -c '
import bisect, sys
f, dur = sys.argv[1], float(sys.argv[2])
pk = [l.split(",") for l in sys.stdin if l.strip()]
pts = sorted(float(p[0]) for p in pk)
keys = sorted(float(p[0]) for p in pk if "K" in p[1])
print("ffconcat version 1.0")
t = 0.0
while t < dur:
    i = bisect.bisect_left(pts, t - 1e-6)
    if i == len(pts):
        break
    k = keys[bisect.bisect_right(keys, pts[i] + 1e-6) - 1]
    print("file %s\ninpoint %.6f\noutpoint %.6f" % (f, k, pts[i] + 0.001))
    t += 10
' "$f" "$dur"
}
seek_loop() {   # one ffmpeg process per frame, as a per-frame API call would
  local t=0 i=1
  while (( $(echo "$t < $dur" | bc -l) )); do
    ffmpeg -v error -ss "$t" -i "$f" -frames:v 1 -q:v 2 "$i.jpg" || true
    t=$(echo "$t + 10" | bc -l); i=$((i + 1))
  done
}

export f dur
export -f imm seek_loop

if [ -n "${KEY_PAIRS:-}" ]; then
  echo "$(basename "$f"): ${dur%.*} s, $(nproc) cores, load before: $load"
  echo
  printf '| %4s | %10s | %10s | %6s |\n' pair "ours s" "ffmpeg s" ratio
  printf '|------|------------|------------|--------|\n'
  ratios=()
  for i in $(seq 1 "$KEY_PAIRS"); do
    timed imm_key imm mode=keyframe
    timed ff_key ffmpeg -v error -skip_frame nokey -i "$f" -fps_mode vfr \
      -q:v 2 %d.jpg
    [ "${N[imm_key]}" = "${N[ff_key]}" ] || echo "frames: ${N[imm_key]} != ${N[ff_key]}"
    ratio=$(echo "scale=2; ${T[ff_key]} / ${T[imm_key]}" | bc -l)
    ratios+=("$ratio")
    printf '| %4s | %10s | %10s | %6s |\n' "$i" "${T[imm_key]}" \
      "${T[ff_key]}" "$ratio"
  done
  echo
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR] = $1}
    END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
         print m}')
  echo "median keyframe ratio (goal >= 1.7): $median," \
    "load after: $(cut -d' ' -f1 /proc/loadavg)"
  exit 0
fi

timed decode gst-launch-1.0 -q filesrc location="$f" ! decodebin ! fakesink
timed imm_interval imm mode=interval interval=10
timed ff_fps ffmpeg -v error -i "$f" -vf fps=1/10 -q:v 2 %d.jpg
timed ff_seek seek_loop
least_list > "$tmp/least.txt"
timed ff_least ffmpeg -v error -threads 1 -skip_frame noref -f concat \
  -safe 0 -i "$tmp/least.txt" -f null -
timed ff_full1 ffmpeg -v error -threads 1 -i "$f" -f null -
timed imm_key imm mode=keyframe
timed ff_key ffmpeg -v error -skip_frame nokey -i "$f" -fps_mode vfr -q:v 2 %d.jpg
# the floor of keyframe mode: libavcodec decoding the keyframes, no output
timed ff_keydec ffmpeg -v error -threads 1 -skip_frame nokey -i "$f" -f null -
timed imm_avg imm mode=average number=10
timed imm_dhash imm mode=dhash interval=1 threshold=15

r() { echo "scale=2; ${T[$2]} / ${T[$1]}" | bc -l; }
rc() { echo "scale=2; ${C[$2]} / ${C[$1]}" | bc -l; }
share() { echo "scale=3; ${T[$1]} / ${T[decode]}" | bc -l; }
sharec() { echo "scale=3; ${C[$1]} / ${C[decode]}" | bc -l; }
echo "$(basename "$f"): ${dur%.*} s, $(nproc) cores, load before: $load"
echo
printf '| %-52s | %7s | %6s | %6s |\n' "command" "time s" "CPU s" "frames"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "---------" "--------" "--------"
row() { printf '| %-52s | %7s | %6s | %6s |\n' "$1" "${T[$2]}" "${C[$2]}" "${N[$2]}"; }
row "full decode: decodebin ! fakesink" decode
row "immsnapshot mode=interval interval=10" imm_interval
row "ffmpeg -vf fps=1/10" ff_fps
row "ffmpeg -ss T -frames:v 1, once per frame" ff_seek
row "ffmpeg 1 thread: full decode" ff_full1
row "ffmpeg 1 thread: least exact decode (see script)" ff_least
row "immsnapshot mode=keyframe" imm_key
row "ffmpeg -skip_frame nokey -fps_mode vfr" ff_key
row "ffmpeg 1 thread: keyframes decoded, no output" ff_keydec
row "immsnapshot mode=average number=10" imm_avg
row "immsnapshot mode=dhash interval=1 threshold=15" imm_dhash
echo
printf '| %-48s | %6s | %6s | %-12s |\n' "comparison" "time" "CPU" "goal (time)"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..50})" "--------" "--------" "--------------"
cmp() { printf '| %-48s | %6s | %6s | %-12s |\n' "$@"; }
cmp "interval vs ffmpeg fps filter" "$(r imm_interval ff_fps)" "$(rc imm_interval ff_fps)" ">= 4"
cmp "interval vs ffmpeg per-frame seeks" "$(r imm_interval ff_seek)" "$(rc imm_interval ff_seek)" "> 1"
cmp "ffmpeg 1 thread: full decode / least exact" "$(r ff_least ff_full1)" "$(rc ff_least ff_full1)" "(bound)"
cmp "keyframe vs ffmpeg -skip_frame nokey" "$(r imm_key ff_key)" "$(rc imm_key ff_key)" ">= 1"
cmp "keyframe: decode floor / ours (1 = no overhead)" "$(r imm_key ff_keydec)" "$(rc imm_key ff_keydec)" "(bound)"
cmp "average: share of a full decode (time / decode)" "$(share imm_avg)" "$(sharec imm_avg)" "< 0.10"
cmp "dhash: time / full decode" "$(share imm_dhash)" "$(sharec imm_dhash)" "<= 1.1"
