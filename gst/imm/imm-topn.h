/* imm-gst: keep the N strongest candidates of a stream, in bounded memory.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_TOPN_H__
#define __IMM_TOPN_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImmTopN ImmTopN;

ImmTopN *imm_topn_new (guint capacity, GDestroyNotify free_data);

void imm_topn_free (ImmTopN * topn);

gboolean imm_topn_offer (ImmTopN * topn, guint64 order, gint64 score,
    gpointer data);

guint imm_topn_size (const ImmTopN * topn);

GList *imm_topn_take_in_order (ImmTopN * topn);

G_END_DECLS

#endif /* __IMM_TOPN_H__ */
