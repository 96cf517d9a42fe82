/* imm-gst: checks on raw request bytes that json-glib does not make.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * json-glib parses nested arrays and objects by recursion, so a request of
 * a hundred thousand '[' overflows the stack before any validation runs;
 * and it turns "\u0000" into a C string that silently ends there, so
 * "a\u0000b.jpg" would be read as "a". One pass over the bytes, before
 * parsing, refuses both.
 */
#include "imm-json-shape.h"

#include <string.h>

/**
 * imm_json_check_shape:
 * @data: the request bytes
 * @length: their number
 * @max_depth: how deep arrays and objects may nest
 * @problem: (out) (optional): what is wrong, when %FALSE
 *
 * Returns: %FALSE when @data holds a NUL byte, a "\u0000" escape inside a
 * string, or nesting deeper than @max_depth; %TRUE otherwise (the JSON may
 * still be invalid: json-glib says so).
 */
gboolean
imm_json_check_shape (const gchar * data, gsize length, guint max_depth,
    gchar ** problem)
{
  gboolean in_string = FALSE;
  guint depth = 0;
  gsize i;

  if (memchr (data, '\0', length) != NULL) {
    if (problem)
      *problem = g_strdup ("the request holds a NUL byte");
    return FALSE;
  }
  for (i = 0; i < length; i++) {
    gchar c = data[i];

    if (in_string) {
      if (c == '\\' && i + 1 < length) {
        if (data[i + 1] == 'u' && i + 5 < length
            && g_ascii_strncasecmp (data + i + 2, "0000", 4) == 0) {
          if (problem)
            *problem = g_strdup ("a string holds \\u0000 (NUL), which no "
                "field accepts");
          return FALSE;
        }
        i++;
      } else if (c == '"') {
        in_string = FALSE;
      }
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        if (problem)
          *problem = g_strdup_printf ("arrays and objects nest deeper than "
              "%u levels", max_depth);
        return FALSE;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return TRUE;
}
