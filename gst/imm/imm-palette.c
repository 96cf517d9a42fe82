/* imm-gst: colour palettes for GIF (histogram, median cut, k-means, mapping).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-palette.h"

#include <string.h>

#define HIST_BITS 6
#define HIST_SIZE (1 << (3 * HIST_BITS))
#define MAP_BITS 7
#define MAP_SIZE (1 << (3 * MAP_BITS))

struct _ImmPaletteHistogram
{
  guint32 count[HIST_SIZE];
  guint64 sum[HIST_SIZE][3];
  guint64 total;
  /* the bins in use, in order of first use: clearing and building visit
   * these instead of all 2^18 bins (a frame uses a few thousand) */
  guint32 used[HIST_SIZE];
  guint n_used;
};

struct _ImmPaletteMap
{
  ImmRgb colors[256];
  guint n_colors;
  /* (generation << 8) | index: an entry counts only when its generation is
   * the palette's, so a new palette needs no 8 MB clear */
  guint32 *cache;
  guint32 generation;
  guint8 by_key[256];           /* entries along the grey axis */
  gint keys[256];               /* their keys, in that order */
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

  for (i = 0; i < hist->n_used; i++) {
    guint b = hist->used[i];

    hist->count[b] = 0;
    hist->sum[b][0] = hist->sum[b][1] = hist->sum[b][2] = 0;
  }
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
      guint i = hist_index (px[0], px[1], px[2]);

      if (hist->count[i]++ == 0)
        hist->used[hist->n_used++] = i;
      hist->sum[i][0] += px[0];
      hist->sum[i][1] += px[1];
      hist->sum[i][2] += px[2];
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
      guint i;

      if (!m[x])
        continue;
      i = hist_index (px[0], px[1], px[2]);
      if (hist->count[i]++ == 0)
        hist->used[hist->n_used++] = i;
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

/* The projection of a colour on the grey axis of the distance's space:
 * with x = (sqrt 3 r, sqrt 6 g, sqrt 2 b) the distance is Euclidean, and
 * its grey axis (sqrt 3, sqrt 6, sqrt 2) / sqrt 11 gives
 * distance >= (key difference)^2 / 11. */
#define GREY_KEY(r, g, b) (3 * (gint) (r) + 6 * (gint) (g) + 2 * (gint) (b))

/* Order of the @n entries of @colors along the grey axis (stable: ties
 * keep the palette order). */
static void
sort_by_key (const ImmRgb * colors, guint n, guint8 * order, gint * keys)
{
  guint i, j;

  for (i = 0; i < n; i++) {
    gint ki = GREY_KEY (colors[i].r, colors[i].g, colors[i].b);

    for (j = i; j > 0 && keys[j - 1] > ki; j--) {
      order[j] = order[j - 1];
      keys[j] = keys[j - 1];
    }
    order[j] = i;
    keys[j] = ki;
  }
}

/* The entry of @colors nearest (r, g, b), the lowest index among equals.
 * The search walks out from the nearest grey-axis key (@order: by key) and
 * stops once the key difference alone bounds the distance above the best
 * match: video palettes lie along that axis, so a few dozen entries are
 * looked at instead of all. */
static guint
nearest_sorted (const ImmRgb * colors, const guint8 * order,
    const gint * keys, guint n, guint r, guint g, guint b)
{
  guint lo = 0, hi = n, bd = G_MAXUINT, v = 0;
  gint up, down, key = GREY_KEY (r, g, b);

  while (lo < hi) {
    guint mid = (lo + hi) / 2;

    if (keys[mid] < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  up = lo;
  down = (gint) lo - 1;
  while (up < (gint) n || down >= 0) {
    gint side, ku = G_MAXINT, kd = G_MAXINT;
    guint i, dk, d;

    if (up < (gint) n)
      ku = keys[up] - key;
    if (down >= 0)
      kd = key - keys[down];
    side = ku <= kd ? up : down;
    dk = MIN (ku, kd);
    /* (dk^2) / 11 > bd, in integers */
    if ((guint64) dk * dk > (guint64) bd * 11)
      break;
    i = order[side];
    if (side == up)
      up++;
    else
      down--;
    d = imm_rgb_distance (r, g, b, colors[i].r, colors[i].g, colors[i].b);
    if (d < bd || (d == bd && i < v)) {
      bd = d;
      v = i;
    }
  }
  return v;
}

guint
imm_palette_build (const ImmPaletteHistogram * hist, guint max_colors,
    guint kmeans_iterations, ImmRgb * out)
{
  Bin *bins;
  Box *boxes;
  guint n_bins = 0, n_boxes, i, k, it;
  gdouble *acc;
  guint8 *order;
  gint keys[256];
  guint u;

  g_return_val_if_fail (max_colors >= 1 && max_colors <= 256, 0);

  bins = g_new (Bin, MAX (hist->n_used, 1));
  for (u = 0; u < hist->n_used; u++) {
    guint b = hist->used[u];
    guint32 c = hist->count[b];

    if (!c)
      continue;
    bins[n_bins].count = c;
    for (k = 0; k < 3; k++)
      bins[n_bins].c[k] = (hist->sum[b][k] + c / 2) / c;
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
  order = g_new (guint8, n_boxes);
  for (it = 0; it < kmeans_iterations; it++) {
    memset (acc, 0, sizeof (gdouble) * 4 * n_boxes);
    sort_by_key (out, n_boxes, order, keys);
    for (i = 0; i < n_bins; i++) {
      guint best = nearest_sorted (out, order, keys, n_boxes, bins[i].c[0],
          bins[i].c[1], bins[i].c[2]);

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
  g_free (order);
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
  map->cache = g_new0 (guint32, MAP_SIZE);
  map->generation = 0;
  imm_palette_map_set_colors (map, colors, n_colors);
  return map;
}

void
imm_palette_map_set_colors (ImmPaletteMap * map, const ImmRgb * colors,
    guint n_colors)
{
  g_return_if_fail (n_colors >= 1 && n_colors <= 256);
  memcpy (map->colors, colors, n_colors * sizeof (ImmRgb));
  map->n_colors = n_colors;
  sort_by_key (colors, n_colors, map->by_key, map->keys);
  map->generation++;
  if (map->generation >= (1u << 24)) {
    memset (map->cache, 0, MAP_SIZE * sizeof (guint32));
    map->generation = 1;
  }
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
  guint32 v = map->cache[key];

  if (G_UNLIKELY ((v >> 8) != map->generation)) {
    /* Measure from the centre of the cache cell so the answer is the same
     * for every colour that shares it. */
    v = nearest_sorted (map->colors, map->by_key, map->keys, map->n_colors,
        r | 1, g | 1, b | 1);
    map->cache[key] = (map->generation << 8) | v;
  }
  return (guint8) (v & 0xff);
}
