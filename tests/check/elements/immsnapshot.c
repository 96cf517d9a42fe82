/* GstHarness tests of immsnapshot: exact frame choice on synthetic frames.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#define W 90
#define H 80
/* GRAY8 rows are padded to 4 bytes */
#define STRIDE 92
#define FPS 25
#define FRAME_DUR (GST_SECOND / FPS)
#define CAPS "video/x-raw,format=GRAY8,width=90,height=80,framerate=25/1"

/* A GRAY8 frame whose dHash is exactly @hash: 10x10 cells, each row of
 * cells stepping down by 10 where a bit is set (left brighter than right)
 * and up by 10 where it is not. */
static GstBuffer *
frame_with_hash (guint64 hash, guint i)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, STRIDE * H, NULL);
  GstMapInfo map;
  gint r, c, x, y;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (r = 0; r < 8; r++) {
    gint v[9];

    v[0] = 128;
    for (c = 0; c < 8; c++)
      v[c + 1] = v[c] + (((hash >> (r * 8 + c)) & 1) ? -10 : 10);
    for (y = r * 10; y < r * 10 + 10; y++)
      for (x = 0; x < W; x++)
        map.data[y * STRIDE + x] = v[x / 10];
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * FRAME_DUR;
  GST_BUFFER_DURATION (buf) = FRAME_DUR;
  return buf;
}

/* The same picture as frame_with_hash() in GRAY16_LE (rows of 180 bytes). */
static GstBuffer *
frame16_with_hash (guint64 hash, guint i)
{
  GstBuffer *src = frame_with_hash (hash, i);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, W * 2 * H, NULL);
  GstMapInfo in, out;
  gint x, y;

  fail_unless (gst_buffer_map (src, &in, GST_MAP_READ));
  fail_unless (gst_buffer_map (buf, &out, GST_MAP_WRITE));
  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      GST_WRITE_UINT16_LE (out.data + y * W * 2 + x * 2,
          in.data[y * STRIDE + x] << 8 | 0x55);
  gst_buffer_unmap (src, &in);
  gst_buffer_unmap (buf, &out);
  gst_buffer_copy_into (buf, src, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  gst_buffer_unref (src);
  return buf;
}

static GstHarness *
setup (const gchar * props, gboolean live, GstBus ** bus)
{
  gchar *desc = g_strdup_printf ("immsnapshot %s", props);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_live (h, live);
  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* Pushes frames 0 .. n-1 (hash of frame i: hashes[i / FPS] when given)
 * until a push does not return OK. Returns that frame's number (n when all
 * were accepted) and puts the final flow return in @last. */
static guint
push_frames (GstHarness * h, guint n, const guint64 * hashes,
    GstFlowReturn * last)
{
  guint i;

  *last = GST_FLOW_OK;
  for (i = 0; i < n; i++) {
    *last = gst_harness_push (h, frame_with_hash (hashes ? hashes[i / FPS] :
            0, i));
    if (*last != GST_FLOW_OK)
      return i;
  }
  return n;
}

/* Pulled timestamps in ms, comma-separated. */
static gchar *
pulled_ms (GstHarness * h)
{
  GString *s = g_string_new (NULL);
  GstBuffer *buf;

  while ((buf = gst_harness_try_pull (h))) {
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, s->len ? "," : "",
        GST_BUFFER_PTS (buf) / GST_MSECOND);
    gst_buffer_unref (buf);
  }
  return g_string_free (s, FALSE);
}

