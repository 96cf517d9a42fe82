/* Unit tests of the dHash: thumbnails of luma and RGB planes, hashes and
 * distances.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-dhash.h"

/* A 90x80 grey image whose 9x8 cells hold the given values. */
static guint8 *
cells_image (const guint8 cells[72])
{
  guint8 *img = g_malloc (90 * 80);
  gint x, y;

  for (y = 0; y < 80; y++)
    for (x = 0; x < 90; x++)
      img[y * 90 + x] = cells[(y / 10) * 9 + x / 10];
  return img;
}

GST_START_TEST (test_dhash_known_images)
{
  guint8 cells[72], thumb[72];
  guint8 *img;
  gint i;

  /* brightness falling to the right: every left cell is brighter */
  for (i = 0; i < 72; i++)
    cells[i] = 250 - (i % 9) * 20;
  img = cells_image (cells);
  imm_dhash_thumbnail_luma (img, 1, 90, 90, 80, thumb);
  fail_unless (memcmp (thumb, cells, 72) == 0);
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (thumb), G_MAXUINT64);
  g_free (img);

  /* rising to the right: no bit set */
  for (i = 0; i < 72; i++)
    cells[i] = 10 + (i % 9) * 20;
  img = cells_image (cells);
  imm_dhash_thumbnail_luma (img, 1, 90, 90, 80, thumb);
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (thumb), 0);
  g_free (img);

  /* flat: equal neighbours are not brighter */
  memset (cells, 128, 72);
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (cells), 0);

  /* only the first pair of the first row: the top bit */
  cells[0] = 200;
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (cells),
      G_GUINT64_CONSTANT (1) << 63);
  /* only the last pair of the last row: the bottom bit */
  cells[0] = 128;
  cells[71] = 0;
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (cells), 1);
}

GST_END_TEST;

GST_START_TEST (test_dhash_rgb_and_stride)
{
  /* 18x8 RGBx, padded rows: left half white, right half black. Each
   * cell is 2x1; the bright/dark border lies between cells 3 and 5. */
  const gint w = 18, h = 8, stride = 18 * 4 + 12;
  guint8 *img = g_malloc0 (stride * h);
  guint8 thumb[72], luma_thumb[72];
  gint x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w / 2; x++)
      memset (img + y * stride + x * 4, 255, 3);
  imm_dhash_thumbnail_rgb (img, img + 1, img + 2, 4, stride, w, h, thumb);
  /* cells 0..3 white, 4 straddles (1 white px, 1 black px), 5..8 black */
  fail_unless_equals_int (thumb[0], 255);
  fail_unless_equals_int (thumb[4], 128);
  fail_unless_equals_int (thumb[8], 0);
  /* bits: pairs (3,4) and (4,5) in every row */
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (thumb),
      G_GUINT64_CONSTANT (0x1818181818181818));
  /* the green channel alone as a luma plane gives the same cells */
  imm_dhash_thumbnail_luma (img + 1, 4, stride, w, h, luma_thumb);
  fail_unless_equals_int (luma_thumb[0], 255);
  fail_unless_equals_int (luma_thumb[8], 0);
  g_free (img);
}

GST_END_TEST;

GST_START_TEST (test_dhash_tiny_image)
{
  /* smaller than the thumbnail: cells repeat pixels, nothing overruns */
  const guint8 img[2] = { 200, 10 };
  guint8 thumb[72];

  imm_dhash_thumbnail_luma (img, 1, 2, 2, 1, thumb);
  fail_unless_equals_int (thumb[0], 200);
  fail_unless_equals_int (thumb[8], 10);
  fail_unless_equals_int (thumb[71], 10);
}

GST_END_TEST;

GST_START_TEST (test_dhash_distance)
{
  fail_unless_equals_int (imm_dhash_distance (0, 0), 0);
  fail_unless_equals_int (imm_dhash_distance (0, G_MAXUINT64), 64);
  fail_unless_equals_int (imm_dhash_distance (0xF0, 0x0F), 8);
  fail_unless_equals_int (imm_dhash_distance (G_GUINT64_CONSTANT (1) << 63,
          1), 2);
}

GST_END_TEST;

#define S GST_SECOND
static const struct
{
  gint distance;
  guint threshold;
  gboolean first;
  guint64 t, last, min_gap;
  gboolean expected;
} candidate_cases[] = {
  /* the first sample: as @first says, whatever the cooldown */
  {-1, 10, TRUE, 0, IMM_DHASH_NONE, 0, TRUE},
  {-1, 10, FALSE, 0, IMM_DHASH_NONE, 0, FALSE},
  {-1, 64, TRUE, 5 * S, 4 * S, 10 * S, TRUE},
  /* greater than threshold, not equal */
  {10, 10, TRUE, S, IMM_DHASH_NONE, 0, FALSE},
  {11, 10, TRUE, S, IMM_DHASH_NONE, 0, TRUE},
  {64, 64, TRUE, S, IMM_DHASH_NONE, 0, FALSE},
  /* no cooldown: right after a candidate */
  {11, 10, TRUE, S, 0, 0, TRUE},
  /* cooldown 2 s after a candidate at 1 s: 2.999 s out, 3 s in */
  {30, 10, TRUE, 3 * S - 1, S, 2 * S, FALSE},
  {30, 10, TRUE, 3 * S, S, 2 * S, TRUE},
  /* nothing taken yet: no cooldown */
  {30, 10, FALSE, S, IMM_DHASH_NONE, 2 * S, TRUE},
  /* a change below threshold stays out after the cooldown too */
  {5, 10, TRUE, 9 * S, S, 2 * S, FALSE},
  /* near the end of time: no overflow */
  {30, 10, TRUE, G_MAXUINT64 - 1, G_MAXUINT64 - 2, G_MAXUINT64, FALSE},
};

GST_START_TEST (test_dhash_candidate)
{
  fail_unless_equals_int (imm_dhash_is_candidate (candidate_cases
          [__i__].distance, candidate_cases[__i__].threshold,
          candidate_cases[__i__].first, candidate_cases[__i__].t,
          candidate_cases[__i__].last, candidate_cases[__i__].min_gap),
      candidate_cases[__i__].expected);
}

GST_END_TEST;

static Suite *
dhash_suite (void)
{
  Suite *s = suite_create ("dhash");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_dhash_known_images);
  tcase_add_test (tc, test_dhash_rgb_and_stride);
  tcase_add_test (tc, test_dhash_tiny_image);
  tcase_add_test (tc, test_dhash_distance);
  tcase_add_loop_test (tc, test_dhash_candidate, 0,
      G_N_ELEMENTS (candidate_cases));
  return s;
}

GST_CHECK_MAIN (dhash);
