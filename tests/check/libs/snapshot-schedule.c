/* Unit tests of the snapshot time selection.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-snapshot-schedule.h"

#define MS GST_MSECOND

/* Offers frames every @step from 0 to @last (inclusive) and returns the
 * taken times in ms, then "|done@T" where the schedule said done. */
static gchar *
run (ImmSnapshotSchedule * s, guint64 step, guint64 last,
    gboolean (*key) (guint64))
{
  GString *out = g_string_new (NULL);
  guint64 t;

  for (t = 0; t <= last; t += step) {
    ImmSnapshotVerdict v = imm_snapshot_schedule_offer (s, t,
        key ? key (t) : FALSE);

    if (v == IMM_SNAPSHOT_TAKE)
      g_string_append_printf (out, "%" G_GUINT64_FORMAT ",", t / MS);
    else if (v == IMM_SNAPSHOT_DONE) {
      g_string_append_printf (out, "|done@%" G_GUINT64_FORMAT, t / MS);
      break;
    }
  }
  return g_string_free (out, FALSE);
}

static void
check (ImmSnapshotSchedule * s, guint64 step, guint64 last,
    gboolean (*key) (guint64), const gchar * expected)
{
  gchar *r = run (s, step, last, key);

  fail_unless_equals_string (r, expected);
  g_free (r);
}

GST_START_TEST (test_interval)
{
  ImmSnapshotSchedule s;

  /* 25 fps (40 ms): 11 s, 15 s, 19 s, ... five frames, then done */
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_INTERVAL, 11 * GST_SECOND, 0,
      4 * GST_SECOND, 5);
  check (&s, 40 * MS, 60 * GST_SECOND, NULL,
      "11000,15000,19000,23000,27000,|done@27040");
  fail_unless (imm_snapshot_schedule_done (&s));

  /* targets between frames: the first frame at or after */
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_INTERVAL, 10 * MS, 0,
      130 * MS, 0);
  check (&s, 40 * MS, 400 * MS, NULL, "40,160,280,400,");

  /* duration ends the range (exclusive); done as soon as no target is left
   * in it */
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_INTERVAL, GST_SECOND,
      2 * GST_SECOND, GST_SECOND / 2, 0);
  check (&s, 100 * MS, 10 * GST_SECOND, NULL, "1000,1500,2000,2500,|done@2600");
}

GST_END_TEST;

GST_START_TEST (test_interval_unset_one_frame)
{
  ImmSnapshotSchedule s;

  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_INTERVAL, 5 * GST_SECOND, 0,
      0, 0);
  check (&s, 40 * MS, 10 * GST_SECOND, NULL, "5000,|done@5040");
}

GST_END_TEST;

GST_START_TEST (test_interval_sparse_frames)
{
  ImmSnapshotSchedule s;

  /* 1 fps frames, 300 ms interval: each frame answers once, the targets it
   * covers are skipped */
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_INTERVAL, 0, 0, 300 * MS, 0);
  check (&s, GST_SECOND, 3 * GST_SECOND, NULL, "0,1000,2000,3000,");
  fail_unless_equals_uint64 (imm_snapshot_schedule_next_target (&s), 3300 * MS);
}

GST_END_TEST;

GST_START_TEST (test_average)
{
  ImmSnapshotSchedule s;

  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_AVERAGE, 0, 0, 0, 4);
  fail_unless (imm_snapshot_schedule_needs_total (&s));
  fail_unless (imm_snapshot_schedule_set_total (&s, 10 * GST_SECOND));
  fail_unless_equals_uint64 (imm_snapshot_schedule_average_target (&s, 1),
      2500 * MS);
  check (&s, 40 * MS, 20 * GST_SECOND, NULL, "0,2520,5000,7520,|done@7560");

  /* own start and duration: 2 s + i * 6 s / 3 */
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_AVERAGE, 2 * GST_SECOND,
      6 * GST_SECOND, 0, 3);
  fail_if (imm_snapshot_schedule_needs_total (&s));
  check (&s, 100 * MS, 20 * GST_SECOND, NULL, "2000,4000,6000,|done@6100");

  /* start past the end */
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_AVERAGE, 12 * GST_SECOND, 0,
      0, 3);
  fail_if (imm_snapshot_schedule_set_total (&s, 10 * GST_SECOND));
}

GST_END_TEST;

GST_START_TEST (test_average_dense_slots)
{
  ImmSnapshotSchedule s;

  /* ten slots in 200 ms of 100 ms frames: one frame per slot, in turn */
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_AVERAGE, 0, 200 * MS, 0, 10);
  check (&s, 100 * MS, GST_SECOND, NULL, "0,100,|done@200");
}

GST_END_TEST;

static gboolean
every_second (guint64 t)
{
  return t % GST_SECOND == 0;
}

GST_START_TEST (test_keyframe)
{
  ImmSnapshotSchedule s;

  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_KEYFRAME, 1500 * MS, 0, 0, 0);
  check (&s, 40 * MS, 5 * GST_SECOND, every_second, "2000,3000,4000,5000,");
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_KEYFRAME, 0, 0, 0, 2);
  check (&s, 40 * MS, 5 * GST_SECOND, every_second, "0,1000,|done@1040");
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_KEYFRAME, 0, 2 * GST_SECOND,
      0, 0);
  check (&s, 40 * MS, 5 * GST_SECOND, every_second, "0,1000,|done@2000");
}

GST_END_TEST;

GST_START_TEST (test_dhash_and_all)
{
  ImmSnapshotSchedule s;

  /* dhash samples every second by default, the number is not its business */
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_DHASH, 0, 0, 0, 0);
  check (&s, 40 * MS, 3 * GST_SECOND, NULL, "0,1000,2000,3000,");
  imm_snapshot_schedule_init (&s, IMM_SNAPSHOT_ALL, 80 * MS, 0, 0, 3);
  check (&s, 40 * MS, GST_SECOND, NULL, "80,120,160,|done@200");
  fail_unless (imm_snapshot_schedule_is_sampled (IMM_SNAPSHOT_AVERAGE));
  fail_if (imm_snapshot_schedule_is_sampled (IMM_SNAPSHOT_KEYFRAME));
}

GST_END_TEST;

static Suite *
snapshot_schedule_suite (void)
{
  Suite *s = suite_create ("snapshot-schedule");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_interval);
  tcase_add_test (tc, test_interval_unset_one_frame);
  tcase_add_test (tc, test_interval_sparse_frames);
  tcase_add_test (tc, test_average);
  tcase_add_test (tc, test_average_dense_slots);
  tcase_add_test (tc, test_keyframe);
  tcase_add_test (tc, test_dhash_and_all);
  return s;
}

GST_CHECK_MAIN (snapshot_schedule);
