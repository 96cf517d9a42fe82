/* Fuzz target: the immanimenc element (and through it the palette, dither
 * and inter-frame code of gst/imm), linked in and driven by a GstHarness.
 * The input chooses the format, the picture size (1..64 a side), the raw
 * video format, the properties, the frames with their timestamps and
 * durations, caps changes and flushes, and the pixels. Whatever it chooses,
 * the element either refuses cleanly what it must refuse (a size change
 * mid-animation, an animation without frames) or writes files that
 * giflib / libwebp decode back with the negotiated canvas size, a frame
 * count between 1 and the frames pushed, the loop count asked for and
 * increasing frame times. Any other error is a finding.
 *
 * Input layout (bytes past the end read as 0):
 *   0  bit 0: webp (else gif); bits 1-7: raw format (RGBA RGB BGRA BGRx
 *      RGBx I420, modulo 6)
 *   1  width - 1, 2  height - 1 (modulo 64)
 *   3  frames - 1 (modulo 12)
 *   4  caps framerate (modulo 61, 0 = variable)
 *   5  bits 0-1 dither, 2 per-frame palette, 3 lossless, 4 allow-mixed,
 *      5 minimize-size, 6 threads
 *   6  loop (0, 1, 2, else 65535), 7  quality, 8  colors - 2, 9  method
 *   10 frame-rate: < 128 0/1 (timestamps), < 192 15/1, else 30000/1001
 *   11 kmin + 1 (low nibble), kmax + 1 (high nibble)
 *   12 bit 0: downstream accepts only one format, bit 1: which (1 webp)
 *   then per frame 5 bytes: flags, delta (16 bits LE), duration (16 bits
 *   LE, ms). Flags: low nibble 15: a size change to (delta % 64 + 1) x
 *   (duration % 64 + 1) instead of a frame; 14: a flush; 13: the end of a
 *   highlight clip (its file must come out whole); else bit 0: pts
 *   advances delta ms, bit 1: goes back delta ms, neither: advances delta
 *   x 10 us; bit 2: jumps delta days on top; bit 3: no pts; bit 4: a new
 *   raw format first (bits 5-7); bit 6: no duration.
 *   The rest: pixel bytes, repeated to fill every frame.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <string.h>

#include <gif_lib.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <webp/demux.h>

#include "gstimmanimenc.h"
#include "../common/gif-memory.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

#define MAX_SIDE 64
#define MAX_FRAMES 12

/* Reads the input front to back; past its end every read is 0, so any
 * byte string is a complete description. */
typedef struct
{
  const guint8 *data;
  gsize size, pos;
} Input;

static guint
take (Input * in)
{
  return in->pos < in->size ? in->data[in->pos++] : 0;
}

static guint
take16 (Input * in)
{
  guint lo = take (in);

  return lo | (take (in) << 8);
}

static const GstVideoFormat formats[] = {
  GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGRA,
  GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_RGBx, GST_VIDEO_FORMAT_I420,
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* The element is linked in and created directly: no plugin to find. */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  g_setenv ("GST_DEBUG", "0", FALSE);
  gst_init (NULL, NULL);
  /* a static registration, which also sets up the debug category */
  g_assert (GST_ELEMENT_REGISTER (immanimenc, NULL));
  return 0;
}

static GstCaps *
raw_caps (GstVideoFormat format, gint w, gint h, gint fps)
{
  return gst_caps_new_simple ("video/x-raw",
      "format", G_TYPE_STRING, gst_video_format_to_string (format),
      "width", G_TYPE_INT, w, "height", G_TYPE_INT, h,
      "framerate", GST_TYPE_FRACTION, fps, 1,
      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
}

/* Pixels: the rest of the input, over and over (zeros when none is
 * left). */
static GstBuffer *
make_frame (const GstVideoInfo * info, const guint8 * pixels, gsize n_pixels,
    gsize * cursor)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;
  gsize i;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  if (n_pixels == 0) {
    memset (map.data, 0, map.size);
  } else {
    for (i = 0; i < map.size; i++) {
      map.data[i] = pixels[*cursor];
      *cursor = (*cursor + 1) % n_pixels;
    }
  }
  gst_buffer_unmap (buf, &map);
  return buf;
}

