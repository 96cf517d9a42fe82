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
#include "../../common/rss.h"

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

/* --- WebP from YUV ----------------------------------------------------- */

/* A picture with smooth gradients, saturated colour edges and fine detail,
 * as RGBA. */
static void
fill_yuv_scene (guint8 * rgba, gint w, gint h, guint n)
{
  gint x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 *p = rgba + 4 * (y * w + x);
      gboolean box = x > w / 4 + (gint) n * 3 && x < w / 2 + (gint) n * 3
          && y > h / 4 && y < 3 * h / 4;

      p[0] = box ? 230 : x * 255 / (w - 1);
      p[1] = box ? 40 : y * 255 / (h - 1);
      p[2] = box ? 60 : (guint8) ((2 * x + y) * 255 / (2 * w + h) +
          8 * ((x / 2 + y / 2) % 2));
      p[3] = 255;
    }
}

/* Converts @src (format @from) to @to with the colorimetry @cm. */
static GstBuffer *
convert_picture (GstBuffer * src, GstVideoFormat from, GstVideoFormat to,
    const gchar * cm, gint w, gint h)
{
  GstVideoInfo in, out;
  GstVideoFrame fi, fo;
  GstVideoConverter *conv;
  GstBuffer *dst;

  gst_video_info_set_format (&in, from, w, h);
  gst_video_info_set_format (&out, to, w, h);
  if (GST_VIDEO_INFO_IS_YUV (&in))
    fail_unless (gst_video_colorimetry_from_string (&in.colorimetry, cm));
  if (GST_VIDEO_INFO_IS_YUV (&out))
    fail_unless (gst_video_colorimetry_from_string (&out.colorimetry, cm));
  /* only the matrix: keep transfer and primaries as they are */
  if (!GST_VIDEO_INFO_IS_YUV (&in))
    in.colorimetry.transfer = out.colorimetry.transfer,
        in.colorimetry.primaries = out.colorimetry.primaries;
  else
    out.colorimetry.transfer = in.colorimetry.transfer,
        out.colorimetry.primaries = in.colorimetry.primaries;
  dst = gst_buffer_new_allocate (NULL, out.size, NULL);
  fail_unless (gst_video_frame_map (&fi, &in, src, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fo, &out, dst, GST_MAP_WRITE));
  conv = gst_video_converter_new (&in, &out, NULL);
  fail_unless (conv != NULL);
  gst_video_converter_frame (conv, &fi, &fo);
  gst_video_converter_free (conv);
  gst_video_frame_unmap (&fi);
  gst_video_frame_unmap (&fo);
  return dst;
}

/* Encodes 4 frames of a scene given as @format with colorimetry @cm (fed
 * as @feed: the same format, or RGBA converted by GStreamer) and returns
 * the PSNR (RGB) of the decoded WebP against the scene. */
static gdouble
webp_yuv_psnr (GstVideoFormat format, const gchar * cm, const gchar * props,
    GstVideoFormat feed)
{
  const gint w = 96, h = 64, n = 4;
  gchar *caps, *desc;
  GstHarness *hn;
  GstBuffer *refs[4], *out;
  Decoded *d;
  gdouble se = 0;
  gint i, p;

  desc = g_strdup_printf ("immanimenc format=webp %s", props);
  hn = gst_harness_new_parse (desc);
  g_free (desc);
  caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
      "framerate=15/1,colorimetry=%s", gst_video_format_to_string (feed), w,
      h, cm);
  gst_harness_set_src_caps_str (hn, caps);
  g_free (caps);
  for (i = 0; i < n; i++) {
    GstBuffer *rgba = gst_buffer_new_allocate (NULL, (gsize) w * h * 4, NULL);
    GstBuffer *yuv, *in;
    GstMapInfo map;

    gst_buffer_map (rgba, &map, GST_MAP_WRITE);
    fill_yuv_scene (map.data, w, h, i);
    gst_buffer_unmap (rgba, &map);
    yuv = convert_picture (rgba, GST_VIDEO_FORMAT_RGBA, format, cm, w, h);
    refs[i] = convert_picture (yuv, format, GST_VIDEO_FORMAT_RGBA, cm, w, h);
    /* the RGB path gets what the YUV means, converted by GStreamer */
    in = feed == format ? gst_buffer_ref (yuv) : gst_buffer_ref (refs[i]);
    /* compared with the scene itself: how chroma is upsampled is the
     * encoder's business */
    gst_buffer_replace (&refs[i], rgba);
    GST_BUFFER_PTS (in) = i * FRAME_15;
    GST_BUFFER_DURATION (in) = FRAME_15;
    fail_unless_equals_int (gst_harness_push (hn, in), GST_FLOW_OK);
    gst_buffer_unref (yuv);
    gst_buffer_unref (rgba);
  }
  fail_unless (gst_harness_push_event (hn, gst_event_new_eos ()));
  out = gst_harness_pull (hn);
  d = decode_webp (out);
  fail_unless_equals_int (d->n_frames, n);
  for (i = 0; i < n; i++) {
    GstMapInfo map;

    gst_buffer_map (refs[i], &map, GST_MAP_READ);
    for (p = 0; p < w * h; p++) {
      const guint8 *a = map.data + 4 * p;
      const guint8 *b = pixel (d, i, p % w, p / w);
      gint k;

      for (k = 0; k < 3; k++)
        se += (gdouble) (a[k] - b[k]) * (a[k] - b[k]);
    }
    gst_buffer_unmap (refs[i], &map);
    gst_buffer_unref (refs[i]);
  }
  decoded_free (d);
  gst_buffer_unref (out);
  gst_harness_teardown (hn);
  se /= 3.0 * w * h * n;
  return 10.0 * log10 (255.0 * 255.0 / MAX (se, 1e-9));
}

