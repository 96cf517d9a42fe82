/* immhighlight: clips around scene changes, triggers and marks, with exact
 * first and last frames; and on a live pipeline through a real decoder.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "imm/imm-events.h"
#include "../../common/rss.h"

/* Frames at 10 fps; the text of a run counts time in tenths of a second. */
#define T (GST_SECOND / 10)
#define W 72
#define H 64

/* A scene: 9x8 cells of random brightness, so that two scenes' hashes
 * differ in about half their bits. */
static GstBuffer *
scene_frame (guint scene, guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H, NULL);
  GRand *rand = g_rand_new_with_seed (scene + 1);
  guint8 cells[72];
  GstMapInfo map;
  gint x, y;

  for (x = 0; x < 72; x++)
    cells[x] = g_rand_int_range (rand, 20, 236);
  g_rand_free (rand);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      map.data[y * W + x] = cells[(y / 8) * 9 + x / 8];
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * T;
  GST_BUFFER_DURATION (buf) = T;
  return buf;
}

typedef struct
{
  GstHarness *h;
  /* what left the element, in order: "<index:event" at a clip-start event,
   * each frame's time, ">index:first-last" at a clip-end event */
  GString *seen;
  /* element messages: "s1 " at a clip's start, "e1/events " at its end */
  GString *messages;
  /* running time of pts 0 */
  GstClockTime base;
} Run;

static GstPadProbeReturn
record (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Run *run = user_data;
  ImmClipBounds c;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

    g_string_append_printf (run->seen, "%" G_GUINT64_FORMAT " ",
        GST_BUFFER_PTS (buf) / T);
  } else {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

    if (imm_event_parse_clip_start (ev, &c))
      g_string_append_printf (run->seen, "<%u:%" G_GUINT64_FORMAT " ",
          c.index, c.event_pts / T);
    else if (imm_event_parse_clip_end (ev, &c))
      g_string_append_printf (run->seen, ">%u:%" G_GUINT64_FORMAT "-%"
          G_GUINT64_FORMAT " ", c.index, c.first_pts / T, c.last_pts / T);
  }
  return GST_PAD_PROBE_OK;
}

static GstBusSyncReply
on_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  Run *run = user_data;
  const GstStructure *s = gst_message_get_structure (msg);
  guint index, events;
  guint64 first_pts, rt;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
      && gst_structure_has_name (s, "immhighlight")) {
    fail_unless (gst_structure_get_uint (s, "index", &index));
    fail_unless (gst_structure_get_uint64 (s, "first-pts", &first_pts));
    fail_unless (gst_structure_get_uint64 (s, "running-time", &rt));
    fail_unless_equals_uint64 (rt, first_pts + run->base);
    if (strcmp (gst_structure_get_string (s, "phase"), "start") == 0) {
      g_string_append_printf (run->messages, "s%u ", index);
    } else {
      fail_unless (gst_structure_get_uint (s, "events", &events));
      g_string_append_printf (run->messages, "e%u/%u ", index, events);
    }
  }
  return GST_BUS_PASS;
}

/* The element itself (not in a bin), with "name=value ..." set. */
static GstHarness *
new_highlight (const gchar * props)
{
  GstHarness *h = gst_harness_new ("immhighlight");
  gchar **kv = g_strsplit (props, " ", -1);
  gint i;

  for (i = 0; kv[i] != NULL; i++) {
    gchar **p = g_strsplit (kv[i], "=", 2);

    if (p[0] != NULL && p[1] != NULL)
      gst_util_set_object_arg (G_OBJECT (h->element), p[0], p[1]);
    g_strfreev (p);
  }
  g_strfreev (kv);
  return h;
}

static void
run_start (Run * run, const gchar * props)
{
  GstBus *bus = gst_bus_new ();
  GstPad *src;

  run->h = new_highlight (props);
  run->seen = g_string_new (NULL);
  run->messages = g_string_new (NULL);
  run->base = 0;
  gst_element_set_bus (run->h->element, bus);
  gst_bus_set_sync_handler (bus, on_message, run, NULL);
  gst_object_unref (bus);
  src = gst_element_get_static_pad (run->h->element, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record, run, NULL);
  gst_object_unref (src);
  gst_harness_set_src_caps_str (run->h, "video/x-raw,format=GRAY8,width=72,"
      "height=64,framerate=10/1");
}

/* Pushes frames [from, to] of one scene. */
static void
push_scene (Run * run, guint scene, guint from, guint to)
{
  guint i;

  for (i = from; i <= to; i++)
    fail_unless_equals_int (gst_harness_push (run->h, scene_frame (scene, i)),
        GST_FLOW_OK);
}

/* "a..b" -> "a a+1 ... b" */
static gchar *
expand (const gchar * pattern)
{
  GString *s = g_string_new (NULL);
  gchar **tok = g_strsplit (pattern, " ", -1);
  gint i;

  for (i = 0; tok[i] != NULL; i++) {
    gchar *dots = strstr (tok[i], "..");

    if (tok[i][0] == '\0')
      continue;
    if (dots != NULL) {
      gint a = atoi (tok[i]), b = atoi (dots + 2), k;

      for (k = a; k <= b; k++)
        g_string_append_printf (s, "%d ", k);
    } else {
      g_string_append_printf (s, "%s ", tok[i]);
    }
  }
  g_strfreev (tok);
  return g_string_free (s, FALSE);
}

