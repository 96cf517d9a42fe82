/* imm-gst: which files a multifilesink location pattern can write.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The launcher refuses two outputs that could write one file before any
 * work starts. Outputs whose number of files is only known at the end
 * (keyframes, dhash without a Number) are compared by their location
 * pattern: multifilesink writes g_strdup_printf (pattern, index), index
 * from 1, so `%d` stands for a decimal number without leading zeros and
 * `%%` for a literal `%`.
 */
#include "imm-sink-pattern.h"

#include <string.h>

/* Splits @pattern into the text before its first `%d` and after its last
 * (*@more: there are several), `%%` read as `%`; FALSE when it has none
 * (@before then holds the whole name). */
static gboolean
split_pattern (const gchar * pattern, GString * before, GString * after,
    gboolean * more)
{
  GString *cur = before;
  gboolean found = FALSE;
  const gchar *p;

  *more = FALSE;
  for (p = pattern; *p; p++) {
    if (p[0] == '%' && p[1] == '%') {
      g_string_append_c (cur, '%');
      p++;
    } else if (p[0] == '%' && p[1] == 'd') {
      if (found) {
        *more = TRUE;
        g_string_truncate (after, 0);
      }
      cur = after;
      found = TRUE;
      p++;
    } else {
      g_string_append_c (cur, *p);
    }
  }
  return found;
}

static gboolean
all_digits (const gchar * s, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/**
 * imm_sink_pattern_can_write:
 * @pattern: a multifilesink location
 * @path: a file name
 *
 * Patterns with several `%d` are compared by their ends only, which may
 * say yes where no index gives @path but never misses one that does.
 *
 * Returns: whether @pattern gives @path for some index >= 1.
 */
gboolean
imm_sink_pattern_can_write (const gchar * pattern, const gchar * path)
{
  GString *a = g_string_new (NULL), *b = g_string_new (NULL);
  gsize n = strlen (path);
  gboolean more, r;

  if (!split_pattern (pattern, a, b, &more)) {
    r = strcmp (a->str, path) == 0;
  } else {
    r = n > a->len + b->len && strncmp (path, a->str, a->len) == 0
        && strcmp (path + n - b->len, b->str) == 0;
    if (r && !more)
      r = all_digits (path + a->len, n - a->len - b->len)
          && path[a->len] != '0';
  }
  g_string_free (a, TRUE);
  g_string_free (b, TRUE);
  return r;
}

/* Whether @x and @y, one a prefix (or, with @suffix, a suffix) of the
 * other, can both be the text next to an index: what the longer has
 * beyond the shorter must be digits of the shorter's index. */
static gboolean
ends_agree (const GString * x, const GString * y, gboolean suffix)
{
  const GString *s = x->len <= y->len ? x : y, *l = x->len <= y->len ? y : x;
  gsize extra = l->len - s->len;

  if (suffix)
    return strcmp (l->str + extra, s->str) == 0 && all_digits (l->str, extra);
  return strncmp (l->str, s->str, s->len) == 0
      && all_digits (l->str + s->len, extra);
}

/**
 * imm_sink_patterns_overlap:
 * @p: a multifilesink location
 * @q: another
 *
 * The text before and after their indices must agree, what one has more
 * there being digits of the other's index. Errs on the side of yes.
 *
 * Returns: whether some index of @p and some index of @q give one file.
 */
gboolean
imm_sink_patterns_overlap (const gchar * p, const gchar * q)
{
  GString *pa = g_string_new (NULL), *pb = g_string_new (NULL);
  GString *qa = g_string_new (NULL), *qb = g_string_new (NULL);
  gboolean pm, qm, r;
  gboolean p_index = split_pattern (p, pa, pb, &pm);
  gboolean q_index = split_pattern (q, qa, qb, &qm);

  if (!p_index)
    r = imm_sink_pattern_can_write (q, pa->str);
  else if (!q_index)
    r = imm_sink_pattern_can_write (p, qa->str);
  else if (pm || qm)
    /* several indices: only the text before the first is compared */
    r = strncmp (pa->str, qa->str, MIN (pa->len, qa->len)) == 0;
  else
    r = ends_agree (pa, qa, FALSE) && ends_agree (pb, qb, TRUE);
  g_string_free (pa, TRUE);
  g_string_free (pb, TRUE);
  g_string_free (qa, TRUE);
  g_string_free (qb, TRUE);
  return r;
}
