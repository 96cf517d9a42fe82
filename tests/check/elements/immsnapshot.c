/* Pipeline tests of immsnapshot on a fixture made here: 20 s of 160x120 at
 * 10 fps, H.264 with a keyframe every 2 s (scene-cut keyframes off), and
 * hard cuts between still patterns at 5, 10 and 15 s.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <glib/gstdio.h>

#define S GST_SECOND

static gchar *fixture_dir;
static gchar *fixture;

/* Runs @desc to EOS or error with a bounded wait; returns the error text
 * (or NULL) and collects pts of frames reaching the appsink "out" and the
 * element messages' pts, index and distance. */
typedef struct
{
  GMutex lock;
  GString *frames;              /* pts of output frames, in ms */
  GString *messages;            /* "index:pts_ms[:distance]" */
  gchar *error;
  gchar *warning;
} Run;

/* Frames are counted as the sink renders them: what a file sink would
 * write. */
static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, Run * r)
{
  g_mutex_lock (&r->lock);
  g_string_append_printf (r->frames, "%" G_GUINT64_FORMAT " ",
      GST_BUFFER_PTS (buf) / GST_MSECOND);
  g_mutex_unlock (&r->lock);
}

static void
run_clear (Run * r)
{
  g_string_free (r->frames, TRUE);
  g_string_free (r->messages, TRUE);
  g_free (r->error);
  g_free (r->warning);
  g_mutex_clear (&r->lock);
}

/* @prepare, if set, is called on the pipeline before it starts. */
static void
run_pipeline_prepared (const gchar * desc, Run * r,
    void (*prepare) (GstElement * pipe))
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  GstElement *sink;
  GstBus *bus;
  gboolean running = TRUE;

  fail_unless (pipe != NULL, "%s: %s", desc, err ? err->message : "");
  g_mutex_init (&r->lock);
  r->frames = g_string_new (NULL);
  r->messages = g_string_new (NULL);
  r->error = r->warning = NULL;
  sink = gst_bin_get_by_name (GST_BIN (pipe), "out");
  if (sink != NULL) {
    g_object_set (sink, "signal-handoffs", TRUE, "sync", FALSE, NULL);
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), r);
  }
  if (prepare != NULL)
    prepare (pipe);
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);

  while (running) {
    GstMessage *msg = gst_bus_timed_pop (bus, 20 * GST_SECOND);

    fail_unless (msg != NULL, "%s: no EOS within 20 s", desc);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        running = FALSE;
        break;
      case GST_MESSAGE_ERROR:{
        GError *e;
        gst_message_parse_error (msg, &e, NULL);
        r->error = g_strdup (e->message);
        g_error_free (e);
        running = FALSE;
        break;
      }
      case GST_MESSAGE_WARNING:{
        GError *e;
        gst_message_parse_warning (msg, &e, NULL);
        if (r->warning == NULL)
          r->warning = g_strdup (e->message);
        g_error_free (e);
        break;
      }
      case GST_MESSAGE_ELEMENT:{
        const GstStructure *s = gst_message_get_structure (msg);
        guint index;
        guint64 pts;
        gint distance;

        if (gst_structure_has_name (s, "immsnapshot")) {
          fail_unless (gst_structure_get_uint (s, "index", &index));
          fail_unless (gst_structure_get_uint64 (s, "pts", &pts));
          fail_unless (gst_structure_has_field (s, "stream-time"));
          fail_unless (gst_structure_has_field (s, "running-time"));
          fail_unless (gst_structure_has_field (s, "mode"));
          g_string_append_printf (r->messages, "%u:%" G_GUINT64_FORMAT,
              index, pts / GST_MSECOND);
          if (gst_structure_get_int (s, "distance", &distance))
            g_string_append_printf (r->messages, ":%d", distance);
          g_string_append_c (r->messages, ' ');
        }
        break;
      }
      default:
        break;
    }
    gst_message_unref (msg);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  if (sink != NULL)
    gst_object_unref (sink);
  gst_object_unref (pipe);
}

static void
run_pipeline (const gchar * desc, Run * r)
{
  run_pipeline_prepared (desc, r, NULL);
}