/* I420 and NV12 go to libwebp as planes; BT.709 and full range are turned
 * into BT.601 limited first (libwebp's only matrix), so the decoded colours
 * are those the source means. The RGB path of the same frames is the
 * yardstick: the YUV path must not be worse. */
GST_START_TEST (test_webp_yuv_psnr)
{
  static const struct
  {
    GstVideoFormat format;
    const gchar *cm;
  } cases[] = {
    {GST_VIDEO_FORMAT_I420, "bt601"},
    {GST_VIDEO_FORMAT_I420, "bt709"},
    {GST_VIDEO_FORMAT_NV12, "bt709"},
    {GST_VIDEO_FORMAT_I420, "1:4:0:0"}, /* full range BT.601 (jpeg) */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gdouble yuv = webp_yuv_psnr (cases[i].format, cases[i].cm, "quality=90",
        cases[i].format);
    gdouble rgb = webp_yuv_psnr (cases[i].format, cases[i].cm, "quality=90",
        GST_VIDEO_FORMAT_RGBA);

    GST_INFO ("%s %s: yuv path %.2f dB, rgb path %.2f dB",
        gst_video_format_to_string (cases[i].format), cases[i].cm, yuv, rgb);
    fail_unless (yuv > 28.0, "%s %s: psnr %.2f (rgb %.2f)",
        gst_video_format_to_string (cases[i].format), cases[i].cm, yuv, rgb);
    fail_unless (yuv > rgb - 1.0, "%s %s: yuv %.2f dB, rgb %.2f dB",
        gst_video_format_to_string (cases[i].format), cases[i].cm, yuv, rgb);
  }
}

GST_END_TEST;

/* sharp-yuv is libwebp's RGB to YUV conversion: accepted and decodable. */
GST_START_TEST (test_webp_sharp_yuv)
{
  gdouble plain = webp_yuv_psnr (GST_VIDEO_FORMAT_I420, "bt601",
      "quality=90", GST_VIDEO_FORMAT_RGBA);
  gdouble sharp = webp_yuv_psnr (GST_VIDEO_FORMAT_I420, "bt601",
      "quality=90 sharp-yuv=true", GST_VIDEO_FORMAT_RGBA);

  GST_INFO ("rgb input: %.2f dB, sharp-yuv %.2f dB", plain, sharp);
  fail_unless (sharp > 28.0, "sharp-yuv psnr %.2f", sharp);
}

GST_END_TEST;

/* --- the file message ---------------------------------------------------- */

static void
fill_steps (guint8 * rgba, gint w, gint h, guint n)
{
  fill_flat (rgba, w, h, n / 3);
}

/* The `immanimenc` message counts the frames in the file, after merging:
 * 9 input frames showing 3 pictures give 3 frames. */