static void
run_check (Run * run, const gchar * expect, const gchar * messages)
{
  gchar *want = expand (expect);

  fail_unless (strcmp (run->seen->str, want) == 0, "\n got  %s\n want %s",
      run->seen->str, want);
  if (messages != NULL)
    fail_unless (strcmp (run->messages->str, messages) == 0,
        "messages: got %s, want %s", run->messages->str, messages);
  g_free (want);
}

static void
run_end (Run * run)
{
  gst_harness_teardown (run->h);
  g_string_free (run->seen, TRUE);
  g_string_free (run->messages, TRUE);
}

/* A cut on a sample: the event is that frame, the clip one second either
 * side of it, to the frame. */
GST_START_TEST (test_one_clip_per_switch)
{
  Run run;

  run_start (&run, "threshold=20 interval=0.5 pre-roll=1 post-roll=1");
  push_scene (&run, 0, 0, 29);
  push_scene (&run, 1, 30, 69);
  push_scene (&run, 2, 70, 99);
  run_check (&run, "<1:30 20..40 >1:20-40 <2:70 60..80 >2:60-80",
      "s1 e1/1 s2 e2/1 ");
  /* nothing else is pushed: frames outside clips are dropped */
  fail_unless_equals_int (gst_harness_buffers_received (run.h), 42);
  run_end (&run);
}

GST_END_TEST;

/* A cut between samples is found at the next sample, within one interval,
 * and placed back on its frame: the clip counts from the cut. */
GST_START_TEST (test_switch_between_samples)
{
  Run run;

  run_start (&run, "threshold=20 interval=0.5 pre-roll=1 post-roll=1");
  push_scene (&run, 0, 0, 32);
  push_scene (&run, 1, 33, 70);
  run_check (&run, "<1:33 23..43 >1:23-43", NULL);
  run_end (&run);
}

GST_END_TEST;

/* A clip ends with its last frame: the next frame is due past its end
 * (the frames' duration, or their spacing), so the end event goes out
 * right after it rather than when the next frame comes. Frames without a
 * duration, 0.1 s apart, then with duration 0.1 s but 0.2 s apart. */
GST_START_TEST (test_clip_ends_with_last_frame)
{
  Run run;
  guint i;

  run_start (&run, "threshold=20 interval=0.5 pre-roll=1 post-roll=1");
  for (i = 0; i <= 40; i++) {
    GstBuffer *buf = scene_frame (i < 30 ? 0 : 1, i);

    GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
    fail_unless_equals_int (gst_harness_push (run.h, buf), GST_FLOW_OK);
  }
  run_check (&run, "<1:30 20..40 >1:20-40", "s1 e1/1 ");
  for (i = 42; i <= 80; i += 2)
    fail_unless_equals_int (gst_harness_push (run.h,
            scene_frame (i < 70 ? 1 : 2, i)), GST_FLOW_OK);
  /* the cut at 7 s: the clip 6 to 8 s, ended with the frame at 8 s */
  run_check (&run, "<1:30 20..40 >1:20-40 <2:70 60 62 64 66 68 70 72 74 76 "
      "78 80 >2:60-80", "s1 e1/1 s2 e2/1 ");
  run_end (&run);
}

GST_END_TEST;

/* Cuts 1 s apart: the second extends the clip the first opened. */
GST_START_TEST (test_close_events_merge)
{
  Run run;

  run_start (&run, "threshold=20 interval=0.5 pre-roll=1 post-roll=1");
  push_scene (&run, 0, 0, 29);
  push_scene (&run, 1, 30, 39);
  push_scene (&run, 2, 40, 79);
  run_check (&run, "<1:30 20..50 >1:20-50", "s1 e1/2 ");
  run_end (&run);
}

GST_END_TEST;

/* The start of a stream and a still scene give no event. */
GST_START_TEST (test_still_scene_no_event)
{
  Run run;

  run_start (&run, "threshold=0 interval=0.5");
  push_scene (&run, 3, 0, 99);
  gst_harness_push_event (run.h, gst_event_new_eos ());
  run_check (&run, "", "");
  run_end (&run);
}

GST_END_TEST;

/* The application's trigger: at the last frame, and at a given pts. */
GST_START_TEST (test_trigger)
{
  Run run;

  run_start (&run, "pre-roll=1 post-roll=0.5");
  push_scene (&run, 0, 0, 20);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 21, 40);
  g_signal_emit_by_name (run.h->element, "trigger", (guint64) 45 * T);
  push_scene (&run, 0, 41, 60);
  run_check (&run, "<1:20 10..25 >1:10-25 <2:45 35..50 >2:35-50",
      "s1 e1/1 s2 e2/1 ");
  run_end (&run);
}

GST_END_TEST;

/* Clips never overlap: an event whose pre-roll reaches into the last clip
 * starts its clip after that clip's last frame. */
