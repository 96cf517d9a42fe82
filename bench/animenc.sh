#!/bin/sh
# immanimenc against ffmpeg on the same frames: bytes, SSIM/PSNR, encode time.
#   usage: bench/animenc.sh CLIP [ANIMQ]
#   CLIP   a video; scaled once to 360x264 at 15 fps into a y4m both tools read
#   ANIMQ  the quality script (default ../shared/bench/animq.py), run with
#          $PYTHON (default: the first python3 that imports skimage)
#   BUILD_DIR  imm-gst build directory (default: build)
#   CURVE=0    skip the quality 30..95 curve
# Times are wall-clock seconds of one run each; the machine is shared, so
# compare the ratios of the same run rather than absolute numbers.
set -eu
clip=${1:?usage: bench/animenc.sh CLIP [ANIMQ]}
root=$(cd "$(dirname "$0")/.." && pwd)
animq=${2:-$root/../shared/bench/animq.py}
build=${BUILD_DIR:-$root/build}
if [ -z "${PYTHON:-}" ]; then
  for p in /usr/bin/python3 /root/.pyenv/shims/python3 python3; do
    if "$p" -c 'import skimage, PIL' 2>/dev/null; then PYTHON=$p; break; fi
  done
fi
export GST_PLUGIN_PATH_1_0="$build/plugins"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ref=$tmp/ref.y4m
ffmpeg -v error -i "$clip" -vf scale=360:264:flags=lanczos,fps=15 \
  -pix_fmt yuv444p -an -y "$ref"
# GStreamer gets ffmpeg's own RGB conversion of the same frames: y4mdec +
# videoconvert pick other colour matrices and would skew the comparison.
rgba=$tmp/ref.rgba
ffmpeg -v error -i "$ref" -f rawvideo -pix_fmt rgba -y "$rgba"

now () { date +%s.%N; }
results=$tmp/results.txt
: > "$results"

# run NAME OUTPUT COMMAND...: times the command, measures the output
run () {
  name=$1; out=$2; shift 2
  t0=$(now); "$@" > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
  t1=$(now)
  meas=$("$PYTHON" "$animq" "$ref" 15 "$out")
  echo "$name $(echo "$t1 - $t0" | bc) $meas" >> "$results"
}

gst () {
  gst-launch-1.0 -q filesrc location="$rgba" ! \
    rawvideoparse width=360 height=264 format=rgba framerate=15/1 ! \
    immanimenc "$@" ! filesink location="$out_file"
}

out_file=$tmp/ours.gif; run "gif-ours" "$out_file" gst format=gif
run "gif-ffmpeg-sierra" "$tmp/ff1.gif" ffmpeg -v error -i "$ref" -filter_complex \
  "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=diff_mode=rectangle" \
  -y "$tmp/ff1.gif"
run "gif-ffmpeg-bayer5" "$tmp/ff2.gif" ffmpeg -v error -i "$ref" -filter_complex \
  "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=5:diff_mode=rectangle" \
  -y "$tmp/ff2.gif"
out_file=$tmp/ours.webp; run "webp-ours" "$out_file" gst format=webp
run "webp-ffmpeg-q75" "$tmp/ff.webp" ffmpeg -v error -i "$ref" -c:v libwebp_anim \
  -quality 75 -loop 0 -y "$tmp/ff.webp"

if [ "${CURVE:-1}" != 0 ]; then
  for q in 30 50 70 85 95; do
    out_file=$tmp/c$q.gif; run "curve-gif-q$q" "$out_file" gst format=gif quality=$q
    out_file=$tmp/c$q.webp; run "curve-webp-q$q" "$out_file" gst format=webp quality=$q
  done
fi

"$PYTHON" - "$results" <<'PY'
import json, sys
rows = {}
order = []
for line in open(sys.argv[1]):
    name, secs, js = line.split(" ", 2)
    r = json.loads(js); r["secs"] = float(secs); rows[name] = r; order.append(name)
def table(title, names, base):
    b = rows[base]
    print(f"\n{title} (ratios against {base})")
    print(f"{'encoder':22} {'frames':>6} {'bytes':>10} {'xbytes':>7} {'SSIM':>7} {'PSNR':>6} {'secs':>6} {'xtime':>6}")
    for n in names:
        r = rows[n]
        print(f"{n:22} {r['frames']:6d} {r['bytes']:10d} {r['bytes']/b['bytes']:7.2f} {r['ssim']:7.4f} {r['psnr']:6.2f} {r['secs']:6.2f} {r['secs']/b['secs']:6.2f}")
table("GIF", ["gif-ours", "gif-ffmpeg-sierra", "gif-ffmpeg-bayer5"], "gif-ffmpeg-bayer5")
table("GIF time", ["gif-ours", "gif-ffmpeg-sierra"], "gif-ffmpeg-sierra")
table("WebP", ["webp-ours", "webp-ffmpeg-q75"], "webp-ffmpeg-q75")
curve = [n for n in order if n.startswith("curve-")]
if curve:
    print("\nSize/quality curve (immanimenc)")
    print(f"{'setting':22} {'bytes':>10} {'SSIM':>7} {'PSNR':>6} {'secs':>6}")
    for n in curve:
        r = rows[n]
        print(f"{n:22} {r['bytes']:10d} {r['ssim']:7.4f} {r['psnr']:6.2f} {r['secs']:6.2f}")
PY
