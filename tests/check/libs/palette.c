/* Unit tests of the GIF palette, dithering and inter-frame code.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include <string.h>

#include "imm/imm-anim.h"
#include "imm/imm-dither.h"
#include "imm/imm-oklab.h"
#include "imm/imm-palette.h"

static guint8 *
picture (guint w, guint h, const guint8 * colors, guint n_colors)
{
  guint8 *rgba = g_malloc ((gsize) w * h * 4);
  guint p;

  /* uneven populations: colour i covers (i + 1) parts */
  for (p = 0; p < w * h; p++) {
    guint part = p * (n_colors * (n_colors + 1) / 2) / (w * h), i = 0, acc = 1;

    while (part >= acc && i + 1 < n_colors) {
      i++;
      acc += i + 1;
    }
    memcpy (rgba + 4 * p, colors + 3 * i, 3);
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

GST_START_TEST (test_palette_exact_few_colors)
{
  static const guint8 colors[5 * 3] = { 255, 0, 0, 0, 255, 0, 0, 0, 255,
    255, 255, 255, 10, 20, 30
  };
  guint8 *rgba = picture (40, 30, colors, 5);
  ImmPaletteHistogram *hist = imm_palette_histogram_new ();
  ImmRgb pal[256];
  ImmPaletteMap *map;
  guint8 idx[40 * 30];
  guint n, i, p;

  imm_palette_histogram_add_rgba (hist, rgba, 40, 30, 160, 1);
  fail_unless_equals_int (imm_palette_histogram_total (hist), 1200);
  n = imm_palette_build (hist, 256, 3, pal);
  fail_unless_equals_int (n, 5);
  map = imm_palette_map_new (pal, n);
  imm_dither_rgba (map, IMM_DITHER_BAYER, 20, rgba, 40, 30, 160, idx);
  for (p = 0; p < 40 * 30; p++) {
    const ImmRgb *c = &pal[idx[p]];
    fail_unless (c->r == rgba[4 * p] && c->g == rgba[4 * p + 1] &&
        c->b == rgba[4 * p + 2], "pixel %u", p);
  }
  /* fewer colours than the picture has: all entries used */
  n = imm_palette_build (hist, 2, 3, pal);
  fail_unless_equals_int (n, 2);
  for (i = 0; i < 2; i++)
    fail_if (pal[i].r == 0 && pal[i].g == 0 && pal[i].b == 0);
  imm_palette_map_free (map);
  imm_palette_histogram_free (hist);
  g_free (rgba);
}

GST_END_TEST;

GST_START_TEST (test_palette_empty)
{
  ImmPaletteHistogram *hist = imm_palette_histogram_new ();
  ImmRgb pal[4];

  fail_unless_equals_int (imm_palette_build (hist, 4, 2, pal), 0);
  imm_palette_histogram_free (hist);
}

GST_END_TEST;

GST_START_TEST (test_dither_ordered_is_stable)
{
  guint8 a[64 * 4 * 8], b[64 * 4 * 8];
  guint8 ia[64 * 8], ib[64 * 8];
  ImmRgb pal[2] = { {0, 0, 0}, {255, 255, 255}
  };
  ImmPaletteMap *map = imm_palette_map_new (pal, 2);
  guint p, ones = 0;

  for (p = 0; p < 64 * 8; p++) {
    a[4 * p] = a[4 * p + 1] = a[4 * p + 2] = 128;
    a[4 * p + 3] = 255;
  }
  memcpy (b, a, sizeof (a));
  /* change the right half only */
  for (p = 0; p < 64 * 8; p++)
    if (p % 64 >= 32)
      b[4 * p] = b[4 * p + 1] = b[4 * p + 2] = 200;
  imm_dither_rgba (map, IMM_DITHER_BAYER, 64, a, 64, 8, 256, ia);
  imm_dither_rgba (map, IMM_DITHER_BAYER, 64, b, 64, 8, 256, ib);
  for (p = 0; p < 64 * 8; p++) {
    if (p % 64 < 32)
      fail_unless_equals_int (ia[p], ib[p]);
    ones += ia[p];
  }
  /* mid grey at full strength: about half the pixels white */
  fail_unless (ones > 64 * 8 * 4 / 10 && ones < 64 * 8 * 6 / 10, "%u", ones);
  /* error diffusion also averages to grey */
  imm_dither_rgba (map, IMM_DITHER_FLOYD_STEINBERG, 0, a, 64, 8, 256, ia);
  for (ones = 0, p = 0; p < 64 * 8; p++)
    ones += ia[p];
  fail_unless (ones > 64 * 8 * 4 / 10 && ones < 64 * 8 * 6 / 10, "%u", ones);
  imm_dither_rgba (map, IMM_DITHER_NONE, 0, a, 64, 8, 256, ia);
  for (ones = 0, p = 0; p < 64 * 8; p++)
    ones += ia[p];
  fail_unless (ones == 0 || ones == 64 * 8);
  imm_palette_map_free (map);
}

GST_END_TEST;

GST_START_TEST (test_gif_delay_carry)
{
  guint64 written = 0, step = 1000000000ull / 15;
  gint64 expect[6] = { 7, 6, 7, 7, 6, 7 };
  guint i;

  for (i = 0; i < 6; i++) {
    gint64 d = imm_anim_gif_delay_cs ((i + 1) * step, written);
    fail_unless_equals_int64 (d, expect[i]);
    written += d;
  }
  /* 100 fps: 1 cs frames, below the minimum */
  fail_unless_equals_int64 (imm_anim_gif_delay_cs (10000000, 0), 1);
}

GST_END_TEST;

/* The temporal path on a 10x6 picture: the first frame writes every
 * pixel; the same picture again writes none; two changed pixels give
 * their bounding box with the others transparent; a move within the
 * tolerance is no change. */
GST_START_TEST (test_temporal_changes_rect)
{
  ImmRgb pal[3] = { {0, 0, 0}, {255, 255, 255}, {0, 0, 0}
  };
  guint8 rgba[10 * 6 * 4], idx[60], canvas[60 * 3], shown[60 * 3], mask[60];
  guint8 out[60];
  ImmPaletteMap *map = imm_palette_map_new (pal, 2);
  ImmDitherRect r;
  guint p;

  memset (rgba, 0, sizeof (rgba));
  memset (canvas, 0, sizeof (canvas));
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 40, 10, 6, NULL,
          120, canvas, 150, mask), 60);
  imm_dither_diffuse_temporal (map, 10, 150, rgba, 40, 10, 6, NULL, canvas,
      2, idx);
  fail_unless (imm_dither_crop (idx, 10, 6, 2, out, &r));
  fail_unless (r.x == 0 && r.y == 0 && r.width == 10 && r.height == 6);
  imm_dither_commit (out, &r, pal, 2, rgba, 40, 10, canvas, shown);
  /* same picture: nothing changed */
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 40, 10, 6, shown,
          120, canvas, 150, mask), 0);
  /* two white pixels at (3,1) and (5,4) */
  rgba[4 * 13] = rgba[4 * 13 + 1] = rgba[4 * 13 + 2] = 255;
  rgba[4 * 45] = rgba[4 * 45 + 1] = rgba[4 * 45 + 2] = 255;
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 40, 10, 6, shown,
          120, canvas, 150, mask), 2);
  imm_dither_diffuse_temporal (map, 10, 150, rgba, 40, 10, 6, mask, canvas,
      2, idx);
  fail_unless (imm_dither_crop (idx, 10, 6, 2, out, &r));
  fail_unless (r.x == 3 && r.y == 1 && r.width == 3 && r.height == 4);
  fail_unless_equals_int (out[0], 1);
  fail_unless_equals_int (out[3 * 4 - 1], 1);
  for (p = 1; p < 11; p++)
    fail_unless_equals_int (out[p], 2);
  imm_dither_commit (out, &r, pal, 2, rgba, 40, 10, canvas, shown);
  fail_unless_equals_int (canvas[3 * 13], 255);
  fail_unless_equals_int (canvas[3 * 14], 0);
  /* a small colour move within the tolerance is no change */
  rgba[0] = 3;
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 40, 10, 6, shown,
          120, canvas, 150, mask), 0);
  imm_palette_map_free (map);
}