GST_START_TEST (test_no_overlap)
{
  Run run;

  run_start (&run, "pre-roll=1 post-roll=0.5");
  push_scene (&run, 0, 0, 10);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 11, 20);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 21, 30);
  run_check (&run, "<1:10 0..15 >1:0-15 <2:20 16..25 >2:16-25",
      "s1 e1/1 s2 e2/1 ");
  run_end (&run);
}

GST_END_TEST;

/* min-gap: a trigger soon after a clip's end reopens it (its frames were
 * held); a later one after the held frames were dropped is a repeat. */
GST_START_TEST (test_min_gap)
{
  Run run;

  run_start (&run, "pre-roll=1 post-roll=0.5 min-gap=1");
  push_scene (&run, 0, 0, 10);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 11, 22);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 23, 80);
  run_check (&run, "<1:10 0..27 >1:0-27", "s1 e1/2 ");
  run_end (&run);

  run_start (&run, "pre-roll=0.3 post-roll=0.5 min-gap=1");
  push_scene (&run, 0, 0, 10);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 11, 22);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 23, 26);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 27, 40);
  run_check (&run, "<1:10 7..15 >1:7-15 <2:26 23..31 >2:23-31",
      "s1 e1/1 s2 e2/1 ");
  run_end (&run);
}

GST_END_TEST;

static void
push_mark (Run * run, guint index, guint i)
{
  ImmSnapshotMark mark = { index, i * T, "dhash", 30, 0 };

  fail_unless (gst_harness_push_event (run->h,
          imm_event_new_snapshot_mark (&mark)));
}

/* immsnapshot's marks drive clips; they are not passed on. */
GST_START_TEST (test_marks)
{
  Run run;

  run_start (&run, "pre-roll=0.5 post-roll=0.5");
  push_scene (&run, 0, 0, 20);
  push_mark (&run, 1, 20);
  push_scene (&run, 0, 21, 23);
  push_mark (&run, 2, 23);
  push_scene (&run, 0, 24, 60);
  push_mark (&run, 3, 60);
  push_scene (&run, 0, 61, 70);
  run_check (&run, "<1:20 15..28 >1:15-28 <2:60 55..65 >2:55-65",
      "s1 e1/2 s2 e2/1 ");
  /* the marks stop here, only clip events went on */
  {
    GstEvent *ev;
    gint marks = 0;

    while ((ev = gst_harness_try_pull_event (run.h)) != NULL) {
      const GstStructure *s = gst_event_get_structure (ev);

      marks += s != NULL && gst_structure_has_name (s, "immsnapshot-mark");
      gst_event_unref (ev);
    }
    fail_unless_equals_int (marks, 0);
  }
  run_end (&run);
}

GST_END_TEST;

/* max-bytes bounds the ring: 5 frames of 72x64 fit, so the pre-roll of
 * 10 s holds 5 frames only. */
GST_START_TEST (test_max_bytes)
{
  Run run;
  gchar *props = g_strdup_printf ("pre-roll=10 post-roll=1 max-bytes=%d",
      5 * W * H);

  run_start (&run, props);
  push_scene (&run, 0, 0, 40);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 41, 60);
  run_check (&run, "<1:40 36..50 >1:36-50", NULL);
  run_end (&run);
  g_free (props);
}

GST_END_TEST;

/* EOS ends a running clip at its last frame, before the EOS. */
GST_START_TEST (test_eos_ends_clip)
{
  Run run;
  GstEvent *ev;
  gboolean end_seen = FALSE;

  run_start (&run, "pre-roll=0.2 post-roll=10");
  push_scene (&run, 0, 0, 10);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 11, 15);
  fail_unless (gst_harness_push_event (run.h, gst_event_new_eos ()));
  run_check (&run, "<1:10 8..15 >1:8-15", "s1 e1/1 ");
  while ((ev = gst_harness_try_pull_event (run.h)) != NULL) {
    ImmClipBounds c;

    if (imm_event_parse_clip_end (ev, &c))
      end_seen = TRUE;
    if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS)
      fail_unless (end_seen, "EOS before the clip's end");
    gst_event_unref (ev);
  }
  fail_unless (end_seen);
  run_end (&run);
}

GST_END_TEST;

/* A new segment ends a running clip before it, and the ring starts
 * afresh: pts may begin again from 0 (concat). */
GST_START_TEST (test_new_segment_ends_clip)
{
  Run run;
  GstSegment seg;

  run_start (&run, "pre-roll=0.5 post-roll=10");
  push_scene (&run, 0, 0, 10);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 11, 12);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.base = 13 * T;
  fail_unless (gst_harness_push_event (run.h, gst_event_new_segment (&seg)));
  run.base = seg.base;
  push_scene (&run, 0, 0, 10);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 11, 12);
  run_check (&run, "<1:10 5..12 >1:5-12 <2:10 5..12", "s1 e1/1 s2 ");
  run_end (&run);
}

GST_END_TEST;

/* Frames from a pool that can run dry (a decoder's) are copied into the
 * ring: the pool of 3 buffers serves 30 frames with 2 s of pre-roll held,
 * and the clip's frames still carry their content. */
