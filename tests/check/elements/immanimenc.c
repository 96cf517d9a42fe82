/* GstHarness tests of immanimenc: outputs decoded back with giflib and
 * libwebp.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>

#include <string.h>

#include <gif_lib.h>
#include <webp/demux.h>

#include "../../common/gif-memory.h"

typedef void (*FillFunc) (guint8 * rgba, gint w, gint h, guint n);

typedef struct
{
  GstHarness *h;
  GstBus *bus;
} Run;

static Run
run_start (const gchar * props, gint w, gint h)
{
  Run r;
  gchar *caps = g_strdup_printf ("video/x-raw,format=RGBA,width=%d,height=%d,"
      "framerate=15/1", w, h);
  gchar *desc = g_strdup_printf ("immanimenc %s", props);

  r.h = gst_harness_new_parse (desc);
  r.bus = gst_bus_new ();
  gst_element_set_bus (r.h->element, r.bus);
  gst_harness_set_src_caps_str (r.h, caps);
  g_free (caps);
  g_free (desc);
  return r;
}

static void
push_frames (Run * r, gint w, gint h, guint n, GstClockTime step, FillFunc fill)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, (gsize) w * h * 4, NULL);
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    fill (map.data, w, h, i);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = i * step;
    GST_BUFFER_DURATION (buf) = step;
    fail_unless_equals_int (gst_harness_push (r->h, buf), GST_FLOW_OK);
  }
}

/* Sends EOS and returns the single output buffer; checks no QoS message. */
static GstBuffer *
run_finish (Run * r)
{
  GstBuffer *out;
  GstMessage *msg;

  fail_unless (gst_harness_push_event (r->h, gst_event_new_eos ()));
  out = gst_harness_try_pull (r->h);
  fail_unless (out != NULL);
  fail_unless (gst_harness_try_pull (r->h) == NULL);
  msg = gst_bus_pop_filtered (r->bus, GST_MESSAGE_QOS | GST_MESSAGE_ERROR);
  fail_unless (msg == NULL, "unexpected %s message",
      msg ? GST_MESSAGE_TYPE_NAME (msg) : "");
  return out;
}

static void
run_free (Run * r)
{
  gst_element_set_bus (r->h->element, NULL);
  gst_object_unref (r->bus);
  gst_harness_teardown (r->h);
}

/* --- GIF decoding ------------------------------------------------------ */

typedef struct
{
  gint width, height, n_frames, loop;   /* loop: -1 absent, else repeats */
  gint delays[1100];
  guint8 *frames;               /* n_frames composited RGB pictures */
} Decoded;

static void
decoded_free (Decoded * d)
{
  g_free (d->frames);
  g_free (d);
}

