/* GstHarness and pipeline tests of immscale: sizes, pixel content,
 * negotiation, renegotiation while playing, formats and live sources.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/app/gstappsink.h>

#include <math.h>

/* An 80x40 RGBA test card: quadrants red (top left), green (top right),
 * blue (bottom left), white (bottom right); 4-column magenta and cyan bands
 * on the left and right edges; a 4x4 black marker at the centre. */
#define CARD_W 80
#define CARD_H 40

static const guint8 RED[4] = { 255, 0, 0, 255 };
static const guint8 GREEN[4] = { 0, 255, 0, 255 };
static const guint8 BLUE[4] = { 0, 0, 255, 255 };
static const guint8 WHITE[4] = { 255, 255, 255, 255 };
static const guint8 MAGENTA[4] = { 255, 0, 255, 255 };
static const guint8 CYAN[4] = { 0, 255, 255, 255 };
static const guint8 BLACK[4] = { 0, 0, 0, 255 };

static GstBuffer *
make_card (void)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, CARD_W * CARD_H * 4, NULL);
  GstMapInfo map;
  gint x, y;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (y = 0; y < CARD_H; y++) {
    for (x = 0; x < CARD_W; x++) {
      const guint8 *c;

      if (x < 4)
        c = MAGENTA;
      else if (x >= CARD_W - 4)
        c = CYAN;
      else if (x >= 38 && x < 42 && y >= 18 && y < 22)
        c = BLACK;
      else if (y < CARD_H / 2)
        c = x < CARD_W / 2 ? RED : GREEN;
      else
        c = x < CARD_W / 2 ? BLUE : WHITE;
      memcpy (map.data + (y * CARD_W + x) * 4, c, 4);
    }
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 25;
  return buf;
}

#define CARD_CAPS "video/x-raw,format=RGBA,width=80,height=40,framerate=25/1"

typedef struct
{
  GstBuffer *buf;
  GstVideoFrame frame;
  gint w, h;
} Out;

/* Runs one card through @launch and maps the output frame. */
static GstHarness *
scale_card (const gchar * launch, Out * out)
{
  GstHarness *h = gst_harness_new_parse (launch);
  GstCaps *caps;
  GstVideoInfo info;

  gst_harness_set_src_caps_str (h, CARD_CAPS);
  fail_unless_equals_int (gst_harness_push (h, make_card ()), GST_FLOW_OK);
  out->buf = gst_harness_pull (h);
  fail_unless (out->buf != NULL);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless (gst_video_frame_map (&out->frame, &info, out->buf,
          GST_MAP_READ));
  out->w = GST_VIDEO_INFO_WIDTH (&info);
  out->h = GST_VIDEO_INFO_HEIGHT (&info);
  return h;
}

static void
out_clear (GstHarness * h, Out * out)
{
  gst_video_frame_unmap (&out->frame);
  gst_buffer_unref (out->buf);
  gst_harness_teardown (h);
}

static const guint8 *
px (Out * out, gint x, gint y)
{
  return (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&out->frame, 0) +
      y * GST_VIDEO_FRAME_PLANE_STRIDE (&out->frame, 0) + x * 4;
}

/* Scaled colours blend at edges; away from them they stay within a few
 * levels of the original. */
static gboolean
near (const guint8 * p, const guint8 * c)
{
  gint i;

  for (i = 0; i < 3; i++)
    if (ABS ((gint) p[i] - (gint) c[i]) > 8)
      return FALSE;
  return TRUE;
}

#define assert_near(out, x, y, c) \
  fail_unless (near (px (out, x, y), c), "pixel %d,%d is %d,%d,%d", x, y, \
      px (out, x, y)[0], px (out, x, y)[1], px (out, x, y)[2])

static gboolean
has_colour (Out * out, const guint8 * c)
{
  gint x, y;

  for (y = 0; y < out->h; y++)
    for (x = 0; x < out->w; x++)
      if (near (px (out, x, y), c))
        return TRUE;
  return FALSE;
}