GST_START_TEST (test_bounded_pool_not_starved)
{
  GstBufferPool *pool = gst_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  Run run;
  guint i;

  gst_buffer_pool_config_set_params (config, NULL, W * H, 0, 3);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));

  run_start (&run, "pre-roll=2 post-roll=0.2");
  for (i = 0; i < 30; i++) {
    GstBufferPoolAcquireParams params = { 0, };
    GstBuffer *buf = NULL, *content = scene_frame (i % 2, i);
    GstMapInfo map;

    params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
    fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf,
            &params), GST_FLOW_OK);
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    gst_buffer_extract (content, 0, map.data, W * H);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = GST_BUFFER_PTS (content);
    GST_BUFFER_DURATION (buf) = T;
    gst_buffer_unref (content);
    fail_unless_equals_int (gst_harness_push (run.h, buf), GST_FLOW_OK);
  }
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  fail_unless (gst_harness_push_event (run.h, gst_event_new_eos ()));
  run_check (&run, "<1:29 9..29 >1:9-29", NULL);
  /* the copies are whole: frame 9 is scene 1, frame 10 scene 0 */
  for (i = 9; i <= 10; i++) {
    GstBuffer *out = gst_harness_pull (run.h), *want = scene_frame (i % 2, i);

    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * T);
    {
      GstMapInfo a;

      gst_buffer_map (want, &a, GST_MAP_READ);
      fail_unless (gst_buffer_memcmp (out, 0, a.data, a.size) == 0);
      gst_buffer_unmap (want, &a);
    }
    gst_buffer_unref (out);
    gst_buffer_unref (want);
  }
  run_end (&run);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
}

GST_END_TEST;

/* Downstream's QoS about late clip frames does not reach upstream. */
GST_START_TEST (test_qos_stops_here)
{
  Run run;
  guint before;

  run_start (&run, "pre-roll=1 post-roll=1");
  push_scene (&run, 0, 0, 5);
  before = gst_harness_upstream_events_received (run.h);
  fail_unless (gst_harness_push_upstream_event (run.h,
          gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 0.5, GST_SECOND, 0)));
  fail_unless_equals_int (gst_harness_upstream_events_received (run.h), before);
  /* other upstream events go through */
  fail_unless (gst_harness_push_upstream_event (run.h,
          gst_event_new_reconfigure ()));
  fail_unless_equals_int (gst_harness_upstream_events_received (run.h),
      before + 1);
  run_end (&run);
}

GST_END_TEST;

/* A property changed while running applies from the next frame. */
GST_START_TEST (test_property_while_running)
{
  Run run;

  run_start (&run, "pre-roll=1 post-roll=1");
  push_scene (&run, 0, 0, 20);
  g_object_set (run.h->element, "pre-roll", 0.3, "post-roll", 0.2, NULL);
  push_scene (&run, 0, 21, 22);
  g_signal_emit_by_name (run.h->element, "trigger", GST_CLOCK_TIME_NONE);
  push_scene (&run, 0, 23, 40);
  run_check (&run, "<1:22 19..24 >1:19-24", NULL);
  run_end (&run);
}

GST_END_TEST;

/* Runs a pipeline to its end; returns how many element messages of the
 * given name it posted. */
static gint
count_messages (const gchar * desc, const gchar * name)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus;
  GstMessage *msg;
  gint n = 0;

  fail_unless (pipe != NULL, "%s", desc);
  bus = gst_element_get_bus (pipe);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    const GstStructure *s = gst_message_get_structure (msg);

    fail_if (type == GST_MESSAGE_ERROR, "error in %s", desc);
    if (type == GST_MESSAGE_ELEMENT && gst_structure_has_name (s, name))
      n++;
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  fail_unless (msg != NULL, "no EOS within 60 s: %s", desc);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return n;
}

/* The detector's choice, measured against immsnapshot's dhash mode (each
 * sample compared with the one before) on the same 30 s at 10 fps:
 * videotestsrc's "colors" pattern (smooth colour ramps, 20 px apart)
 * drifting sideways, and snow. Sample to sample, most samples are false
 * events; immhighlight finds none. */
GST_START_TEST (test_drifting_pattern_no_false_events)
{
  const gchar *sources[] = {
    "pattern=colors horizontal-speed=1",
    "pattern=colors horizontal-speed=2",
    "pattern=colors horizontal-speed=5",
    "pattern=snow",
    "pattern=ball",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sources); i++) {
    const gchar *caps = "video/x-raw,format=I420,width=320,height=240,"
        "framerate=10/1";
    gchar *plain = g_strdup_printf ("videotestsrc %s num-buffers=300 ! %s ! "
        "immsnapshot mode=dhash threshold=20 interval=0.5 seek=false "
        "post-messages=true ! fakesink", sources[i], caps);
    gchar *ours = g_strdup_printf ("videotestsrc %s num-buffers=300 ! %s ! "
        "immhighlight threshold=20 interval=0.5 ! fakesink", sources[i], caps);
    /* immsnapshot always takes the first sample: not a change */
    gint plain_events = count_messages (plain, "immsnapshot") - 1;
    gint clips = count_messages (ours, "immhighlight");

    GST_INFO ("%s: sample to sample %d false events in 59, immhighlight %d "
        "clip messages", sources[i], plain_events, clips);
    if (i < 4)
      fail_unless (plain_events >= 30, "%s: only %d events sample to sample",
          sources[i], plain_events);
    fail_unless_equals_int (clips, 0);
    g_free (plain);
    g_free (ours);
  }
}

