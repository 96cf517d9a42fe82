/* imm-gst: mapping RGBA pictures to palette indices, with dithering.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_DITHER_H__
#define __IMM_DITHER_H__

#include <glib.h>

#include "imm-palette.h"
#include "imm-parallel.h"

G_BEGIN_DECLS typedef enum
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

/* Temporal GIF frames. A pixel keeps the colour on screen until its source
 * really changes: @shown holds (RGB, 3 bytes a pixel) the source colour of
 * each pixel when it was last written. Marks in @mask (1 a pixel) the
 * pixels whose source is more than their tolerance (imm_rgb_distance)
 * from it and whose 3x3 neighbourhood moved too (mean change more than half the
 * tolerance), or that moved more than 4x the tolerance alone, and returns
 * how many; with @shown NULL (the first frame) all are. A pixel's
 * tolerance is @tolerance, or 4 times the quantization error it is shown
 * with (@canvas against @shown) up to 2 * @tolerance. Noise, isolated
 * specks and slow drift below the tolerance then cost no bytes and no
 * flicker; at @tolerance 0 every change is written. The others are
 * IMM_DITHER_REFINE when the screen shows them more than @refine off,
 * except an isolated change of a pixel that, like its 4 neighbours, is
 * shown exactly as its source was when written (screen content: no
 * palette can show it better, and following the change is what the 3x3
 * test declined). */
enum
{
  IMM_DITHER_KEEP = 0,          /* the screen shows it well enough */
  IMM_DITHER_WRITE = 1,         /* its source changed: written */
  IMM_DITHER_REFINE = 2,        /* still, but shown more than @refine off */
  /* still, but written all the same (a whole frame), in the entry
   * nearest the screen's colour where that fits the wanted colour as
   * well as the best */
  IMM_DITHER_RESHOW = 3,
};

guint imm_dither_mark_changes (const guint8 * rgba, gsize stride,
    guint width, guint height, const guint8 * shown, guint tolerance,
    const guint8 * canvas, guint refine, guint8 * mask);

/* As imm_dither_mark_changes, the rows split between @par's threads (NULL:
 * the caller's alone); the marks and the count are the same. */
guint imm_dither_mark_changes_parallel (const guint8 * rgba, gsize stride,
    guint width, guint height, const guint8 * shown, guint tolerance,
    const guint8 * canvas, guint refine, guint8 * mask, ImmParallel * par);

/* Floyd-Steinberg over the whole picture with the error scaled by
 * @strength / 16, writing indices only where @mask is set (all with @mask
 * NULL) and @keep elsewhere. A kept pixel still takes part in the
 * diffusion with the colour on screen, @canvas (RGB), so the pixels
 * written next to it are dithered against what is actually shown, and
 * still areas are never dithered again. A pixel marked IMM_DITHER_REFINE
 * is written only when its new colour is more than @refine closer to the
 * wanted colour than the screen's; one marked IMM_DITHER_RESHOW is always
 * written, with the entry nearest @canvas's colour when that is as close
 * to the wanted colour as the nearest entry to it (a whole frame then
 * moves few still pixels). */
void imm_dither_diffuse_temporal (ImmPaletteMap * map, guint strength,
    guint refine,
    const guint8 * rgba, gsize stride, guint width, guint height,
    const guint8 * mask, const guint8 * canvas, guint keep, guint8 * out);

/* As imm_dither_diffuse_temporal, the rows split between @par's threads
 * as a wavefront (row y on part y % parts, each a few pixels behind the
 * row above), with the same indices. Part p > 0 looks colours up in
 * @helpers[p - 1]: maps holding @map's palette and exact setting
 * (imm_palette_map_follow: @map's cache, shared). With @helpers or @par
 * NULL, one thread. */
void imm_dither_diffuse_temporal_parallel (ImmPaletteMap * map,
    ImmPaletteMap ** helpers, guint strength, guint refine,
    const guint8 * rgba, gsize stride, guint width, guint height,
    const guint8 * mask, const guint8 * canvas, guint keep, guint8 * out,
    ImmParallel * par);

/* The bounding box of the pixels of @indices (@width a row) that are not
 * @keep, copied into @out (rect width a row); returns FALSE, with an empty
 * @rect, when every pixel is @keep. */
typedef struct
{
  guint x, y, width, height;
} ImmDitherRect;

gboolean imm_dither_crop (const guint8 * indices, guint width, guint height,
    guint keep, guint8 * out, ImmDitherRect * rect);

/* As imm_dither_crop, the rows split between @par's threads (NULL: the
 * caller's alone), with the same result. */
gboolean imm_dither_crop_parallel (const guint8 * indices, guint width,
    guint height, guint keep, guint8 * out, ImmDitherRect * rect,
    ImmParallel * par);

/* After the frame @cropped (@rect, indices of @palette as decoders show
 * them) is written: paints the written pixels (not @keep) into @canvas
 * (RGB of the screen) and records their source colours from @rgba into
 * @shown. */
void imm_dither_commit (const guint8 * cropped, const ImmDitherRect * rect,
    const ImmRgb * palette, guint keep, const guint8 * rgba, gsize stride,
    guint width, guint8 * canvas, guint8 * shown);

/* As imm_dither_commit, the rows split between @par's threads (NULL: the
 * caller's alone). */
void imm_dither_commit_parallel (const guint8 * cropped,
    const ImmDitherRect * rect, const ImmRgb * palette, guint keep,
    const guint8 * rgba, gsize stride, guint width, guint8 * canvas,
    guint8 * shown, ImmParallel * par);

G_END_DECLS
#endif /* __IMM_DITHER_H__ */
