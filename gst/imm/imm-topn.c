/* imm-gst: keep the N strongest candidates of a stream, in bounded memory.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The dhash "N largest changes" mode must see the whole stream before it
 * knows its frames, but may hold no more than N of them. N is small (the
 * API's examples use 5), so a linear scan for the weakest beats a heap in
 * both clarity and speed.
 */
#include "imm-topn.h"

typedef struct
{
  guint64 order;
  gint64 score;
  gpointer data;
} Item;

struct _ImmTopN
{
  guint capacity;
  GDestroyNotify free_data;
  GArray *items;
};

/**
 * imm_topn_new:
 * @capacity: how many candidates to keep (>= 1)
 * @free_data: (nullable): frees a candidate's data when it is dropped
 */
ImmTopN *
imm_topn_new (guint capacity, GDestroyNotify free_data)
{
  ImmTopN *topn = g_new0 (ImmTopN, 1);

  g_return_val_if_fail (capacity >= 1, NULL);
  topn->capacity = capacity;
  topn->free_data = free_data;
  topn->items = g_array_sized_new (FALSE, FALSE, sizeof (Item), capacity);
  return topn;
}

static void
drop (ImmTopN * topn, gpointer data)
{
  if (topn->free_data != NULL && data != NULL)
    topn->free_data (data);
}

void
imm_topn_free (ImmTopN * topn)
{
  guint i;

  if (topn == NULL)
    return;
  for (i = 0; i < topn->items->len; i++)
    drop (topn, g_array_index (topn->items, Item, i).data);
  g_array_free (topn->items, TRUE);
  g_free (topn);
}

/* Is @a weaker than @b? A lower score is weaker; on equal scores the later
 * candidate is weaker, so ties go to the earlier one. */
static gboolean
weaker (const Item * a, const Item * b)
{
  if (a->score != b->score)
    return a->score < b->score;
  return a->order > b->order;
}

/**
 * imm_topn_offer:
 * @order: position in the stream; candidates come in increasing order
 * @score: how strong the candidate is
 * @data: (transfer full): the candidate
 *
 * Keeps @data if it is among the @capacity strongest so far, dropping the
 * weakest one kept if needed.
 *
 * Returns: whether @data was kept (if not, it has been freed).
 */
gboolean
imm_topn_offer (ImmTopN * topn, guint64 order, gint64 score, gpointer data)
{
  Item item = { order, score, data };
  guint i, weakest = 0;

  g_return_val_if_fail (topn != NULL, FALSE);

  if (topn->items->len < topn->capacity) {
    g_array_append_val (topn->items, item);
    return TRUE;
  }
  for (i = 1; i < topn->items->len; i++)
    if (weaker (&g_array_index (topn->items, Item, i),
            &g_array_index (topn->items, Item, weakest)))
      weakest = i;
  if (!weaker (&g_array_index (topn->items, Item, weakest), &item)) {
    drop (topn, data);
    return FALSE;
  }
  drop (topn, g_array_index (topn->items, Item, weakest).data);
  g_array_index (topn->items, Item, weakest) = item;
  return TRUE;
}

guint
imm_topn_size (const ImmTopN * topn)
{
  return topn->items->len;
}

static gint
by_order (gconstpointer a, gconstpointer b)
{
  const Item *x = a, *y = b;

  return x->order < y->order ? -1 : x->order > y->order;
}

/**
 * imm_topn_take_in_order:
 *
 * Returns: (transfer full): the kept candidates' data in stream order; the
 * set is empty afterwards.
 */
GList *
imm_topn_take_in_order (ImmTopN * topn)
{
  GList *list = NULL;
  gint i;

  g_array_sort (topn->items, by_order);
  for (i = (gint) topn->items->len - 1; i >= 0; i--)
    list = g_list_prepend (list, g_array_index (topn->items, Item, i).data);
  g_array_set_size (topn->items, 0);
  return list;
}
