/* imm-gst: output URI templates (Python str.format style).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The API names outputs with `{name}` variables; `{{` and `}}` are literal
 * braces. Parsing is kept apart from substitution so the request validator
 * can reject unknown variables before any source has been opened.
 */
#include "imm-template.h"

#include <string.h>

GQuark
imm_template_error_quark (void)
{
  return g_quark_from_static_string ("imm-template-error-quark");
}

static const gchar *const fixed_names[] = {
  "index", "autoext", "streamindex", "bucket", "key", "dirname", "basename",
  "barename", "ext", "year", "mon", "day", "hour", "min", "sec", "t_year",
  "t_mon", "t_day", "t_hour", "t_min", "t_sec",
};

typedef gboolean (*PieceFunc) (gboolean is_var, const gchar * text, gsize len,
    gpointer user_data, GError ** error);

/* Walks the template once, calling @func for each literal run and each
 * variable name. */
static gboolean
walk (const gchar * tmpl, PieceFunc func, gpointer user_data, GError ** error)
{
  const gchar *p = tmpl;

  while (*p) {
    if (p[0] == '{' && p[1] == '{') {
      if (!func (FALSE, "{", 1, user_data, error))
        return FALSE;
      p += 2;
    } else if (p[0] == '}' && p[1] == '}') {
      if (!func (FALSE, "}", 1, user_data, error))
        return FALSE;
      p += 2;
    } else if (p[0] == '{') {
      const gchar *end = strchr (p + 1, '}');
      const gchar *open = strchr (p + 1, '{');

      if (end == NULL || (open != NULL && open < end)) {
        g_set_error (error, IMM_TEMPLATE_ERROR, IMM_TEMPLATE_ERROR_SYNTAX,
            "unbalanced '{' at offset %d (write '{{' for a literal brace)",
            (gint) (p - tmpl));
        return FALSE;
      }
      if (end == p + 1) {
        g_set_error (error, IMM_TEMPLATE_ERROR, IMM_TEMPLATE_ERROR_SYNTAX,
            "empty variable '{}' at offset %d", (gint) (p - tmpl));
        return FALSE;
      }
      if (!func (TRUE, p + 1, end - p - 1, user_data, error))
        return FALSE;
      p = end + 1;
    } else if (p[0] == '}') {
      g_set_error (error, IMM_TEMPLATE_ERROR, IMM_TEMPLATE_ERROR_SYNTAX,
          "single '}' at offset %d (write '}}' for a literal brace)",
          (gint) (p - tmpl));
      return FALSE;
    } else {
      gsize n = strcspn (p, "{}");

      if (!func (FALSE, p, n, user_data, error))
        return FALSE;
      p += n;
    }
  }
  return TRUE;
}

static gboolean
collect_name (gboolean is_var, const gchar * text, gsize len,
    gpointer user_data, GError ** error)
{
  if (is_var)
    g_ptr_array_add (user_data, g_strndup (text, len));
  return TRUE;
}

/**
 * imm_template_variables:
 * @tmpl: the template
 * @names: (out) (transfer full): the variable names in order of appearance
 *
 * Returns: %FALSE with @error set when the braces do not balance.
 */
gboolean
imm_template_variables (const gchar * tmpl, GPtrArray ** names, GError ** error)
{
  GPtrArray *arr = g_ptr_array_new_with_free_func (g_free);

  if (!walk (tmpl, collect_name, arr, error)) {
    g_ptr_array_unref (arr);
    *names = NULL;
    return FALSE;
  }
  *names = arr;
  return TRUE;
}

/**
 * imm_template_is_known_variable:
 * @name: a variable name
 * @tags: (nullable): the request's Tags (key -> string)
 *
 * Returns: whether @name is one of the API's variables, or `tags.<key>` for
 * a key of @tags.
 */
gboolean
imm_template_is_known_variable (const gchar * name, GHashTable * tags)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (fixed_names); i++)
    if (strcmp (name, fixed_names[i]) == 0)
      return TRUE;
  if (g_str_has_prefix (name, "tags.") && tags != NULL)
    return g_hash_table_contains (tags, name + 5);
  return FALSE;
}

/**
 * imm_template_check:
 * @tmpl: the template
 * @tags: (nullable): the request's Tags
 * @uses_index: (out) (optional): whether `{index}` appears
 *
 * Returns: %FALSE with @error naming the problem (syntax or the unknown
 * variable).
 */
gboolean
imm_template_check (const gchar * tmpl, GHashTable * tags,
    gboolean * uses_index, GError ** error)
{
  GPtrArray *names;
  gboolean ok = TRUE, index = FALSE;
  guint i;

  if (!imm_template_variables (tmpl, &names, error))
    return FALSE;
  for (i = 0; i < names->len && ok; i++) {
    const gchar *n = g_ptr_array_index (names, i);

    if (!imm_template_is_known_variable (n, tags)) {
      g_set_error (error, IMM_TEMPLATE_ERROR,
          IMM_TEMPLATE_ERROR_UNKNOWN_VARIABLE, "unknown variable '{%s}'", n);
      ok = FALSE;
    }
    if (strcmp (n, "index") == 0)
      index = TRUE;
  }
  g_ptr_array_unref (names);
  if (uses_index)
    *uses_index = index;
  return ok;
}

