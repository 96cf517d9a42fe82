/* Unit tests of the dHash core.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-dhash.h"

static guint64
hash_luma (const guint8 * data, gint stride, gint w, gint h)
{
  guint8 thumb[IMM_DHASH_THUMB_SIZE];

  fail_unless (imm_dhash_thumbnail_luma (data, stride, 1, w, h, thumb));
  return imm_dhash_from_thumbnail (thumb);
}

GST_START_TEST (test_gradients)
{
  guint8 up[90 * 80], down[90 * 80];
  gint x, y;

  for (y = 0; y < 80; y++)
    for (x = 0; x < 90; x++) {
      up[y * 90 + x] = x * 2;
      down[y * 90 + x] = 255 - x * 2;
    }
  /* brightness rising to the right: no pixel is brighter than its right
   * neighbour; falling: all 64 are */
  fail_unless_equals_uint64 (hash_luma (up, 90, 90, 80), 0);
  fail_unless_equals_uint64 (hash_luma (down, 90, 90, 80),
      G_GUINT64_CONSTANT (0xffffffffffffffff));
}

GST_END_TEST;

GST_START_TEST (test_half_bright)
{
  guint8 img[90 * 80];
  guint8 thumb[IMM_DHASH_THUMB_SIZE];
  gint x, y;

  /* 10-pixel cells; the edge at x = 45 cuts cell 4 in half */
  for (y = 0; y < 80; y++)
    for (x = 0; x < 90; x++)
      img[y * 90 + x] = x < 45 ? 200 : 50;
  fail_unless (imm_dhash_thumbnail_luma (img, 90, 1, 90, 80, thumb));
  fail_unless_equals_int (thumb[3], 200);
  fail_unless_equals_int (thumb[4], 125);
  fail_unless_equals_int (thumb[5], 50);
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (thumb),
      G_GUINT64_CONSTANT (0x1818181818181818));
}

GST_END_TEST;

GST_START_TEST (test_one_row_differs)
{
  guint8 img[18 * 16];
  guint8 thumb[IMM_DHASH_THUMB_SIZE];
  gint x, y;

  /* 2x2 cells; thumbnail row 5 (picture rows 10 and 11) falls to the right */
  for (y = 0; y < 16; y++)
    for (x = 0; x < 18; x++)
      img[y * 18 + x] = (y / 2 == 5) ? 250 - x * 10 : 10 + x;
  fail_unless (imm_dhash_thumbnail_luma (img, 18, 1, 18, 16, thumb));
  /* (250 + 240) / 2 = 245, then 225 */
  fail_unless_equals_int (thumb[5 * 9 + 0], 245);
  fail_unless_equals_int (thumb[5 * 9 + 1], 225);
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (thumb),
      G_GUINT64_CONSTANT (0xff) << 40);
}

GST_END_TEST;

GST_START_TEST (test_pixel_stride_and_padding)
{
  /* luma at every second byte (like YUY2), rows padded to 200 bytes */
  guint8 img[200 * 80];
  gint x, y;

  memset (img, 0x77, sizeof (img));
  for (y = 0; y < 80; y++)
    for (x = 0; x < 90; x++)
      img[y * 200 + x * 2] = x < 45 ? 200 : 50;
  {
    guint8 thumb[IMM_DHASH_THUMB_SIZE];

    fail_unless (imm_dhash_thumbnail_luma (img, 200, 2, 90, 80, thumb));
    fail_unless_equals_uint64 (imm_dhash_from_thumbnail (thumb),
        G_GUINT64_CONSTANT (0x1818181818181818));
  }
}

GST_END_TEST;

GST_START_TEST (test_rgb_luma)
{
  guint8 img[9 * 8 * 4];
  guint8 thumb[IMM_DHASH_THUMB_SIZE];
  gint i;

  /* RGBx: pure red, green, blue columns repeating */
  for (i = 0; i < 9 * 8; i++) {
    guint8 *p = img + i * 4;
    gint c = (i % 9) % 3;

    p[0] = c == 0 ? 255 : 0;
    p[1] = c == 1 ? 255 : 0;
    p[2] = c == 2 ? 255 : 0;
    p[3] = 0;
  }
  fail_unless (imm_dhash_thumbnail_rgb (img, 36, 4, 0, 1, 2, 9, 8, thumb));
  fail_unless_equals_int (thumb[0], 77);
  fail_unless_equals_int (thumb[1], 149);
  fail_unless_equals_int (thumb[2], 29);
  /* 77 < 149 no, 149 > 29 yes, 29 < 77 no, ... per row: bits 1, 4, 7 */
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (thumb),
      G_GUINT64_CONSTANT (0x9292929292929292));
}

