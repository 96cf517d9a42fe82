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
