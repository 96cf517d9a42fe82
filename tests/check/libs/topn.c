/* Unit tests of the top-N keeper.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-topn.h"

static guint freed;

static void
count_free (gpointer data)
{
  (void) data;
  freed++;
}

/* Offers (score, seq = position) and returns the kept seqs in order. */
static gchar *
run (guint n, const gint64 * scores, guint count)
{
  ImmTopN *t = imm_topn_new (n, count_free);
  ImmTopNItem *items;
  GString *out = g_string_new (NULL);
  guint i, got;

  freed = 0;
  for (i = 0; i < count; i++) {
    imm_topn_offer (t, scores[i], i, GUINT_TO_POINTER (i + 1));
    fail_unless (imm_topn_size (t) <= n);
  }
  items = imm_topn_steal_in_order (t, &got);
  for (i = 0; i < got; i++) {
    g_string_append_printf (out, "%s%" G_GUINT64_FORMAT, i ? "," : "",
        items[i].seq);
    fail_unless_equals_pointer (items[i].data,
        GUINT_TO_POINTER (items[i].seq + 1));
  }
  fail_unless_equals_int (freed + got, count);
  g_free (items);
  imm_topn_free (t);
  return g_string_free (out, FALSE);
}

GST_START_TEST (test_largest_in_time_order)
{
  const gint64 s[] = { 65, 3, 40, 2, 33, 50, 1 };
  gchar *r = run (3, s, G_N_ELEMENTS (s));

  fail_unless_equals_string (r, "0,2,5");
  g_free (r);
}

GST_END_TEST;

GST_START_TEST (test_ties_go_to_earlier)
{
  const gint64 s[] = { 65, 10, 20, 10, 20, 10 };
  gchar *r = run (3, s, G_N_ELEMENTS (s));

  fail_unless_equals_string (r, "0,2,4");
  g_free (r);
  r = run (4, s, G_N_ELEMENTS (s));
  fail_unless_equals_string (r, "0,1,2,4");
  g_free (r);
}

GST_END_TEST;

GST_START_TEST (test_fewer_than_n)
{
  const gint64 s[] = { 5, 7 };
  gchar *r = run (5, s, G_N_ELEMENTS (s));

  fail_unless_equals_string (r, "0,1");
  g_free (r);
}

GST_END_TEST;

GST_START_TEST (test_would_keep)
{
  ImmTopN *t = imm_topn_new (2, NULL);
  guint n;

  fail_unless (imm_topn_would_keep (t, 0, 0));
  imm_topn_offer (t, 10, 0, NULL);
  imm_topn_offer (t, 5, 1, NULL);
  fail_if (imm_topn_would_keep (t, 5, 2));
  fail_unless (imm_topn_would_keep (t, 6, 2));
  fail_if (imm_topn_offer (t, 4, 3, NULL));
  g_free (imm_topn_steal_in_order (t, &n));
  fail_unless_equals_int (n, 2);
  fail_unless_equals_int (imm_topn_size (t), 0);
  fail_unless (imm_topn_steal_in_order (t, &n) == NULL);
  fail_unless_equals_int (n, 0);
  imm_topn_free (t);
}

GST_END_TEST;

static Suite *
topn_suite (void)
{
  Suite *s = suite_create ("topn");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_largest_in_time_order);
  tcase_add_test (tc, test_ties_go_to_earlier);
  tcase_add_test (tc, test_fewer_than_n);
  tcase_add_test (tc, test_would_keep);
  return s;
}

GST_CHECK_MAIN (topn);
