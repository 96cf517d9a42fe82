/* imm-gst: unit tests for work split between threads (imm-parallel) and
 * the functions that use it: the same output with any number of parts.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include <string.h>

#include "imm/imm-dither.h"
#include "imm/imm-lzw.h"
#include "imm/imm-palette.h"
#include "imm/imm-parallel.h"

/* a picture with many colours: gradients, noise and a few flat blocks */
static guint8 *
picture (guint w, guint h, guint seed)
{
  guint8 *rgba = g_malloc ((gsize) w * h * 4);
  GRand *rand = g_rand_new_with_seed (seed);
  guint p;

  for (p = 0; p < w * h; p++) {
    guint x = p % w, y = p / w;
    gboolean flat = (x / 16 + y / 16 + seed) % 3 == 0;

    rgba[4 * p] = flat ? 40 : CLAMP ((gint) (x * 255 / w) +
        g_rand_int_range (rand, -30, 30), 0, 255);
    rgba[4 * p + 1] = flat ? 200 : CLAMP ((gint) (y * 255 / h) +
        g_rand_int_range (rand, -30, 30), 0, 255);
    rgba[4 * p + 2] = flat ? 90 : (guint8) g_rand_int_range (rand, 0, 256);
    rgba[4 * p + 3] = 255;
  }
  g_rand_free (rand);
  return rgba;
}

typedef struct
{
  guint n_parts;
  gint seen[8];
  guint rows[8];
} PartsJob;

static void
parts_job (guint part, guint n_parts, gpointer data)
{
  PartsJob *j = data;
  guint y0, y1;

  j->n_parts = n_parts;
  imm_parallel_slice (part, n_parts, 101, &y0, &y1);
  g_atomic_int_inc (&j->seen[part]);
  j->rows[part] = y1 - y0;
}

/* Every part runs exactly once per run (also after the workers slept),
 * the slices cover all rows, a NULL helper runs one part on the caller's
 * thread, and a helper frees at once whether its workers spin or sleep. */
GST_START_TEST (test_parallel_parts)
{
  guint threads, run, i, total;

  for (threads = 0; threads <= 5; threads++) {
    ImmParallel *par = threads ? imm_parallel_new (threads) : NULL;
    guint parts = imm_parallel_parts (par);

    fail_unless_equals_int (parts, MAX (threads, 1));
    for (run = 0; run < 50; run++) {
      PartsJob j;

      /* now and then a pause past the workers' spin (50 us): they
       * sleep, and the run wakes them */
      if (run % 10 == 9)
        g_usleep (300);
      memset (&j, 0, sizeof (j));
      imm_parallel_run (par, parts_job, &j);
      fail_unless_equals_int (j.n_parts, parts);
      for (i = 0, total = 0; i < 8; i++) {
        fail_unless_equals_int (j.seen[i], i < parts ? 1 : 0);
        total += j.rows[i];
      }
      fail_unless_equals_int (total, 101);
    }
    imm_parallel_free (par);
  }
  /* freed while its workers still spin after a run, and unused */
  for (run = 0; run < 20; run++) {
    ImmParallel *par = imm_parallel_new (3);
    PartsJob j;

    memset (&j, 0, sizeof (j));
    if (run % 2)
      imm_parallel_run (par, parts_job, &j);
    imm_parallel_free (par);
    fail_unless_equals_int (j.seen[0] + j.seen[1] + j.seen[2], run % 2 ? 3 : 0);
  }
}

GST_END_TEST;

/* The change marks and their count are the same split in 2 or 3 parts as
 * on one thread, on a picture of 61 rows (uneven slices). */
