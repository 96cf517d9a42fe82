/* imm-gst: animation timing and GIF inter-frame optimisation.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_ANIM_H__
#define __IMM_ANIM_H__

#include <glib.h>

#include "imm-palette.h"

G_BEGIN_DECLS
/* The smallest GIF delay browsers honour: below it they play 10 cs. */
#define IMM_ANIM_GIF_MIN_DELAY_CS 2
/* GIF delay in centiseconds of a frame that ends @end_ns after the start of
 * the animation when the frames before it already last @written_cs: the
 * rounding error is carried so the total never drifts more than 5 ms. May
 * be below IMM_ANIM_GIF_MIN_DELAY_CS (or negative): the caller merges the
 * frame into the next one then. */
    gint64 imm_anim_gif_delay_cs (guint64 end_ns, guint64 written_cs);

/* The GIF centisecond timeline: which input frames become GIF frames and
 * with which delays. A GIF frame is written only once the next one is
 * known (an unchanged frame extends it), so one frame is always pending.
 * Per input frame: imm_anim_gif_timeline_slot(); when it says SHOW, the
 * caller encodes the frame and reports with imm_anim_gif_timeline_show()
 * whether it changed anything; imm_anim_gif_timeline_finish() at the end. */
typedef enum
{
  /* The frame would show under IMM_ANIM_GIF_MIN_DELAY_CS: it is left out
   * and its time goes to the next frame (input faster than 50 fps loses
   * frames, not time). */
  IMM_ANIM_GIF_SLOT_MERGE,
  /* The last frame is too short to show: the pending frame lasts to the
   * end instead, so the length stays right. */
  IMM_ANIM_GIF_SLOT_EXTEND,
  /* The frame gets a slot: encode it, then call _show(). */
  IMM_ANIM_GIF_SLOT_SHOW,
} ImmAnimGifSlot;

typedef struct
{
  guint64 committed_cs;         /* time of the frames decided so far */
  gboolean have_pending;        /* a frame waits to be written */
  guint64 pending_start_cs, pending_end_cs;
  guint64 slot_end_cs;          /* end of the frame given SHOW */
} ImmAnimGifTimeline;

void imm_anim_gif_timeline_init (ImmAnimGifTimeline * tl);
/* Decides the frame that ends @end_ns after the start of the animation;
 * @last: no frame follows. */
ImmAnimGifSlot imm_anim_gif_timeline_slot (ImmAnimGifTimeline * tl,
    guint64 end_ns, gboolean last);
/* After SHOW: with @changed FALSE (the frame shows nothing new) the
 * pending frame lasts longer and FALSE is returned. Else the frame becomes
 * the pending one and TRUE is returned; *@flush_delay_cs is then the delay
 * to write the previous pending frame with (0: there was none). */
gboolean imm_anim_gif_timeline_show (ImmAnimGifTimeline * tl,
    gboolean changed, guint * flush_delay_cs);
/* The delay of the pending frame, to write last (0: none). */
guint imm_anim_gif_timeline_finish (ImmAnimGifTimeline * tl);

/* The whole timeline at once: @n frames ending at @ends_ns, @changed[i]
 * FALSE for a frame identical on screen to the one before (NULL: all
 * change). Writes the delays of the GIF frames to @delays_cs (room for @n)
 * and returns how many there are. */
guint imm_anim_gif_timeline_run (const guint64 * ends_ns,
    const gboolean * changed, guint n, guint * delays_cs);

G_END_DECLS
#endif /* __IMM_ANIM_H__ */
