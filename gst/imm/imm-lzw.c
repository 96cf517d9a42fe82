/* imm-gst: GIF image data (LZW) encoder, exact or lossy.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-lzw.h"

#include <string.h>

/* GIF codes are at most 12 bits; the encoder resets its table with a clear
 * code once code 4095 would be assigned, as giflib's does. */
#define MAX_CODE 4095
#define NO_CODE 0xffff
/* Open-addressed (code, pixel) -> child table, twice the codes: finding
 * the exact continuation by walking a code's children cost film most of
 * the encoder's time (a single pixel's code can have 255 children). */
#define HASH_SIZE 8192
/* no entry: code 4095 is never a parent (the table resets before it) */
#define HASH_EMPTY 0xffffffffu

/* The code table as a trie: every code is a string, its children the
 * strings one pixel longer, linked so the lossy search can walk them. */
typedef struct
{
  guint16 first_child[MAX_CODE + 1];
  guint16 next_sibling[MAX_CODE + 1];
  guint8 pixel[MAX_CODE + 1];
  /* per code, the child last found or added: a run of one colour (flat
   * screen content) extends its string by the same child again and again,
   * found here without hashing; always a child of its code (or NO_CODE) */
  guint16 hint[MAX_CODE + 1];
  /* (code << 8 | pixel) << 12 | child, HASH_EMPTY for none: one 32 KB
   * array, so a probe reads one cache line (the key and the child in
   * two arrays made the probe's load 21 % of the encoder's time) */
  guint32 hash[HASH_SIZE];
  guint next_code;
  guint clear_code;
  guint bits;

  /* bit packer */
  guint32 acc;
  guint n_acc;
  guint8 block[256];            /* block[0] is the length */
  guint n_blocks;
  GByteArray *out;
} Lzw;

static void
flush_block (Lzw * z)
{
  if (z->block[0] == 0)
    return;
  g_byte_array_append (z->out, z->block, z->block[0] + 1);
  z->block[0] = 0;
  z->n_blocks++;
}

static void
put_byte (Lzw * z, guint8 b)
{
  z->block[++z->block[0]] = b;
  if (z->block[0] == 255)
    flush_block (z);
}

static void
put_code (Lzw * z, guint code)
{
  z->acc |= (guint32) code << z->n_acc;
  z->n_acc += z->bits;
  while (z->n_acc >= 8) {
    put_byte (z, z->acc & 0xff);
    z->acc >>= 8;
    z->n_acc -= 8;
  }
}

static void
reset_table (Lzw * z)
{
  guint i;

  for (i = 0; i < z->clear_code; i++)
    z->first_child[i] = z->hint[i] = NO_CODE;
  z->next_code = z->clear_code + 2;
  z->bits = g_bit_storage (z->clear_code);
  memset (z->hash, 0xff, sizeof (z->hash));
}

static inline guint
hash_slot (guint key)
{
  /* Fibonacci hashing: the top 13 bits (HASH_SIZE) of the product */
  return (key * 2654435761u) >> (32 - 13);
}

static guint
hash_find (const Lzw * z, guint code, guint p)
{
  guint key = (code << 8) | p, h = hash_slot (key);
  guint32 e;

  while ((e = z->hash[h]) != HASH_EMPTY) {
    if (e >> 12 == key)
      return e & 0xfff;
    h = (h + 1) & (HASH_SIZE - 1);
  }
  return NO_CODE;
}

static void
hash_add (Lzw * z, guint code, guint p, guint child)
{
  guint key = (code << 8) | p, h = hash_slot (key);

  while (z->hash[h] != HASH_EMPTY)
    h = (h + 1) & (HASH_SIZE - 1);
  z->hash[h] = (key << 12) | child;
}

/* Writes @code and grows the table by the entry the decoder will derive
 * from it: @parent extended by @pixel (none with NO_CODE). The code width
 * grows as the decoder's does, when the next code no longer fits. */
static void
emit (Lzw * z, guint code, guint parent, guint pixel)
{
  put_code (z, code);
  if (z->next_code >= (1u << z->bits) && z->bits < 12)
    z->bits++;
  if (parent == NO_CODE)
    return;
  if (z->next_code >= MAX_CODE) {
    put_code (z, z->clear_code);
    reset_table (z);
    return;
  }
  z->pixel[z->next_code] = pixel;
  z->first_child[z->next_code] = NO_CODE;
  z->hint[z->next_code] = NO_CODE;
  z->hint[parent] = z->next_code;
  z->next_sibling[z->next_code] = z->first_child[parent];
  z->first_child[parent] = z->next_code;
  hash_add (z, parent, pixel, z->next_code);
  z->next_code++;
}

