/* End-to-end tests of imm-convert: the seed documents' example requests on
 * fixtures made here, invalid requests, --print-pipeline.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The tool is found through the IMM_CONVERT variable tests/meson.build
 * sets. The fixtures are made once per test binary:
 * - Winemaking.mov: 40 s of 320x240 H.264 at 10 fps + AAC in QuickTime, an
 *   IDR frame every 5 s (no scene-cut keyframes), cuts between still
 *   patterns at 10, 20, 30 and 35 s, and a 32x32 block in the top-left
 *   corner whose luma encodes the second (8 + 6 * s), so every image can be
 *   dated (read at (8, 8): inside the block at full and at half size).
 * - clip.* (and hls/clip.m3u8): 3 s in each container of the seed
 *   documents' list (see containers[]).
 * - test.mp3 with a 200x100 JPEG cover in an ID3v2 APIC frame, cover.flac
 *   and cover.m4a with covers of their own (see covers[]); nocover.mp3
 *   without one; notmedia.mov (text) and empty.mov.
 */
/* posix_openpt() and ptsname() */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <webp/demux.h>

#define FPS 10
#define SECONDS 40
#define BLOCK 32

static gchar *fixture_dir;
static pid_t fixture_owner;

static const struct
{
  gint from;
  gint pattern;
} cuts[] = { {0, 0}, {10, 24}, {20, 11}, {30, 21}, {35, 22} };

static gint
pattern_at (gint second)
{
  gint i, p = 0;

  for (i = 0; i < (gint) G_N_ELEMENTS (cuts); i++)
    if (second >= cuts[i].from)
      p = cuts[i].pattern;
  return p;
}

static guint8
block_luma (gint second)
{
  return 8 + 6 * second;
}

static GstPadProbeReturn
paint_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstElement *src = user_data;
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  gint second = (gint) (GST_BUFFER_PTS (buf) / GST_SECOND), y;
  GstClockTime next = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);

  GST_PAD_PROBE_INFO_DATA (info) = buf;
  fail_unless (gst_video_info_from_caps (&vinfo, caps));
  gst_caps_unref (caps);
  fail_unless (gst_video_frame_map (&frame, &vinfo, buf, GST_MAP_WRITE));
  for (y = 0; y < BLOCK; y++)
    memset ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), block_luma (second),
        BLOCK);
  /* Grey: no chroma to clip when the picture goes through RGB. */
  for (y = 0; y < BLOCK / 2; y++) {
    memset ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 1) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 1), 128, BLOCK / 2);
    memset ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 2) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 2), 128, BLOCK / 2);
  }
  gst_video_frame_unmap (&frame);
  /* The pattern set now is used for the next frame. */
  g_object_set (src, "pattern", pattern_at ((gint) (next / GST_SECOND)), NULL);
  return GST_PAD_PROBE_OK;
}

static void
run_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "fixture pipeline timed out");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fail ("fixture pipeline failed: %s", err->message);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

static GstElement *
parse (const gchar * desc)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);

  g_assert_no_error (err);
  return p;
}

/* gst-libav's encoders start their timestamps at 1000 hours (room for
 * negative DTS, with a segment to match), and its muxers (avmux_*) ignore
 * segments: an ASF index for 1000 hours is 21 MB. Buffers and segment go
 * to running time before the muxer. */
static GstPadProbeReturn
running_time_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstSegment *seg = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    GstSegment zero;

    if (GST_EVENT_TYPE (ev) != GST_EVENT_SEGMENT)
      return GST_PAD_PROBE_OK;
    gst_event_copy_segment (ev, seg);
    gst_segment_init (&zero, GST_FORMAT_TIME);
    gst_event_unref (ev);
    GST_PAD_PROBE_INFO_DATA (info) = gst_event_new_segment (&zero);
  } else {
    GstBuffer *buf =
        gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));

    GST_BUFFER_PTS (buf) = gst_segment_to_running_time (seg, GST_FORMAT_TIME,
        GST_BUFFER_PTS (buf));
    if (GST_BUFFER_DTS_IS_VALID (buf))
      GST_BUFFER_DTS (buf) = gst_segment_to_running_time (seg,
          GST_FORMAT_TIME, GST_BUFFER_DTS (buf));
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  }
  return GST_PAD_PROBE_OK;
}

static void
add_running_time_probes (GstElement * mux)
{
  GstIterator *it = gst_element_iterate_sink_pads (mux);
  GValue v = G_VALUE_INIT;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstSegment *seg = gst_segment_new ();

    gst_segment_init (seg, GST_FORMAT_TIME);
    gst_pad_add_probe (g_value_get_object (&v), GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, running_time_probe, seg,
        (GDestroyNotify) gst_segment_free);
    g_value_reset (&v);
  }
  gst_iterator_free (it);
}

/* @video_enc ! @mux (named m) ! @sink with @audio_enc ! m. when set;
 * @sink NULL: a filesink writing @path. */
static void
make_clip (const gchar * path, gint seconds, gint fps, const gchar * video_enc,
    const gchar * audio_enc, const gchar * mux, const gchar * sink)
{
  gchar *audio = audio_enc ? g_strdup_printf ("audiotestsrc num-buffers=%d "
      "samplesperbuffer=1024 ! audio/x-raw,rate=44100,channels=1 ! "
      "audioconvert ! audioresample ! %s ! m.", seconds * 44100 / 1024,
      audio_enc) : g_strdup ("");
  gchar *file_sink = g_strdup_printf ("filesink location=\"%s\"", path);
  gchar *desc =
      g_strdup_printf ("videotestsrc name=v num-buffers=%d "
      "pattern=smpte ! video/x-raw,format=I420,width=320,height=240,"
      "framerate=%d/1 ! %s ! %s name=m ! %s %s",
      seconds * fps, fps, video_enc, mux, sink ? sink : file_sink, audio);
  GstElement *p = parse (desc);
  GstElement *v = gst_bin_get_by_name (GST_BIN (p), "v");
  GstPad *pad = gst_element_get_static_pad (v, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, paint_probe, v, NULL);
  if (g_str_has_prefix (mux, "avmux_")) {
    GstElement *m = gst_bin_get_by_name (GST_BIN (p), "m");

    add_running_time_probes (m);
    gst_object_unref (m);
  }
  gst_object_unref (pad);
  gst_object_unref (v);
  run_to_eos (p);
  g_free (desc);
  g_free (file_sink);
  g_free (audio);
}

#define X264 "x264enc key-int-max=50 speed-preset=ultrafast " \
  "option-string=scenecut=0 ! h264parse"

static void
make_movie (const gchar * path)
{
  make_clip (path, SECONDS, FPS, X264, "avenc_aac ! aacparse", "qtmux", NULL);
}

/* GStreamer 1.22 cannot write RealMedia video: avmux_rm leaves the
 * stream's time base at libavformat's default 1/90000, which the RM
 * muxer refuses ("Frame rate 90000 is too high"), and no property sets
 * it. So ffmpeg makes this one, with the same dated corner block. */
static void
make_rm (const gchar * path, gint seconds)
{
  gchar *video = g_strdup_printf ("testsrc=s=320x240:r=%d:d=%d,"
      "format=yuv420p,geq=lum='if(lt(X,%d)*lt(Y,%d),8+6*floor(T),lum(X,Y))':"
      "cb='if(lt(X,%d)*lt(Y,%d),128,cb(X,Y))':"
      "cr='if(lt(X,%d)*lt(Y,%d),128,cr(X,Y))'", FPS, seconds, BLOCK, BLOCK,
      BLOCK / 2, BLOCK / 2, BLOCK / 2, BLOCK / 2);
  gchar *audio = g_strdup_printf ("sine=r=44100:d=%d", seconds);
  const gchar *argv[] = { "timeout", "60", "ffmpeg", "-nostdin", "-v",
    "error", "-y", "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio,
    "-c:v", "rv20", "-b:v", "500k", "-c:a", "ac3", path, NULL
  };
  gchar *err = NULL;
  gint status = -1;

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH
          | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, NULL),
      "cannot run ffmpeg (apt-get install ffmpeg; .ci/packages.txt has it)");
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
      "ffmpeg could not make %s: %s", path, err);
  g_free (err);
  g_free (audio);
  g_free (video);
}

#define HLS_DIR "hls"

/* Every container of the seed documents' list, 3 s each with audio. The
 * names' first component is linked into each test's storage root.
 * - WMV: from a file asfmux (gst-plugins-bad) writes with an audio
 *   stream, asfdemux (-ugly) 1.22 gives no video buffers; gst-libav's ASF
 *   muxer is used instead.
 * - VOB: gst-libav's MPEG-2 encoder refuses every frame rate in 1.22
 *   (it is handed a 1/1000000000 time base); mpeg2enc (mjpegtools)
 *   encodes, at 25 fps, a rate MPEG-2 has.
 * - M3U8: hlssink2 with audio hangs at EOS about one run in six here;
 *   mpegtsmux ! hlssink writes the same playlist and segments.
 * - RM: made by ffmpeg (make_rm). */
static const struct
{
  const gchar *name;
  const gchar *video_enc;
  const gchar *audio_enc;
  const gchar *mux;             /* NULL: made by make_rm() */
  gboolean hls;                 /* hlssink, segments of 1 s */
  gint fps;
} containers[] = {
  {"clip.mp4", X264, "avenc_aac ! aacparse", "mp4mux", FALSE, FPS},
  {"clip.mkv", X264, "opusenc", "matroskamux", FALSE, FPS},
  {"clip.ts", X264, "avenc_aac ! aacparse", "mpegtsmux", FALSE, FPS},
  {"clip.avi", X264, "avenc_mp2", "avimux", FALSE, FPS},
  {"clip.flv", X264, "avenc_aac ! aacparse", "flvmux", FALSE, FPS},
  {"clip.webm", "vp8enc deadline=1", "opusenc", "webmmux", FALSE, FPS},
  {"clip.wmv", "avenc_wmv2", "avenc_wmav2", "avmux_asf", FALSE, FPS},
  {"clip.vob", "mpeg2enc format=3 ! mpegvideoparse",
      "avenc_mp2 ! mpegaudioparse", "mpegpsmux", FALSE, 25},
  {"clip.rm", NULL, NULL, NULL, FALSE, FPS},
  {HLS_DIR "/clip.m3u8", "x264enc key-int-max=10 speed-preset=ultrafast "
        "option-string=scenecut=0 ! h264parse", "avenc_aac ! aacparse",
      "mpegtsmux", TRUE, FPS},
};

/* Video in formats immsnapshot does not take: 10-bit 4:2:0 (H.264 High
 * 10, like HEVC Main 10 from phones) and 10-bit 4:4:4. */
