/* imm-gst: checks on raw request bytes that json-glib does not make.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_JSON_SHAPE_H__
#define __IMM_JSON_SHAPE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Far deeper than any request (about 6 levels), far shallower than what
 * exhausts json-glib's recursive parser. */
#define IMM_JSON_MAX_DEPTH 64

gboolean imm_json_check_shape (const gchar * data, gsize length,
    guint max_depth, gchar ** problem);

G_END_DECLS

#endif /* __IMM_JSON_SHAPE_H__ */
