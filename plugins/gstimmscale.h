/* imm-gst: immscale, one-pass resize with the four resize modes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IMM_SCALE_H__
#define __GST_IMM_SCALE_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_IMM_SCALE (gst_imm_scale_get_type ())
G_DECLARE_FINAL_TYPE (GstImmScale, gst_imm_scale, GST, IMM_SCALE,
    GstVideoFilter);

#define GST_TYPE_IMM_RESIZE_MODE (gst_imm_resize_mode_get_type ())
GType gst_imm_resize_mode_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (immscale);

G_END_DECLS

#endif /* __GST_IMM_SCALE_H__ */
