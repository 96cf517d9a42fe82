/* imm-gst: animation timing and GIF inter-frame optimisation.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-anim.h"

#include <string.h>

#define NS_PER_CS G_GUINT64_CONSTANT (10000000)

gint64
imm_anim_gif_delay_cs (guint64 end_ns, guint64 written_cs)
{
  guint64 end_cs = (end_ns + NS_PER_CS / 2) / NS_PER_CS;

  return (gint64) end_cs - (gint64) written_cs;
}

guint
imm_anim_optimize_frame (const guint8 * rgba, gsize stride,
    const guint8 * indices, const ImmRgb * palette, guint width,
    guint height, guint8 * canvas, gboolean first, guint tolerance,
    guint transparent, guint8 * out, ImmAnimRect * rect)
{
  guint x, y, changed = 0;
  guint x0 = width, y0 = height, x1 = 0, y1 = 0;
  guint8 *mask = NULL;

  if (first) {
    for (y = 0; y < height; y++) {
      const guint8 *idx = indices + (gsize) y * width;
      guint8 *c = canvas + (gsize) y * width * 3;

      for (x = 0; x < width; x++) {
        c[3 * x] = palette[idx[x]].r;
        c[3 * x + 1] = palette[idx[x]].g;
        c[3 * x + 2] = palette[idx[x]].b;
      }
    }
    memcpy (out, indices, (gsize) width * height);
    rect->x = rect->y = 0;
    rect->width = width;
    rect->height = height;
    return width * height;
  }

  mask = g_malloc ((gsize) width * height);
  for (y = 0; y < height; y++) {
    const guint8 *p = rgba + y * stride;
    const guint8 *idx = indices + (gsize) y * width;
    const guint8 *c = canvas + (gsize) y * width * 3;
    guint8 *m = mask + (gsize) y * width;

    for (x = 0; x < width; x++, p += 4, c += 3) {
      const ImmRgb *q = &palette[idx[x]];
      gboolean same = q->r == c[0] && q->g == c[1] && q->b == c[2];

      /* Keeping the shown colour is fine when it is within the tolerance
       * of what the new palette colour would give. */
      if (!same && tolerance > 0)
        same = imm_rgb_distance (p[0], p[1], p[2], c[0], c[1], c[2]) <=
            imm_rgb_distance (p[0], p[1], p[2], q->r, q->g, q->b) + tolerance;

      m[x] = !same;
      if (!same) {
        changed++;
        x0 = MIN (x0, x);
        x1 = MAX (x1, x);
        y0 = MIN (y0, y);
        y1 = MAX (y1, y);
      }
    }
  }

  if (changed == 0) {
    g_free (mask);
    rect->x = rect->y = 0;
    rect->width = rect->height = 0;
    return 0;
  }

  rect->x = x0;
  rect->y = y0;
  rect->width = x1 - x0 + 1;
  rect->height = y1 - y0 + 1;
  for (y = y0; y <= y1; y++) {
    const guint8 *idx = indices + (gsize) y * width;
    const guint8 *m = mask + (gsize) y * width;
    guint8 *c = canvas + (gsize) y * width * 3;
    guint8 *o = out + (gsize) (y - y0) * rect->width;

    for (x = x0; x <= x1; x++) {
      if (m[x]) {
        o[x - x0] = idx[x];
        c[3 * x] = palette[idx[x]].r;
        c[3 * x + 1] = palette[idx[x]].g;
        c[3 * x + 2] = palette[idx[x]].b;
      } else if (transparent <= 255) {
        o[x - x0] = transparent;
      } else {
        /* Without transparency the new colour is written: it is within
         * the tolerance of what was shown. */
        o[x - x0] = idx[x];
        c[3 * x] = palette[idx[x]].r;
        c[3 * x + 1] = palette[idx[x]].g;
        c[3 * x + 2] = palette[idx[x]].b;
      }
    }
  }
  g_free (mask);
  return changed;
}
