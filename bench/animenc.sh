#!/bin/sh
# immanimenc against gifski, ffmpeg and gifsicle on a set of short clips:
# de_blur, flicker, SSIM, bytes and time, with ratios to the anchor (gifski
# -Q 90 for GIF, ffmpeg libwebp_anim q75 for WebP) and the goal of issue 10.
#   usage: bench/animenc.sh [CLIP...]
#   CLIP   film camera gradient fade testsrc ui motion (default: all):
#          film = Megamind.avi 2.5-5.5 s (a hard cut at 4 s), camera =
#          vtest.avi (noisy fixed camera), gradient = lavfi gradients, fade =
#          a camera still fading to black, testsrc = lavfi testsrc2, ui = a
#          text page scrolling with a moving cursor, motion = a fast pan.
#          All 3 s at 15 fps, 320x240 (film 360x264).
#   MEDIA      folder of Megamind.avi and vtest.avi (../shared/media)
#   ANIMQ      the quality script (../shared/bench/animq.py), run with
#              $PYTHON (default: the first python3 that imports skimage)
#   GIFSKI     gifski binary; default: /tmp/package/bin/debian/gifski, else
#              `npm pack gifski@1.7.1` into a temporary folder; skipped with
#              a note when neither works (npm unreachable)
#   BUILD_DIR  imm-gst build directory (default: build)
#   KEEP=DIR   keep clips and anchor outputs in DIR and reuse them on the
#              next run (ours are always encoded again)
#   GIF_ARGS   extra immanimenc properties for our GIF (e.g. "dither=none")
#   ONLY=gif   skip WebP
#   GIFSICLE=0 skip gifsicle --lossy on our GIF
# Times are wall-clock seconds of one run each; the machine may be shared,
# so compare the ratios of one run rather than absolute numbers.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
media=${MEDIA:-$root/../shared/media}
animq=${ANIMQ:-$root/../shared/bench/animq.py}
build=${BUILD_DIR:-$root/build}
clips=${*:-film camera gradient fade testsrc ui motion}
if [ -z "${PYTHON:-}" ]; then
  for p in /usr/bin/python3 /root/.pyenv/shims/python3 python3; do
    if "$p" -c 'import skimage, PIL' 2>/dev/null; then PYTHON=$p; break; fi
  done
fi
export GST_PLUGIN_PATH_1_0="$build/plugins"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
work=${KEEP:-$tmp}
mkdir -p "$work"

gifski=${GIFSKI:-/tmp/package/bin/debian/gifski}
if ! [ -x "$gifski" ]; then
  gifski=
  if (cd "$tmp" && timeout 120 npm pack -q gifski@1.7.1 >/dev/null 2>&1 &&
      tar xf gifski-1.7.1.tgz); then
    gifski=$tmp/package/bin/debian/gifski
  fi
fi
[ -n "$gifski" ] || echo "note: gifski not available (npm unreachable?): skipped" >&2

now () { date +%s.%N; }
results=$work/results.txt
: > "$results"

# make_clip NAME DIR: writes DIR/ref.y4m (the reference), DIR/ref.rgba
# (ffmpeg's RGB of it, which our pipeline reads: y4mdec + videoconvert
# would pick other matrices) and DIR/f*.png (gifski's input)
make_clip () {
  name=$1; d=$2
  [ -f "$d/ref.y4m" ] && return 0
  mkdir -p "$d"
  font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
  o="-t 3 -r 15 -pix_fmt yuv444p -an -y $d/ref.y4m"
  case $name in
    film) ffmpeg -v error -ss 2.5 -i "$media/Megamind.avi" \
        -vf scale=360:264:flags=lanczos,fps=15 $o ;;
    camera) ffmpeg -v error -ss 20 -i "$media/vtest.avi" \
        -vf scale=320:240:flags=lanczos,fps=15 $o ;;
    gradient) ffmpeg -v error -f lavfi \
        -i "gradients=s=320x240:r=15:speed=0.01:n=3:seed=7" $o ;;
    fade) ffmpeg -v error -ss 40 -i "$media/vtest.avi" -vf \
        "trim=end_frame=1,loop=45:1,setpts=N/15/TB,scale=320:240:flags=lanczos,fade=out:st=0:d=3" \
        $o ;;
    testsrc) ffmpeg -v error -f lavfi -i "testsrc2=s=320x240:r=15" $o ;;
    ui) seq 1 60 | sed 's/.*/item & - lorem ipsum dolor sit amet, consectetur/' \
        > "$d/text.txt"
      ffmpeg -v error -f lavfi -i "color=c=0xf4f4f4:s=320x1000:r=15:d=3" \
        -f lavfi -i "color=c=0x101010:s=6x12:r=15:d=3" -filter_complex \
        "[0]drawbox=x=0:y=0:w=320:h=30:c=0x3060c0:t=fill,drawtext=fontfile=$font:fontsize=13:fontcolor=0x202020:textfile=$d/text.txt:x=10:y=40:line_spacing=3,crop=320:240:0:'min(t*120\,240)'[bg];[bg][1]overlay=x='40+t*70':y='60+t*30'" \
        $o ;;
    motion) ffmpeg -v error -ss 30 -i "$media/vtest.avi" -vf \
        "fps=15,crop=384:288:x='min(t*110\,384)':y='t*40',scale=320:240:flags=lanczos" \
        $o ;;
    *) echo "unknown clip $name" >&2; exit 2 ;;
  esac
  ffmpeg -v error -i "$d/ref.y4m" -f rawvideo -pix_fmt rgba -y "$d/ref.rgba"
  ffmpeg -v error -i "$d/ref.y4m" -pix_fmt rgb24 -y "$d/f%03d.png"
}

