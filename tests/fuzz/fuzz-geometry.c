/* Fuzz target: imm_geometry_compute() with arbitrary sizes, aspect ratios
 * and requests. Every result must be a frame the converter can take.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <string.h>

#include "imm/imm-geometry.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  struct
  {
    gint32 in_w, in_h, par_n, par_d;
    gdouble w, h;
    guint8 mode;
  } in;
  ImmGeometry g;

  if (size < sizeof (in))
    return 0;
  memcpy (&in, data, sizeof (in));

  if (!imm_geometry_compute (in.in_w, in.in_h, in.par_n, in.par_d, in.w,
          in.h, (ImmResizeMode) (in.mode % 4), &g))
    return 0;

  g_assert_cmpint (g.out_width, >=, 1);
  g_assert_cmpint (g.out_height, >=, 1);
  g_assert_cmpint (g.src_x, >=, 0);
  g_assert_cmpint (g.src_y, >=, 0);
  g_assert_cmpint (g.src_width, >=, 1);
  g_assert_cmpint (g.src_height, >=, 1);
  g_assert_cmpint (g.src_x + g.src_width, <=, in.in_w);
  g_assert_cmpint (g.src_y + g.src_height, <=, in.in_h);
  g_assert_cmpint (g.dest_x, >=, 0);
  g_assert_cmpint (g.dest_y, >=, 0);
  g_assert_cmpint (g.dest_width, >=, 1);
  g_assert_cmpint (g.dest_height, >=, 1);
  g_assert_cmpint (g.dest_x + g.dest_width, <=, g.out_width);
  g_assert_cmpint (g.dest_y + g.dest_height, <=, g.out_height);
  if (!g.passthrough) {
    g_assert_cmpint (g.out_width, <=, IMM_GEOMETRY_MAX_SIDE);
    g_assert_cmpint (g.out_height, <=, IMM_GEOMETRY_MAX_SIDE);
  }
  return 0;
}
