/* Unit tests of the GIF LZW encoder: giflib decodes what it writes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include <string.h>

#include <gif_lib.h>

#include "imm/imm-lzw.h"
#include "../../common/gif-memory.h"

static int
write_mem (GifFileType * gif, const GifByteType * data, int len)
{
  g_byte_array_append (gif->UserData, data, len);
  return len;
}

/* Per-pixel thresholds for roundtrip (NULL: its @threshold for all). */
static const guint16 *roundtrip_thresholds;

/* A one-frame GIF of @w x @h @indices written through giflib, its image
 * data from imm_lzw_encode_masked; decoded back with DGifSlurp into
 * @decoded. Returns the size of the image data. */
static gsize
roundtrip (guint8 * indices, guint w, guint h, const ImmRgb * pal,
    guint n_colors, guint transparent, guint threshold, guint8 * decoded)
{
  GByteArray *file = g_byte_array_new (), *data = g_byte_array_new ();
  GifColorType colors[256];
  ColorMapObject *cmap;
  GifFileType *gif;
  guint i, size = 2, mcs = imm_lzw_min_code_size (n_colors);
  gsize pos = 0, data_len;
  int err;

  while (size < n_colors)
    size *= 2;
  memset (colors, 0, sizeof (colors));
  for (i = 0; i < n_colors; i++) {
    colors[i].Red = pal[i].r;
    colors[i].Green = pal[i].g;
    colors[i].Blue = pal[i].b;
  }
  cmap = GifMakeMapObject (size, colors);
  fail_unless (cmap != NULL);
  fail_unless_equals_int (cmap->BitsPerPixel < 2 ? 2 : cmap->BitsPerPixel, mcs);
  imm_lzw_encode_masked (indices, (gsize) w * h, mcs, pal, transparent,
      threshold, roundtrip_thresholds, data);
  data_len = data->len;

  gif = EGifOpen (file, write_mem, &err);
  fail_unless (gif != NULL);
  fail_unless_equals_int (EGifPutScreenDesc (gif, w, h, 8, 0, NULL), GIF_OK);
  fail_unless_equals_int (EGifPutImageDesc (gif, 0, 0, w, h, false, cmap),
      GIF_OK);
  while (pos < data->len) {
    fail_unless_equals_int (EGifPutCodeNext (gif, data->data + pos), GIF_OK);
    pos += data->data[pos] + 1;
  }
  fail_unless_equals_int (EGifPutCodeNext (gif, NULL), GIF_OK);
  fail_unless_equals_int (EGifCloseFile (gif, &err), GIF_OK);
  GifFreeMapObject (cmap);

  gif = gif_memory_slurp (file->data, file->len);
  fail_unless (gif != NULL);
  fail_unless_equals_int (gif->ImageCount, 1);
  memcpy (decoded, gif->SavedImages[0].RasterBits, (gsize) w * h);
  DGifCloseFile (gif, &err);
  g_byte_array_unref (file);
  g_byte_array_unref (data);
  return data_len;
}

static void
make_palette (ImmRgb * pal, guint n)
{
  guint i;

  /* a grey ramp: neighbouring entries are near colours */
  for (i = 0; i < n; i++)
    pal[i].r = pal[i].g = pal[i].b = n > 1 ? i * 255 / (n - 1) : 0;
}

/* Noisy ramp: long enough to fill the 4096-code table several times. */
static guint8 *
make_picture (guint w, guint h, guint n, guint32 seed)
{
  guint8 *idx = g_malloc ((gsize) w * h);
  GRand *rand = g_rand_new_with_seed (seed);
  guint x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      gint v = (gint) (x * n / w) + g_rand_int_range (rand, -2, 3);
      idx[y * w + x] = CLAMP (v, 0, (gint) n - 1);
    }
  g_rand_free (rand);
  return idx;
}

