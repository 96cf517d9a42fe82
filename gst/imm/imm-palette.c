/* imm-gst: colour palettes for GIF (histogram, median cut, k-means, mapping).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-palette.h"
#include "imm-nearest.h"
#include "imm-oklab.h"

#include <string.h>

#define HIST_BITS 6
#define HIST_SIZE (1 << (3 * HIST_BITS))
/* 6 bits a channel: the 1 MB cache stays in the processor's cache, where
 * 7 bits (8 MB) missed it on every new colour; film 0.37 -> 0.30 CPU s,
 * de_blur 0.645 -> 0.672 (gifski -Q 90: 0.757), testsrc and ui slightly
 * better. The error of the cell is left to the dithering. */
#define MAP_BITS 6
#define MAP_SIZE (1 << (3 * MAP_BITS))
#define MAP_KEY(r, g, b) ((((r) >> 2) << 12) | (((g) >> 2) << 6) | ((b) >> 2))
#define MAP_HELD (1u << 8)
#define EXACT_SIZE 1024

static inline guint
exact_slot (guint32 rgb)
{
  /* Fibonacci hashing: the top 10 bits (1024 slots) of the product */
  return (rgb * 2654435761u) >> (32 - 10);
}

/* A bin in use: its pixels' count and channel sums. */
typedef struct
{
  guint64 sum[3];
  guint32 count;
  guint32 bin;
} HistSlot;

struct _ImmPaletteHistogram
{
  /* each bin's slot + 1 (0: not in use). The bins in use sit in slots in
   * order of first use, side by side: clearing and building visit these
   * instead of all 2^18 bins (a frame uses a few thousand), and a pixel
   * touches this 1 MB table and a slot that is usually in the cache,
   * where a count array and a sum array of the 2^18 bins (7 MB) cost two
   * cache misses (testsrc's palettes took a third of its time). The
   * slots' pages are only touched when used. */
  guint32 slot_of[HIST_SIZE];
  HistSlot slots[HIST_SIZE];
  guint n_used;
  guint64 total;
};

/* The slot of bin @i, taken in order of first use. */
static inline HistSlot *
hist_slot (ImmPaletteHistogram * hist, guint i)
{
  guint32 s = hist->slot_of[i];

  if (G_UNLIKELY (s == 0)) {
    s = hist->slot_of[i] = ++hist->n_used;
    hist->slots[s - 1].bin = i;
  }
  return &hist->slots[s - 1];
}

struct _ImmPaletteMap
{
  ImmRgb colors[256];
  guint n_colors;
  /* (generation << 9) | (HELD << 8) | index: an entry counts only when its
   * generation is the palette's, so a new palette needs no 1 MB clear.
   * HELD marks a cell that holds a palette entry: there the colour is
   * looked up exactly first (see imm_palette_map_lookup). */
  guint32 *cache;               /* shared (imm_palette_map_follow): atomic */
  gboolean owns_cache;
  guint32 generation;
  /* the palette's colours, (rgb << 8 | index) + 1 (0: empty), open
   * addressing on the colour */
  guint32 exact[EXACT_SIZE];
  gboolean use_exact;           /* imm_palette_map_set_exact */
  ImmNearest tree;              /* the nearest-entry search */
  guint last;                   /* the last miss's answer, the next guess */
};

ImmPaletteHistogram *
imm_palette_histogram_new (void)
{
  return g_new0 (ImmPaletteHistogram, 1);
}

void
imm_palette_histogram_free (ImmPaletteHistogram * hist)
{
  g_free (hist);
}

void
imm_palette_histogram_clear (ImmPaletteHistogram * hist)
{
  guint i;

  for (i = 0; i < hist->n_used; i++)
    hist->slot_of[hist->slots[i].bin] = 0;
  memset (hist->slots, 0, hist->n_used * sizeof (HistSlot));
  hist->n_used = 0;
  hist->total = 0;
}