GST_END_TEST;

/* A still pixel of a whole frame (IMM_DITHER_RESHOW) is always written
 * (never the transparent index), and keeps the entry nearest the colour on
 * screen when that fits its source as well as the best entry: the grey
 * 132 lies 4 levels from both 128 and 136 (the map's answer for it is
 * 136); shown as 128, it stays 128; shown as black (far off), it takes
 * 136, as a written pixel does; a kept pixel stays transparent. */
/* A colour the palette holds maps to its entry with exact lookups on: grey
 * 164's cache cell (164-167, centre 166) lies as near 168 as 164, and the
 * tie goes to the lower index, 168; 165 (no entry) keeps the cell's answer.
 * Off, 164 maps as its cell does. A new palette's colours are exact too,
 * and an entry repeated maps to its first index. */
GST_START_TEST (test_map_lookup_exact)
{
  ImmRgb pal[3] = { {168, 168, 168}, {164, 164, 164}, {20, 40, 60}
  };
  ImmRgb pal2[3] = { {164, 164, 164}, {168, 168, 168}, {168, 168, 168}
  };
  ImmPaletteMap *map = imm_palette_map_new (pal, 3);

  fail_unless_equals_int (imm_palette_map_lookup (map, 164, 164, 164), 0);
  imm_palette_map_set_exact (map, TRUE);
  fail_unless_equals_int (imm_palette_map_lookup (map, 164, 164, 164), 1);
  fail_unless_equals_int (imm_palette_map_lookup (map, 165, 165, 165), 0);
  fail_unless_equals_int (imm_palette_map_lookup (map, 168, 168, 168), 0);
  fail_unless_equals_int (imm_palette_map_lookup (map, 20, 40, 60), 2);
  imm_palette_map_set_exact (map, FALSE);
  fail_unless_equals_int (imm_palette_map_lookup (map, 164, 164, 164), 0);

  imm_palette_map_set_colors (map, pal2, 3);
  imm_palette_map_set_exact (map, TRUE);
  fail_unless_equals_int (imm_palette_map_lookup (map, 164, 164, 164), 0);
  fail_unless_equals_int (imm_palette_map_lookup (map, 168, 168, 168), 1);
  fail_unless_equals_int (imm_palette_map_lookup (map, 20, 40, 60), 0);
  imm_palette_map_free (map);
}