static const struct
{
  const gchar *name;
  const gchar *format;
  const gchar *mux;
} deep_clips[] = {
  {"deep420.mkv", "I420_10LE", "matroskamux"},
  {"deep444.mp4", "Y444_10LE", "mp4mux"},
};

/* One picture made by @desc (ending in an encoder), as a sample for an
 * image tag. */
static GstSample *
make_picture (const gchar * desc)
{
  gchar *full = g_strdup_printf ("%s ! appsink name=s", desc);
  GstElement *p = parse (full);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (p), "s");
  GstSample *sample, *picture;
  GstCaps *caps;

  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_signal_emit_by_name (sink, "try-pull-sample", 20 * GST_SECOND, &sample);
  fail_unless (sample != NULL, "%s", desc);
  /* the tag writers want the bare media type */
  caps = gst_caps_new_empty_simple (gst_structure_get_name
      (gst_caps_get_structure (gst_sample_get_caps (sample), 0)));
  picture = gst_sample_new (gst_sample_get_buffer (sample), caps, NULL, NULL);
  gst_caps_unref (caps);
  gst_sample_unref (sample);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (p);
  g_free (full);
  return picture;
}

/* 1 s of audio through @chain, whose element "mux" takes the tags: a
 * title and, when set, @cover as the image. */
static void
make_audio (const gchar * path, const gchar * chain, const gchar * cover)
{
  gchar *desc = g_strdup_printf ("audiotestsrc num-buffers=40 ! "
      "audio/x-raw,rate=44100,channels=1 ! %s ! filesink location=\"%s\"",
      chain, path);
  GstElement *p = parse (desc);
  GstElement *mux = gst_bin_get_by_name (GST_BIN (p), "mux");
  GstTagList *tags = gst_tag_list_new (GST_TAG_TITLE, "imm test", NULL);

  if (cover) {
    GstSample *sample = make_picture (cover);

    gst_tag_list_add (tags, GST_TAG_MERGE_APPEND, GST_TAG_IMAGE, sample, NULL);
    gst_sample_unref (sample);
  }
  gst_tag_setter_merge_tags (GST_TAG_SETTER (mux), tags, GST_TAG_MERGE_REPLACE);
  gst_tag_list_unref (tags);
  gst_object_unref (mux);
  run_to_eos (p);
  g_free (desc);
}

#define MP3_CHAIN "lamemp3enc ! id3v2mux name=mux"
#define RED_COVER "videotestsrc num-buffers=1 pattern=red ! " \
  "video/x-raw,width=200,height=100 ! jpegenc"

/* Audio with an embedded cover in each of the three ways the API names:
 * ID3v2 APIC (test.mp3, above), a FLAC METADATA_BLOCK_PICTURE, an MP4
 * covr atom; each a picture of its own colour, size and format. */
static const struct
{
  const gchar *name;
  const gchar *chain;
  const gchar *cover;
  gint width, height;
  guint8 r, g, b;
} covers[] = {
  {"test.mp3", MP3_CHAIN, RED_COVER, 200, 100, 255, 0, 0},
  {"cover.flac", "flacenc name=mux", "videotestsrc num-buffers=1 "
        "pattern=green ! video/x-raw,width=120,height=80 ! videoconvert ! "
        "pngenc", 120, 80, 0, 255, 0},
  {"cover.m4a", "avenc_aac ! aacparse ! mp4mux name=mux", "videotestsrc "
        "num-buffers=1 pattern=blue ! video/x-raw,width=90,height=160 ! "
        "jpegenc", 90, 160, 0, 0, 255},
};

static gchar *
fixture (const gchar * name)
{
  return g_build_filename (fixture_dir, name, NULL);
}

static void remove_tree (const gchar * path);

/* Check forks every test, and forking a process that has run GStreamer
 * pipelines is not safe (another thread may hold a lock). So the parent
 * only makes the directory, in an unchecked fixture, and the first test
 * that needs the media makes it; the others find the "ready" marker. */
static void
remove_fixtures (void)
{
  if (fixture_dir != NULL && getpid () == fixture_owner)
    remove_tree (fixture_dir);
}

static void
setup_fixture_dir (void)
{
  if (fixture_dir != NULL)
    return;
  fixture_dir = g_dir_make_tmp ("imm-launcher-XXXXXX", NULL);
  fail_unless (fixture_dir != NULL);
  fixture_owner = getpid ();
  atexit (remove_fixtures);
}

static void
make_fixtures (void)
{
  gchar *f, *ready = fixture ("ready");
  guint i;

  if (g_file_test (ready, G_FILE_TEST_EXISTS)) {
    g_free (ready);
    return;
  }
  f = fixture ("Winemaking.mov");
  make_movie (f);
  g_free (f);
  for (i = 0; i < G_N_ELEMENTS (containers); i++) {
    gchar *dir, *sink = NULL;

    f = fixture (containers[i].name);
    dir = g_path_get_dirname (f);
    fail_unless (g_mkdir_with_parents (dir, 0755) == 0);
    if (containers[i].hls)
      sink = g_strdup_printf ("hlssink target-duration=1 max-files=0 "
          "playlist-length=0 playlist-location=\"%s\" "
          "location=\"%s/clip-%%05d.ts\"", f, dir);
    if (containers[i].mux == NULL)
      make_rm (f, 3);
    else
      make_clip (f, 3, containers[i].fps, containers[i].video_enc,
          containers[i].audio_enc, containers[i].mux, sink);
    g_free (sink);
    g_free (dir);
    g_free (f);
  }
  for (i = 0; i < G_N_ELEMENTS (deep_clips); i++) {
    gchar *enc = g_strdup_printf ("videoconvert ! video/x-raw,format=%s ! "
        X264, deep_clips[i].format);

    f = fixture (deep_clips[i].name);
    make_clip (f, 3, FPS, enc, NULL, deep_clips[i].mux, FALSE);
    g_free (enc);
    g_free (f);
  }
  for (i = 0; i < G_N_ELEMENTS (covers); i++) {
    f = fixture (covers[i].name);
    make_audio (f, covers[i].chain, covers[i].cover);
    g_free (f);
  }
  f = fixture ("nocover.mp3");
  make_audio (f, MP3_CHAIN, NULL);
  g_free (f);
  f = fixture ("notmedia.mov");
  fail_unless (g_file_set_contents (f, "this is not a video\n", -1, NULL));
  g_free (f);
  f = fixture ("empty.mov");
  fail_unless (g_file_set_contents (f, "", 0, NULL));
  g_free (f);
  fail_unless (g_file_set_contents (ready, "", 0, NULL));
  g_free (ready);
}

static void
remove_tree (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR)
        && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
    g_free (child);
  }
  g_dir_close (dir);
  g_rmdir (path);
}

/* ---- a storage root per test ---- */

typedef struct
{
  gchar *root;                  /* storage root */
  gchar *demo;                  /* root/test-bucket/video-demo */
  gchar *request;               /* the request file, outside the root */
  gchar **envp;                 /* environment of the tool, NULL: ours */
  gboolean loud;                /* without --quiet */
  gint status;
  gchar *out;
  gchar *err;
  JsonParser *parser;
  JsonObject *result;
} Run;

static Run *
run_new (void)
{
  static const gchar *const names[] = { "Winemaking.mov", "nocover.mp3",
    "notmedia.mov", "empty.mov"
  };
  Run *r = g_new0 (Run, 1);
  GPtrArray *links = g_ptr_array_new_with_free_func (g_free);
  gchar *base;
  guint i;

  make_fixtures ();
  /* Inside the fixture directory, so a failed test leaves nothing behind
   * once the parent removes it. */
  base = fixture ("run-XXXXXX");
  fail_unless (g_mkdtemp (base) != NULL);
  r->root = g_build_filename (base, "root", NULL);
  r->demo = g_build_filename (r->root, "test-bucket", "video-demo", NULL);
  r->request = g_build_filename (base, "request.json", NULL);
  fail_unless (g_mkdir_with_parents (r->demo, 0755) == 0);
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    g_ptr_array_add (links, g_strdup (names[i]));
  for (i = 0; i < G_N_ELEMENTS (deep_clips); i++)
    g_ptr_array_add (links, g_strdup (deep_clips[i].name));
  for (i = 0; i < G_N_ELEMENTS (covers); i++)
    g_ptr_array_add (links, g_strdup (covers[i].name));
  /* the containers' files, or their directory */
  for (i = 0; i < G_N_ELEMENTS (containers); i++) {
    const gchar *slash = strchr (containers[i].name, '/');

    g_ptr_array_add (links, slash ? g_strndup (containers[i].name,
            slash - containers[i].name) : g_strdup (containers[i].name));
  }
  for (i = 0; i < links->len; i++) {
    gchar *from = fixture (g_ptr_array_index (links, i));
    gchar *to = g_build_filename (r->demo, g_ptr_array_index (links, i), NULL);

    fail_unless (symlink (from, to) == 0);
    g_free (from);
    g_free (to);
  }
  g_ptr_array_unref (links);
  g_free (base);
  return r;
}

static void
run_free (Run * r)
{
  gchar *base = g_path_get_dirname (r->root);

  remove_tree (base);
  g_free (base);
  g_free (r->root);
  g_free (r->demo);
  g_free (r->request);
  g_free (r->out);
  g_free (r->err);
  g_strfreev (r->envp);
  if (r->parser)
    g_object_unref (r->parser);
  g_free (r);
}

/* Runs imm-convert on @json with extra options; parses the result JSON
 * when there is one. */
static void
run_tool (Run * r, const gchar * json, const gchar * opt1, const gchar * opt2)
{
  const gchar *tool = g_getenv ("IMM_CONVERT");
  const gchar *argv[8];
  GError *err = NULL;
  gint n = 0;

  fail_unless (tool != NULL, "IMM_CONVERT is not set");
  fail_unless (g_file_set_contents (r->request, json, -1, NULL));
  argv[n++] = tool;
  argv[n++] = "--storage-root";
  argv[n++] = r->root;
  if (!r->loud)
    argv[n++] = "--quiet";
  if (opt1)
    argv[n++] = opt1;
  if (opt2)
    argv[n++] = opt2;
  argv[n++] = r->request;
  argv[n] = NULL;
  g_free (r->out);
  g_free (r->err);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv, r->envp, G_SPAWN_DEFAULT,
          NULL, NULL, &r->out, &r->err, &r->status, &err));
  g_assert_no_error (err);
  r->status = WIFEXITED (r->status) ? WEXITSTATUS (r->status) : -1;
  if (r->parser)
    g_object_unref (r->parser);
  r->parser = NULL;
  r->result = NULL;
  if (r->out[0] == '{') {
    r->parser = json_parser_new ();
    fail_unless (json_parser_load_from_data (r->parser, r->out, -1, NULL),
        "result is not JSON: %s", r->out);
    r->result = json_node_get_object (json_parser_get_root (r->parser));
  }
}

