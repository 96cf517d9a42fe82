/* GstHarness tests of immscale.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

GST_START_TEST (test_fit_size)
{
  GstHarness *h = gst_harness_new_parse ("immscale width=640 height=640 "
      "scale-type=fit");
  GstBuffer *buf;
  GstCaps *caps;
  GstVideoInfo info;

  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGBA,width=1920,"
      "height=1080,framerate=30/1");
  buf = gst_harness_push_and_pull (h, gst_harness_create_buffer (h,
          1920 * 1080 * 4));
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 640);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 360);
  gst_caps_unref (caps);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
immscale_suite (void)
{
  Suite *s = suite_create ("immscale");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fit_size);
  return s;
}

GST_CHECK_MAIN (immscale);