static void
make_fixture (void)
{
  Run r;
  gchar *desc;
  const gchar *caps =
      "video/x-raw,format=I420,width=160,height=120,framerate=10/1";

  desc = g_strdup_printf ("concat name=c ! identity single-segment=true ! "
      "x264enc key-int-max=20 speed-preset=ultrafast "
      "option-string=scenecut=0 ! h264parse ! mp4mux ! filesink location=%s "
      "videotestsrc num-buffers=50 pattern=smpte ! %s ! c. "
      "videotestsrc num-buffers=50 pattern=checkers-8 ! %s ! c. "
      "videotestsrc num-buffers=50 pattern=circular ! %s ! c. "
      "videotestsrc num-buffers=50 pattern=pinwheel ! %s ! c.",
      fixture, caps, caps, caps, caps);
  run_pipeline (desc, &r);
  fail_unless (r.error == NULL, "fixture: %s", r.error);
  run_clear (&r);
  g_free (desc);
}

static void
snapshot_then (const gchar * props, const gchar * downstream, Run * r)
{
  gchar *desc = g_strdup_printf ("filesrc location=%s ! decodebin ! "
      "videoconvert ! immsnapshot %s ! %s fakesink name=out", fixture,
      props, downstream);

  run_pipeline (desc, r);
  g_free (desc);
}

static void
snapshot (const gchar * props, Run * r)
{
  snapshot_then (props, "", r);
}

typedef struct
{
  const gchar *props;
  const gchar *frames;          /* output pts in ms */
} Case;

static const Case cases[] = {
  {"mode=interval start-time=3 interval=4 number=3", "3000 7000 11000 "},
  {"mode=interval start-time=5", "5000 "},
  {"mode=interval interval=5", "0 5000 10000 15000 "},
  {"mode=interval start-time=2 duration=6 interval=2", "2000 4000 6000 "},
  {"mode=interval start-time=0.25 interval=2.5 number=2", "300 2800 "},
  {"mode=average number=4", "0 5000 10000 15000 "},
  {"mode=average number=3 start-time=2 duration=9", "2000 5000 8000 "},
  {"mode=keyframe", "0 2000 4000 6000 8000 10000 12000 14000 16000 18000 "},
  {"mode=keyframe start-time=5 number=3", "6000 8000 10000 "},
  {"mode=dhash threshold=15", "0 5000 10000 15000 "},
  {"mode=dhash number=4", "0 5000 10000 15000 "},
  {"mode=dhash interval=2.5 threshold=15", "0 5000 10000 15000 "},
  {"mode=all start-time=19.5", "19500 19600 19700 19800 19900 "},
  {"mode=all start-time=1 number=3", "1000 1100 1200 "},
};

/* Every case twice: seeking and filtering must take the same frames. */
GST_START_TEST (test_modes)
{
  const Case *c = &cases[__i__ / 2];
  gboolean seek = __i__ % 2 == 0;
  gchar *props = g_strdup_printf ("%s seek=%d", c->props, seek);
  Run r;

  snapshot (props, &r);
  fail_unless (r.error == NULL, "%s: %s", props, r.error);
  fail_unless (g_strcmp0 (r.frames->str, c->frames) == 0,
      "%s: frames '%s', expected '%s'", props, r.frames->str, c->frames);
  run_clear (&r);
  g_free (props);
}

GST_END_TEST;

/* A queue after the element holds frames while it seeks: its own seek's
 * flush must not reach them. */
GST_START_TEST (test_modes_queued)
{
  const Case *c = &cases[__i__];
  gchar *props = g_strdup_printf ("%s seek=1", c->props);
  Run r;

  snapshot_then (props, "queue max-size-buffers=0 max-size-bytes=0 "
      "max-size-time=0 !", &r);
  fail_unless (r.error == NULL, "%s: %s", props, r.error);
  fail_unless (g_strcmp0 (r.frames->str, c->frames) == 0,
      "%s ! queue: frames '%s', expected '%s'", props, r.frames->str,
      c->frames);
  run_clear (&r);
  g_free (props);
}

GST_END_TEST;