static Decoded *
decode_gif (GstBuffer * buf)
{
  GstMapInfo map;
  GifFileType *gif;
  int err = 0, i, j;
  Decoded *d = g_new0 (Decoded, 1);
  guint8 *canvas;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  fail_unless (map.size > 6 && memcmp (map.data, "GIF89a", 6) == 0);
  gif = gif_memory_slurp (map.data, map.size);
  fail_unless (gif != NULL);
  d->width = gif->SWidth;
  d->height = gif->SHeight;
  d->n_frames = gif->ImageCount;
  d->loop = -1;
  fail_unless (d->n_frames <= 1100);
  canvas = g_malloc0 ((gsize) d->width * d->height * 3);
  d->frames = g_malloc ((gsize) d->width * d->height * 3 * d->n_frames);
  for (i = 0; i < gif->ImageCount; i++) {
    SavedImage *im = &gif->SavedImages[i];
    GraphicsControlBlock gcb;
    ColorMapObject *cmap = im->ImageDesc.ColorMap ? im->ImageDesc.ColorMap :
        gif->SColorMap;
    int x, y;

    fail_unless_equals_int (DGifSavedExtensionToGCB (gif, i, &gcb), GIF_OK);
    d->delays[i] = gcb.DelayTime;
    for (j = 0; j < im->ExtensionBlockCount; j++) {
      ExtensionBlock *e = &im->ExtensionBlocks[j];
      if (e->Function == APPLICATION_EXT_FUNC_CODE && e->ByteCount == 11 &&
          memcmp (e->Bytes, "NETSCAPE2.0", 11) == 0) {
        fail_unless (j + 1 < im->ExtensionBlockCount);
        d->loop = im->ExtensionBlocks[j + 1].Bytes[1] |
            (im->ExtensionBlocks[j + 1].Bytes[2] << 8);
      }
    }
    fail_unless (cmap != NULL);
    for (y = 0; y < im->ImageDesc.Height; y++)
      for (x = 0; x < im->ImageDesc.Width; x++) {
        int idx = im->RasterBits[y * im->ImageDesc.Width + x];
        guint8 *c = canvas + 3 * ((gsize) (y + im->ImageDesc.Top) * d->width +
            x + im->ImageDesc.Left);
        if (idx == gcb.TransparentColor)
          continue;
        c[0] = cmap->Colors[idx].Red;
        c[1] = cmap->Colors[idx].Green;
        c[2] = cmap->Colors[idx].Blue;
      }
    memcpy (d->frames + (gsize) i * d->width * d->height * 3, canvas,
        (gsize) d->width * d->height * 3);
  }
  g_free (canvas);
  fail_unless_equals_int (DGifCloseFile (gif, &err), GIF_OK);
  gst_buffer_unmap (buf, &map);
  return d;
}

/* Delays as centiseconds, like GIF. */
static Decoded *
decode_webp (GstBuffer * buf)
{
  GstMapInfo map;
  WebPData data;
  WebPAnimDecoderOptions opts;
  WebPAnimDecoder *dec;
  WebPAnimInfo info;
  Decoded *d = g_new0 (Decoded, 1);
  int prev = 0, i = 0;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  fail_unless (map.size > 12 && memcmp (map.data, "RIFF", 4) == 0 &&
      memcmp (map.data + 8, "WEBP", 4) == 0);
  data.bytes = map.data;
  data.size = map.size;
  fail_unless (WebPAnimDecoderOptionsInit (&opts));
  opts.color_mode = MODE_RGBA;
  dec = WebPAnimDecoderNew (&data, &opts);
  fail_unless (dec != NULL);
  fail_unless (WebPAnimDecoderGetInfo (dec, &info));
  d->width = info.canvas_width;
  d->height = info.canvas_height;
  d->n_frames = info.frame_count;
  d->loop = info.loop_count;
  fail_unless (d->n_frames <= 1100);
  d->frames = g_malloc ((gsize) d->width * d->height * 3 * d->n_frames);
  while (WebPAnimDecoderHasMoreFrames (dec)) {
    uint8_t *rgba;
    int ts, p;

    fail_unless (WebPAnimDecoderGetNext (dec, &rgba, &ts));
    /* milliseconds, kept as ms in delays for WebP */
    d->delays[i] = ts - prev;
    prev = ts;
    for (p = 0; p < d->width * d->height; p++)
      memcpy (d->frames + ((gsize) i * d->width * d->height + p) * 3,
          rgba + 4 * p, 3);
    i++;
  }
  fail_unless_equals_int (i, d->n_frames);
  WebPAnimDecoderDelete (dec);
  gst_buffer_unmap (buf, &map);
  return d;
}

static const guint8 *
pixel (Decoded * d, gint frame, gint x, gint y)
{
  return d->frames + (((gsize) frame * d->height + y) * d->width + x) * 3;
}

/* --- fixtures ---------------------------------------------------------- */

static const guint8 flat_colors[4][3] = {
  {255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255},
};

static void
fill_flat (guint8 * rgba, gint w, gint h, guint n)
{
  gint p;

  for (p = 0; p < w * h; p++) {
    memcpy (rgba + 4 * p, flat_colors[n % 4], 3);
    rgba[4 * p + 3] = 255;
  }
}

#define SQ 16
static void
square_pos (gint w, gint h, guint n, gint * x, gint * y)
{
  *x = (n * 13) % (w - SQ);
  *y = (n * 7) % (h - SQ);
}