GST_START_TEST (test_file_message)
{
  const gchar *props[2] = { "format=gif", "format=webp" };
  guint i;

  for (i = 0; i < 2; i++) {
    Run r = run_start (props[i], 32, 24);
    GstBuffer *out;
    GstMessage *msg;
    const GstStructure *st;
    Decoded *d;
    guint frames;
    guint64 bytes, duration, pts;

    push_frames (&r, 32, 24, 9, FRAME_15, fill_steps);
    /* not run_finish (): popping with a filter drops the other messages */
    fail_unless (gst_harness_push_event (r.h, gst_event_new_eos ()));
    out = gst_harness_pull (r.h);
    d = i == 0 ? decode_gif (out) : decode_webp (out);
    msg = gst_bus_pop_filtered (r.bus, GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL);
    st = gst_message_get_structure (msg);
    fail_unless (gst_structure_has_name (st, "immanimenc"));
    fail_unless (gst_structure_get_uint (st, "frames", &frames));
    fail_unless (gst_structure_get_uint64 (st, "bytes", &bytes));
    fail_unless (gst_structure_get_uint64 (st, "duration", &duration));
    fail_unless (gst_structure_get_uint64 (st, "pts", &pts));
    fail_unless_equals_int (frames, 3);
    fail_unless_equals_int (d->n_frames, 3);
    fail_unless_equals_uint64 (bytes, gst_buffer_get_size (out));
    fail_unless_equals_uint64 (duration, 600 * GST_MSECOND);
    fail_unless_equals_uint64 (pts, 0);
    fail_unless_equals_string (gst_structure_get_string (st, "format"),
        i == 0 ? "image/gif" : "image/webp");
    gst_message_unref (msg);
    fail_unless (gst_bus_pop_filtered (r.bus, GST_MESSAGE_ELEMENT) == NULL);
    decoded_free (d);
    gst_buffer_unref (out);
    run_free (&r);
  }
}

GST_END_TEST;

/* --- one file per highlight clip ---------------------------------------- */

static GstEvent *
clip_end_event (guint index)
{
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new ("immhighlight-clip-end", "index", G_TYPE_UINT, index,
          "event-pts", G_TYPE_UINT64, (guint64) 0, "first-pts", G_TYPE_UINT64,
          (guint64) 0, "last-pts", G_TYPE_UINT64, (guint64) 0, NULL));
}

/* Clips of 5, 40 and 3 frames (the last ended by EOS) give three whole
 * files, each pushed when its clip ends, with the frames of its clip, its
 * first frame's timestamp, and a message each; the base class holds at
 * most one frame whatever the length of a clip. */
GST_START_TEST (test_clip_files)
{
  const gchar *props[2] = { "format=gif", "format=webp" };
  static const guint clip_len[3] = { 5, 40, 3 };
  guint f;

  for (f = 0; f < 2; f++) {
    Run r = run_start (props[f], 32, 24);
    GstVideoEncoder *enc;
    GstIterator *it = gst_bin_iterate_elements (GST_BIN (r.h->element));
    GValue v = G_VALUE_INIT;
    guint c, i, n = 0;

    fail_unless_equals_int (gst_iterator_next (it, &v), GST_ITERATOR_OK);
    enc = GST_VIDEO_ENCODER (g_value_get_object (&v));
    for (c = 0; c < 3; c++) {
      GstBuffer *out;
      Decoded *d;
      GstMessage *msg;
      guint frames;

      for (i = 0; i < clip_len[c]; i++, n++) {
        GstBuffer *buf = gst_buffer_new_allocate (NULL, 32 * 24 * 4, NULL);
        GstMapInfo map;
        GList *held;

        gst_buffer_map (buf, &map, GST_MAP_WRITE);
        fill_square (map.data, 32, 24, n);
        gst_buffer_unmap (buf, &map);
        /* every frame differs: the square moves */
        gst_buffer_memset (buf, 4 * (n % (32 * 24)), 0xff, 4);
        GST_BUFFER_PTS (buf) = n * FRAME_15;
        GST_BUFFER_DURATION (buf) = FRAME_15;
        fail_unless_equals_int (gst_harness_push (r.h, buf), GST_FLOW_OK);
        held = gst_video_encoder_get_frames (enc);
        fail_unless (g_list_length (held) <= 1, "%u frames held",
            g_list_length (held));
        g_list_free_full (held, (GDestroyNotify) gst_video_codec_frame_unref);
      }
      /* nothing leaves before the clip ends */
      fail_unless (gst_harness_try_pull (r.h) == NULL);
      if (c < 2)
        fail_unless (gst_harness_push_event (r.h, clip_end_event (c + 1)));
      else
        fail_unless (gst_harness_push_event (r.h, gst_event_new_eos ()));
      out = gst_harness_try_pull (r.h);
      fail_unless (out != NULL, "clip %u: no file", c);
      fail_unless (gst_harness_try_pull (r.h) == NULL);
      d = f == 0 ? decode_gif (out) : decode_webp (out);
      fail_unless_equals_int (d->width, 32);
      fail_unless_equals_int (d->n_frames, clip_len[c]);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (out),
          (n - clip_len[c]) * FRAME_15);
      decoded_free (d);
      gst_buffer_unref (out);
      msg = gst_bus_pop_filtered (r.bus, GST_MESSAGE_ELEMENT);
      fail_unless (msg != NULL, "clip %u: no message", c);
      fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
              "frames", &frames));
      fail_unless_equals_int (frames, clip_len[c]);
      gst_message_unref (msg);
    }
    /* no QoS message for the frames released */
    fail_unless (gst_bus_pop_filtered (r.bus, GST_MESSAGE_QOS |
            GST_MESSAGE_ERROR) == NULL);
    g_value_unset (&v);
    gst_iterator_free (it);
    run_free (&r);
  }
}

