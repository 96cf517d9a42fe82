/* imm-gst: which files a multifilesink location pattern can write.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_SINK_PATTERN_H__
#define __IMM_SINK_PATTERN_H__

#include <glib.h>

G_BEGIN_DECLS

gboolean imm_sink_pattern_can_write (const gchar * pattern,
    const gchar * path);

gboolean imm_sink_patterns_overlap (const gchar * p, const gchar * q);

G_END_DECLS

#endif /* __IMM_SINK_PATTERN_H__ */