GST_START_TEST (test_crop_keeps_centre)
{
  Out out;
  GstHarness *h = scale_card ("immscale width=40 height=40 scale-type=crop",
      &out);

  fail_unless_equals_int (out.w, 40);
  fail_unless_equals_int (out.h, 40);
  /* source columns 20..59 at scale 1: the edge bands are gone */
  fail_if (has_colour (&out, MAGENTA));
  fail_if (has_colour (&out, CYAN));
  assert_near (&out, 5, 5, RED);
  assert_near (&out, 34, 5, GREEN);
  assert_near (&out, 5, 34, BLUE);
  assert_near (&out, 34, 34, WHITE);
  /* the centre marker sits at the centre */
  assert_near (&out, 19, 19, BLACK);
  assert_near (&out, 20, 20, BLACK);
  out_clear (h, &out);
}

GST_END_TEST;

GST_START_TEST (test_fill_borders_exact)
{
  Out out;
  GstHarness *h = scale_card ("immscale width=60 height=60 scale-type=fill "
      "border-color=0xff102030", &out);
  const guint8 border[4] = { 0x10, 0x20, 0x30, 0xff };
  gint x, y;

  fail_unless_equals_int (out.w, 60);
  fail_unless_equals_int (out.h, 60);
  /* 80x40 at 0.75 is 60x30, centred: 15 border rows above and below */
  for (y = 0; y < 60; y++) {
    gboolean is_border = y < 15 || y >= 45;

    for (x = 0; x < 60; x++) {
      gboolean same = memcmp (px (&out, x, y), border, 4) == 0;
      fail_unless (same == is_border, "row %d col %d: border %d", y, x, same);
    }
  }
  /* the whole picture is inside, edge bands included */
  assert_near (&out, 0, 30, MAGENTA);
  assert_near (&out, 59, 30, CYAN);
  assert_near (&out, 10, 18, RED);
  assert_near (&out, 50, 41, WHITE);
  out_clear (h, &out);
}

GST_END_TEST;

GST_START_TEST (test_fill_pillarbox)
{
  Out out;
  GstHarness *h = scale_card ("immscale width=200 height=40 scale-type=fill",
      &out);
  gint x, y;

  fail_unless_equals_int (out.w, 200);
  fail_unless_equals_int (out.h, 40);
  /* 80x40 at scale 1 in the middle: 60 black columns either side */
  for (y = 0; y < 40; y++) {
    for (x = 0; x < 200; x++) {
      gboolean black = memcmp (px (&out, x, y), BLACK, 4) == 0;
      gboolean is_border = x < 60 || x >= 140;
      if (is_border)
        fail_unless (black, "col %d row %d not black", x, y);
    }
  }
  assert_near (&out, 61, 20, MAGENTA);
  assert_near (&out, 138, 20, CYAN);
  out_clear (h, &out);
}

GST_END_TEST;

GST_START_TEST (test_fit_size_and_content)
{
  Out out;
  GstHarness *h = scale_card ("immscale width=60 height=60 scale-type=fit",
      &out);

  fail_unless_equals_int (out.w, 60);
  fail_unless_equals_int (out.h, 30);
  assert_near (&out, 0, 15, MAGENTA);
  assert_near (&out, 59, 15, CYAN);
  assert_near (&out, 10, 3, RED);
  assert_near (&out, 50, 27, WHITE);
  out_clear (h, &out);
}

GST_END_TEST;

GST_START_TEST (test_stretch_corners)
{
  Out out;
  GstHarness *h = scale_card ("immscale width=40 height=50", &out);

  fail_unless_equals_int (out.w, 40);
  fail_unless_equals_int (out.h, 50);
  /* the edge bands squeeze to two columns; the quadrants fill the rest */
  assert_near (&out, 0, 0, MAGENTA);
  assert_near (&out, 39, 49, CYAN);
  assert_near (&out, 8, 5, RED);
  assert_near (&out, 31, 5, GREEN);
  assert_near (&out, 8, 44, BLUE);
  assert_near (&out, 31, 44, WHITE);
  out_clear (h, &out);
}

GST_END_TEST;

GST_START_TEST (test_fraction_and_one_side)
{
  Out out;
  GstHarness *h = scale_card ("immscale width=0.5", &out);

  /* height follows the aspect ratio */
  fail_unless_equals_int (out.w, 40);
  fail_unless_equals_int (out.h, 20);
  out_clear (h, &out);

  h = scale_card ("immscale height=20 scale-type=crop", &out);
  fail_unless_equals_int (out.w, 40);
  fail_unless_equals_int (out.h, 20);
  /* one side only never crops: both bands survive */
  assert_near (&out, 0, 10, MAGENTA);
  assert_near (&out, 39, 10, CYAN);
  out_clear (h, &out);
}

