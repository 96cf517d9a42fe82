/* imm-gst: GIF image data (LZW) encoder, exact or lossy.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_LZW_H__
#define __IMM_LZW_H__

#include <glib.h>

#include "imm-palette.h"
#include "imm-parallel.h"

G_BEGIN_DECLS
/* The LZW minimum code size GIF requires for a colour table of
 * @n_colors entries: bits of the table size, at least 2. */
    guint imm_lzw_min_code_size (guint n_colors);

/* Compresses @n_pixels palette @indices into GIF image data: the data
 * sub-blocks (a length byte, then up to 255 bytes) that follow the
 * minimum-code-size byte, without the final empty block; appended to @out.
 * Returns the number of sub-blocks.
 *
 * Lossy (@threshold > 0, the gifsicle `--lossy` idea): where the string
 * being matched has a continuation in the code table whose colour is close
 * to the next pixel (imm_rgb_distance of the pixel's colour plus the
 * error carried along the string, at most @threshold), that continuation
 * is taken, so longer strings and fewer codes are written. @indices is
 * rewritten in place to what a decoder will show. The pixel @transparent
 * (pass a value > 255 for none) is never replaced and never replaces
 * another. With @threshold 0 the output is plain LZW and @indices stay as
 * they are. */
guint imm_lzw_encode (guint8 * indices, gsize n_pixels, guint min_code_size,
    const ImmRgb * palette, guint transparent, guint threshold,
    GByteArray * out);

/* As imm_lzw_encode with a threshold per pixel, @thresholds (@n_pixels
 * of them; NULL: @threshold for all): the loss can follow what the eye
 * masks: less on flat areas and edges, more on texture and noise. */
guint imm_lzw_encode_masked (guint8 * indices, gsize n_pixels,
    guint min_code_size, const ImmRgb * palette, guint transparent,
    guint threshold, const guint16 * thresholds, GByteArray * out);

/* Per-pixel lossy thresholds for imm_lzw_encode_masked from the picture
 * itself (@indices, @width a row, of @palette's @n_colors entries): the
 * smallest imm_rgb_distance between a pixel's colour and its 4 neighbours'
 * (0 next to a @transparent one), clamped to @floor_ .. @cap; 0 for
 * transparent pixels. A pixel that
 * differs from all its neighbours (texture, noise, dither) masks a swap
 * of near colours; on flat areas and along edges the loss stays @floor_. */
void imm_lzw_local_thresholds (const guint8 * indices, guint width,
    guint height, const ImmRgb * palette, guint n_colors, guint transparent,
    guint floor_, guint cap, guint16 * out);

/* The distances imm_lzw_local_thresholds compares neighbours by: 256 x
 * 256 entries into @dist, from @palette's @n_colors entries, clamped to
 * @floor_ .. @cap. It depends on the palette alone, so it can be made
 * while the frame is dithered. */
void imm_lzw_distance_table (const ImmRgb * palette, guint n_colors,
    guint floor_, guint cap, guint16 * dist);
/* Rows [@row0, @row1) of imm_lzw_distance_table's @dist, the same values:
 * parts of the table can be made on several threads. */
void imm_lzw_distance_rows (const ImmRgb * palette, guint n_colors,
    guint floor_, guint cap, guint16 * dist, guint row0, guint row1);

/* As imm_lzw_local_thresholds, the rows split between @par's threads
 * (NULL: the caller's alone), with the same thresholds. @table: what
 * imm_lzw_distance_table made for the same arguments, or NULL (made
 * here). */
void imm_lzw_local_thresholds_parallel (const guint8 * indices, guint width,
    guint height, const ImmRgb * palette, guint n_colors, guint transparent,
    guint floor_, guint cap, const guint16 * table, guint16 * out,
    ImmParallel * par);

/* The lossy threshold for a frame that writes @changed of its @pixels
 * anew (not the first frame): @threshold, or 1.5x it when at least 1 in 4
 * pixels changed (a pan, a fade, a cut): motion masks loss as texture
 * does. On bench/animenc.sh's pan (motion) this took the bytes from 1.02x
 * to 0.98x gifski -Q 90's (de_blur 1.054 -> 1.088, gifski's 1.267); 1.25x
 * left 1.0003x; 1.5x on every frame moved the gradient over gifski's
 * flicker (0.192). */
guint imm_lzw_frame_threshold (guint threshold, guint64 changed,
    guint64 pixels);

G_END_DECLS
#endif /* __IMM_LZW_H__ */