GST_END_TEST;

/* Runs a pipeline to its end; returns the times (in tenths of a second)
 * of its element messages: immsnapshot's `pts`, immhighlight's
 * `event-pts` of each clip start. */
static gchar *
message_times (const gchar * desc)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GString *out = g_string_new (NULL);
  GstBus *bus;
  GstMessage *msg;

  fail_unless (pipe != NULL, "%s", desc);
  bus = gst_element_get_bus (pipe);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    const GstStructure *s = gst_message_get_structure (msg);
    guint64 t;

    fail_if (type == GST_MESSAGE_ERROR, "error in %s", desc);
    if (type == GST_MESSAGE_ELEMENT && gst_structure_has_name (s,
            "immsnapshot") && gst_structure_get_uint64 (s, "pts", &t))
      g_string_append_printf (out, "%" G_GUINT64_FORMAT " ", t / T);
    if (type == GST_MESSAGE_ELEMENT && gst_structure_has_name (s,
            "immhighlight")
        && g_strcmp0 (gst_structure_get_string (s, "phase"), "start") == 0
        && gst_structure_get_uint64 (s, "event-pts", &t))
      g_string_append_printf (out, "%" G_GUINT64_FORMAT " ", t / T);
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  fail_unless (msg != NULL, "no EOS within 60 s: %s", desc);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return g_string_free (out, FALSE);
}

/* Smooth gradients turning (ffmpeg's lavfi "gradients") flip dHash bits
 * wholesale when their direction passes the vertical, while the picture
 * barely changes; real cuts change the picture. 45 s at 10 fps, made by
 * ffmpeg: gradients (speed 0.05), testsrc2, gradients (0.1, other
 * colours), smptebars, mandelbrot, gradients (0.02); cuts at 10.3, 15.3,
 * 25.3, 30.3 and 35.3 s, between samples (every 0.5 s). The cuts at 30.3
 * and 35.3 s change about 30 bits, that at 15.3 s 17, that at 25.3 s 10.
 * Sample to sample (immsnapshot's dhash) the gradients gave 5 or 6 false
 * events at threshold 20 in 6 runs, and 3 in one of 9 runs under load
 * (the fixture differs from run to run, see check_cuts; the likely
 * failure of one CI run, whose log was cut): the test asks for 2;
 * immhighlight none (before it compared thumbnails too: 5), and the cuts
 * it finds are placed on their frames. */
/* The cuts of the gradients fixture, in tenths of a second: one sample
 * after each, where immsnapshot finds them. */
static gboolean
is_cut (guint64 t)
{
  static const guint64 cuts[] = { 103, 153, 253, 303, 353 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cuts); i++)
    if (t == cuts[i] || t == cuts[i] + 2)
      return TRUE;
  return FALSE;
}

/* @got, times in tenths: every one of @required is there, and at least
 * @min_false times are no cut (not counting a first sample at 0). The
 * cut at 10.3 s changes 16 to 21 bits (ffmpeg's gradients differ from run
 * to run), so it is neither required nor false. */
static void
check_cuts (const gchar * got, const gchar * required, guint min_false)
{
  gchar **times = g_strsplit (got, " ", -1), **req =
      g_strsplit (required, " ", -1);
  gchar *padded = g_strdup_printf (" %s", got);
  guint i, n_false = 0;

  for (i = 0; times[i] != NULL; i++) {
    guint64 t = g_ascii_strtoull (times[i], NULL, 10);

    if (times[i][0] != '\0' && t != 0 && !is_cut (t))
      n_false++;
  }
  for (i = 0; req[i] != NULL; i++) {
    gchar *needle = g_strdup_printf (" %s ", req[i]);

    fail_unless (strstr (padded, needle) != NULL, "%s missing in %s", req[i],
        got);
    g_free (needle);
  }
  if (min_false == 0)
    fail_unless (n_false == 0, "%u false events in %s", n_false, got);
  else
    fail_unless (n_false >= min_false, "only %u false events in %s", n_false,
        got);
  g_free (padded);
  g_strfreev (times);
  g_strfreev (req);
}

#define GRADIENTS_SRC "filesrc location=%s ! decodebin ! videoconvert ! " \
  "video/x-raw,format=I420 ! %s ! fakesink"

/* @element on the gradients fixture @path: check_cuts() on its events. */
static void
cuts_on_gradients (const gchar * path, const gchar * element,
    const gchar * required, guint min_false)
{
  gchar *desc = g_strdup_printf (GRADIENTS_SRC, path, element);
  gchar *got = message_times (desc);

  GST_INFO ("%s: %s", element, got);
  check_cuts (got, required, min_false);
  g_free (got);
  g_free (desc);
}

