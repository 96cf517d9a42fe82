/* imm-gst: keep the N best-scored items of a stream, bounded memory.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_TOPN_H__
#define __IMM_TOPN_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ImmTopN ImmTopN;

/**
 * ImmTopNItem:
 * @score: larger ranks higher
 * @seq: arrival order; on equal scores the smaller @seq ranks higher
 * @data: the caller's payload
 */
typedef struct
{
  gint64 score;
  guint64 seq;
  gpointer data;
} ImmTopNItem;

ImmTopN *imm_topn_new (guint capacity, GDestroyNotify destroy);
void imm_topn_free (ImmTopN * topn);

guint imm_topn_size (const ImmTopN * topn);
gboolean imm_topn_would_keep (const ImmTopN * topn, gint64 score, guint64 seq);
gboolean imm_topn_offer (ImmTopN * topn, gint64 score, guint64 seq,
    gpointer data);
ImmTopNItem *imm_topn_steal_in_order (ImmTopN * topn, guint * n_items);

G_END_DECLS

#endif /* __IMM_TOPN_H__ */