static guint
check_gif (const guint8 * data, gsize size, gint w, gint h, guint frames,
    guint loop)
{
  guint count;
  GifFileType *gif;
  gboolean netscape = FALSE;
  int err = 0, i, k;

  g_assert (size > 6 && memcmp (data, "GIF89a", 6) == 0);
  g_assert (data[size - 1] == 0x3B);
  gif = gif_memory_slurp (data, size);
  g_assert (gif != NULL);
  g_assert_cmpint (gif->SWidth, ==, w);
  g_assert_cmpint (gif->SHeight, ==, h);
  g_assert_cmpint (gif->ImageCount, >=, 1);
  g_assert_cmpint (gif->ImageCount, <=, frames);
  for (i = 0; i < gif->ImageCount; i++) {
    const SavedImage *img = &gif->SavedImages[i];
    const GifImageDesc *d = &img->ImageDesc;
    GraphicsControlBlock gcb;

    g_assert (d->Left >= 0 && d->Top >= 0 && d->Width >= 1 && d->Height >= 1);
    g_assert_cmpint (d->Left + d->Width, <=, w);
    g_assert_cmpint (d->Top + d->Height, <=, h);
    g_assert (d->ColorMap != NULL || gif->SColorMap != NULL);
    g_assert_cmpint (DGifSavedExtensionToGCB (gif, i, &gcb), ==, GIF_OK);
    g_assert_cmpint (gcb.DelayTime, >=, 2);
    /* every index drawn is in the frame's colour table */
    for (k = 0; k < d->Width * d->Height; k++)
      g_assert_cmpint (img->RasterBits[k], <,
          (d->ColorMap ? d->ColorMap : gif->SColorMap)->ColorCount);
  }
  /* giflib files the extensions before the first image with that image */
  for (i = 0; i < gif->SavedImages[0].ExtensionBlockCount; i++) {
    const ExtensionBlock *e = &gif->SavedImages[0].ExtensionBlocks[i];

    if (e->Function == APPLICATION_EXT_FUNC_CODE && e->ByteCount == 11
        && memcmp (e->Bytes, "NETSCAPE2.0", 11) == 0)
      netscape = TRUE;
  }
  /* loop 1 plays once: no NETSCAPE2.0 block; any other count has one */
  g_assert (netscape == (loop != 1));
  count = gif->ImageCount;
  DGifCloseFile (gif, &err);
  return count;
}

static guint
check_webp (const guint8 * data, gsize size, gint w, gint h, guint frames,
    guint loop)
{
  WebPData wd = { data, size };
  WebPAnimDecoderOptions opts;
  WebPAnimDecoder *dec;
  WebPAnimInfo info;
  guint n = 0;
  int ts, last = 0;
  uint8_t *pix;

  g_assert (size > 12 && memcmp (data, "RIFF", 4) == 0
      && memcmp (data + 8, "WEBP", 4) == 0);
  g_assert_cmpuint (GST_READ_UINT32_LE (data + 4) + 8, ==, size);
  g_assert (WebPAnimDecoderOptionsInit (&opts));
  opts.color_mode = MODE_RGBA;
  dec = WebPAnimDecoderNew (&wd, &opts);
  g_assert (dec != NULL);
  g_assert (WebPAnimDecoderGetInfo (dec, &info));
  g_assert_cmpuint (info.canvas_width, ==, w);
  g_assert_cmpuint (info.canvas_height, ==, h);
  g_assert_cmpuint (info.frame_count, >=, 1);
  /* libwebp writes a single frame as a still picture, without a loop */
  if (info.frame_count > 1)
    g_assert_cmpuint (info.loop_count, ==, loop);
  g_assert_cmpuint (info.frame_count, <=, frames);
  while (WebPAnimDecoderHasMoreFrames (dec)) {
    g_assert (WebPAnimDecoderGetNext (dec, &pix, &ts));
    /* ts is where the frame ends; a still picture has no duration */
    if (info.frame_count > 1)
      g_assert_cmpint (ts, >, last);
    last = ts;
    n++;
  }
  g_assert_cmpuint (n, ==, info.frame_count);
  WebPAnimDecoderDelete (dec);
  return n;
}

