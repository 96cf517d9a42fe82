/* imm-gst: perceptual difference hash (dHash) of a frame.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dHash: shrink the picture to 9x8 grey cells, then one bit per pair of
 * horizontal neighbours (is the left cell brighter than the right one?):
 * 64 bits that survive scaling, compression and small changes of
 * brightness, and change a lot at a cut.
 *
 * The thumbnail averages a grid of samples in each cell instead of every
 * pixel: at most 8 rows and 16 columns a cell, so a 1080p frame costs about
 * 9000 reads whatever its size.
 */
#include "imm-dhash.h"

#define MAX_ROWS_PER_CELL 8
#define MAX_COLS_PER_CELL 16

typedef guint (*SampleFunc) (const guint8 * const *planes, gint offset);

static guint
sample_luma (const guint8 * const *planes, gint offset)
{
  return planes[0][offset];
}

static guint
sample_rgb (const guint8 * const *planes, gint offset)
{
  /* BT.601 luma in integers: 0.299 R + 0.587 G + 0.114 B */
  return (77 * planes[0][offset] + 150 * planes[1][offset] +
      29 * planes[2][offset]) >> 8;
}

static void
thumbnail (SampleFunc sample, const guint8 * const *planes, gint pstride,
    gint rstride, gint width, gint height, guint8 * thumb)
{
  gint cx, cy;

  for (cy = 0; cy < IMM_DHASH_THUMB_H; cy++) {
    gint y0 = cy * height / IMM_DHASH_THUMB_H;
    gint y1 = MAX (y0 + 1, (cy + 1) * height / IMM_DHASH_THUMB_H);
    gint ystep = MAX (1, (y1 - y0) / MAX_ROWS_PER_CELL);

    for (cx = 0; cx < IMM_DHASH_THUMB_W; cx++) {
      gint x0 = cx * width / IMM_DHASH_THUMB_W;
      gint x1 = MAX (x0 + 1, (cx + 1) * width / IMM_DHASH_THUMB_W);
      gint xstep = MAX (1, (x1 - x0) / MAX_COLS_PER_CELL);
      guint sum = 0, n = 0;
      gint x, y;

      for (y = MIN (y0, height - 1); y < MIN (y1, height); y += ystep) {
        for (x = MIN (x0, width - 1); x < MIN (x1, width); x += xstep) {
          sum += sample (planes, y * rstride + x * pstride);
          n++;
        }
      }
      thumb[cy * IMM_DHASH_THUMB_W + cx] = (guint8) ((sum + n / 2) / n);
    }
  }
}

/**
 * imm_dhash_thumbnail_luma:
 * @luma: the first luma sample
 * @pixel_stride: bytes from one luma sample to the next in a row
 * @row_stride: bytes from one row to the next
 *
 * The 9x8 average-grey thumbnail of a luma plane (or any 8-bit grey
 * component, packed or planar).
 */
void
imm_dhash_thumbnail_luma (const guint8 * luma, gint pixel_stride,
    gint row_stride, gint width, gint height,
    guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H])
{
  const guint8 *planes[1] = { luma };

  g_return_if_fail (luma != NULL && width > 0 && height > 0);
  thumbnail (sample_luma, planes, pixel_stride, row_stride, width, height,
      thumb);
}

/**
 * imm_dhash_thumbnail_rgb:
 *
 * The same for 8-bit RGB components (packed or planar); the grey value is
 * BT.601 luma.
 */
void
imm_dhash_thumbnail_rgb (const guint8 * r, const guint8 * g, const guint8 * b,
    gint pixel_stride, gint row_stride, gint width, gint height,
    guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H])
{
  const guint8 *planes[3] = { r, g, b };

  g_return_if_fail (r && g && b && width > 0 && height > 0);
  thumbnail (sample_rgb, planes, pixel_stride, row_stride, width, height,
      thumb);
}

/**
 * imm_dhash_from_thumbnail:
 *
 * Returns: the 64-bit hash: bit 63 - (8 y + x) is set when cell (x, y) is
 * brighter than cell (x + 1, y).
 */
guint64
imm_dhash_from_thumbnail (const guint8
    thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H])
{
  guint64 hash = 0;
  gint x, y;

  for (y = 0; y < IMM_DHASH_THUMB_H; y++)
    for (x = 0; x < IMM_DHASH_THUMB_W - 1; x++) {
      const guint8 *row = thumb + y * IMM_DHASH_THUMB_W;
      hash = (hash << 1) | (row[x] > row[x + 1]);
    }
  return hash;
}

/**
 * imm_dhash_distance:
 *
 * Returns: the Hamming distance of two hashes, 0 (same) to 64.
 */
guint
imm_dhash_distance (guint64 a, guint64 b)
{
  guint64 v = a ^ b;
  guint n = 0;

  /* Kernighan: one round a set bit. */
  while (v) {
    v &= v - 1;
    n++;
  }
  return n;
}

/**
 * imm_dhash_is_candidate:
 * @distance: the sample's distance to the sample before, -1 for the first
 * @threshold: a change counts when its distance is greater than this
 * @first: whether the first sample counts (it has nothing to differ from)
 * @t: the sample's time (ns)
 * @last: the time of the last candidate, or %IMM_DHASH_NONE
 * @min_gap: the cooldown after a candidate (ns): a change less than this
 *   after it does not count, so that one event (a cut, then the camera
 *   settling) gives one frame
 *
 * The cooldown follows candidates, not the first sample left out with
 * @first %FALSE: that one is no event.
 *
 * Returns: whether the sample is a candidate.
 */
gboolean
imm_dhash_is_candidate (gint distance, guint threshold, gboolean first,
    guint64 t, guint64 last, guint64 min_gap)
{
  if (distance < 0)
    return first;
  if ((guint) distance <= threshold)
    return FALSE;
  /* t - last < min_gap, without overflowing near the end of time */
  if (last != IMM_DHASH_NONE && t >= last && t - last < min_gap)
    return FALSE;
  return TRUE;
}
