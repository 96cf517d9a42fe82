#!/bin/sh
# Installs imm-gst the way a system install on Debian does (--prefix=/usr)
# into a scratch DESTDIR, then checks that the plugin landed in GStreamer's
# own plugin directory (pkg-config's pluginsdir), that gst-inspect-1.0 finds
# its elements there with no GST_PLUGIN_PATH, and that imm-convert runs.
#   BUILD_DIR  build directory (default: build-install, set up when missing)
set -eu
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build-install}
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" --prefix=/usr -Dtests=disabled
fi
ninja -C "$dir"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$dir" --destdir "$dest" --quiet

pluginsdir=$(pkg-config --variable=pluginsdir gstreamer-1.0)
if [ ! -f "$dest$pluginsdir/libgstimm.so" ]; then
  echo "FAIL: the plugin is not in GStreamer's plugin directory $pluginsdir;" \
    "installed:" >&2
  (cd "$dest" && find . -name 'libgstimm*.so*') >&2
  exit 1
fi
lib=$(dirname "$(find "$dest" -name 'libgstimm-1.0.so.0' | head -n 1)")

# Only the installed copy: GStreamer's system path is the DESTDIR's
# pluginsdir (as it is / on a real install), nothing from the build tree.
for element in immsnapshot immscale immanimenc; do
  if ! env -u GST_PLUGIN_PATH -u GST_PLUGIN_PATH_1_0 \
      GST_PLUGIN_SYSTEM_PATH_1_0="$dest$pluginsdir" \
      GST_REGISTRY_1_0="$dest/registry.bin" LD_LIBRARY_PATH="$lib" \
      gst-inspect-1.0 "$element" > "$dest/inspect.txt" 2>&1; then
    cat "$dest/inspect.txt" >&2
    echo "FAIL: gst-inspect-1.0 $element does not find the installed plugin" >&2
    exit 1
  fi
done
LD_LIBRARY_PATH="$lib" "$dest/usr/bin/imm-convert" --version
echo "install OK: plugin in $pluginsdir, imm-convert in /usr/bin"
