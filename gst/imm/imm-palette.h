/* imm-gst: colour palettes for GIF (histogram, median cut, k-means, mapping).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_PALETTE_H__
#define __IMM_PALETTE_H__

#include <glib.h>

#include "imm-parallel.h"

G_BEGIN_DECLS typedef struct
{
  guint8 r, g, b;
} ImmRgb;

/* Colour histogram over 6-bit-per-channel bins, each bin keeping the exact
 * sum of its colours so palette entries are true averages. */
typedef struct _ImmPaletteHistogram ImmPaletteHistogram;

ImmPaletteHistogram *imm_palette_histogram_new (void);
void imm_palette_histogram_free (ImmPaletteHistogram * hist);
void imm_palette_histogram_clear (ImmPaletteHistogram * hist);
/* Counts the RGBA pixels (alpha ignored) of one picture; @step > 1 samples
 * every step-th pixel of every step-th row. */
void imm_palette_histogram_add_rgba (ImmPaletteHistogram * hist,
    const guint8 * rgba, guint width, guint height, gsize stride, guint step);
/* As imm_palette_histogram_add_rgba, counting only the pixels whose @mask
 * byte (@width bytes a row) is not 0: the palette is spent on what a frame
 * writes, not on what stays on screen from the frames before. */
void imm_palette_histogram_add_rgba_masked (ImmPaletteHistogram * hist,
    const guint8 * rgba, guint width, guint height, gsize stride,
    const guint8 * mask);
guint64 imm_palette_histogram_total (const ImmPaletteHistogram * hist);

/* Median cut on the histogram in OkLab (imm-oklab.h), refined by
 * @kmeans_iterations rounds of k-means in a luma-weighted RGB space.
 * Writes at most @max_colors entries to @out and returns how many (fewer
 * when the picture has fewer colours; 0 for an empty histogram). */
guint imm_palette_build (const ImmPaletteHistogram * hist, guint max_colors,
    guint kmeans_iterations, ImmRgb * out);

/* As imm_palette_build, each k-means assignment step's bins split between
 * @par's threads (NULL: the caller's alone); the sums are taken in bin
 * order, so the palette is the same. */
guint imm_palette_build_parallel (const ImmPaletteHistogram * hist,
    guint max_colors, guint kmeans_iterations, ImmRgb * out, ImmParallel * par);

/* Moves each of the @n entries of @colors onto the nearest unused entry
 * of @prev when that lies within @max_distance (imm_rgb_distance): a
 * still area shown with the last palette finds its colours again, so it
 * keeps its look. Returns how many entries moved. */
guint imm_palette_snap (ImmRgb * colors, guint n, const ImmRgb * prev,
    guint n_prev, guint max_distance);

/* The distinct colours of the RGBA pixels (alpha ignored) whose @mask byte
 * is not 0 (all with @mask NULL), in order of first appearance, into @out;
 * returns how many, or @max_colors + 1 (and stops) when there are more. A
 * picture of few colours (screen content) can keep them all exactly. */
guint imm_palette_distinct_masked (const guint8 * rgba, guint width,
    guint height, gsize stride, const guint8 * mask, guint max_colors,
    ImmRgb * out);

/* Nearest-colour lookup with a lazily filled 6-bit-per-channel cache:
 * the answer for a colour is the entry nearest the centre of its cell
 * ((c & ~3) | 2 on each channel), except (with exact lookups on) for a
 * colour the palette holds, which maps to that entry. */
typedef struct _ImmPaletteMap ImmPaletteMap;

ImmPaletteMap *imm_palette_map_new (const ImmRgb * colors, guint n_colors);
void imm_palette_map_free (ImmPaletteMap * map);
/* Gives @map a new palette, keeping its cache's memory (per-frame
 * palettes would otherwise clear 1 MB a frame). */
void imm_palette_map_set_colors (ImmPaletteMap * map, const ImmRgb * colors,
    guint n_colors);
guint8 imm_palette_map_lookup (ImmPaletteMap * map, guint8 r, guint8 g,
    guint8 b);
/* A map that looks colours up as @leader does (its palette, its exact
 * setting) in @leader's cache: a cell one of them fills is found by the
 * other, and the two may look up from two threads at once (each keeps its
 * own search state). imm_palette_map_follow makes @map follow @leader's
 * current palette again after imm_palette_map_set_colors or
 * imm_palette_map_set_exact on @leader; @leader must outlive its
 * followers' use. */
ImmPaletteMap *imm_palette_map_new_following (const ImmPaletteMap * leader);
void imm_palette_map_follow (ImmPaletteMap * map,
    const ImmPaletteMap * leader);
/* Exact lookups on (TRUE) or off (the default): with them a colour the palette holds
 * maps to that entry even where its cell's centre is nearer another; off,
 * every colour of a cell maps alike (the error of the cell is left to the
 * dithering). */
void imm_palette_map_set_exact (ImmPaletteMap * map, gboolean exact);
const ImmRgb *imm_palette_map_colors (const ImmPaletteMap * map,
    guint * n_colors);

/* Perceptual distance between two colours (weighted squared RGB, weights
 * close to the eye's sensitivity: green > red > blue). Inline: it runs
 * for every pixel of every frame, several times. */
static inline guint
imm_rgb_distance (guint r1, guint g1, guint b1, guint r2, guint g2, guint b2)
{
  gint dr = (gint) r1 - (gint) r2;
  gint dg = (gint) g1 - (gint) g2;
  gint db = (gint) b1 - (gint) b2;

  return 3 * dr * dr + 6 * dg * dg + 2 * db * db;
}

G_END_DECLS
#endif /* __IMM_PALETTE_H__ */
