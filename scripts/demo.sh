#!/bin/sh
# The main job in one go: make a 20 s sample clip with gst-launch-1.0, write
# a CreateMediaConvertTask request and let imm-convert turn the clip into
# snapshots, a GIF and a WebP. Everything lands under ./out/.
#   BUILD_DIR   build directory (default: build; set up here when missing,
#               else used with the options it has, e.g. scripts/test.sh's)
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build"
# Brings an existing build up to date with the sources (no-op when it is).
ninja -C "$build"
if [ ! -x "$build/gst/tools/imm-convert" ]; then
  echo "demo.sh: $build has no imm-convert; meson configure $build -Dtools=enabled" >&2
  exit 1
fi
# The imm elements from the build tree, before any installed copy.
GST_PLUGIN_PATH="$PWD/$build/plugins${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GST_PLUGIN_PATH

clip=out/demo-bucket/clips/sample.mp4
mkdir -p "$(dirname "$clip")"
echo "== making $clip (10 s colour bars, then 10 s of a moving ball)"
# concat restarts the timestamps of its second input; identity makes one
# timeline of them for the encoder. An IDR frame every 2 s.
gst-launch-1.0 -q concat name=c ! identity single-segment=true ! \
  videoconvert ! video/x-raw,format=I420 ! \
  x264enc key-int-max=50 speed-preset=veryfast ! h264parse ! mp4mux ! \
  filesink location="$clip" \
  videotestsrc num-buffers=250 pattern=smpte ! \
  video/x-raw,width=640,height=360,framerate=25/1 ! c. \
  videotestsrc num-buffers=250 pattern=ball ! \
  video/x-raw,width=640,height=360,framerate=25/1 ! c.

cat > out/request.json <<'JSON'
{
  "ProjectName": "demo",
  "Sources": [{"URI": "oss://demo-bucket/clips/sample.mp4"}],
  "Targets": [
    {
      "Image": {
        "Snapshots": [
          {"Format": "jpg", "Interval": 5, "Width": 320, "Height": 180,
           "ScaleType": "crop",
           "URI": "oss://demo-bucket/clips/{barename}/snap-{index}.{autoext}"}
        ],
        "Animations": [
          {"Format": "gif", "Interval": 0.5, "FrameRate": 10, "Width": 240,
           "Height": 240, "ScaleType": "fit",
           "URI": "oss://demo-bucket/clips/{barename}/preview.{autoext}"},
          {"Format": "webp", "StartTime": 8, "Number": 50, "Width": 0.5,
           "Height": 0.5, "ScaleType": "fit",
           "URI": "oss://demo-bucket/clips/{barename}/cut.{autoext}"}
        ]
      }
    }
  ]
}
JSON

echo "== pipelines"
"$build/gst/tools/imm-convert" --storage-root out --print-pipeline \
  out/request.json
echo "== running out/request.json"
"$build/gst/tools/imm-convert" --storage-root out out/request.json \
  > out/result.json
cat out/result.json
echo "== files"
ls -l out/demo-bucket/clips/sample/