static void
fill_square (guint8 * rgba, gint w, gint h, guint n)
{
  gint x, y, sx, sy;

  square_pos (w, h, n, &sx, &sy);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 *p = rgba + 4 * (y * w + x);
      gboolean in = x >= sx && x < sx + SQ && y >= sy && y < sy + SQ;
      p[0] = in ? 255 : 0;
      p[1] = in ? 255 : 0;
      p[2] = in ? 0 : 64;
      p[3] = 255;
    }
}

static void
fill_gradient (guint8 * rgba, gint w, gint h, guint n)
{
  gint x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 *p = rgba + 4 * (y * w + x);
      p[0] = x * 255 / (w - 1);
      p[1] = y * 255 / (h - 1);
      p[2] = (x + y + n * 3) & 255;
      p[3] = 255;
    }
}

static void
fill_tiny (guint8 * rgba, gint w, gint h, guint n)
{
  gint p;

  for (p = 0; p < w * h; p++) {
    rgba[4 * p] = (n * 37) & 255;
    rgba[4 * p + 1] = (n * 11) & 255;
    rgba[4 * p + 2] = p * 4;
    rgba[4 * p + 3] = 255;
  }
}

static GstBuffer *
encode (const gchar * props, gint w, gint h, guint n, GstClockTime step,
    FillFunc fill)
{
  Run r = run_start (props, w, h);
  GstBuffer *out;

  push_frames (&r, w, h, n, step, fill);
  out = run_finish (&r);
  run_free (&r);
  return out;
}

#define FRAME_15 (gst_util_uint64_scale (GST_SECOND, 1, 15))

/* --- tests ------------------------------------------------------------- */

GST_START_TEST (test_gif_flat_timing)
{
  GstBuffer *out = encode ("format=gif", 64, 48, 6, FRAME_15, fill_flat);
  Decoded *d = decode_gif (out);
  gint i, sum = 0;
  static const gint expect[6] = { 7, 6, 7, 7, 6, 7 };

  fail_unless_equals_int (d->width, 64);
  fail_unless_equals_int (d->height, 48);
  fail_unless_equals_int (d->n_frames, 6);
  fail_unless_equals_int (d->loop, 0);
  for (i = 0; i < 6; i++) {
    const guint8 *p = pixel (d, i, 63, 47);
    fail_unless_equals_int (d->delays[i], expect[i]);
    sum += d->delays[i];
    fail_unless (memcmp (p, flat_colors[i % 4], 3) == 0,
        "frame %d: %d,%d,%d", i, p[0], p[1], p[2]);
    fail_unless (memcmp (pixel (d, i, 0, 0), flat_colors[i % 4], 3) == 0);
  }
  fail_unless_equals_int (sum, 40);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 0);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), 400 * GST_MSECOND);
  decoded_free (d);
  gst_buffer_unref (out);
}

GST_END_TEST;

static void
check_square (Decoded * d, gint n, gint w, gint h, gint tol)
{
  gint i;

  fail_unless_equals_int (d->width, w);
  fail_unless_equals_int (d->height, h);
  fail_unless_equals_int (d->n_frames, n);
  for (i = 0; i < n; i++) {
    gint sx, sy;
    const guint8 *in, *outp;

    square_pos (w, h, i, &sx, &sy);
    in = pixel (d, i, sx + SQ / 2, sy + SQ / 2);
    fail_unless (in[0] >= 255 - tol && in[1] >= 255 - tol && in[2] <= tol,
        "frame %d inside %d,%d,%d", i, in[0], in[1], in[2]);
    outp = pixel (d, i, (sx + SQ + 10) % w, (sy + SQ + 10) % h);
    fail_unless (outp[0] <= tol && outp[1] <= tol && abs (outp[2] - 64) <= tol,
        "frame %d outside %d,%d,%d", i, outp[0], outp[1], outp[2]);
  }
}

GST_START_TEST (test_gif_moving_square_odd)
{
  GstBuffer *out = encode ("format=gif", 333, 101, 12, FRAME_15, fill_square);
  Decoded *d = decode_gif (out);

  check_square (d, 12, 333, 101, 0);
  decoded_free (d);
  gst_buffer_unref (out);
}