GST_START_TEST (test_parallel_mark_changes)
{
  const guint w = 97, h = 61;
  guint8 *a = picture (w, h, 1), *c = picture (w, h, 2);
  guint8 *b = g_memdup2 (a, (gsize) w * h * 4);
  guint8 *shown = g_malloc ((gsize) w * h * 3);
  guint8 *canvas = g_malloc ((gsize) w * h * 3);
  guint8 *ref = g_malloc ((gsize) w * h), *mask = g_malloc ((gsize) w * h);
  guint p, threads, n_ref, kinds[4] = { 0 };

  /* shown: frame a as written; the canvas shows it 12 levels off in
   * places, exactly elsewhere; b, the next frame, is a with a block of
   * another picture and single pixels moved by 1 */
  for (p = 0; p < w * h; p++) {
    guint x = p % w, y = p / w;

    memcpy (shown + 3 * p, a + 4 * p, 3);
    memcpy (canvas + 3 * p, a + 4 * p, 3);
    if (p % 7 == 0)
      canvas[3 * p] ^= 12;
    if (x >= 20 && x < 60 && y >= 10 && y < 40)
      memcpy (b + 4 * p, c + 4 * p, 3);
    else if (p % 5 == 0)
      b[4 * p + 1] ^= 1;
  }
  n_ref = imm_dither_mark_changes (b, w * 4, w, h, shown, 30, canvas, 50, ref);
  for (p = 0; p < w * h; p++)
    kinds[ref[p]]++;
  /* the picture exercises written, kept and refined pixels */
  fail_unless (kinds[IMM_DITHER_WRITE] > 100 && kinds[IMM_DITHER_KEEP] > 100
      && kinds[IMM_DITHER_REFINE] > 10, "%u %u %u",
      kinds[IMM_DITHER_WRITE], kinds[IMM_DITHER_KEEP],
      kinds[IMM_DITHER_REFINE]);
  fail_unless_equals_int (n_ref, kinds[IMM_DITHER_WRITE]);
  for (threads = 1; threads <= 3; threads++) {
    ImmParallel *par = imm_parallel_new (threads);

    memset (mask, 0xff, (gsize) w * h);
    fail_unless_equals_int (imm_dither_mark_changes_parallel (b, w * 4, w,
            h, shown, 30, canvas, 50, mask, par), n_ref);
    fail_unless (memcmp (mask, ref, (gsize) w * h) == 0, "%u threads", threads);
    imm_parallel_free (par);
  }
  g_free (a);
  g_free (b);
  g_free (c);
  g_free (shown);
  g_free (canvas);
  g_free (ref);
  g_free (mask);
}

GST_END_TEST;

/* The lossy thresholds are the same split in parts. */
GST_START_TEST (test_parallel_thresholds)
{
  const guint w = 83, h = 47;
  guint8 *idx = g_malloc ((gsize) w * h);
  guint16 *ref = g_new (guint16, (gsize) w * h);
  guint16 *out = g_new (guint16, (gsize) w * h);
  guint16 *table = g_new (guint16, 256 * 256);
  ImmRgb pal[200];
  GRand *rand = g_rand_new_with_seed (7);
  guint i, threads, distinct = 0;

  /* greys: neighbouring entries are close, so thresholds vary between
   * the floor and the cap */
  for (i = 0; i < 200; i++)
    pal[i].r = pal[i].g = pal[i].b = i;
  /* a ramp with noise, some pixels transparent (200) */
  for (i = 0; i < w * h; i++)
    idx[i] = g_rand_int_range (rand, 0, 20) == 0 ? 200 :
        (i % w + i / w / 3 + g_rand_int_range (rand, 0, 4)) % 200;
  imm_lzw_local_thresholds (idx, w, h, pal, 200, 200, 40, 400, ref);
  /* thresholds between the floor and the cap: the rows matter */
  for (i = 0; i < w * h; i++)
    if (ref[i] > 40 && ref[i] < 400)
      distinct++;
  fail_unless (distinct > 50, "%u", distinct);
  for (threads = 1; threads <= 3; threads++) {
    ImmParallel *par = imm_parallel_new (threads);

    memset (out, 0xff, sizeof (guint16) * w * h);
    imm_lzw_local_thresholds_parallel (idx, w, h, pal, 200, 200, 40, 400,
        NULL, out, par);
    fail_unless (memcmp (out, ref, sizeof (guint16) * w * h) == 0,
        "%u threads", threads);
    /* with the distance table made beforehand */
    memset (out, 0xff, sizeof (guint16) * w * h);
    imm_lzw_distance_table (pal, 200, 40, 400, table);
    imm_lzw_local_thresholds_parallel (idx, w, h, pal, 200, 200, 40, 400,
        table, out, par);
    fail_unless (memcmp (out, ref, sizeof (guint16) * w * h) == 0,
        "%u threads, table", threads);
    /* the table made in row ranges (as the GIF threads make it), over a
     * table of garbage: the same entries, every one written */
    {
      guint16 *rows = g_new (guint16, 256 * 256);
      guint k, y0, y1;

      memset (rows, 0xa5, sizeof (guint16) * 256 * 256);
      for (k = 0; k < threads + 1; k++) {
        imm_parallel_slice (k, threads + 1, 200, &y0, &y1);
        imm_lzw_distance_rows (pal, 200, 40, 400, rows, y0,
            k == threads ? 256 : y1);
      }
      fail_unless (memcmp (rows, table, sizeof (guint16) * 256 * 256) == 0,
          "%u row ranges", threads + 1);
      g_free (rows);
    }
    imm_parallel_free (par);
  }
  g_rand_free (rand);
  g_free (idx);
  g_free (ref);
  g_free (out);
  g_free (table);
}

