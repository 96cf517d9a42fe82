/* imm-gst: the nearest palette entry to a colour, exactly, by a k-d tree.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The palette's search ran as a walk along its principal axis, which in
 * three dimensions looked at about a hundred of 256 entries per colour:
 * 15-27 % of a GIF's time on film and testsrc went there (k-means rounds
 * and the map's cells). A k-d tree with boxes prunes in all three
 * channels.
 */
#include "imm-nearest.h"

#include <string.h>

#define LEAF_SIZE 4

/* imm_rgb_distance's weights, channel by channel */
static const guint weight[3] = { 3, 6, 2 };

static inline guint8
channel (const ImmRgb * c, guint k)
{
  return k == 0 ? c->r : (k == 1 ? c->g : c->b);
}

/* Sorts order[0..n) by channel @k of their colours, stably: by counting
 * for many entries, by insertion for a few. */
static void build_safe (ImmNearest * t);

static void
sort_by_channel (const ImmRgb * colors, guint8 * order, guint n, guint k)
{
  guint i, j;

  if (n > 32) {
    guint16 start[257];
    guint8 tmp[256];

    memset (start, 0, sizeof (start));
    for (i = 0; i < n; i++)
      start[channel (&colors[order[i]], k) + 1]++;
    for (i = 1; i < 257; i++)
      start[i] += start[i - 1];
    for (i = 0; i < n; i++)
      tmp[start[channel (&colors[order[i]], k)]++] = order[i];
    memcpy (order, tmp, n);
    return;
  }
  for (i = 1; i < n; i++) {
    guint8 e = order[i];
    guint8 v = channel (&colors[e], k);

    for (j = i; j > 0 && channel (&colors[order[j - 1]], k) > v; j--)
      order[j] = order[j - 1];
    order[j] = e;
  }
}

/* Builds the node for order[start..start + count) and returns its index. */
static guint
build_node (ImmNearest * t, guint start, guint count)
{
  guint id = t->n_nodes++, i, k, axis = 0;
  ImmNearestNode *nd = &t->nodes[id];
  guint64 spread = 0;

  for (k = 0; k < 3; k++) {
    nd->lo[k] = 255;
    nd->hi[k] = 0;
  }
  for (i = start; i < start + count; i++)
    for (k = 0; k < 3; k++) {
      guint8 v = channel (&t->colors[t->order[i]], k);

      nd->lo[k] = MIN (nd->lo[k], v);
      nd->hi[k] = MAX (nd->hi[k], v);
    }
  nd->start = start;
  nd->count = count;
  nd->leaf = TRUE;
  if (count <= LEAF_SIZE)
    return id;
  /* split the channel of the widest weighted extent at the median */
  for (k = 0; k < 3; k++) {
    guint64 w = (guint64) weight[k] * (nd->hi[k] - nd->lo[k]) *
        (nd->hi[k] - nd->lo[k]);

    if (w > spread) {
      spread = w;
      axis = k;
    }
  }
  if (spread == 0)              /* all the same colour: one leaf */
    return id;
  sort_by_channel (t->colors, t->order + start, count, axis);
  nd->leaf = FALSE;
  nd->axis = axis;
  {
    guint half = count / 2;
    guint16 left = build_node (t, start, half);
    guint16 right = build_node (t, start + half, count - half);

    /* t->nodes may not move, but nd stays valid: the array is fixed */
    nd->left = left;
    nd->right = right;
  }
  return id;
}

void
imm_nearest_build (ImmNearest * t, const ImmRgb * colors, guint n)
{
  guint i;

  g_return_if_fail (n >= 1 && n <= 256);
  memcpy (t->colors, colors, n * sizeof (ImmRgb));
  t->n = n;
  for (i = 0; i < n; i++)
    t->order[i] = i;
  t->n_nodes = 0;
  build_node (t, 0, n);
  for (i = 0; i < n; i++)
    t->ordered[i] = colors[t->order[i]];
  build_safe (t);
}

typedef struct
{
  gint q[3];
  guint best, bd;
  guint exclude;                /* an entry not to find, or G_MAXUINT */
} Search;

