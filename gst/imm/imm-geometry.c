/* imm-gst: output geometry of the four resize modes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One pure function covers stretch, crop, fill and fit so that the element's
 * caps negotiation and its converter set-up can never disagree: both call
 * imm_geometry_compute_pixels() with the same inputs (immscale resolves
 * its fraction sides first, as imm_geometry_compute() does).
 */
#include "imm-geometry.h"

#include <math.h>

static const gchar *const mode_names[] = { "stretch", "crop", "fill", "fit" };

static gint
clamp_side (gdouble v, gint max)
{
  /* Sizes round to the nearest pixel and never drop below one. */
  if (!(v >= 1.0))
    return 1;
  if (v >= (gdouble) max)
    return max;
  return (gint) floor (v + 0.5);
}

/**
 * imm_geometry_resolve_side:
 * @requested: 0 (not set), a fraction in (0, 1] of @display_side, or pixels
 * @display_side: the source side in display pixels
 *
 * Returns: the side in pixels, or 0 when @requested is not set (or invalid).
 */
gint
imm_geometry_resolve_side (gdouble requested, gint display_side)
{
  if (!(requested > 0.0) || isinf (requested))
    return 0;
  if (requested <= 1.0)
    return clamp_side (requested * display_side, IMM_GEOMETRY_MAX_SIDE);
  return clamp_side (requested, IMM_GEOMETRY_MAX_SIDE);
}

/**
 * imm_geometry_display_size:
 *
 * The size the source is shown at: non-square pixels stretch the width, the
 * way GStreamer sinks display them (the height is kept).
 */
void
imm_geometry_display_size (gint width, gint height, gint par_n, gint par_d,
    gint * display_width, gint * display_height)
{
  if (par_n <= 0 || par_d <= 0)
    par_n = par_d = 1;
  *display_width = clamp_side ((gdouble) width * par_n / par_d, G_MAXINT);
  *display_height = height;
}

/**
 * imm_geometry_compute_pixels:
 * @in_width: source width in pixels (>= 1)
 * @in_height: source height in pixels (>= 1)
 * @par_n: source pixel aspect ratio numerator (0 means 1:1)
 * @par_d: source pixel aspect ratio denominator (0 means 1:1)
 * @target_width: target width in pixels, 0 = unset
 * @target_height: target height in pixels, 0 = unset
 * @mode: the resize mode
 * @geo: (out): the geometry
 *
 * One side unset: it follows the source display aspect ratio, so every mode
 * gives the same result. Both unset: passthrough. The output pixel aspect
 * ratio is 1:1 unless the result is a passthrough.
 *
 * Returns: %FALSE when the source size is invalid.
 */
