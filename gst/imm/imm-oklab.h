/* imm-gst: OkLab, a perceptual colour space, for the GIF quantizer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_OKLAB_H__
#define __IMM_OKLAB_H__

#include <glib.h>

G_BEGIN_DECLS
/* OkLab (Björn Ottosson, 2020: "A perceptual color space for image
 * processing") in integers: L from 0 (black) to IMM_OKLAB_ONE (white), a
 * and b on the same scale (about -240 to 290 for sRGB colours). Equal
 * Euclidean distances are about equally visible anywhere in the space,
 * which weighted RGB is not (dark colours, saturated blues). */
#define IMM_OKLAB_ONE 1024
/* The OkLab of an 8-bit sRGB colour (the sRGB curve through a lookup
 * table). */
void imm_oklab_from_rgb (guint r, guint g, guint b, gint lab[3]);

static inline guint
imm_oklab_distance (const gint a[3], const gint b[3])
{
  gint d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];

  return d0 * d0 + d1 * d1 + d2 * d2;
}

G_END_DECLS
#endif /* __IMM_OKLAB_H__ */
