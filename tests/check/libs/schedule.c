/* Unit tests of the capture schedule: which frames each mode takes, its
 * next target, and the snapshot mode names.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-schedule.h"

#define S (G_GUINT64_CONSTANT (1000000000))
#define MS (G_GUINT64_CONSTANT (1000000))

/* Offers frames at @fps from 0 to @len and returns the taken times in ms,
 * stopping at DONE (marked with "|"). */
static gchar *
run_schedule (ImmSchedule * s, gint fps, guint64 len, gint gop)
{
  GString *out = g_string_new (NULL);
  guint64 i;

  for (i = 0;; i++) {
    guint64 t = gst_util_uint64_scale (i, S, fps);
    ImmVerdict v;

    if (t >= len)
      break;
    v = imm_schedule_offer (s, t, gop > 0 && i % gop == 0);
    if (v == IMM_VERDICT_DONE) {
      g_string_append (out, "|");
      break;
    }
    if (v == IMM_VERDICT_TAKE)
      g_string_append_printf (out, "%" G_GUINT64_FORMAT " ", t / MS);
  }
  return g_string_free (out, FALSE);
}

typedef struct
{
  const gchar *what;
  ImmSnapshotMode mode;
  guint64 start, end, interval;
  guint number;
  gint fps, gop;
  const gchar *expect;
} SchedCase;

static const SchedCase sched_cases[] = {
  {"interval 4 s from 11 s, 5 frames", IMM_SNAPSHOT_INTERVAL, 11 * S,
      IMM_TIME_NONE, 4 * S, 5, 10, 0, "11000 15000 19000 23000 27000 |"},
  {"interval, first frame at or after the target", IMM_SNAPSHOT_INTERVAL,
      100 * MS, IMM_TIME_NONE, 250 * MS, 3, 3, 0, "333 666 1000 |"},
  {"interval to the end", IMM_SNAPSHOT_INTERVAL, 0, IMM_TIME_NONE, 10 * S, 0,
      1, 0, "0 10000 20000 "},
  {"interval with a range end", IMM_SNAPSHOT_INTERVAL, 0, 15 * S, 5 * S, 0,
      1, 0, "0 5000 10000 |"},
  {"no interval: one frame at start", IMM_SNAPSHOT_INTERVAL, 5 * S,
      IMM_TIME_NONE, 0, 0, 4, 0, "5000 |"},
  {"a gap covers several targets once", IMM_SNAPSHOT_INTERVAL, 0,
      IMM_TIME_NONE, 100 * MS, 4, 2, 0, "0 500 1000 1500 |"},
  {"average 10 over 20 s", IMM_SNAPSHOT_AVERAGE, 0, 20 * S, 0, 10, 10, 0,
      "0 2000 4000 6000 8000 10000 12000 14000 16000 18000 |"},
  {"average 3 over 10..19 s", IMM_SNAPSHOT_AVERAGE, 10 * S, 19 * S, 0, 3, 4,
      0, "10000 13000 16000 |"},
  {"keyframes every 2 s", IMM_SNAPSHOT_KEYFRAME, 0, IMM_TIME_NONE, 0, 0, 5,
      10, "0 2000 4000 6000 8000 10000 12000 14000 16000 18000 20000 22000 "
        "24000 26000 28000 "},
  {"keyframes from 3 s, two of them", IMM_SNAPSHOT_KEYFRAME, 3 * S,
      IMM_TIME_NONE, 0, 2, 5, 10, "4000 6000 |"},
  {"dhash samples every second by default", IMM_SNAPSHOT_DHASH, 0, 4500 * MS,
      0, 5, 2, 0, "0 1000 2000 3000 4000 |"},
  {"all frames in a range", IMM_SNAPSHOT_ALL, 1 * S, 2 * S, 0, 0, 4, 0,
      "1000 1250 1500 1750 |"},
  {"all, limited by number", IMM_SNAPSHOT_ALL, 0, IMM_TIME_NONE, 0, 3, 4, 0,
      "0 250 500 |"},
  {"start beyond the end: nothing", IMM_SNAPSHOT_INTERVAL, 100 * S,
      IMM_TIME_NONE, S, 0, 1, 0, ""},
};

GST_START_TEST (test_schedule_table)
{
  const SchedCase *c = &sched_cases[__i__];
  ImmSchedule s;
  gchar *got;

  fail_unless (imm_schedule_init (&s, c->mode, c->start, c->end, c->interval,
          c->number), "%s", c->what);
  got = run_schedule (&s, c->fps, 30 * S, c->gop);
  fail_unless (g_strcmp0 (got, c->expect) == 0, "%s: got '%s', expected '%s'",
      c->what, got, c->expect);
  g_free (got);
}

GST_END_TEST;

