/* imm-gst: what kind of keyframe an H.264 access unit is.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A keyframe of an MP4 or MKV (a sync sample) is either an IDR picture,
 * which a decoder decodes alone from a clean state, or, in an open GOP,
 * an I-frame with a recovery point, which libavcodec outputs from a
 * keyframe-only stream only when told to skip non-keyframes
 * (skip_frame=nokey): keyframe mode needs to know which (immkeywatch.c).
 * Only the NAL unit headers are read: types 1 and 5 are the slices of
 * non-IDR and IDR pictures (ITU-T H.264, table 7-1).
 */
#include "imm-h264.h"

#define NAL_SLICE 1
#define NAL_SLICE_IDR 5

static ImmH264Key
kind_of_nal (guint8 header)
{
  switch (header & 0x1f) {
    case NAL_SLICE_IDR:
      return IMM_H264_KEY_IDR;
    case NAL_SLICE:
      return IMM_H264_KEY_NON_IDR;
    default:
      return IMM_H264_KEY_UNKNOWN;
  }
}

/* Annex B: NAL units after 00 00 01 start codes. */
static ImmH264Key
kind_byte_stream (const guint8 * data, gsize size)
{
  gsize i;

  for (i = 0; i + 3 < size; i++) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      ImmH264Key k = kind_of_nal (data[i + 3]);

      if (k != IMM_H264_KEY_UNKNOWN)
        return k;
      i += 2;
    }
  }
  return IMM_H264_KEY_UNKNOWN;
}

/**
 * imm_h264_key_kind:
 * @data: (array length=size): one access unit
 * @nal_length_size: the size of the NAL unit lengths before each NAL unit
 *   (1, 2 or 4: stream-format avc or avc3), or 0 for start codes
 *   (stream-format byte-stream)
 *
 * Returns: what the first slice of @data is: IDR or not; UNKNOWN when
 * there is none or a length runs past the end.
 */
ImmH264Key
imm_h264_key_kind (const guint8 * data, gsize size, guint nal_length_size)
{
  gsize pos = 0;

  if (data == NULL)
    return IMM_H264_KEY_UNKNOWN;
  if (nal_length_size == 0)
    return kind_byte_stream (data, size);
  if (nal_length_size != 1 && nal_length_size != 2 && nal_length_size != 4)
    return IMM_H264_KEY_UNKNOWN;
  while (pos + nal_length_size < size) {
    gsize len = 0, i;
    ImmH264Key k;

    for (i = 0; i < nal_length_size; i++)
      len = (len << 8) | data[pos + i];
    pos += nal_length_size;
    if (len == 0 || len > size - pos)
      return IMM_H264_KEY_UNKNOWN;
    k = kind_of_nal (data[pos]);
    if (k != IMM_H264_KEY_UNKNOWN)
      return k;
    pos += len;
  }
  return IMM_H264_KEY_UNKNOWN;
}

/**
 * imm_h264_avcc_nal_length_size:
 * @avcc: (array length=size): an AVCDecoderConfigurationRecord (the
 *   codec_data of stream-format avc)
 *
 * Returns: the size of its NAL unit lengths (1, 2 or 4), or 0 when @avcc
 * is not one.
 */
guint
imm_h264_avcc_nal_length_size (const guint8 * avcc, gsize size)
{
  guint n;

  /* configurationVersion 1, then profile, compatibility, level and
   * lengthSizeMinusOne in the low 2 bits of the fifth byte */
  if (avcc == NULL || size < 7 || avcc[0] != 1)
    return 0;
  n = (avcc[4] & 0x03) + 1;
  return n == 3 ? 0 : n;
}