guint64
imm_palette_histogram_total (const ImmPaletteHistogram * hist)
{
  return hist->total;
}

static inline guint
hist_index (guint r, guint g, guint b)
{
  return ((r >> 2) << 12) | ((g >> 2) << 6) | (b >> 2);
}

void
imm_palette_histogram_add_rgba (ImmPaletteHistogram * hist,
    const guint8 * rgba, guint width, guint height, gsize stride, guint step)
{
  guint x, y;

  if (step == 0)
    step = 1;
  for (y = 0; y < height; y += step) {
    const guint8 *p = rgba + y * stride;

    for (x = 0; x < width; x += step) {
      const guint8 *px = p + 4 * x;
      HistSlot *slot = hist_slot (hist, hist_index (px[0], px[1], px[2]));

      slot->count++;
      slot->sum[0] += px[0];
      slot->sum[1] += px[1];
      slot->sum[2] += px[2];
      hist->total++;
    }
  }
}

void
imm_palette_histogram_add_rgba_masked (ImmPaletteHistogram * hist,
    const guint8 * rgba, guint width, guint height, gsize stride,
    const guint8 * mask)
{
  guint x, y;

  for (y = 0; y < height; y++) {
    const guint8 *p = rgba + y * stride;
    const guint8 *m = mask + (gsize) y * width;

    for (x = 0; x < width; x++) {
      const guint8 *px = p + 4 * x;
      HistSlot *slot;

      if (!m[x])
        continue;
      slot = hist_slot (hist, hist_index (px[0], px[1], px[2]));
      slot->count++;
      slot->sum[0] += px[0];
      slot->sum[1] += px[1];
      slot->sum[2] += px[2];
      hist->total++;
    }
  }
}

typedef struct
{
  guint32 count;
  guint8 c[3];                  /* mean colour of the bin */
  /* its OkLab in bytes (L from 0 to 255, a and b offset by 128), 4 units
   * of IMM_OKLAB_ONE a step: what the median cut measures and splits */
  guint8 q[3];
} Bin;

/* The median cut runs in OkLab (ffmpeg 6 moved its palettegen there too):
 * in weighted RGB it split dark and saturated boxes where the eye sees
 * little and left mid-tones coarse (film de_blur 0.672 -> 0.632, camera
 * 0.697 -> 0.674, motion 1.088 -> 1.038). The entries stay RGB means and
 * the k-means stays in weighted RGB, the metric of the lookup and of the
 * dithering's error: k-means in OkLab (film 0.664, camera 0.718, testsrc
 * 0.103 -> 0.118), OkLab means (testsrc 0.145) or an OkLab lookup (film
 * 0.720, SSIM 0.9735) measured worse. Cost: about 1 % more instructions
 * (callgrind, whole runs: film 2.92 -> 2.95 G, testsrc 1.96 -> 1.98 G). */
static void
bin_oklab (Bin * bin)
{
  static const gint off[3] = { 0, IMM_OKLAB_ONE / 2, IMM_OKLAB_ONE / 2 };
  gint lab[3];
  guint k;

  imm_oklab_from_rgb (bin->c[0], bin->c[1], bin->c[2], lab);
  for (k = 0; k < 3; k++)
    bin->q[k] = CLAMP ((lab[k] + off[k]) >> 2, 0, 255);
}

typedef struct
{
  guint start, len;
  guint64 count;
  guint8 lo[3], hi[3];
  guint64 score;
} Box;