static void
assert_status (Run * r, gint status)
{
  fail_unless (r->status == status, "exit status %d, expected %d; stderr: %s",
      r->status, status, r->err);
}

static const gchar *
result_string (Run * r, const gchar * name)
{
  fail_unless (r->result != NULL, "no result JSON; stderr: %s", r->err);
  return json_object_get_string_member (r->result, name);
}

/* Every file under the root (relative, sorted), fixtures excluded. */
static void
list_files (const gchar * root, const gchar * rel, GPtrArray * out)
{
  gchar *dir_path = rel ? g_build_filename (root, rel, NULL) : g_strdup (root);
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    gchar *r = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);
    gchar *full = g_build_filename (root, r, NULL);

    if (g_file_test (full, G_FILE_TEST_IS_SYMLINK))
      g_free (r);
    else if (g_file_test (full, G_FILE_TEST_IS_DIR)) {
      list_files (root, r, out);
      g_free (r);
    } else
      g_ptr_array_add (out, r);
    g_free (full);
  }
  if (dir)
    g_dir_close (dir);
  g_free (dir_path);
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

static gchar *
written_files (Run * r)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  gchar *s;

  list_files (r->root, NULL, files);
  g_ptr_array_sort (files, cmp_str);
  g_ptr_array_add (files, NULL);
  s = g_strjoinv (" ", (gchar **) files->pdata);
  g_ptr_array_unref (files);
  return s;
}

static void
assert_files (Run * r, const gchar * expected)
{
  gchar *s = written_files (r);

  fail_unless_equals_string (s, expected);
  g_free (s);
}

/* ---- decoding outputs back ---- */

typedef struct
{
  gint width, height;
  guint8 corner_luma;           /* centre of the top-left block */
  guint8 r, g, b;               /* centre pixel */
} Image;

static void
decode_image (const gchar * path, Image * img)
{
  /* Luma in limited range (what block_luma() gives) whatever the file's
   * range: a JPEG is full-range JFIF. */
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "tee name=t ! queue ! videoconvert ! "
      "video/x-raw,format=I420,colorimetry=bt601 ! "
      "appsink name=gray t. ! queue ! videoconvert ! "
      "video/x-raw,format=RGB ! appsink name=rgb", path);
  GstElement *p = parse (desc);
  GstElement *gray = gst_bin_get_by_name (GST_BIN (p), "gray");
  GstElement *rgb = gst_bin_get_by_name (GST_BIN (p), "rgb");
  GstSample *s1 = NULL, *s2 = NULL;
  GstVideoInfo info;
  GstMapInfo map;

  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_signal_emit_by_name (gray, "try-pull-sample", 20 * GST_SECOND, &s1);
  g_signal_emit_by_name (rgb, "try-pull-sample", 20 * GST_SECOND, &s2);
  fail_unless (s1 != NULL && s2 != NULL, "cannot decode %s", path);
  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps (s1)));
  img->width = GST_VIDEO_INFO_WIDTH (&info);
  img->height = GST_VIDEO_INFO_HEIGHT (&info);
  gst_buffer_map (gst_sample_get_buffer (s1), &map, GST_MAP_READ);
  img->corner_luma = map.data[GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) *
      (BLOCK / 4) + BLOCK / 4];
  gst_buffer_unmap (gst_sample_get_buffer (s1), &map);
  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps (s2)));
  gst_buffer_map (gst_sample_get_buffer (s2), &map, GST_MAP_READ);
  {
    const guint8 *px = map.data + GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) *
        (img->height / 2) + 3 * (img->width / 2);

    img->r = px[0];
    img->g = px[1];
    img->b = px[2];
  }
  gst_buffer_unmap (gst_sample_get_buffer (s2), &map);
  gst_sample_unref (s1);
  gst_sample_unref (s2);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (gray);
  gst_object_unref (rgb);
  gst_object_unref (p);
  g_free (desc);
}

/* Checks magic bytes, size and the second the image was taken at. */
static void
check_image (Run * r, const gchar * name, const gchar * magic, gsize magic_len,
    gint width, gint height, gint sec)
{
  gchar *path = g_build_filename (r->demo, name, NULL);
  gchar *data;
  gsize len;
  Image img;

  fail_unless (g_file_get_contents (path, &data, &len, NULL), "%s", path);
  fail_unless (len > magic_len && memcmp (data, magic, magic_len) == 0,
      "%s has the wrong format", name);
  g_free (data);
  decode_image (path, &img);
  fail_unless_equals_int (img.width, width);
  fail_unless_equals_int (img.height, height);
  if (sec >= 0)
    fail_unless (ABS ((gint) img.corner_luma - block_luma (sec)) <= 3,
        "%s: corner luma %d, expected second %d (luma %d)", name,
        img.corner_luma, sec, block_luma (sec));
  g_free (path);
}

#define JPEG_MAGIC "\xff\xd8\xff", 3
#define PNG_MAGIC "\x89PNG\r\n\x1a\n", 8
#define WEBP_MAGIC "RIFF", 4

static JsonObject *
result_entry (Run * r, guint target, const gchar * kind, guint index)
{
  JsonArray *targets = json_object_get_array_member (r->result, "Targets");
  JsonObject *image = json_object_get_object_member
      (json_array_get_object_element (targets, target), "Image");

  return json_array_get_object_element (json_object_get_array_member (image,
          kind), index);
}

static void
check_succeeded (Run * r, gint frames)
{
  JsonObject *e;

  assert_status (r, 0);
  fail_unless_equals_string (result_string (r, "Status"), "Succeeded");
  fail_unless_equals_string (result_string (r, "ProjectName"), "test-project");
  fail_unless (g_str_has_prefix (result_string (r, "TaskId"), "MediaConvert-"));
  e = result_entry (r, 0, json_object_has_member (json_object_get_object_member
          (json_array_get_object_element (json_object_get_array_member
                  (r->result, "Targets"), 0), "Image"), "Snapshots") ?
      "Snapshots" : "Animations", 0);
  fail_unless_equals_int (json_object_get_int_member (e, "FrameCount"), frames);
}

#define HEAD "{\"ProjectName\":\"test-project\",\"Notification\":{\"MNS\":" \
  "{\"TopicName\":\"test-mns-topic\"}},"
#define SRC "\"Sources\":[{\"URI\":" \
  "\"oss://test-bucket/video-demo/Winemaking.mov\"}],"
#define SNAPS(x) HEAD SRC "\"Targets\":[{\"Image\":{\"Snapshots\":[" x "]}}]}"
#define D "test-bucket/video-demo/"

/* ---- the seed examples ---- */

#define ANIM_TARGET "\"Targets\":[{\"Image\":{\"Animations\":[{" \
  "\"Format\":\"webp\",\"FrameRate\":15,\"Height\":0.5,\"Interval\":1," \
  "\"ScaleType\":\"fit\",\"URI\":\"oss://test-bucket/video-demo/" \
  "animation.{autoext}\",\"Width\":0.5}]}}]}"
#define SNAPSHOTS_URI "\"URI\":\"oss://test-bucket/video-demo/" \
  "snapshot-{index}.{autoext}\""
#define SNAPSHOT_FILES(ext) D "snapshot-1." ext " " D "snapshot-2." ext " " \
  D "snapshot-3." ext " " D "snapshot-4." ext
#define FIVE_JPEGS SNAPSHOT_FILES ("jpg") " " D "snapshot-5.jpg"

/* The ten examples of the two seed documents, on the fixture, with the
 * files each one writes (sorted). */
enum
{
  SEED_THUMBNAIL, SEED_AI_TRAINING, SEED_SEGMENT, SEED_EVENT_KEYFRAMES,
  SEED_REPRESENTATIVE, SEED_IDR, SEED_AVERAGE, SEED_AUDIO_COVER,
  SEED_ANIMATION_WHOLE, SEED_ANIMATION_RANGE
};

static const struct
{
  const gchar *request;
  const gchar *files;
} seed_examples[] = {
  [SEED_THUMBNAIL] = {SNAPS ("{\"Format\":\"jpg\",\"StartTime\":5,"
            "\"Number\":1,\"URI\":\"oss://test-bucket/video-demo/cover.jpg\"}"),
      D "cover.jpg"},
  [SEED_AI_TRAINING] = {SNAPS ("{\"Format\":\"jpg\",\"Interval\":10,"
            "\"ScaleType\":\"crop\"," SNAPSHOTS_URI ",\"Width\":512,"
            "\"Height\":512}"), SNAPSHOT_FILES ("jpg")},
  [SEED_SEGMENT] = {SNAPS ("{\"Format\":\"png\",\"StartTime\":11,"
            "\"Interval\":4,\"Number\":5,\"ScaleType\":\"crop\","
            SNAPSHOTS_URI ",\"Width\":0.5,\"Height\":0.5}"),
      SNAPSHOT_FILES ("png") " " D "snapshot-5.png"},
  [SEED_EVENT_KEYFRAMES] = {SNAPS ("{\"Format\":\"jpg\",\"Interval\":1,"
            "\"Mode\":\"dhash\",\"Threshold\":15," SNAPSHOTS_URI "}"),
      FIVE_JPEGS},
  [SEED_REPRESENTATIVE] = {SNAPS ("{\"Format\":\"jpg\",\"Interval\":1,"
            "\"Mode\":\"dhash\",\"Number\":5," SNAPSHOTS_URI "}"),
      FIVE_JPEGS},
  [SEED_IDR] = {SNAPS ("{\"Format\":\"jpg\",\"Mode\":\"keyframe\","
            SNAPSHOTS_URI "}"), FIVE_JPEGS " " D "snapshot-6.jpg "
        D "snapshot-7.jpg " D "snapshot-8.jpg"},
  [SEED_AVERAGE] = {SNAPS ("{\"Format\":\"jpg\",\"Mode\":\"average\","
            "\"Number\":10," SNAPSHOTS_URI "}"), D "snapshot-1.jpg "
        D "snapshot-10.jpg " D "snapshot-2.jpg " D "snapshot-3.jpg "
        D "snapshot-4.jpg " D "snapshot-5.jpg " D "snapshot-6.jpg "
        D "snapshot-7.jpg " D "snapshot-8.jpg " D "snapshot-9.jpg"},
  [SEED_AUDIO_COVER] = {HEAD "\"Sources\":[{\"URI\":\"oss://test-bucket/"
        "video-demo/test.mp3\"}],\"Targets\":[{\"Image\":{\"Snapshots\":[{"
        "\"Format\":\"jpg\",\"Number\":1,\"URI\":\"oss://test-bucket/"
        "video-demo/cover.jpg\"}]}}]}", D "cover.jpg"},
  [SEED_ANIMATION_WHOLE] = {HEAD SRC ANIM_TARGET, D "animation.webp"},
  [SEED_ANIMATION_RANGE] = {HEAD "\"Sources\":[{\"Duration\":25,"
        "\"StartTime\":5,\"URI\":\"oss://test-bucket/video-demo/"
        "Winemaking.mov\"}]," ANIM_TARGET, D "animation.webp"},
};

