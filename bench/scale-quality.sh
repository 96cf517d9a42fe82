#!/bin/bash
# How close each resizer of bench/scale.sh comes to a high-quality
# reference: ffmpeg's lanczos (accurate rounding) of the same frames.
#
# usage: bench/scale-quality.sh [SOURCE_VIDEO] [FRAMES]
#   SOURCE_VIDEO  any video ffmpeg decodes (default: a videotestsrc clip);
#                 scaled to 1920x1080 once, as in bench/scale.sh.
#   FRAMES        frames to compare (default 50)
# Needs: a build in ./build, ffmpeg.
#
# Two clips: the source, and a zone plate (rings up to the source's
# Nyquist frequency), where a filter that lets too much through aliases.
# Both geometries of bench/scale.sh: fill (1920x1080 into 640x640, the
# 640x360 picture is compared) and crop (1080x1080 to 640x640).
# Columns: luma PSNR (dB) / SSIM and the mean chroma PSNR of the clip, the
# same without chroma for the zone plate (it has none), and "flat": the
# luma a flat 188 comes out as (anything else lightens or darkens whole
# pictures).
# Element descriptions are split into words on purpose:
# shellcheck disable=SC2086
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-}
frames=${2:-50}
export GST_PLUGIN_PATH=$PWD/build/plugins
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
frame_size=$((1920 * 1080 * 3 / 2))
if [ -n "$src" ]; then
  ffmpeg -v error -i "$src" -frames:v "$frames" -vf scale=1920:1080,setsar=1 \
    -pix_fmt yuv420p -f rawvideo "$tmp/clip.yuv"
else
  gst-launch-1.0 -q videotestsrc num-buffers="$frames" pattern=ball \
    ! video/x-raw,format=I420,width=1920,height=1080 \
    ! filesink location="$tmp/clip.yuv"
fi
gst-launch-1.0 -q videotestsrc num-buffers=20 pattern=zone-plate kx2=150 \
  ky2=150 kt2=1 ! video/x-raw,format=I420,width=1920,height=1080 \
  ! filesink location="$tmp/zone.yuv"
gst-launch-1.0 -q videotestsrc num-buffers=1 pattern=solid-color \
  foreground-color=0xffc8c8c8 ! video/x-raw,format=I420,width=1920,height=1080 \
  ! filesink location="$tmp/flat.yuv"

parse="rawvideoparse format=i420 width=1920 height=1080 framerate=25/1"
ff_in="-f rawvideo -pix_fmt yuv420p -s 1920x1080 -r 25"
fill_vf="scale=640:360,pad=640:640:0:140"
crop_vf="crop=1080:1080,scale=640:640"

for clip in clip zone; do
  # shellcheck disable=SC2086
  ffmpeg -v error $ff_in -i "$tmp/$clip.yuv" \
    -vf scale=640:360:flags=lanczos+accurate_rnd \
    -f rawvideo "$tmp/$clip-ref-fill.yuv"
  # shellcheck disable=SC2086
  ffmpeg -v error $ff_in -i "$tmp/$clip.yuv" \
    -vf crop=1080:1080,scale=640:640:flags=lanczos+accurate_rnd \
    -f rawvideo "$tmp/$clip-ref-crop.yuv"
done

# run_gst IN OUT ELEMENTS... / run_ff IN OUT VF
run_gst() {
  local in=$1 out=$2
  shift 2
  # shellcheck disable=SC2068
  gst-launch-1.0 -q filesrc location="$in" blocksize=$frame_size ! $parse \
    ! $@ ! filesink location="$out"
}
run_ff() {
  # shellcheck disable=SC2086
  ffmpeg -v error -y $ff_in -i "$1" -vf "$3" -f rawvideo -pix_fmt yuv420p \
    "$2"
}