gboolean
imm_geometry_compute_pixels (gint in_width, gint in_height, gint par_n,
    gint par_d, gint target_width, gint target_height, ImmResizeMode mode,
    ImmGeometry * geo)
{
  gint dw, dh, tw = target_width, th = target_height;
  gdouble sx, sy, s;

  g_return_val_if_fail (geo != NULL, FALSE);
  if (in_width < 1 || in_height < 1 || tw < 0 || th < 0)
    return FALSE;

  imm_geometry_display_size (in_width, in_height, par_n, par_d, &dw, &dh);
  tw = MIN (tw, IMM_GEOMETRY_MAX_SIDE);
  th = MIN (th, IMM_GEOMETRY_MAX_SIDE);

  geo->src_x = geo->src_y = 0;
  geo->src_width = in_width;
  geo->src_height = in_height;
  geo->dest_x = geo->dest_y = 0;
  geo->passthrough = FALSE;

  if (tw == 0 && th == 0) {
    geo->out_width = geo->dest_width = in_width;
    geo->out_height = geo->dest_height = in_height;
    geo->passthrough = TRUE;
    return TRUE;
  }
  /* With one side derived from the other, the aspect ratio is already
   * kept: stretching avoids a one-pixel crop or border from rounding. */
  if (tw == 0) {
    tw = clamp_side ((gdouble) th * dw / dh, IMM_GEOMETRY_MAX_SIDE);
    mode = IMM_RESIZE_STRETCH;
  } else if (th == 0) {
    th = clamp_side ((gdouble) tw * dh / dw, IMM_GEOMETRY_MAX_SIDE);
    mode = IMM_RESIZE_STRETCH;
  }

  sx = (gdouble) tw / dw;
  sy = (gdouble) th / dh;

  switch (mode) {
    case IMM_RESIZE_CROP:
      s = MAX (sx, sy);
      /* The visible part of the display, mapped back to stored pixels. */
      geo->src_width = MIN (in_width,
          clamp_side (tw / s * in_width / dw, G_MAXINT));
      geo->src_height = MIN (in_height,
          clamp_side (th / s * in_height / dh, G_MAXINT));
      geo->src_x = (in_width - geo->src_width) / 2;
      geo->src_y = (in_height - geo->src_height) / 2;
      geo->out_width = geo->dest_width = tw;
      geo->out_height = geo->dest_height = th;
      break;
    case IMM_RESIZE_FILL:
      s = MIN (sx, sy);
      geo->out_width = tw;
      geo->out_height = th;
      geo->dest_width = MIN (tw, clamp_side (dw * s, G_MAXINT));
      geo->dest_height = MIN (th, clamp_side (dh * s, G_MAXINT));
      geo->dest_x = (tw - geo->dest_width) / 2;
      geo->dest_y = (th - geo->dest_height) / 2;
      break;
    case IMM_RESIZE_FIT:
      s = MIN (sx, sy);
      geo->out_width = geo->dest_width =
          MIN (tw, clamp_side (dw * s, G_MAXINT));
      geo->out_height = geo->dest_height =
          MIN (th, clamp_side (dh * s, G_MAXINT));
      break;
    case IMM_RESIZE_STRETCH:
    default:
      geo->out_width = geo->dest_width = tw;
      geo->out_height = geo->dest_height = th;
      break;
  }

  /* Same size, square pixels and the whole frame: nothing to convert. */
  if (geo->out_width == in_width && geo->out_height == in_height
      && geo->src_width == in_width && geo->src_height == in_height
      && geo->dest_width == in_width && geo->dest_height == in_height
      && (par_n == par_d || par_n <= 0 || par_d <= 0))
    geo->passthrough = TRUE;

  return TRUE;
}

/**
 * imm_geometry_compute:
 * @width: requested width: 0 unset, (0, 1] fraction of the display width,
 *   > 1 pixels
 * @height: requested height, likewise (fraction of the height)
 *
 * imm_geometry_compute_pixels() with the element's way of giving sizes.
 */
gboolean
imm_geometry_compute (gint in_width, gint in_height, gint par_n, gint par_d,
    gdouble width, gdouble height, ImmResizeMode mode, ImmGeometry * geo)
{
  gint dw, dh;

  if (in_width < 1 || in_height < 1)
    return FALSE;
  imm_geometry_display_size (in_width, in_height, par_n, par_d, &dw, &dh);
  return imm_geometry_compute_pixels (in_width, in_height, par_n, par_d,
      imm_geometry_resolve_side (width, dw),
      imm_geometry_resolve_side (height, dh), mode, geo);
}

const gchar *
imm_resize_mode_to_string (ImmResizeMode mode)
{
  if ((guint) mode >= G_N_ELEMENTS (mode_names))
    return NULL;
  return mode_names[mode];
}

gboolean
imm_resize_mode_from_string (const gchar * str, ImmResizeMode * mode)
{
  guint i;

  for (i = 0; str != NULL && i < G_N_ELEMENTS (mode_names); i++) {
    if (g_strcmp0 (str, mode_names[i]) == 0) {
      *mode = (ImmResizeMode) i;
      return TRUE;
    }
  }
  return FALSE;
}