typedef struct
{
  GString *out;
  GHashTable *vars;
  ImmTemplateFlags flags;
} ExpandState;

static void
append_text (ExpandState * st, const gchar * text, gsize len)
{
  gsize i;

  if (!(st->flags & IMM_TEMPLATE_PRINTF)) {
    g_string_append_len (st->out, text, len);
    return;
  }
  for (i = 0; i < len; i++) {
    if (text[i] == '%')
      g_string_append_c (st->out, '%');
    g_string_append_c (st->out, text[i]);
  }
}

static gboolean
expand_piece (gboolean is_var, const gchar * text, gsize len,
    gpointer user_data, GError ** error)
{
  ExpandState *st = user_data;
  gchar *name;
  const gchar *value;

  if (!is_var) {
    append_text (st, text, len);
    return TRUE;
  }
  name = g_strndup (text, len);
  if ((st->flags & IMM_TEMPLATE_PRINTF) && strcmp (name, "index") == 0) {
    g_string_append (st->out, "%d");
    g_free (name);
    return TRUE;
  }
  value = g_hash_table_lookup (st->vars, name);
  if (value == NULL) {
    g_set_error (error, IMM_TEMPLATE_ERROR,
        IMM_TEMPLATE_ERROR_UNKNOWN_VARIABLE, "unknown variable '{%s}'", name);
    g_free (name);
    return FALSE;
  }
  g_free (name);
  if (st->flags & IMM_TEMPLATE_URI) {
    gchar *escaped = g_uri_escape_string (value, "/", FALSE);

    append_text (st, escaped, strlen (escaped));
    g_free (escaped);
  } else {
    append_text (st, value, strlen (value));
  }
  return TRUE;
}

/**
 * imm_template_expand:
 * @tmpl: the template
 * @vars: variable name -> string value
 * @flags: #ImmTemplateFlags
 *
 * Returns: (transfer full) (nullable): the expanded text, or %NULL with
 * @error set on a syntax error or a variable missing from @vars.
 */
gchar *
imm_template_expand (const gchar * tmpl, GHashTable * vars,
    ImmTemplateFlags flags, GError ** error)
{
  ExpandState st = { g_string_new (NULL), vars, flags };

  if (!walk (tmpl, expand_piece, &st, error)) {
    g_string_free (st.out, TRUE);
    return NULL;
  }
  return g_string_free (st.out, FALSE);
}

/**
 * imm_template_vars_new:
 *
 * Returns: (transfer full): an empty variable table (string -> string).
 */
GHashTable *
imm_template_vars_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
set_var (GHashTable * vars, const gchar * name, gchar * value)
{
  g_hash_table_insert (vars, g_strdup (name), value);
}

/**
 * imm_template_vars_set_location:
 * @vars: the table
 * @bucket: the bucket (empty for local sources)
 * @key: the object key, e.g. `path1/path2/name.mov`
 *
 * Sets `{bucket}`, `{key}`, `{dirname}`, `{basename}`, `{barename}` and
 * `{ext}` the way the API derives them from `oss://bucket/key`.
 */
void
imm_template_vars_set_location (GHashTable * vars, const gchar * bucket,
    const gchar * key)
{
  const gchar *slash = strrchr (key, '/');
  const gchar *base = slash ? slash + 1 : key;
  const gchar *dot = strrchr (base, '.');

  set_var (vars, "bucket", g_strdup (bucket));
  set_var (vars, "key", g_strdup (key));
  set_var (vars, "dirname", slash ? g_strndup (key, slash - key) :
      g_strdup (""));
  set_var (vars, "basename", g_strdup (base));
  /* A leading dot (".hidden") names the file, it does not start an
   * extension. */
  if (dot != NULL && dot != base) {
    set_var (vars, "barename", g_strndup (base, dot - base));
    set_var (vars, "ext", g_strdup (dot + 1));
  } else {
    set_var (vars, "barename", g_strdup (base));
    set_var (vars, "ext", g_strdup (""));
  }
}

/**
 * imm_template_vars_set_time:
 * @vars: the table
 * @prefix: "" for the source time, "t_" for the task start
 * @time: the time; its own time zone is used
 *
 * Sets `{<prefix>year}` (4 digits) and `mon`, `day`, `hour`, `min`, `sec`
 * (2 digits, zero-padded).
 */
void
imm_template_vars_set_time (GHashTable * vars, const gchar * prefix,
    GDateTime * time)
{
  static const gchar *const fields[] = { "year", "mon", "day", "hour", "min",
    "sec"
  };
  static const gchar *const formats[] = { "%Y", "%m", "%d", "%H", "%M", "%S" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    gchar *name = g_strconcat (prefix, fields[i], NULL);

    set_var (vars, name, g_date_time_format (time, formats[i]));
    g_free (name);
  }
}

/**
 * imm_template_vars_set_tags:
 * @vars: the table
 * @tags: (nullable): key -> string value
 *
 * Sets `{tags.<key>}` for every tag.
 */
void
imm_template_vars_set_tags (GHashTable * vars, GHashTable * tags)
{
  GHashTableIter it;
  gpointer k, v;

  if (tags == NULL)
    return;
  g_hash_table_iter_init (&it, tags);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    gchar *name = g_strconcat ("tags.", (const gchar *) k, NULL);

    set_var (vars, name, g_strdup (v));
    g_free (name);
  }
}
