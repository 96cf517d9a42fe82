/* Pipeline tests of immsnapshot on an encoded file made by the test: exact
 * timestamps with and without seeking, the keyframe set, cut detection, and
 * live sources.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

/* The fixture: 160x120 I420 at 25 fps, 20 s (500 frames), H.264 with a
 * keyframe every 30 frames (1.2 s) and no scene-cut keyframes, in MP4.
 * The picture is a still test pattern that changes at known frames (the
 * cuts): smpte, then pinwheel from 4 s, circular from 10 s, smpte again
 * from 13 s. */
#define FIXTURE_FRAMES 500
static const struct
{
  guint first_frame;
  const gchar *pattern;
} cuts[] = {
  {0, "smpte"}, {100, "pinwheel"}, {250, "circular"}, {325, "smpte"},
};

static gchar *tmp_dir;
static gchar *fixture;
static gchar *fixture_uri;

static GstPadProbeReturn
change_pattern (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstElement *src = user_data;
  guint64 next = GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info)) + 1;
  guint i;

  (void) pad;
  /* the property applies from the next buffer videotestsrc makes */
  for (i = 1; i < G_N_ELEMENTS (cuts); i++)
    if (next == cuts[i].first_frame)
      gst_util_set_object_arg (G_OBJECT (src), "pattern", cuts[i].pattern);
  return GST_PAD_PROBE_OK;
}

/* Runs @pipeline to EOS or error, at most @timeout_s seconds. */
static GstMessage *
run_to_end (GstElement * pipeline, guint timeout_s)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  m = gst_bus_timed_pop_filtered (bus, timeout_s * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_object_unref (bus);
  return m;
}

/* The directory is made once, in the parent process; the file by the first
 * test that needs it (a pipeline run in the parent would leave GStreamer's
 * threads unusable in the forked test processes). */
static void
make_fixture_dir (void)
{
  tmp_dir = g_dir_make_tmp ("immsnapshot-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
  fixture = g_build_filename (tmp_dir, "cuts.mp4", NULL);
  fixture_uri = gst_filename_to_uri (fixture, NULL);
}

static void
make_fixture (void)
{
  GstElement *p, *src;
  GstPad *pad;
  GstMessage *m;
  gchar *desc;
  gchar *part;

  if (g_file_test (fixture, G_FILE_TEST_EXISTS))
    return;
  /* written under another name and renamed: a test killed half-way leaves
   * no truncated fixture behind */
  part = g_strconcat (fixture, ".part", NULL);
  desc = g_strdup_printf ("videotestsrc name=src num-buffers=%d "
      "pattern=smpte ! video/x-raw,format=I420,width=160,height=120,"
      "framerate=25/1 ! x264enc key-int-max=30 speed-preset=ultrafast "
      "option-string=scenecut=0 ! mp4mux ! filesink location=\"%s\"",
      FIXTURE_FRAMES, part);
  p = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (p != NULL);
  src = gst_bin_get_by_name (GST_BIN (p), "src");
  pad = gst_element_get_static_pad (src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, change_pattern, src, NULL);
  m = run_to_end (p, 60);
  fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS);
  gst_message_unref (m);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (src);
  gst_object_unref (p);
  fail_unless (g_rename (part, fixture) == 0);
  g_free (part);
}

static void
remove_fixture (void)
{
  g_unlink (fixture);
  g_rmdir (tmp_dir);
  g_free (fixture);
  g_free (fixture_uri);
  g_free (tmp_dir);
}

typedef struct
{
  GString *times;               /* stream-time of each message, ms */
  GString *distances;
  guint messages;
  guint frames_out;             /* buffers that reached the sink */
  guint decoded;                /* buffers that left the decoder */
  gchar *warning;
  gchar *error;
  gboolean eos;
} Result;

static GstPadProbeReturn
count_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  guint *n = user_data;

  (void) pad;
  (void) info;
  g_atomic_int_inc (n);
  return GST_PAD_PROBE_OK;
}

static void
count_on (GstElement * p, const gchar * name, const gchar * pad_name, guint * n)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (p), name);
  GstPad *pad;

  if (!e)
    return;
  pad = gst_element_get_static_pad (e, pad_name);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, n, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