GST_START_TEST (test_seed_thumbnail)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_THUMBNAIL].request, NULL, NULL);
  check_succeeded (r, 1);
  assert_files (r, seed_examples[SEED_THUMBNAIL].files);
  check_image (r, "cover.jpg", JPEG_MAGIC, 320, 240, 5);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_ai_training)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_AI_TRAINING].request, NULL, NULL);
  check_succeeded (r, 4);
  assert_files (r, seed_examples[SEED_AI_TRAINING].files);
  check_image (r, "snapshot-1.jpg", JPEG_MAGIC, 512, 512, -1);
  check_image (r, "snapshot-4.jpg", JPEG_MAGIC, 512, 512, -1);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_segment)
{
  Run *r = run_new ();
  gint i;

  run_tool (r, seed_examples[SEED_SEGMENT].request, NULL, NULL);
  check_succeeded (r, 5);
  assert_files (r, seed_examples[SEED_SEGMENT].files);
  for (i = 0; i < 5; i++) {
    gchar *name = g_strdup_printf ("snapshot-%d.png", i + 1);

    check_image (r, name, PNG_MAGIC, 160, 120, 11 + 4 * i);
    g_free (name);
  }
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_event_keyframes)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_EVENT_KEYFRAMES].request, NULL, NULL);
  /* The opening frame and the four cuts. */
  check_succeeded (r, 5);
  assert_files (r, seed_examples[SEED_EVENT_KEYFRAMES].files);
  check_image (r, "snapshot-1.jpg", JPEG_MAGIC, 320, 240, 0);
  check_image (r, "snapshot-2.jpg", JPEG_MAGIC, 320, 240, 10);
  check_image (r, "snapshot-3.jpg", JPEG_MAGIC, 320, 240, 20);
  check_image (r, "snapshot-4.jpg", JPEG_MAGIC, 320, 240, 30);
  check_image (r, "snapshot-5.jpg", JPEG_MAGIC, 320, 240, 35);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_representative)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_REPRESENTATIVE].request, NULL, NULL);
  check_succeeded (r, 5);
  assert_files (r, seed_examples[SEED_REPRESENTATIVE].files);
  check_image (r, "snapshot-1.jpg", JPEG_MAGIC, 320, 240, 0);
  check_image (r, "snapshot-3.jpg", JPEG_MAGIC, 320, 240, 20);
  check_image (r, "snapshot-5.jpg", JPEG_MAGIC, 320, 240, 35);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_idr)
{
  Run *r = run_new ();
  gint i;

  run_tool (r, seed_examples[SEED_IDR].request, NULL, NULL);
  /* One IDR frame every 5 s. */
  check_succeeded (r, 8);
  assert_files (r, seed_examples[SEED_IDR].files);
  for (i = 0; i < 8; i++) {
    gchar *name = g_strdup_printf ("snapshot-%d.jpg", i + 1);

    check_image (r, name, JPEG_MAGIC, 320, 240, 5 * i);
    g_free (name);
  }
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_average)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_AVERAGE].request, NULL, NULL);
  check_succeeded (r, 10);
  assert_files (r, seed_examples[SEED_AVERAGE].files);
  check_image (r, "snapshot-1.jpg", JPEG_MAGIC, 320, 240, 0);
  check_image (r, "snapshot-2.jpg", JPEG_MAGIC, 320, 240, 4);
  check_image (r, "snapshot-10.jpg", JPEG_MAGIC, 320, 240, 36);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_audio_cover)
{
  Run *r = run_new ();
  Image img;
  gchar *path;

  run_tool (r, seed_examples[SEED_AUDIO_COVER].request, NULL, NULL);
  check_succeeded (r, 1);
  assert_files (r, seed_examples[SEED_AUDIO_COVER].files);
  check_image (r, "cover.jpg", JPEG_MAGIC, 200, 100, -1);
  path = g_build_filename (r->demo, "cover.jpg", NULL);
  decode_image (path, &img);
  /* the red cover picture */
  fail_unless (img.r > 200 && img.g < 60 && img.b < 60, "%d,%d,%d", img.r,
      img.g, img.b);
  g_free (path);
  run_free (r);
}

GST_END_TEST;

/* Play time, canvas size and loop count of a WebP animation: @frames
 * frames at 15 fps. The encoder may merge frames that come out identical
 * (extending the previous one's duration), so the play time is what must
 * match, and no more frames than were given. */
static void
check_webp (Run * r, const gchar * name, gint frames, gint width, gint height)
{
  gchar *path = g_build_filename (r->demo, name, NULL);
  gchar *data;
  gsize len;
  WebPData wd;
  WebPDemuxer *demux;
  WebPIterator iter;
  gint total = 0, expected = (gint) (frames * 1000.0 / 15 + 0.5);

  fail_unless (g_file_get_contents (path, &data, &len, NULL), "%s", path);
  wd.bytes = (const uint8_t *) data;
  wd.size = len;
  demux = WebPDemux (&wd);
  fail_unless (demux != NULL, "%s is not WebP", name);
  fail_unless ((gint) WebPDemuxGetI (demux, WEBP_FF_FRAME_COUNT) <= frames);
  fail_unless_equals_int (WebPDemuxGetI (demux, WEBP_FF_CANVAS_WIDTH), width);
  fail_unless_equals_int (WebPDemuxGetI (demux, WEBP_FF_CANVAS_HEIGHT), height);
  fail_unless_equals_int (WebPDemuxGetI (demux, WEBP_FF_LOOP_COUNT), 0);
  fail_unless (WebPDemuxGetFrame (demux, 1, &iter));
  do {
    total += iter.duration;
  } while (WebPDemuxNextFrame (&iter));
  WebPDemuxReleaseIterator (&iter);
  /* durations are whole milliseconds: up to 1 ms off a frame */
  fail_unless (ABS (total - expected) <= frames, "%s plays %d ms, expected "
      "%d ms", name, total, expected);
  WebPDemuxDelete (demux);
  g_free (data);
  g_free (path);
}

GST_START_TEST (test_seed_animation_whole)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_ANIMATION_WHOLE].request, NULL, NULL);
  check_succeeded (r, 40);
  assert_files (r, seed_examples[SEED_ANIMATION_WHOLE].files);
  check_webp (r, "animation.webp", 40, 160, 120);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_animation_range)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_ANIMATION_RANGE].request, NULL, NULL);
  check_succeeded (r, 25);
  assert_files (r, seed_examples[SEED_ANIMATION_RANGE].files);
  check_webp (r, "animation.webp", 25, 160, 120);
  run_free (r);
}

GST_END_TEST;

#define COVER_REQ(notif, entries) "{\"ProjectName\":\"test-project\"," \
  notif "\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/test.mp3\"}]," \
  "\"Targets\":[{\"Image\":{\"Snapshots\":[" entries "]}}]}"
#define MNS "\"Notification\":{\"MNS\":{\"TopicName\":\"t\"}},"

static JsonObject *
parse_object (JsonParser * p, const gchar * text)
{
  fail_unless (json_parser_load_from_data (p, text, -1, NULL), "%s", text);
  return json_node_get_object (json_parser_get_root (p));
}

GST_START_TEST (test_notify)
{
  Run *r = run_new ();
  gchar *dir = g_path_get_dirname (r->request);
  gchar *file = g_build_filename (dir, "mns.jsonl", NULL);
  gchar *data, **lines;
  JsonParser *p = json_parser_new (), *p2 = json_parser_new ();
  JsonObject *env, *content;

  run_tool (r, COVER_REQ (MNS, "{\"Format\":\"png\",\"URI\":\"c.png\"}"),
      "--notify", file);
  assert_status (r, 0);
  run_tool (r, COVER_REQ (MNS, "{\"Format\":\"gif\",\"URI\":\"c.gif\"}"),
      "--notify", file);
  assert_status (r, 1);
  /* no Notification in the request: nothing appended */
  run_tool (r, COVER_REQ ("", "{\"Format\":\"png\",\"URI\":\"d.png\"}"),
      "--notify", file);
  assert_status (r, 0);

  fail_unless (g_file_get_contents (file, &data, NULL, NULL));
  lines = g_strsplit (data, "\n", -1);
  fail_unless (g_strv_length (lines) == 3, "%s", data);
  fail_unless_equals_int (g_strv_length (lines), 3);
  fail_unless_equals_string (lines[2], "");
  env = parse_object (p, lines[0]);
  fail_unless_equals_string (json_object_get_string_member (env, "source"),
      "acs.imm");
  fail_unless_equals_string (json_object_get_string_member (env, "type"),
      "imm:Task:MediaConvert");
  fail_unless_equals_string (json_object_get_string_member (env, "subject"),
      "acs:imm::project/test-project");
  fail_unless (g_ascii_strtoll (json_object_get_string_member (env, "time"),
          NULL, 10) > 1600000000000);
  content = parse_object (p2, json_object_get_string_member (env, "content"));
  fail_unless_equals_string (json_object_get_string_member (content,
          "Status"), "Succeeded");
  env = parse_object (p, lines[1]);
  content = parse_object (p2, json_object_get_string_member (env, "content"));
  fail_unless_equals_string (json_object_get_string_member (content,
          "Status"), "Failed");
  fail_unless_equals_string (json_object_get_string_member (content,
          "Code"), "InvalidArgument");
  fail_unless_equals_string (json_object_get_string_member (content,
          "ProjectName"), "test-project");
  assert_files (r, "c.png d.png");

  g_strfreev (lines);
  g_free (data);
  g_object_unref (p);
  g_object_unref (p2);
  g_free (file);
  g_free (dir);
  run_free (r);
}

GST_END_TEST;

/* Each kind of embedded cover is found, then resized and encoded per
 * entry: at its own size as PNG, cropped to 64x64 as JPEG. */