guint
imm_lzw_min_code_size (guint n_colors)
{
  guint bits = 1;

  while ((1u << bits) < n_colors)
    bits++;
  return MAX (bits, 2);
}

/* Among the children of @code (none of which shows the wanted pixel
 * exactly), the one whose colour is nearest @want within @threshold;
 * NO_CODE if none. */
static guint
lossy_child (const Lzw * z, guint code, const gint * want,
    const ImmRgb * palette, guint transparent, guint threshold)
{
  guint c, best = NO_CODE, best_d = G_MAXUINT;
  guint r = CLAMP (want[0], 0, 255), g = CLAMP (want[1], 0, 255),
      b = CLAMP (want[2], 0, 255);

  for (c = z->first_child[code]; c != NO_CODE; c = z->next_sibling[c]) {
    guint q = z->pixel[c], d;

    if (q == transparent)
      continue;
    d = imm_rgb_distance (r, g, b, palette[q].r, palette[q].g, palette[q].b);
    if (d <= threshold && d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

guint
imm_lzw_encode (guint8 * indices, gsize n_pixels, guint min_code_size,
    const ImmRgb * palette, guint transparent, guint threshold,
    GByteArray * out)
{
  return imm_lzw_encode_masked (indices, n_pixels, min_code_size, palette,
      transparent, threshold, NULL, out);
}

guint
imm_lzw_encode_masked (guint8 * indices, gsize n_pixels, guint min_code_size,
    const ImmRgb * palette, guint transparent, guint threshold,
    const guint16 * thresholds, GByteArray * out)
{
  Lzw *z;
  guint cur, n_blocks;
  gsize i;
  gint err[3] = { 0, 0, 0 };

  g_return_val_if_fail (min_code_size >= 2 && min_code_size <= 8, 0);
  z = g_new (Lzw, 1);
  z->clear_code = 1u << min_code_size;
  z->acc = 0;
  z->n_acc = 0;
  z->block[0] = 0;
  z->n_blocks = 0;
  z->out = out;
  reset_table (z);
  put_code (z, z->clear_code);

  if (n_pixels == 0) {
    put_code (z, z->clear_code + 1);
    goto done;
  }
  cur = indices[0];
  for (i = 1; i < n_pixels; i++) {
    guint p = indices[i], c, t = thresholds ? thresholds[i] : threshold;

    /* the exact continuation first: the common case, and it needs no
     * colour; the error carried along the string then shrinks alone
     * (the wanted colour minus the one shown is the error itself) */
    c = z->hint[cur];
    if (c == NO_CODE || z->pixel[c] != p) {
      c = hash_find (z, cur, p);
      if (c != NO_CODE)
        z->hint[cur] = c;
    }
    if (c != NO_CODE) {
      /* (no error to shrink along most strings: screen content's, and
       * every string that had no replacement) */
      if (t > 0 && p != transparent && (err[0] | err[1] | err[2]) != 0) {
        err[0] = err[0] * 3 / 4;
        err[1] = err[1] * 3 / 4;
        err[2] = err[2] * 3 / 4;
      }
      cur = c;
      continue;
    }
    if (t > 0 && p != transparent) {
      gint want[3];

      want[0] = palette[p].r + err[0];
      want[1] = palette[p].g + err[1];
      want[2] = palette[p].b + err[2];
      c = lossy_child (z, cur, want, palette, transparent, t);
      if (c != NO_CODE) {
        guint q = z->pixel[c];

        /* Part of the error a replacement leaves is carried to the next
         * pixel of the string, so a run of near colours keeps its mean. */
        err[0] = (want[0] - palette[q].r) * 3 / 4;
        err[1] = (want[1] - palette[q].g) * 3 / 4;
        err[2] = (want[2] - palette[q].b) * 3 / 4;
        indices[i] = q;
        cur = c;
        continue;
      }
    }
    emit (z, cur, cur, p);
    cur = p;
    err[0] = err[1] = err[2] = 0;
  }
  emit (z, cur, NO_CODE, 0);
  put_code (z, z->clear_code + 1);

done:
  if (z->n_acc > 0)
    put_byte (z, z->acc & 0xff);
  flush_block (z);
  n_blocks = z->n_blocks;
  g_free (z);
  return n_blocks;
}

/* imm_lzw_local_thresholds' rows, with the table of distances */
typedef struct
{
  const guint8 *indices;
  guint width, height, transparent, cap;
  const guint16 *dist;
  guint16 *out;
} ThresholdJob;

/* Each row reads the indices only: the rows split between threads give
 * the same thresholds. */
static void
threshold_part (guint part, guint n_parts, gpointer data)
{
  const ThresholdJob *j = data;
  const guint16 *dist = j->dist;
  guint width = j->width, height = j->height, transparent = j->transparent;
  guint x, y, y0, y1;

  imm_parallel_slice (part, n_parts, height, &y0, &y1);
  for (y = y0; y < y1; y++) {
    const guint8 *row = j->indices + (gsize) y * width;
    const guint8 *up = y > 0 ? row - width : NULL;
    const guint8 *down = y + 1 < height ? row + width : NULL;
    guint16 *o = j->out + (gsize) y * width;

    for (x = 0; x < width; x++) {
      const guint16 *dq = dist + row[x] * 256;
      guint t = j->cap;

      if (row[x] == transparent) {
        o[x] = 0;
        continue;
      }
      if (x > 0)
        t = MIN (t, dq[row[x - 1]]);
      if (x + 1 < width)
        t = MIN (t, dq[row[x + 1]]);
      if (up)
        t = MIN (t, dq[up[x]]);
      if (down)
        t = MIN (t, dq[down[x]]);
      o[x] = t;
    }
  }
}

void
imm_lzw_local_thresholds (const guint8 * indices, guint width, guint height,
    const ImmRgb * palette, guint n_colors, guint transparent, guint floor_,
    guint cap, guint16 * out)
{
  imm_lzw_local_thresholds_parallel (indices, width, height, palette,
      n_colors, transparent, floor_, cap, NULL, out, NULL);
}

void
imm_lzw_distance_rows (const ImmRgb * palette, guint n_colors,
    guint floor_, guint cap, guint16 * dist, guint row0, guint row1)
{
  guint i, j;

  cap = MIN (cap, G_MAXUINT16);
  floor_ = MIN (floor_, cap);
  /* the distances between entries, clamped (so 16 bits hold them); a
   * transparent or unknown neighbour is 0 away: no masking. Whole rows,
   * written in order: each part of a split table writes its own rows
   * (the symmetric half-table wrote the other half by columns). */
  for (i = row0; i < MIN (row1, 256); i++) {
    guint16 *row = dist + i * 256;

    if (i >= n_colors) {
      for (j = 0; j < 256; j++)
        row[j] = floor_;
      continue;
    }
    for (j = 0; j < n_colors; j++) {
      guint d = imm_rgb_distance (palette[i].r, palette[i].g, palette[i].b,
          palette[j].r, palette[j].g, palette[j].b);

      row[j] = CLAMP (d, floor_, cap);
    }
    row[i] = floor_;
    for (j = n_colors; j < 256; j++)
      row[j] = floor_;
  }
}

void
imm_lzw_distance_table (const ImmRgb * palette, guint n_colors,
    guint floor_, guint cap, guint16 * dist)
{
  imm_lzw_distance_rows (palette, n_colors, floor_, cap, dist, 0, 256);
}

void
imm_lzw_local_thresholds_parallel (const guint8 * indices, guint width,
    guint height, const ImmRgb * palette, guint n_colors, guint transparent,
    guint floor_, guint cap, const guint16 * table, guint16 * out,
    ImmParallel * par)
{
  guint i;
  guint16 *dist = NULL;
  ThresholdJob job;

  cap = MIN (cap, G_MAXUINT16);
  floor_ = MIN (floor_, cap);
  if (floor_ == cap || n_colors == 0) {
    for (i = 0; i < width * height; i++)
      out[i] = indices[i] == transparent ? 0 : floor_;
    return;
  }
  if (!table) {
    table = dist = g_new (guint16, 256 * 256);
    imm_lzw_distance_table (palette, n_colors, floor_, cap, dist);
  }
  job.indices = indices;
  job.width = width;
  job.height = height;
  job.transparent = transparent;
  job.cap = cap;
  job.dist = table;
  job.out = out;
  imm_parallel_run (par, threshold_part, &job);
  g_free (dist);
}

guint
imm_lzw_frame_threshold (guint threshold, guint64 changed, guint64 pixels)
{
  if (changed * 4 >= pixels && pixels > 0)
    return threshold * 3 / 2;
  return threshold;
}
