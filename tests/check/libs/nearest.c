/* Unit tests of the k-d tree's nearest palette entry, against trying
 * every entry.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-nearest.h"

/* The reference: every entry, the lowest index among equals. */
static guint
brute_nearest (const ImmRgb * colors, guint n, guint r, guint g, guint b)
{
  guint i, best = 0, bd = G_MAXUINT;

  for (i = 0; i < n; i++) {
    guint d = imm_rgb_distance (r, g, b, colors[i].r, colors[i].g,
        colors[i].b);

    if (d < bd) {
      bd = d;
      best = i;
    }
  }
  return best;
}

/* Every 9th level of each channel (29^3 colours; every 5th took 2 minutes
 * under AddressSanitizer) against @colors, with no
 * guess, the brute answer's neighbour as a guess, and a random guess. */
static void
check_all (const ImmRgb * colors, guint n, GRand * rand)
{
  static ImmNearest t;
  guint r, g, b, checked = 0;

  imm_nearest_build (&t, colors, n);
  fail_unless (t.n_nodes >= 1 && t.n_nodes <= IMM_NEAREST_MAX_NODES);
  /* the safe radii: a quarter of the distance to the nearest other entry */
  {
    guint i, j;

    for (i = 0; i < n; i++) {
      guint d = G_MAXUINT;

      for (j = 0; j < n; j++)
        if (j != i)
          d = MIN (d, imm_rgb_distance (colors[i].r, colors[i].g,
                  colors[i].b, colors[j].r, colors[j].g, colors[j].b));
      fail_unless_equals_int (t.safe[i], d == G_MAXUINT ? G_MAXUINT : d / 4);
    }
  }
  for (r = 0; r < 256; r += 9)
    for (g = 0; g < 256; g += 9)
      for (b = 0; b < 256; b += 9) {
        guint want = brute_nearest (colors, n, r, g, b);
        guint guess = g_rand_int_range (rand, 0, n + 1);
        /* (not inside the assertion: its text is a printf format) */
        guint next = (want + 1) % n;

        fail_unless_equals_int (imm_nearest_find (&t, r, g, b, n), want);
        fail_unless_equals_int (imm_nearest_find (&t, r, g, b, guess), want);
        fail_unless_equals_int (imm_nearest_find (&t, r, g, b, next), want);
        checked++;
      }
  fail_unless_equals_int (checked, 29 * 29 * 29);
}

GST_START_TEST (test_nearest_random_palettes)
{
  static const guint sizes[] = { 1, 2, 3, 5, 17, 64, 255, 256 };
  GRand *rand = g_rand_new_with_seed (7);
  ImmRgb colors[256];
  guint s, i;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    for (i = 0; i < sizes[s]; i++) {
      colors[i].r = g_rand_int_range (rand, 0, 256);
      colors[i].g = g_rand_int_range (rand, 0, 256);
      colors[i].b = g_rand_int_range (rand, 0, 256);
    }
    check_all (colors, sizes[s], rand);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* Palettes with ties: repeated entries, entries on a coarse lattice (many
 * colours equally far from two or more), a grey ramp, a clustered one
 * (skin tones), and one colour 256 times. */
GST_START_TEST (test_nearest_ties)
{
  GRand *rand = g_rand_new_with_seed (11);
  ImmRgb colors[256];
  guint i;

  for (i = 0; i < 256; i++) {
    colors[i].r = (i % 8) * 36;
    colors[i].g = ((i / 8) % 8) * 36;
    colors[i].b = (i / 64) * 80;
  }
  check_all (colors, 256, rand);
  for (i = 0; i < 256; i++) {
    colors[i].r = colors[i].g = colors[i].b = (i / 2) * 2;
  }
  check_all (colors, 256, rand);
  for (i = 0; i < 200; i++) {
    colors[i].r = 180 + g_rand_int_range (rand, 0, 40);
    colors[i].g = 120 + g_rand_int_range (rand, 0, 30);
    colors[i].b = 90 + g_rand_int_range (rand, 0, 30);
  }
  check_all (colors, 200, rand);
  for (i = 0; i < 256; i++)
    colors[i].r = colors[i].g = colors[i].b = 77;
  check_all (colors, 256, rand);
  /* a tie across a split plane: entries on a line of red, 110..180 (0-7)
   * and 90..20 (8-15); (100, 100, 100) is 300 from entries 0 and 8, on
   * either side of the root's split, and the lower index is across it */
  for (i = 0; i < 8; i++) {
    colors[i].r = 100 + 10 * (i + 1);
    colors[8 + i].r = 100 - 10 * (i + 1);
    colors[i].g = colors[i].b = colors[8 + i].g = colors[8 + i].b = 100;
  }
  {
    static ImmNearest t;

    imm_nearest_build (&t, colors, 16);
    fail_unless_equals_int (imm_nearest_find (&t, 100, 100, 100, 16), 0);
    fail_unless_equals_int (imm_nearest_find (&t, 100, 100, 100, 8), 0);
    fail_unless_equals_int (imm_nearest_find (&t, 100, 100, 100, 0), 0);
    fail_unless_equals_int (imm_nearest_find (&t, 95, 100, 100, 16), 8);
  }
  g_rand_free (rand);
}

GST_END_TEST;

static Suite *
nearest_suite (void)
{
  Suite *s = suite_create ("nearest");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_nearest_random_palettes);
  tcase_add_test (tc, test_nearest_ties);
  return s;
}

GST_CHECK_MAIN (nearest);