GST_START_TEST (test_audio_covers)
{
  Run *r = run_new ();
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"oss://"
      "test-bucket/video-demo/%s\"}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"png\",\"URI\":\"oss://test-bucket/"
      "video-demo/{barename}.png\"},{\"Format\":\"jpg\",\"Width\":64,"
      "\"Height\":64,\"ScaleType\":\"crop\",\"URI\":\"oss://test-bucket/"
      "video-demo/{barename}-64.{autoext}\"}]}}]}", covers[__i__].name);
  gchar *bare = g_strndup (covers[__i__].name,
      strrchr (covers[__i__].name, '.') - covers[__i__].name);
  gchar *png = g_strdup_printf ("%s.png", bare);
  gchar *jpg = g_strdup_printf ("%s-64.jpg", bare);
  gchar *files = g_strdup_printf (D "%s " D "%s", jpg, png);
  const gchar *names[] = { png, jpg };
  guint i;

  run_tool (r, json, NULL, NULL);
  assert_status (r, 0);
  assert_files (r, files);
  fail_unless_equals_int (json_object_get_int_member (result_entry (r, 0,
              "Snapshots", 1), "FrameCount"), 1);
  check_image (r, png, PNG_MAGIC, covers[__i__].width,
      covers[__i__].height, -1);
  check_image (r, jpg, JPEG_MAGIC, 64, 64, -1);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *path = g_build_filename (r->demo, names[i], NULL);
    Image img;

    decode_image (path, &img);
    /* the picture's own colour (JPEG: within its error) */
    fail_unless (ABS (img.r - covers[__i__].r) < 60
        && ABS (img.g - covers[__i__].g) < 60
        && ABS (img.b - covers[__i__].b) < 60, "%s: %d,%d,%d", names[i],
        img.r, img.g, img.b);
    g_free (path);
  }
  g_free (files);
  g_free (jpg);
  g_free (png);
  g_free (bare);
  g_free (json);
  run_free (r);
}

GST_END_TEST;

/* An absent side is the source's size (the API's rule), and a request's 1
 * is one pixel. The cover path needs no immsnapshot. */
GST_START_TEST (test_cover_sizes)
{
  Run *r = run_new ();
  Image img;
  gchar *path;

  run_tool (r, COVER_REQ ("", "{\"Format\":\"png\",\"Width\":50,"
          "\"URI\":\"oss://test-bucket/video-demo/w.png\"},"
          "{\"Format\":\"webp\",\"Height\":20,\"Width\":0.5,"
          "\"URI\":\"oss://test-bucket/video-demo/h.{autoext}\"},"
          "{\"Format\":\"png\",\"Width\":1,"
          "\"URI\":\"oss://test-bucket/video-demo/one.png\"},"
          "{\"Format\":\"jpg\",\"Height\":80,\"Width\":80,"
          "\"ScaleType\":\"fit\",\"URI\":\"oss://test-bucket/new/dir/"
          "{barename}-{index}.{ext}.jpg\"}"), NULL, NULL);
  assert_status (r, 0);
  assert_files (r, "test-bucket/new/dir/test-1.mp3.jpg " D "h.webp "
      D "one.png " D "w.png");
  check_image (r, "w.png", PNG_MAGIC, 50, 100, -1);
  check_image (r, "h.webp", WEBP_MAGIC, 100, 20, -1);
  check_image (r, "one.png", PNG_MAGIC, 1, 100, -1);
  path = g_build_filename (r->root, "test-bucket/new/dir/test-1.mp3.jpg", NULL);
  decode_image (path, &img);
  fail_unless_equals_int (img.width, 80);
  fail_unless_equals_int (img.height, 40);
  g_free (path);
  run_free (r);
}

GST_END_TEST;

/* The system gst-launch-1.0 cannot load the sanitizer build's plugin, so
 * there the printed lines are split the way the shell does and given to
 * gst_parse_launchv(), which is what gst-launch-1.0 does with them. */
static void
run_printed_in_process (const gchar * text)
{
  gchar **lines = g_strsplit (text, "\n", -1), **l;

  for (l = lines; *l; l++) {
    gchar **args = NULL;

    if (**l == '\0' || **l == '#')
      continue;
    fail_unless (g_shell_parse_argv (*l, NULL, &args, NULL), "%s", *l);
    if (strcmp (args[0], "mkdir") == 0) {
      fail_unless (g_mkdir_with_parents (args[2], 0755) == 0);
    } else {
      GError *err = NULL;
      GstElement *p;

      fail_unless_equals_string (args[0], "gst-launch-1.0");
      p = gst_parse_launchv ((const gchar **) args + 1, &err);
      g_assert_no_error (err);
      run_to_eos (p);
    }
    g_strfreev (args);
  }
  g_strfreev (lines);
}

/* The printed lines, pasted into a shell, give the same files. */
static void
check_print_pipeline (const gchar * json, const gchar * files)
{
  Run *printed = run_new (), *ran = run_new ();
  /* a pasted line that hangs fails the test instead of stalling it */
  gchar *argv[] = { (gchar *) "timeout", (gchar *) "60", (gchar *) "sh",
    (gchar *) "-c", NULL, NULL
  };
  gchar **names, **n, *cover = NULL;
  gint status;

  run_tool (printed, json, "--print-pipeline", NULL);
  assert_status (printed, 0);
  /* An audio cover is extracted when printing; the comment names it. */
  if (g_str_has_prefix (printed->out, "# cover picture of ")) {
    const gchar *from = strstr (printed->out, " extracted to ");
    const gchar *to = from ? strstr (from, " (remove it afterwards)") : NULL;

    fail_unless (to != NULL, "%s", printed->out);
    from += strlen (" extracted to ");
    cover = g_strndup (from, to - from);
    fail_unless (g_file_test (cover, G_FILE_TEST_IS_REGULAR), "%s", cover);
  } else {
    fail_unless (g_str_has_prefix (printed->out, "gst-launch-1.0 ")
        || g_str_has_prefix (printed->out, "mkdir -p "), "%s", printed->out);
    assert_files (printed, "");
  }
  if (g_getenv ("IMM_TEST_SANITIZED") == NULL) {
    argv[4] = printed->out;
    fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL));
    fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
        "the printed pipeline failed: %s", printed->out);
  } else {
    run_printed_in_process (printed->out);
  }
  if (cover) {
    gchar *dir = g_path_get_dirname (cover);

    fail_unless (g_unlink (cover) == 0 && g_rmdir (dir) == 0, "%s", dir);
    g_free (dir);
    g_free (cover);
  }
  assert_files (printed, files);

  run_tool (ran, json, NULL, NULL);
  assert_status (ran, 0);
  assert_files (ran, files);
  names = g_strsplit (files, " ", -1);
  for (n = names; *n; n++) {
    gchar *a = g_build_filename (printed->root, *n, NULL);
    gchar *b = g_build_filename (ran->root, *n, NULL);
    gchar *da, *db;
    gsize la, lb;

    fail_unless (g_file_get_contents (a, &da, &la, NULL));
    fail_unless (g_file_get_contents (b, &db, &lb, NULL));
    fail_unless (la == lb && memcmp (da, db, la) == 0, "%s differs", *n);
    g_free (da);
    g_free (db);
    g_free (a);
    g_free (b);
  }
  g_strfreev (names);
  run_free (printed);
  run_free (ran);
}

/* Every seed example's printed pipelines, pasted into a shell, write the
 * same files as imm-convert does. */
GST_START_TEST (test_print_pipeline_seed)
{
  check_print_pipeline (seed_examples[__i__].request,
      seed_examples[__i__].files);
}

GST_END_TEST;

/* A shared decode (dhash snapshots, a GIF and a WebP) pasted into
 * gst-launch-1.0 ends, every time. */
GST_START_TEST (test_print_pipeline_shared)
{
  check_print_pipeline (SNAPS ("{\"Format\":\"jpg\",\"Interval\":1,"
          "\"Mode\":\"dhash\",\"Threshold\":15,\"URI\":\"oss://"
          "test-bucket/s/d-{index}.jpg\"}],\"Animations\":[{\"Format\":"
          "\"gif\",\"Interval\":1,\"Width\":0.5,\"Height\":0.5,\"URI\":"
          "\"oss://test-bucket/s/a.gif\"},{\"Format\":\"webp\","
          "\"Interval\":1,\"FrameRate\":15,\"URI\":\"oss://test-bucket/"
          "s/a.webp\"}"), "test-bucket/s/a.gif test-bucket/s/a.webp "
      "test-bucket/s/d-1.jpg test-bucket/s/d-2.jpg test-bucket/s/d-3.jpg "
      "test-bucket/s/d-4.jpg test-bucket/s/d-5.jpg");
}

GST_END_TEST;


GST_START_TEST (test_print_pipeline_several)
{
  /* keyframes, a thumbnail in a new directory and a GIF: three pipelines */
  check_print_pipeline (HEAD SRC "\"Targets\":[{\"Image\":{\"Snapshots\":["
      "{\"Format\":\"jpg\",\"Mode\":\"keyframe\",\"Number\":3,"
      "\"URI\":\"oss://test-bucket/k/{index}.jpg\"},{\"Format\":\"jpg\","
      "\"StartTime\":7,\"URI\":\"oss://test-bucket/t/{barename}.jpg\"}],"
      "\"Animations\":[{\"Format\":\"gif\",\"Interval\":2,\"Number\":10,"
      "\"Width\":64,\"URI\":\"oss://test-bucket/k/a.gif\"}]}}]}",
      "test-bucket/k/1.jpg test-bucket/k/2.jpg test-bucket/k/3.jpg "
      "test-bucket/k/a.gif test-bucket/t/Winemaking.jpg");
}

GST_END_TEST;

/* Without the H.264 decoders (gst-libav, openh264, hardware ones) the
 * missing plugin is named. */
GST_START_TEST (test_missing_decoder)
{
  Run *r = run_new ();
  const gchar *system = g_getenv ("GST_PLUGIN_SYSTEM_PATH_1_0");
  gchar *base = g_path_get_dirname (r->root);
  gchar *plugins = g_build_filename (base, "plugins", NULL);
  gchar *registry = g_build_filename (base, "registry.bin", NULL);
  GDir *dir;
  const gchar *name;

  fail_unless (system != NULL);
  fail_unless (g_mkdir (plugins, 0755) == 0);
  dir = g_dir_open (system, 0, NULL);
  fail_unless (dir != NULL);
  while ((name = g_dir_read_name (dir))) {
    gchar *from, *to;

    if (strstr (name, "libav") || strstr (name, "openh264")
        || strstr (name, "v4l2") || strstr (name, "va.")
        || strstr (name, "vaapi") || strstr (name, "nvcodec"))
      continue;
    from = g_build_filename (system, name, NULL);
    to = g_build_filename (plugins, name, NULL);
    fail_unless (symlink (from, to) == 0);
    g_free (from);
    g_free (to);
  }
  g_dir_close (dir);
  r->envp = g_environ_setenv (g_get_environ (), "GST_PLUGIN_SYSTEM_PATH_1_0",
      plugins, TRUE);
  r->envp = g_environ_setenv (r->envp, "GST_REGISTRY_1_0", registry, TRUE);

  run_tool (r, SNAPS ("{\"Format\":\"jpg\",\"StartTime\":5,\"URI\":"
          "\"oss://test-bucket/video-demo/cover.jpg\"}"), NULL, NULL);
  assert_status (r, 1);
  fail_unless_equals_string (result_string (r, "Message"), "Sources[0].URI: "
      "cannot decode 'oss://test-bucket/video-demo/Winemaking.mov': missing "
      "GStreamer plugin: H.264 (Constrained Baseline Profile) decoder");
  fail_unless_equals_string (result_string (r, "Code"), "InvalidFile");
  g_unlink (registry);
  assert_files (r, "");
  g_free (registry);
  g_free (plugins);
  g_free (base);
  run_free (r);
}

