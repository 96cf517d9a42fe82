/* imm-gst: mapping RGBA pictures to palette indices, with dithering.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_DITHER_H__
#define __IMM_DITHER_H__

#include <glib.h>

#include "imm-palette.h"

G_BEGIN_DECLS

typedef enum
{
  IMM_DITHER_NONE,
  IMM_DITHER_BAYER,
  IMM_DITHER_FLOYD_STEINBERG,
  IMM_DITHER_SIERRA_LITE,
} ImmDitherMethod;

/* Maps @rgba (alpha ignored) to indices of @map, @width bytes a row in @out.
 * Bayer (ordered) dithering depends only on the pixel position and colour,
 * so unchanged areas map to identical indices from frame to frame; its
 * amplitude is @strength (0-64, in 8-bit levels). Error diffusion ignores
 * @strength. */
void imm_dither_rgba (ImmPaletteMap * map, ImmDitherMethod method,
    guint strength, const guint8 * rgba, guint width, guint height,
    gsize stride, guint8 * out);

G_END_DECLS

#endif /* __IMM_DITHER_H__ */
