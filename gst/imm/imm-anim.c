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

void
imm_anim_gif_timeline_init (ImmAnimGifTimeline * tl)
{
  memset (tl, 0, sizeof (*tl));
}

static guint
clamp_delay (guint64 start_cs, guint64 end_cs)
{
  guint64 d = end_cs > start_cs ? end_cs - start_cs : 0;

  return (guint) CLAMP (d, IMM_ANIM_GIF_MIN_DELAY_CS, 65535);
}

ImmAnimGifSlot
imm_anim_gif_timeline_slot (ImmAnimGifTimeline * tl, guint64 end_ns,
    gboolean last)
{
  gint64 delay = imm_anim_gif_delay_cs (end_ns, tl->committed_cs);
  guint64 end_cs = tl->committed_cs + MAX (delay, 0);

  if (delay < IMM_ANIM_GIF_MIN_DELAY_CS) {
    if (!last)
      return IMM_ANIM_GIF_SLOT_MERGE;
    if (tl->have_pending) {
      tl->pending_end_cs = MAX (end_cs, tl->pending_end_cs);
      tl->committed_cs = tl->pending_end_cs;
      return IMM_ANIM_GIF_SLOT_EXTEND;
    }
    /* The only frame: it shows for the shortest delay. */
    end_cs = tl->committed_cs + IMM_ANIM_GIF_MIN_DELAY_CS;
  }
  tl->slot_end_cs = end_cs;
  return IMM_ANIM_GIF_SLOT_SHOW;
}

gboolean
imm_anim_gif_timeline_show (ImmAnimGifTimeline * tl, gboolean changed,
    guint * flush_delay_cs)
{
  *flush_delay_cs = 0;
  if (!changed && tl->have_pending) {
    tl->pending_end_cs = tl->slot_end_cs;
    tl->committed_cs = tl->slot_end_cs;
    return FALSE;
  }
  if (tl->have_pending)
    *flush_delay_cs = clamp_delay (tl->pending_start_cs, tl->pending_end_cs);
  tl->have_pending = TRUE;
  tl->pending_start_cs = tl->committed_cs;
  tl->pending_end_cs = tl->slot_end_cs;
  tl->committed_cs = tl->slot_end_cs;
  return TRUE;
}

guint
imm_anim_gif_timeline_finish (ImmAnimGifTimeline * tl)
{
  if (!tl->have_pending)
    return 0;
  tl->have_pending = FALSE;
  return clamp_delay (tl->pending_start_cs, tl->pending_end_cs);
}

guint
imm_anim_gif_timeline_run (const guint64 * ends_ns, const gboolean * changed,
    guint n, guint * delays_cs)
{
  ImmAnimGifTimeline tl;
  guint i, n_out = 0, delay;

  imm_anim_gif_timeline_init (&tl);
  for (i = 0; i < n; i++) {
    if (imm_anim_gif_timeline_slot (&tl, ends_ns[i], i + 1 == n) !=
        IMM_ANIM_GIF_SLOT_SHOW)
      continue;
    if (imm_anim_gif_timeline_show (&tl, changed ? changed[i] : TRUE, &delay)
        && delay > 0)
      delays_cs[n_out++] = delay;
  }
  delay = imm_anim_gif_timeline_finish (&tl);
  if (delay > 0)
    delays_cs[n_out++] = delay;
  return n_out;
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