GST_END_TEST;

GST_START_TEST (test_reshow_keeps_screen_colour)
{
  ImmRgb pal[3] = { {0, 0, 0}, {128, 128, 128}, {136, 136, 136}
  };
  guint8 rgba[4 * 4], canvas[4 * 3], idx[4];
  guint8 mask[4] = { IMM_DITHER_RESHOW, IMM_DITHER_WRITE, IMM_DITHER_RESHOW,
    IMM_DITHER_KEEP
  };
  ImmPaletteMap *map = imm_palette_map_new (pal, 3);
  guint p;

  for (p = 0; p < 4; p++) {
    rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = 132;
    rgba[4 * p + 3] = 255;
  }
  memset (canvas, 128, sizeof (canvas));
  memset (canvas + 3 * 2, 0, 3);
  fail_unless_equals_int (imm_palette_map_lookup (map, 132, 132, 132), 2);
  /* strength 0: no diffusion, each pixel is judged on its own source */
  imm_dither_diffuse_temporal (map, 0, 150, rgba, 16, 4, 1, mask, canvas, 3,
      idx);
  fail_unless_equals_int (idx[0], 1);
  fail_unless_equals_int (idx[1], 2);
  fail_unless_equals_int (idx[2], 2);
  fail_unless_equals_int (idx[3], 3);
  imm_palette_map_free (map);
}

GST_END_TEST;

/* An 8x8 RGBA picture of grey @level and its screen (@shown: what the
 * last palette showed, @canvas: what is on screen) all grey @on_screen:
 * the still scene the change-marking tests start from. */
static void
grey_scene (guint8 * rgba, guint8 * shown, guint8 * canvas, guint8 level,
    guint8 on_screen)
{
  guint p;

  for (p = 0; p < 64; p++) {
    rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = level;
    rgba[4 * p + 3] = 255;
  }
  memset (shown, on_screen, 8 * 8 * 3);
  memset (canvas, on_screen, 8 * 8 * 3);
}

/* Isolated noise is not written: a lone pixel moved past the tolerance
 * but not 4x past it stays; the same move over a 3x3 block is written;
 * a lone pixel moved far is written; at tolerance 0 any move is. */
GST_START_TEST (test_changes_ignore_isolated_noise)
{
  guint8 rgba[8 * 8 * 4], shown[8 * 8 * 3], canvas[8 * 8 * 3], mask[64];
  guint p, x, y;

  grey_scene (rgba, shown, canvas, 100, 100);
  /* (3,3) up 5 levels: distance 11 * 25 = 275 > 120, < 4 * 120 */
  rgba[4 * 27] = rgba[4 * 27 + 1] = rgba[4 * 27 + 2] = 105;
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 0, mask), 0);
  fail_unless_equals_int (mask[27], IMM_DITHER_KEEP);
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          0, canvas, 0, mask), 1);
  fail_unless_equals_int (mask[27], IMM_DITHER_WRITE);
  /* the whole 3x3 block around it up 5 levels: the centre and the edge
   * middles (6 of 9 neighbours moved, mean 3 levels: 2 * 99 > 120) are
   * written, the corners (4 of 9, mean 2 levels: 2 * 44 < 120) stay */
  for (y = 2; y <= 4; y++)
    for (x = 2; x <= 4; x++)
      for (p = 0; p < 3; p++)
        rgba[4 * (8 * y + x) + p] = 105;
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 0, mask), 5);
  fail_unless_equals_int (mask[27], IMM_DITHER_WRITE);
  fail_unless_equals_int (mask[19], IMM_DITHER_WRITE);
  fail_unless_equals_int (mask[18], IMM_DITHER_KEEP);
  fail_unless_equals_int (mask[17], IMM_DITHER_KEEP);
  /* back to a lone pixel, moved 8 levels: 704 > 4 * 120 */
  for (p = 0; p < 64; p++)
    rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = 100;
  rgba[4 * 63] = rgba[4 * 63 + 1] = rgba[4 * 63 + 2] = 108;
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 0, mask), 1);
  fail_unless_equals_int (mask[63], IMM_DITHER_WRITE);
}

GST_END_TEST;