GST_END_TEST;

/* A pipeline with multifilesink next-file=buffer writes one file per clip
 * while the stream runs; a clip end with no frame since the last one
 * writes nothing. */
static GstPadProbeReturn
send_clip_ends (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  guint *count = data;

  /* before buffers 10 and 20 (from 0): clips of 10, 10 and 7 frames */
  if (*count == 10 || *count == 20) {
    gst_pad_send_event (pad, clip_end_event (*count / 10));
    if (*count == 20)
      gst_pad_send_event (pad, clip_end_event (3));
  }
  (*count)++;
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_clip_multifilesink)
{
  gchar *dir = g_dir_make_tmp ("imm-animenc-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=27 pattern=ball "
      "! video/x-raw,width=32,height=24,framerate=30/1 ! immanimenc name=enc "
      "format=gif ! multifilesink next-file=buffer location=%s/clip-%%05d.gif",
      dir);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *enc = gst_bin_get_by_name (GST_BIN (pipe), "enc");
  GstPad *sink = gst_element_get_static_pad (enc, "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  guint count = 0, i;
  static const gint frames[3] = { 10, 10, 7 };

  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, send_clip_ends, &count,
      NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS within 30 s");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);

  for (i = 0; i < 4; i++) {
    gchar *path = g_strdup_printf ("%s/clip-%05u.gif", dir, i);
    gchar *data;
    gsize len;

    if (i == 3) {
      fail_if (g_file_test (path, G_FILE_TEST_EXISTS), "a 4th file");
      g_free (path);
      break;
    }
    fail_unless (g_file_get_contents (path, &data, &len, NULL), "%s", path);
    {
      GstBuffer *buf = gst_buffer_new_wrapped (data, len);
      Decoded *d = decode_gif (buf);

      fail_unless_equals_int (d->n_frames, frames[i]);
      decoded_free (d);
      gst_buffer_unref (buf);
    }
    g_unlink (path);
    g_free (path);
  }
  g_rmdir (dir);
  gst_object_unref (sink);
  gst_object_unref (enc);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

/* --- determinism ------------------------------------------------------- */

static const gchar *determinism_props[] = {
  "format=gif",
  "format=gif palette=per-frame dither=floyd-steinberg",
  "format=webp threads=true",
  "format=webp threads=true quality=90 method=4",
};

typedef struct
{
  const gchar *props;
  GBytes *out;
} EncodeJob;

static GBytes *
encode_bytes (const gchar * props)
{
  GstBuffer *buf = encode (props, 96, 64, 12, FRAME_15, fill_gradient);
  GstMapInfo map;
  GBytes *bytes;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  return bytes;
}

static gpointer
encode_job (gpointer data)
{
  EncodeJob *job = data;

  job->out = encode_bytes (job->props);
  return NULL;
}

/* The same input gives the same bytes, also when four encoders run at
 * once (two outputs of one request encode on two threads) and libwebp
 * uses its extra thread. */
GST_START_TEST (test_determinism)
{
  const gchar *props = determinism_props[__i__];
  GBytes *ref = encode_bytes (props);
  EncodeJob jobs[4];
  GThread *threads[4];
  guint i;

  for (i = 0; i < 4; i++) {
    jobs[i].props = props;
    jobs[i].out = NULL;
    threads[i] = g_thread_new ("encode", encode_job, &jobs[i]);
  }
  for (i = 0; i < 4; i++) {
    g_thread_join (threads[i]);
    fail_unless (g_bytes_equal (ref, jobs[i].out), "%s: thread %u wrote "
        "%" G_GSIZE_FORMAT " bytes, differing from the %" G_GSIZE_FORMAT
        " of the first run", props, i, g_bytes_get_size (jobs[i].out),
        g_bytes_get_size (ref));
    g_bytes_unref (jobs[i].out);
  }
  g_bytes_unref (ref);
}

GST_END_TEST;

/* Memory on an endless stream: 400 clips of 25 frames through a pipeline
 * (GIF and WebP), one file each; the resident memory after clip 400 is
 * within 10 % of that after clip 40 (a record of 300 bytes kept per frame
 * would break that). */
typedef struct
{
  guint count;
  guint64 rss_early, rss_late;
} ClipMemory;

static GstPadProbeReturn
clip_every_25 (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  ClipMemory *m = data;

  if (m->count > 0 && m->count % 25 == 0) {
    gst_pad_send_event (pad, clip_end_event (m->count / 25));
    if (m->count == 100 * 25)
      /* after the WebP encoding threads and their malloc arenas are up */
      m->rss_early = rss_bytes ();
    else if (m->count == 400 * 25)
      m->rss_late = rss_bytes ();
  }
  m->count++;
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_clip_memory)
{
  const gchar *format = __i__ == 0 ? "gif" : "webp";
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=10001 "
      "pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1 ! "
      "immanimenc name=enc format=%s ! fakesink", format);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *enc = gst_bin_get_by_name (GST_BIN (pipe), "enc");
  GstPad *sink = gst_element_get_static_pad (enc, "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  ClipMemory m = { 0, 0, 0 };
  GstMessage *msg;
  guint files = 0;

  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, clip_every_25, &m, NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    if (type == GST_MESSAGE_ELEMENT && gst_message_has_name (msg, "immanimenc"))
      files++;
    gst_message_unref (msg);
    if (type != GST_MESSAGE_ELEMENT)
      break;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  /* 400 clips of 25, then the last frame alone at EOS */
  fail_unless_equals_int (files, 401);
  GST_INFO ("%s: RSS %" G_GUINT64_FORMAT " kB after 100 clips, %"
      G_GUINT64_FORMAT " kB after 400", format, m.rss_early / 1024,
      m.rss_late / 1024);
  fail_unless (m.rss_early > 0 && m.rss_late > 0);
  /* AddressSanitizer keeps freed blocks in quarantine (256 MB by default)
   * and so grows RSS whatever the element frees: the bound holds only in
   * the plain build, which the README's test command runs. */
  if (!RUNNING_UNDER_ASAN)
    fail_unless (m.rss_late <= m.rss_early + m.rss_early / 10,
      "%s: RSS grew from %" G_GUINT64_FORMAT " to %"
      G_GUINT64_FORMAT " kB", format, m.rss_early / 1024, m.rss_late / 1024);
  gst_object_unref (sink);
  gst_object_unref (enc);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
}

GST_END_TEST;

/* The first 12 frames the same (libwebp merges them into one), then the
 * square moves. */
static void
fill_hold_square (guint8 * rgba, gint w, gint h, guint n)
{
  fill_square (rgba, w, h, n < 12 ? 0 : n);
}

/* fill_square with half-transparent pixels on odd frames: frames that
 * are not opaque. */
static void
fill_alpha_square (guint8 * rgba, gint w, gint h, guint n)
{
  gint p;

  fill_square (rgba, w, h, n);
  if (n % 2)
    for (p = 0; p < w * h; p += 3)
      rgba[4 * p + 3] = 128;
}

/* Only the last frame differs from the first. */
static void
fill_late_change (guint8 * rgba, gint w, gint h, guint n)
{
  fill_square (rgba, w, h, n < 29 ? 0 : 5);
}

/* encode() with the frames given as I420 (BT.601): the YUV path. */
static GstBuffer *
encode_i420 (const gchar * props, gint w, gint h, guint n, FillFunc fill)
{
  gchar *desc = g_strdup_printf ("immanimenc %s", props);
  gchar *caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,"
      "height=%d,framerate=15/1,colorimetry=bt601", w, h);
  GstHarness *hn = gst_harness_new_parse (desc);
  GstBuffer *out;
  guint i;

  gst_harness_set_src_caps_str (hn, caps);
  for (i = 0; i < n; i++) {
    GstBuffer *rgba = gst_buffer_new_allocate (NULL, (gsize) w * h * 4, NULL);
    GstBuffer *yuv;
    GstMapInfo map;

    gst_buffer_map (rgba, &map, GST_MAP_WRITE);
    fill (map.data, w, h, i);
    gst_buffer_unmap (rgba, &map);
    yuv = convert_picture (rgba, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_I420,
        "bt601", w, h);
    GST_BUFFER_PTS (yuv) = i * FRAME_15;
    GST_BUFFER_DURATION (yuv) = FRAME_15;
    fail_unless_equals_int (gst_harness_push (hn, yuv), GST_FLOW_OK);
    gst_buffer_unref (rgba);
  }
  fail_unless (gst_harness_push_event (hn, gst_event_new_eos ()));
  out = gst_harness_pull (hn);
  gst_harness_teardown (hn);
  g_free (caps);
  g_free (desc);
  return out;
}

/* A red ramp that drifts 7 levels a frame: in RGB every frame is over
 * libwebp's merge tolerance at q75 (5), on the YUV planes it is under it
 * (Y moves about 2, V about 3). */
static void
fill_red_drift (guint8 * rgba, gint w, gint h, guint n)
{
  gint x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 *p = rgba + 4 * (y * w + x);
      p[0] = 40 + (x + n * 7) % 160;
      p[1] = 90;
      p[2] = 90;
      p[3] = 255;
    }
}

