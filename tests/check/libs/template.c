/* Unit tests of the output URI templates.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-template.h"

static GHashTable *
demo_vars (void)
{
  GHashTable *vars = imm_template_vars_new ();
  GDateTime *src = g_date_time_new_utc (2024, 3, 7, 9, 5, 2);
  GDateTime *task = g_date_time_new_utc (2026, 11, 23, 18, 40, 59);
  GHashTable *tags = g_hash_table_new (g_str_hash, g_str_equal);

  imm_template_vars_set_location (vars, "test-bucket", "path1/path2/name.mov");
  imm_template_vars_set_time (vars, "", src);
  imm_template_vars_set_time (vars, "t_", task);
  g_hash_table_insert (tags, "team", "red");
  imm_template_vars_set_tags (vars, tags);
  g_hash_table_insert (vars, g_strdup ("autoext"), g_strdup ("jpg"));
  g_hash_table_insert (vars, g_strdup ("index"), g_strdup ("7"));
  g_hash_table_insert (vars, g_strdup ("streamindex"), g_strdup ("0"));
  g_hash_table_unref (tags);
  g_date_time_unref (src);
  g_date_time_unref (task);
  return vars;
}

typedef struct
{
  const gchar *tmpl;
  const gchar *plain;
  const gchar *printf;
} ExpandCase;

static const ExpandCase expand_cases[] = {
  {"oss://{bucket}/{dirname}/snap-{index}.{autoext}",
        "oss://test-bucket/path1/path2/snap-7.jpg",
      "oss://test-bucket/path1/path2/snap-%d.jpg"},
  {"{key}|{basename}|{barename}|{ext}",
        "path1/path2/name.mov|name.mov|name|mov",
      "path1/path2/name.mov|name.mov|name|mov"},
  {"{year}-{mon}-{day} {hour}:{min}:{sec}", "2024-03-07 09:05:02",
      "2024-03-07 09:05:02"},
  {"{t_year}{t_mon}{t_day}{t_hour}{t_min}{t_sec}", "20261123184059",
      "20261123184059"},
  {"{{literal}}-{tags.team}-{streamindex}", "{literal}-red-0",
      "{literal}-red-0"},
  {"100%-{index}", "100%-7", "100%%-%d"},
  {"no variables", "no variables", "no variables"},
  {"", "", ""},
};

GST_START_TEST (test_expand)
{
  const ExpandCase *c = &expand_cases[__i__];
  GHashTable *vars = demo_vars ();
  GError *err = NULL;
  gchar *s;

  s = imm_template_expand (c->tmpl, vars, IMM_TEMPLATE_PLAIN, &err);
  g_assert_no_error (err);
  fail_unless_equals_string (s, c->plain);
  g_free (s);
  s = imm_template_expand (c->tmpl, vars, IMM_TEMPLATE_PRINTF, &err);
  g_assert_no_error (err);
  fail_unless_equals_string (s, c->printf);
  g_free (s);
  g_hash_table_unref (vars);
}

GST_END_TEST;

typedef struct
{
  const gchar *tmpl;
  gint code;
  const gchar *message;
} BadCase;

static const BadCase bad_cases[] = {
  {"a{b", IMM_TEMPLATE_ERROR_SYNTAX,
      "unbalanced '{' at offset 1 (write '{{' for a literal brace)"},
  {"a}b", IMM_TEMPLATE_ERROR_SYNTAX,
      "single '}' at offset 1 (write '}}' for a literal brace)"},
  {"x{}", IMM_TEMPLATE_ERROR_SYNTAX, "empty variable '{}' at offset 1"},
  {"{a{b}}", IMM_TEMPLATE_ERROR_SYNTAX,
      "unbalanced '{' at offset 0 (write '{{' for a literal brace)"},
  {"{indx}.jpg", IMM_TEMPLATE_ERROR_UNKNOWN_VARIABLE,
      "unknown variable '{indx}'"},
  {"{tags.missing}", IMM_TEMPLATE_ERROR_UNKNOWN_VARIABLE,
      "unknown variable '{tags.missing}'"},
  {"{index:03d}", IMM_TEMPLATE_ERROR_UNKNOWN_VARIABLE,
      "unknown variable '{index:03d}'"},
};

GST_START_TEST (test_check_errors)
{
  const BadCase *c = &bad_cases[__i__];
  GHashTable *tags = g_hash_table_new (g_str_hash, g_str_equal);
  GError *err = NULL;

  g_hash_table_insert (tags, "team", "red");
  fail_if (imm_template_check (c->tmpl, tags, NULL, &err));
  fail_unless (g_error_matches (err, IMM_TEMPLATE_ERROR, c->code));
  fail_unless_equals_string (err->message, c->message);
  g_clear_error (&err);
  g_hash_table_unref (tags);
}

GST_END_TEST;

GST_START_TEST (test_check_index)
{
  GHashTable *tags = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean uses = TRUE;
  GError *err = NULL;

  g_hash_table_insert (tags, "team", "red");
  fail_unless (imm_template_check ("a-{tags.team}.{autoext}", tags, &uses,
          &err));
  fail_if (uses);
  fail_unless (imm_template_check ("{{index}}", tags, &uses, &err));
  fail_if (uses);
  fail_unless (imm_template_check ("s-{index}.jpg", NULL, &uses, &err));
  fail_unless (uses);
  fail_if (imm_template_is_known_variable ("tags.team", NULL));
  fail_unless (imm_template_is_known_variable ("tags.team", tags));
  g_hash_table_unref (tags);
}

GST_END_TEST;

/* In a URI template the values are escaped, the template's own text is
 * not (it is a URI already). */