/* The rule of imm_dither_mark_changes written plainly, pixel by pixel: the
 * oracle for its vector path. */
static guint
rule_distance (const guint8 * a, const guint8 * b)
{
  return imm_rgb_distance (a[0], a[1], a[2], b[0], b[1], b[2]);
}

static guint8
rule_mark (const guint8 * rgba, const guint8 * shown, const guint8 * canvas,
    guint w, guint h, guint tolerance, guint refine, guint x, guint y)
{
  const guint8 *p = rgba + 4 * (y * w + x), *s = shown + 3 * (y * w + x);
  const guint8 *c = canvas + 3 * (y * w + x);
  guint dp, e, tol, box, k, n = 0;
  gint sum[3] = { 0, 0, 0 };
  gint xx, yy;
  gboolean around = TRUE;

  if (memcmp (p, s, 3) == 0 && memcmp (c, s, 3) == 0)
    return IMM_DITHER_KEEP;
  dp = rule_distance (p, s);
  e = rule_distance (c, s);
  tol = CLAMP (4 * e, tolerance, 2 * tolerance);
  for (yy = (gint) y - 1; yy <= (gint) y + 1; yy++)
    for (xx = (gint) x - 1; xx <= (gint) x + 1; xx++) {
      if (xx < 0 || yy < 0 || xx >= (gint) w || yy >= (gint) h)
        continue;
      for (k = 0; k < 3; k++)
        sum[k] += rgba[4 * (yy * w + xx) + k] - shown[3 * (yy * w + xx) + k];
      n++;
    }
  for (k = 0; k < 3; k++)
    sum[k] = (sum[k] + (sum[k] >= 0 ? (gint) n / 2 : -(gint) n / 2)) /
        (gint) n;
  box = 3 * sum[0] * sum[0] + 6 * sum[1] * sum[1] + 2 * sum[2] * sum[2];
  if (dp > tol && (dp > 4 * tol || 2 * box > tol))
    return IMM_DITHER_WRITE;
  for (k = 0; k < 4; k++) {
    xx = (gint) x + (k == 0 ? -1 : k == 1 ? 1 : 0);
    yy = (gint) y + (k == 2 ? -1 : k == 3 ? 1 : 0);
    if (xx >= 0 && yy >= 0 && xx < (gint) w && yy < (gint) h
        && memcmp (canvas + 3 * (yy * w + xx), shown + 3 * (yy * w + xx),
            3) != 0)
      around = FALSE;
  }
  if (refine > 0 && rule_distance (p, c) > refine && !(dp > tol && e == 0
          && around))
    return IMM_DITHER_REFINE;
  return IMM_DITHER_KEEP;
}

/* Scenes of every kind of pixel (exact, drifting a little or far, in
 * blocks or alone, shown exactly or off; or mostly exact), widths that leave 0-3 pixels
 * after the groups of 4 and the narrowest pictures: the marks and the
 * count are the rule's, pixel for pixel. */
GST_START_TEST (test_changes_match_rule)
{
  static const guint sizes[][2] = { {1, 1}, {2, 5}, {5, 3}, {6, 3}, {7, 4},
  {9, 9}, {10, 2}, {33, 17}, {64, 20}, {67, 31}
  };
  GRand *rand = g_rand_new_with_seed (7);
  guint si, round, checked = 0;

  for (si = 0; si < G_N_ELEMENTS (sizes); si++)
    for (round = 0; round < 12; round++) {
      guint w = sizes[si][0], h = sizes[si][1], i, k, n = 0, expect = 0;
      guint8 *rgba = g_malloc ((gsize) w * h * 4);
      guint8 *shown = g_malloc ((gsize) w * h * 3);
      guint8 *canvas = g_malloc ((gsize) w * h * 3);
      guint8 *mask = g_malloc ((gsize) w * h);
      guint tolerance = round % 4 == 0 ? 0 : g_rand_int_range (rand, 1, 400);
      guint refine = round % 3 == 0 ? 0 : g_rand_int_range (rand, 1, 300);
      guint base = g_rand_int_range (rand, 0, 256);

      for (i = 0; i < w * h; i++) {
        /* every sixth scene mostly still and exact (screen content) */
        guint kind = round % 6 == 5 && g_rand_int_range (rand, 0, 10) > 0 ?
            0 : g_rand_int_range (rand, 0, 6);

        for (k = 0; k < 3; k++) {
          gint v = base + g_rand_int_range (rand, -6, 7);
          gint drift = kind == 0 ? 0 : kind <= 2 ? g_rand_int_range (rand,
              -4, 5) : kind == 3 ? g_rand_int_range (rand, -40, 41) : 0;
          gint off = kind == 4 || g_rand_int_range (rand, 0, 3) == 0 ?
              g_rand_int_range (rand, -5, 6) : 0;

          if (round % 5 == 4)   /* the extremes of the channels */
            v = g_rand_boolean (rand) ? 0 : 255, drift *= 8;
          shown[3 * i + k] = CLAMP (v, 0, 255);
          rgba[4 * i + k] = CLAMP (v + drift, 0, 255);
          canvas[3 * i + k] = kind == 0 || kind == 5 ? shown[3 * i + k] :
              CLAMP (v + off, 0, 255);
        }
        rgba[4 * i + 3] = g_rand_int_range (rand, 0, 256);
      }
      n = imm_dither_mark_changes (rgba, (gsize) w * 4, w, h, shown,
          tolerance, canvas, refine, mask);
      for (i = 0; i < w * h; i++) {
        guint8 want = rule_mark (rgba, shown, canvas, w, h, tolerance,
            refine, i % w, i / w);

        if (mask[i] != want)
          fail ("%ux%u round %u: pixel (%u, %u) marked %u, the rule says %u",
              w, h, round, i % w, i / w, mask[i], want);
        expect += want == IMM_DITHER_WRITE;
        checked += want != IMM_DITHER_KEEP;
      }
      fail_unless_equals_int (n, expect);
      g_free (rgba);
      g_free (shown);
      g_free (canvas);
      g_free (mask);
    }
  /* the scenes held pixels of every mark */
  fail_unless (checked > 1000);
  g_rand_free (rand);
}