static gint n_encoded_again;

static void
count_encoded_again (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  if (strstr (gst_debug_message_get (message), "encoding it again"))
    g_atomic_int_inc (&n_encoded_again);
}

/* The next chunk's primer is the frame libwebp keeps last before it, found
 * by comparing the pixels libwebp compares (its own YUV -> ARGB): a guess
 * on the YUV planes was wrong at every cut of a drifting picture, and each
 * wrong guess encodes a chunk a second time, in the streaming thread. */
GST_START_TEST (test_webp_primer_guess_exact)
{
  GstBuffer *out;

  gst_debug_set_threshold_for_name ("immanimenc", GST_LEVEL_DEBUG);
  gst_debug_add_log_function (count_encoded_again, NULL, NULL);
  g_atomic_int_set (&n_encoded_again, 0);
  out = encode_i420 ("format=webp threads=true", 96, 64, 40, fill_red_drift);
  gst_debug_remove_log_function (count_encoded_again);
  gst_debug_unset_threshold_for_name ("immanimenc");
  fail_unless (out != NULL);
  fail_unless_equals_int (g_atomic_int_get (&n_encoded_again), 0);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* A textured picture (hundreds of colours) panning 3 pixels a frame,
 * with a square moving across it and still borders. */
static void
fill_pan (guint8 * rgba, gint w, gint h, guint n)
{
  gint x, y, sx, sy;

  square_pos (w, h, n, &sx, &sy);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 *p = rgba + 4 * (y * w + x);
      gint u = x + 3 * (gint) n;
      gboolean border = x < 8 || y < 6;

      p[0] = border ? 30 : (u * 7 + y * 3) & 255;
      p[1] = border ? 30 : ((u * y) >> 3) & 255;
      p[2] = border ? 90 : (u * u / 17 + y * 5) & 255;
      if (x >= sx && x < sx + SQ && y >= sy && y < sy + SQ)
        p[0] = p[1] = 250;
      p[3] = 255;
    }
}

