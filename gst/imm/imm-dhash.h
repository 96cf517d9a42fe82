/* imm-gst: perceptual difference hash (dHash) of a frame.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_DHASH_H__
#define __IMM_DHASH_H__

#include <glib.h>

G_BEGIN_DECLS

/* The 9x8 grey thumbnail a hash is made from, row-major. */
#define IMM_DHASH_THUMB_W 9
#define IMM_DHASH_THUMB_H 8

void imm_dhash_thumbnail_luma (const guint8 * luma, gint pixel_stride,
    gint row_stride, gint width, gint height,
    guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H]);

void imm_dhash_thumbnail_rgb (const guint8 * r, const guint8 * g,
    const guint8 * b, gint pixel_stride, gint row_stride, gint width,
    gint height, guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H]);

guint64 imm_dhash_from_thumbnail (const guint8
    thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H]);

guint imm_dhash_distance (guint64 a, guint64 b);

/* No candidate yet, for imm_dhash_is_candidate()'s @last. */
#define IMM_DHASH_NONE G_MAXUINT64

gboolean imm_dhash_is_candidate (gint distance, guint threshold,
    gboolean first, guint64 t, guint64 last, guint64 min_gap);

G_END_DECLS

#endif /* __IMM_DHASH_H__ */