/* The immsnapshot messages on @bus as "index:pts_ms:distance" items. */
static gchar *
messages (GstBus * bus)
{
  GString *s = g_string_new (NULL);
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (m);
    guint index, distance = 0;
    guint64 pts, stream_time, running_time;

    if (gst_structure_has_name (st, "immsnapshot")) {
      fail_unless (gst_structure_get (st, "index", G_TYPE_UINT, &index,
              "pts", G_TYPE_UINT64, &pts, "stream-time", G_TYPE_UINT64,
              &stream_time, "running-time", G_TYPE_UINT64, &running_time,
              NULL));
      fail_unless (gst_structure_get_string (st, "mode") != NULL);
      gst_structure_get_uint (st, "distance", &distance);
      /* default segment: all three clocks agree */
      fail_unless_equals_uint64 (stream_time, pts);
      fail_unless_equals_uint64 (running_time, pts);
      g_string_append_printf (s, "%s%u:%" G_GUINT64_FORMAT ":%u",
          s->len ? "," : "", index, pts / GST_MSECOND, distance);
    }
    gst_message_unref (m);
  }
  return g_string_free (s, FALSE);
}

static gboolean
got_eos (GstHarness * h)
{
  GstEvent *ev;
  gboolean eos = FALSE;

  while ((ev = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS)
      eos = TRUE;
    gst_event_unref (ev);
  }
  return eos;
}

static void
teardown (GstHarness * h, GstBus * bus)
{
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

#define check_string(expr, expected) G_STMT_START { \
  gchar *_s = (expr); \
  fail_unless_equals_string (_s, expected); \
  g_free (_s); \
} G_STMT_END

GST_START_TEST (test_interval_ends_early)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=interval start-time=1 interval=2.5 number=3",
      FALSE, &bus);
  GstFlowReturn ret;

  /* the third frame (6 s = frame 150) is pushed, then EOS at once */
  fail_unless_equals_int (push_frames (h, 250, NULL, &ret), 150);
  fail_unless_equals_int (ret, GST_FLOW_EOS);
  /* 3.5 s falls between frames: the next one */
  check_string (pulled_ms (h), "1000,3520,6000");
  check_string (messages (bus), "1:1000:0,2:3520:0,3:6000:0");
  fail_unless (got_eos (h));
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_interval_between_frames)
{
  GstBus *bus;
  GstHarness *h = setup ("start-time=0.01 interval=0.13 duration=0.5",
      FALSE, &bus);
  GstFlowReturn ret;

  /* targets 10, 140, 270, 400 ms; the next one, 530 ms, is past the end of
   * the range (510 ms), so the 400 ms frame (frame 10) ends the stream */
  fail_unless_equals_int (push_frames (h, 25, NULL, &ret), 10);
  check_string (pulled_ms (h), "40,160,280,400");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_interval_unset_takes_one)
{
  GstBus *bus;
  GstHarness *h = setup ("start-time=5", FALSE, &bus);
  GstFlowReturn ret;

  fail_unless_equals_int (push_frames (h, 250, NULL, &ret), 125);
  check_string (pulled_ms (h), "5000");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_all_range)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=all start-time=0.2 number=3", FALSE, &bus);
  GstFlowReturn ret;

  fail_unless_equals_int (push_frames (h, 25, NULL, &ret), 7);
  check_string (pulled_ms (h), "200,240,280");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_keyframe_flags)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=keyframe start-time=0.5 duration=3", FALSE,
      &bus);
  GstFlowReturn ret = GST_FLOW_OK;
  guint i;

  /* raw input: the delta-unit flag says which frames are sync frames */
  for (i = 0; i < 250 && ret == GST_FLOW_OK; i++) {
    GstBuffer *buf = frame_with_hash (0, i);

    if (i % 30 != 0)
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
    ret = gst_harness_push (h, buf);
  }
  /* the range [0.5, 3.5) has keyframes at 1.2 and 2.4 s; 3.52 s ends it */
  fail_unless_equals_int (ret, GST_FLOW_EOS);
  fail_unless_equals_int (i - 1, 88);
  check_string (pulled_ms (h), "1200,2400");
  teardown (h, bus);
}

GST_END_TEST;

/* Hashes of the 1-second segments and the distances between them:
 * s0 = 0; s1: 20; s2: 0; s3: 30; s4: 20; s5: 0; s6: 5; s7: 12. */
static guint64 cut_hashes[8];

