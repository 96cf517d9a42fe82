#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The conformance matrix: imm-convert on the inputs users have, against
ffmpeg as the oracle.

Every input is made here, at test time, with ffmpeg's encoders: small
frames, the frame number drawn into each frame as a row of ten black/white
blocks (bit 0 on the left, in the top fifth of the stored picture), so the
test reads back exactly which frame it got. For every picture imm-convert
writes, ffmpeg decodes the same source (all frames, from the start; the
rotation and pixel aspect applied as a player does, untagged HD read as
BT.709) and the frame the request asks for is looked up in ffprobe's
frame list. A still passes when it has the oracle's size, carries the
oracle frame's number and is within PSNR 35 dB of it (a JPEG's black and
white blocks must also decode to the oracle's 0 and 255, +-2); keyframe
snapshots must be exactly the frames `ffprobe -skip_frame nokey` decodes;
animation frames must carry the expected numbers at the oracle's size.

Prints a table: rows are inputs, columns requests; a cell is "ok", the
first failing figure, or "skip" with the reason printed below. Cells the
KNOWN dict lists (empty now) fail only by the seek bugs of issue 11, those
OPEN lists are bugs found here and not fixed yet: they print "xfail
<figure>" (or "XPASS" once they pass) and do not fail the run unless
IMM_CONFORMANCE_STRICT=1.

Environment: IMM_CONVERT (the tool), IMM_WEBP_FRAMES (the animated WebP
dumper next to this file), the usual GST_PLUGIN_* variables; IMM_ONLY=a,b
runs only the inputs named.
"""

import concurrent.futures
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

FPS = 25
BITS = 10
PSNR_MIN = 35.0
LEVEL_TOL = 2
RUN_TIMEOUT = 60

# Cells that fail only because of the seek bugs of issue 11 (items 1, 5,
# 6): none since the immsnapshot seek rework (TS after a seek, RealMedia
# seeks and VOB keyframes pass).
KNOWN = {}

# Bugs the matrix found outside the seek code, not fixed yet (README):
# none since average on a TS cut mid-GOP and the packed AVI's timeline.
OPEN = {}
EXPECTED = {**KNOWN, **OPEN}


class Fail(Exception):
    """A cell's failing figure."""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, timeout=RUN_TIMEOUT, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, check=False, **kw)


def have_ffmpeg_encoder(name):
    out = run(["ffmpeg", "-hide_banner", "-encoders"]).stdout.decode()
    return any(line.split()[1:2] == [name] for line in out.splitlines()
               if len(line.split()) > 1)


def have_gst(element):
    return run(["gst-inspect-1.0", "--exists", element]).returncode == 0


# ---------------------------------------------------------------- pictures

def read_ppms(data):
    """Splits a stream of binary PPMs into (width, height, rgb bytes)."""
    frames = []
    pos = 0
    while pos < len(data):
        fields = []
        while len(fields) < 4:
            while data[pos:pos + 1].isspace():
                pos += 1
            if data[pos:pos + 1] == b"#":
                pos = data.index(b"\n", pos)
                continue
            end = pos
            while not data[end:end + 1].isspace():
                end += 1
            fields.append(data[pos:end])
            pos = end
        pos += 1
        w, h = int(fields[1]), int(fields[2])
        frames.append((w, h, data[pos:pos + 3 * w * h]))
        pos += 3 * w * h
    return frames


def decode_file(path, webp_frames):
    """Every frame of an output file, as a viewer shows it."""
    if path.endswith(".webp") and webp_frames:
        r = run([webp_frames, path])
    else:
        r = run(["ffmpeg", "-v", "error", "-i", path, "-fps_mode",
                 "passthrough", "-f", "image2pipe", "-c:v", "ppm", "-"])
    if r.returncode != 0 or not r.stdout:
        raise Fail("undecodable " + os.path.basename(path))
    return read_ppms(r.stdout)


def psnr(a, b):
    se = sum((x - y) * (x - y) for x, y in zip(a, b))
    if se == 0:
        return 99.0
    return 10 * math.log10(255 * 255 * len(a) / se)


def to_stored(u, v, rotation):
    """Where a point of the stored picture (fractions) shows in the upright
    one. @rotation is the `rotate` tag ffmpeg writes: 90 shows the stored
    top edge on the left (as both ffmpeg and GStreamer play it)."""
    if rotation == 90:
        return v, 1 - u
    if rotation == 180:
        return 1 - u, 1 - v
    if rotation == 270:
        return 1 - v, u
    return u, v