GST_START_TEST (test_turning_gradients_and_cuts)
{
  gchar *dir = g_dir_make_tmp ("immhighlight-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "gradients.mkv", NULL);
  gchar *cmd = g_strdup_printf ("ffmpeg -v error -y "
      "-f lavfi -i gradients=s=320x240:r=10:speed=0.05:d=10.3:seed=1 "
      "-f lavfi -i testsrc2=s=320x240:r=10:d=5 "
      "-f lavfi -i gradients=s=320x240:r=10:speed=0.1:d=10:seed=7:"
      "c0=0x203080:c1=0xe0c040 "
      "-f lavfi -i smptebars=s=320x240:r=10:d=5 "
      "-f lavfi -i mandelbrot=s=320x240:r=10,trim=duration=5 "
      "-f lavfi -i gradients=s=320x240:r=10:speed=0.02:d=9.7:seed=3 "
      "-filter_complex '[0][1][2][3][4][5]concat=n=6:v=1,format=yuv420p' "
      "-c:v libx264 -bf 0 -g 50 -f matroska '%s'", path);
  gchar *argv[] = { (gchar *) "/bin/sh", (gchar *) "-c", cmd, NULL };
  gchar *err = NULL;
  gint status = 0;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
          NULL, NULL, NULL, &err, &status, NULL));
  if (!g_spawn_check_wait_status (status, NULL)) {
    GST_WARNING ("ffmpeg could not make the fixture, not tested: %s", err);
    goto done;
  }

  cuts_on_gradients (path, "immhighlight threshold=20 interval=0.5 "
      "pre-roll=0 post-roll=0", "303 353", 0);
  cuts_on_gradients (path, "immhighlight threshold=10 interval=0.5 "
      "pre-roll=0 post-roll=0", "153 303 353", 0);
  /* sample to sample: the first sample, false events, the cuts (at the
   * sample after each) */
  cuts_on_gradients (path, "immsnapshot mode=dhash threshold=20 "
      "interval=0.5 seek=false", "305 355", 2);

done:
  g_unlink (path);
  g_rmdir (dir);
  g_free (err);
  g_free (cmd);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* A trigger every 4 s of stream time, at 2 s, 6 s, ... */
static GstPadProbeReturn
trigger_every_4s (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf);

  if (pts % (4 * GST_SECOND) == 2 * GST_SECOND)
    g_signal_emit_by_name (user_data, "trigger", (guint64) pts);
  return GST_PAD_PROBE_OK;
}

/* A long run, as fast as it goes: 10 minutes of stream time at 10 fps, a
 * trigger every 4 s (150 clips of 3 s: pre-roll 1, post-roll 2), through
 * immanimenc writing one file per clip (GIF, then WebP) with
 * multifilesink: 150 clips with exact bounds, 150 files, and the resident
 * memory after the last within 10 % of that after the 75th. GIF is flat
 * from the first clip; WebP's RSS rises by steps of about 1.2 MB (the
 * encoder's threads and glibc's arenas; with MALLOC_ARENA_MAX=1 too) to a
 * plateau that some runs reached only after clip 30: from clip 30, 5 runs
 * grew 0 to 7.7 %, from clip 75, 6 runs 0 to 1.1 %. */