GST_END_TEST;

/* Every container of the seed documents' list decodes, audio and all (the
 * HLS playlist through a file:// URI): the frame at 1 s, and a dhash pass
 * over the whole clip (a still pattern: only the first sample). */
GST_START_TEST (test_containers)
{
  Run *r = run_new ();
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"oss://"
      "test-bucket/video-demo/%s\"}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"jpg\",\"StartTime\":1,\"URI\":"
      "\"oss://test-bucket/video-demo/a-{ext}.jpg\"},"
      "{\"Format\":\"png\",\"Mode\":\"dhash\",\"Threshold\":10,"
      "\"Width\":32,\"Height\":24,\"URI\":\"oss://test-bucket/video-demo/"
      "b-{ext}-{index}.png\"}]}}]}", containers[__i__].name);
  const gchar *ext = strrchr (containers[__i__].name, '.') + 1;
  gchar *jpg = g_strdup_printf ("a-%s.jpg", ext);
  gchar *files = g_strdup_printf (D "%s " D "b-%s-1.png", jpg, ext);

  run_tool (r, json, NULL, NULL);
  assert_status (r, 0);
  assert_files (r, files);
  /* MPEG-TS starts its timeline at the first PTS, after 0: StartTime
   * counts from the first frame all the same */
  check_image (r, jpg, JPEG_MAGIC, 320, 240, 1);
  g_free (files);
  g_free (jpg);
  g_free (json);
  run_free (r);
}

GST_END_TEST;

/* Deep video decodes to formats immsnapshot does not take; the plans
 * convert it first, for a snapshot alone and for a shared decode (dhash
 * and a GIF). */
GST_START_TEST (test_deep_video)
{
  Run *r = run_new ();
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"oss://"
      "test-bucket/video-demo/%s\"}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"jpg\",\"StartTime\":1,\"URI\":"
      "\"oss://test-bucket/video-demo/a.jpg\"},"
      "{\"Format\":\"png\",\"Mode\":\"dhash\",\"Threshold\":10,"
      "\"URI\":\"oss://test-bucket/video-demo/b-{index}.png\"}],"
      "\"Animations\":[{\"Format\":\"gif\",\"Interval\":1,\"URI\":"
      "\"oss://test-bucket/video-demo/c.gif\"}]}}]}", deep_clips[__i__].name);

  run_tool (r, json, NULL, NULL);
  assert_status (r, 0);
  assert_files (r, D "a.jpg " D "b-1.png " D "c.gif");
  check_image (r, "a.jpg", JPEG_MAGIC, 320, 240, 1);
  /* (the block of second 0 is below video range: no date in RGB) */
  check_image (r, "b-1.png", PNG_MAGIC, 320, 240, -1);
  fail_unless_equals_int (json_object_get_int_member (result_entry (r, 0,
              "Animations", 0), "FrameCount"), 3);
  g_free (json);
  run_free (r);
}

GST_END_TEST;

/* Sources are joined in order: the first 2 s of clip.mp4 (its Duration),
 * then the movie; the times are on the joined timeline. */
GST_START_TEST (test_joined_sources)
{
  Run *r = run_new ();
  static const gint seconds[] = { 1, 2, 5, 8 };
  guint i;

  run_tool (r, "{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/"
      "clip.mp4\",\"Duration\":2},{\"URI\":\"oss://test-bucket/video-demo/"
      "Winemaking.mov\"}],\"Targets\":[{\"Image\":{\"Snapshots\":[{"
      "\"Format\":\"jpg\",\"StartTime\":1,\"Interval\":3,\"Number\":4,"
      "\"URI\":\"oss://test-bucket/video-demo/j-{index}.jpg\"}]}}]}", NULL,
      NULL);
  assert_status (r, 0);
  assert_files (r, D "j-1.jpg " D "j-2.jpg " D "j-3.jpg " D "j-4.jpg");
  for (i = 0; i < G_N_ELEMENTS (seconds); i++) {
    gchar *name = g_strdup_printf ("j-%u.jpg", i + 1);

    check_image (r, name, JPEG_MAGIC, 320, 240, seconds[i]);
    g_free (name);
  }
  run_free (r);
}

GST_END_TEST;

/* Two dhash outputs share one decode (a tee); each counts its own frames. */
GST_START_TEST (test_shared_decode)
{
  Run *r = run_new ();
  JsonObject *e;

  run_tool (r, SNAPS ("{\"Format\":\"jpg\",\"Mode\":\"dhash\","
          "\"Threshold\":15,\"URI\":\"oss://test-bucket/e/{index}.jpg\"},"
          "{\"Format\":\"png\",\"Mode\":\"dhash\",\"Number\":3,"
          "\"Width\":80,\"Height\":60,"
          "\"URI\":\"oss://test-bucket/r/{index}.{autoext}\"}"), "--verbose",
      NULL);
  assert_status (r, 0);
  /* one pipeline: the tee */
  fail_unless (strstr (r->err, " tee name=t ") != NULL, "%s", r->err);
  fail_unless (strstr (strstr (r->err, "running ") + 1, "running ") == NULL,
      "%s", r->err);
  assert_files (r, "test-bucket/e/1.jpg test-bucket/e/2.jpg "
      "test-bucket/e/3.jpg test-bucket/e/4.jpg test-bucket/e/5.jpg "
      "test-bucket/r/1.png test-bucket/r/2.png test-bucket/r/3.png");
  e = result_entry (r, 0, "Snapshots", 0);
  fail_unless_equals_int (json_object_get_int_member (e, "FrameCount"), 5);
  e = result_entry (r, 0, "Snapshots", 1);
  fail_unless_equals_int (json_object_get_int_member (e, "FrameCount"), 3);
  run_free (r);
}

GST_END_TEST;

/* ---- http:// sources ---- */

/* The test server (tests/launcher/http-server.py) serving the fixture
 * directory, killed at exit when a test fails before stopping it. */
static GPid http_pid;

static void
stop_http_server (void)
{
  if (http_pid > 0) {
    kill (http_pid, SIGTERM);
    waitpid (http_pid, NULL, 0);
    http_pid = 0;
  }
}

/* Starts the server, logging its requests to @log; returns its port. */
static gint
start_http_server (const gchar * log, gboolean ranges)
{
  static gboolean registered;
  const gchar *script = g_getenv ("IMM_TEST_HTTP_SERVER");
  /* timeout: the server never outlives a test run by much */
  const gchar *argv[] = { "timeout", "300", "python3", "-u", script,
    fixture_dir, log, ranges ? "--ranges" : NULL, NULL
  };
  GError *err = NULL;
  struct pollfd pfd;
  gchar line[32];
  gsize len = 0;
  gint fd, port;

  fail_unless (script != NULL, "IMM_TEST_HTTP_SERVER is not set");
  if (!registered) {
    atexit (stop_http_server);
    registered = TRUE;
  }
  fail_unless (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL,
          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
          &http_pid, NULL, &fd, NULL, &err), "%s", err ? err->message : "");
  /* its first line is the port */
  pfd.fd = fd;
  pfd.events = POLLIN;
  while (len < sizeof (line) - 1 && memchr (line, '\n', len) == NULL) {
    gssize n;

    fail_unless (poll (&pfd, 1, 10000) == 1, "the HTTP server did not start");
    n = read (fd, line + len, sizeof (line) - 1 - len);
    fail_unless (n > 0, "the HTTP server did not start");
    len += n;
  }
  close (fd);
  line[len] = '\0';
  port = atoi (line);
  fail_unless (port > 0, "HTTP server port: %s", line);
  return port;
}

static gchar *
read_log (const gchar * log)
{
  gchar *data = NULL;

  if (!g_file_get_contents (log, &data, NULL, NULL))
    data = g_strdup ("");
  return data;
}

/* The movie over HTTP: interval snapshots that seek, keyframes in trick
 * mode, and an HLS playlist whose segments come over HTTP too. A server
 * with Range requests (0) serves the seeks; one without (1) makes
 * souphttpsrc fail the first seek, and imm-convert runs the plan again
 * without seeking: the same files either way. */
GST_START_TEST (test_http_source)
{
  Run *r = run_new ();
  gboolean ranges = __i__ == 0;
  gchar *base = g_path_get_dirname (r->root);
  gchar *log = g_build_filename (base, "http.log", NULL);
  gint port = start_http_server (log, ranges);
  gchar *json = g_strdup_printf ("{\"ProjectName\":\"test-project\","
      "\"Sources\":[{\"URI\":\"http://127.0.0.1:%d/Winemaking.mov\"}],"
      "\"Targets\":[{\"Image\":{\"Snapshots\":[{\"Format\":\"jpg\","
      "\"StartTime\":5,\"Interval\":10,\"URI\":\"oss://test-bucket/"
      "video-demo/{barename}-{index}.jpg\"},{\"Format\":\"jpg\",\"Mode\":"
      "\"keyframe\",\"Number\":3,\"URI\":\"oss://test-bucket/video-demo/"
      "k-{index}.jpg\"}]}}]}", port);
  gchar *hls = g_strdup_printf ("{\"Sources\":[{\"URI\":\"http://"
      "127.0.0.1:%d/" HLS_DIR "/clip.m3u8\"}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"jpg\",\"StartTime\":1,\"URI\":"
      "\"oss://test-bucket/video-demo/hls.jpg\"}]}}]}", port);
  gchar *requests;
  gint i;

  run_tool (r, json, NULL, NULL);
  check_succeeded (r, 4);
  for (i = 0; i < 4; i++) {
    gchar *name = g_strdup_printf ("Winemaking-%d.jpg", i + 1);

    check_image (r, name, JPEG_MAGIC, 320, 240, 5 + 10 * i);
    g_free (name);
  }
  for (i = 0; i < 3; i++) {
    gchar *name = g_strdup_printf ("k-%d.jpg", i + 1);

    check_image (r, name, JPEG_MAGIC, 320, 240, 5 * i);
    g_free (name);
  }
  requests = read_log (log);
  /* the seeks asked for byte ranges; only one server gave them */
  fail_unless (strstr (requests, " bytes=") != NULL, "%s", requests);
  fail_unless ((strstr (requests, "206 bytes=") != NULL) == ranges, "%s",
      requests);
  g_free (requests);

  run_tool (r, hls, NULL, NULL);
  assert_status (r, 0);
  check_image (r, "hls.jpg", JPEG_MAGIC, 320, 240, 1);
  assert_files (r, D "Winemaking-1.jpg " D "Winemaking-2.jpg "
      D "Winemaking-3.jpg " D "Winemaking-4.jpg " D "hls.jpg "
      D "k-1.jpg " D "k-2.jpg " D "k-3.jpg");
  stop_http_server ();
  g_free (hls);
  g_free (json);
  g_free (log);
  g_free (base);
  run_free (r);
}