GST_END_TEST;

GST_START_TEST (test_passthrough)
{
  GstHarness *h = gst_harness_new ("immscale");
  GstBuffer *in, *out;

  gst_harness_set_src_caps_str (h, CARD_CAPS);
  in = make_card ();
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  /* nothing to do: the very same buffer goes through */
  fail_unless (out == in);
  fail_unless (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
          (h->element)));
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_size_from_downstream)
{
  Out out;
  GstHarness *h = scale_card ("immscale scale-type=crop ! "
      "capsfilter caps=video/x-raw,width=40,height=40", &out);

  fail_unless_equals_int (out.w, 40);
  fail_unless_equals_int (out.h, 40);
  fail_if (has_colour (&out, MAGENTA));
  assert_near (&out, 19, 19, BLACK);
  out_clear (h, &out);
}

GST_END_TEST;

GST_START_TEST (test_not_negotiated)
{
  GstHarness *h = gst_harness_new_parse ("immscale width=100 height=100 ! "
      "capsfilter caps=video/x-raw,width=200,height=200");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, CARD_CAPS);
  fail_unless_equals_int (gst_harness_push (h, make_card ()),
      GST_FLOW_NOT_NEGOTIATED);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_str_has_prefix (err->message,
          "immscale cannot output 100x100: downstream does not accept that "
          "size. Set the width/height properties"), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_change_while_playing)
{
  GstHarness *h = gst_harness_new ("immscale");
  GstElement *scale = h->element;
  GstBuffer *buf;
  GstCaps *caps;
  GstVideoInfo info;

  g_object_set (scale, "width", 40.0, "height", 40.0, "scale-type", 2, NULL);
  gst_harness_set_src_caps_str (h, CARD_CAPS);
  buf = gst_harness_push_and_pull (h, make_card ());
  fail_unless_equals_int (gst_buffer_get_size (buf), 40 * 40 * 4);
  gst_buffer_unref (buf);

  g_object_set (scale, "width", 16.0, "height", 0.0, NULL);
  buf = gst_harness_push_and_pull (h, make_card ());
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 16);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 8);
  fail_unless_equals_int (gst_buffer_get_size (buf), 16 * 8 * 4);
  gst_caps_unref (caps);
  gst_buffer_unref (buf);

  /* back to nothing to do: passthrough */
  g_object_set (scale, "width", 0.0, NULL);
  buf = gst_harness_push_and_pull (h, make_card ());
  fail_unless_equals_int (gst_buffer_get_size (buf), CARD_W * CARD_H * 4);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_bad_sizes_refused)
{
  GstElement *scale = gst_element_factory_make ("immscale", NULL);
  gdouble w;

  g_object_set (scale, "width", 320.0, NULL);
  ASSERT_WARNING (g_object_set (scale, "width", (gdouble) NAN, NULL));
  g_object_get (scale, "width", &w, NULL);
  fail_unless (w == 320.0);
  ASSERT_WARNING (g_object_set (scale, "height", -1.0, NULL));
  ASSERT_WARNING (g_object_set (scale, "height", 20000.0, NULL));
  g_object_get (scale, "height", &w, NULL);
  fail_unless (w == 0.0);
  gst_object_unref (scale);
}

GST_END_TEST;

GST_START_TEST (test_non_square_pixels)
{
  GstHarness *h = gst_harness_new_parse ("immscale width=0.5 height=0.5");
  GstBuffer *buf;
  GstCaps *caps;
  GstVideoInfo info;

  /* 720x576 at 16:15 is shown 768x576: half is 384x288, square pixels */
  gst_harness_set_src_caps_str (h, "video/x-raw,format=I420,width=720,"
      "height=576,pixel-aspect-ratio=16/15,framerate=25/1");
  buf = gst_harness_push_and_pull (h, gst_harness_create_buffer (h,
          720 * 576 * 3 / 2));
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 384);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 288);
  fail_unless_equals_int (GST_VIDEO_INFO_PAR_N (&info), 1);
  fail_unless_equals_int (GST_VIDEO_INFO_PAR_D (&info), 1);
  gst_caps_unref (caps);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Flat areas stay flat: GstVideoScaler's 6-bit taps do not always add up
 * to one (3x with cubic, 2x with lanczos), which immscale works around. */