GST_START_TEST (test_lzw_exact_roundtrip)
{
  static const guint n_colors[] = { 1, 2, 3, 4, 16, 17, 200, 256 };
  ImmRgb pal[256];
  guint k;

  for (k = 0; k < G_N_ELEMENTS (n_colors); k++) {
    guint n = n_colors[k], w = 301, h = 97;
    guint8 *idx = make_picture (w, h, n, k + 1);
    guint8 *orig = g_memdup2 (idx, (gsize) w * h);
    guint8 *dec = g_malloc ((gsize) w * h);

    make_palette (pal, n);
    roundtrip (idx, w, h, pal, n, 256, 0, dec);
    fail_unless (memcmp (idx, orig, (gsize) w * h) == 0, "%u colours", n);
    fail_unless (memcmp (dec, orig, (gsize) w * h) == 0, "%u colours", n);
    g_free (idx);
    g_free (orig);
    g_free (dec);
  }
}

GST_END_TEST;

GST_START_TEST (test_lzw_lossy_decodes_to_reported)
{
  ImmRgb pal[256];
  guint w = 320, h = 240, n = 200, transparent = 199, i;
  guint8 *idx = make_picture (w, h, n, 42);
  guint8 *orig, *exact = g_malloc ((gsize) w * h);
  guint8 *dec = g_malloc ((gsize) w * h);
  gsize exact_len, lossy_len;
  guint changed = 0;

  make_palette (pal, n);
  /* transparent blocks, which must survive exactly */
  for (i = 0; i < w * h; i++)
    if ((i / 7) % 5 == 0)
      idx[i] = transparent;
  orig = g_memdup2 (idx, (gsize) w * h);
  memcpy (exact, idx, (gsize) w * h);
  exact_len = roundtrip (exact, w, h, pal, n, transparent, 0, dec);
  lossy_len = roundtrip (idx, w, h, pal, n, transparent, 300, dec);
  /* what giflib decodes is exactly what the encoder says it wrote */
  fail_unless (memcmp (dec, idx, (gsize) w * h) == 0);
  for (i = 0; i < w * h; i++) {
    fail_unless_equals_int (orig[i] == transparent, idx[i] == transparent);
    if (idx[i] != orig[i]) {
      changed++;
      /* within the threshold plus the carried error */
      fail_unless (ABS ((gint) pal[idx[i]].r - (gint) pal[orig[i]].r) <= 20,
          "pixel %u: %u -> %u", i, orig[i], idx[i]);
    }
  }
  fail_unless (changed > 0);
  fail_unless (lossy_len * 10 < exact_len * 8, "lossy %" G_GSIZE_FORMAT
      " bytes, exact %" G_GSIZE_FORMAT, lossy_len, exact_len);
  g_free (idx);
  g_free (orig);
  g_free (exact);
  g_free (dec);
}

GST_END_TEST;

GST_START_TEST (test_lzw_deterministic)
{
  ImmRgb pal[256];
  guint w = 200, h = 100;
  guint8 *a = make_picture (w, h, 64, 3), *b = g_memdup2 (a, w * h);
  GByteArray *da = g_byte_array_new (), *db = g_byte_array_new ();

  make_palette (pal, 64);
  imm_lzw_encode (a, w * h, 6, pal, 256, 200, da);
  imm_lzw_encode (b, w * h, 6, pal, 256, 200, db);
  fail_unless_equals_int (da->len, db->len);
  fail_unless (memcmp (da->data, db->data, da->len) == 0);
  fail_unless (memcmp (a, b, w * h) == 0);
  g_byte_array_unref (da);
  g_byte_array_unref (db);
  g_free (a);
  g_free (b);
}

GST_END_TEST;

/* The lossy thresholds follow the picture: the floor on a flat area and
 * along an edge, the neighbour distance (clamped to the cap) where a pixel
 * differs from all 4 neighbours; a masked encoding keeps the flat half
 * exact and still saves bytes on the noisy half. */
