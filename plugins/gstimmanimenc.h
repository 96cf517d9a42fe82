/* imm-gst: immanimenc, animated GIF and WebP encoder.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IMM_ANIM_ENC_H__
#define __GST_IMM_ANIM_ENC_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideoencoder.h>

G_BEGIN_DECLS

#define GST_TYPE_IMM_ANIM_ENC (gst_imm_anim_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstImmAnimEnc, gst_imm_anim_enc, GST, IMM_ANIM_ENC,
    GstVideoEncoder);

typedef enum
{
  GST_IMM_ANIM_FORMAT_GIF,
  GST_IMM_ANIM_FORMAT_WEBP,
} GstImmAnimFormat;

typedef enum
{
  GST_IMM_ANIM_PALETTE_GLOBAL,
  GST_IMM_ANIM_PALETTE_PER_FRAME,
} GstImmAnimPalette;

#define GST_TYPE_IMM_ANIM_FORMAT (gst_imm_anim_format_get_type ())
GType gst_imm_anim_format_get_type (void);
#define GST_TYPE_IMM_ANIM_DITHER (gst_imm_anim_dither_get_type ())
GType gst_imm_anim_dither_get_type (void);
#define GST_TYPE_IMM_ANIM_PALETTE (gst_imm_anim_palette_get_type ())
GType gst_imm_anim_palette_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (immanimenc);

G_END_DECLS

#endif /* __GST_IMM_ANIM_ENC_H__ */