# compare OUT REF GEOMETRY: "yPSNR/SSIM uvPSNR" (or without uvPSNR for the
# zone plate, which has no chroma)
compare() {
  local pic="null"
  [ "$3" = fill ] && pic="crop=640:360:0:140"
  local h=360
  [ "$3" = crop ] && h=640
  ffmpeg -hide_banner -f rawvideo -pix_fmt yuv420p -s 640x640 -i "$1" \
    -f rawvideo -pix_fmt yuv420p -s 640x$h -i "$2" -lavfi \
    "[0:v]$pic,split[a][b];[1:v]split[c][d];[a][c]psnr;[b][d]ssim" \
    -f null - 2>&1 | awk '
      /PSNR y:/ { for (i = 1; i <= NF; i++) {
          if ($i ~ /^y:/) y = substr($i, 3)
          if ($i ~ /^u:/) u = substr($i, 3)
          if ($i ~ /^v:/) v = substr($i, 3) } }
      /SSIM Y:/ { for (i = 1; i <= NF; i++)
          if ($i ~ /^Y:/) s = substr($i, 3) }
      END { printf "%5.2f/%.4f", y, s
        if (u != "inf") printf " %5.2f", (u + v) / 2 }'
}

# flat level of the picture's luma: "min-max" or the one value
flat_level() {
  local off=$((640 * 140)) len=$((640 * 360))
  [ "$2" = crop ] && off=0 && len=$((640 * 640))
  od -An -tu1 -v -j $off -N $len "$1" |
    tr -s ' ' '\n' | grep -v '^$' | sort -nu | sed -n '1p;$p' |
    paste -sd- | sed 's/^\([0-9]*\)-\1$/\1/'
}

printf '| %-52s | %-5s | %-18s | %-13s | %-7s |\n' "resizer" "geom" \
  "clip Y/SSIM UV" "zone Y/SSIM" "flat"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "-------" \
  "$(printf -- '-%.0s' {1..20})" "$(printf -- '-%.0s' {1..15})" "---------"
# row LABEL GEOMETRY KIND ARGS...: KIND gst (ARGS = elements) or ff (ARGS = vf)
row() {
  local label=$1 geom=$2 kind=$3 clip q=()
  shift 3
  for clip in clip zone flat; do
    "run_$kind" "$tmp/$clip.yuv" "$tmp/out.yuv" "$@"
    if [ $clip = flat ]; then
      q+=("$(flat_level "$tmp/out.yuv" "$geom")")
    else
      q+=("$(compare "$tmp/out.yuv" "$tmp/$clip-ref-$geom.yuv" "$geom")")
    fi
  done
  printf '| %-52s | %-5s | %-18s | %-13s | %-7s |\n' "$label" "$geom" \
    "${q[0]}" "${q[1]}" "${q[2]}"
}
imm="immscale width=640 height=640"
for geom in fill crop; do
  vf=$fill_vf
  stock="videoscale ! video/x-raw,width=640,height=360,colorimetry=bt709"
  stock2="! videobox top=-140 bottom=-140 fill=black"
  if [ $geom = crop ]; then
    vf=$crop_vf
    stock="videocrop left=420 right=420 ! videoscale"
    stock2="! video/x-raw,width=640,height=640"
  fi
  row "immscale (default)" $geom gst "$imm scale-type=$geom"
  for m in "method=cubic cubic-b=0.3333 cubic-c=0.3333" \
    "method=cubic cubic-b=0 cubic-c=0.5" "method=cubic cubic-b=0 cubic-c=0.6" \
    method=linear method=lanczos method=nearest; do
    row "immscale $m" $geom gst "$imm scale-type=$geom $m"
  done
  for m in bilinear catrom mitchell lanczos; do
    row "videoscale method=$m" $geom gst "${stock/videoscale/videoscale \
method=$m} $stock2"
  done
  row "ffmpeg (default: bicubic)" $geom ff "$vf"
  row "ffmpeg flags=bilinear" $geom ff "${vf/scale=640:???/&:flags=bilinear}"
done