typedef struct
{
  const gchar *method;
  gint in_w, in_h;
  const gchar *props;
  gint out_w, out_h;
  gint top;                     /* border rows above (and below) the picture */
} FlatCase;

static const FlatCase flat_cases[] = {
  {"cubic", 192, 108, "width=64 height=64 scale-type=fill", 64, 64, 14},
  {"cubic", 192, 108, "width=36 height=36 scale-type=crop", 36, 36, 0},
  {"cubic", 64, 36, "width=192 height=108", 192, 108, 0},
  {"lanczos", 192, 108, "width=64 height=64 scale-type=fill", 64, 64, 14},
  {"lanczos", 128, 72, "width=64 height=36", 64, 36, 0},
  {"linear", 192, 108, "width=64 height=64 scale-type=fill", 64, 64, 14},
  {"sinc", 192, 108, "width=64 height=64 scale-type=fill", 64, 64, 14},
  {"nearest", 192, 108, "width=64 height=64 scale-type=fill", 64, 64, 14},
};

GST_START_TEST (test_flat_stays_flat)
{
  const FlatCase *c = &flat_cases[__i__];
  /* a flat I420 colour, and black in limited range for the borders */
  const guint8 level[3] = { 200, 90, 160 }, black[3] = { 16, 128, 128 };
  gchar *launch = g_strdup_printf ("immscale method=%s %s", c->method,
      c->props);
  gchar *caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,"
      "height=%d,framerate=25/1", c->in_w, c->in_h);
  GstHarness *h = gst_harness_new_parse (launch);
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  GstCaps *out_caps;
  gint p, x, y;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, c->in_w, c->in_h);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  for (p = 0; p < 3; p++)
    for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, p); y++)
      memset ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, p) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p), level[p],
          GST_VIDEO_FRAME_COMP_WIDTH (&frame, p));
  gst_video_frame_unmap (&frame);

  gst_harness_set_src_caps_str (h, caps);
  buf = gst_harness_push_and_pull (h, buf);
  out_caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, out_caps));
  gst_caps_unref (out_caps);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), c->out_w);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), c->out_h);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  for (p = 0; p < 3; p++) {
    gint top = p == 0 ? c->top : c->top / 2;
    gint rows = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, p);

    for (y = 0; y < rows; y++) {
      const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
          p) + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);
      guint8 want = y < top || y >= rows - top ? black[p] : level[p];

      for (x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, p); x++)
        fail_unless_equals_int_hex (row[x], want);
    }
  }
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
  g_free (caps);
  g_free (launch);
}

GST_END_TEST;

GST_START_TEST (test_cubic_properties)
{
  GstElement *scale = gst_element_factory_make ("immscale", NULL);
  const gchar *names[] = { "cubic-b", "cubic-c" };
  /* ffmpeg's bicubic */
  const gdouble defaults[] = { 0.0, 0.6 };
  gint i;

  for (i = 0; i < 2; i++) {
    GParamSpec *pspec =
        g_object_class_find_property (G_OBJECT_GET_CLASS (scale), names[i]);
    GParamSpecDouble *d;

    fail_unless (pspec != NULL, "%s", names[i]);
    fail_unless (G_IS_PARAM_SPEC_DOUBLE (pspec));
    fail_unless (pspec->flags & GST_PARAM_MUTABLE_PLAYING);
    fail_unless (strlen (g_param_spec_get_blurb (pspec)) > 20);
    d = G_PARAM_SPEC_DOUBLE (pspec);
    fail_unless (d->minimum == 0.0 && d->maximum == 1.0);
    fail_unless (fabs (d->default_value - defaults[i]) < 1e-9, "%s: %g",
        names[i], d->default_value);
  }
  gst_object_unref (scale);
}

GST_END_TEST;

/* Lowest and highest luma of a 3x cubic downscale of a sharp step from 16
 * to 235 (GRAY8 48x12 to 16x4). */
