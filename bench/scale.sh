#!/bin/bash
# immscale vs the stock GStreamer chains vs ffmpeg, on the same decoded
# 1920x1080 I420 frames, in one run. Prints frames per second and ratios.
#
# usage: bench/scale.sh [SOURCE_VIDEO] [FRAMES]
#   SOURCE_VIDEO  any video ffmpeg decodes (default: a videotestsrc clip);
#                 it is scaled to 1920x1080 once into a raw file in /tmp.
#   FRAMES        frames to process (default 250)
# Needs: a build in ./build (meson setup build && ninja -C build), ffmpeg.
# Each command runs 3 times; the best wall-clock time counts. immscale's
# default filter is GstVideoResampler's cubic (Mitchell, B = C = 1/3), which
# is videoscale's method=mitchell; videoscale's own default is a 2-tap
# bilinear that aliases on downscales, so both are shown.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-}
frames=${2:-250}
export GST_PLUGIN_PATH=$PWD/build/plugins
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
raw=$tmp/in.yuv
if [ -n "$src" ]; then
  ffmpeg -v error -i "$src" -frames:v "$frames" -vf scale=1920:1080,setsar=1 \
    -pix_fmt yuv420p -f rawvideo "$raw"
else
  gst-launch-1.0 -q videotestsrc num-buffers="$frames" pattern=ball \
    ! video/x-raw,format=I420,width=1920,height=1080 ! filesink location="$raw"
fi
n=$(( $(stat -c %s "$raw") / (1920 * 1080 * 3 / 2) ))

gst_in="filesrc location=$raw blocksize=3110400 ! rawvideoparse format=i420 width=1920 height=1080 framerate=25/1"
ff_in="-f rawvideo -pix_fmt yuv420p -s 1920x1080 -r 25 -i $raw"

best() {   # best wall time of 3 runs of "$@", in seconds
  local b=999999 t s e
  for _ in 1 2 3; do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    b=$(echo "if ($t < $b) $t else $b" | bc -l)
  done
  printf '%.3f' "$b"
}
gst() { gst-launch-1.0 -q $gst_in ! "$@" ! fakesink; }
ff() { ffmpeg -v error $ff_in -vf "$1" -f null -; }
ff1() { ffmpeg -v error -threads 1 -filter_threads 1 $ff_in -vf "$1" -f null -; }

declare -A T
T[read]=$(best gst identity)
T[imm_fill]=$(best gst immscale width=640 height=640 scale-type=fill)
T[imm_fill_t1]=$(best gst immscale width=640 height=640 scale-type=fill threads=1)
T[imm_fill_lin]=$(best gst immscale width=640 height=640 scale-type=fill method=linear threads=1)
T[stock_fill]=$(best gst videoscale ! video/x-raw,width=640,height=360 ! videobox top=-140 bottom=-140 fill=black)
T[stock_fill_m]=$(best gst videoscale method=mitchell ! video/x-raw,width=640,height=360 ! videobox top=-140 bottom=-140 fill=black)
T[stock_fill1]=$(best gst videoconvertscale add-borders=true ! video/x-raw,width=640,height=640)
T[ff_fill]=$(best ff "scale=640:360,pad=640:640:0:140")
T[ff_fill_t1]=$(best ff1 "scale=640:360,pad=640:640:0:140")
T[imm_crop]=$(best gst immscale width=640 height=640 scale-type=crop)
T[imm_crop_t1]=$(best gst immscale width=640 height=640 scale-type=crop threads=1)
T[imm_crop_lin]=$(best gst immscale width=640 height=640 scale-type=crop method=linear threads=1)
T[stock_crop]=$(best gst videocrop left=420 right=420 ! videoscale ! video/x-raw,width=640,height=640)
T[stock_crop_m]=$(best gst videocrop left=420 right=420 ! videoscale method=mitchell ! video/x-raw,width=640,height=640)
T[ff_crop]=$(best ff "crop=1080:1080,scale=640:640")
T[ff_crop_t1]=$(best ff1 "crop=1080:1080,scale=640:640")

fps() { echo "scale=1; $n / ${T[$1]}" | bc -l; }
ratio() { echo "scale=2; ${T[$2]} / ${T[$1]}" | bc -l; }
row() { printf '| %-58s | %7s | %7s |\n' "$1" "${T[$2]}" "$(fps "$2")"; }

echo "$n frames 1920x1080 I420 -> 640x640, $(nproc) cores, best of 3"
echo
printf '| %-58s | %7s | %7s |\n' "command" "time s" "fps"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "---------" "---------"
row "read only: rawvideoparse ! identity" read
row "fill: immscale (default: cubic, threads=0)" imm_fill
row "fill: immscale threads=1" imm_fill_t1
row "fill: immscale method=linear threads=1" imm_fill_lin
row "fill: videoscale ! capsfilter ! videobox" stock_fill
row "fill: videoscale method=mitchell ! capsfilter ! videobox" stock_fill_m
row "fill: videoconvertscale add-borders=true" stock_fill1
row "fill: ffmpeg scale,pad (default: bicubic)" ff_fill
row "fill: ffmpeg -threads 1 -filter_threads 1" ff_fill_t1
row "crop: immscale (default: cubic, threads=0)" imm_crop
row "crop: immscale threads=1" imm_crop_t1
row "crop: immscale method=linear threads=1" imm_crop_lin
row "crop: videocrop ! videoscale" stock_crop
row "crop: videocrop ! videoscale method=mitchell" stock_crop_m
row "crop: ffmpeg crop,scale (default: bicubic)" ff_crop
row "crop: ffmpeg -threads 1 -filter_threads 1" ff_crop_t1
echo
echo "speed-up of immscale (time of the other / time of immscale; > 1 = immscale faster)"
printf '| %-44s | %6s |\n' "comparison" "ratio"
printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "--------"
printf '| %-44s | %6s |\n' "fill vs videoscale ! videobox" "$(ratio imm_fill stock_fill)"
printf '| %-44s | %6s |\n' "fill vs the same, same filter (mitchell)" "$(ratio imm_fill stock_fill_m)"
printf '| %-44s | %6s |\n' "fill vs videoconvertscale add-borders" "$(ratio imm_fill stock_fill1)"
printf '| %-44s | %6s |\n' "fill vs ffmpeg" "$(ratio imm_fill ff_fill)"
printf '| %-44s | %6s |\n' "fill, 1 thread each, vs ffmpeg" "$(ratio imm_fill_t1 ff_fill_t1)"
printf '| %-44s | %6s |\n' "fill linear, 1 thread, vs ffmpeg 1 thread" "$(ratio imm_fill_lin ff_fill_t1)"
printf '| %-44s | %6s |\n' "crop vs videocrop ! videoscale" "$(ratio imm_crop stock_crop)"
printf '| %-44s | %6s |\n' "crop vs the same, same filter (mitchell)" "$(ratio imm_crop stock_crop_m)"
printf '| %-44s | %6s |\n' "crop vs ffmpeg" "$(ratio imm_crop ff_crop)"
printf '| %-44s | %6s |\n' "crop, 1 thread each, vs ffmpeg" "$(ratio imm_crop_t1 ff_crop_t1)"
printf '| %-44s | %6s |\n' "crop linear, 1 thread, vs ffmpeg 1 thread" "$(ratio imm_crop_lin ff_crop_t1)"