GST_END_TEST;

GST_START_TEST (test_large_uniform_subsampled)
{
  gint w = 1280, h = 720;
  guint8 *img = g_malloc (w * h);
  guint8 thumb[IMM_DHASH_THUMB_SIZE];
  gint i;

  memset (img, 99, w * h);
  fail_unless (imm_dhash_thumbnail_luma (img, w, 1, w, h, thumb));
  for (i = 0; i < IMM_DHASH_THUMB_SIZE; i++)
    fail_unless_equals_int (thumb[i], 99);
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (thumb), 0);
  g_free (img);
}

GST_END_TEST;

GST_START_TEST (test_luma16)
{
  guint16 le[90 * 80], p010[90 * 80];
  guint8 *be = g_malloc (90 * 80 * 2);
  guint8 a[IMM_DHASH_THUMB_SIZE], b[IMM_DHASH_THUMB_SIZE];
  gint x, y;

  for (y = 0; y < 80; y++)
    for (x = 0; x < 90; x++) {
      guint v8 = x < 45 ? 200 : 50;
      guint16 v16 = v8 << 8 | 0x7f;

      /* 16-bit little-endian (GRAY16_LE on this test's host order) */
      le[y * 90 + x] = GUINT16_TO_LE (v16);
      be[(y * 90 + x) * 2] = v16 >> 8;
      be[(y * 90 + x) * 2 + 1] = v16 & 0xff;
      /* 10 bits in the high bits of the word, like P010 */
      p010[y * 90 + x] = GUINT16_TO_LE ((v8 << 2 | 3) << 6);
    }
  fail_unless (imm_dhash_thumbnail_luma16 ((guint8 *) le, 180, 2, TRUE, 0,
          16, 90, 80, a));
  fail_unless (imm_dhash_thumbnail_luma16 (be, 180, 2, FALSE, 0, 16, 90, 80,
          b));
  fail_unless (memcmp (a, b, sizeof (a)) == 0);
  fail_unless_equals_int (a[3], 200);
  fail_unless_equals_int (a[4], 125);
  fail_unless (imm_dhash_thumbnail_luma16 ((guint8 *) p010, 180, 2, TRUE, 6,
          10, 90, 80, b));
  fail_unless (memcmp (a, b, sizeof (a)) == 0);
  fail_unless_equals_uint64 (imm_dhash_from_thumbnail (b),
      G_GUINT64_CONSTANT (0x1818181818181818));
  /* 8-bit depth is not a 16-bit layout */
  fail_if (imm_dhash_thumbnail_luma16 ((guint8 *) le, 180, 2, TRUE, 0, 8, 90,
          80, b));
  g_free (be);
}

GST_END_TEST;

GST_START_TEST (test_too_small)
{
  guint8 img[8 * 8] = { 0 };
  guint8 thumb[IMM_DHASH_THUMB_SIZE];

  fail_if (imm_dhash_thumbnail_luma (img, 8, 1, 8, 8, thumb));
}

GST_END_TEST;

GST_START_TEST (test_distance)
{
  fail_unless_equals_int (imm_dhash_distance (0, 0), 0);
  fail_unless_equals_int (imm_dhash_distance (0, G_MAXUINT64), 64);
  fail_unless_equals_int (imm_dhash_distance (1, 3), 1);
  fail_unless_equals_int (imm_dhash_distance (G_GUINT64_CONSTANT
          (0x1818181818181818), 0), 16);
  fail_unless_equals_int (imm_dhash_distance (G_GUINT64_CONSTANT
          (0x8000000000000001), 1), 1);
}

GST_END_TEST;

static Suite *
dhash_suite (void)
{
  Suite *s = suite_create ("dhash");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_gradients);
  tcase_add_test (tc, test_half_bright);
  tcase_add_test (tc, test_one_row_differs);
  tcase_add_test (tc, test_pixel_stride_and_padding);
  tcase_add_test (tc, test_rgb_luma);
  tcase_add_test (tc, test_large_uniform_subsampled);
  tcase_add_test (tc, test_luma16);
  tcase_add_test (tc, test_too_small);
  tcase_add_test (tc, test_distance);
  return s;
}

GST_CHECK_MAIN (dhash);