static void
cubic_step_range (gdouble b, gdouble c, gint * lo, gint * hi)
{
  gchar *launch = g_strdup_printf ("immscale width=16 height=4 "
      "cubic-b=%g cubic-c=%g", b, c);
  GstHarness *h = gst_harness_new_parse (launch);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 48 * 12, NULL);
  GstMapInfo map;
  gint x, y;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (y = 0; y < 12; y++)
    for (x = 0; x < 48; x++)
      map.data[y * 48 + x] = x < 24 ? 16 : 235;
  gst_buffer_unmap (buf, &map);

  gst_harness_set_src_caps_str (h, "video/x-raw,format=GRAY8,width=48,"
      "height=12,framerate=25/1");
  buf = gst_harness_push_and_pull (h, buf);
  gst_buffer_map (buf, &map, GST_MAP_READ);
  *lo = 255;
  *hi = 0;
  /* GRAY8 rows are 4-byte aligned: 16 bytes, no padding */
  fail_unless_equals_int (map.size, 16 * 4);
  for (x = 0; x < 16 * 4; x++) {
    *lo = MIN (*lo, map.data[x]);
    *hi = MAX (*hi, map.data[x]);
  }
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  gst_harness_teardown (h);
  g_free (launch);
}

GST_START_TEST (test_cubic_shape)
{
  gint lo, hi;

  /* the B-spline (B 1, C 0) has no negative lobe: no overshoot */
  cubic_step_range (1.0, 0.0, &lo, &hi);
  fail_unless (lo >= 16 && hi <= 235, "%d..%d", lo, hi);
  /* a sharp cubic (B 0, C 0.6) rings on both sides of the step */
  cubic_step_range (0.0, 0.6, &lo, &hi);
  fail_unless (lo < 16 && hi > 235, "%d..%d", lo, hi);
}

GST_END_TEST;

/* Every format, live and not, through a real pipeline. */
static const gchar *formats[] = {
  "I420", "NV12", "YV12", "Y444", "YUY2", "AYUV", "RGB", "BGR", "RGBA",
  "BGRx", "GRAY8", "GRAY16_LE", "I420_10LE",
};

static void
run_pipeline (const gchar * format, gboolean live, gint frames)
{
  gchar *desc = g_strdup_printf ("videotestsrc is-live=%d num-buffers=%d ! "
      "video/x-raw,format=%s,width=64,height=48,framerate=50/1 ! "
      "immscale width=33 height=21 scale-type=fill ! "
      "appsink name=sink sync=false", live, frames, format);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstSample *sample;
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  gint got = 0;

  fail_unless (pipe != NULL, "%s", desc);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              5 * GST_SECOND)) != NULL) {
    GstVideoInfo info;
    fail_unless (gst_video_info_from_caps (&info,
            gst_sample_get_caps (sample)));
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 33);
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 21);
    fail_unless_equals_string (GST_VIDEO_INFO_NAME (&info), format);
    /* a live source stamps with the clock: check the spacing */
    if (got == 0)
      first_pts = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
    fail_unless_equals_uint64 (GST_BUFFER_PTS (gst_sample_get_buffer
            (sample)) - first_pts, gst_util_uint64_scale (got, GST_SECOND, 50));
    got++;
    gst_sample_unref (sample);
  }
  fail_unless_equals_int (got, frames);
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)));
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
}

GST_START_TEST (test_formats)
{
  run_pipeline (formats[__i__], FALSE, 3);
}

GST_END_TEST;

GST_START_TEST (test_live)
{
  run_pipeline ("I420", TRUE, 10);
}

GST_END_TEST;

static Suite *
immscale_suite (void)
{
  Suite *s = suite_create ("immscale");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_crop_keeps_centre);
  tcase_add_test (tc, test_fill_borders_exact);
  tcase_add_test (tc, test_fill_pillarbox);
  tcase_add_test (tc, test_fit_size_and_content);
  tcase_add_test (tc, test_stretch_corners);
  tcase_add_test (tc, test_fraction_and_one_side);
  tcase_add_test (tc, test_passthrough);
  tcase_add_test (tc, test_size_from_downstream);
  tcase_add_test (tc, test_not_negotiated);
  tcase_add_test (tc, test_change_while_playing);
  tcase_add_test (tc, test_bad_sizes_refused);
  tcase_add_test (tc, test_non_square_pixels);
  tcase_add_loop_test (tc, test_flat_stays_flat, 0, G_N_ELEMENTS (flat_cases));
  tcase_add_test (tc, test_cubic_properties);
  tcase_add_test (tc, test_cubic_shape);
  tcase_add_loop_test (tc, test_formats, 0, G_N_ELEMENTS (formats));
  tcase_add_test (tc, test_live);
  return s;
}

GST_CHECK_MAIN (immscale);