GST_START_TEST (test_messages)
{
  Run r;
  gchar **parts;
  guint i;

  snapshot ("mode=interval interval=5 number=2", &r);
  fail_unless_equals_string (r.messages->str, "1:0 2:5000 ");
  run_clear (&r);

  /* dhash: the first sample has no predecessor; cuts are far, stills are
   * near their predecessor */
  snapshot ("mode=dhash threshold=15", &r);
  parts = g_strsplit (g_strstrip (r.messages->str), " ", -1);
  fail_unless_equals_int (g_strv_length (parts), 4);
  fail_unless_equals_string (parts[0], "1:0:-1");
  for (i = 1; i < 4; i++) {
    guint index, pts;
    gint distance;
    fail_unless_equals_int (sscanf (parts[i], "%u:%u:%d", &index, &pts,
            &distance), 3);
    fail_unless_equals_int (index, i + 1);
    fail_unless_equals_int (pts, i * 5000);
    fail_unless (distance > 15 && distance <= 64, "distance %d", distance);
  }
  g_strfreev (parts);
  run_clear (&r);
}

GST_END_TEST;

/* Holds the element's seek back so that the stream reaches EOS first. */
static GstPadProbeReturn
delay_seek (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_SEEK)
    g_usleep (500 * G_TIME_SPAN_MILLISECOND);
  return GST_PAD_PROBE_OK;
}

static void
add_seek_delay (GstElement * pipe)
{
  GstElement *slow = gst_bin_get_by_name (GST_BIN (pipe), "slow");
  GstPad *pad = gst_element_get_static_pad (slow, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, delay_seek,
      NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (slow);
}

/* A short stream can end before the element's own seek (here the
 * keyframe mode's trick-mode seek at the start) is sent: that EOS is not
 * the end, the seek restarts the stream. */
GST_START_TEST (test_eos_before_own_seek)
{
  gchar *desc = g_strdup_printf ("filesrc location=%s ! decodebin ! "
      "identity name=slow ! videoconvert ! immsnapshot mode=keyframe ! "
      "fakesink name=out", fixture);
  Run r;

  run_pipeline_prepared (desc, &r, add_seek_delay);
  fail_unless (r.error == NULL, "%s", r.error);
  fail_unless (r.warning == NULL, "%s", r.warning);
  fail_unless_equals_string (r.frames->str,
      "0 2000 4000 6000 8000 10000 12000 14000 16000 18000 ");
  run_clear (&r);
  g_free (desc);
}

GST_END_TEST;

/* After its EOS the element takes in what still comes (a trick-mode
 * decoder sends new tags at every keyframe) instead of failing the stream
 * upstream. */
GST_START_TEST (test_events_after_own_eos)
{
  GstHarness *h = gst_harness_new_parse ("immsnapshot number=1");
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean eos = FALSE;
  GstEvent *ev;
  guint i;

  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=8,"
      "height=8,framerate=10/1");
  for (i = 0; i < 3 && ret == GST_FLOW_OK; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);

    gst_buffer_memset (buf, 0, 0x80, 64);
    GST_BUFFER_PTS (buf) = i * 100 * GST_MSECOND;
    GST_BUFFER_DURATION (buf) = 100 * GST_MSECOND;
    ret = gst_harness_push (h, buf);
  }
  fail_unless_equals_int (ret, GST_FLOW_EOS);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_tag (gst_tag_list_new (GST_TAG_VIDEO_CODEC, "H.264",
                  NULL))));
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_allocate (NULL,
              64, NULL)), GST_FLOW_EOS);
  /* downstream saw one EOS and nothing after it */
  while (!eos && (ev = gst_harness_try_pull_event (h)) != NULL) {
    eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  fail_unless (eos, "no EOS downstream");
  fail_unless (gst_harness_try_pull_event (h) == NULL);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_start_beyond_end)
{
  Run r;

  snapshot ("mode=interval start-time=100 interval=1", &r);
  fail_unless (r.error == NULL);
  fail_unless_equals_string (r.frames->str, "");
  fail_unless (g_strcmp0 (r.warning, "No frame captured: start-time "
          "100.000 s is beyond the end of the stream.") == 0, "%s", r.warning);
  run_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_average_needs_number)
{
  Run r;

  snapshot ("mode=average", &r);
  fail_unless_equals_string (r.error, "mode=average needs the number "
      "property: how many frames to spread over the duration.");
  run_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_live_interval)
{
  Run r;

  run_pipeline ("videotestsrc is-live=true num-buffers=25 ! "
      "video/x-raw,width=64,height=48,framerate=10/1 ! "
      "immsnapshot interval=1 ! fakesink name=out", &r);
  fail_unless (r.error == NULL, "%s", r.error);
  /* on the running time since the first frame: 0, 1 and 2 s after it,
   * whatever the clock's pts of that first frame */
  {
    guint i1, i2, i3, p1, p2, p3;

    fail_unless_equals_int (sscanf (r.messages->str, "%u:%u %u:%u %u:%u",
            &i1, &p1, &i2, &p2, &i3, &p3), 6);
    fail_unless (i1 == 1 && i2 == 2 && i3 == 3);
    fail_unless (ABS ((gint) (p2 - p1) - 1000) <= 1);
    fail_unless (ABS ((gint) (p3 - p1) - 2000) <= 1);
    fail_if (strstr (r.messages->str, "4:") != NULL);
  }
  run_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_live_average_refused)
{
  Run r;

  run_pipeline ("videotestsrc is-live=true num-buffers=5 ! "
      "video/x-raw,width=64,height=48,framerate=10/1 ! "
      "immsnapshot mode=average number=3 ! fakesink name=out", &r);
  fail_unless (r.error != NULL);
  fail_unless (g_str_has_prefix (r.error, "mode=average spreads its frames "
          "over the duration of the stream, and this live source has none."),
      "%s", r.error);
  run_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_live_dhash_topn_at_eos)
{
  Run r;

  /* held until EOS, then the N strongest in time order */
  run_pipeline ("videotestsrc is-live=true num-buffers=30 pattern=ball ! "
      "video/x-raw,width=64,height=48,framerate=10/1 ! "
      "immsnapshot mode=dhash number=2 interval=0.5 ! "
      "fakesink name=out", &r);
  fail_unless (r.error == NULL, "%s", r.error);
  fail_unless (g_str_has_prefix (r.warning, "mode=dhash with number=2"));
  fail_unless (g_str_has_prefix (r.messages->str, "1:"));
  fail_unless (strstr (r.messages->str, "2:") != NULL);
  fail_if (strstr (r.messages->str, "3:") != NULL);
  run_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_raw_keyframes)
{
  Run r;

  /* no decoder upstream: raw frames are all sync points */
  run_pipeline ("videotestsrc num-buffers=4 ! "
      "video/x-raw,width=64,height=48,framerate=10/1 ! "
      "immsnapshot mode=keyframe ! fakesink name=out", &r);
  fail_unless (r.error == NULL, "%s", r.error);
  fail_unless_equals_string (r.frames->str, "0 100 200 300 ");
  run_clear (&r);
}