static void
box_update (Box * box, const Bin * bins)
{
  guint i, k;

  box->count = 0;
  for (k = 0; k < 3; k++) {
    box->lo[k] = 255;
    box->hi[k] = 0;
  }
  for (i = box->start; i < box->start + box->len; i++) {
    box->count += bins[i].count;
    for (k = 0; k < 3; k++) {
      box->lo[k] = MIN (box->lo[k], bins[i].q[k]);
      box->hi[k] = MAX (box->hi[k], bins[i].q[k]);
    }
  }
  {
    guint64 best = 0;

    /* OkLab is about perceptually uniform: no weights */
    for (k = 0; k < 3; k++) {
      guint64 r = box->hi[k] - box->lo[k];
      best = MAX (best, r * r);
    }
    /* Splitting by population times spread spends colours where both the
     * pixels and the error are. */
    box->score = box->len > 1 ? best * box->count : 0;
  }
}

/* Orders @n bins by OkLab channel @axis: a stable counting sort (q is
 * bytes), so equal values keep their order and the result depends only on
 * the input, on any thread; a comparison sort cost film 4 % of its time. */
static void
sort_bins (Bin * bins, guint n, guint axis, Bin * scratch)
{
  guint start[257], i;

  memset (start, 0, sizeof (start));
  for (i = 0; i < n; i++)
    start[bins[i].q[axis] + 1]++;
  for (i = 1; i < 257; i++)
    start[i] += start[i - 1];
  for (i = 0; i < n; i++)
    scratch[start[bins[i].q[axis]]++] = bins[i];
  memcpy (bins, scratch, n * sizeof (Bin));
}

guint
imm_palette_distinct_masked (const guint8 * rgba, guint width, guint height,
    gsize stride, const guint8 * mask, guint max_colors, ImmRgb * out)
{
  /* open addressing on the colour, (rgb + 1) (0: empty); 1024 slots for
   * at most 256 colours keep the probes short */
  guint32 seen[1024];
  guint32 last = G_MAXUINT32;
  guint x, y, n = 0;

  g_return_val_if_fail (max_colors <= 256, 0);
  memset (seen, 0, sizeof (seen));
  for (y = 0; y < height; y++) {
    const guint8 *p = rgba + y * stride;
    const guint8 *m = mask ? mask + (gsize) y * width : NULL;

    for (x = 0; x < width; x++, p += 4) {
      guint32 rgb;
      guint h;

      if (m && !m[x])
        continue;
      rgb = ((guint32) p[0] << 16) | (p[1] << 8) | p[2];
      /* runs of one colour (flat areas) skip the table */
      if (rgb == last)
        continue;
      last = rgb;
      h = exact_slot (rgb);
      while (seen[h] != 0 && seen[h] != rgb + 1)
        h = (h + 1) & 1023;
      if (seen[h] != 0)
        continue;
      if (n == max_colors)
        return max_colors + 1;
      seen[h] = rgb + 1;
      out[n].r = p[0];
      out[n].g = p[1];
      out[n].b = p[2];
      n++;
    }
  }
  return n;
}

/* One k-means assignment step's inputs: each bin's nearest entry depends
 * on the bin alone (its guess is its own last entry), so the bins can be
 * split between threads with the same assignment. */
typedef struct
{
  const ImmNearest *tree;
  const Bin *bins;
  guint n_bins;
  guint8 *assign;
} AssignJob;

static void
assign_part (guint part, guint n_parts, gpointer data)
{
  const AssignJob *j = data;
  guint i, i0, i1;

  imm_parallel_slice (part, n_parts, j->n_bins, &i0, &i1);
  /* the bin's last entry (its box at first) is a close guess, often the
   * answer with no search (inside its safe radius) */
  for (i = i0; i < i1; i++)
    j->assign[i] = imm_nearest_find (j->tree, j->bins[i].c[0],
        j->bins[i].c[1], j->bins[i].c[2], j->assign[i]);
}

guint
imm_palette_build (const ImmPaletteHistogram * hist, guint max_colors,
    guint kmeans_iterations, ImmRgb * out)
{
  return imm_palette_build_parallel (hist, max_colors, kmeans_iterations,
      out, NULL);
}