/* threads=true splits the GIF's change marking, k-means assignment and
 * lossy thresholds between threads: the file must be the one threads=false
 * writes, byte for byte (uneven rows: 61). */
GST_START_TEST (test_gif_threads_same_bytes)
{
  static const gchar *props[] = {
    "format=gif",
    "format=gif palette=global",
    "format=gif quality=90",
    "format=gif dither=none",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (props); i++) {
    gchar *a = g_strdup_printf ("%s threads=true", props[i]);
    gchar *b = g_strdup_printf ("%s threads=false", props[i]);
    GstBuffer *ta = encode (a, 97, 61, 20, FRAME_15, fill_pan);
    GstBuffer *tb = encode (b, 97, 61, 20, FRAME_15, fill_pan);
    Decoded *d = decode_gif (tb);
    GstMapInfo ma, mb;

    /* the clip moves: every frame is in the file */
    fail_unless_equals_int (d->n_frames, 20);
    gst_buffer_map (ta, &ma, GST_MAP_READ);
    gst_buffer_map (tb, &mb, GST_MAP_READ);
    fail_unless (ma.size == mb.size && memcmp (ma.data, mb.data,
            ma.size) == 0, "%s: %" G_GSIZE_FORMAT " bytes with threads, %"
        G_GSIZE_FORMAT " without", props[i], ma.size, mb.size);
    gst_buffer_unmap (ta, &ma);
    gst_buffer_unmap (tb, &mb);
    decoded_free (d);
    gst_buffer_unref (ta);
    gst_buffer_unref (tb);
    g_free (a);
    g_free (b);
  }
}