GST_END_TEST;

/* A still pixel shown off is refined; one whose own isolated change left
 * it off is not while it and its 4 neighbours are shown exactly (screen
 * content: no palette shows it better), but is once a neighbour is shown
 * with an error (dithered content, where a later palette may help). */
GST_START_TEST (test_changes_refine_not_isolated_exact)
{
  guint8 rgba[8 * 8 * 4], shown[8 * 8 * 3], canvas[8 * 8 * 3], mask[64];

  grey_scene (rgba, shown, canvas, 100, 100);
  /* (3,3) up 5 levels alone: isolated (see above), 275 > refine 150 */
  rgba[4 * 27] = rgba[4 * 27 + 1] = rgba[4 * 27 + 2] = 105;
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 150, mask), 0);
  fail_unless_equals_int (mask[27], IMM_DITHER_KEEP);
  /* its left neighbour shown 1 level off: refined */
  canvas[3 * 26] = 101;
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 150, mask), 0);
  fail_unless_equals_int (mask[27], IMM_DITHER_REFINE);
  fail_unless_equals_int (mask[26], IMM_DITHER_KEEP);
  /* shown 5 levels off a still source (its source unchanged since
   * written): refined, exact neighbours or not */
  canvas[3 * 26] = 100;
  memset (shown + 3 * 27, 105, 3);
  memset (canvas + 3 * 27, 100, 3);
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 150, mask), 0);
  fail_unless_equals_int (mask[27], IMM_DITHER_REFINE);
}

GST_END_TEST;

/* A frame's distinct colours, in order of first appearance, only where the
 * mask is set; more than the maximum gives the maximum + 1. */
GST_START_TEST (test_distinct_colours)
{
  guint8 rgba[6 * 4] = { 1, 2, 3, 255, 1, 2, 3, 255, 9, 9, 9, 255,
    7, 7, 7, 255, 1, 2, 3, 0, 5, 5, 5, 255
  };
  guint8 mask[6] = { 1, 1, 1, 0, 1, 2 };
  ImmRgb out[256];

  fail_unless_equals_int (imm_palette_distinct_masked (rgba, 6, 1, 24, mask,
          255, out), 3);
  fail_unless_equals_int (out[0].r, 1);
  fail_unless_equals_int (out[0].b, 3);
  fail_unless_equals_int (out[1].g, 9);
  fail_unless_equals_int (out[2].r, 5);
  fail_unless_equals_int (imm_palette_distinct_masked (rgba, 6, 1, 24, NULL,
          255, out), 4);
  fail_unless_equals_int (out[2].r, 7);
  fail_unless_equals_int (imm_palette_distinct_masked (rgba, 6, 1, 24, NULL,
          3, out), 4);
  fail_unless_equals_int (imm_palette_distinct_masked (rgba, 3, 2, 12, NULL,
          3, out), 4);
  fail_unless_equals_int (imm_palette_distinct_masked (rgba, 6, 1, 24, mask,
          0, out), 1);
}

GST_END_TEST;

/* The noise floor: a picture shown 3 levels off its source (dithered, say)
 * tolerates a drift that an exactly shown one does not, up to twice the
 * tolerance. */