GST_END_TEST;

/* A 404 is a missing source: ResourceNotFound naming the field. */
GST_START_TEST (test_http_not_found)
{
  Run *r = run_new ();
  gchar *base = g_path_get_dirname (r->root);
  gchar *log = g_build_filename (base, "http.log", NULL);
  gint port = start_http_server (log, TRUE);
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"http://"
      "127.0.0.1:%d/missing.mov\"}],\"Targets\":[{\"Image\":{\"Snapshots\":"
      "[{\"Format\":\"jpg\",\"URI\":\"oss://test-bucket/video-demo/c.jpg\"}],"
      "\"Animations\":[{\"Format\":\"gif\",\"URI\":\"a.gif\"}]}}]}", port);
  gchar *message = g_strdup_printf ("Sources[0].URI: 'http://127.0.0.1:%d/"
      "missing.mov' not found", port);
  gchar *requests;

  run_tool (r, json, NULL, NULL);
  assert_status (r, 1);
  fail_unless_equals_string (result_string (r, "Status"), "Failed");
  fail_unless_equals_string (result_string (r, "Code"), "ResourceNotFound");
  fail_unless (g_str_has_prefix (result_string (r, "Message"), message),
      "%s", result_string (r, "Message"));
  requests = read_log (log);
  fail_unless (strstr (requests, "404 - /missing.mov") != NULL, "%s", requests);
  assert_files (r, "");
  stop_http_server ();
  g_free (requests);
  g_free (message);
  g_free (json);
  g_free (log);
  g_free (base);
  run_free (r);
}

GST_END_TEST;

/* ---- progress ---- */

/* Runs the tool (without --quiet) with stderr on a pseudo-terminal; the
 * terminal's output goes to r->err, stdout to r->out. */
static void
run_tool_on_tty (Run * r, const gchar * json)
{
  const gchar *tool = g_getenv ("IMM_CONVERT");
  const gchar *argv[] = { tool, "--storage-root", r->root, r->request, NULL };
  gint master = posix_openpt (O_RDWR | O_NOCTTY), slave, out_fd, status;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  GString *tty = g_string_new (NULL), *out = g_string_new (NULL);
  gboolean tty_open = TRUE, out_open = TRUE;
  GError *err = NULL;
  GPid pid;

  fail_unless (g_file_set_contents (r->request, json, -1, NULL));
  fail_unless (master >= 0 && grantpt (master) == 0 && unlockpt (master) == 0);
  slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  fail_unless (slave >= 0);
  fail_unless (g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, -1, -1, slave, NULL, NULL, 0,
          &pid, NULL, &out_fd, NULL, &err), "%s", err ? err->message : "");
  close (slave);
  while (tty_open || out_open) {
    gint64 left = deadline - g_get_monotonic_time ();
    struct pollfd pfd[2];
    gchar buf[4096];
    gssize n;

    /* a closed end is left out (poll ignores a negative fd) */
    pfd[0].fd = tty_open ? master : -1;
    pfd[1].fd = out_open ? out_fd : -1;
    pfd[0].events = pfd[1].events = POLLIN;
    fail_unless (left > 0, "imm-convert on a terminal timed out");
    if (poll (pfd, 2, (gint) (left / 1000)) <= 0)
      continue;
    if (tty_open && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      /* EIO once the tool has closed the terminal */
      n = read (master, buf, sizeof (buf));
      if (n > 0)
        g_string_append_len (tty, buf, n);
      else if (n == 0 || errno != EINTR)
        tty_open = FALSE;
    }
    if (out_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      n = read (out_fd, buf, sizeof (buf));
      if (n > 0)
        g_string_append_len (out, buf, n);
      else if (n == 0 || errno != EINTR)
        out_open = FALSE;
    }
  }
  close (master);
  close (out_fd);
  fail_unless (waitpid (pid, &status, 0) == pid);
  r->status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  g_free (r->out);
  g_free (r->err);
  r->out = g_string_free (out, FALSE);
  r->err = g_string_free (tty, FALSE);
}

/* On a terminal: one progress line, redrawn, ending at 100 % with a
 * newline. On a pipe: nothing on stderr. */
GST_START_TEST (test_progress)
{
  Run *r = run_new ();
  const gchar *json = seed_examples[SEED_EVENT_KEYFRAMES].request;
  const gchar *last;

  run_tool_on_tty (r, json);
  assert_status (r, 0);
  fail_unless (strstr (r->out, "\"Status\":\"Succeeded\"") != NULL, "%s",
      r->out);
  /* the terminal turns "\n" into "\r\n" */
  fail_unless (g_str_has_prefix (r->err, "\r["), "%s", r->err);
  fail_unless (g_str_has_suffix (r->err, "\r\n"), "%s", r->err);
  fail_unless (strstr (r->err, "\n") == r->err + strlen (r->err) - 1,
      "more than one line: %s", r->err);
  last = g_strrstr (r->err, "\r[");
  fail_unless (g_regex_match_simple ("^\r\\[#{30}\\] 100%  5 frames  "
          "[0-9]+\\.[0-9] s \r\n$", last, 0, 0), "last line: '%s'", last);

  run_free (r);

  r = run_new ();
  r->loud = TRUE;
  run_tool (r, json, NULL, NULL);
  assert_status (r, 0);
  fail_unless_equals_string (r->err, "");
  run_free (r);
}

GST_END_TEST;

/* ---- invalid requests through the tool ---- */

typedef struct
{
  const gchar *json;
  gint status;
  const gchar *code;
  const gchar *message_prefix;
} BadRun;

#define OUT "\"URI\":\"oss://test-bucket/out/s-{index}.jpg\""
#define TGT(x) "\"Targets\":[{\"Image\":{\"Snapshots\":[" x "]}}]}"
#define SRCU(u) "{\"Sources\":[{\"URI\":\"" u "\"}],"
#define ANIMS(x) "\"Targets\":[{\"Image\":{\"Animations\":[" x "]}}]}"
#define A_SRC "{\"URI\":\"oss://test-bucket/video-demo/clip.mp4\"}"
#define TWELVE_SOURCES A_SRC "," A_SRC "," A_SRC "," A_SRC "," A_SRC "," \
  A_SRC "," A_SRC "," A_SRC "," A_SRC "," A_SRC "," A_SRC "," A_SRC

