#!/bin/sh
# Times immsnapshot against ffmpeg on the same file in the same run and
# prints a table with the ratios.
#   usage: bench/snapshot.sh FILE.mp4 [BUILD_DIR]
# FILE is best the 9-minute 720p H.264 made by make-long-h264.sh. The
# plugin is taken from BUILD_DIR/plugins (default: build).
set -eu
file=${1:?usage: bench/snapshot.sh FILE.mp4 [BUILD_DIR]}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$here/build}
[ -f "$file" ] || { echo "no such file: $file" >&2; exit 2; }
[ -f "$build/plugins/libgstimm.so" ] || {
  echo "no plugin in $build/plugins: build first (scripts/test.sh)" >&2; exit 2; }
export GST_PLUGIN_PATH_1_0="$build/plugins"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$file")
src="filesrc location=$file ! decodebin ! videoconvert"

# run NAME COMMAND...: runs in a fresh output dir, records seconds and the
# number of files written.
run () {
  name=$1; shift
  rm -rf "$tmp/out"; mkdir "$tmp/out"
  start=$(date +%s.%N)
  "$@" > "$tmp/log" 2>&1 || { echo "$name failed:" >&2; cat "$tmp/log" >&2; exit 1; }
  end=$(date +%s.%N)
  secs=$(awk "BEGIN { print $end - $start }")
  files=$(find "$tmp/out" -type f | wc -l)
  eval "t_$name=$secs; n_$name=$files"
}

per_seek_loop () {
  t=0 i=1
  while awk "BEGIN { exit !($t < $duration) }"; do
    ffmpeg -v error -ss "$t" -i "$file" -frames:v 1 "$tmp/out/s$i.jpg"
    t=$((t + 10)); i=$((i + 1))
  done
}

gst () { gst-launch-1.0 -q "$@"; }
O=$tmp/out

echo "file: $file (${duration} s); $(nproc) cores, shared with other jobs" >&2
run gst_interval gst $src ! immsnapshot mode=interval interval=10 ! jpegenc ! multifilesink location=$O/g%d.jpg
run gst_interval_noseek gst $src ! immsnapshot mode=interval interval=10 seek=false ! jpegenc ! multifilesink location=$O/g%d.jpg
run ff_fps ffmpeg -v error -i "$file" -vf fps=1/10 "$O/f%d.jpg"
run ff_seek per_seek_loop
run gst_keyframe gst $src ! immsnapshot mode=keyframe ! jpegenc ! multifilesink location=$O/k%d.jpg
run ff_nokey ffmpeg -v error -skip_frame nokey -i "$file" -fps_mode vfr "$O/k%d.jpg"
run gst_average gst $src ! immsnapshot mode=average number=10 ! jpegenc ! multifilesink location=$O/a%d.jpg
run gst_decode gst filesrc location="$file" ! decodebin ! fakesink
run gst_dhash gst $src ! immsnapshot mode=dhash interval=1 threshold=15 ! jpegenc ! multifilesink location=$O/d%d.jpg

row () { # label ours files_ours ref_label ref
  printf '%-34s %8.2f %6s   %-34s %8.2f %7.3f\n' "$1" "$2" "$3" "$4" "$5" \
    "$(awk "BEGIN { print $2 / $5 }")"
}
printf '%-34s %8s %6s   %-34s %8s %7s\n' "immsnapshot" "s" "files" \
  "reference" "s" "ratio"
row "interval=10" "$t_gst_interval" "$n_gst_interval" "ffmpeg -vf fps=1/10 ($n_ff_fps)" "$t_ff_fps"
row "interval=10" "$t_gst_interval" "$n_gst_interval" "ffmpeg -ss T loop ($n_ff_seek)" "$t_ff_seek"
row "interval=10 seek=false" "$t_gst_interval_noseek" "$n_gst_interval_noseek" "ffmpeg -vf fps=1/10" "$t_ff_fps"
row "keyframe" "$t_gst_keyframe" "$n_gst_keyframe" "ffmpeg -skip_frame nokey ($n_ff_nokey)" "$t_ff_nokey"
row "average number=10" "$t_gst_average" "$n_gst_average" "full decode (gst, fakesink)" "$t_gst_decode"
row "dhash interval=1 threshold=15" "$t_gst_dhash" "$n_gst_dhash" "full decode (gst, fakesink)" "$t_gst_decode"
