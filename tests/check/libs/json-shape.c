/* Unit tests of imm_json_check_shape().
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-json-shape.h"

static gboolean
check (const gchar * s, gsize len, gchar ** problem)
{
  return imm_json_check_shape (s, len, 4, problem);
}

GST_START_TEST (test_depth)
{
  gchar *problem = NULL;

  fail_unless (check ("[[[[1]]]]", 9, NULL));
  fail_if (check ("[[[[[1]]]]]", 11, &problem));
  fail_unless_equals_string (problem, "arrays and objects nest deeper than "
      "4 levels");
  g_free (problem);
  /* brackets inside strings do not count, escaped quotes do not end them */
  fail_unless (check ("{\"a\": \"[[[[[[\\\"[[[[\"}", 21, NULL));
  /* siblings are not depth */
  fail_unless (check ("[[1],[2],[3],[4],[5],[6]]", 25, NULL));
}

GST_END_TEST;

GST_START_TEST (test_nul)
{
  gchar *problem = NULL;

  fail_if (check ("{\"a\": \"x\\u0000y\"}", 17, &problem));
  fail_unless_equals_string (problem, "a string holds \\u0000 (NUL), which "
      "no field accepts");
  g_free (problem);
  /* not a JSON escape: the parser refuses it, not this check */
  fail_unless (check ("{\"a\": \"x\\U0000y\"}", 17, NULL));
  /* an escaped backslash followed by u0000 is text, not an escape */
  fail_unless (check ("{\"a\": \"x\\\\u0000\"}", 17, NULL));
  fail_unless (check ("{\"a\": \"\\u0041\"}", 15, NULL));
  fail_if (check ("{\"a\": 1}\0", 9, &problem));
  fail_unless_equals_string (problem, "the request holds a NUL byte");
  g_free (problem);
}

GST_END_TEST;

static Suite *
json_shape_suite (void)
{
  Suite *s = suite_create ("json-shape");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_depth);
  tcase_add_test (tc, test_nul);
  return s;
}

GST_CHECK_MAIN (json_shape);
