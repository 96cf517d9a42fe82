/* imm-gst launcher tests: the media every launcher test runs on, made at
 * test time.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <webp/demux.h>

#include "../common/remove-tree.h"
#include "launcher.h"

gchar *fixture_dir;
static pid_t fixture_owner;

static const struct
{
  gint from;
  gint pattern;
} cuts[] = { {0, 0}, {10, 24}, {20, 11}, {30, 21}, {35, 22} };

gint
pattern_at (gint second)
{
  gint i, p = 0;

  for (i = 0; i < (gint) G_N_ELEMENTS (cuts); i++)
    if (second >= cuts[i].from)
      p = cuts[i].pattern;
  return p;
}

guint8
block_luma (gint second)
{
  return 8 + 6 * second;
}

GstPadProbeReturn
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

void
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

GstElement *
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
GstPadProbeReturn
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

void
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
void
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


void
make_movie (const gchar * path)
{
  make_clip (path, SECONDS, FPS, X264, "avenc_aac ! aacparse", "qtmux", NULL);
}

/* GStreamer 1.22 cannot write RealMedia video: avmux_rm leaves the
 * stream's time base at libavformat's default 1/90000, which the RM
 * muxer refuses ("Frame rate 90000 is too high"), and no property sets
 * it. So ffmpeg makes this one, with the same dated corner block. */
void
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
const Container containers[] = {
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
const DeepClip deep_clips[] = {
  {"deep420.mkv", "I420_10LE", "matroskamux"},
  {"deep444.mp4", "Y444_10LE", "mp4mux"},
};

/* One picture made by @desc (ending in an encoder), as a sample for an
 * image tag. */
GstSample *
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
void
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


/* Audio with an embedded cover in each of the three ways the API names:
 * ID3v2 APIC (test.mp3, above), a FLAC METADATA_BLOCK_PICTURE, an MP4
 * covr atom; each a picture of its own colour, size and format. */
const Cover covers[] = {
  {"test.mp3", MP3_CHAIN, RED_COVER, 200, 100, 255, 0, 0},
  {"cover.flac", "flacenc name=mux", "videotestsrc num-buffers=1 "
        "pattern=green ! video/x-raw,width=120,height=80 ! videoconvert ! "
        "pngenc", 120, 80, 0, 255, 0},
  {"cover.m4a", "avenc_aac ! aacparse ! mp4mux name=mux", "videotestsrc "
        "num-buffers=1 pattern=blue ! video/x-raw,width=90,height=160 ! "
        "jpegenc", 90, 160, 0, 0, 255},
};

gchar *
fixture (const gchar * name)
{
  return g_build_filename (fixture_dir, name, NULL);
}


/* Check forks every test, and forking a process that has run GStreamer
 * pipelines is not safe (another thread may hold a lock). So the parent
 * only makes the directory, in an unchecked fixture, and the first test
 * that needs the media makes it; the others find the "ready" marker. */
void
remove_fixtures (void)
{
  if (fixture_dir != NULL && getpid () == fixture_owner)
    remove_tree (fixture_dir);
}

void
setup_fixture_dir (void)
{
  if (fixture_dir != NULL)
    return;
  fixture_dir = g_dir_make_tmp ("imm-launcher-XXXXXX", NULL);
  fail_unless (fixture_dir != NULL);
  fixture_owner = getpid ();
  atexit (remove_fixtures);
}

void
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

const guint n_containers = G_N_ELEMENTS (containers);
const guint n_deep_clips = G_N_ELEMENTS (deep_clips);
const guint n_covers = G_N_ELEMENTS (covers);
