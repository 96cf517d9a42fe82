#!/bin/bash
# immscale vs the stock GStreamer chains vs ffmpeg, on the same decoded
# 1920x1080 I420 frames, in one run. Prints frames per second, CPU time per
# frame and ratios.
#
# usage: [RUNS=N] bench/scale.sh [SOURCE_VIDEO] [FRAMES]
#   SOURCE_VIDEO  any video ffmpeg decodes (default: a videotestsrc clip);
#                 it is scaled to 1920x1080 once into a raw file in /tmp.
#   FRAMES        frames to process (default 250)
#   RUNS          runs of each command, the best counts (default 3)
# Needs: a build in ./build (meson setup build && ninja -C build), ffmpeg.
#
# How it measures, so that every contestant gets the same deal:
# - Every command reads the same raw file from the page cache: GStreamer
#   through filesrc ! rawvideoparse (timestamps and a time segment, as any
#   demuxer gives; it copies each frame once), ffmpeg through its rawvideo
#   demuxer. The "read only" row of each tool shows what reading costs it.
# - Each command runs RUNS times on all frames and RUNS times on the first
#   frame alone, in rounds over all commands; the best of each counts. "fps" is the steady rate
#   (FRAMES - 1) / (t_all - t_one), so start-up (ffmpeg spends about 50 ms
#   more than gst-launch) counts for nobody. "CPU ms" is user + sys time per
#   frame, the same way: it does not depend on what else the machine runs,
#   wall time does (the load average is printed). "resize ms" is that minus
#   the tool's own read-only CPU time: the cost of the resize alone.
# - Filters are labelled. immscale's default is the cubic with B = 0,
#   C = 0.6, which is ffmpeg's default bicubic. videoscale has no B/C
#   setting: its closest is method=catrom (B = 0, C = 0.5), shown next to
#   its default, a 2-tap bilinear that aliases on downscales.
# - A videoscale ! capsfilter chain that names only the size converts
#   BT.709 to BT.601 at 360 lines (caps without colorimetry default by
#   height); that is what such a chain costs, and a row with the
#   colorimetry kept shows the same work.
# Element descriptions are split into words on purpose:
# shellcheck disable=SC2086
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-}
frames=${2:-250}
runs=${RUNS:-3}
export GST_PLUGIN_PATH=$PWD/build/plugins
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
frame_size=$((1920 * 1080 * 3 / 2))
raw=$tmp/in.yuv
if [ -n "$src" ]; then
  ffmpeg -v error -i "$src" -frames:v "$frames" -vf scale=1920:1080,setsar=1 \
    -pix_fmt yuv420p -f rawvideo "$raw"
else
  gst-launch-1.0 -q videotestsrc num-buffers="$frames" pattern=ball \
    ! video/x-raw,format=I420,width=1920,height=1080 ! filesink location="$raw"
fi
n=$(($(stat -c %s "$raw") / frame_size))
head -c "$frame_size" "$raw" >"$tmp/one.yuv"
cat "$raw" >/dev/null

parse="rawvideoparse format=i420 width=1920 height=1080 framerate=25/1"

# one run of "$@" on file $1: "wall cpu" in seconds
run_once() {
  local file=$1 out
  shift
  out=$({ TIMEFORMAT='%R %U %S'; time "$@" "$file" >/dev/null 2>&1; } 2>&1)
  echo "$out" | awk '{ printf "%s %.3f\n", $1, $2 + $3 }'
}

min() { echo "if ($1 < $2) $1 else $2" | bc -l; }

gst() {
  local file=${*: -1}
  set -- "${@:1:$#-1}"
  gst-launch-1.0 -q filesrc location="$file" blocksize=$frame_size \
    ! $parse ! "$@" ! fakesink
}
ff() {
  ffmpeg -v error -f rawvideo -pix_fmt yuv420p -s 1920x1080 -r 25 -i "$2" \
    -vf "$1" -f null -
}
ff1() {
  ffmpeg -v error -threads 1 -filter_threads 1 -f rawvideo -pix_fmt yuv420p \
    -s 1920x1080 -r 25 -i "$2" -vf "$1" -f null -
}

fill_caps="video/x-raw,width=640,height=360"
box="videobox top=-140 bottom=-140 fill=black"
crop="videocrop left=420 right=420"
sq="video/x-raw,width=640,height=640"
# videoscale's method closest to immscale's default filter
stock_cubic=catrom

declare -A C T
names=()
bench() {
  local name=$1
  shift
  names+=("$name")
  C[$name]="$*"
}
bench read gst identity
bench ff_read ff1 null
bench imm_fill gst immscale width=640 height=640 scale-type=fill
bench imm_fill_t1 gst immscale width=640 height=640 scale-type=fill threads=1
bench imm_fill_lin gst immscale width=640 height=640 scale-type=fill \
  method=linear threads=1
bench stock_fill gst videoscale ! $fill_caps ! $box
bench stock_fill_709 gst videoscale ! $fill_caps,colorimetry=bt709 ! $box
bench stock_fill_cr gst videoscale method=$stock_cubic ! $fill_caps,colorimetry=bt709 \
  ! $box
bench stock_fill1 gst videoconvertscale add-borders=true ! $sq
bench ff_fill ff "scale=640:360,pad=640:640:0:140"
bench ff_fill_t1 ff1 "scale=640:360,pad=640:640:0:140"
bench imm_crop gst immscale width=640 height=640 scale-type=crop
bench imm_crop_t1 gst immscale width=640 height=640 scale-type=crop threads=1
bench imm_crop_lin gst immscale width=640 height=640 scale-type=crop \
  method=linear threads=1