GST_START_TEST (test_changes_noise_floor)
{
  guint8 rgba[8 * 8 * 4], shown[8 * 8 * 3], canvas[8 * 8 * 3], mask[64];
  guint p;

  /* a drift of 4 levels everywhere: 11 * 16 = 176 > 120 */
  grey_scene (rgba, shown, canvas, 104, 100);
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 0, mask), 64);
  /* shown 3 levels off (99): tolerance min (4 * 99, 2 * 120) = 240 */
  memset (canvas, 97, sizeof (canvas));
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 0, mask), 0);
  /* a drift of 5 levels (275) is past twice the tolerance */
  for (p = 0; p < 64; p++)
    rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = 105;
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 0, mask), 64);
  /* 1 level off (11): 4 * 11 = 44, the tolerance stays 120 */
  for (p = 0; p < 64; p++)
    rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = 104;
  memset (canvas, 99, sizeof (canvas));
  fail_unless_equals_int (imm_dither_mark_changes (rgba, 32, 8, 8, shown,
          120, canvas, 0, mask), 64);
}

GST_END_TEST;

/* Palettes built on four threads at once, from two different pictures,
 * are the ones built on one thread: nothing in the builder is shared. */
typedef struct
{
  const ImmPaletteHistogram *hist;
  const ImmRgb *expected;
  guint n_expected;
  gint mismatches;
} PaletteJob;

static gpointer
palette_job (gpointer data)
{
  PaletteJob *job = data;
  guint round;

  for (round = 0; round < 6; round++) {
    ImmRgb pal[256];
    guint n = imm_palette_build (job->hist, 255, 4, pal);

    if (n != job->n_expected
        || memcmp (pal, job->expected, n * sizeof (ImmRgb)) != 0)
      g_atomic_int_inc (&job->mismatches);
  }
  return NULL;
}

static guint8 *
noisy_picture (guint w, guint h, guint seed)
{
  guint8 *rgba = g_malloc ((gsize) w * h * 4);
  GRand *rand = g_rand_new_with_seed (seed);
  guint p;

  for (p = 0; p < w * h; p++) {
    guint x = p % w, y = p / w;

    rgba[4 * p] = CLAMP ((gint) (x * 255 / w) + g_rand_int_range (rand, -20,
            20), 0, 255);
    rgba[4 * p + 1] = CLAMP ((gint) (y * 255 / h) + g_rand_int_range (rand,
            -20, 20), 0, 255);
    rgba[4 * p + 2] = (guint8) g_rand_int_range (rand, 0, 256) / (seed + 1);
    rgba[4 * p + 3] = 255;
  }
  g_rand_free (rand);
  return rgba;
}

/* the centre of a colour's cell in the lookup cache */
#define CELL(v) (((guint) (v) & ~3u) | 2)

/* The ordered search gives what a scan of every entry gives: the nearest
 * entry (from the centre of the 6-bit cache cell), the lowest index among
 * equals. Random palettes with duplicates and ties. */