/* Runs "<source> ! immsnapshot <props> ! fakesink" where <source> is the
 * decoded fixture unless @source is given. An element named "conv" (the
 * videoconvert after the decoder) counts decoded frames. */
static Result
run (const gchar * source, const gchar * props, guint timeout_s)
{
  Result r = { g_string_new (NULL), g_string_new (NULL), 0, 0, 0, NULL,
    NULL, FALSE
  };
  gchar *src_desc = source ? g_strdup (source) :
      g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "videoconvert name=conv", fixture);
  gchar *desc = g_strdup_printf ("%s ! immsnapshot %s ! fakesink name=sink",
      src_desc, props);
  GstElement *p = gst_parse_launch (desc, NULL);
  GstBus *bus;
  gint64 deadline;

  fail_unless (p != NULL, "cannot parse %s", desc);
  count_on (p, "conv", "sink", &r.decoded);
  count_on (p, "sink", "sink", &r.frames_out);
  bus = gst_element_get_bus (p);
  fail_if (gst_element_set_state (p, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  deadline = g_get_monotonic_time () + timeout_s * G_TIME_SPAN_SECOND;
  while (!r.eos && !r.error) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *m;

    fail_unless (left > 0, "%s: no EOS within %u s", desc, timeout_s);
    m = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
        GST_MESSAGE_ELEMENT);
    if (!m)
      continue;
    switch (GST_MESSAGE_TYPE (m)) {
      case GST_MESSAGE_EOS:
        r.eos = TRUE;
        break;
      case GST_MESSAGE_ERROR:
      case GST_MESSAGE_WARNING:{
        GError *err = NULL;

        if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
          gst_message_parse_error (m, &err, NULL);
        else
          gst_message_parse_warning (m, &err, NULL);
        if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
          r.error = g_strdup (err->message);
        else if (!r.warning)
          r.warning = g_strdup (err->message);
        g_error_free (err);
        break;
      }
      case GST_MESSAGE_ELEMENT:{
        const GstStructure *s = gst_message_get_structure (m);
        guint64 st;
        guint index, d;

        if (gst_structure_has_name (s, "immsnapshot")) {
          fail_unless (gst_structure_get (s, "index", G_TYPE_UINT, &index,
                  "stream-time", G_TYPE_UINT64, &st, NULL));
          fail_unless_equals_int (index, ++r.messages);
          g_string_append_printf (r.times, "%s%" G_GUINT64_FORMAT,
              r.times->len ? "," : "", st / GST_MSECOND);
          if (gst_structure_get_uint (s, "distance", &d))
            g_string_append_printf (r.distances, "%s%u",
                r.distances->len ? "," : "", d);
        }
        break;
      }
      default:
        break;
    }
    gst_message_unref (m);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  g_free (desc);
  g_free (src_desc);
  return r;
}

static void
result_clear (Result * r)
{
  g_string_free (r->times, TRUE);
  g_string_free (r->distances, TRUE);
  g_free (r->warning);
  g_free (r->error);
}

/* Runs @props with seeking and without on the fixture; both must give
 * @expected (stream times in ms). Returns the decoded-frame counts. */
static void
check_both (const gchar * props, const gchar * expected, guint * decoded_seek,
    guint * decoded_filter)
{
  gchar *filter_props = g_strdup_printf ("%s seek=false", props);
  Result a = run (NULL, props, 30);
  Result b = run (NULL, filter_props, 30);

  fail_unless (a.error == NULL, "%s: %s", props, a.error);
  fail_unless (b.error == NULL, "%s: %s", filter_props, b.error);
  fail_unless (a.eos && b.eos);
  fail_unless_equals_string (a.times->str, expected);
  fail_unless_equals_string (b.times->str, expected);
  fail_unless_equals_string (a.distances->str, b.distances->str);
  /* every frame announced reached the sink */
  fail_unless_equals_int (a.frames_out, a.messages);
  fail_unless_equals_int (b.frames_out, b.messages);
  if (decoded_seek)
    *decoded_seek = a.decoded;
  if (decoded_filter)
    *decoded_filter = b.decoded;
  result_clear (&a);
  result_clear (&b);
  g_free (filter_props);
}

