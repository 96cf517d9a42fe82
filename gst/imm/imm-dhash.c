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

/* How to read one pixel's 8-bit luma. */
typedef struct
{
  gint offsets[3];              /* RGB: byte offsets of R, G and B */
  gboolean little_endian;       /* 16-bit: byte order */
  gint shift;                   /* 16-bit: bits below the value */
  gint drop;                    /* 16-bit: low bits of the value dropped */
} SampleParams;

typedef guint (*SampleFunc) (const guint8 * p, const SampleParams * sp);

static guint
sample_luma (const guint8 * p, const SampleParams * sp)
{
  (void) sp;
  return p[0];
}

static guint
sample_luma16 (const guint8 * p, const SampleParams * sp)
{
  guint v = sp->little_endian ? p[0] | (p[1] << 8) : (p[0] << 8) | p[1];

  return ((v >> sp->shift) >> sp->drop) & 0xff;
}

static guint
sample_rgb (const guint8 * p, const SampleParams * sp)
{
  /* BT.601 luma weights in 1/256ths, rounded; they sum to 256. */
  return (77 * p[sp->offsets[0]] + 150 * p[sp->offsets[1]] +
      29 * p[sp->offsets[2]] + 128) >> 8;
}

/* Averages each cell, reading at most IMM_DHASH_ROWS_PER_CELL evenly spread
 * rows of it. */
static gboolean
thumbnail (const guint8 * data, gint stride, gint pixel_stride, gint width,
    gint height, SampleFunc sample, const SampleParams * offsets,
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
  static const SampleParams none = { {0, 0, 0}, FALSE, 0, 0 };

  return thumbnail (data, stride, pixel_stride, width, height, sample_luma,
      &none, thumb);
}

/**
 * imm_dhash_thumbnail_luma16:
 * @little_endian: byte order of the 16-bit samples
 * @shift: bits below the value in the 16-bit word (P010: 6)
 * @depth: bits of the value, 9 to 16
 *
 * Like imm_dhash_thumbnail_luma() for luma stored in 16-bit words (10-,
 * 12- and 16-bit video); the thumbnail keeps the 8 high bits.
 */
gboolean
imm_dhash_thumbnail_luma16 (const guint8 * data, gint stride,
    gint pixel_stride, gboolean little_endian, gint shift, gint depth,
    gint width, gint height, guint8 thumb[IMM_DHASH_THUMB_SIZE])
{
  SampleParams sp = { {0, 0, 0}, little_endian, shift, depth - 8 };

  if (depth < 9 || depth > 16 || shift < 0 || shift + depth > 16
      || pixel_stride < 2)
    return FALSE;
  return thumbnail (data, stride, pixel_stride, width, height, sample_luma16,
      &sp, thumb);
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
  const SampleParams sp = { {r_offset, g_offset, b_offset}, FALSE, 0, 0 };

  return thumbnail (data, stride, pixel_stride, width, height, sample_rgb,
      &sp, thumb);
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
