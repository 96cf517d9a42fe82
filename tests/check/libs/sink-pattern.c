/* Unit tests for the multifilesink pattern checks of the collision check.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-sink-pattern.h"

typedef struct
{
  const gchar *pattern;
  const gchar *path;
  gboolean can_write;
} WriteCase;

static const WriteCase write_cases[] = {
  {"/r/x-%d.jpg", "/r/x-2.jpg", TRUE},
  {"/r/x-%d.jpg", "/r/x-120.jpg", TRUE},
  /* multifilesink writes no leading zeros and starts at 1 */
  {"/r/x-%d.jpg", "/r/x-02.jpg", FALSE},
  {"/r/x-%d.jpg", "/r/x-0.jpg", FALSE},
  {"/r/x-%d.jpg", "/r/x-.jpg", FALSE},
  {"/r/x-%d.jpg", "/r/x-a.jpg", FALSE},
  {"/r/x-%d.jpg", "/r/x-2.png", FALSE},
  {"/r/x-%d.jpg", "/r/y-2.jpg", FALSE},
  {"/r/%d.jpg", "/r/1-b.jpg", FALSE},
  /* a literal percent sign is doubled in the pattern */
  {"/r/100%%-%d.jpg", "/r/100%-3.jpg", TRUE},
  {"/r/100%%-%d.jpg", "/r/100%%-3.jpg", FALSE},
  /* no index: one file */
  {"/r/c.jpg", "/r/c.jpg", TRUE},
  {"/r/c.jpg", "/r/d.jpg", FALSE},
  /* two indices: the ends decide, erring on yes */
  {"/r/%d/x-%d.jpg", "/r/3/x-3.jpg", TRUE},
  {"/r/%d/x-%d.jpg", "/r/3/y-3.jpg", TRUE},
  {"/r/%d/x-%d.jpg", "/r/3/x-3.png", FALSE},
  {"/r/%d/x-%d.jpg", "/s/3/x-3.jpg", FALSE},
};

GST_START_TEST (test_can_write)
{
  const WriteCase *c = &write_cases[__i__];

  fail_unless_equals_int (imm_sink_pattern_can_write (c->pattern, c->path),
      c->can_write);
}

GST_END_TEST;

typedef struct
{
  const gchar *p, *q;
  gboolean overlap;
} OverlapCase;

static const OverlapCase overlap_cases[] = {
  {"/r/x-%d.jpg", "/r/x-%d.jpg", TRUE},
  {"/r/x-%d.jpg", "/r/y-%d.jpg", FALSE},
  {"/r/x-%d.jpg", "/r/x-%d.png", FALSE},
  /* x-12.jpg is index 12 of one and index 2 of the other */
  {"/r/x-%d.jpg", "/r/x-1%d.jpg", TRUE},
  {"/r/x-%d.jpg", "/r/x-%d0.jpg", TRUE},
  /* the index of the first cannot hold "-small" */
  {"/r/x-%d.jpg", "/r/x-%d-small.jpg", FALSE},
  {"/r/a/%d.jpg", "/r/b/%d.jpg", FALSE},
  /* one without index */
  {"/r/x-%d.jpg", "/r/x-7.jpg", TRUE},
  {"/r/x-7.jpg", "/r/x-%d.jpg", TRUE},
  {"/r/x-a.jpg", "/r/x-%d.jpg", FALSE},
  {"/r/c.jpg", "/r/c.jpg", TRUE},
  {"/r/%d/%d.jpg", "/r/%d.jpg", TRUE},
  {"/r/a%d/%d.jpg", "/r/b%d.jpg", FALSE},
};

GST_START_TEST (test_overlap)
{
  const OverlapCase *c = &overlap_cases[__i__];

  fail_unless_equals_int (imm_sink_patterns_overlap (c->p, c->q), c->overlap);
  fail_unless_equals_int (imm_sink_patterns_overlap (c->q, c->p), c->overlap);
}

GST_END_TEST;

static Suite *
sink_pattern_suite (void)
{
  Suite *s = suite_create ("sink-pattern");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_can_write, 0, G_N_ELEMENTS (write_cases));
  tcase_add_loop_test (tc, test_overlap, 0, G_N_ELEMENTS (overlap_cases));
  return s;
}

GST_CHECK_MAIN (sink_pattern);
