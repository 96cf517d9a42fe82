/* Unit tests of imm_h264_key_kind(): is a keyframe an IDR picture.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-h264.h"

typedef struct
{
  const gchar *what;
  guint8 data[32];
  gsize size;
  guint nal_length_size;
  ImmH264Key expected;
} KeyCase;

/* NAL headers: 0x09 access unit delimiter, 0x67 SPS, 0x68 PPS, 0x06 SEI,
 * 0x65 IDR slice (nal_ref_idc 3), 0x41 non-IDR slice (nal_ref_idc 2),
 * 0x25 IDR slice (nal_ref_idc 1). */
static const KeyCase cases[] = {
  {"avc: SPS, PPS, IDR slice", {0, 0, 0, 2, 0x67, 0x42, 0, 0, 0, 2, 0x68,
          0xce, 0, 0, 0, 3, 0x65, 0x88, 0x84}, 19, 4, IMM_H264_KEY_IDR},
  {"avc: SEI, non-IDR I slice (open GOP)", {0, 0, 0, 3, 0x06, 0x06, 0x01,
          0, 0, 0, 3, 0x41, 0x9a, 0x02}, 14, 4, IMM_H264_KEY_NON_IDR},
  {"avc: IDR with nal_ref_idc 1", {0, 0, 0, 2, 0x25, 0x88}, 6, 4,
      IMM_H264_KEY_IDR},
  {"avc, 2-byte lengths: AUD, IDR", {0, 2, 0x09, 0xf0, 0, 2, 0x65, 0x88}, 8,
      2, IMM_H264_KEY_IDR},
  {"avc, 1-byte lengths: non-IDR", {2, 0x41, 0x9a}, 3, 1,
      IMM_H264_KEY_NON_IDR},
  {"avc: parameter sets only", {0, 0, 0, 2, 0x67, 0x42, 0, 0, 0, 2, 0x68,
          0xce}, 12, 4, IMM_H264_KEY_UNKNOWN},
  {"avc: a length past the end", {0, 0, 0, 9, 0x65, 0x88}, 6, 4,
      IMM_H264_KEY_UNKNOWN},
  {"avc: a zero length", {0, 0, 0, 0, 0x65, 0x88}, 6, 4,
      IMM_H264_KEY_UNKNOWN},
  {"avc: the slice after a cut-short unit", {0, 0, 0, 2, 0x06, 0x05, 0, 0,
          0, 7, 0x65}, 11, 4, IMM_H264_KEY_UNKNOWN},
  {"avc: 3-byte lengths do not exist", {0, 0, 2, 0x65, 0x88}, 5, 3,
      IMM_H264_KEY_UNKNOWN},
  {"byte-stream: 4-byte start codes, SPS, IDR", {0, 0, 0, 1, 0x67, 0x42, 0,
          0, 0, 1, 0x65, 0x88}, 12, 0, IMM_H264_KEY_IDR},
  {"byte-stream: 3-byte start code, non-IDR", {0, 0, 1, 0x41, 0x9a}, 5, 0,
      IMM_H264_KEY_NON_IDR},
  {"byte-stream: SEI then non-IDR", {0, 0, 1, 0x06, 0x05, 0x00, 0, 0, 1,
          0x41, 0x9a}, 11, 0, IMM_H264_KEY_NON_IDR},
  {"byte-stream: no start code", {0x65, 0x88, 0x84}, 3, 0,
      IMM_H264_KEY_UNKNOWN},
  {"byte-stream: start code at the very end", {0x12, 0, 0, 1}, 4, 0,
      IMM_H264_KEY_UNKNOWN},
  {"empty", {0}, 0, 4, IMM_H264_KEY_UNKNOWN},
};

GST_START_TEST (test_key_kind)
{
  const KeyCase *c = &cases[__i__];

  fail_unless_equals_int (imm_h264_key_kind (c->data, c->size,
          c->nal_length_size), c->expected);
}

GST_END_TEST;

GST_START_TEST (test_key_kind_null)
{
  fail_unless_equals_int (imm_h264_key_kind (NULL, 10, 4),
      IMM_H264_KEY_UNKNOWN);
}

GST_END_TEST;

GST_START_TEST (test_avcc)
{
  /* version 1, High profile, level 3.1, lengthSizeMinusOne 3, 1 SPS */
  const guint8 four[] = { 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0 };
  const guint8 two[] = { 1, 0x64, 0, 0x1f, 0xfd, 0xe1, 0 };
  const guint8 three[] = { 1, 0x64, 0, 0x1f, 0xfe, 0xe1, 0 };
  const guint8 version0[] = { 0, 0x64, 0, 0x1f, 0xff, 0xe1, 0 };

  fail_unless_equals_int (imm_h264_avcc_nal_length_size (four, 7), 4);
  fail_unless_equals_int (imm_h264_avcc_nal_length_size (two, 7), 2);
  fail_unless_equals_int (imm_h264_avcc_nal_length_size (three, 7), 0);
  fail_unless_equals_int (imm_h264_avcc_nal_length_size (version0, 7), 0);
  fail_unless_equals_int (imm_h264_avcc_nal_length_size (four, 6), 0);
  fail_unless_equals_int (imm_h264_avcc_nal_length_size (NULL, 7), 0);
}

GST_END_TEST;

static Suite *
h264_suite (void)
{
  Suite *s = suite_create ("h264");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_key_kind, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_key_kind_null);
  tcase_add_test (tc, test_avcc);
  return s;
}

GST_CHECK_MAIN (h264);