static void
make_cut_hashes (void)
{
  guint64 low20 = (G_GUINT64_CONSTANT (1) << 20) - 1;
  guint64 mid30 = ((G_GUINT64_CONSTANT (1) << 30) - 1) << 20;

  cut_hashes[0] = 0;
  cut_hashes[1] = low20;
  cut_hashes[2] = low20;
  cut_hashes[3] = low20 ^ mid30;
  cut_hashes[4] = mid30;
  cut_hashes[5] = mid30;
  cut_hashes[6] = mid30 ^ 0x1f;
  cut_hashes[7] = mid30 ^ 0x1f ^ (G_GUINT64_CONSTANT (0xfff) << 52);
}

GST_START_TEST (test_dhash_all_candidates)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=dhash threshold=10", FALSE, &bus);
  GstFlowReturn ret;

  make_cut_hashes ();
  fail_unless_equals_int (push_frames (h, 8 * FPS, cut_hashes, &ret), 8 * FPS);
  check_string (pulled_ms (h), "0,1000,3000,4000,7000");
  check_string (messages (bus), "1:0:64,2:1000:20,3:3000:30,4:4000:20,"
      "5:7000:12");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_dhash_top_n)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=dhash threshold=10 number=3", FALSE, &bus);
  GstFlowReturn ret;

  make_cut_hashes ();
  fail_unless_equals_int (push_frames (h, 8 * FPS, cut_hashes, &ret), 8 * FPS);
  /* held until the end */
  check_string (pulled_ms (h), "");
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* the first sample, the 30 and the earlier of the two 20s, in time
   * order */
  check_string (pulled_ms (h), "0,1000,3000");
  check_string (messages (bus), "1:0:64,2:1000:20,3:3000:30");
  fail_unless (got_eos (h));
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_dhash_top_n_range_end)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=dhash threshold=10 number=2 duration=5",
      FALSE, &bus);
  GstFlowReturn ret;

  make_cut_hashes ();
  /* the range ends at 5 s: the held frames go out then, with EOS */
  fail_unless_equals_int (push_frames (h, 8 * FPS, cut_hashes, &ret), 4 * FPS);
  fail_unless_equals_int (ret, GST_FLOW_EOS);
  check_string (pulled_ms (h), "0,3000");
  fail_unless (got_eos (h));
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_dhash_interval)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=dhash interval=2 threshold=10", FALSE, &bus);
  GstFlowReturn ret;

  make_cut_hashes ();
  /* samples at 0, 2, 4, 6 s: hashes s0, s2, s4, s6 -> distances 20, 50, 5 */
  fail_unless_equals_int (push_frames (h, 8 * FPS, cut_hashes, &ret), 8 * FPS);
  check_string (messages (bus), "1:0:64,2:2000:20,3:4000:50");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_dhash_16bit_luma)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=dhash threshold=10", FALSE, &bus);
  guint i;

  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY16_LE,width=90,"
      "height=80,framerate=25/1");
  make_cut_hashes ();
  for (i = 0; i < 8 * FPS; i++)
    fail_unless_equals_int (gst_harness_push (h,
            frame16_with_hash (cut_hashes[i / FPS], i)), GST_FLOW_OK);
  check_string (messages (bus), "1:0:64,2:1000:20,3:3000:30,4:4000:20,"
      "5:7000:12");
  teardown (h, bus);
}

GST_END_TEST;