GST_END_TEST;

/* threads=true encodes chunks of frames in parallel and joins them: the
 * file must be the one a single WebPAnimEncoder writes (threads=false),
 * byte for byte, whatever frames merge at a chunk's edges. */
GST_START_TEST (test_webp_threads_same_bytes)
{
  const struct
  {
    const gchar *props;
    guint n;
    GstClockTime step;
    FillFunc fill;
  } cases[] = {
    {"format=webp", 40, FRAME_15, fill_square},
    {"format=webp", 30, FRAME_15, fill_gradient},
    {"format=webp", 30, FRAME_15, fill_hold_square},
    {"format=webp", 30, FRAME_15, fill_late_change},
    {"format=webp", 30, FRAME_15, fill_flat},
    {"format=webp quality=90 method=2", 25, 40 * GST_MSECOND, fill_square},
    {"format=webp", 30, FRAME_15, fill_alpha_square},
    {"format=webp lossless=true", 20, FRAME_15, fill_square},
    {"format=webp allow-mixed=true", 20, FRAME_15, fill_gradient},
    /* I420: the merge guess on YUV planes */
    {"format=webp", 40, 0, fill_square},
    {"format=webp", 30, 0, fill_gradient},
    {"format=webp", 30, 0, fill_hold_square},
    {"format=webp", 40, 0, fill_red_drift},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *a = g_strdup_printf ("%s threads=true", cases[i].props);
    gchar *b = g_strdup_printf ("%s threads=false", cases[i].props);
    GstBuffer *ta = cases[i].step ? encode (a, 96, 64, cases[i].n,
        cases[i].step, cases[i].fill) : encode_i420 (a, 96, 64, cases[i].n,
        cases[i].fill);
    GstBuffer *tb = cases[i].step ? encode (b, 96, 64, cases[i].n,
        cases[i].step, cases[i].fill) : encode_i420 (b, 96, 64, cases[i].n,
        cases[i].fill);
    GstMapInfo ma, mb;

    gst_buffer_map (ta, &ma, GST_MAP_READ);
    gst_buffer_map (tb, &mb, GST_MAP_READ);
    fail_unless (ma.size == mb.size && memcmp (ma.data, mb.data,
            ma.size) == 0, "case %u (%s): %" G_GSIZE_FORMAT " bytes with "
        "threads, %" G_GSIZE_FORMAT " without", i, cases[i].props, ma.size,
        mb.size);
    gst_buffer_unmap (ta, &ma);
    gst_buffer_unmap (tb, &mb);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (ta),
        GST_BUFFER_DURATION (tb));
    gst_buffer_unref (ta);
    gst_buffer_unref (tb);
    g_free (a);
    g_free (b);
  }
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
  tcase_add_test (tc, test_webp_yuv_psnr);
  tcase_add_test (tc, test_webp_sharp_yuv);
  tcase_add_test (tc, test_webp_threads_same_bytes);
  tcase_add_test (tc, test_gif_threads_same_bytes);
  tcase_add_test (tc, test_webp_primer_guess_exact);
  tcase_add_test (tc, test_file_message);
  tcase_add_test (tc, test_clip_files);
  tcase_add_test (tc, test_clip_multifilesink);
  tcase_add_loop_test (tc, test_clip_memory, 0, 2);
  tcase_add_loop_test (tc, test_determinism, 0,
      G_N_ELEMENTS (determinism_props));
  return s;
}

GST_CHECK_MAIN (immanimenc);