def cell_levels(frame, rotation, pick=None):
    """Grey level of each of the frame number's blocks: the mean of its
    middle, or what @pick (min, max) takes of its pixels."""
    w, h, rgb = frame
    levels = []
    for k in range(BITS):
        # the middle quarter of block k, in stored fractions
        u0, u1 = (k + 0.35) / BITS, (k + 0.65) / BITS
        v0, v1 = 0.07, 0.13
        xs, ys = [], []
        for u in (u0, u1):
            for v in (v0, v1):
                x, y = to_stored(u, v, rotation)
                xs.append(x * w)
                ys.append(y * h)
        px = []
        for y in range(int(min(ys)), max(int(min(ys)) + 1, int(max(ys)))):
            for x in range(int(min(xs)), max(int(min(xs)) + 1,
                                             int(max(xs)))):
                i = 3 * (y * w + x)
                px += rgb[i:i + 3]
        levels.append(pick(px) if pick else sum(px) / len(px))
    return levels


def frame_number(frame, rotation):
    return sum(1 << k for k, lv in enumerate(cell_levels(frame, rotation))
               if lv >= 128)


# ------------------------------------------------------------------ inputs

def pattern(w, h, dur, full=False, rate=FPS):
    """testsrc2 (colour, motion) with the frame number drawn in."""
    lo, hi = (0, 255) if full else (16, 235)
    fmt = "yuvj420p" if full else "yuv420p"
    band = "lt(Y,H/5)"
    bit = "bitand(N,pow(2,floor(X*%d/W)))" % BITS
    # testsrc2's hard colour edges are softened (as a camera's are) so
    # that 4:2:0 JPEG at quality 90 stays above the PSNR threshold.
    return ("testsrc2=size=%dx%d:rate=%d:duration=%g,gblur=sigma=2,format=%s,"
            "geq=lum='if(%s,if(%s,%d,%d),lum(X,Y))'"
            ":cb='if(%s,128,cb(X,Y))':cr='if(%s,128,cr(X,Y))'"
            % (w, h, rate, dur, fmt, band, bit, hi, lo, band, band))


def keys(times):
    return ["-force_key_frames", ",".join(str(t) for t in times)]


X264 = ["-c:v", "libx264", "-preset", "veryfast", "-x264-params",
        "keyint=1000:min-keyint=1000:scenecut=0"]
LONG_KEYS = keys([0, 3, 7, 10, 15, 19])     # 2-5 s apart, 24 s
SHORT_KEYS = keys([0, 3, 6])                # 8 s clips