static void
search_node (const ImmNearest * t, guint id, Search * s)
{
  const ImmNearestNode *nd = &t->nodes[id];

  if (nd->leaf) {
    guint i;

    for (i = nd->start; i < (guint) nd->start + nd->count; i++) {
      guint e = t->order[i];
      const ImmRgb *c = &t->colors[e];
      guint d = imm_rgb_distance (s->q[0], s->q[1], s->q[2], c->r, c->g, c->b);

      if ((d < s->bd || (d == s->bd && e < s->best)) && e != s->exclude) {
        s->bd = d;
        s->best = e;
      }
    }
    return;
  }
  {
    /* the gap from q to each child's extent along the split channel: one
     * product a node (the children's boxes, or Arya and Mount's
     * incremental distance, pruned more and cost more: testsrc's GIF
     * 1.73 G instructions this way, 1.85 G and 1.79 G those) */
    const ImmNearestNode *l = &t->nodes[nd->left], *r = &t->nodes[nd->right];
    guint k = nd->axis;
    gint q = s->q[k];
    gint gl = q > l->hi[k] ? q - l->hi[k] : 0;
    gint gr = q < r->lo[k] ? r->lo[k] - q : 0;
    guint dl = weight[k] * (guint) (gl * gl);
    guint dr = weight[k] * (guint) (gr * gr);

    /* "<=": an entry at the best distance with a lower index counts */
    if (dl <= dr) {
      search_node (t, nd->left, s);
      if (dr <= s->bd)
        search_node (t, nd->right, s);
    } else {
      search_node (t, nd->right, s);
      if (dl <= s->bd)
        search_node (t, nd->left, s);
    }
  }
}

/* t->safe, by a search for each entry's nearest other entry */
static void
build_safe (ImmNearest * t)
{
  guint e;

  for (e = 0; e < t->n; e++) {
    Search s;

    s.q[0] = t->colors[e].r;
    s.q[1] = t->colors[e].g;
    s.q[2] = t->colors[e].b;
    s.best = G_MAXUINT;
    s.bd = G_MAXUINT;
    s.exclude = e;
    search_node (t, 0, &s);
    /* |p - c| < |c - c'| / 2 for every other c' makes c the nearest: in
     * squared (weighted Euclidean) units, 4 d(p, c) < d(c, c') */
    t->safe[e] = s.bd == G_MAXUINT ? G_MAXUINT : s.bd / 4;
  }
}

/* Far children waiting: one a split on the way down, and a path from the
 * root has at most 8 splits (each halves the entries of up to 256) */
#define MAX_DEPTH 16

guint
imm_nearest_find (const ImmNearest * t, guint r, guint g, guint b, guint guess)
{
  /* search_node without the recursion (a call per node was a fifth of the
   * search's instructions): the far children left behind on the way down,
   * each with its gap, looked at in the same order (the nearest first) */
  guint16 far[MAX_DEPTH];
  guint far_gap[MAX_DEPTH];
  const gint q[3] = { r, g, b };
  guint best = G_MAXUINT, bd = G_MAXUINT, n_far = 0, id = 0;

  if (guess < t->n) {
    best = guess;
    bd = imm_rgb_distance (r, g, b, t->colors[guess].r, t->colors[guess].g,
        t->colors[guess].b);
    /* strictly inside its safe ball: the only nearest */
    if (bd < t->safe[guess])
      return guess;
  }
  for (;;) {
    const ImmNearestNode *nd = &t->nodes[id];

    if (nd->leaf) {
      guint i, end = (guint) nd->start + nd->count;

      for (i = nd->start; i < end; i++) {
        const ImmRgb *c = &t->ordered[i];
        guint d = imm_rgb_distance (r, g, b, c->r, c->g, c->b);

        if (d < bd || (d == bd && t->order[i] < best)) {
          bd = d;
          best = t->order[i];
        }
      }
      /* "<=": an entry at the best distance with a lower index counts */
      do {
        if (n_far == 0)
          return best;
        n_far--;
      } while (far_gap[n_far] > bd);
      id = far[n_far];
    } else {
      const ImmNearestNode *l = &t->nodes[nd->left], *rt = &t->nodes[nd->right];
      guint k = nd->axis;
      gint gl = q[k] > l->hi[k] ? q[k] - l->hi[k] : 0;
      gint gr = q[k] < rt->lo[k] ? rt->lo[k] - q[k] : 0;
      guint dl = weight[k] * (guint) (gl * gl);
      guint dr = weight[k] * (guint) (gr * gr);

      if (dl <= dr) {
        far[n_far] = nd->right;
        far_gap[n_far++] = dr;
        id = nd->left;
      } else {
        far[n_far] = nd->left;
        far_gap[n_far++] = dl;
        id = nd->right;
      }
    }
  }
}

