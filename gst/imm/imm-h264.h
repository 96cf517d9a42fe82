/* imm-gst: what kind of keyframe an H.264 access unit is.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_H264_H__
#define __IMM_H264_H__

#include <glib.h>

G_BEGIN_DECLS
/* What the first slice of an access unit says. */
    typedef enum
{
  IMM_H264_KEY_UNKNOWN,         /* no slice in it, or cut short */
  IMM_H264_KEY_IDR,             /* an IDR picture: decoded alone, afresh */
  IMM_H264_KEY_NON_IDR,         /* another picture (open-GOP I-frame) */
} ImmH264Key;

ImmH264Key imm_h264_key_kind (const guint8 * data, gsize size,
    guint nal_length_size);

guint imm_h264_avcc_nal_length_size (const guint8 * avcc, gsize size);

G_END_DECLS
#endif /* __IMM_H264_H__ */