# name, file, duration, size, ffmpeg output args, needs (encoders,
# gst elements), properties: rotation, sar, hd (untagged), vf (extra
# filters after the pattern), derive (made from another input).
INPUTS = [
    dict(name="mp4-h264", file="h264.mp4", dur=24,
         args=X264 + LONG_KEYS + ["-pix_fmt", "yuv420p"]),
    dict(name="ts-h264", file="h264.ts", dur=24, derive="mp4-h264"),
    dict(name="mov-rot90", file="rot90.mov", dur=8,
         args=X264 + SHORT_KEYS,
         rotation=90),
    dict(name="mp4-rot180", file="rot180.mp4", dur=8,
         args=X264 + SHORT_KEYS,
         rotation=180),
    dict(name="mp4-rot270", file="rot270.mp4", dur=8,
         args=X264 + SHORT_KEYS,
         rotation=270),
    dict(name="mp4-sar16:15", file="sar.mp4", dur=8, size=(180, 120),
         vf="setsar=16/15", args=X264 + SHORT_KEYS, sar=(16, 15)),
    dict(name="mp4-fullrange", file="full.mp4", dur=8, full=True,
         args=X264 + SHORT_KEYS + ["-color_range", "pc"]),
    dict(name="mp4-hd-untagged", file="hd.mp4", dur=4, size=(1280, 720),
         args=X264 + keys([0, 2]), hd=True),
    # The tag, not the size, decides: SD tagged BT.709, HD tagged BT.601.
    dict(name="mp4-sd-bt709", file="sd709.mp4", dur=8,
         args=X264 + SHORT_KEYS + ["-colorspace", "bt709",
                                   "-color_primaries", "bt709",
                                   "-color_trc", "bt709"],
         tags="bt709"),
    dict(name="mp4-hd-bt601", file="hd601.mp4", dur=4, size=(1280, 720),
         args=X264 + keys([0, 2]) + ["-colorspace", "smpte170m",
                                     "-color_primaries", "smpte170m",
                                     "-color_trc", "smpte170m"],
         hd=True, tags="smpte170m"),
    # 1440x1080 SAR 4:3 shown 1920x1080, small
    dict(name="mp4-anamorphic4:3", file="sar43.mp4", dur=8, size=(240, 180),
         vf="setsar=4/3", args=X264 + SHORT_KEYS, sar=(4, 3)),
    dict(name="mp4-bpyramid-opengop", file="bpyr.mp4", dur=8,
         args=["-c:v", "libx264", "-preset", "veryfast", "-x264-params",
               "keyint=50:min-keyint=50:scenecut=0:bframes=3:"
               "b-pyramid=normal:open-gop=1"],
         # ffmpeg's -skip_frame nokey decode of open GOPs reorders the
         # I-frames (4 s, 2 s, 0 s) and loses the last one in its reorder
         # delay: the mp4's sync samples (0, 2, 4, 6 s) are the oracle
         packet_keys=True),
    # keyframes 10 s apart: the interval and animation requests seek
    # into the middle of a long GOP
    dict(name="mp4-longgop", file="longgop.mp4", dur=24,
         args=X264 + keys([0, 10, 20])),
    dict(name="mp4-h264-10bit", file="h264-10.mp4", dur=8,
         args=X264 + SHORT_KEYS + ["-pix_fmt", "yuv420p10le"],
         # ffmpeg's direct 10-bit to rgb24 path interpolates chroma where
         # its 8-bit path (and ours, for every input) repeats it: the two
         # ffmpeg paths are 35.1 dB apart, we are 47 dB from the 8-bit one
         # and 34.8 dB from the direct one. The oracle takes ffmpeg's 8-bit
         # path so this row checks what every other row checks: the frame,
         # the levels and the colour matrix, not the chroma upsampler.
         oracle_pix_fmt="yuv420p"),
    dict(name="mkv-hevc", file="hevc.mkv", dur=8,
         args=["-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
               "log-level=error:keyint=75:min-keyint=75:scenecut=0"],
         needs=["libx265"]),
    dict(name="mkv-offset60", file="offset.mkv", dur=8,
         args=X264 + SHORT_KEYS + ["-output_ts_offset", "60"]),
    dict(name="mkv-vfr", file="vfr.mkv", dur=10,
         vf="select='not(between(mod(n\\,10)\\,3\\,5))'",
         args=X264 + SHORT_KEYS + ["-fps_mode", "vfr"]),
    dict(name="webm-vp8", file="vp8.webm", dur=8,
         args=["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
               "-b:v", "1M", "-g", "75"], needs=["libvpx"]),
    dict(name="webm-vp9", file="vp9.webm", dur=8,
         args=["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used",
               "8", "-b:v", "1M", "-g", "75"], needs=["libvpx-vp9"]),
    dict(name="mkv-av1", file="av1.mkv", dur=6,
         args=["-c:v", "libsvtav1", "-preset", "12", "-g", "75"],
         needs=["libsvtav1", "av1dec"]),
    dict(name="vob-mpeg2", file="mpeg2.vob", dur=12,
         args=["-c:v", "mpeg2video", "-q:v", "2", "-g", "50", "-f", "vob"],
         needs=["mpeg2video"]),
    dict(name="avi-mpeg4", file="mpeg4.avi", dur=8,
         args=["-c:v", "mpeg4", "-q:v", "2", "-bf", "2", "-g", "75"],
         needs=["mpeg4"]),
    # DivX-style packed B-frames (libxvid packs them in AVI: a P and a B
    # in one chunk, then a 6-byte placeholder)
    dict(name="avi-xvid-packed", file="xvid.avi", dur=8,
         args=["-c:v", "libxvid", "-q:v", "2", "-bf", "2", "-g", "75"],
         needs=["libxvid"], packed=True, chunk_times=True),
    dict(name="flv-flv1", file="flv1.flv", dur=8,
         args=["-c:v", "flv", "-q:v", "2", "-g", "75"], needs=["flv"]),
    dict(name="wmv-wmv2", file="wmv2.wmv", dur=12,
         args=["-c:v", "wmv2", "-q:v", "2", "-g", "50"],
         needs=["wmv2", "avdec_wmv2"]),
    dict(name="rm-rv20", file="rv20.rm", dur=12,
         args=["-c:v", "rv20", "-q:v", "2", "-g", "50"],
         needs=["rv20", "avdec_rv20"]),
    # MPEG-TS whose first packet is not a keyframe: stream copy from
    # 4.5 s, mid-GOP (keyframes at 3 and 7 s); ffmpeg shows it from the
    # first decodable frame
    dict(name="ts-midgop", file="midgop.ts", dur=24, derive="mp4-h264",
         cut=4.5),
    dict(name="hls-ts", file="hls/index.m3u8", dur=24, derive="mp4-h264",
         needs=["hlsdemux"]),
    dict(name="mp3-cover", file="cover.mp3", audio="libmp3lame",
         needs=["libmp3lame"]),
    dict(name="mp3-cover444", file="cover444.mp3", audio="libmp3lame",
         needs=["libmp3lame"], cover_pix="yuvj444p"),
    # jpegdec gives 4:2:2 as wrong I420 too (34 dB); avdec_mjpeg now
    dict(name="mp3-cover422", file="cover422.mp3", audio="libmp3lame",
         needs=["libmp3lame"], cover_pix="yuvj422p"),
    dict(name="flac-cover", file="cover.flac", audio="flac", needs=["flac"]),
    dict(name="m4a-cover", file="cover.m4a", audio="aac", needs=["aac"]),
]