guint
imm_palette_build_parallel (const ImmPaletteHistogram * hist,
    guint max_colors, guint kmeans_iterations, ImmRgb * out, ImmParallel * par)
{
  Bin *bins, *scratch;
  Box *boxes;
  guint n_bins = 0, n_boxes, i, k, it;
  gdouble *acc;
  guint8 *assign;
  /* on the stack: about 6 KB, built again for each k-means round */
  ImmNearest tree;
  guint u;

  g_return_val_if_fail (max_colors >= 1 && max_colors <= 256, 0);

  bins = g_new (Bin, MAX (hist->n_used, 1));
  for (u = 0; u < hist->n_used; u++) {
    const HistSlot *slot = &hist->slots[u];
    guint32 c = slot->count;

    if (!c)
      continue;
    bins[n_bins].count = c;
    for (k = 0; k < 3; k++)
      bins[n_bins].c[k] = (slot->sum[k] + c / 2) / c;
    bin_oklab (&bins[n_bins]);
    n_bins++;
  }
  if (n_bins == 0) {
    g_free (bins);
    return 0;
  }

  scratch = g_new (Bin, n_bins);
  boxes = g_new0 (Box, max_colors);
  boxes[0].start = 0;
  boxes[0].len = n_bins;
  box_update (&boxes[0], bins);
  n_boxes = 1;
  while (n_boxes < max_colors) {
    Box *b = NULL, *nb;
    guint best_axis = 0, spread = 0;
    guint64 half, run = 0;
    guint cut;

    for (i = 0; i < n_boxes; i++)
      if (boxes[i].score > 0 && (!b || boxes[i].score > b->score))
        b = &boxes[i];
    if (!b)
      break;
    for (k = 0; k < 3; k++) {
      guint s = b->hi[k] - b->lo[k];
      if (s > spread) {
        spread = s;
        best_axis = k;
      }
    }
    sort_bins (bins + b->start, b->len, best_axis, scratch);
    half = b->count / 2;
    /* cut: first bin of the upper half, which is never empty */
    for (cut = b->start + 1; cut < b->start + b->len - 1; cut++) {
      run += bins[cut - 1].count;
      if (run >= half)
        break;
    }
    nb = &boxes[n_boxes++];
    nb->start = cut;
    nb->len = b->start + b->len - cut;
    b->len = cut - b->start;
    box_update (b, bins);
    box_update (nb, bins);
  }

  for (i = 0; i < n_boxes; i++) {
    gdouble s[3] = { 0, 0, 0 };
    guint64 n = 0;
    guint j;

    for (j = boxes[i].start; j < boxes[i].start + boxes[i].len; j++) {
      for (k = 0; k < 3; k++)
        s[k] += (gdouble) bins[j].c[k] * bins[j].count;
      n += bins[j].count;
    }
    out[i].r = (guint8) (s[0] / n + 0.5);
    out[i].g = (guint8) (s[1] / n + 0.5);
    out[i].b = (guint8) (s[2] / n + 0.5);
  }

  acc = g_new (gdouble, 4 * n_boxes);
  assign = g_new (guint8, n_bins);
  for (i = 0; i < n_boxes; i++)
    memset (assign + boxes[i].start, i, boxes[i].len);
  for (it = 0; it < kmeans_iterations; it++) {
    memset (acc, 0, sizeof (gdouble) * 4 * n_boxes);
    imm_nearest_build (&tree, out, n_boxes);
    {
      AssignJob j = { &tree, bins, n_bins, assign };

      imm_parallel_run (par, assign_part, &j);
    }
    /* summed in bin order, on one thread */
    for (i = 0; i < n_bins; i++) {
      guint best = assign[i];

      for (k = 0; k < 3; k++)
        acc[4 * best + k] += (gdouble) bins[i].c[k] * bins[i].count;
      acc[4 * best + 3] += bins[i].count;
    }
    for (i = 0; i < n_boxes; i++) {
      gdouble *a = acc + 4 * i;

      if (a[3] <= 0)
        continue;
      out[i].r = (guint8) (a[0] / a[3] + 0.5);
      out[i].g = (guint8) (a[1] / a[3] + 0.5);
      out[i].b = (guint8) (a[2] / a[3] + 0.5);
    }
  }

  g_free (acc);
  g_free (assign);
  g_free (boxes);
  g_free (scratch);
  g_free (bins);
  return n_boxes;
}