# run CLIP NAME OUTPUT COMMAND...: times the command, measures the output
run () {
  clip=$1; name=$2; out=$3; shift 3
  t0=$(now); "$@" > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
  t1=$(now)
  echo "$clip $name $(echo "$t1 - $t0" | bc) $(measure "$out")" >> "$results"
}
measure () { "$PYTHON" "$animq" "$d/ref.y4m" 15 "$1"; }
# anchor CLIP NAME OUTPUT COMMAND...: as run, reusing a kept result
anchor () {
  if [ -f "$d/$2.row" ]; then cat "$d/$2.row" >> "$results"; return 0; fi
  run "$@"
  tail -n 1 "$results" > "$d/$2.row"
}

gst () {
  gst-launch-1.0 -q filesrc location="$d/ref.rgba" ! \
    rawvideoparse width=$w height=$h format=rgba framerate=15/1 ! \
    immanimenc "$@" ! filesink location="$out_file"
}

for c in $clips; do
  d=$work/$c
  make_clip "$c" "$d"
  w=$(head -c 64 "$d/ref.y4m" | sed -n 's/.* W\([0-9]*\) .*/\1/p')
  h=$(head -c 64 "$d/ref.y4m" | sed -n 's/.* H\([0-9]*\) .*/\1/p')
  if [ -n "$gifski" ]; then
    anchor "$c" gif-gifski-Q90 "$d/gifski.gif" "$gifski" -Q 90 -r 15 \
      -W "$w" -H "$h" -o "$d/gifski.gif" "$d"/f*.png
  fi
  anchor "$c" gif-ffmpeg-sierra "$d/ff.gif" ffmpeg -v error -i "$d/ref.y4m" \
    -filter_complex "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=sierra2_4a:diff_mode=rectangle" \
    -y "$d/ff.gif"
  out_file=$tmp/ours.gif
  # shellcheck disable=SC2086
  run "$c" gif-ours "$out_file" gst format=gif ${GIF_ARGS:-}
  cp "$out_file" "$work/$c-ours.gif"
  if [ "${GIFSICLE:-1}" != 0 ]; then
  t0=$(now)
  gifsicle -O3 --lossy=80 "$out_file" -o "$tmp/lossy.gif"
  t1=$(now)
  ours_secs=$(tail -n 1 "$results" | cut -d' ' -f3)
  echo "$c gif-ours+gifsicle-lossy80 $(echo "$ours_secs + $t1 - $t0" | bc) $(measure "$tmp/lossy.gif")" >> "$results"
  fi
  if [ "${ONLY:-}" != gif ]; then
    anchor "$c" webp-ffmpeg-q75 "$d/ff.webp" ffmpeg -v error -i "$d/ref.y4m" \
      -c:v libwebp_anim -quality 75 -loop 0 -y "$d/ff.webp"
    out_file=$tmp/ours.webp; run "$c" webp-ours "$out_file" gst format=webp
  fi
done

"$PYTHON" - "$results" <<'PY'
import json, sys
rows = {}
clips = []
for line in open(sys.argv[1]):
    clip, name, secs, js = line.split(" ", 3)
    r = json.loads(js); r["secs"] = float(secs)
    rows[(clip, name)] = r
    if clip not in clips: clips.append(clip)
hdr = f"{'clip':9} {'encoder':26} {'bytes':>9} {'xbytes':>6} {'de_blur':>7} {'flicker':>7} {'SSIM':>6} {'secs':>6} {'xtime':>5}  goal"
def goal(r, a, gif):
    bad = []
    if r["de_blur"] > a["de_blur"]: bad.append("de")
    if r["bytes"] > a["bytes"]: bad.append("bytes")
    if gif and r["flicker"] > a["flicker"]: bad.append("flicker")
    if r["ssim"] < a["ssim"] - (0.005 if gif else 0): bad.append("ssim")
    if r["secs"] > (0.25 if gif else 0.7) * a["secs"]: bad.append("time")
    return "ok" if not bad else "miss: " + ",".join(bad)
tot = {}
for fmt, base, goal_row in (("gif", "gif-gifski-Q90", "gif-ours"),
                            ("webp", "webp-ffmpeg-q75", "webp-ours")):
    if not any(k[1] == base for k in rows):
        if fmt == "gif":
            base = "gif-ffmpeg-sierra"
            goal_row = None
        else:
            continue
    print(f"\n{fmt.upper()} (x = ratio to {base}; goal of issue 10 checked on {goal_row})")
    print(hdr)
    for c in clips:
        if (c, base) not in rows: continue
        a = rows[(c, base)]
        for (cc, n), r in rows.items():
            if cc != c or not n.startswith(fmt): continue
            g = goal(r, a, fmt == "gif") if n == goal_row else ""
            print(f"{c:9} {n:26} {r['bytes']:9d} {r['bytes']/a['bytes']:6.2f} {r['de_blur']:7.3f} {r['flicker']:7.3f} {r['ssim']:6.4f} {r['secs']:6.2f} {r['secs']/a['secs']:5.2f}  {g}")
            t = tot.setdefault(n, [0, 0, 0]); t[0] += r["bytes"]; t[1] += r["secs"]; t[2] += 1
    print(f"{'all':9} {'encoder':26} {'bytes':>9} {'xbytes':>6} {'':>7} {'':>7} {'':>6} {'secs':>6} {'xtime':>5}")
    b = tot.get(base)
    for n, t in tot.items():
        if n.startswith(fmt) and b:
            print(f"{'all':9} {n:26} {t[0]:9d} {t[0]/b[0]:6.2f} {'':>7} {'':>7} {'':>6} {t[1]:6.2f} {t[1]/b[1]:5.2f}")
PY