/* One file out: whole, of the negotiated size, and the element's message
 * counts its frames. */
static void
check_file (GstBuffer * out, GstBus * bus, gboolean webp, gint w, gint h,
    guint pushed, guint loop)
{
  GstMapInfo map;
  GstMessage *msg;
  guint n, frames = 0;

  gst_buffer_map (out, &map, GST_MAP_READ);
  if (webp)
    n = check_webp (map.data, map.size, w, h, pushed, loop);
  else
    n = check_gif (map.data, map.size, w, h, pushed, loop);
  gst_buffer_unmap (out, &map);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  g_assert (msg != NULL);
  g_assert (gst_structure_get_uint (gst_message_get_structure (msg), "frames",
          &frames));
  g_assert_cmpuint (frames, ==, n);
  gst_message_unref (msg);
}

/* Aborts with the element's error message, if it posted one. */
static void
fail_with_error (GstMessage * msg, const gchar * what, gint w, gint h)
{
  GError *err = NULL;
  gchar *debug = NULL;

  if (msg != NULL)
    gst_message_parse_error (msg, &err, &debug);
  g_error ("%s at %dx%d: %s (%s)", what, w, h, err ? err->message : "no error",
      debug ? debug : "");
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  Input in = { data, size, 0 };
  GstHarness *h;
  GstElement *enc;
  GstBus *bus;
  GstMessage *msg;
  GstVideoInfo info;
  GstVideoFormat vformat;
  GstBuffer *out;
  GstClockTime pts = 0;
  guint b0, flags, n_frames, loop, i, pushed = 0, files = 0;
  gint width, height, fps, webp;
  gboolean failed = FALSE, expect_webp;
  const guint8 *pixels;
  gsize n_pixels, cursor = 0;

  /* the header: 13 bytes */
  b0 = take (&in);
  webp = b0 & 1;
  vformat = formats[(b0 >> 1) % G_N_ELEMENTS (formats)];
  width = take (&in) % MAX_SIDE + 1;
  height = take (&in) % MAX_SIDE + 1;
  n_frames = take (&in) % MAX_FRAMES + 1;
  fps = take (&in) % 61;
  flags = take (&in);
  loop = take (&in) % 4;
  if (loop == 3)
    loop = 65535;

  enc = gst_element_factory_make ("immanimenc", NULL);
  g_object_set (enc, "format", webp, "loop", loop,
      "quality", take (&in) % 101, "colors", take (&in) % 255 + 2,
      "dither", flags & 3, "palette", (flags >> 2) & 1,
      "lossless", (flags >> 3) & 1, "allow-mixed", (flags >> 4) & 1,
      "minimize-size", (flags >> 5) & 1, "threads", (flags >> 6) & 1,
      "method", take (&in) % 7, NULL);
  gst_object_ref_sink (enc);
  {
    guint r = take (&in);

    /* frame-rate: 0/1 follows the timestamps */
    gst_util_set_object_arg (G_OBJECT (enc), "frame-rate", r < 128 ? "0/1" :
        r < 192 ? "15/1" : "30000/1001");
  }
  {
    guint k = take (&in);

    g_object_set (enc, "kmin", (gint) (k & 15) - 1, "kmax",
        (gint) (k >> 4) - 1, NULL);
  }
  /* Downstream may accept only one format, which then wins. */
  expect_webp = webp;
  b0 = take (&in);
  h = gst_harness_new_with_element (enc, "sink", "src");
  gst_object_unref (enc);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  if (b0 & 1) {
    expect_webp = (b0 >> 1) & 1;
    gst_harness_set_sink_caps_str (h, expect_webp ? "image/webp" : "image/gif");
  }

  gst_video_info_set_format (&info, vformat, width, height);
  gst_harness_set_src_caps (h, raw_caps (vformat, width, height, fps));

  /* per frame: 5 bytes; then the pixels */
  pixels = data + MIN (size, in.pos + 5 * n_frames);
  n_pixels = size - (pixels - data);
  for (i = 0; i < n_frames; i++) {
    guint f = take (&in);
    guint delta = take16 (&in);
    guint dur = take16 (&in);
    GstBuffer *buf;
    GstFlowReturn ret;

    if (f & 0x10) {
      /* a new format, same size: accepted mid-stream */
      vformat = formats[(f >> 5) % G_N_ELEMENTS (formats)];
      gst_video_info_set_format (&info, vformat, width, height);
      gst_harness_set_src_caps (h, raw_caps (vformat, width, height, fps));
    }
    if ((f & 0x0f) == 0x0f) {
      /* a new size: refused once the animation has started */
      gint nw = delta % MAX_SIDE + 1, nh = dur % MAX_SIDE + 1;

      gst_harness_set_src_caps (h, raw_caps (vformat, nw, nh, fps));
      if (pushed > 0 && (nw != width || nh != height)) {
        ret = gst_harness_push (h, make_frame (&info, NULL, 0, &cursor));
        g_assert_cmpint (ret, ==, GST_FLOW_NOT_NEGOTIATED);
        failed = TRUE;
        break;
      }
      width = nw;
      height = nh;
      gst_video_info_set_format (&info, vformat, width, height);
      continue;
    }
    if ((f & 0x0f) == 0x0d) {
      /* a highlight clip ends: its file comes out, the next begins */
      GstEvent *ev = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new_empty ("immhighlight-clip-end"));

      g_assert (gst_harness_push_event (h, ev));
      out = gst_harness_try_pull (h);
      if (pushed > 0) {
        g_assert (out != NULL);
        check_file (out, bus, expect_webp, width, height, pushed, loop);
        gst_buffer_unref (out);
        files++;
      } else
        g_assert (out == NULL);
      pushed = 0;
      continue;
    }
    if ((f & 0x0f) == 0x0e) {
      /* a flush starts a new animation */
      g_assert (gst_harness_push_event (h, gst_event_new_flush_start ()));
      g_assert (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
      {
        GstSegment seg;

        gst_segment_init (&seg, GST_FORMAT_TIME);
        g_assert (gst_harness_push_event (h, gst_event_new_segment (&seg)));
      }
      pushed = 0;
      pts = 0;
      continue;
    }

    buf = make_frame (&info, pixels, n_pixels, &cursor);
    if (f & 1)
      pts += (GstClockTime) delta *GST_MSECOND;
    else if (f & 2)
      pts = pts > delta * GST_MSECOND ? pts - delta * GST_MSECOND : 0;
    else
      pts += delta * 10 * GST_USECOND;
    if (f & 4)
      /* a jump of days */
      pts = MIN (pts + (GstClockTime) delta * 24 * 3600 * GST_SECOND,
          (GstClockTime) G_MAXINT64);
    GST_BUFFER_PTS (buf) = (f & 8) ? GST_CLOCK_TIME_NONE : pts;
    GST_BUFFER_DURATION (buf) = (f & 0x40) ? GST_CLOCK_TIME_NONE :
        (GstClockTime) dur *GST_MSECOND;
    ret = gst_harness_push (h, buf);
    if (ret != GST_FLOW_OK)
      fail_with_error (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR),
          gst_flow_get_name (ret), width, height);
    pushed++;
  }

  if (!failed) {
    gboolean eos = gst_harness_push_event (h, gst_event_new_eos ());

    out = gst_harness_try_pull (h);
    if (pushed == 0 && files > 0) {
      /* the last clip was written: nothing more, no error */
      g_assert (out == NULL);
      g_assert (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
    } else if (pushed == 0) {
      /* nothing to write: an error, no file */
      g_assert (out == NULL);
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      g_assert (msg != NULL);
      gst_message_unref (msg);
    } else {
      g_assert (out != NULL);
      g_assert (gst_harness_try_pull (h) == NULL);
      check_file (out, bus, expect_webp, width, height, pushed, loop);
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      if (msg != NULL || !eos)
        fail_with_error (msg, "EOS", width, height);
    }
    if (out)
      gst_buffer_unref (out);
  }

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  return 0;
}
