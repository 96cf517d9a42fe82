/* imm-gst: 64-bit difference hash (dHash) of a picture.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_DHASH_H__
#define __IMM_DHASH_H__

#include <glib.h>

G_BEGIN_DECLS

#define IMM_DHASH_THUMB_WIDTH 9
#define IMM_DHASH_THUMB_HEIGHT 8
#define IMM_DHASH_THUMB_SIZE (IMM_DHASH_THUMB_WIDTH * IMM_DHASH_THUMB_HEIGHT)

/* Rows read per thumbnail cell at most: enough to average out noise, few
 * enough that hashing a 1080p frame reads a small fraction of it. */
#define IMM_DHASH_ROWS_PER_CELL 8

gboolean imm_dhash_thumbnail_luma (const guint8 * data, gint stride,
    gint pixel_stride, gint width, gint height,
    guint8 thumb[IMM_DHASH_THUMB_SIZE]);

gboolean imm_dhash_thumbnail_luma16 (const guint8 * data, gint stride,
    gint pixel_stride, gboolean little_endian, gint shift, gint depth,
    gint width, gint height, guint8 thumb[IMM_DHASH_THUMB_SIZE]);

gboolean imm_dhash_thumbnail_rgb (const guint8 * data, gint stride,
    gint pixel_stride, gint r_offset, gint g_offset, gint b_offset,
    gint width, gint height, guint8 thumb[IMM_DHASH_THUMB_SIZE]);

guint64 imm_dhash_from_thumbnail (const guint8 thumb[IMM_DHASH_THUMB_SIZE]);

guint imm_dhash_distance (guint64 a, guint64 b);

G_END_DECLS

#endif /* __IMM_DHASH_H__ */
