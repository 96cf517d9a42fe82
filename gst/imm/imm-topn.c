/* imm-gst: keep the N best-scored items of a stream, bounded memory.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-topn.h"

#include <stdlib.h>
#include <string.h>

struct _ImmTopN
{
  guint capacity;
  guint size;
  GDestroyNotify destroy;
  /* sorted best first; capacity is small (a request's Number) so a linear
   * insertion is cheaper than a heap would be worth */
  ImmTopNItem *items;
};

/* TRUE when (score a, seq a) ranks above (score b, seq b). */
static inline gboolean
ranks_above (gint64 sa, guint64 qa, gint64 sb, guint64 qb)
{
  return sa > sb || (sa == sb && qa < qb);
}

/**
 * imm_topn_new:
 * @capacity: how many items to keep, at least 1
 * @destroy: (nullable): frees an item's data when it is dropped
 */
ImmTopN *
imm_topn_new (guint capacity, GDestroyNotify destroy)
{
  ImmTopN *topn;

  g_return_val_if_fail (capacity > 0, NULL);
  topn = g_new0 (ImmTopN, 1);
  topn->capacity = capacity;
  topn->destroy = destroy;
  topn->items = g_new0 (ImmTopNItem, capacity);
  return topn;
}

void
imm_topn_free (ImmTopN * topn)
{
  guint i;

  if (!topn)
    return;
  if (topn->destroy)
    for (i = 0; i < topn->size; i++)
      topn->destroy (topn->items[i].data);
  g_free (topn->items);
  g_free (topn);
}

guint
imm_topn_size (const ImmTopN * topn)
{
  return topn->size;
}

/**
 * imm_topn_would_keep:
 *
 * Returns: whether imm_topn_offer() with this score and seq would keep the
 * item; lets the caller skip copying a payload that would be dropped.
 */
gboolean
imm_topn_would_keep (const ImmTopN * topn, gint64 score, guint64 seq)
{
  const ImmTopNItem *worst;

  if (topn->size < topn->capacity)
    return TRUE;
  worst = &topn->items[topn->size - 1];
  return ranks_above (score, seq, worst->score, worst->seq);
}

/**
 * imm_topn_offer:
 * @data: (transfer full): freed with the destroy function if not kept
 *
 * Keeps the item if it is among the best @capacity seen so far, dropping
 * the worst kept one to make room.
 *
 * Returns: whether the item was kept.
 */
gboolean
imm_topn_offer (ImmTopN * topn, gint64 score, guint64 seq, gpointer data)
{
  guint pos;

  if (!imm_topn_would_keep (topn, score, seq)) {
    if (topn->destroy)
      topn->destroy (data);
    return FALSE;
  }
  if (topn->size == topn->capacity) {
    if (topn->destroy)
      topn->destroy (topn->items[topn->size - 1].data);
    topn->size--;
  }
  pos = topn->size;
  while (pos > 0 && ranks_above (score, seq, topn->items[pos - 1].score,
          topn->items[pos - 1].seq)) {
    topn->items[pos] = topn->items[pos - 1];
    pos--;
  }
  topn->items[pos].score = score;
  topn->items[pos].seq = seq;
  topn->items[pos].data = data;
  topn->size++;
  return TRUE;
}

static int
compare_seq (const void *a, const void *b)
{
  const ImmTopNItem *ia = a, *ib = b;

  return ia->seq < ib->seq ? -1 : ia->seq > ib->seq ? 1 : 0;
}

/**
 * imm_topn_steal_in_order:
 * @n_items: (out): number of items returned
 *
 * Empties @topn and hands over what it kept, sorted by @seq (arrival order).
 *
 * Returns: (transfer full) (nullable): g_free() the array; the data pointers
 * are the caller's now. NULL when empty.
 */
ImmTopNItem *
imm_topn_steal_in_order (ImmTopN * topn, guint * n_items)
{
  ImmTopNItem *out;

  *n_items = topn->size;
  if (topn->size == 0)
    return NULL;
  out = g_memdup2 (topn->items, sizeof (ImmTopNItem) * topn->size);
  qsort (out, topn->size, sizeof (ImmTopNItem), compare_seq);
  memset (topn->items, 0, sizeof (ImmTopNItem) * topn->capacity);
  topn->size = 0;
  return out;
}
