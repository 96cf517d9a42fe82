/* imm-gst: immhighlight, cuts one clip of frames around each event.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IMM_HIGHLIGHT_H__
#define __GST_IMM_HIGHLIGHT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_IMM_HIGHLIGHT (gst_imm_highlight_get_type ())
G_DECLARE_FINAL_TYPE (GstImmHighlight, gst_imm_highlight, GST, IMM_HIGHLIGHT,
    GstElement);

GST_ELEMENT_REGISTER_DECLARE (immhighlight);

G_END_DECLS

#endif /* __GST_IMM_HIGHLIGHT_H__ */
