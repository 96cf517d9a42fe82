/* Unit tests of imm_geometry_compute(): the four resize modes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-geometry.h"

typedef struct
{
  const gchar *what;
  gint in_w, in_h, par_n, par_d;
  gdouble w, h;
  ImmResizeMode mode;
  /* expected */
  gint out_w, out_h;
  gint sx, sy, sw, sh;
  gint dx, dy, dw, dh;
  gboolean passthrough;
} GeoCase;

#define S IMM_RESIZE_STRETCH
#define C IMM_RESIZE_CROP
#define F IMM_RESIZE_FILL
#define T IMM_RESIZE_FIT

static const GeoCase cases[] = {
  /* landscape 1920x1080 source, absolute 640x640 */
  {"land stretch", 1920, 1080, 1, 1, 640, 640, S, 640, 640, 0, 0, 1920, 1080,
      0, 0, 640, 640, FALSE},
  {"land crop", 1920, 1080, 1, 1, 640, 640, C, 640, 640, 420, 0, 1080, 1080,
      0, 0, 640, 640, FALSE},
  {"land fill", 1920, 1080, 1, 1, 640, 640, F, 640, 640, 0, 0, 1920, 1080,
      0, 140, 640, 360, FALSE},
  {"land fit", 1920, 1080, 1, 1, 640, 640, T, 640, 360, 0, 0, 1920, 1080,
      0, 0, 640, 360, FALSE},
  /* portrait 1080x1920 */
  {"port stretch", 1080, 1920, 1, 1, 512, 512, S, 512, 512, 0, 0, 1080, 1920,
      0, 0, 512, 512, FALSE},
  {"port crop", 1080, 1920, 1, 1, 512, 512, C, 512, 512, 0, 420, 1080, 1080,
      0, 0, 512, 512, FALSE},
  {"port fill", 1080, 1920, 1, 1, 512, 512, F, 512, 512, 0, 0, 1080, 1920,
      112, 0, 288, 512, FALSE},
  {"port fit", 1080, 1920, 1, 1, 512, 512, T, 288, 512, 0, 0, 1080, 1920,
      0, 0, 288, 512, FALSE},
  /* square 500x500 into 300x100 */
  {"square crop", 500, 500, 1, 1, 300, 100, C, 300, 100, 0, 166, 500, 167,
      0, 0, 300, 100, FALSE},
  {"square fill", 500, 500, 1, 1, 300, 100, F, 300, 100, 0, 0, 500, 500,
      100, 0, 100, 100, FALSE},
  {"square fit", 500, 500, 1, 1, 300, 100, T, 100, 100, 0, 0, 500, 500,
      0, 0, 100, 100, FALSE},
  /* fractional sizes */
  {"half fit", 1920, 1080, 1, 1, 0.5, 0.5, T, 960, 540, 0, 0, 1920, 1080,
      0, 0, 960, 540, FALSE},
  {"half crop", 720, 528, 1, 1, 0.5, 0.5, C, 360, 264, 0, 0, 720, 528,
      0, 0, 360, 264, FALSE},
  {"frac 1.0 is the source", 320, 240, 1, 1, 1.0, 1.0, S, 320, 240, 0, 0,
      320, 240, 0, 0, 320, 240, TRUE},
  /* one side unset follows the aspect ratio, whatever the mode */
  {"width only", 1920, 1080, 1, 1, 360, 0, S, 360, 203, 0, 0, 1920, 1080,
      0, 0, 360, 203, FALSE},
  {"height only crop", 1920, 1080, 1, 1, 0, 100, C, 178, 100, 0, 0, 1920,
      1080, 0, 0, 178, 100, FALSE},
  {"neither: passthrough", 333, 101, 1, 1, 0, 0, F, 333, 101, 0, 0, 333, 101,
      0, 0, 333, 101, TRUE},
  /* non-square pixels: 720x576 at 16:15 is shown 768x576 */
  {"par stretch half", 720, 576, 16, 15, 0.5, 0.5, S, 384, 288, 0, 0, 720,
      576, 0, 0, 384, 288, FALSE},
  {"par fit", 720, 576, 16, 15, 400, 400, T, 400, 300, 0, 0, 720, 576, 0, 0,
      400, 300, FALSE},
  {"par crop square", 720, 576, 16, 15, 288, 288, C, 288, 288, 90, 0, 540,
      576, 0, 0, 288, 288, FALSE},
  {"par same size is not passthrough", 720, 576, 16, 15, 720, 576, S, 720,
      576, 0, 0, 720, 576, 0, 0, 720, 576, FALSE},
  /* rounding, minimum one pixel, upscaling */
  {"min one pixel", 1000, 10, 1, 1, 5, 0, S, 5, 1, 0, 0, 1000, 10, 0, 0, 5, 1,
      FALSE},
  {"fill thin", 1000, 10, 1, 1, 20, 20, F, 20, 20, 0, 0, 1000, 10, 0, 9, 20,
      1, FALSE},
  {"upscale fit", 160, 90, 1, 1, 1280, 1280, T, 1280, 720, 0, 0, 160, 90, 0, 0,
      1280, 720, FALSE},
  {"upscale crop", 160, 90, 1, 1, 1000, 1000, C, 1000, 1000, 35, 0, 90, 90,
      0, 0, 1000, 1000, FALSE},
  {"1x1 source", 1, 1, 1, 1, 7, 3, F, 7, 3, 0, 0, 1, 1, 2, 0, 3, 3, FALSE},
  {"rounds to nearest", 1000, 1000, 1, 1, 0.3333, 0, S, 333, 333, 0, 0, 1000,
      1000, 0, 0, 333, 333, FALSE},
  {"pixels round", 640, 480, 1, 1, 100.6, 0, S, 101, 76, 0, 0, 640, 480, 0, 0,
      101, 76, FALSE},
  {"same size stretch is passthrough", 640, 480, 1, 1, 640, 480, C, 640, 480,
      0, 0, 640, 480, 0, 0, 640, 480, TRUE},
  {"huge is capped", 640, 480, 1, 1, 16384, 0, S, 16384, 12288, 0, 0, 640,
      480, 0, 0, 16384, 12288, FALSE},
};