guint
imm_palette_snap (ImmRgb * colors, guint n, const ImmRgb * prev,
    guint n_prev, guint max_distance)
{
  /* @prev by green (stable: ties in index order), with where each green
   * level starts: only entries within the green difference the distance
   * allows (6 dg^2 <= max_distance) are looked at, a few instead of 256
   * (the plain double loop cost testsrc's GIF 4 % more instructions) */
  guint16 start[257];
  guint8 order[256];
  guint64 taken[4] = { 0, 0, 0, 0 };
  guint i, j, snapped = 0, dg = 0;

  g_return_val_if_fail (n_prev <= 256, 0);
  while (6 * (dg + 1) * (dg + 1) <= max_distance && dg < 255)
    dg++;
  memset (start, 0, sizeof (start));
  for (j = 0; j < n_prev; j++)
    start[prev[j].g + 1]++;
  for (j = 1; j < 257; j++)
    start[j] += start[j - 1];
  {
    guint16 fill[256];

    memcpy (fill, start, sizeof (fill));
    for (j = 0; j < n_prev; j++)
      order[fill[prev[j].g]++] = j;
  }
  for (i = 0; i < n; i++) {
    guint best = G_MAXUINT, bj = 0, k;
    guint lo = colors[i].g > dg ? colors[i].g - dg : 0;
    guint hi = MIN (colors[i].g + dg, 255u) + 1;

    for (k = start[lo]; k < start[hi]; k++) {
      guint d;

      j = order[k];
      if (taken[j >> 6] & (G_GUINT64_CONSTANT (1) << (j & 63)))
        continue;
      d = imm_rgb_distance (colors[i].r, colors[i].g, colors[i].b,
          prev[j].r, prev[j].g, prev[j].b);
      if (d < best || (d == best && j < bj)) {
        best = d;
        bj = j;
      }
    }
    if (best <= max_distance) {
      taken[bj >> 6] |= G_GUINT64_CONSTANT (1) << (bj & 63);
      if (best > 0)
        snapped++;
      colors[i] = prev[bj];
    }
  }
  return snapped;
}

/* The entry nearest the centre of (r, g, b)'s cache cell, so the answer is
 * the same for every colour that shares it. */
static guint
cell_nearest (ImmPaletteMap * map, guint r, guint g, guint b)
{
  guint cr = (r & ~3u) | 2, cg = (g & ~3u) | 2, cb = (b & ~3u) | 2;
  /* the last miss's answer as the guess: neighbouring pixels' cells
   * often share it */
  map->last = imm_nearest_find (&map->tree, cr, cg, cb, map->last);
  return map->last;
}

ImmPaletteMap *
imm_palette_map_new (const ImmRgb * colors, guint n_colors)
{
  ImmPaletteMap *map;

  g_return_val_if_fail (n_colors >= 1 && n_colors <= 256, NULL);
  map = g_new (ImmPaletteMap, 1);
  map->cache = g_new0 (guint32, MAP_SIZE);
  map->owns_cache = TRUE;
  map->generation = 0;
  map->last = 0;
  map->use_exact = FALSE;
  imm_palette_map_set_colors (map, colors, n_colors);
  return map;
}

ImmPaletteMap *
imm_palette_map_new_following (const ImmPaletteMap * leader)
{
  ImmPaletteMap *map = g_new (ImmPaletteMap, 1);

  map->cache = NULL;
  map->owns_cache = FALSE;
  imm_palette_map_follow (map, leader);
  return map;
}