GST_START_TEST (test_lzw_masked_thresholds)
{
  ImmRgb pal[256];
  guint w = 320, h = 240, n = 200, x, y, changed = 0;
  guint8 *idx = make_picture (w, h, n, 7), *orig, *exact, *dec;
  guint16 *t = g_new (guint16, (gsize) w * h);
  gsize exact_len, lossy_len;
  guint8 tiny[3 * 3] = { 0, 0, 0, 0, 10, 0, 0, 0, 0 };
  guint16 tt[9];

  make_palette (pal, n);
  /* a lone different pixel: its nearest neighbour is 10 entries away;
   * the pixels around it have an equal neighbour (flat): the floor */
  imm_lzw_local_thresholds (tiny, 3, 3, pal, n, 256, 5, 60000, tt);
  fail_unless_equals_int (tt[4], imm_rgb_distance (pal[0].r, pal[0].g,
          pal[0].b, pal[10].r, pal[10].g, pal[10].b));
  fail_unless_equals_int (tt[1], 5);
  fail_unless_equals_int (tt[0], 5);
  imm_lzw_local_thresholds (tiny, 3, 3, pal, n, 256, 5, 100, tt);
  fail_unless_equals_int (tt[4], 100);
  /* next to a transparent pixel: the floor */
  tiny[1] = 255;
  imm_lzw_local_thresholds (tiny, 3, 3, pal, n, 255, 5, 60000, tt);
  fail_unless_equals_int (tt[4], 5);
  fail_unless_equals_int (tt[1], 0);

  /* left half flat, right half noise */
  for (y = 0; y < h; y++)
    memset (idx + (gsize) y * w, 100, w / 2);
  orig = g_memdup2 (idx, (gsize) w * h);
  exact = g_memdup2 (idx, (gsize) w * h);
  dec = g_malloc ((gsize) w * h);
  exact_len = roundtrip (exact, w, h, pal, n, 256, 0, dec);
  imm_lzw_local_thresholds (idx, w, h, pal, n, 256, 0, 400, t);
  for (y = 0; y < h; y++)
    for (x = 0; x + 1 < w / 2; x++)
      fail_unless_equals_int (t[y * w + x], 0);
  roundtrip_thresholds = t;
  lossy_len = roundtrip (idx, w, h, pal, n, 256, 0, dec);
  roundtrip_thresholds = NULL;
  fail_unless (memcmp (dec, idx, (gsize) w * h) == 0);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      if (x + 1 < w / 2) {
        fail_unless_equals_int (idx[y * w + x], orig[y * w + x]);
      } else {
        changed += idx[y * w + x] != orig[y * w + x];
      }
    }
  fail_unless (changed > 0);
  fail_unless (lossy_len < exact_len, "masked %" G_GSIZE_FORMAT
      " bytes, exact %" G_GSIZE_FORMAT, lossy_len, exact_len);
  g_free (idx);
  g_free (orig);
  g_free (exact);
  g_free (dec);
  g_free (t);
}

GST_END_TEST;

/* 1 in 4 pixels changed or more: 1.5x the threshold; fewer: as given. */
GST_START_TEST (test_lzw_frame_threshold)
{
  fail_unless_equals_int (imm_lzw_frame_threshold (200, 19200, 76800), 300);
  fail_unless_equals_int (imm_lzw_frame_threshold (200, 76800, 76800), 300);
  fail_unless_equals_int (imm_lzw_frame_threshold (200, 19199, 76800), 200);
  fail_unless_equals_int (imm_lzw_frame_threshold (200, 0, 76800), 200);
  fail_unless_equals_int (imm_lzw_frame_threshold (0, 76800, 76800), 0);
  fail_unless_equals_int (imm_lzw_frame_threshold (200, 0, 0), 200);
}

GST_END_TEST;

static Suite *
lzw_suite (void)
{
  Suite *s = suite_create ("lzw");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_lzw_exact_roundtrip);
  tcase_add_test (tc, test_lzw_lossy_decodes_to_reported);
  tcase_add_test (tc, test_lzw_deterministic);
  tcase_add_test (tc, test_lzw_masked_thresholds);
  tcase_add_test (tc, test_lzw_frame_threshold);
  return s;
}

GST_CHECK_MAIN (lzw);