static gchar *
error_text (GstBus * bus, GstMessageType type)
{
  GstMessage *m = gst_bus_pop_filtered (bus, type);
  GError *err = NULL;
  gchar *text;

  fail_unless (m != NULL);
  if (type == GST_MESSAGE_ERROR)
    gst_message_parse_error (m, &err, NULL);
  else
    gst_message_parse_warning (m, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (m);
  return text;
}

GST_START_TEST (test_average_needs_number)
{
  GstElement *e = gst_element_factory_make ("immsnapshot", NULL);
  GstBus *bus = gst_bus_new ();

  gst_util_set_object_arg (G_OBJECT (e), "mode", "average");
  gst_element_set_bus (e, bus);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  check_string (error_text (bus, GST_MESSAGE_ERROR),
      "mode=average needs the number property: how many frames to spread "
      "over the range.");
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_average_live_fails)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=average number=3", TRUE, &bus);

  fail_unless_equals_int (gst_harness_push (h, frame_with_hash (0, 0)),
      GST_FLOW_ERROR);
  check_string (error_text (bus, GST_MESSAGE_ERROR),
      "mode=average needs the end of the stream, which a live source does "
      "not have; use mode=interval instead.");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_average_unknown_duration_fails)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=average number=3", FALSE, &bus);

  fail_unless_equals_int (gst_harness_push (h, frame_with_hash (0, 0)),
      GST_FLOW_ERROR);
  check_string (error_text (bus, GST_MESSAGE_ERROR),
      "mode=average needs the source's duration, which is unknown; set the "
      "duration property.");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_average_own_duration)
{
  GstBus *bus;
  GstHarness *h = setup ("mode=average number=4 start-time=1 duration=2",
      FALSE, &bus);
  GstFlowReturn ret;

  /* 1 + i * 2 / 4 s */
  fail_unless_equals_int (push_frames (h, 250, NULL, &ret), 63);
  check_string (pulled_ms (h), "1000,1520,2000,2520");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_start_beyond_end_warns)
{
  GstBus *bus;
  GstHarness *h = setup ("start-time=100 interval=1", FALSE, &bus);
  GstFlowReturn ret;

  fail_unless_equals_int (push_frames (h, 50, NULL, &ret), 50);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  check_string (pulled_ms (h), "");
  fail_unless (got_eos (h));
  check_string (error_text (bus, GST_MESSAGE_WARNING),
      "No frame taken: start-time 100.000 s is at or beyond the end of the "
      "stream.");
  teardown (h, bus);
}

GST_END_TEST;

GST_START_TEST (test_live_running_time)
{
  GstBus *bus;
  GstHarness *h = setup ("interval=1", TRUE, &bus);
  GstSegment seg;
  GstFlowReturn ret = GST_FLOW_OK;
  guint i;

  /* a live stream whose timestamps start at 100 s while running time
   * starts at 0: the times are running time */
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = 100 * GST_SECOND;
  seg.time = 100 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  for (i = 0; i < 60 && ret == GST_FLOW_OK; i++) {
    GstBuffer *buf = frame_with_hash (0, i);

    GST_BUFFER_PTS (buf) += 100 * GST_SECOND;
    ret = gst_harness_push (h, buf);
  }
  fail_unless_equals_int (ret, GST_FLOW_OK);
  check_string (pulled_ms (h), "100000,101000,102000");
  teardown (h, bus);
}

GST_END_TEST;

static Suite *
immsnapshot_suite (void)
{
  Suite *s = suite_create ("immsnapshot");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_interval_ends_early);
  tcase_add_test (tc, test_interval_between_frames);
  tcase_add_test (tc, test_interval_unset_takes_one);
  tcase_add_test (tc, test_all_range);
  tcase_add_test (tc, test_keyframe_flags);
  tcase_add_test (tc, test_dhash_all_candidates);
  tcase_add_test (tc, test_dhash_top_n);
  tcase_add_test (tc, test_dhash_top_n_range_end);
  tcase_add_test (tc, test_dhash_interval);
  tcase_add_test (tc, test_dhash_16bit_luma);
  tcase_add_test (tc, test_average_needs_number);
  tcase_add_test (tc, test_average_live_fails);
  tcase_add_test (tc, test_average_unknown_duration_fails);
  tcase_add_test (tc, test_average_own_duration);
  tcase_add_test (tc, test_start_beyond_end_warns);
  tcase_add_test (tc, test_live_running_time);
  return s;
}

GST_CHECK_MAIN (immsnapshot);
