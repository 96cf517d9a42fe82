/* Unit tests of the top-N set dhash mode keeps its strongest changes in.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-topn.h"

static GString *freed;

static void
note_free (gpointer data)
{
  g_string_append_printf (freed, "%s ", (const gchar *) data);
}

static gchar *
join (GList * list)
{
  GString *s = g_string_new (NULL);
  GList *l;

  for (l = list; l; l = l->next)
    g_string_append_printf (s, "%s ", (const gchar *) l->data);
  g_list_free (list);
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_topn_order_and_ties)
{
  ImmTopN *t = imm_topn_new (3, note_free);
  gchar *got;

  freed = g_string_new (NULL);
  fail_unless (imm_topn_offer (t, 0, G_MAXINT64, (gpointer) "first"));
  fail_unless (imm_topn_offer (t, 1, 10, (gpointer) "a10"));
  fail_unless (imm_topn_offer (t, 2, 30, (gpointer) "b30"));
  /* full: a 10 ties with a10 and loses to the earlier one */
  fail_if (imm_topn_offer (t, 3, 10, (gpointer) "c10"));
  fail_unless_equals_string (freed->str, "c10 ");
  /* stronger than the weakest: a10 goes */
  fail_unless (imm_topn_offer (t, 4, 20, (gpointer) "d20"));
  fail_unless_equals_string (freed->str, "c10 a10 ");
  /* the first sample ranks above everything */
  fail_unless (imm_topn_offer (t, 5, 64, (gpointer) "e64"));
  fail_unless_equals_string (freed->str, "c10 a10 d20 ");
  fail_unless_equals_int (imm_topn_size (t), 3);
  got = join (imm_topn_take_in_order (t));
  fail_unless_equals_string (got, "first b30 e64 ");
  fail_unless_equals_int (imm_topn_size (t), 0);
  g_free (got);
  imm_topn_free (t);
  g_string_free (freed, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_topn_free_drops_held)
{
  ImmTopN *t = imm_topn_new (2, note_free);

  freed = g_string_new (NULL);
  imm_topn_offer (t, 0, 5, (gpointer) "x");
  imm_topn_offer (t, 1, 6, (gpointer) "y");
  imm_topn_free (t);
  fail_unless_equals_string (freed->str, "x y ");
  g_string_free (freed, TRUE);
}

GST_END_TEST;

static Suite *
topn_suite (void)
{
  Suite *s = suite_create ("topn");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_topn_order_and_ties);
  tcase_add_test (tc, test_topn_free_drops_held);
  return s;
}

GST_CHECK_MAIN (topn);