GST_END_TEST;

GST_START_TEST (test_webp_moving_square_odd)
{
  GstBuffer *out = encode ("format=webp loop=3", 333, 101, 12, FRAME_15,
      fill_square);
  Decoded *d = decode_webp (out);
  gint i;

  check_square (d, 12, 333, 101, 40);
  fail_unless_equals_int (d->loop, 3);
  /* 1/15 s as milliseconds: 67, 67, 66, ... summing to 800 */
  for (i = 0; i < 12; i++)
    fail_unless (d->delays[i] == 66 || d->delays[i] == 67);
  decoded_free (d);
  gst_buffer_unref (out);
}

GST_END_TEST;

GST_START_TEST (test_gif_loop_and_rate)
{
  GstBuffer *out = encode ("format=gif loop=1 frame-rate=10/1", 40, 30, 3,
      GST_SECOND, fill_flat);
  Decoded *d = decode_gif (out);

  fail_unless_equals_int (d->loop, -1);
  fail_unless_equals_int (d->n_frames, 3);
  fail_unless_equals_int (d->delays[0], 10);
  fail_unless_equals_int (d->delays[2], 10);
  decoded_free (d);
  gst_buffer_unref (out);

  out = encode ("format=gif loop=4", 40, 30, 2, FRAME_15, fill_flat);
  d = decode_gif (out);
  fail_unless_equals_int (d->loop, 3);
  decoded_free (d);
  gst_buffer_unref (out);
}

GST_END_TEST;

static gdouble
psnr_gradient (Decoded * d, gint w, gint h)
{
  guint8 *ref = g_malloc ((gsize) w * h * 4);
  gdouble se = 0;
  gint p;

  fill_gradient (ref, w, h, 0);
  for (p = 0; p < w * h; p++) {
    gint k;
    for (k = 0; k < 3; k++) {
      gdouble e = (gdouble) ref[4 * p + k] - d->frames[3 * p + k];
      se += e * e;
    }
  }
  g_free (ref);
  se /= 3.0 * w * h;
  return 10.0 * log10 (255.0 * 255.0 / MAX (se, 1e-9));
}

GST_START_TEST (test_gradient_psnr)
{
  GstBuffer *out = encode ("format=gif", 160, 120, 3, FRAME_15,
      fill_gradient);
  Decoded *d = decode_gif (out);
  gdouble psnr = psnr_gradient (d, 160, 120);

  fail_unless (psnr > 28.0, "gif psnr %f", psnr);
  decoded_free (d);
  gst_buffer_unref (out);

  out = encode ("format=webp quality=90", 160, 120, 3, FRAME_15, fill_gradient);
  d = decode_webp (out);
  psnr = psnr_gradient (d, 160, 120);
  fail_unless (psnr > 32.0, "webp psnr %f", psnr);
  decoded_free (d);
  gst_buffer_unref (out);
}

GST_END_TEST;

GST_START_TEST (test_single_pixel_frame)
{
  const gchar *fmts[2] = { "format=gif", "format=webp lossless=true" };
  gint k;

  for (k = 0; k < 2; k++) {
    GstBuffer *out = encode (fmts[k], 1, 1, 1, FRAME_15, fill_flat);
    Decoded *d = k == 0 ? decode_gif (out) : decode_webp (out);

    fail_unless_equals_int (d->width, 1);
    fail_unless_equals_int (d->height, 1);
    fail_unless_equals_int (d->n_frames, 1);
    fail_unless (memcmp (pixel (d, 0, 0, 0), flat_colors[0], 3) == 0);
    decoded_free (d);
    gst_buffer_unref (out);
  }
}

GST_END_TEST;