GST_END_TEST;

/* The changed box, its copy and the screen after it are the same split
 * in parts; an all-kept picture crops to nothing. */
GST_START_TEST (test_parallel_crop_commit)
{
  const guint w = 89, h = 53;
  guint8 *idx = g_malloc ((gsize) w * h), *ref = g_malloc ((gsize) w * h);
  guint8 *out = g_malloc ((gsize) w * h), *rgba = picture (w, h, 4);
  guint8 *canvas[2], *shown[2];
  ImmRgb pal[10];
  ImmDitherRect rref, r;
  guint i, threads;

  for (i = 0; i < 10; i++)
    pal[i].r = pal[i].g = pal[i].b = i * 20;
  /* kept (10) but for a few pixels in rows 7-40, columns 5-70 */
  memset (idx, 10, (gsize) w * h);
  idx[7 * w + 30] = 1;
  idx[40 * w + 5] = 2;
  idx[20 * w + 70] = 3;
  for (i = 0; i < 200; i++)
    idx[(20 + i % 15) * w + 10 + i / 15 * 3] = i % 10;
  fail_unless (imm_dither_crop (idx, w, h, 10, ref, &rref));
  fail_unless_equals_int (rref.x, 5);
  fail_unless_equals_int (rref.y, 7);
  fail_unless_equals_int (rref.width, 66);
  fail_unless_equals_int (rref.height, 34);
  for (i = 0; i < 2; i++) {
    canvas[i] = g_malloc0 ((gsize) w * h * 3);
    shown[i] = g_malloc0 ((gsize) w * h * 3);
  }
  imm_dither_commit (ref, &rref, pal, 10, rgba, w * 4, w, canvas[0], shown[0]);
  for (threads = 1; threads <= 3; threads++) {
    ImmParallel *par = imm_parallel_new (threads);

    memset (out, 0xee, (gsize) w * h);
    fail_unless (imm_dither_crop_parallel (idx, w, h, 10, out, &r, par));
    fail_unless (memcmp (&r, &rref, sizeof (r)) == 0, "%u threads", threads);
    fail_unless (memcmp (out, ref, (gsize) r.width * r.height) == 0);
    memset (canvas[1], 0, (gsize) w * h * 3);
    memset (shown[1], 0, (gsize) w * h * 3);
    imm_dither_commit_parallel (out, &r, pal, 10, rgba, w * 4, w,
        canvas[1], shown[1], par);
    fail_unless (memcmp (canvas[0], canvas[1], (gsize) w * h * 3) == 0);
    fail_unless (memcmp (shown[0], shown[1], (gsize) w * h * 3) == 0);
    /* nothing changed */
    memset (idx, 10, (gsize) w * h);
    fail_if (imm_dither_crop_parallel (idx, w, h, 10, out, &r, par));
    fail_unless_equals_int (r.width * r.height, 0);
    idx[7 * w + 30] = 1;
    idx[40 * w + 5] = 2;
    idx[20 * w + 70] = 3;
    for (i = 0; i < 200; i++)
      idx[(20 + i % 15) * w + 10 + i / 15 * 3] = i % 10;
    imm_parallel_free (par);
  }
  for (i = 0; i < 2; i++) {
    g_free (canvas[i]);
    g_free (shown[i]);
  }
  g_free (idx);
  g_free (ref);
  g_free (out);
  g_free (rgba);
}