GST_START_TEST (test_map_lookup_is_nearest)
{
  GRand *rand = g_rand_new_with_seed (11);
  guint round;

  for (round = 0; round < 20; round++) {
    ImmRgb pal[256];
    guint n = 1 + g_rand_int_range (rand, 0, 256), i, q;
    ImmPaletteMap *map;

    for (i = 0; i < n; i++) {
      /* coarse values make ties and duplicates likely */
      pal[i].r = g_rand_int_range (rand, 0, 16) * 17;
      pal[i].g = g_rand_int_range (rand, 0, 16) * 17;
      pal[i].b = g_rand_int_range (rand, 0, 16) * 17;
    }
    map = imm_palette_map_new (pal, n);
    for (q = 0; q < 2000; q++) {
      guint8 r = g_rand_int_range (rand, 0, 256);
      guint8 g = g_rand_int_range (rand, 0, 256);
      guint8 b = g_rand_int_range (rand, 0, 256);
      guint best = 0, bd = G_MAXUINT;

      for (i = 0; i < n; i++) {
        guint d =
            imm_rgb_distance (CELL (r), CELL (g), CELL (b), pal[i].r, pal[i].g,
            pal[i].b);
        if (d < bd) {
          bd = d;
          best = i;
        }
      }
      fail_unless_equals_int (imm_palette_map_lookup (map, r, g, b), best);
    }
    imm_palette_map_free (map);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* Palettes spread along one direction that is not the grey axis (a ramp
 * of one channel, saturated bars, red to blue), with a little scatter:
 * the walk follows the palette's own axis and must still find what a scan
 * of every entry finds. */
GST_START_TEST (test_map_lookup_axis_is_nearest)
{
  static const gint dirs[4][3] = { {0, 0, 1}, {1, -1, 0}, {1, 0, -1},
  {-1, 1, 1}
  };
  GRand *rand = g_rand_new_with_seed (34);
  guint round;

  for (round = 0; round < 8; round++) {
    const gint *d = dirs[round % 4];
    ImmRgb pal[256];
    guint n = 16 + g_rand_int_range (rand, 0, 240), i, q;
    ImmPaletteMap *map;
    gint k;

    for (i = 0; i < n; i++) {
      gint t = g_rand_int_range (rand, -120, 121);
      guint8 *c = &pal[i].r;

      for (k = 0; k < 3; k++) {
        gint v = 128 + d[k] * t + g_rand_int_range (rand, -6, 7);

        c[k] = CLAMP (v, 0, 255);
      }
    }
    map = imm_palette_map_new (pal, n);
    for (q = 0; q < 4000; q++) {
      guint best = 0, bd = G_MAXUINT;
      gint c[3];

      for (k = 0; k < 3; k++)
        c[k] = g_rand_int_range (rand, 0, 256);
      for (i = 0; i < n; i++) {
        guint dd =
            imm_rgb_distance (CELL (c[0]), CELL (c[1]), CELL (c[2]), pal[i].r,
            pal[i].g, pal[i].b);
        if (dd < bd) {
          bd = dd;
          best = i;
        }
      }
      fail_unless_equals_int (imm_palette_map_lookup (map, c[0], c[1], c[2]),
          best);
    }
    imm_palette_map_free (map);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* Neighbouring colours, as a dithered picture asks them: each miss is
 * seeded with the last answer and may stop at its safe radius; the answers
 * must still be those of a scan of every entry. */
GST_START_TEST (test_map_lookup_walk_is_nearest)
{
  GRand *rand = g_rand_new_with_seed (12);
  guint round;

  for (round = 0; round < 10; round++) {
    ImmRgb pal[256];
    guint n = 2 + g_rand_int_range (rand, 0, 255), i, q;
    gint c[3] = { 128, 128, 128 }, k;
    ImmPaletteMap *map;

    for (i = 0; i < n; i++) {
      pal[i].r = g_rand_int_range (rand, 0, 256);
      pal[i].g = g_rand_int_range (rand, 0, 256);
      pal[i].b = g_rand_int_range (rand, 0, 256);
    }
    map = imm_palette_map_new (pal, n);
    for (q = 0; q < 5000; q++) {
      guint best = 0, bd = G_MAXUINT;
      guint8 got;

      for (k = 0; k < 3; k++) {
        /* CLAMP evaluates its argument more than once */
        gint v = c[k] + g_rand_int_range (rand, -3, 4);

        c[k] = CLAMP (v, 0, 255);
      }
      for (i = 0; i < n; i++) {
        guint d =
            imm_rgb_distance (CELL (c[0]), CELL (c[1]), CELL (c[2]), pal[i].r,
            pal[i].g, pal[i].b);
        if (d < bd) {
          bd = d;
          best = i;
        }
      }
      got = imm_palette_map_lookup (map, c[0], c[1], c[2]);
      fail_unless_equals_int (got, best);
    }
    imm_palette_map_free (map);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* OkLab against Björn Ottosson's published values (sRGB red, green, blue:
 * L a b = 0.627955 0.224863 0.125846, 0.866440 -0.233888 0.179498,
 * 0.452014 -0.032457 -0.311528), within a unit of 1/1024 */
GST_START_TEST (test_oklab_reference)
{
  static const struct
  {
    guint8 rgb[3];
    gint lab[3];
  } cases[] = {
    {{0, 0, 0}, {0, 0, 0}},
    {{255, 255, 255}, {1024, 0, 0}},
    {{255, 0, 0}, {643, 230, 129}},
    {{0, 255, 0}, {887, -240, 184}},
    {{0, 0, 255}, {463, -33, -319}},
    /* mid grey: L = cbrt (0.2158605) = 0.599871 */
    {{128, 128, 128}, {614, 0, 0}},
  };
  guint i, k;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gint lab[3];

    imm_oklab_from_rgb (cases[i].rgb[0], cases[i].rgb[1], cases[i].rgb[2], lab);
    for (k = 0; k < 3; k++)
      fail_unless (ABS (lab[k] - cases[i].lab[k]) <= 1,
          "case %u channel %u: %d, expected %d", i, k, lab[k], cases[i].lab[k]);
  }
  /* L rises with every grey level, dark ones included */
  for (i = 1; i < 256; i++) {
    gint a[3], b[3];

    imm_oklab_from_rgb (i - 1, i - 1, i - 1, a);
    imm_oklab_from_rgb (i, i, i, b);
    fail_unless (b[0] > a[0], "grey %u: L %d after %d", i, b[0], a[0]);
    fail_unless (ABS (b[1]) <= 1 && ABS (b[2]) <= 1, "grey %u", i);
  }
}

GST_END_TEST;

/* The median cut measures boxes in OkLab: a dark ramp (greys 0-63) and a
 * bright one (192-255), equal in RGB span and population, differ in what
 * the eye sees (OkLab L spans 0.37 and 0.19), so the dark one gets more of
 * 6 entries (4; 3 and 3 in weighted RGB). */
GST_START_TEST (test_palette_oklab_dark_steps)
{
  guint8 *rgba = g_malloc (128 * 64 * 4);
  ImmPaletteHistogram *hist = imm_palette_histogram_new ();
  ImmRgb pal[256];
  guint n, i, dark = 0;

  for (i = 0; i < 128 * 64; i++) {
    guint v = i % 128;

    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = v < 64 ? v : 128 + v;
    rgba[4 * i + 3] = 255;
  }
  imm_palette_histogram_add_rgba (hist, rgba, 128, 64, 512, 1);
  n = imm_palette_build (hist, 6, 2, pal);
  fail_unless_equals_int (n, 6);
  for (i = 0; i < n; i++) {
    fail_unless (pal[i].r == pal[i].g && pal[i].g == pal[i].b, "entry %u", i);
    if (pal[i].g < 128)
      dark++;
  }
  fail_unless_equals_int (dark, 4);
  imm_palette_histogram_free (hist);
  g_free (rgba);
}

GST_END_TEST;

/* imm_palette_snap: an entry within the distance of an unused entry of
 * the last palette takes its colour (the nearest; each old entry once),
 * others stay */
GST_START_TEST (test_palette_snap)
{
  static const ImmRgb prev[3] = { {100, 100, 100}, {102, 100, 100},
  {200, 0, 0}
  };
  ImmRgb pal[4] = { {101, 100, 100}, {101, 101, 100}, {200, 0, 9},
  {10, 20, 30}
  };
  guint moved;

  /* 101,100,100 is 3 from both greys: the first (lower index) wins; the
   * second new grey (distance 9 from 102,100,100) takes the other; 200,0,9
   * is 2 * 81 = 162 off red, over 50 */
  moved = imm_palette_snap (pal, 4, prev, 3, 50);
  fail_unless_equals_int (moved, 2);
  fail_unless (pal[0].r == 100 && pal[0].g == 100 && pal[0].b == 100);
  fail_unless (pal[1].r == 102 && pal[1].g == 100 && pal[1].b == 100);
  fail_unless (pal[2].r == 200 && pal[2].g == 0 && pal[2].b == 9);
  fail_unless (pal[3].r == 10 && pal[3].g == 20 && pal[3].b == 30);
  /* a larger distance takes red too; an exact match does not count as
   * moved */
  pal[2].b = 9;
  moved = imm_palette_snap (pal, 4, prev, 3, 200);
  fail_unless_equals_int (moved, 1);
  fail_unless (pal[2].r == 200 && pal[2].g == 0 && pal[2].b == 0);
  /* nothing to snap to */
  fail_unless_equals_int (imm_palette_snap (pal, 4, prev, 0, 1000), 0);
}

GST_END_TEST;

GST_START_TEST (test_palette_threads)
{
  ImmPaletteHistogram *hist[2];
  ImmRgb expected[2][256];
  guint n[2], i;
  PaletteJob jobs[4];
  GThread *threads[4];

  for (i = 0; i < 2; i++) {
    guint8 *rgba = noisy_picture (160, 120, i);

    hist[i] = imm_palette_histogram_new ();
    imm_palette_histogram_add_rgba (hist[i], rgba, 160, 120, 160 * 4, 1);
    g_free (rgba);
    n[i] = imm_palette_build (hist[i], 255, 4, expected[i]);
    fail_unless (n[i] > 200, "only %u colours", n[i]);
  }
  for (i = 0; i < 4; i++) {
    jobs[i].hist = hist[i % 2];
    jobs[i].expected = expected[i % 2];
    jobs[i].n_expected = n[i % 2];
    jobs[i].mismatches = 0;
    threads[i] = g_thread_new ("palette", palette_job, &jobs[i]);
  }
  for (i = 0; i < 4; i++) {
    g_thread_join (threads[i]);
    fail_unless_equals_int (jobs[i].mismatches, 0);
  }
  imm_palette_histogram_free (hist[0]);
  imm_palette_histogram_free (hist[1]);
}

GST_END_TEST;

static Suite *
palette_suite (void)
{
  Suite *s = suite_create ("palette");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_palette_exact_few_colors);
  tcase_add_test (tc, test_palette_empty);
  tcase_add_test (tc, test_dither_ordered_is_stable);
  tcase_add_test (tc, test_gif_delay_carry);
  tcase_add_test (tc, test_temporal_changes_rect);
  tcase_add_test (tc, test_changes_ignore_isolated_noise);
  tcase_add_test (tc, test_reshow_keeps_screen_colour);
  tcase_add_test (tc, test_changes_noise_floor);
  tcase_add_test (tc, test_palette_threads);
  tcase_add_test (tc, test_oklab_reference);
  tcase_add_test (tc, test_palette_oklab_dark_steps);
  tcase_add_test (tc, test_palette_snap);
  tcase_add_test (tc, test_map_lookup_is_nearest);
  tcase_add_test (tc, test_map_lookup_walk_is_nearest);
  tcase_add_test (tc, test_map_lookup_axis_is_nearest);
  tcase_add_test (tc, test_map_lookup_exact);
  tcase_add_test (tc, test_changes_refine_not_isolated_exact);
  tcase_add_test (tc, test_changes_match_rule);
  tcase_add_test (tc, test_distinct_colours);
  return s;
}

GST_CHECK_MAIN (palette);