GST_START_TEST (test_geometry_table)
{
  const GeoCase *c = &cases[__i__];
  ImmGeometry g;

  fail_unless (imm_geometry_compute (c->in_w, c->in_h, c->par_n, c->par_d,
          c->w, c->h, c->mode, &g), "%s: compute failed", c->what);
  fail_unless_equals_int (g.out_width, c->out_w);
  fail_unless_equals_int (g.out_height, c->out_h);
  fail_unless (g.src_x == c->sx && g.src_y == c->sy && g.src_width == c->sw
      && g.src_height == c->sh, "%s: src %d,%d %dx%d, expected %d,%d %dx%d",
      c->what, g.src_x, g.src_y, g.src_width, g.src_height, c->sx, c->sy,
      c->sw, c->sh);
  fail_unless (g.dest_x == c->dx && g.dest_y == c->dy && g.dest_width == c->dw
      && g.dest_height == c->dh, "%s: dest %d,%d %dx%d, expected %d,%d %dx%d",
      c->what, g.dest_x, g.dest_y, g.dest_width, g.dest_height, c->dx, c->dy,
      c->dw, c->dh);
  fail_unless (g.passthrough == c->passthrough, "%s: passthrough %d",
      c->what, g.passthrough);
}

GST_END_TEST;

GST_START_TEST (test_geometry_invalid)
{
  ImmGeometry g;

  fail_if (imm_geometry_compute (0, 10, 1, 1, 10, 10, S, &g));
  fail_if (imm_geometry_compute (10, -1, 1, 1, 10, 10, S, &g));
  fail_if (imm_geometry_compute_pixels (10, 10, 1, 1, -5, 10, S, &g));
  /* NaN, infinity and negative sizes count as unset */
  fail_unless_equals_int (imm_geometry_resolve_side (NAN, 100), 0);
  fail_unless_equals_int (imm_geometry_resolve_side (INFINITY, 100), 0);
  fail_unless_equals_int (imm_geometry_resolve_side (-3, 100), 0);
  fail_unless_equals_int (imm_geometry_resolve_side (0.001, 100), 1);
}

GST_END_TEST;

GST_START_TEST (test_resize_mode_names)
{
  ImmResizeMode m;
  const gchar *names[] = { "stretch", "crop", "fill", "fit" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    fail_unless (imm_resize_mode_from_string (names[i], &m));
    fail_unless_equals_int (m, i);
    fail_unless_equals_string (imm_resize_mode_to_string (m), names[i]);
  }
  fail_if (imm_resize_mode_from_string ("Fit", &m));
  fail_if (imm_resize_mode_from_string (NULL, &m));
  fail_unless (imm_resize_mode_to_string (42) == NULL);
}

GST_END_TEST;

static Suite *
geometry_suite (void)
{
  Suite *s = suite_create ("geometry");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_geometry_table, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_geometry_invalid);
  tcase_add_test (tc, test_resize_mode_names);
  return s;
}

GST_CHECK_MAIN (geometry);
