/* imm-gst: output geometry of the four resize modes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_GEOMETRY_H__
#define __IMM_GEOMETRY_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * ImmResizeMode:
 * @IMM_RESIZE_STRETCH: exactly the target size, aspect ratio ignored
 * @IMM_RESIZE_CROP: cover the target keeping aspect, cut the centred overflow
 * @IMM_RESIZE_FILL: fit inside keeping aspect, centred, padded with borders
 * @IMM_RESIZE_FIT: fit inside keeping aspect; the output is the scaled size
 */
typedef enum
{
  IMM_RESIZE_STRETCH = 0,
  IMM_RESIZE_CROP,
  IMM_RESIZE_FILL,
  IMM_RESIZE_FIT,
} ImmResizeMode;

/* Largest output side the elements accept, in pixels. */
#define IMM_GEOMETRY_MAX_SIDE 16384

/**
 * ImmGeometry:
 * The result of imm_geometry_compute(): how to turn the source frame into
 * the output frame in one converter pass.
 *
 * @out_width/@out_height: the output frame.
 * @src_*: the rectangle of the source frame that is used (crop cuts it).
 * @dest_*: where that rectangle lands in the output (fill pads around it).
 * @passthrough: nothing to do, output = input (same size and pixel aspect).
 */
typedef struct
{
  gint out_width, out_height;
  gint src_x, src_y, src_width, src_height;
  gint dest_x, dest_y, dest_width, dest_height;
  gboolean passthrough;
} ImmGeometry;

gint imm_geometry_resolve_side (gdouble requested, gint display_side);

void imm_geometry_display_size (gint width, gint height, gint par_n,
    gint par_d, gint * display_width, gint * display_height);

gboolean imm_geometry_compute_pixels (gint in_width, gint in_height,
    gint par_n, gint par_d, gint target_width, gint target_height,
    ImmResizeMode mode, ImmGeometry * geo);

gboolean imm_geometry_compute (gint in_width, gint in_height, gint par_n,
    gint par_d, gdouble width, gdouble height, ImmResizeMode mode,
    ImmGeometry * geo);

const gchar *imm_resize_mode_to_string (ImmResizeMode mode);

gboolean imm_resize_mode_from_string (const gchar * str, ImmResizeMode * mode);

G_END_DECLS

#endif /* __IMM_GEOMETRY_H__ */