void
imm_palette_map_follow (ImmPaletteMap * map, const ImmPaletteMap * leader)
{
  guint32 *cache = map->cache;
  gboolean owns = map->owns_cache;

  g_return_if_fail (map != leader);
  /* everything the lookups read: palette, tree, safe radii, exact table,
   * generation; the cache itself is the leader's */
  memcpy (map, leader, sizeof (ImmPaletteMap));
  if (owns && cache != leader->cache)
    g_free (cache);
  map->owns_cache = FALSE;
  map->last = 0;
}

void
imm_palette_map_set_colors (ImmPaletteMap * map, const ImmRgb * colors,
    guint n_colors)
{
  g_return_if_fail (n_colors >= 1 && n_colors <= 256);
  /* a follower's cache is its leader's */
  g_return_if_fail (map->owns_cache);
  memcpy (map->colors, colors, n_colors * sizeof (ImmRgb));
  map->n_colors = n_colors;
  imm_nearest_build (&map->tree, colors, n_colors);
  map->last = 0;
  map->generation++;
  if (map->generation >= (1u << 23)) {
    memset (map->cache, 0, MAP_SIZE * sizeof (guint32));
    map->generation = 1;
  }
  {
    guint i;

    /* A colour the palette holds maps to that entry: the cell's centre can
     * be nearer another entry (4 levels off on a grey 164 between entries
     * 164 and 168), which on screen content wrote text pixels off by 4
     * levels and refined them later, when the page stopped (flicker). */
    memset (map->exact, 0, sizeof (map->exact));
    for (i = 0; i < n_colors; i++) {
      guint32 rgb = ((guint32) colors[i].r << 16) | (colors[i].g << 8) |
          colors[i].b;
      guint h = exact_slot (rgb);

      while (map->exact[h] != 0 && (map->exact[h] - 1) >> 8 != rgb)
        h = (h + 1) & (EXACT_SIZE - 1);
      if (map->exact[h] == 0)   /* the first of equal entries wins */
        map->exact[h] = ((rgb << 8) | i) + 1;
      map->cache[MAP_KEY (colors[i].r, colors[i].g, colors[i].b)] =
          (map->generation << 9) | MAP_HELD | cell_nearest (map,
          colors[i].r, colors[i].g, colors[i].b);
    }
  }
}

void
imm_palette_map_set_exact (ImmPaletteMap * map, gboolean exact)
{
  map->use_exact = exact;
}

void
imm_palette_map_free (ImmPaletteMap * map)
{
  if (map->owns_cache)
    g_free (map->cache);
  g_free (map);
}

const ImmRgb *
imm_palette_map_colors (const ImmPaletteMap * map, guint * n_colors)
{
  if (n_colors)
    *n_colors = map->n_colors;
  return map->colors;
}

guint8
imm_palette_map_lookup (ImmPaletteMap * map, guint8 r, guint8 g, guint8 b)
{
  guint key = MAP_KEY (r, g, b);
  /* relaxed atomics: a map that follows this one (another thread's) may
   * fill the same cell at the same time, with the same value */
  guint32 v = __atomic_load_n (&map->cache[key], __ATOMIC_RELAXED);

  if (G_UNLIKELY ((v >> 9) != map->generation)) {
    v = (map->generation << 9) | cell_nearest (map, r, g, b);
    __atomic_store_n (&map->cache[key], v, __ATOMIC_RELAXED);
  }
  else if (G_UNLIKELY (v & MAP_HELD) && map->use_exact) {
    guint32 rgb = ((guint32) r << 16) | (g << 8) | b;
    guint h = exact_slot (rgb);

    for (; map->exact[h] != 0; h = (h + 1) & (EXACT_SIZE - 1))
      if ((map->exact[h] - 1) >> 8 == rgb)
        return (guint8) ((map->exact[h] - 1) & 0xff);
  }
  return (guint8) (v & 0xff);
}