def make_input(inp, srcdir, made):
    path = os.path.join(srcdir, inp["file"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if inp.get("audio"):
        cover = os.path.join(srcdir, inp["name"] + "-cover.png")
        r = run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                 pattern(160, 120, 4) + ",trim=start_frame=77,setpts=N",
                 "-frames:v", "1", cover])
        if r.returncode == 0:
            r = run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                     "sine=frequency=440:duration=3", "-i", cover,
                     "-map", "0:a", "-map", "1:v", "-c:a", inp["audio"],
                     "-c:v", "png" if inp["audio"] != "libmp3lame"
                     else "mjpeg", "-pix_fmt", "rgb24"
                     if inp["audio"] != "libmp3lame" else inp.get("cover_pix", "yuvj420p"),
                     "-disposition:v", "attached_pic", path])
    elif inp.get("derive"):
        base = made[inp["derive"]]
        if inp["file"].endswith(".m3u8"):
            r = run(["ffmpeg", "-v", "error", "-y", "-i", base, "-c", "copy",
                     "-f", "hls", "-hls_time", "4", "-hls_playlist_type",
                     "vod", "-hls_segment_filename",
                     os.path.join(os.path.dirname(path), "seg%d.ts"), path])
        elif inp.get("cut"):
            # A TS cut mid-GOP as a recorder or `dd` does: the bytes from
            # the 188-byte packet holding the first video packet at or
            # after the cut (ffmpeg's -ss with -c copy snaps to a
            # keyframe, so it cannot make this)
            whole = path + ".whole.ts"
            r = run(["ffmpeg", "-v", "error", "-y", "-i", base, "-c", "copy",
                     whole])
            if r.returncode == 0:
                pk = run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                          "-show_entries", "packet=pts_time,pos", "-of",
                          "csv=p=0", whole]).stdout.decode().split()
                pos = min(int(b) for a, b in (x.split(",")[:2] for x in pk)
                          if float(a) >= inp["cut"])
                with open(whole, "rb") as f, open(path, "wb") as g:
                    f.seek(pos - pos % 188)
                    g.write(f.read())
        else:
            r = run(["ffmpeg", "-v", "error", "-y", "-i", base, "-c", "copy",
                     path])
    else:
        w, h = inp.get("size", (160, 120))
        src = pattern(w if not inp.get("hd") else 160,
                      h if not inp.get("hd") else 90, inp["dur"],
                      inp.get("full", False))
        if inp.get("hd"):
            src += ",scale=%d:%d:flags=neighbor" % (w, h)
        if inp.get("vf"):
            src += "," + inp["vf"]
        out = path + ".tmp" + os.path.splitext(path)[1] \
            if inp.get("rotation") else path
        r = run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", src]
                + inp["args"] + [out], timeout=300)
        if r.returncode == 0 and inp.get("rotation"):
            # ffmpeg 5.1 writes a display matrix only when copying
            r = run(["ffmpeg", "-v", "error", "-y", "-i", out, "-c", "copy",
                     "-metadata:s:v:0", "rotate=%d" % inp["rotation"],
                     path])
    if r.returncode != 0:
        raise Fail("ffmpeg: " + r.stderr.decode(errors="replace")
                   .strip().splitlines()[-1][:60])
    return path