GST_START_TEST (test_expand_uri)
{
  GHashTable *vars = imm_template_vars_new ();
  GError *err = NULL;
  gchar *s;

  g_hash_table_insert (vars, g_strdup ("barename"),
      g_strdup ("clip \xc3\xa9 #1%"));
  g_hash_table_insert (vars, g_strdup ("key"), g_strdup ("a b/c.mov"));
  g_hash_table_insert (vars, g_strdup ("index"), g_strdup ("3"));
  s = imm_template_expand ("file:///x%20y/{barename}-{index}|{key}", vars,
      IMM_TEMPLATE_URI, &err);
  g_assert_no_error (err);
  fail_unless_equals_string (s,
      "file:///x%20y/clip%20%C3%A9%20%231%25-3|a%20b/c.mov");
  g_free (s);
  g_hash_table_unref (vars);
}

GST_END_TEST;

GST_START_TEST (test_expand_missing_value)
{
  GHashTable *vars = imm_template_vars_new ();
  GError *err = NULL;

  fail_unless (imm_template_expand ("{bucket}", vars, IMM_TEMPLATE_PLAIN,
          &err) == NULL);
  fail_unless (g_error_matches (err, IMM_TEMPLATE_ERROR,
          IMM_TEMPLATE_ERROR_UNKNOWN_VARIABLE));
  fail_unless_equals_string (err->message, "unknown variable '{bucket}'");
  g_clear_error (&err);
  g_hash_table_unref (vars);
}

GST_END_TEST;

typedef struct
{
  const gchar *key;
  const gchar *dirname, *basename, *barename, *ext;
} LocCase;

static const LocCase loc_cases[] = {
  {"a/b/c.tar.gz", "a/b", "c.tar.gz", "c.tar", "gz"},
  {"name.mov", "", "name.mov", "name", "mov"},
  {"dir/.hidden", "dir", ".hidden", ".hidden", ""},
  {"dir/noext", "dir", "noext", "noext", ""},
};

GST_START_TEST (test_location)
{
  const LocCase *c = &loc_cases[__i__];
  GHashTable *vars = imm_template_vars_new ();

  imm_template_vars_set_location (vars, "b", c->key);
  fail_unless_equals_string (g_hash_table_lookup (vars, "bucket"), "b");
  fail_unless_equals_string (g_hash_table_lookup (vars, "key"), c->key);
  fail_unless_equals_string (g_hash_table_lookup (vars, "dirname"), c->dirname);
  fail_unless_equals_string (g_hash_table_lookup (vars, "basename"),
      c->basename);
  fail_unless_equals_string (g_hash_table_lookup (vars, "barename"),
      c->barename);
  fail_unless_equals_string (g_hash_table_lookup (vars, "ext"), c->ext);
  g_hash_table_unref (vars);
}

GST_END_TEST;

static Suite *
template_suite (void)
{
  Suite *s = suite_create ("template");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_expand, 0, G_N_ELEMENTS (expand_cases));
  tcase_add_loop_test (tc, test_check_errors, 0, G_N_ELEMENTS (bad_cases));
  tcase_add_test (tc, test_check_index);
  tcase_add_test (tc, test_expand_missing_value);
  tcase_add_test (tc, test_expand_uri);
  tcase_add_loop_test (tc, test_location, 0, G_N_ELEMENTS (loc_cases));
  return s;
}

GST_CHECK_MAIN (template);
