/* imm-gst: 64-bit difference hash (dHash) of a picture.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-dhash.h"

/* Cell bounds are computed with integer arithmetic so that the cells tile
 * the picture exactly: cell i covers [i * size / n, (i + 1) * size / n). */
static inline gint
cell_edge (gint i, gint size, gint n)
{
  return (gint) (((gint64) i * size) / n);
}

/* Averages one cell, reading at most IMM_DHASH_ROWS_PER_CELL evenly spread
 * rows of it. @sample returns the luma of the pixel at a byte offset. */
typedef guint (*SampleFunc) (const guint8 * p, const gint offsets[3]);

static guint
sample_luma (const guint8 * p, const gint offsets[3])
{
  (void) offsets;
  return p[0];
}

static guint
sample_rgb (const guint8 * p, const gint offsets[3])
{
  /* BT.601 luma weights in 1/256ths, rounded; they sum to 256. */
  return (77 * p[offsets[0]] + 150 * p[offsets[1]] + 29 * p[offsets[2]] +
      128) >> 8;
}

static gboolean
thumbnail (const guint8 * data, gint stride, gint pixel_stride, gint width,
    gint height, SampleFunc sample, const gint offsets[3],
    guint8 thumb[IMM_DHASH_THUMB_SIZE])
{
  gint r, c;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (thumb != NULL, FALSE);
  if (width < IMM_DHASH_THUMB_WIDTH || height < IMM_DHASH_THUMB_HEIGHT
      || pixel_stride < 1 || stride < width * pixel_stride)
    return FALSE;

  for (r = 0; r < IMM_DHASH_THUMB_HEIGHT; r++) {
    gint y0 = cell_edge (r, height, IMM_DHASH_THUMB_HEIGHT);
    gint y1 = cell_edge (r + 1, height, IMM_DHASH_THUMB_HEIGHT);
    gint rows = y1 - y0;
    gint step = rows > IMM_DHASH_ROWS_PER_CELL ?
        rows / IMM_DHASH_ROWS_PER_CELL : 1;
    guint64 sums[IMM_DHASH_THUMB_WIDTH] = { 0 };
    guint64 counts[IMM_DHASH_THUMB_WIDTH] = { 0 };
    gint y;

    for (y = y0; y < y1; y += step) {
      const guint8 *line = data + (gsize) y * stride;

      for (c = 0; c < IMM_DHASH_THUMB_WIDTH; c++) {
        gint x0 = cell_edge (c, width, IMM_DHASH_THUMB_WIDTH);
        gint x1 = cell_edge (c + 1, width, IMM_DHASH_THUMB_WIDTH);
        const guint8 *p = line + (gsize) x0 * pixel_stride;
        guint64 sum = 0;
        gint x;

        for (x = x0; x < x1; x++, p += pixel_stride)
          sum += sample (p, offsets);
        sums[c] += sum;
        counts[c] += x1 - x0;
      }
    }
    for (c = 0; c < IMM_DHASH_THUMB_WIDTH; c++)
      thumb[r * IMM_DHASH_THUMB_WIDTH + c] =
          (guint8) ((sums[c] + counts[c] / 2) / counts[c]);
  }
  return TRUE;
}

/**
 * imm_dhash_thumbnail_luma:
 * @data: first byte of the top-left pixel's luma sample
 * @stride: bytes from one row to the next
 * @pixel_stride: bytes from one luma sample to the next in a row
 * @width: @height: picture size, at least 9x8
 * @thumb: (out): the 9x8 box-averaged thumbnail, row by row
 *
 * Returns: FALSE when the picture is smaller than the thumbnail.
 */
gboolean
imm_dhash_thumbnail_luma (const guint8 * data, gint stride, gint pixel_stride,
    gint width, gint height, guint8 thumb[IMM_DHASH_THUMB_SIZE])
{
  static const gint none[3] = { 0, 0, 0 };

  return thumbnail (data, stride, pixel_stride, width, height, sample_luma,
      none, thumb);
}

/**
 * imm_dhash_thumbnail_rgb:
 * Like imm_dhash_thumbnail_luma() for packed 8-bit RGB: luma is computed
 * from the bytes at @r_offset, @g_offset and @b_offset of each pixel.
 */
gboolean
imm_dhash_thumbnail_rgb (const guint8 * data, gint stride, gint pixel_stride,
    gint r_offset, gint g_offset, gint b_offset, gint width, gint height,
    guint8 thumb[IMM_DHASH_THUMB_SIZE])
{
  const gint offsets[3] = { r_offset, g_offset, b_offset };

  return thumbnail (data, stride, pixel_stride, width, height, sample_rgb,
      offsets, thumb);
}

/**
 * imm_dhash_from_thumbnail:
 * @thumb: 9x8 grey thumbnail, row by row
 *
 * Bit (row * 8 + col), counted from the least significant bit, is set when
 * the thumbnail pixel at (col, row) is brighter than its right neighbour.
 *
 * Returns: the 64-bit dHash.
 */
guint64
imm_dhash_from_thumbnail (const guint8 thumb[IMM_DHASH_THUMB_SIZE])
{
  guint64 hash = 0;
  gint r, c;

  for (r = 0; r < IMM_DHASH_THUMB_HEIGHT; r++) {
    const guint8 *row = thumb + r * IMM_DHASH_THUMB_WIDTH;

    for (c = 0; c < IMM_DHASH_THUMB_WIDTH - 1; c++)
      if (row[c] > row[c + 1])
        hash |= G_GUINT64_CONSTANT (1) << (r * 8 + c);
  }
  return hash;
}

/**
 * imm_dhash_distance:
 *
 * Returns: the Hamming distance of two hashes, 0 to 64.
 */
guint
imm_dhash_distance (guint64 a, guint64 b)
{
  guint64 x = a ^ b;
  guint n = 0;

  while (x) {
    x &= x - 1;
    n++;
  }
  return n;
}