GST_END_TEST;

/* Floyd-Steinberg as a wavefront of rows on 2 or 3 threads, each with its
 * own map of the palette, gives the indices of one thread: on the first
 * frame (no mask) and on a frame with every kind of mark, 97 pixels wide
 * (not a multiple of the wavefront's step). */
GST_START_TEST (test_parallel_diffusion)
{
  const guint w = 97, h = 45;
  guint8 *rgba = picture (w, h, 5), *other = picture (w, h, 6);
  guint8 *canvas = g_malloc ((gsize) w * h * 3);
  guint8 *mask = g_malloc ((gsize) w * h);
  guint8 *ref = g_malloc ((gsize) w * h), *out = g_malloc ((gsize) w * h);
  ImmPaletteHistogram *hist = imm_palette_histogram_new ();
  ImmPaletteMap *map, *helpers[2];
  ImmRgb pal[256];
  guint n, p, threads, kept = 0, pass;

  imm_palette_histogram_add_rgba (hist, rgba, w, h, w * 4, 1);
  n = imm_palette_build (hist, 200, 2, pal);
  fail_unless (n > 100, "%u colours", n);
  map = imm_palette_map_new (pal, n);
  helpers[0] = imm_palette_map_new (pal, n);
  helpers[1] = imm_palette_map_new (pal, n);
  for (p = 0; p < w * h; p++) {
    memcpy (canvas + 3 * p, other + 4 * p, 3);
    mask[p] = p % 13 < 6 ? IMM_DITHER_WRITE : p % 13 < 9 ? IMM_DITHER_KEEP :
        p % 13 < 11 ? IMM_DITHER_REFINE : IMM_DITHER_RESHOW;
  }
  for (pass = 0; pass < 2; pass++) {
    const guint8 *m = pass ? mask : NULL;

    imm_dither_diffuse_temporal (map, 10, 50, rgba, w * 4, w, h, m, canvas,
        n, ref);
    for (threads = 2; threads <= 3; threads++) {
      ImmParallel *par = imm_parallel_new (threads);
      guint run;

      for (run = 0; run < 5; run++) {
        memset (out, 0xee, (gsize) w * h);
        imm_dither_diffuse_temporal_parallel (map, helpers, 10, 50, rgba,
            w * 4, w, h, m, canvas, n, out, par);
        fail_unless (memcmp (out, ref, (gsize) w * h) == 0,
            "pass %u, %u threads, run %u", pass, threads, run);
      }
      imm_parallel_free (par);
    }
  }
  /* the masked pass kept pixels (KEEP, and REFINE not worth it) */
  for (p = 0; p < w * h; p++)
    kept += ref[p] == n;
  fail_unless (kept > w * h / 5, "%u kept", kept);
  imm_palette_map_free (map);
  imm_palette_map_free (helpers[0]);
  imm_palette_map_free (helpers[1]);
  imm_palette_histogram_free (hist);
  g_free (rgba);
  g_free (other);
  g_free (canvas);
  g_free (mask);
  g_free (ref);
  g_free (out);
}

GST_END_TEST;

/* The palette (median cut, then k-means with the assignment split by
 * bins) is the same split in parts. */