GST_START_TEST (test_thousand_tiny_frames)
{
  /* 100 fps: GIF cannot show 1 cs frames, so every other frame is merged
   * and the length stays 10 s. */
  GstBuffer *out = encode ("format=gif", 8, 8, 1000, 10 * GST_MSECOND,
      fill_tiny);
  Decoded *d = decode_gif (out);
  gint i, sum = 0;

  fail_unless_equals_int (d->n_frames, 500);
  for (i = 0; i < d->n_frames; i++) {
    fail_unless (d->delays[i] >= 2);
    sum += d->delays[i];
  }
  fail_unless_equals_int (sum, 1000);
  decoded_free (d);
  gst_buffer_unref (out);

  out = encode ("format=webp method=0", 8, 8, 1000, FRAME_15, fill_tiny);
  d = decode_webp (out);
  fail_unless_equals_int (d->n_frames, 1000);
  sum = 0;
  for (i = 0; i < d->n_frames; i++)
    sum += d->delays[i];
  fail_unless (abs (sum - 66667) <= 1, "total %d ms", sum);
  decoded_free (d);
  gst_buffer_unref (out);
}

GST_END_TEST;

GST_START_TEST (test_no_frames_error)
{
  Run r = run_start ("format=gif", 16, 16);
  GstMessage *msg;
  GError *err = NULL;

  gst_harness_push_event (r.h, gst_event_new_eos ());
  fail_unless (gst_harness_try_pull (r.h) == NULL);
  msg = gst_bus_pop_filtered (r.bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_str_has_prefix (err->message,
          "No frames reached the animation encoder"), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  run_free (&r);
}

GST_END_TEST;

GST_START_TEST (test_size_change_error)
{
  Run r = run_start ("format=webp", 16, 16);
  GstMessage *msg;
  GError *err = NULL;

  push_frames (&r, 16, 16, 2, FRAME_15, fill_flat);
  gst_harness_set_src_caps_str (r.h,
      "video/x-raw,format=RGBA,width=20,height=16,framerate=15/1");
  {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 20 * 16 * 4, NULL);
    GST_BUFFER_PTS (buf) = 2 * FRAME_15;
    fail_if (gst_harness_push (r.h, buf) == GST_FLOW_OK);
  }
  msg = gst_bus_pop_filtered (r.bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "from 16x16 to 20x16") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);
  run_free (&r);
}

GST_END_TEST;

