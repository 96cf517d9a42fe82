/* imm-gst: the nearest palette entry to a colour, exactly, by a k-d tree.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_NEAREST_H__
#define __IMM_NEAREST_H__

#include <glib.h>

#include "imm-palette.h"

G_BEGIN_DECLS

/* At most 4 entries a leaf: 256 entries make at most 127 nodes. */
#define IMM_NEAREST_MAX_NODES 256

typedef struct
{
  guint8 lo[3], hi[3];          /* the box of the entries below */
  guint16 start, count;         /* a leaf's entries in ImmNearest.order */
  guint8 leaf;
  guint8 axis;                  /* the channel split; unused by leaves */
  guint16 left, right;          /* children; unused by leaves */
} ImmNearestNode;

/* A k-d tree over up to 256 palette entries, built in place (no
 * allocation): cheap enough to build once per palette and per k-means
 * round. */
typedef struct
{
  ImmRgb colors[256];
  guint n;
  guint8 order[256];            /* the entries, leaf by leaf */
  ImmRgb ordered[256];          /* their colours in that order */
  /* each entry's safe radius: a quarter of its distance (imm_rgb_distance)
   * to the nearest other entry, G_MAXUINT for a palette of one. A colour
   * closer than that to an entry has it as its only nearest. */
  guint safe[256];
  ImmNearestNode nodes[IMM_NEAREST_MAX_NODES];
  guint n_nodes;
} ImmNearest;

/* Builds @t over the @n (1..256) entries of @colors, with their safe
 * radii. */
void imm_nearest_build (ImmNearest * t, const ImmRgb * colors, guint n);

/* The entry nearest (r, g, b) by imm_rgb_distance, the lowest index among
 * equals: the same answer as trying every entry. @guess (an entry, or n
 * or more for none) is the answer with no search when the colour is
 * inside its safe radius, and otherwise seeds the search with its
 * distance: a close guess (a neighbouring pixel's entry, a bin's last
 * entry) skips most of the tree. */
guint imm_nearest_find (const ImmNearest * t, guint r, guint g, guint b,
    guint guess);

G_END_DECLS
#endif /* __IMM_NEAREST_H__ */