def frame_times(path, extra=(), packets=False):
    """Presentation times of the video frames in decoding output order (or
    of the keyframe packets), as ffprobe lists them; a frame without a
    timestamp (the last of an AVI with B-frames, one in a VOB) follows the
    one before it."""
    what = "packet=pts_time,dts_time,flags" if packets else \
        "frame=best_effort_timestamp_time,pts_time,pkt_dts_time"
    r = run(["ffprobe", "-v", "error", "-select_streams", "v:0"] + list(extra)
            + ["-show_entries", what, "-of", "csv=p=0", path])
    times = []
    for line in r.stdout.decode().split():
        fields = line.strip().strip(",").split(",")
        if packets:
            if "K" not in fields[-1]:
                continue
            fields = fields[:-1]
        known = [float(f) for f in fields if f not in ("", "N/A")]
        if known:
            times.append(known[0])
        elif times:
            times.append(times[-1] + 1.0 / FPS)
    if packets:
        times.sort()
    return times


def chunk_times(path, frames):
    """The frame times of an AVI with packed B-frames, as its index says.

    AVI has no timestamps: chunk k of the index shows at k / fps, an empty
    chunk repeats the frame before (VfW's drop frame), and a DivX-style
    packed chunk (P and B in one, or a 6-byte N-VOP placeholder) shows one
    frame each. ffmpeg's AVI muxer writes libxvid's delay as two empty
    chunks after frame 0: the index (200 chunks, 2 empty) puts #0 at 0 s,
    #1 at 0.12 s, #n at (n + 2) / 25 s. ffmpeg's decoder stamps each frame
    with the time of the packet that pushed it out, one chunk later: #0
    (whose own chunk is at 0 s, ffprobe -show_packets) at 0.12 s, #n at
    (n + 3) / 25 s, and its -ss (on that timeline) a third answer. The
    chunk times are the file's own, and GStreamer's (avidemux, avdec_mpeg4
    repaired by imm_pts_repair_frame) are exactly these for all 198
    frames: the oracle is the index. ffprobe lists the non-empty chunks as
    packets, their dts the chunk times; the i-th shows the i-th frame."""
    r = run(["ffprobe", "-v", "error", "-select_streams", "v:0",
             "-show_entries", "packet=dts_time,size", "-of", "csv=p=0", path])
    times = [float(line.split(",")[0]) for line in r.stdout.decode().split()
             if line.strip(",")]
    if len(times) != frames or times[1] - times[0] <= 1.5 / FPS:
        raise Fail("oracle: %d chunks for %d frames, no gap after #0"
                   % (len(times), frames))
    return times


