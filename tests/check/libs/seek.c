/* Unit tests of imm_seek_decide(): seek to the next target or decode on.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-seek.h"

#define N IMM_TIME_NONE
#define SEC GST_SECOND
#define USUAL IMM_SEEK_UPSTREAM_USUAL
#define REFUSES IMM_SEEK_UPSTREAM_REFUSES

typedef struct
{
  const gchar *what;
  ImmSeekInput in;
  ImmSeekDecision expected;
} SeekCase;

static const SeekCase cases[] = {
  {"far target, nothing known", {TRUE, USUAL, 0, 10 * SEC, N, 10 * SEC, N, N},
      IMM_SEEK_GO},
  {"no target", {TRUE, USUAL, 0, N, N, N, N, N}, IMM_SEEK_NO_TARGET},
  {"not seekable", {FALSE, USUAL, 0, 10 * SEC, N, 10 * SEC, N, N},
      IMM_SEEK_NOT_SEEKABLE},
  {"rmdemux", {TRUE, REFUSES, 0, 10 * SEC, N, 10 * SEC, N, N},
      IMM_SEEK_UPSTREAM_WONT},
  {"concat", {TRUE, IMM_SEEK_UPSTREAM_JOINED, 0, 10 * SEC, N, 10 * SEC, N, N},
      IMM_SEEK_UPSTREAM_WONT},
  {"tsdemux", {TRUE, IMM_SEEK_UPSTREAM_INEXACT, 0, 10 * SEC, N, 10 * SEC, N,
          N}, IMM_SEEK_UPSTREAM_WONT},
  {"tee", {TRUE, IMM_SEEK_UPSTREAM_SHARED, 0, 10 * SEC, N, 10 * SEC, N, N},
      IMM_SEEK_UPSTREAM_WONT},
  {"1.9 s ahead", {TRUE, USUAL, 0, 1900 * GST_MSECOND, N, N, N, N},
      IMM_SEEK_TOO_NEAR},
  {"exactly 2 s ahead", {TRUE, USUAL, 5 * SEC, 7 * SEC, N, N, N, N},
      IMM_SEEK_GO},
  {"sought before", {TRUE, USUAL, 0, 10 * SEC, 10 * SEC, N, N, N},
      IMM_SEEK_TRIED},
  {"an earlier target sought", {TRUE, USUAL, 0, 10 * SEC, 5 * SEC, N, N, N},
      IMM_SEEK_GO},
  /* keyframes 8 s apart, the last at 0 s: 7.5 s is still in its GOP */
  {"same keyframe", {TRUE, USUAL, 5 * SEC, 7500 * GST_MSECOND, N,
          7500 * GST_MSECOND, 0, 8 * SEC}, IMM_SEEK_SAME_KEYFRAME},
  {"next keyframe", {TRUE, USUAL, 5 * SEC, 10 * SEC, N, 10 * SEC, 0, 8 * SEC},
      IMM_SEEK_GO},
  {"gap unknown", {TRUE, USUAL, 5 * SEC, 10 * SEC, N, 10 * SEC, 0, N},
      IMM_SEEK_GO},
  /* decoder pts 1.6 s after the timeline (MPEG-TS) */
  {"offset pts", {TRUE, USUAL, 0, 5 * SEC, N, 6600 * GST_MSECOND,
          1600 * GST_MSECOND, 6 * SEC}, IMM_SEEK_SAME_KEYFRAME},
  {"offset pts, next keyframe", {TRUE, USUAL, 0, 5 * SEC, N,
          6600 * GST_MSECOND, 1600 * GST_MSECOND, 5 * SEC}, IMM_SEEK_GO},
};

GST_START_TEST (test_seek_table)
{
  const SeekCase *c = &cases[__i__];
  ImmSeekDecision d = imm_seek_decide (&c->in);

  fail_unless (d == c->expected, "%s: %s, expected %s", c->what,
      imm_seek_decision_to_string (d),
      imm_seek_decision_to_string (c->expected));
}

GST_END_TEST;

GST_START_TEST (test_seek_upstream)
{
  fail_unless_equals_int (imm_seek_upstream_from_factory ("rmdemux"),
      IMM_SEEK_UPSTREAM_REFUSES);
  fail_unless_equals_int (imm_seek_upstream_from_factory ("tsdemux"),
      IMM_SEEK_UPSTREAM_INEXACT);
  fail_unless_equals_int (imm_seek_upstream_from_factory ("mpegpsdemux"),
      IMM_SEEK_UPSTREAM_INEXACT);
  fail_unless_equals_int (imm_seek_upstream_from_factory ("qtdemux"),
      IMM_SEEK_UPSTREAM_USUAL);
  fail_unless_equals_int (imm_seek_upstream_from_factory (NULL),
      IMM_SEEK_UPSTREAM_USUAL);
}

GST_END_TEST;

static Suite *
seek_suite (void)
{
  Suite *s = suite_create ("seek");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_seek_table, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_seek_upstream);
  return s;
}

GST_CHECK_MAIN (seek);