GST_START_TEST (test_schedule_next_target_and_refusals)
{
  ImmSchedule s;

  fail_unless (imm_schedule_init (&s, IMM_SNAPSHOT_INTERVAL, 2 * S,
          IMM_TIME_NONE, 10 * S, 2));
  fail_unless_equals_uint64 (imm_schedule_next_target (&s), 2 * S);
  fail_unless_equals_int (imm_schedule_offer (&s, 3 * S, FALSE),
      IMM_VERDICT_TAKE);
  fail_unless_equals_uint64 (imm_schedule_next_target (&s), 12 * S);
  fail_unless_equals_int (imm_schedule_offer (&s, 12 * S, FALSE),
      IMM_VERDICT_TAKE);
  fail_unless_equals_uint64 (imm_schedule_next_target (&s), IMM_TIME_NONE);
  fail_unless_equals_int (imm_schedule_offer (&s, 13 * S, FALSE),
      IMM_VERDICT_DONE);
  /* keyframe and all have no targets to seek to */
  fail_unless (imm_schedule_init (&s, IMM_SNAPSHOT_KEYFRAME, 0,
          IMM_TIME_NONE, 0, 0));
  fail_unless_equals_uint64 (imm_schedule_next_target (&s), IMM_TIME_NONE);
  /* average needs a number and an end */
  fail_if (imm_schedule_init (&s, IMM_SNAPSHOT_AVERAGE, 0, 10 * S, 0, 0));
  fail_if (imm_schedule_init (&s, IMM_SNAPSHOT_AVERAGE, 0, IMM_TIME_NONE, 0,
          10));
  /* huge intervals do not wrap around */
  fail_unless (imm_schedule_init (&s, IMM_SNAPSHOT_INTERVAL, S,
          IMM_TIME_NONE, G_MAXUINT64 / 2, 0));
  fail_unless_equals_uint64 (imm_schedule_target (&s, 3), IMM_TIME_NONE);
}

GST_END_TEST;

GST_START_TEST (test_snapshot_mode_names)
{
  const gchar *names[] = { "interval", "average", "keyframe", "dhash", "all" };
  ImmSnapshotMode m;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    fail_unless (imm_snapshot_mode_from_string (names[i], &m));
    fail_unless_equals_int (m, i);
    fail_unless_equals_string (imm_snapshot_mode_to_string (m), names[i]);
  }
  fail_if (imm_snapshot_mode_from_string ("scene", &m));
}

GST_END_TEST;


GST_START_TEST (test_schedule_stream_length)
{
  const guint64 N = IMM_TIME_NONE;

  /* matroskademux, ffmpeg's -output_ts_offset 60: Duration 68 s, frames
   * from 60 s, segment start 60 s at stream time 0, no stop */
  fail_unless_equals_uint64 (imm_schedule_stream_length (68 * S, 60 * S, N,
          0), 8 * S);
  /* qtdemux, an edit list past 2 B-frames: 8 s, start 0.08 s at time 0,
   * stop 8.08 s */
  fail_unless_equals_uint64 (imm_schedule_stream_length (8 * S, 80 * MS,
          8080 * MS, 0), 8 * S);
  /* tsdemux: a length (7.95 s), segment start = time = 0.78 s */
  fail_unless_equals_uint64 (imm_schedule_stream_length (7950 * MS,
          780 * MS, N, 780 * MS), 7950 * MS);
  /* mpegpsdemux (VOB from 0.54 s): a length too */
  fail_unless_equals_uint64 (imm_schedule_stream_length (11880 * MS,
          540 * MS, N, 540 * MS), 11880 * MS);
  /* a plain file from 0 */
  fail_unless_equals_uint64 (imm_schedule_stream_length (8 * S, 0, 8 * S, 0),
      8 * S);
  /* a rebasing demuxer that gives a length shorter than the start */
  fail_unless_equals_uint64 (imm_schedule_stream_length (8 * S, 60 * S, N,
          0), 8 * S);
  fail_unless_equals_uint64 (imm_schedule_stream_length (N, 60 * S, N, 0), N);
  /* mpegpsdemux: first to last PTS; ffprobe adds the last frame */
  fail_unless_equals_uint64 (imm_schedule_pts_length (11880 * MS, 40 * MS),
      11920 * MS);
  fail_unless_equals_uint64 (imm_schedule_pts_length (11880 * MS, N),
      11880 * MS);
  /* tsdemux, from its clock references: 600 frames, 23.9607 s; and a TS
   * cut mid-GOP, 16.961 s from its first frame to its last (425 frames) */
  fail_unless_equals_uint64 (imm_schedule_pts_length (23960703333, 40 * MS),
      24 * S);
  fail_unless_equals_uint64 (imm_schedule_pts_length (16961021592, 40 * MS),
      17 * S);
  fail_unless_equals_uint64 (imm_schedule_pts_length (16979 * MS, 40 * MS),
      17 * S);
}

GST_END_TEST;