bench stock_crop gst $crop ! videoscale ! $sq
bench stock_crop_cr gst $crop ! videoscale method=$stock_cubic ! $sq
bench ff_crop ff "crop=1080:1080,scale=640:640"
bench ff_crop_t1 ff1 "crop=1080:1080,scale=640:640"

# Round after round over all commands, so that a burst of other work on
# the shared machine slows one run of many commands rather than every run
# of one. T: best "t_all t_one cpu_all cpu_one" of each command.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for k in "${names[@]}"; do T[$k]="999 999 999 999"; done
for _ in $(seq "$runs"); do
  for k in "${names[@]}"; do
    read -ra cmd <<<"${C[$k]}"
    read -r bw ow bc oc <<<"${T[$k]}"
    read -r w c < <(run_once "$raw" "${cmd[@]}")
    bw=$(min "$w" "$bw")
    bc=$(min "$c" "$bc")
    read -r w c < <(run_once "$tmp/one.yuv" "${cmd[@]}")
    ow=$(min "$w" "$ow")
    oc=$(min "$c" "$oc")
    T[$k]="$bw $ow $bc $oc"
  done
done

field() { echo "${T[$1]}" | cut -d' ' -f"$2"; }
calc() { printf "%.${1}f" "$(echo "$2" | bc -l)"; }
fps() { calc 1 "($n - 1) / ($(field "$1" 1) - $(field "$1" 2))"; }
cpu() { calc 2 "1000 * ($(field "$1" 3) - $(field "$1" 4)) / ($n - 1)"; }
ratio() { calc 2 "$(fps "$1") / $(fps "$2")"; }
# resize CPU: CPU time per frame minus the same tool's read-only time
resize() {
  local base=read
  case $1 in ff*) base=ff_read ;; esac
  calc 2 "$(cpu "$1") - $(cpu $base)"
}
resize_ratio() { calc 2 "$(resize "$2") / $(resize "$1")"; }

declare -A L=(
  [read]="read only: filesrc ! rawvideoparse ! identity"
  [ff_read]="read only: ffmpeg -vf null, 1 thread"
  [imm_fill]="fill: immscale (default: cubic B=0 C=0.6, threads=0)"
  [imm_fill_t1]="fill: immscale threads=1"
  [imm_fill_lin]="fill: immscale method=linear threads=1"
  [stock_fill]="fill: videoscale ! caps (size only) ! videobox"
  [stock_fill_709]="fill: videoscale ! caps (BT.709 kept) ! videobox"
  [stock_fill_cr]="fill: the same, videoscale method=$stock_cubic"
  [stock_fill1]="fill: videoconvertscale add-borders=true"
  [ff_fill]="fill: ffmpeg scale,pad (default: bicubic)"
  [ff_fill_t1]="fill: ffmpeg -threads 1 -filter_threads 1"
  [imm_crop]="crop: immscale (default: cubic B=0 C=0.6, threads=0)"
  [imm_crop_t1]="crop: immscale threads=1"
  [imm_crop_lin]="crop: immscale method=linear threads=1"
  [stock_crop]="crop: videocrop ! videoscale"
  [stock_crop_cr]="crop: videocrop ! videoscale method=$stock_cubic"
  [ff_crop]="crop: ffmpeg crop,scale (default: bicubic)"
  [ff_crop_t1]="crop: ffmpeg -threads 1 -filter_threads 1"
)

echo "$n frames 1920x1080 I420 -> 640x640, $(nproc) cores, best of $runs;" \
  "load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo
printf '| %-55s | %7s | %7s | %7s | %6s | %9s |\n' "command" "all s" \
  "one s" "fps" "CPU ms" "resize ms"
printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..57})" "---------" \
  "---------" "---------" "--------" "-----------"
for k in "${names[@]}"; do
  r=$(resize "$k")
  case $k in *read) r="" ;; esac
  printf '| %-55s | %7.3f | %7.3f | %7s | %6s | %9s |\n' "${L[$k]}" \
    "$(field "$k" 1)" "$(field "$k" 2)" "$(fps "$k")" "$(cpu "$k")" "$r"
done
echo
echo "immscale against the others (> 1 = immscale faster): ratio of fps," \
  "and of the resize CPU time per frame"
printf '| %-50s | %6s | %6s |\n' "comparison" "fps" "resize"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..52})" "--------" "--------"
cmp() {
  printf '| %-50s | %6s | %6s |\n' "$1" "$(ratio "$2" "$3")" \
    "$(resize_ratio "$2" "$3")"
}
cmp "fill vs videoscale ! videobox (defaults)" imm_fill stock_fill
cmp "fill vs the same, BT.709 kept" imm_fill stock_fill_709
cmp "fill vs the same, closest filter ($stock_cubic)" imm_fill stock_fill_cr
cmp "fill vs videoconvertscale add-borders" imm_fill stock_fill1
cmp "fill vs ffmpeg (defaults)" imm_fill ff_fill
cmp "fill, 1 thread each, vs ffmpeg" imm_fill_t1 ff_fill_t1
cmp "fill linear, 1 thread, vs ffmpeg bicubic 1 thread" imm_fill_lin ff_fill_t1
cmp "crop vs videocrop ! videoscale (defaults)" imm_crop stock_crop
cmp "crop vs the same, closest filter ($stock_cubic)" imm_crop stock_crop_cr
cmp "crop vs ffmpeg (defaults)" imm_crop ff_crop
cmp "crop, 1 thread each, vs ffmpeg" imm_crop_t1 ff_crop_t1
cmp "crop linear, 1 thread, vs ffmpeg bicubic 1 thread" imm_crop_lin ff_crop_t1