class Oracle:
    """ffmpeg's and ffprobe's view of one input."""

    def __init__(self, inp, path):
        self.inp = inp
        self.rotation = inp.get("rotation", 0)
        self.times = frame_times(path)
        if inp.get("chunk_times"):
            self.times = chunk_times(path, len(self.times))
        if inp.get("audio"):
            self.times = [0.0]
        fmt = json.loads(run(["ffprobe", "-v", "error", "-show_entries",
                              "format=duration", "-of", "json", path])
                         .stdout)
        self.duration = float(fmt["format"].get("duration", 0))
        if inp.get("tags"):
            st = json.loads(run(["ffprobe", "-v", "error", "-select_streams",
                                 "v:0", "-show_entries",
                                 "stream=color_space,color_primaries,"
                                 "color_transfer", "-of", "json", path])
                            .stdout)["streams"][0]
            if set(st.values()) != {inp["tags"]}:
                raise Fail("fixture: tags %s" % ",".join(st.values()))
        if inp.get("packed"):
            sizes = run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                         "-show_entries", "packet=size", "-of", "csv=p=0",
                         path]).stdout.decode().split()
            if not any(int(z.strip(",")) < 16 for z in sizes):
                raise Fail("fixture: no packed B-frames")
        if inp.get("cut"):
            first = run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                         "-show_entries", "packet=flags", "-read_intervals",
                         "%+#1", "-of", "csv=p=0", path]).stdout.decode()
            if "K" in first:
                raise Fail("fixture: first packet is a keyframe")
        vf = []
        if inp.get("oracle_pix_fmt"):
            vf.append("format=" + inp["oracle_pix_fmt"])
        if inp.get("sar"):
            vf.append("scale=iw*sar:ih")
        # GStreamer reads untagged HD as BT.709 (SPEC: as players do).
        # A tagged stream is read by its tag (auto), whatever its size.
        vf.append("scale=in_color_matrix=%s" %
                  ("bt709" if inp.get("hd") and not inp.get("tags")
                   else "auto"))
        vf.append("format=rgb24")
        dec = run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0",
                   "-vf", ",".join(vf), "-fps_mode", "passthrough",
                   "-f", "image2pipe", "-c:v", "ppm", "-"], timeout=300)
        self.frames = read_ppms(dec.stdout)
        if len(self.frames) != len(self.times):
            raise Fail("oracle: %d frames decoded, %d listed"
                       % (len(self.frames), len(self.times)))
        self.t0 = self.times[0]
        # The keyframes: ffmpeg decodes only them (-skip_frame nokey, as
        # ffprobe lists them) and their drawn numbers say which they are,
        # whatever timestamps the container gives (AVI has none of its
        # own for B-frames).
        kd = run(["ffmpeg", "-v", "error", "-skip_frame", "nokey", "-i",
                  path, "-map", "0:v:0", "-vf", ",".join(vf),
                  "-fps_mode", "passthrough", "-f", "image2pipe", "-c:v",
                  "ppm", "-"], timeout=300)
        self.key_numbers = [frame_number(f, self.rotation)
                            for f in read_ppms(kd.stdout)]
        w, h = inp.get("size", (160, 120))
        if self.rotation in (90, 270) and self.frames[0][:2] != (h, w):
            raise Fail("oracle: not rotated")
        self.numbers = [frame_number(f, self.rotation) for f in self.frames]
        if len(self.key_numbers) == len(self.frames) > 1 or \
                inp.get("packet_keys"):
            # libvpx-vp9 and libdav1d in ffmpeg ignore -skip_frame: the
            # container's keyframe flags say the same for these codecs.
            self.keys = [self.times.index(t)
                         for t in frame_times(path, packets=True)]
        else:
            self.keys = [self.numbers.index(n) for n in self.key_numbers
                         if n in self.numbers]

    def index_at(self, t):
        """The first frame at or after @t seconds from the first frame."""
        for i, ft in enumerate(self.times):
            if ft - self.t0 >= t - 0.0005:
                return i
        return None


# ----------------------------------------------------------------- columns

def targets_interval(start, interval, number, o):
    out = []
    k = 0
    while number == 0 or k < number:
        i = o.index_at(start + k * interval)
        if i is None or (interval == 0 and k > 0):
            break
        if not out or out[-1] != i:
            out.append(i)
        k += 1
    return out


COLUMNS = [
    # name, request entry (Snapshots or Animations), expected frame indices
    ("thumb.jpg", "Snapshots",
     lambda o: {"Format": "jpg", "StartTime": round(o.span() * 0.6, 2),
                "Number": 1},
     lambda o: [o.index_at(round(o.span() * 0.6, 2))]),
    ("interval.png", "Snapshots",
     lambda o: {"Format": "png", "StartTime": 1, "Interval": o.span() / 3,
                "Number": 3},
     lambda o: targets_interval(1, o.span() / 3, 3, o)),
    ("average.webp", "Snapshots",
     lambda o: {"Format": "webp", "Mode": "average", "Number": 3},
     lambda o: [o.index_at(o.shown_duration() * k / 3) for k in range(3)]),
    ("keyframe.jpg", "Snapshots",
     lambda o: {"Format": "jpg", "Mode": "keyframe"},
     lambda o: o.keys),
    ("dhash.png", "Snapshots",
     lambda o: {"Format": "png", "Mode": "dhash", "Interval": 1,
                "Number": 3},
     None),
    ("anim.gif", "Animations",
     lambda o: {"Format": "gif", "StartTime": 1, "Interval": 1,
                "Number": 4, "FrameRate": 10},
     lambda o: targets_interval(1, 1, 4, o)),
    ("anim.webp", "Animations",
     lambda o: {"Format": "webp", "StartTime": 0.5, "Number": 6},
     lambda o: list(range(o.index_at(0.5), o.index_at(0.5) + 6))),
]
COVER_COLUMNS = [
    ("thumb.jpg", "Snapshots", lambda o: {"Format": "jpg", "Number": 1},
     lambda o: [0]),
    ("interval.png", "Snapshots", lambda o: {"Format": "png", "Number": 1},
     lambda o: [0]),
]


def span(self):
    return self.times[-1] - self.t0


Oracle.span = span


def shown_duration(self):
    """The duration a player shows: the frames' (the container's own can
    count from 0 on a stream that starts at 60 s)."""
    return min(self.duration, self.span() + 1.0 / FPS) if self.duration \
        else self.span() + 1.0 / FPS