GST_START_TEST (test_schedule_frames_length)
{
  const guint64 N = IMM_TIME_NONE;

  /* tsdemux on a TS cut mid-GOP: segment start = time = 4.64 s (the first
   * packet), duration 20.84 s, first decoded frame (keyframe) at 8.48 s;
   * ffprobe shows the frames from 8.48 to 25.44 s: 17 s */
  fail_unless_equals_uint64 (imm_schedule_frames_length (20840 * MS,
          4640 * MS, 8480 * MS), 17000 * MS);
  /* the first frame at the segment's start: as it is */
  fail_unless_equals_uint64 (imm_schedule_frames_length (7950 * MS,
          780 * MS, 780 * MS), 7950 * MS);
  /* a rebasing demuxer: length 8 s from stream time 0, frame at 0 */
  fail_unless_equals_uint64 (imm_schedule_frames_length (8 * S, 0, 0), 8 * S);
  /* a first frame before the segment's time (clipped frames): as it is */
  fail_unless_equals_uint64 (imm_schedule_frames_length (8 * S, S,
          500 * MS), 8 * S);
  /* a first frame at or past the end: as it is (the schedule ends) */
  fail_unless_equals_uint64 (imm_schedule_frames_length (8 * S, 0, 8 * S),
      8 * S);
  fail_unless_equals_uint64 (imm_schedule_frames_length (N, 0, S), N);
  fail_unless_equals_uint64 (imm_schedule_frames_length (8 * S, 0, N), 8 * S);
}

GST_END_TEST;

GST_START_TEST (test_pts_repair)
{
  /* avidemux ! avdec_mpeg4 on MPEG-4 Part 2 with 2 B-frames, 25 fps,
   * keyframes at 0, 75 and 150: frames 75 and 150 repeat the time before
   * them; ffprobe counts frame n at n * 40 ms. */
  ImmPtsRepair r;
  guint64 in[] = { 0, 40, 80, 120 };
  guint n, k = 0;
  guint64 t = 0;

  imm_pts_repair_reset (&r);
  for (n = 0; n < 4; n++)
    fail_unless_equals_uint64 (imm_pts_repair_frame (&r, in[n] * MS,
            40 * MS), in[n] * MS);

  imm_pts_repair_reset (&r);
  for (n = 0; n < 200; n++) {
    t = (n - k) * 40 * MS;
    if (n == 75 || n == 150) {
      k++;
      t -= 40 * MS;
    }
    fail_unless_equals_uint64 (imm_pts_repair_frame (&r, t, 40 * MS),
        n * 40 * MS);
  }
  /* decodebin (mpeg4videoparse ! avdec_mpeg4) on packed B-frames in AVI
   * (libxvid, 2 B-frames, two empty chunks after frame 0): every third
   * frame repeats the time before it, the next are right; the AVI index
   * says 0, 0.12, 0.16, 0.20, ... (frame n at (n + 2) * 40 ms) */
  {
    guint64 packed[] = { 0, 120, 160, 160, 240, 280, 280, 360, 400, 400 };

    imm_pts_repair_reset (&r);
    for (n = 0; n < G_N_ELEMENTS (packed); n++)
      fail_unless_equals_uint64 (imm_pts_repair_frame (&r, packed[n] * MS,
              40 * MS), (n == 0 ? 0 : (n + 2) * 40) * MS);
  }
  /* the shift holds over frames dropped before a target (QoS): frame 75
   * repeats 74, 76 at 3.00 s, then 99 comes at 3.92 s */
  imm_pts_repair_reset (&r);
  imm_pts_repair_frame (&r, 2960 * MS, 40 * MS);
  fail_unless_equals_uint64 (imm_pts_repair_frame (&r, 2960 * MS, 40 * MS),
      3000 * MS);
  fail_unless_equals_uint64 (imm_pts_repair_frame (&r, 3000 * MS, 40 * MS),
      3040 * MS);
  fail_unless_equals_uint64 (imm_pts_repair_frame (&r, 3920 * MS, 40 * MS),
      3960 * MS);
  /* no frame duration known: nothing to count by */
  imm_pts_repair_reset (&r);
  imm_pts_repair_frame (&r, 2960 * MS, IMM_TIME_NONE);
  fail_unless_equals_uint64 (imm_pts_repair_frame (&r, 2960 * MS,
          IMM_TIME_NONE), 2960 * MS);
  /* a reset (new segment) starts over */
  imm_pts_repair_reset (&r);
  imm_pts_repair_frame (&r, 2960 * MS, 40 * MS);
  fail_unless_equals_uint64 (imm_pts_repair_frame (&r, 2960 * MS, 40 * MS),
      3000 * MS);
  imm_pts_repair_reset (&r);
  fail_unless_equals_uint64 (imm_pts_repair_frame (&r, 1000 * MS, 40 * MS),
      1000 * MS);
}

GST_END_TEST;

static Suite *
schedule_suite (void)
{
  Suite *s = suite_create ("schedule");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_schedule_table, 0, G_N_ELEMENTS (sched_cases));
  tcase_add_test (tc, test_schedule_next_target_and_refusals);
  tcase_add_test (tc, test_snapshot_mode_names);
  tcase_add_test (tc, test_schedule_stream_length);
  tcase_add_test (tc, test_schedule_frames_length);
  tcase_add_test (tc, test_pts_repair);
  return s;
}

GST_CHECK_MAIN (schedule);
