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

typedef struct
{
  guint x, y, width, height;
} ImmAnimRect;

/* Inter-frame optimisation. @canvas holds the RGB (3 bytes a pixel) that
 * the viewer shows before this frame and is updated. A pixel counts as
 * unchanged when its mapped colour equals the canvas, or when the canvas
 * colour is at most @tolerance (imm_rgb_distance) further from its source
 * colour than the mapped colour is. Writes the
 * bounding rectangle of the changed pixels to @rect and its indices (rect
 * width bytes a row) to @out, unchanged pixels inside set to @transparent
 * (pass a value > 255 to disable transparency). Returns the number of
 * changed pixels; 0 means the frame shows nothing new. With @first the
 * whole picture is written. */
guint imm_anim_optimize_frame (const guint8 * rgba, gsize stride,
    const guint8 * indices, const ImmRgb * palette, guint width,
    guint height, guint8 * canvas, gboolean first, guint tolerance,
    guint transparent, guint8 * out, ImmAnimRect * rect);

G_END_DECLS

#endif /* __IMM_ANIM_H__ */