static const BadRun bad_runs[] = {
  {"{not json", 1, "InvalidArgument", "(request): not valid JSON"},
  {"{\"Width\": NaN}", 1, "InvalidArgument", "(request): not valid JSON"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Mode\":\"fast\"," OUT "}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].Mode: unknown mode"},
  {"{" SRC TGT ("{\"Format\":\"tiff\"," OUT "}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Format: unknown format 'tiff'"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Interval\":2,\"URI\":\"s.jpg\"}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].URI: this target "
        "can write more than one frame"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Width\":-5," OUT "}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].Width: must be > 0"},
  {"{" SRC "\"Targets\":[{\"URI\":\"oss://test-bucket/x.mp4\",\"Image\":{}}]}",
        1,
      "InvalidArgument", "Targets[0].URI: must not be set for image jobs"},
  {"{" SRC
        TGT ("{\"Format\":\"jpg\",\"URI\":\"oss://test-bucket/../../x.jpg\"}"),
        1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].URI: "
        "'oss://test-bucket/../../x.jpg' is outside the storage root"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"/etc/x.jpg\"}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].URI: '/etc/x.jpg' "
        "is outside the storage root"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"http://example.com/x.jpg\"}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].URI: outputs go to "
        "oss://, file:// or a local path"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\"},{\"Format\":\"png\","
            "\"URI\":\"c.jpg\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[1].URI: writes the same file as "
        "Targets[0].Image.Snapshots[0].URI"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"{tags.x}.jpg\"}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].URI: unknown "
        "variable '{tags.x}'"},
  {SRCU ("oss://test-bucket/video-demo/missing.mov") TGT ("{\"Format\":"
            "\"jpg\",\"URI\":\"c.jpg\"}"), 1, "ResourceNotFound",
      "Sources[0].URI: 'oss://test-bucket/video-demo/missing.mov' not found"},
  /* nothing listens on port 1 */
  {SRCU ("http://127.0.0.1:1/x.mov") TGT ("{\"Format\":\"jpg\",\"URI\":"
            "\"c.jpg\"}"), 1, "ResourceNotFound",
      "Sources[0].URI: cannot open 'http://127.0.0.1:1/x.mov': could not "
        "connect or read"},
  {SRCU ("oss://test-bucket/video-demo/notmedia.mov") TGT ("{\"Format\":"
            "\"jpg\",\"URI\":\"c.jpg\"}"), 1, "InvalidFile",
      "Sources[0].URI: cannot read 'oss://test-bucket/video-demo/"
        "notmedia.mov' as media"},
  {SRCU ("oss://test-bucket/video-demo/empty.mov") TGT ("{\"Format\":"
            "\"jpg\",\"URI\":\"c.jpg\"}"), 1, "InvalidFile",
      "Sources[0].URI: cannot read 'oss://test-bucket/video-demo/empty.mov' "
        "as media"},
  {SRCU ("oss://test-bucket/video-demo/nocover.mp3") TGT ("{\"Format\":"
            "\"jpg\",\"URI\":\"c.jpg\"}"), 1, "InvalidFile",
      "Sources[0].URI: 'oss://test-bucket/video-demo/nocover.mp3' has no "
        "video stream and no embedded cover picture"},
  {SRCU ("oss://test-bucket") TGT ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\"}"),
      1, "InvalidArgument", "Sources[0].URI: expected oss://bucket/key"},
  {SRCU ("ftp://x/y.mov") TGT ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\"}"),
      1, "InvalidArgument", "Sources[0].URI: unsupported scheme"},
  {"{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\","
        "\"Duration\":4}]," TGT ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\","
            "\"StartTime\":6}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].StartTime: 6 s is past the end"},
  /* wrong types */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Number\":\"5\"," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Number: expected an integer, got a "
        "string"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Width\":\"100\"," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Width: expected a number, got a string"},
  {"{" SRC TGT ("\"jpg\""), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0]: expected an object, got a string"},
  {"{" SRC "\"Targets\":[{\"Image\":{\"Snapshots\":{\"Format\":\"jpg\"}}}]}",
        1, "InvalidArgument",
      "Targets[0].Image.Snapshots: expected an array, got an object"},
  {"{\"Sources\":[\"oss://test-bucket/video-demo/Winemaking.mov\"],"
        TGT ("{\"Format\":\"jpg\"," OUT "}"), 1, "InvalidArgument",
      "Sources[0]: expected an object, got a string"},
  /* unknown values */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"ScaleType\":\"squash\"," OUT "}"),
        1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].ScaleType: unknown scale type 'squash' "
        "(expected one of: stretch, crop, fill, fit)"},
  {"{" SRC ANIMS ("{\"Format\":\"apng\",\"URI\":\"a.png\"}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Animations[0].Format: unknown format 'apng' "
        "(expected one of: gif, webp)"},
  /* numbers out of range */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Number\":1.5," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Number: expected an integer, got 1.5"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Number\":-1," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Number: must be >= 0, got -1"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Interval\":0," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Interval: must be > 0, got 0"},
  {"{" SRC ANIMS ("{\"Format\":\"gif\",\"Interval\":-2,\"URI\":"
            "\"a.gif\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0].Interval: must be > 0, got -2"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Mode\":\"dhash\","
            "\"Threshold\":101," OUT "}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Threshold: must be <= 100, got 101"},
  {"{" SRC ANIMS ("{\"Format\":\"webp\",\"FrameRate\":0,\"URI\":"
            "\"a.webp\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0].FrameRate: must be > 0, got 0"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"StartTime\":-1," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].StartTime: must be >= 0, got -1"},
  {"{" SRC TGT ("{\"Format\":\"png\",\"Width\":16385," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Width: must be <= 16384, got 16385"},
  {"{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\","
        "\"Duration\":-3}]," TGT ("{\"Format\":\"jpg\"," OUT "}"), 1,
      "InvalidArgument", "Sources[0].Duration: must be >= 0, got -3"},
  /* typos and fields that do not belong */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Widht\":100," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Widht: unknown field (fields here: "
        "Format, URI, Mode, StartTime, Interval, Number, Threshold, Width, "
        "Height, ScaleType)"},
  {"{\"Source\":[{\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\"}],"
        TGT ("{\"Format\":\"jpg\"," OUT "}"), 1, "InvalidArgument",
      "Source: unknown field (fields here: ProjectName, Notification, "
        "UserData, Sources, Targets, Tags, AlignmentIndex)"},
  {"{" SRC ANIMS ("{\"Format\":\"gif\",\"Mode\":\"dhash\",\"URI\":"
            "\"a.gif\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0].Mode: unknown field (fields here: "
        "Format, URI, StartTime, Number, Interval, FrameRate, Width, Height, "
        "ScaleType)"},
  {"{" SRC "\"Targets\":[{\"Container\":\"mp4\",\"Image\":{"
        "\"Snapshots\":[{\"Format\":\"jpg\"," OUT "}]}}]}", 1,
        "InvalidArgument",
      "Targets[0].Container: must not be set for image jobs (give the "
        "output in Image.Snapshots[].URI or Image.Animations[].URI)"},
  /* missing or empty */
  {"{" TGT ("{\"Format\":\"jpg\"," OUT "}"), 1, "InvalidArgument",
      "Sources: required field is missing"},
  {"{\"Sources\":[]," TGT ("{\"Format\":\"jpg\"," OUT "}"), 1,
      "InvalidArgument", "Sources: needs at least one source"},
  {"{\"Sources\":[" TWELVE_SOURCES "]," TGT ("{\"Format\":\"jpg\"," OUT "}"),
        1, "InvalidArgument",
      "Sources: at most 11 sources can be joined, got 12"},
  {"{" SRC TGT ("{" OUT "}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Format: required field is missing"},
  {"{" SRC ANIMS ("{\"Format\":\"gif\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0].URI: required field is missing"},
  {"{" SRC "\"Targets\":[{\"Image\":{}}]}", 1, "InvalidArgument",
      "Targets[0].Image: no Snapshots or Animations to make"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Mode\":\"average\"," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Number: average mode needs Number "
        "greater than 0"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Number\":3," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Interval: required when Number is "
        "greater than 1 in interval mode (without it one frame is taken at "
        "StartTime)"},
  /* {index} missing where several frames come out */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Mode\":\"dhash\",\"Number\":5,"
            "\"URI\":\"d.jpg\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].URI: this target can write more than "
        "one frame, so the URI needs '{index}'"},
  /* a relative path escape */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"a/../../x.jpg\"}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].URI: 'a/../../x.jpg' is outside the "
        "storage root"},
  /* the second of two sources is missing */
  {"{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/clip.mp4\"},"
        "{\"URI\":\"oss://test-bucket/video-demo/gone.mp4\"}]," TGT
        ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\"}"), 1, "ResourceNotFound",
      "Sources[1].URI: 'oss://test-bucket/video-demo/gone.mp4' not found"},
};

GST_START_TEST (test_bad_run)
{
  const BadRun *c = &bad_runs[__i__];
  Run *r = run_new ();

  run_tool (r, c->json, NULL, NULL);
  assert_status (r, c->status);
  fail_unless_equals_string (result_string (r, "Status"), "Failed");
  fail_unless_equals_string (result_string (r, "Code"), c->code);
  fail_unless (g_str_has_prefix (result_string (r, "Message"),
          c->message_prefix), "message: %s", result_string (r, "Message"));
  /* one clear line on stderr */
  fail_unless (g_str_has_prefix (r->err, "imm-convert: "), "%s", r->err);
  fail_unless (strchr (r->err, '\n') == r->err + strlen (r->err) - 1,
      "%s", r->err);
  /* nothing written, no temporary directory left */
  assert_files (r, "");
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_usage)
{
  Run *r = run_new ();
  const gchar *tool = g_getenv ("IMM_CONVERT");
  gchar *argv[3] = { (gchar *) tool, (gchar *) "--bogus", NULL };
  gchar *out = NULL, *err = NULL;
  gint status;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          &out, &err, &status, NULL));
  fail_unless_equals_int (WEXITSTATUS (status), 2);
  fail_unless_equals_string (err, "imm-convert: unknown option --bogus "
      "(see imm-convert --help)\n");
  fail_unless_equals_string (out, "");
  g_free (out);
  g_free (err);

  argv[1] = (gchar *) "--help";
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          &out, &err, &status, NULL));
  fail_unless_equals_int (WEXITSTATUS (status), 0);
  fail_unless (strstr (out, "--storage-root DIR") != NULL);
  fail_unless (strstr (out, "--print-pipeline") != NULL);
  fail_unless (strstr (out, "--notify FILE") != NULL);
  g_free (out);
  g_free (err);

  run_tool (r, "{}", "--storage-root", NULL);
  assert_status (r, 2);

  /* "-" reads the request from stdin */
  fail_unless (g_file_set_contents (r->request, "{\"Sources\":[{\"URI\":"
          "\"oss://test-bucket/video-demo/test.mp3\"}],\"Targets\":[{"
          "\"Image\":{\"Snapshots\":[{\"Format\":\"png\",\"URI\":"
          "\"stdin.png\"}]}}]}", -1, NULL));
  {
    gchar *cmd = g_strdup_printf ("'%s' --quiet --storage-root '%s' - < '%s'",
        tool, r->root, r->request);
    gchar *sh[] = { (gchar *) "sh", (gchar *) "-c", cmd, NULL };

    fail_unless (g_spawn_sync (NULL, sh, NULL, G_SPAWN_SEARCH_PATH, NULL,
            NULL, &out, &err, &status, NULL));
    fail_unless_equals_int (WEXITSTATUS (status), 0);
    fail_unless (strstr (out, "\"Files\":[\"stdin.png\"],\"FrameCount\":1")
        != NULL, "%s", out);
    g_free (out);
    g_free (err);
    g_free (cmd);
  }
  assert_files (r, "stdin.png");
  run_free (r);
}

GST_END_TEST;

static Suite *
launcher_suite (void)
{
  Suite *s = suite_create ("launcher");
  TCase *seeds = tcase_create ("seeds");
  TCase *anim = tcase_create ("animations");
  TCase *bad = tcase_create ("invalid");

  tcase_add_unchecked_fixture (bad, setup_fixture_dir, NULL);
  tcase_add_unchecked_fixture (seeds, setup_fixture_dir, NULL);
  tcase_add_unchecked_fixture (anim, setup_fixture_dir, NULL);
  suite_add_tcase (s, bad);
  tcase_add_loop_test (bad, test_bad_run, 0, G_N_ELEMENTS (bad_runs));
  tcase_add_test (bad, test_usage);
  tcase_add_test (bad, test_notify);
  tcase_add_test (bad, test_cover_sizes);
  tcase_add_loop_test (bad, test_audio_covers, 0, G_N_ELEMENTS (covers));
  tcase_add_test (bad, test_missing_decoder);
  tcase_add_test (bad, test_http_not_found);

  suite_add_tcase (s, seeds);
  tcase_set_timeout (seeds, 120);
  tcase_add_test (seeds, test_seed_thumbnail);
  tcase_add_test (seeds, test_seed_ai_training);
  tcase_add_test (seeds, test_seed_segment);
  tcase_add_test (seeds, test_seed_event_keyframes);
  tcase_add_test (seeds, test_seed_representative);
  tcase_add_test (seeds, test_seed_idr);
  tcase_add_test (seeds, test_seed_average);
  tcase_add_test (seeds, test_seed_audio_cover);
  tcase_add_loop_test (seeds, test_print_pipeline_seed, 0,
      G_N_ELEMENTS (seed_examples));
  tcase_add_loop_test (seeds, test_print_pipeline_shared, 0, 5);
  tcase_add_test (seeds, test_joined_sources);
  tcase_add_test (seeds, test_shared_decode);
  tcase_add_loop_test (seeds, test_http_source, 0, 2);
  tcase_add_test (seeds, test_progress);
  tcase_add_loop_test (seeds, test_containers, 0, G_N_ELEMENTS (containers));
  tcase_add_loop_test (seeds, test_deep_video, 0, G_N_ELEMENTS (deep_clips));

  suite_add_tcase (s, anim);
  tcase_set_timeout (anim, 120);
  tcase_add_test (anim, test_seed_animation_whole);
  tcase_add_test (anim, test_seed_animation_range);
  tcase_add_test (anim, test_print_pipeline_several);
  return s;
}

GST_CHECK_MAIN (launcher);