GST_START_TEST (test_interval)
{
  guint seek, filter;

  /* 5.5 s falls between frames: the next frame, 5.52 s */
  check_both ("mode=interval start-time=1 interval=4.5 number=3",
      "1000,5520,10000", &seek, &filter);
  /* filtering decodes up to the last frame taken, seeking far less */
  fail_unless (filter >= 251, "filtering decoded %u frames", filter);
  fail_unless (seek < 100, "seeking decoded %u frames", seek);

  check_both ("mode=interval start-time=2 interval=3 duration=10",
      "2000,5000,8000,11000", NULL, NULL);
  check_both ("mode=interval start-time=5", "5000", NULL, NULL);
  check_both ("mode=interval interval=0.5 start-time=18.9",
      "18920,19400,19920", NULL, NULL);
}

GST_END_TEST;

GST_START_TEST (test_all_after_seek)
{
  /* one seek to the start of the range, then every frame */
  check_both ("mode=all start-time=12 number=3", "12000,12040,12080", NULL,
      NULL);
}

GST_END_TEST;

GST_START_TEST (test_queue_downstream_keeps_frames)
{
  /* the flushes of the element's own seeks stay upstream: frames waiting
   * in a queue downstream are not lost */
  Result r = run (NULL, "mode=interval interval=3 duration=13 ! "
      "queue max-size-buffers=0 max-size-time=0 max-size-bytes=0", 30);

  fail_unless (r.error == NULL, "%s", r.error);
  fail_unless_equals_string (r.times->str, "0,3000,6000,9000,12000");
  fail_unless_equals_int (r.frames_out, 5);
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_average)
{
  guint seek, filter;

  check_both ("mode=average number=4", "0,5000,10000,15000", &seek, &filter);
  fail_unless (seek < filter / 2, "seeking decoded %u frames of %u", seek,
      filter);
  /* 3 + i * 10 / 3 s */
  check_both ("mode=average number=3 start-time=3 duration=10",
      "3000,6360,9680", NULL, NULL);
}

GST_END_TEST;

GST_START_TEST (test_keyframe)
{
  guint seek, filter;

  check_both ("mode=keyframe", "0,1200,2400,3600,4800,6000,7200,8400,9600,"
      "10800,12000,13200,14400,15600,16800,18000,19200", &seek, &filter);
  /* trick mode: the decoder skips the delta frames */
  fail_unless_equals_int (filter, FIXTURE_FRAMES);
  fail_unless (seek < 40, "key-unit seeking decoded %u frames", seek);
  check_both ("mode=keyframe start-time=5 number=3", "6000,7200,8400",
      NULL, NULL);
}

GST_END_TEST;

GST_START_TEST (test_keyframe_uridecodebin)
{
  gchar *src = g_strdup_printf ("uridecodebin uri=\"%s\" ! videoconvert",
      fixture_uri);
  Result r = run (src, "mode=keyframe duration=5 seek=false", 30);

  fail_unless (r.error == NULL, "%s", r.error);
  fail_unless_equals_string (r.times->str, "0,1200,2400,3600,4800");
  result_clear (&r);
  r = run (src, "mode=keyframe duration=5", 30);
  fail_unless_equals_string (r.times->str, "0,1200,2400,3600,4800");
  result_clear (&r);
  g_free (src);
}

GST_END_TEST;

GST_START_TEST (test_dhash_cuts)
{
  /* samples every second; the cuts at 4, 10 and 13 s */
  check_both ("mode=dhash threshold=15", "0,4000,10000,13000", NULL, NULL);
  /* the two strongest: the first sample and the strongest cut */
  check_both ("mode=dhash threshold=15 number=2", "0,10000", NULL, NULL);
  /* a 3 s sampling meets the cuts at 6, 12 and 15 s */
  check_both ("mode=dhash threshold=15 interval=3", "0,6000,12000,15000",
      NULL, NULL);
}

GST_END_TEST;