Oracle.shown_duration = shown_duration


def check_still(o, idx, got, fmt, what):
    ow, oh, orgb = o.frames[idx]
    gw, gh, grgb = got
    if (gw, gh) != (ow, oh):
        raise Fail("%s %dx%d!=%dx%d" % (what, gw, gh, ow, oh))
    n = frame_number(got, o.rotation)
    if n != o.numbers[idx]:
        raise Fail("%s #%d!=#%d" % (what, n, o.numbers[idx]))
    if fmt == "gif" or fmt == "anim-webp":
        return
    p = psnr(grgb, orgb)
    if p < PSNR_MIN:
        raise Fail("%s %.1fdB" % (what, p))
    if fmt == "jpg":
        # Black and white as a player shows them (JFIF is full range:
        # 0 and 255, where washed-out output had 16 and 235): the darkest
        # pixel of each black block and the brightest of each white one,
        # within 2 levels of the oracle's (an isolated block's white is a
        # little under 255 in the H.264 fixture itself; JPEG's ringing
        # moves a block's mean where its edges miss the 8x8 grid).
        bits = [(n >> k) & 1 for k in range(BITS)]
        for pick, name, bit in ((min, "black", 0), (max, "white", 1)):
            ours = cell_levels(got, o.rotation, pick)
            theirs = cell_levels(o.frames[idx], o.rotation, pick)
            for k in range(BITS):
                if bits[k] == bit and abs(ours[k] - theirs[k]) > LEVEL_TOL:
                    raise Fail("%s %s %d!=%d" % (what, name, ours[k],
                                                 theirs[k]))


def run_cell(env, root, inp, o, col, webp_frames):
    name, kind, entry, expect = col
    fmt = entry(o)["Format"]
    # A cell known to hang need not hold the run up for long.
    limit = 10 if (inp["name"], name) in EXPECTED else RUN_TIMEOUT
    outdir = os.path.join(root, "b", "out", inp["name"], name)
    shutil.rmtree(outdir, ignore_errors=True)
    e = dict(entry(o))
    uri = "oss://b/out/%s/%s/" % (inp["name"], name)
    e["URI"] = uri + ("{index}.{autoext}" if kind == "Snapshots"
                      else "anim.{autoext}")
    req = {"Sources": [{"URI": "oss://b/in/" + inp["file"]}],
           "Targets": [{"Image": {kind: [e]}}]}
    reqfile = os.path.join(root, "req-%s-%s.json" % (inp["name"], name))
    with open(reqfile, "w") as f:
        json.dump(req, f)
    try:
        r = run([env["IMM_CONVERT"], "--quiet", "--storage-root", root,
                 reqfile], timeout=limit)
    except subprocess.TimeoutExpired:
        raise Fail("timeout %ds" % limit)
    if r.returncode != 0:
        try:
            res = json.loads(r.stdout)
            raise Fail("%s" % res.get("Code", "exit %d" % r.returncode))
        except ValueError:
            raise Fail("exit %d" % r.returncode)
    files = sorted(os.listdir(outdir), key=lambda f: (len(f), f)) \
        if os.path.isdir(outdir) else []
    if kind == "Animations":
        if len(files) != 1:
            raise Fail("%d files" % len(files))
        frames = decode_file(os.path.join(outdir, files[0]), webp_frames)
        want = expect(o)
        if len(frames) != len(want):
            raise Fail("%d frames!=%d" % (len(frames), len(want)))
        for k, (i, fr) in enumerate(zip(want, frames)):
            check_still(o, i, fr, "gif" if fmt == "gif" else "anim-webp",
                        "f%d" % (k + 1))
        return "ok"
    got = [decode_file(os.path.join(outdir, f), None)[0] for f in files]
    if expect is None:
        # dhash: the pictures must be sampled frames (one a second), right
        # and upright; which changes rank highest is the unit tests' job.
        samples = set(targets_interval(0, 1, 0, o))
        if len(got) != min(3, len(samples)):
            raise Fail("n=%d" % len(got))
        by_number = {o.numbers[i]: i for i in samples}
        for k, g in enumerate(got):
            n = frame_number(g, o.rotation)
            if n not in by_number:
                raise Fail("#%d not sampled" % n)
            check_still(o, by_number[n], g, fmt, "%d" % (k + 1))
        return "ok"
    want = expect(o)
    if len(got) != len(want):
        have = ",".join(str(frame_number(g, o.rotation)) for g in got)
        raise Fail("n=%d!=%d [%s]" % (len(got), len(want), have[:24]))
    for k, (i, g) in enumerate(zip(want, got)):
        check_still(o, i, g, fmt, "%d" % (k + 1))
    return "ok"


