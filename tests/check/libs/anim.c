/* Unit tests of the GIF centisecond timeline (gst/imm/imm-anim.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-anim.h"

#define MS(x) ((guint64) ((x) * GST_MSECOND))
#define T TRUE
#define F FALSE

typedef struct
{
  const gchar *name;
  guint n;
  guint64 ends[8];              /* ns after the start */
  gboolean changed[8];          /* all FALSE: every frame changes */
  guint n_out;
  guint delays[8];              /* cs */
} TimelineCase;

static const TimelineCase cases[] = {
  /* rounding carried: 1/15 s frames are 7, 6, 7, 7, 6, 7 cs, 40 in all */
  {"15 fps", 6, {MS (1000.0 / 15), MS (2000.0 / 15), MS (200),
          MS (4000.0 / 15), MS (5000.0 / 15), MS (400)}, {F}, 6,
      {7, 6, 7, 7, 6, 7}},
  /* 60 fps: a frame that would round under 2 cs goes, its time with it
   * to the next one; the total stays 10 cs */
  {"60 fps", 6, {MS (1000.0 / 60), MS (2000.0 / 60), MS (50),
          MS (4000.0 / 60), MS (5000.0 / 60), MS (100)}, {F}, 4,
      {2, 3, 2, 3}},
  /* 100 fps: the first is merged forward, the too short last one extends
   * the frame before */
  {"100 fps", 3, {MS (10), MS (20), MS (30)}, {F}, 1, {3}},
  /* one frame of 5 ms shows for the shortest delay */
  {"single short", 1, {MS (5)}, {F}, 1, {2}},
  /* unchanged frames extend the one shown */
  {"unchanged", 4, {MS (100), MS (200), MS (300), MS (400)}, {T, F, F, T}, 2,
      {30, 10}},
  {"unchanged last", 2, {MS (100), MS (200)}, {T, F}, 1, {20}},
  /* longer than GIF can say: 65535 cs */
  {"too long", 1, {MS (700000)}, {F}, 1, {65535}},
  /* a frame of no length (same timestamp) is merged */
  {"zero length", 3, {MS (100), MS (100), MS (200)}, {F}, 2, {10, 10}},
  /* timestamps going back never give a negative delay */
  {"back", 3, {MS (100), MS (50), MS (300)}, {F}, 2, {10, 20}},
};

GST_START_TEST (test_timeline_table)
{
  const TimelineCase *c = &cases[__i__];
  gboolean any_changed = FALSE;
  guint delays[8], n, i;

  for (i = 0; i < c->n; i++)
    any_changed |= c->changed[i];
  n = imm_anim_gif_timeline_run (c->ends, any_changed ? c->changed : NULL,
      c->n, delays);
  fail_unless_equals_int (n, c->n_out);
  for (i = 0; i < n; i++)
    fail_unless (delays[i] == c->delays[i], "%s: frame %u: %u cs, expected "
        "%u", c->name, i, delays[i], c->delays[i]);
}

GST_END_TEST;

/* Over a long run at 24000/1001 fps the total never drifts from the
 * timestamps by more than 5 ms. */
GST_START_TEST (test_timeline_no_drift)
{
  ImmAnimGifTimeline tl;
  guint i, delay;
  guint64 total = 0;

  imm_anim_gif_timeline_init (&tl);
  for (i = 1; i <= 10000; i++) {
    guint64 end = gst_util_uint64_scale (i, 1001 * GST_SECOND, 24000);

    fail_unless_equals_int (imm_anim_gif_timeline_slot (&tl, end, i == 10000),
        IMM_ANIM_GIF_SLOT_SHOW);
    if (imm_anim_gif_timeline_show (&tl, TRUE, &delay) && delay > 0) {
      fail_unless (delay == 4 || delay == 5, "delay %u", delay);
      total += delay;
    }
    fail_unless (ABS ((gint64) tl.committed_cs * 10 * (gint64) GST_MSECOND -
            (gint64) end) <= 5 * (gint64) GST_MSECOND);
  }
  total += imm_anim_gif_timeline_finish (&tl);
  fail_unless_equals_uint64 (total, 41708);     /* 417.08 s */
}

GST_END_TEST;

static Suite *
anim_suite (void)
{
  Suite *s = suite_create ("anim");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_timeline_table, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_timeline_no_drift);
  return s;
}

GST_CHECK_MAIN (anim);