GST_START_TEST (test_start_beyond_end)
{
  const gchar *modes[] = { "interval interval=1", "keyframe", "dhash",
    "average number=3", "all"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    gchar *props = g_strdup_printf ("mode=%s start-time=30", modes[i]);
    Result r = run (NULL, props, 30);

    fail_unless (r.eos, "%s", props);
    fail_unless (r.error == NULL, "%s: %s", props, r.error);
    fail_unless_equals_string (r.times->str, "");
    fail_unless_equals_string (r.warning, "No frame taken: start-time "
        "30.000 s is at or beyond the end of the stream (20.000 s).");
    result_clear (&r);
    g_free (props);
  }
}

GST_END_TEST;

/* Live timestamps start at the running time the source started at, a few
 * ms: returns the times relative to the first, and checks the first. */
static gchar *
relative_times (const gchar * times)
{
  gchar **v = g_strsplit (times, ",", -1);
  GString *out = g_string_new (NULL);
  guint64 first = g_ascii_strtoull (v[0], NULL, 10);
  guint i;

  fail_unless (first < 100, "first live frame at %" G_GUINT64_FORMAT " ms",
      first);
  for (i = 0; v[i] && *v[i]; i++)
    g_string_append_printf (out, "%s%" G_GUINT64_FORMAT, i ? "," : "",
        g_ascii_strtoull (v[i], NULL, 10) - first);
  g_strfreev (v);
  return g_string_free (out, FALSE);
}

#define check_relative(times, expected) G_STMT_START { \
  gchar *_rel = relative_times (times); \
  fail_unless_equals_string (_rel, expected); \
  g_free (_rel); \
} G_STMT_END

#define LIVE_SRC "videotestsrc is-live=true num-buffers=25 ! " \
  "video/x-raw,format=I420,width=160,height=120,framerate=10/1"

GST_START_TEST (test_live_interval)
{
  Result r = run (LIVE_SRC, "mode=interval interval=1", 20);

  fail_unless (r.error == NULL, "%s", r.error);
  check_relative (r.times->str, "0,1000,2000");
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_live_keyframe)
{
  /* encoded and decoded live: the probe on the decoder input finds the
   * keyframes (every 10 frames) */
  Result r = run (LIVE_SRC " ! x264enc key-int-max=10 tune=zerolatency "
      "speed-preset=ultrafast ! avdec_h264", "mode=keyframe", 20);

  fail_unless (r.error == NULL, "%s", r.error);
  check_relative (r.times->str, "0,1000,2000");
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_live_dhash_top_n_at_eos)
{
  Result r = run (LIVE_SRC, "mode=dhash number=2 threshold=10", 20);

  /* a still picture (but for the small noise patch of smpte, a distance of
   * about 2): only the first sample is a candidate */
  fail_unless (r.error == NULL, "%s", r.error);
  check_relative (r.times->str, "0");
  fail_unless_equals_int (r.frames_out, 1);
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_live_average_fails)
{
  Result r = run (LIVE_SRC, "mode=average number=3", 20);

  fail_unless_equals_string (r.error, "mode=average needs the end of the "
      "stream, which a live source does not have; use mode=interval "
      "instead.");
  result_clear (&r);
}

GST_END_TEST;

static Suite *
immsnapshot_pipeline_suite (void)
{
  Suite *s = suite_create ("immsnapshot-pipeline");
  TCase *tc = tcase_create ("file");
  TCase *live = tcase_create ("live");

  suite_add_tcase (s, tc);
  tcase_add_unchecked_fixture (tc, make_fixture_dir, remove_fixture);
  tcase_add_checked_fixture (tc, make_fixture, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_interval);
  tcase_add_test (tc, test_all_after_seek);
  tcase_add_test (tc, test_queue_downstream_keeps_frames);
  tcase_add_test (tc, test_average);
  tcase_add_test (tc, test_keyframe);
  tcase_add_test (tc, test_keyframe_uridecodebin);
  tcase_add_test (tc, test_dhash_cuts);
  tcase_add_test (tc, test_start_beyond_end);

  suite_add_tcase (s, live);
  tcase_add_test (live, test_live_interval);
  tcase_add_test (live, test_live_keyframe);
  tcase_add_test (live, test_live_dhash_top_n_at_eos);
  tcase_add_test (live, test_live_average_fails);
  return s;
}

GST_CHECK_MAIN (immsnapshot_pipeline);