GST_START_TEST (test_long_run_file_per_clip)
{
  const gchar *format = __i__ == 0 ? "gif" : "webp";
  gchar *dir = g_dir_make_tmp ("immhighlight-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=6000 "
      "pattern=ball ! video/x-raw,width=160,height=90,framerate=10/1 ! "
      "immhighlight name=hl pre-roll=1 post-roll=2 ! videoconvert ! "
      "immanimenc format=%s ! multifilesink location=%s/clip-%%05d.%s "
      "next-file=buffer post-messages=true", format, dir, format);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *hl = gst_bin_get_by_name (GST_BIN (pipe), "hl");
  GstPad *pad = gst_element_get_static_pad (hl, "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  guint64 rss_early = 0, rss_late = 0;
  guint files = 0, clips = 0, i;
  GstMessage *msg;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, trigger_every_4s, hl,
      NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    fail_if (type == GST_MESSAGE_ERROR, "error in %s", desc);
    if (type == GST_MESSAGE_ELEMENT
        && gst_message_has_name (msg, "immhighlight")) {
      const GstStructure *st = gst_message_get_structure (msg);
      guint64 event, first_pts, last = 0;

      fail_unless (gst_structure_get_uint64 (st, "event-pts", &event));
      fail_unless (gst_structure_get_uint64 (st, "first-pts", &first_pts));
      /* pre-roll and post-roll to the frame; the last clip ends with the
       * stream, at 599.9 s */
      if (gst_structure_get_uint64 (st, "last-pts", &last)) {
        fail_unless_equals_uint64 (first_pts, event - GST_SECOND);
        fail_unless_equals_uint64 (last, MIN (event + 2 * GST_SECOND,
                5999 * (GST_SECOND / 10)));
        clips++;
      }
    }
    if (type == GST_MESSAGE_ELEMENT
        && gst_message_has_name (msg, "GstMultiFileSink")) {
      files++;
      if (files == 75)
        rss_early = rss_bytes ();
      else if (files == 150)
        rss_late = rss_bytes ();
    }
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  fail_unless (msg != NULL, "no EOS within 60 s");
  gst_element_set_state (pipe, GST_STATE_NULL);
  fail_unless_equals_int (clips, 150);
  fail_unless_equals_int (files, 150);
  for (i = 0; i < 150; i++) {
    gchar *path = g_strdup_printf ("%s/clip-%05u.%s", dir, i, format);
    gchar *data = NULL;
    gsize len = 0;

    fail_unless (g_file_get_contents (path, &data, &len, NULL), "%s", path);
    if (__i__ == 0)
      fail_unless (len > 6 && memcmp (data, "GIF89a", 6) == 0, "%s", path);
    else
      fail_unless (len > 12 && memcmp (data, "RIFF", 4) == 0
          && memcmp (data + 8, "WEBP", 4) == 0, "%s", path);
    g_unlink (path);
    g_free (path);
    g_free (data);
  }
  GST_INFO ("%s: RSS %" G_GUINT64_FORMAT " kB after 75 clips, %"
      G_GUINT64_FORMAT " kB after 150", format, rss_early / 1024,
      rss_late / 1024);
  fail_unless (rss_early > 0 && rss_late > 0);
  /* AddressSanitizer's quarantine grows RSS whatever is freed */
  if (!RUNNING_UNDER_ASAN)
    fail_unless (rss_late <= rss_early + rss_early / 10,
        "%s: RSS grew from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
        " kB", format, rss_early / 1024, rss_late / 1024);
  g_rmdir (dir);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (hl);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

/* Live: videotestsrc switches pattern at known frames, through a real
 * encoder and decoder; one clip per switch, its event at the first sample
 * after the switch, its frames pre-roll and post-roll around it to the
 * frame. */
typedef struct
{
  guint frames;
  const gchar *const *patterns;
  guint n_switches;
  guint switch_every;
  GstClockTime switch_pts[4];
  /* g_get_monotonic_time () when each switch's first frame was made */
  gint64 switch_wall[4];
  GstElement *src;
} LiveSwitch;

static GstPadProbeReturn
switch_pattern (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  LiveSwitch *ls = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  guint k = ls->frames / ls->switch_every;

  /* the pattern set now draws the next frame */
  if (ls->frames % ls->switch_every == 0 && k >= 1 && k <= ls->n_switches) {
    ls->switch_pts[k - 1] = GST_BUFFER_PTS (buf);
    ls->switch_wall[k - 1] = g_get_monotonic_time ();
  }
  ls->frames++;
  if (ls->frames % ls->switch_every == 0 && ls->frames / ls->switch_every
      <= ls->n_switches)
    gst_util_set_object_arg (G_OBJECT (ls->src), "pattern",
        ls->patterns[ls->frames / ls->switch_every]);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_live_one_clip_per_switch)
{
  const gchar *const patterns[] = { "smpte", "ball", "pinwheel" };
  const GstClockTime frame = GST_SECOND / 10, pre = GST_SECOND / 2,
      interval = GST_SECOND / 5;
  LiveSwitch ls = { 0, patterns, 2, 20, {0}, {0}, NULL };
  GstElement *pipe;
  GstBus *bus;
  GstMessage *msg;
  GstPad *pad;
  guint clips = 0;

  pipe = gst_parse_launch ("videotestsrc name=src is-live=true "
      "num-buffers=60 pattern=smpte ! video/x-raw,width=320,height=240,"
      "framerate=10/1 ! x264enc tune=zerolatency ! h264parse ! avdec_h264 ! "
      "immhighlight threshold=20 interval=0.2 pre-roll=0.5 post-roll=0.5 ! "
      "fakesink", NULL);
  ls.src = pipe ? gst_bin_get_by_name (GST_BIN (pipe), "src") : NULL;
  if (ls.src == NULL) {
    GST_WARNING ("x264enc or avdec_h264 missing: not tested");
    return;
  }
  gst_object_unref (ls.src);
  pad = gst_element_get_static_pad (ls.src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, switch_pattern, &ls, NULL);
  gst_object_unref (pad);

  bus = gst_element_get_bus (pipe);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    const GstStructure *s = gst_message_get_structure (msg);

    fail_if (type == GST_MESSAGE_ERROR, "error while live");
    if (type == GST_MESSAGE_ELEMENT && gst_structure_has_name (s,
            "immhighlight") && strcmp (gst_structure_get_string (s, "phase"),
            "end") == 0) {
      guint64 ev, ev_rt, first, last;
      gdouble wait;
      GstClockTime sw;

      fail_unless (clips < ls.n_switches, "more clips than switches");
      sw = ls.switch_pts[clips];
      fail_unless (gst_structure_get_uint64 (s, "event-pts", &ev));
      fail_unless (gst_structure_get_uint64 (s, "event-running-time", &ev_rt));
      fail_unless (gst_structure_get_uint64 (s, "first-pts", &first));
      fail_unless (gst_structure_get_uint64 (s, "last-pts", &last));
      /* from the switch to the clip's end on the bus: post-roll and a
       * frame (0.6 s measured); generous under load, yet far below a clip
       * held back to the end of the stream */
      wait = (g_get_monotonic_time () - ls.switch_wall[clips]) / 1e6;
      GST_INFO ("switch to clip end: %.2f s (post-roll 0.5 s)", wait);
      fail_unless (wait < 2.0, "clip %u ended %.2f s after its switch",
          clips + 1, wait);
      GST_INFO ("switch at %" GST_TIME_FORMAT ": event %" GST_TIME_FORMAT
          " (pts %" GST_TIME_FORMAT "), clip %" GST_TIME_FORMAT " - %"
          GST_TIME_FORMAT, GST_TIME_ARGS (sw), GST_TIME_ARGS (ev_rt),
          GST_TIME_ARGS (ev), GST_TIME_ARGS (first), GST_TIME_ARGS (last));
      /* found at the first sample on or after the switch; the source
       * stamps frames with the clock, the decoder's come out on the frame
       * grid: half a frame either way, in running time (the encoder moves
       * pts by 1000 hours) */
      fail_unless (ev_rt + frame / 2 >= sw && ev_rt < sw + interval + frame
          / 2, "event at %" GST_TIME_FORMAT " for a switch at %"
          GST_TIME_FORMAT, GST_TIME_ARGS (ev_rt), GST_TIME_ARGS (sw));
      /* pre-roll and post-roll to the frame */
      fail_unless (first + pre >= ev && first + pre < ev + frame);
      fail_unless (last <= ev + pre && last + frame > ev + pre);
      clips++;
    }
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  fail_unless (msg != NULL, "no EOS within 30 s");
  fail_unless_equals_int (clips, ls.n_switches);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* The application triggers from its own thread while a live source runs:
 * one clip around the frame that was last when it asked. */
GST_START_TEST (test_live_trigger)
{
  GstElement *pipe, *hl;
  GstBus *bus;
  GstMessage *msg;
  guint64 ev = 0, first_pts = 0, last = 0;
  guint ends = 0;

  pipe = gst_parse_launch ("videotestsrc is-live=true ! video/x-raw,"
      "width=64,height=48,framerate=10/1 ! immhighlight name=hl pre-roll=0.5 "
      "post-roll=0.5 ! fakesink", NULL);
  fail_unless (pipe != NULL);
  hl = gst_bin_get_by_name (GST_BIN (pipe), "hl");
  bus = gst_element_get_bus (pipe);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* about a second of frames, then the button */
  msg = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg == NULL, "error while live");
  g_signal_emit_by_name (hl, "trigger", GST_CLOCK_TIME_NONE);
  while ((msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
              GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR, "error while live");
    if (gst_structure_has_name (s, "immhighlight")
        && strcmp (gst_structure_get_string (s, "phase"), "end") == 0) {
      fail_unless (gst_structure_get_uint64 (s, "event-pts", &ev));
      fail_unless (gst_structure_get_uint64 (s, "first-pts", &first_pts));
      fail_unless (gst_structure_get_uint64 (s, "last-pts", &last));
      ends++;
      gst_message_unref (msg);
      break;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (ends, 1);
  /* the event is a frame of the stream's first seconds; the clip reaches
   * half a second either side of it, to the frame */
  fail_unless (ev >= GST_SECOND / 2 && ev < 5 * GST_SECOND,
      "event at %" GST_TIME_FORMAT, GST_TIME_ARGS (ev));
  fail_unless (first_pts + GST_SECOND / 2 >= ev
      && first_pts + GST_SECOND / 2 < ev + T);
  fail_unless (last <= ev + GST_SECOND / 2 && last + T > ev + GST_SECOND / 2);
  /* and nothing more without another trigger */
  msg = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_ELEMENT);
  fail_unless (msg == NULL);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (hl);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Change detection switched on while running: from the next frame, with a
 * fresh reference. */
GST_START_TEST (test_threshold_while_running)
{
  Run run;

  run_start (&run, "interval=0.5 pre-roll=0.5 post-roll=0.5");
  push_scene (&run, 0, 0, 19);
  push_scene (&run, 1, 20, 29);
  g_object_set (run.h->element, "threshold", 20, NULL);
  push_scene (&run, 1, 30, 39);
  push_scene (&run, 2, 40, 60);
  run_check (&run, "<1:40 35..45 >1:35-45", NULL);
  run_end (&run);
}

GST_END_TEST;

static Suite *
immhighlight_suite (void)
{
  Suite *s = suite_create ("immhighlight");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_one_clip_per_switch);
  tcase_add_test (tc, test_switch_between_samples);
  tcase_add_test (tc, test_clip_ends_with_last_frame);
  tcase_add_test (tc, test_close_events_merge);
  tcase_add_test (tc, test_still_scene_no_event);
  tcase_add_test (tc, test_trigger);
  tcase_add_test (tc, test_no_overlap);
  tcase_add_test (tc, test_min_gap);
  tcase_add_test (tc, test_marks);
  tcase_add_test (tc, test_max_bytes);
  tcase_add_test (tc, test_eos_ends_clip);
  tcase_add_test (tc, test_new_segment_ends_clip);
  tcase_add_test (tc, test_bounded_pool_not_starved);
  tcase_add_test (tc, test_qos_stops_here);
  tcase_add_test (tc, test_property_while_running);
  tcase_add_test (tc, test_drifting_pattern_no_false_events);
  tcase_add_test (tc, test_turning_gradients_and_cuts);
  tcase_add_loop_test (tc, test_long_run_file_per_clip, 0, 2);
  tcase_add_test (tc, test_live_one_clip_per_switch);
  tcase_add_test (tc, test_live_trigger);
  tcase_add_test (tc, test_threshold_while_running);
  return s;
}

GST_CHECK_MAIN (immhighlight);
