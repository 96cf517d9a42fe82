/* imm-gst: colour palettes for GIF (histogram, median cut, k-means, mapping).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-palette.h"

#include <string.h>

#define HIST_BITS 5
#define HIST_SIZE (1 << (3 * HIST_BITS))
#define MAP_BITS 7
#define MAP_SIZE (1 << (3 * MAP_BITS))
#define MAP_EMPTY 0xffff

struct _ImmPaletteHistogram
{
  guint32 count[HIST_SIZE];
  guint64 sum[HIST_SIZE][3];
  guint64 total;
};

struct _ImmPaletteMap
{
  ImmRgb colors[256];
  guint n_colors;
  guint16 *cache;
};

/* Weights close to the eye's sensitivity (green > red > blue); cheap enough
 * for per-pixel lookups, unlike a full OkLab conversion. */
guint
imm_rgb_distance (guint r1, guint g1, guint b1, guint r2, guint g2, guint b2)
{
  gint dr = (gint) r1 - (gint) r2;
  gint dg = (gint) g1 - (gint) g2;
  gint db = (gint) b1 - (gint) b2;

  return 3 * dr * dr + 6 * dg * dg + 2 * db * db;
}

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
  memset (hist, 0, sizeof (*hist));
}

guint64
imm_palette_histogram_total (const ImmPaletteHistogram * hist)
{
  return hist->total;
}

static inline guint
hist_index (guint r, guint g, guint b)
{
  return ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
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
      guint i = hist_index (px[0], px[1], px[2]);

      hist->count[i]++;
      hist->sum[i][0] += px[0];
      hist->sum[i][1] += px[1];
      hist->sum[i][2] += px[2];
      hist->total++;
    }
  }
}

typedef struct
{
  guint32 count;
  guint8 c[3];                  /* mean colour of the bin */
} Bin;

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
      box->lo[k] = MIN (box->lo[k], bins[i].c[k]);
      box->hi[k] = MAX (box->hi[k], bins[i].c[k]);
    }
  }
  {
    static const guint w[3] = { 3, 6, 2 };
    guint64 best = 0;

    for (k = 0; k < 3; k++) {
      guint64 r = box->hi[k] - box->lo[k];
      best = MAX (best, w[k] * r * r);
    }
    /* Splitting by population times spread spends colours where both the
     * pixels and the error are. */
    box->score = box->len > 1 ? best * box->count : 0;
  }
}

/* The axis comes as the sort's user data: palettes are built on several
 * threads at once (two outputs of one request), so no global state. Ties
 * are broken on the other channels so the order never depends on the
 * sort's algorithm. */
static gint
bin_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Bin *x = a, *y = b;
  guint axis = GPOINTER_TO_UINT (user_data), k;

  if (x->c[axis] != y->c[axis])
    return (gint) x->c[axis] - (gint) y->c[axis];
  for (k = 0; k < 3; k++)
    if (x->c[k] != y->c[k])
      return (gint) x->c[k] - (gint) y->c[k];
  return x->count < y->count ? -1 : x->count > y->count;
}

guint
imm_palette_build (const ImmPaletteHistogram * hist, guint max_colors,
    guint kmeans_iterations, ImmRgb * out)
{
  Bin *bins;
  Box *boxes;
  guint n_bins = 0, n_boxes, i, k, it;
  gdouble *acc;

  g_return_val_if_fail (max_colors >= 1 && max_colors <= 256, 0);

  bins = g_new (Bin, HIST_SIZE);
  for (i = 0; i < HIST_SIZE; i++) {
    guint32 c = hist->count[i];

    if (!c)
      continue;
    bins[n_bins].count = c;
    for (k = 0; k < 3; k++)
      bins[n_bins].c[k] = (hist->sum[i][k] + c / 2) / c;
    n_bins++;
  }
  if (n_bins == 0) {
    g_free (bins);
    return 0;
  }

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
    static const guint w[3] = { 3, 6, 2 };

    for (i = 0; i < n_boxes; i++)
      if (boxes[i].score > 0 && (!b || boxes[i].score > b->score))
        b = &boxes[i];
    if (!b)
      break;
    for (k = 0; k < 3; k++) {
      guint s = w[k] * (b->hi[k] - b->lo[k]);
      if (s > spread) {
        spread = s;
        best_axis = k;
      }
    }
    g_qsort_with_data (bins + b->start, b->len, sizeof (Bin), bin_compare,
        GUINT_TO_POINTER (best_axis));
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
  for (it = 0; it < kmeans_iterations; it++) {
    memset (acc, 0, sizeof (gdouble) * 4 * n_boxes);
    for (i = 0; i < n_bins; i++) {
      guint best = 0, bd = G_MAXUINT, j;

      for (j = 0; j < n_boxes; j++) {
        guint d = imm_rgb_distance (bins[i].c[0], bins[i].c[1], bins[i].c[2],
            out[j].r, out[j].g, out[j].b);
        if (d < bd) {
          bd = d;
          best = j;
        }
      }
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
  g_free (boxes);
  g_free (bins);
  return n_boxes;
}

ImmPaletteMap *
imm_palette_map_new (const ImmRgb * colors, guint n_colors)
{
  ImmPaletteMap *map;

  g_return_val_if_fail (n_colors >= 1 && n_colors <= 256, NULL);
  map = g_new (ImmPaletteMap, 1);
  memcpy (map->colors, colors, n_colors * sizeof (ImmRgb));
  map->n_colors = n_colors;
  map->cache = g_malloc (MAP_SIZE * sizeof (guint16));
  memset (map->cache, 0xff, MAP_SIZE * sizeof (guint16));
  return map;
}

void
imm_palette_map_free (ImmPaletteMap * map)
{
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
  guint key = ((r >> 1) << 14) | ((g >> 1) << 7) | (b >> 1);
  guint16 v = map->cache[key];

  if (G_UNLIKELY (v == MAP_EMPTY)) {
    /* Measure from the centre of the cache cell so the answer is the same
     * for every colour that shares it. */
    guint cr = r | 1, cg = g | 1, cb = b | 1;
    guint i, bd = G_MAXUINT;

    v = 0;
    for (i = 0; i < map->n_colors; i++) {
      guint d = imm_rgb_distance (cr, cg, cb, map->colors[i].r,
          map->colors[i].g, map->colors[i].b);
      if (d < bd) {
        bd = d;
        v = i;
      }
    }
    map->cache[key] = v;
  }
  return (guint8) v;
}