GST_START_TEST (test_i420_input)
{
  GstHarness *h = gst_harness_new_parse ("videotestsrc num-buffers=5 "
      "pattern=red ! video/x-raw,format=I420,width=50,height=30,"
      "framerate=15/1 ! immanimenc format=gif");
  GstBuffer *out;
  Decoded *d;
  const guint8 *p;

  gst_harness_play (h);
  out = gst_harness_pull (h);
  d = decode_gif (out);
  fail_unless_equals_int (d->n_frames, 1);      /* identical frames merge */
  fail_unless_equals_int (d->delays[0], 33);
  p = pixel (d, 0, 25, 15);
  fail_unless (p[0] > 240 && p[1] < 16 && p[2] < 16, "%d,%d,%d", p[0], p[1],
      p[2]);
  decoded_free (d);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static const gchar *gif_variants[] = {
  "format=gif palette=per-frame",
  "format=gif dither=bayer",
  "format=gif dither=floyd-steinberg",
  "format=gif dither=sierra-lite palette=per-frame",
  "format=gif quality=100 colors=2",
  "format=webp lossless=true kmin=1 kmax=2 allow-mixed=true "
      "minimize-size=true threads=false background-color=0xff000000",
};

/* Flat-colour content stays exact whatever the palette and dither mode. */
GST_START_TEST (test_variants_square)
{
  const gchar *props = gif_variants[__i__];
  GstBuffer *out = encode (props, 61, 47, 5, FRAME_15, fill_square);
  Decoded *d = g_str_has_prefix (props, "format=gif") ? decode_gif (out) :
      decode_webp (out);

  check_square (d, 5, 61, 47, 0);
  decoded_free (d);
  gst_buffer_unref (out);
}

GST_END_TEST;

GST_START_TEST (test_format_from_downstream)
{
  GstHarness *h = gst_harness_new_parse ("immanimenc format=gif ! "
      "capsfilter caps=image/webp");
  GstBuffer *buf, *out;
  GstMapInfo map;

  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=RGBA,width=8,height=8,framerate=15/1");
  buf = gst_buffer_new_allocate (NULL, 8 * 8 * 4, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  fill_flat (map.data, 8, 8, 0);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = 0;
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  out = gst_harness_pull (h);
  gst_buffer_map (out, &map, GST_MAP_READ);
  fail_unless (map.size > 12 && memcmp (map.data + 8, "WEBP", 4) == 0);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The file leaves only at EOS; a GAP at the first frame, after the sticky
 * events, lets the sinks downstream preroll meanwhile. */
GST_START_TEST (test_gap_at_first_frame)
{
  Run r = run_start ("format=gif", 16, 16);
  GstClockTime start = 500 * GST_MSECOND, ts, dur;
  GstEventType expect[] = { GST_EVENT_STREAM_START, GST_EVENT_CAPS,
    GST_EVENT_SEGMENT, GST_EVENT_GAP
  };
  GstEvent *ev;
  guint i;

  for (i = 0; i < 3; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 16 * 16 * 4, NULL);

    gst_buffer_memset (buf, 0, 0x40 * i, 16 * 16 * 4);
    GST_BUFFER_PTS (buf) = start + i * FRAME_15;
    GST_BUFFER_DURATION (buf) = FRAME_15;
    fail_unless_equals_int (gst_harness_push (r.h, buf), GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_harness_buffers_received (r.h), 0);
  for (i = 0; i < G_N_ELEMENTS (expect); i++) {
    ev = gst_harness_try_pull_event (r.h);
    fail_unless (ev != NULL, "event %u missing", i);
    fail_unless_equals_string (GST_EVENT_TYPE_NAME (ev),
        gst_event_type_get_name (expect[i]));
    if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP) {
      gst_event_parse_gap (ev, &ts, &dur);
      fail_unless_equals_uint64 (ts, start);
      fail_unless_equals_uint64 (dur, 0);
    }
    gst_event_unref (ev);
  }
  /* one GAP only, not one per frame */
  fail_unless (gst_harness_try_pull_event (r.h) == NULL);
  gst_buffer_unref (run_finish (&r));
  run_free (&r);
}

GST_END_TEST;

/* A tee feeding a sink and immanimenc: without the GAP the other sink
 * prerolls, its queue fills and the pipeline never reaches PAUSED. */
GST_START_TEST (test_tee_preroll)
{
  gchar *dir = g_dir_make_tmp ("imm-animenc-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "a.gif", NULL);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=300 pattern=ball "
      "! video/x-raw,width=32,height=24,framerate=30/1 ! tee name=t "
      "t. ! queue ! fakesink sync=false "
      "t. ! queue ! immanimenc format=gif ! filesink location=%s", path);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  gchar *data;
  gsize len;

  fail_unless (pipe != NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS within 30 s: stalled in preroll");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);

  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  fail_unless (len > 6 && memcmp (data, "GIF89a", 6) == 0);
  fail_unless_equals_int (data[len - 1], 0x3B);
  g_free (data);
  g_unlink (path);
  g_rmdir (dir);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static Suite *
immanimenc_suite (void)
{
  Suite *s = suite_create ("immanimenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_gif_flat_timing);
  tcase_add_test (tc, test_gif_moving_square_odd);
  tcase_add_test (tc, test_webp_moving_square_odd);
  tcase_add_test (tc, test_gif_loop_and_rate);
  tcase_add_test (tc, test_gradient_psnr);
  tcase_add_test (tc, test_single_pixel_frame);
  tcase_add_test (tc, test_thousand_tiny_frames);
  tcase_add_test (tc, test_no_frames_error);
  tcase_add_test (tc, test_size_change_error);
  tcase_add_test (tc, test_i420_input);
  tcase_add_loop_test (tc, test_variants_square, 0,
      G_N_ELEMENTS (gif_variants));
  tcase_add_test (tc, test_format_from_downstream);
  tcase_add_test (tc, test_gap_at_first_frame);
  tcase_add_test (tc, test_tee_preroll);
  return s;
}

GST_CHECK_MAIN (immanimenc);