GST_START_TEST (test_parallel_palette)
{
  guint8 *rgba = picture (160, 120, 3);
  ImmPaletteHistogram *hist = imm_palette_histogram_new ();
  ImmRgb ref[256], out[256];
  guint n, threads;

  imm_palette_histogram_add_rgba (hist, rgba, 160, 120, 160 * 4, 1);
  n = imm_palette_build (hist, 255, 3, ref);
  fail_unless (n > 200, "%u colours", n);
  for (threads = 1; threads <= 3; threads++) {
    ImmParallel *par = imm_parallel_new (threads);

    fail_unless_equals_int (imm_palette_build_parallel (hist, 255, 3, out,
            par), n);
    fail_unless (memcmp (out, ref, n * sizeof (ImmRgb)) == 0, "%u threads",
        threads);
    imm_parallel_free (par);
  }
  imm_palette_histogram_free (hist);
  g_free (rgba);
}

GST_END_TEST;

/* A map that follows another looks colours up as the leader does, in the
 * leader's cache, also from another thread at the same time; after the
 * leader's next palette, following again gives that palette's answers. */
typedef struct
{
  ImmPaletteMap *map;
  guint8 *out;
} LookupJob;

static gpointer
lookup_all (gpointer data)
{
  LookupJob *j = data;
  guint i;

  /* every 3rd level of each channel, 86^3 colours */
  for (i = 0; i < 86 * 86 * 86; i++)
    j->out[i] = imm_palette_map_lookup (j->map, (i % 86) * 3,
        (i / 86 % 86) * 3, (i / (86 * 86)) * 3);
  return NULL;
}

GST_START_TEST (test_parallel_map_follow)
{
  GRand *rand = g_rand_new_with_seed (3);
  ImmRgb pal[256];
  guint round, i, n = 86 * 86 * 86;
  guint8 *want = g_malloc (n), *a = g_malloc (n), *b = g_malloc (n);
  ImmPaletteMap *leader = NULL, *follower = NULL;

  for (round = 0; round < 3; round++) {
    ImmPaletteMap *fresh;
    LookupJob jw, ja, jb;
    GThread *t;

    for (i = 0; i < 256; i++) {
      pal[i].r = g_rand_int_range (rand, 0, 256);
      pal[i].g = g_rand_int_range (rand, 0, 256);
      pal[i].b = g_rand_int_range (rand, 0, 256);
    }
    fresh = imm_palette_map_new (pal, 200 + round);
    jw.map = fresh;
    jw.out = want;
    lookup_all (&jw);
    imm_palette_map_free (fresh);

    if (leader)
      imm_palette_map_set_colors (leader, pal, 200 + round);
    else
      leader = imm_palette_map_new (pal, 200 + round);
    if (follower)
      imm_palette_map_follow (follower, leader);
    else
      follower = imm_palette_map_new_following (leader);
    ja.map = leader;
    ja.out = a;
    jb.map = follower;
    jb.out = b;
    t = g_thread_new ("follower", lookup_all, &jb);
    lookup_all (&ja);
    g_thread_join (t);
    fail_unless (memcmp (a, want, n) == 0, "leader, round %u", round);
    fail_unless (memcmp (b, want, n) == 0, "follower, round %u", round);
  }
  imm_palette_map_free (follower);
  imm_palette_map_free (leader);
  g_free (want);
  g_free (a);
  g_free (b);
  g_rand_free (rand);
}

GST_END_TEST;

static Suite *
parallel_suite (void)
{
  Suite *s = suite_create ("parallel");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_parallel_parts);
  tcase_add_test (tc, test_parallel_mark_changes);
  tcase_add_test (tc, test_parallel_thresholds);
  tcase_add_test (tc, test_parallel_crop_commit);
  tcase_add_test (tc, test_parallel_diffusion);
  tcase_add_test (tc, test_parallel_palette);
  tcase_add_test (tc, test_parallel_map_follow);
  return s;
}

GST_CHECK_MAIN (parallel);