GST_END_TEST;

/* The path is chosen in the parent process, the file made by the first
 * test (a child): a pipeline run in the parent would leave thread pools
 * behind that forked children cannot use. */
static void
choose_fixture (void)
{
  fixture_dir = g_dir_make_tmp ("immsnapshot-XXXXXX", NULL);
  fixture = g_build_filename (fixture_dir, "cuts.mp4", NULL);
}

static void
setup (void)
{
  if (!g_file_test (fixture, G_FILE_TEST_EXISTS))
    make_fixture ();
}

static void
teardown_fixture (void)
{
  if (fixture != NULL) {
    g_unlink (fixture);
    g_rmdir (fixture_dir);
  }
}

static Suite *
immsnapshot_suite (void)
{
  Suite *s = suite_create ("immsnapshot");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_unchecked_fixture (tc, choose_fixture, teardown_fixture);
  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_loop_test (tc, test_modes, 0, 2 * G_N_ELEMENTS (cases));
  tcase_add_loop_test (tc, test_modes_queued, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_messages);
  tcase_add_test (tc, test_start_beyond_end);
  tcase_add_test (tc, test_eos_before_own_seek);
  tcase_add_test (tc, test_events_after_own_eos);
  tcase_add_test (tc, test_average_needs_number);
  tcase_add_test (tc, test_live_interval);
  tcase_add_test (tc, test_live_average_refused);
  tcase_add_test (tc, test_live_dhash_topn_at_eos);
  tcase_add_test (tc, test_raw_keyframes);
  return s;
}

GST_CHECK_MAIN (immsnapshot);