def main():
    env = dict(os.environ)
    if "IMM_CONVERT" not in env:
        log("IMM_CONVERT is not set")
        return 2
    webp_frames = env.get("IMM_WEBP_FRAMES")
    only = set(filter(None, env.get("IMM_ONLY", "").split(",")))
    strict = env.get("IMM_CONFORMANCE_STRICT") == "1"
    root = tempfile.mkdtemp(prefix="imm-conformance-")
    srcdir = os.path.join(root, "b", "in")
    os.makedirs(srcdir)
    began = time.time()
    rows = []
    notes = []
    made = {}
    inputs = [i for i in INPUTS if not only or i["name"] in only
              or any(j["name"] in only and j.get("derive") == i["name"]
                     for j in INPUTS)]

    def prepare(inp):
        missing = [n for n in inp.get("needs", [])
                   if not (have_gst(n) or have_ffmpeg_encoder(n))]
        if missing:
            return inp, None, "skipped: no " + "/".join(missing)
        # A fixture or oracle that fails is a failure, not a skip.
        try:
            path = made[inp["name"]] = make_input(inp, srcdir, made)
            return inp, Oracle(inp, path), None
        except Fail as e:
            return inp, None, "FAILED: " + str(e)
        except subprocess.TimeoutExpired:
            return inp, None, "FAILED: fixture timeout"

    # Derived inputs need their base first.
    prepared = []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        prepared += pool.map(prepare, [i for i in inputs
                                       if not i.get("derive")])
        prepared += pool.map(prepare, [i for i in inputs
                                       if i.get("derive")])
    log("fixtures and oracle: %.0f s" % (time.time() - began))

    jobs = []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for inp, o, why in prepared:
            cols = COVER_COLUMNS if inp.get("audio") else COLUMNS
            cells = {}
            for col in cols:
                if o is None:
                    cells[col[0]] = None
                    continue

                def one(inp=inp, o=o, col=col):
                    try:
                        return run_cell(env, root, inp, o, col, webp_frames)
                    except Fail as e:
                        return "!" + str(e)
                cells[col[0]] = pool.submit(one)
            if o is None:
                notes.append("%s: %s" % (inp["name"], why))
            rows.append((inp, cells, why))
        failed = sum(1 for _, o, why in prepared
                     if o is None and why.startswith("FAILED"))
        xfailed = 0
        table = []
        for inp, cells, why in rows:
            line = []
            for cname, fut in cells.items():
                if fut is None:
                    line.append((cname, "skip"))
                    continue
                res = fut.result()
                known = EXPECTED.get((inp["name"], cname))
                if res == "ok":
                    line.append((cname, "XPASS" if known else "ok"))
                    if known:
                        notes.append("%s %s passes: remove it from KNOWN/OPEN"
                                     % (inp["name"], cname))
                elif known and not strict:
                    xfailed += 1
                    line.append((cname, "xfail " + res[1:]))
                else:
                    failed += 1
                    line.append((cname, res[1:]))
            table.append((inp["name"], line))

    names = [c[0] for c in COLUMNS]
    widths = [max(len(n), 5) for n in names]
    for _, line in table:
        for cname, text in line:
            i = names.index(cname)
            widths[i] = min(max(widths[i], len(text)), 30)
    rw = max(len(r[0]) for r in table) if table else 5
    print("%-*s | %s" % (rw, "input", " | ".join(
        n.ljust(w) for n, w in zip(names, widths))))
    print("-" * rw + "-+-" + "-+-".join("-" * w for w in widths))
    for rname, line in table:
        cells = dict(line)
        print("%-*s | %s" % (rw, rname, " | ".join(
            cells.get(n, "-")[:w].ljust(w) for n, w in zip(names, widths))))
    for n in notes:
        print(n)
    for (iname, cname), why in sorted(KNOWN.items()):
        print("expected to fail until the seek rework: %s %s (%s)"
              % (iname, cname, why))
    for (iname, cname), why in sorted(OPEN.items()):
        print("open bug: %s %s (%s)" % (iname, cname, why))
    print("%d failed, %d expected failures, %.0f s"
          % (failed, xfailed, time.time() - began))
    if env.get("IMM_KEEP"):
        print("kept", root)
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
