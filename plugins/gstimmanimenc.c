/* imm-gst: immanimenc, animated GIF and WebP encoder.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-immanimenc
 * @title: immanimenc
 *
 * Encodes raw video into one animated GIF or WebP file, pushed when the
 * stream ends (at EOS). The format comes from #GstImmAnimEnc:format unless
 * downstream accepts only one of `image/gif` and `image/webp`.
 *
 * Timing: with #GstImmAnimEnc:frame-rate set, frame n starts at n / rate
 * whatever its timestamp (a time-lapse plays at that rate); with 0/1 the
 * frames keep the spacing of their timestamps, and the last frame lasts its
 * duration, else the previous spacing, else 100 ms. A frame then shows at
 * most 655.35 s (the longest GIF delay; libwebp refuses frames of hours):
 * a longer gap between timestamps (a broken stream, a pause of days) is
 * cut to that in both formats, and the frames after it keep their spacing.
 *
 * GIF: delays are centiseconds; the rounding error is carried so the total
 * stays within 5 ms of the input (1/15 s frames become 7, 6, 7, 7, 6, ...
 * cs). Browsers play delays under 2 cs as 10 cs, so a frame whose delay
 * would round below 2 cs is merged into the next one (input faster than
 * 50 fps loses frames, not time). Colours are reduced by median cut refined
 * by k-means; with #GstImmAnimEnc:palette `global` one palette is built
 * from the colour histogram of the first frames (held up to about 48 MiB,
 * at most 120 frames; later frames map to that palette), with `per-frame`
 * every frame gets its own and nothing is held. No dithering is the
 * default: on real video it measured best (luma SSIM) per byte; `bayer`
 * (ordered, low amplitude) depends on the pixel position only, so unchanged
 * areas stay identical from frame to frame, unlike the error diffusion
 * modes, which cost bytes on every frame. Each frame stores only the
 * rectangle that changed, unchanged pixels transparent; below
 * #GstImmAnimEnc:quality 100 a pixel also counts as unchanged when the
 * colour already shown is at most a quality-dependent tolerance worse than
 * its new palette colour. Frames that change nothing extend the previous
 * frame's delay.
 *
 * #GstImmAnimEnc:loop counts plays: 0 forever, 1 once (GIF: no NETSCAPE2.0
 * block), N: N plays (GIF stores N - 1 repeats).
 *
 * WebP: frames go to libwebp's WebPAnimEncoder as they arrive (millisecond
 * timestamps), assembled at EOS. The defaults (quality 68, method 2) were
 * chosen against `ffmpeg -c:v libwebp_anim -quality 75`: fewer bytes,
 * higher SSIM, less time (bench/animenc.sh).
 *
 * The consumed frames are kept by the base class without their pictures and
 * released at the end without QoS messages; the file goes out as the output
 * of the first frame, with its timestamp and the whole duration. Until then
 * a GAP event at the first frame's timestamp lets downstream sinks preroll,
 * so the element can sit in one branch of a `tee` or in a live pipeline.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=45 pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! immanimenc format=gif ! filesink location=ball.gif
 * ]| Three seconds of a bouncing ball as a looping GIF.
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=45 pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! immanimenc format=webp quality=80 ! filesink location=ball.webp
 * ]| The same as an animated WebP.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimmanimenc.h"

#include <math.h>
#include <string.h>

#include <gif_lib.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "imm/imm-anim.h"
#include "imm/imm-dither.h"
#include "imm/imm-palette.h"

GST_DEBUG_CATEGORY_STATIC (gst_imm_anim_enc_debug);
#define GST_CAT_DEFAULT gst_imm_anim_enc_debug

#define DEFAULT_FORMAT GST_IMM_ANIM_FORMAT_GIF
#define DEFAULT_FPS_N 0
#define DEFAULT_FPS_D 1
#define DEFAULT_LOOP 0
#define DEFAULT_QUALITY 68
#define DEFAULT_LOSSLESS FALSE
#define DEFAULT_METHOD 2
#define DEFAULT_COLORS 256
#define DEFAULT_DITHER IMM_DITHER_NONE
#define DEFAULT_PALETTE GST_IMM_ANIM_PALETTE_GLOBAL
#define DEFAULT_KMIN -1
#define DEFAULT_KMAX -1
#define DEFAULT_ALLOW_MIXED FALSE
#define DEFAULT_MINIMIZE_SIZE FALSE
#define DEFAULT_THREADS 0
#define DEFAULT_BACKGROUND_COLOR 0x00000000

/* Bounds of the frames held to build a global GIF palette. */
#define HOLD_BYTES (48 * 1024 * 1024)
#define HOLD_FRAMES_MAX 120
#define BAYER_STRENGTH 6
/* The longest a frame is shown when its time comes from the timestamps:
 * GIF's largest delay (65535 cs). libwebp 1.2 fails on a frame of 2^24 ms
 * (4.7 h) or more. */
#define MAX_FRAME_NS (G_GUINT64_CONSTANT (65535) * 10 * GST_MSECOND)

enum
{
  PROP_0,
  PROP_FORMAT,
  PROP_FRAME_RATE,
  PROP_LOOP,
  PROP_QUALITY,
  PROP_LOSSLESS,
  PROP_METHOD,
  PROP_COLORS,
  PROP_DITHER,
  PROP_PALETTE,
  PROP_KMIN,
  PROP_KMAX,
  PROP_ALLOW_MIXED,
  PROP_MINIMIZE_SIZE,
  PROP_THREADS,
  PROP_BACKGROUND_COLOR,
};

typedef struct
{
  guint8 *rgba;                 /* width * 4 bytes a row */
  guint64 start;                /* ns since the start of the animation */
  guint64 duration;             /* ns, 0 when unknown */
} RawFrame;

struct _GstImmAnimEnc
{
  GstVideoEncoder parent;

  /* properties, protected by the object lock */
  GstImmAnimFormat format;
  gint fps_n, fps_d;
  guint loop;
  guint quality;
  gboolean lossless;
  guint method;
  guint colors;
  ImmDitherMethod dither;
  GstImmAnimPalette palette;
  gint kmin, kmax;
  gboolean allow_mixed;
  gboolean minimize_size;
  guint threads;
  guint background_color;

  /* streaming state, copied from the properties in set_format */
  GstVideoCodecState *input_state;
  GstVideoConverter *convert;
  GstVideoInfo rgba_info;
  GstImmAnimFormat active_format;
  GstImmAnimPalette active_palette;
  gint width, height;
  gint rate_n, rate_d;
  gboolean started;
  guint64 n_in;
  GstClockTime first_pts;
  GstClockTime out_pts;
  GQueue raw;                   /* RawFrame, in order */
  guint hold;                   /* frames to hold before the palette is fixed */
  guint64 last_delta;
  guint64 cut_ns;               /* timestamp gaps cut to MAX_FRAME_NS */
  guint n_out;

  /* GIF */
  GifFileType *gif;
  GByteArray *bytes;
  ImmPaletteHistogram *hist;
  ImmPaletteMap *map;
  guint8 *indices, *canvas;
  guint tolerance;
  guint64 committed_cs;
  gboolean have_pending;
  ImmAnimRect pending_rect;
  guint8 *pending_idx, *scratch_idx;
  ImmRgb pending_pal[256];
  guint pending_ncolors;
  gint pending_transparent;
  guint64 pending_start_cs, pending_end_cs;
  gboolean any_written;

  /* WebP */
  WebPAnimEncoder *webp;
  WebPConfig config;
  gint64 last_ms;
};

#define gst_imm_anim_enc_parent_class parent_class
G_DEFINE_TYPE (GstImmAnimEnc, gst_imm_anim_enc, GST_TYPE_VIDEO_ENCODER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (immanimenc, "immanimenc",
    GST_RANK_NONE, GST_TYPE_IMM_ANIM_ENC,
    GST_DEBUG_CATEGORY_INIT (gst_imm_anim_enc_debug, "immanimenc", 0,
        "imm animated GIF/WebP encoder"));

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGBA, RGB, BGRA, BGRx, RGBx, "
            "I420 }")));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("image/gif; image/webp"));

GType
gst_imm_anim_format_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_IMM_ANIM_FORMAT_GIF, "Animated GIF", "gif"},
    {GST_IMM_ANIM_FORMAT_WEBP, "Animated WebP", "webp"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmAnimFormat", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_imm_anim_dither_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {IMM_DITHER_NONE, "No dithering", "none"},
    {IMM_DITHER_BAYER, "Ordered 8x8 Bayer (stable between frames)", "bayer"},
    {IMM_DITHER_FLOYD_STEINBERG, "Floyd-Steinberg error diffusion",
        "floyd-steinberg"},
    {IMM_DITHER_SIERRA_LITE, "Sierra Lite error diffusion", "sierra-lite"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmAnimDither", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_imm_anim_palette_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_IMM_ANIM_PALETTE_GLOBAL, "One palette for the whole animation",
        "global"},
    {GST_IMM_ANIM_PALETTE_PER_FRAME, "One palette per frame", "per-frame"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmAnimPalette", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void
raw_frame_free (gpointer data)
{
  RawFrame *f = data;

  g_free (f->rgba);
  g_free (f);
}

static void
gst_imm_anim_enc_reset (GstImmAnimEnc * self)
{
  g_queue_clear_full (&self->raw, raw_frame_free);
  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  g_clear_pointer (&self->convert, gst_video_converter_free);
  if (self->gif) {
    int err;
    EGifCloseFile (self->gif, &err);
    self->gif = NULL;
  }
  if (self->bytes) {
    g_byte_array_unref (self->bytes);
    self->bytes = NULL;
  }
  g_clear_pointer (&self->hist, imm_palette_histogram_free);
  g_clear_pointer (&self->map, imm_palette_map_free);
  g_clear_pointer (&self->indices, g_free);
  g_clear_pointer (&self->canvas, g_free);
  g_clear_pointer (&self->pending_idx, g_free);
  g_clear_pointer (&self->scratch_idx, g_free);
  if (self->webp) {
    WebPAnimEncoderDelete (self->webp);
    self->webp = NULL;
  }
  self->started = FALSE;
  self->n_in = 0;
  self->n_out = 0;
  self->first_pts = GST_CLOCK_TIME_NONE;
  self->out_pts = GST_CLOCK_TIME_NONE;
  self->last_delta = 0;
  self->cut_ns = 0;
  self->committed_cs = 0;
  self->have_pending = FALSE;
  self->any_written = FALSE;
  self->last_ms = -1;
  self->width = self->height = 0;
}

static gboolean
gst_imm_anim_enc_start (GstVideoEncoder * enc)
{
  gst_imm_anim_enc_reset (GST_IMM_ANIM_ENC (enc));
  return TRUE;
}

static gboolean
gst_imm_anim_enc_stop (GstVideoEncoder * enc)
{
  gst_imm_anim_enc_reset (GST_IMM_ANIM_ENC (enc));
  return TRUE;
}

/* Downstream may fix the format: filesink accepts anything, a capsfilter
 * with image/webp does not. */
static GstImmAnimFormat
choose_format (GstImmAnimEnc * self, GstImmAnimFormat wanted)
{
  GstCaps *peer = gst_pad_peer_query_caps (GST_VIDEO_ENCODER_SRC_PAD (self),
      NULL);
  GstCaps *gif = gst_caps_new_empty_simple ("image/gif");
  GstCaps *webp = gst_caps_new_empty_simple ("image/webp");
  gboolean can_gif = TRUE, can_webp = TRUE;
  GstImmAnimFormat res = wanted;

  if (peer) {
    can_gif = gst_caps_can_intersect (peer, gif);
    can_webp = gst_caps_can_intersect (peer, webp);
    gst_caps_unref (peer);
  }
  if (wanted == GST_IMM_ANIM_FORMAT_GIF && !can_gif && can_webp)
    res = GST_IMM_ANIM_FORMAT_WEBP;
  else if (wanted == GST_IMM_ANIM_FORMAT_WEBP && !can_webp && can_gif)
    res = GST_IMM_ANIM_FORMAT_GIF;
  gst_caps_unref (gif);
  gst_caps_unref (webp);
  return res;
}

static int
gif_write (GifFileType * gif, const GifByteType * data, int len)
{
  GByteArray *bytes = gif->UserData;

  g_byte_array_append (bytes, data, len);
  return len;
}

static gboolean
gif_begin (GstImmAnimEnc * self, guint loop)
{
  int err = 0;

  self->bytes = g_byte_array_new ();
  self->gif = EGifOpen (self->bytes, gif_write, &err);
  if (!self->gif)
    goto fail;
  EGifSetGifVersion (self->gif, TRUE);
  if (EGifPutScreenDesc (self->gif, self->width, self->height, 8, 0,
          NULL) != GIF_OK)
    goto fail;
  if (loop != 1) {
    guint repeats = loop == 0 ? 0 : MIN (loop - 1, 65535);
    GifByteType ext[3] = { 1, repeats & 0xff, (repeats >> 8) & 0xff };

    if (EGifPutExtensionLeader (self->gif, APPLICATION_EXT_FUNC_CODE) !=
        GIF_OK
        || EGifPutExtensionBlock (self->gif, 11, "NETSCAPE2.0") != GIF_OK
        || EGifPutExtensionBlock (self->gif, 3, ext) != GIF_OK
        || EGifPutExtensionTrailer (self->gif) != GIF_OK)
      goto fail;
  }
  return TRUE;

fail:
  GST_ELEMENT_ERROR (self, LIBRARY, INIT,
      ("Could not start the GIF file."), ("giflib error %d: %s",
          self->gif ? self->gif->Error : err,
          GifErrorString (self->gif ? self->gif->Error : err)));
  return FALSE;
}

static gboolean
webp_begin (GstImmAnimEnc * self)
{
  WebPAnimEncoderOptions opts;

  if (!WebPAnimEncoderOptionsInit (&opts) || !WebPConfigInit (&self->config))
    goto version;
  GST_OBJECT_LOCK (self);
  opts.anim_params.loop_count = self->loop;
  opts.anim_params.bgcolor = self->background_color;
  opts.minimize_size = self->minimize_size;
  opts.allow_mixed = self->allow_mixed;
  if (self->kmin >= 0)
    opts.kmin = self->kmin;
  else if (self->lossless)
    opts.kmin = 9;
  else
    opts.kmin = 3;
  if (self->kmax >= 0)
    opts.kmax = self->kmax;
  else if (self->lossless)
    opts.kmax = 17;
  else
    opts.kmax = 5;
  if (opts.kmax > 0 && opts.kmin >= opts.kmax)
    opts.kmin = opts.kmax - 1;
  self->config.quality = self->quality;
  self->config.method = self->method;
  self->config.lossless = self->lossless;
  self->config.thread_level = self->threads != 1;
  GST_OBJECT_UNLOCK (self);

  if (!WebPValidateConfig (&self->config)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("The WebP settings are invalid."), ("WebPValidateConfig failed"));
    return FALSE;
  }
  self->webp = WebPAnimEncoderNew (self->width, self->height, &opts);
  if (!self->webp) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not create the WebP animation encoder."),
        ("WebPAnimEncoderNew failed for %dx%d", self->width, self->height));
    return FALSE;
  }
  return TRUE;

version:
  GST_ELEMENT_ERROR (self, LIBRARY, INIT,
      ("The installed libwebp does not match the one imm-gst was built with."),
      ("WebPAnimEncoderOptionsInit/WebPConfigInit failed"));
  return FALSE;
}

static gboolean
gst_imm_anim_enc_set_format (GstVideoEncoder * enc, GstVideoCodecState * state)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (enc);
  GstVideoCodecState *out;
  GstCaps *caps;
  GstImmAnimFormat format;
  gint w = GST_VIDEO_INFO_WIDTH (&state->info);
  gint h = GST_VIDEO_INFO_HEIGHT (&state->info);

  if (self->started && (w != self->width || h != self->height)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The picture size changed from %dx%d to %dx%d in the middle of the "
            "animation; scale the input to one size.", self->width,
            self->height, w, h), (NULL));
    return FALSE;
  }

  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  self->input_state = gst_video_codec_state_ref (state);
  g_clear_pointer (&self->convert, gst_video_converter_free);
  if (GST_VIDEO_INFO_FORMAT (&state->info) != GST_VIDEO_FORMAT_RGBA) {
    GstVideoInfo rgba;

    gst_video_info_set_format (&rgba, GST_VIDEO_FORMAT_RGBA, w, h);
    /* The converter only changes the format; the rest must match. */
    rgba.fps_n = state->info.fps_n;
    rgba.fps_d = state->info.fps_d;
    rgba.par_n = state->info.par_n;
    rgba.par_d = state->info.par_d;
    rgba.interlace_mode = state->info.interlace_mode;
    self->rgba_info = rgba;
    self->convert = gst_video_converter_new (&state->info, &rgba, NULL);
    if (!self->convert) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("Cannot convert the input to RGBA."), (NULL));
      return FALSE;
    }
  }
  if (self->started)
    return TRUE;

  self->width = w;
  self->height = h;
  GST_OBJECT_LOCK (self);
  format = self->format;
  self->rate_n = self->fps_n;
  self->rate_d = self->fps_d;
  GST_OBJECT_UNLOCK (self);
  self->active_format = choose_format (self, format);

  caps = gst_caps_new_empty_simple (self->active_format ==
      GST_IMM_ANIM_FORMAT_GIF ? "image/gif" : "image/webp");
  out = gst_video_encoder_set_output_state (enc, caps, state);
  gst_video_codec_state_unref (out);
  return gst_video_encoder_negotiate (enc);
}

/* First call only: allocations that need the size and the properties. */
static gboolean
begin (GstImmAnimEnc * self)
{
  guint loop, quality;
  gsize frame_bytes = (gsize) self->width * self->height * 4;

  GST_OBJECT_LOCK (self);
  loop = self->loop;
  quality = self->quality;
  self->active_palette = self->palette;
  GST_OBJECT_UNLOCK (self);

  if (self->active_format == GST_IMM_ANIM_FORMAT_WEBP) {
    self->hold = 1;
    return webp_begin (self);
  }

  self->indices = g_malloc ((gsize) self->width * self->height);
  self->canvas = g_malloc0 ((gsize) self->width * self->height * 3);
  self->pending_idx = g_malloc ((gsize) self->width * self->height);
  self->scratch_idx = g_malloc ((gsize) self->width * self->height);
  self->hist = imm_palette_histogram_new ();
  {
    /* How much worse than a fresh palette colour the shown colour may be
     * and still be kept: q 100 exact, the default 68 about 1 level a
     * channel (the bench's knee), q 30 about 4, q 0 about 7. */
    gdouble d = (100.0 - quality) / 32.0;
    self->tolerance = (guint) (17.0 * d * d * d);
  }
  if (self->active_palette == GST_IMM_ANIM_PALETTE_GLOBAL)
    self->hold = CLAMP (HOLD_BYTES / MAX (frame_bytes, 1), 1, HOLD_FRAMES_MAX);
  else
    self->hold = 1;
  return gif_begin (self, loop);
}

static gboolean
gif_write_pending (GstImmAnimEnc * self)
{
  GraphicsControlBlock gcb;
  GifByteType ext[4];
  ColorMapObject *cmap;
  GifColorType colors[256];
  guint n = 2, i;
  size_t len;
  ImmAnimRect *r = &self->pending_rect;
  gint64 delay = self->pending_end_cs - self->pending_start_cs;

  while (n < self->pending_ncolors)
    n *= 2;
  memset (colors, 0, sizeof (colors));
  for (i = 0; i < self->pending_ncolors; i++) {
    colors[i].Red = self->pending_pal[i].r;
    colors[i].Green = self->pending_pal[i].g;
    colors[i].Blue = self->pending_pal[i].b;
  }
  cmap = GifMakeMapObject (n, colors);
  if (!cmap)
    goto fail;

  gcb.DisposalMode = DISPOSE_DO_NOT;
  gcb.UserInputFlag = false;
  gcb.DelayTime = (int) CLAMP (delay, IMM_ANIM_GIF_MIN_DELAY_CS, 65535);
  gcb.TransparentColor = self->pending_transparent;
  len = EGifGCBToExtension (&gcb, ext);
  if (EGifPutExtension (self->gif, GRAPHICS_EXT_FUNC_CODE, (int) len,
          ext) != GIF_OK)
    goto fail_map;
  if (EGifPutImageDesc (self->gif, r->x, r->y, r->width, r->height, false,
          cmap) != GIF_OK)
    goto fail_map;
  GifFreeMapObject (cmap);
  for (i = 0; i < r->height; i++) {
    if (EGifPutLine (self->gif, self->pending_idx + (gsize) i * r->width,
            r->width) != GIF_OK)
      goto fail;
  }
  self->have_pending = FALSE;
  self->n_out++;
  return TRUE;

fail_map:
  GifFreeMapObject (cmap);
fail:
  GST_ELEMENT_ERROR (self, LIBRARY, ENCODE, ("Could not write a GIF frame."),
      ("giflib error %d: %s", self->gif->Error,
          GifErrorString (self->gif->Error)));
  return FALSE;
}

static void
gif_build_palette (GstImmAnimEnc * self, guint colors, guint8 * rgba)
{
  ImmRgb pal[256];
  guint n;

  if (rgba) {
    imm_palette_histogram_clear (self->hist);
    imm_palette_histogram_add_rgba (self->hist, rgba, self->width,
        self->height, (gsize) self->width * 4, 1);
  }
  /* One entry stays free for the transparent index. */
  n = imm_palette_build (self->hist, MIN (colors, 255), 4, pal);
  g_clear_pointer (&self->map, imm_palette_map_free);
  self->map = imm_palette_map_new (pal, MAX (n, 1));
}

/* Encodes @f, which ends @end ns after the start of the animation. */
static gboolean
gif_add (GstImmAnimEnc * self, RawFrame * f, guint64 end, gboolean last)
{
  gint64 delay = imm_anim_gif_delay_cs (end, self->committed_cs);
  guint64 end_cs = self->committed_cs + MAX (delay, 0);
  guint colors, changed, npal;
  ImmDitherMethod dither;
  GstImmAnimPalette scope;
  const ImmRgb *pal;
  ImmAnimRect rect;
  gboolean first = !self->any_written;

  if (delay < IMM_ANIM_GIF_MIN_DELAY_CS) {
    if (!last || first) {
      if (!last)
        return TRUE;
      end_cs = self->committed_cs + IMM_ANIM_GIF_MIN_DELAY_CS;
    } else {
      /* The last frame is too short to show: its time goes to the frame
       * before so the length stays right. */
      self->pending_end_cs = MAX (end_cs, self->pending_end_cs);
      self->committed_cs = self->pending_end_cs;
      return TRUE;
    }
  }

  GST_OBJECT_LOCK (self);
  colors = self->colors;
  dither = self->dither;
  GST_OBJECT_UNLOCK (self);
  scope = self->active_palette;

  if (scope == GST_IMM_ANIM_PALETTE_PER_FRAME || !self->map)
    gif_build_palette (self, colors, scope == GST_IMM_ANIM_PALETTE_PER_FRAME ?
        f->rgba : NULL);
  pal = imm_palette_map_colors (self->map, &npal);

  imm_dither_rgba (self->map, dither, BAYER_STRENGTH, f->rgba, self->width,
      self->height, (gsize) self->width * 4, self->indices);

  changed = imm_anim_optimize_frame (f->rgba, (gsize) self->width * 4,
      self->indices, pal, self->width, self->height, self->canvas, first,
      self->tolerance, npal, self->scratch_idx, &rect);
  if (changed == 0) {
    /* Nothing new on screen: the frame shown stays longer. */
    self->pending_end_cs = end_cs;
    self->committed_cs = end_cs;
    return TRUE;
  }
  if (self->have_pending && !gif_write_pending (self))
    return FALSE;

  {
    guint8 *tmp = self->pending_idx;

    self->pending_idx = self->scratch_idx;
    self->scratch_idx = tmp;
  }
  self->pending_rect = rect;
  memcpy (self->pending_pal, pal, npal * sizeof (ImmRgb));
  self->pending_pal[npal].r = self->pending_pal[npal].g =
      self->pending_pal[npal].b = 0;
  self->pending_ncolors = npal + (first ? 0 : 1);
  self->pending_transparent = first ? NO_TRANSPARENT_COLOR : (gint) npal;
  self->pending_start_cs = self->committed_cs;
  self->pending_end_cs = end_cs;
  self->have_pending = TRUE;
  self->committed_cs = end_cs;
  self->any_written = TRUE;
  return TRUE;
}

/* WebP timestamps are ints of milliseconds: 24.8 days. */
static gboolean
webp_too_long (GstImmAnimEnc * self)
{
  GST_ELEMENT_ERROR (self, STREAM, ENCODE,
      ("The animation would play for more than 24 days, longer than WebP "
          "timestamps can count; lower the number of frames or raise the "
          "frame rate."), (NULL));
  return FALSE;
}

static gboolean
webp_add (GstImmAnimEnc * self, RawFrame * f)
{
  WebPPicture pic;
  gint64 ms = (gint64) ((f->start + GST_MSECOND / 2) / GST_MSECOND);
  gboolean ok;

  /* WebPAnimEncoder needs increasing timestamps; a frame within the same
   * millisecond as the one before never shows. */
  if (ms <= self->last_ms)
    return TRUE;
  if (ms > G_MAXINT)
    return webp_too_long (self);
  if (!WebPPictureInit (&pic))
    goto fail;
  pic.use_argb = 1;
  pic.width = self->width;
  pic.height = self->height;
  if (!WebPPictureImportRGBA (&pic, f->rgba, self->width * 4)) {
    WebPPictureFree (&pic);
    goto fail;
  }
  ok = WebPAnimEncoderAdd (self->webp, &pic, (int) ms, &self->config);
  WebPPictureFree (&pic);
  if (!ok)
    goto fail;
  self->last_ms = ms;
  self->n_out++;
  return TRUE;

fail:
  GST_ELEMENT_ERROR (self, LIBRARY, ENCODE, ("Could not encode a WebP frame."),
      ("%s", self->webp ? WebPAnimEncoderGetError (self->webp) :
          "out of memory"));
  return FALSE;
}

static gboolean
gif_fix_palette (GstImmAnimEnc * self)
{
  GList *l;
  guint step;
  guint colors;
  guint64 px = (guint64) self->width * self->height * self->raw.length;

  if (self->map || self->active_palette != GST_IMM_ANIM_PALETTE_GLOBAL)
    return TRUE;
  /* A few million samples are plenty for 256 colours. */
  step = 1;
  while (px / ((guint64) step * step) > 4000000)
    step++;
  imm_palette_histogram_clear (self->hist);
  for (l = self->raw.head; l; l = l->next) {
    RawFrame *f = l->data;

    imm_palette_histogram_add_rgba (self->hist, f->rgba, self->width,
        self->height, (gsize) self->width * 4, step);
  }
  GST_OBJECT_LOCK (self);
  colors = self->colors;
  GST_OBJECT_UNLOCK (self);
  gif_build_palette (self, colors, NULL);
  return TRUE;
}

static guint64
frame_end (GstImmAnimEnc * self, RawFrame * f, RawFrame * next)
{
  if (next)
    return MAX (next->start, f->start);
  if (self->rate_n > 0)
    return f->start + gst_util_uint64_scale (GST_SECOND, self->rate_d,
        self->rate_n);
  if (f->duration > 0)
    return f->start + f->duration;
  if (self->last_delta > 0)
    return f->start + self->last_delta;
  return f->start + 100 * GST_MSECOND;
}

/* Encodes the queued frames whose end is known (all when @eos). */
static gboolean
drain (GstImmAnimEnc * self, gboolean eos)
{
  if (!eos && self->raw.length < self->hold)
    return TRUE;
  if (self->active_format == GST_IMM_ANIM_FORMAT_GIF)
    gif_fix_palette (self);

  while (self->raw.length > (eos ? 0 : 1)) {
    RawFrame *f = g_queue_pop_head (&self->raw);
    RawFrame *next = g_queue_peek_head (&self->raw);
    guint64 end = frame_end (self, f, next);
    gboolean ok;

    if (self->active_format == GST_IMM_ANIM_FORMAT_GIF)
      ok = gif_add (self, f, end, next == NULL);
    else {
      ok = webp_add (self, f);
      /* The end of the animation; the last frame shown lasts at least
       * 1 ms, however close its end is. */
      if (ok && !next)
        self->last_ms = MAX ((gint64) ((end + GST_MSECOND / 2) / GST_MSECOND),
            self->last_ms + 1);
    }
    raw_frame_free (f);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

/* Nothing leaves the encoder before EOS, so downstream sinks would never
 * preroll: a pipeline whose other branches (after a tee) wait for preroll,
 * or a live pipeline going to PLAYING, would stall forever. A GAP event at
 * the first frame lets them preroll. The sticky events queued with that
 * frame (segment, tags) must precede it; the base class pushes the same
 * events again with the file, which changes nothing downstream.
 * Called with the stream lock held. */
static void
announce_gap (GstImmAnimEnc * self, GstVideoCodecFrame * frame)
{
  GstPad *srcpad = GST_VIDEO_ENCODER_SRC_PAD (self);
  GstEvent *segment;
  GList *l;

  for (l = g_list_last (frame->events); l; l = l->prev) {
    GstEvent *event = l->data;

    if (GST_EVENT_IS_STICKY (event))
      gst_pad_push_event (srcpad, gst_event_ref (event));
  }
  /* a GAP needs caps and a segment before it */
  segment = gst_pad_get_sticky_event (srcpad, GST_EVENT_SEGMENT, 0);
  if (segment == NULL || !gst_pad_has_current_caps (srcpad)) {
    g_clear_pointer (&segment, gst_event_unref);
    return;
  }
  gst_event_unref (segment);
  gst_pad_push_event (srcpad, gst_event_new_gap (GST_CLOCK_TIME_IS_VALID
          (frame->pts) ? frame->pts : 0, 0));
}

static GstFlowReturn
gst_imm_anim_enc_handle_frame (GstVideoEncoder * enc,
    GstVideoCodecFrame * frame)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (enc);
  GstVideoFrame vframe;
  RawFrame *f;
  GstClockTime pts = frame->pts;

  if (!self->started) {
    if (!begin (self)) {
      gst_video_codec_frame_unref (frame);
      return GST_FLOW_ERROR;
    }
    self->started = TRUE;
    self->first_pts = pts;
    self->out_pts = pts;
    announce_gap (self, frame);
  }

  if (!gst_video_frame_map (&vframe, &self->input_state->info,
          frame->input_buffer, GST_MAP_READ)) {
    gst_video_codec_frame_unref (frame);
    GST_ELEMENT_ERROR (self, STREAM, DECODE, ("Could not read a frame."),
        ("gst_video_frame_map failed"));
    return GST_FLOW_ERROR;
  }
  f = g_new0 (RawFrame, 1);
  f->rgba = g_malloc ((gsize) self->width * self->height * 4);
  if (self->convert) {
    GstVideoInfo rgba = self->rgba_info;
    GstVideoFrame out;
    GstBuffer *wrap;

    wrap = gst_buffer_new_wrapped_full (0, f->rgba, rgba.size, 0, rgba.size,
        NULL, NULL);
    gst_video_frame_map (&out, &rgba, wrap, GST_MAP_WRITE);
    gst_video_converter_frame (self->convert, &vframe, &out);
    gst_video_frame_unmap (&out);
    gst_buffer_unref (wrap);
  } else {
    guint y;
    const guint8 *src = GST_VIDEO_FRAME_PLANE_DATA (&vframe, 0);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&vframe, 0);

    for (y = 0; y < (guint) self->height; y++)
      memcpy (f->rgba + (gsize) y * self->width * 4, src + y * stride,
          (gsize) self->width * 4);
  }
  gst_video_frame_unmap (&vframe);

  if (self->rate_n > 0)
    f->start = gst_util_uint64_scale (self->n_in * GST_SECOND, self->rate_d,
        self->rate_n);
  else if (GST_CLOCK_TIME_IS_VALID (pts) &&
      GST_CLOCK_TIME_IS_VALID (self->first_pts) && pts >= self->first_pts)
    f->start = pts - self->first_pts > self->cut_ns ?
        pts - self->first_pts - self->cut_ns : 0;
  else if (self->raw.tail) {
    /* No usable timestamp: repeat the last spacing (100 ms at first). */
    RawFrame *prev = self->raw.tail->data;
    f->start = prev->start + (self->last_delta ? self->last_delta :
        100 * GST_MSECOND);
  }
  if (self->raw.tail) {
    /* drain() always keeps the frame before this one */
    RawFrame *prev = self->raw.tail->data;

    if (self->rate_n == 0 && f->start > prev->start
        && f->start - prev->start > MAX_FRAME_NS) {
      self->cut_ns += f->start - prev->start - MAX_FRAME_NS;
      f->start = prev->start + MAX_FRAME_NS;
    }
    if (f->start > prev->start)
      self->last_delta = f->start - prev->start;
  }
  if (GST_CLOCK_TIME_IS_VALID (frame->duration))
    f->duration = MIN (frame->duration, MAX_FRAME_NS);
  g_queue_push_tail (&self->raw, f);
  self->n_in++;

  /* The base class keeps the frame until the end; drop its picture now so
   * memory does not grow with the input. */
  gst_buffer_replace (&frame->input_buffer, NULL);
  gst_video_codec_frame_unref (frame);

  return drain (self, FALSE) ? GST_FLOW_OK : GST_FLOW_ERROR;
}

static GstFlowReturn
gst_imm_anim_enc_finish (GstVideoEncoder * enc)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (enc);
  GstVideoCodecFrame *frame;
  GstBuffer *buf;
  guint64 total_ns;
  const gchar *what;

  if (!self->started || self->n_in == 0) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("No frames reached the animation encoder, so there is nothing to "
            "write; check the start time and the length of the source."),
        (NULL));
    return GST_FLOW_ERROR;
  }
  if (!drain (self, TRUE))
    return GST_FLOW_ERROR;

  if (self->active_format == GST_IMM_ANIM_FORMAT_GIF) {
    GBytes *bytes;
    int err;

    what = "GIF";
    if (self->have_pending && !gif_write_pending (self))
      return GST_FLOW_ERROR;
    total_ns = self->committed_cs * 10 * GST_MSECOND;
    if (EGifCloseFile (self->gif, &err) != GIF_OK) {
      self->gif = NULL;
      GST_ELEMENT_ERROR (self, LIBRARY, ENCODE,
          ("Could not finish the GIF file."), ("giflib error %d: %s", err,
              GifErrorString (err)));
      return GST_FLOW_ERROR;
    }
    self->gif = NULL;
    bytes = g_byte_array_free_to_bytes (self->bytes);
    self->bytes = NULL;
    /* the buffer takes a reference of its own */
    buf = gst_buffer_new_wrapped_bytes (bytes);
    g_bytes_unref (bytes);
  } else {
    WebPData data;

    what = "WebP";
    if (self->last_ms > G_MAXINT) {
      webp_too_long (self);
      return GST_FLOW_ERROR;
    }
    total_ns = (guint64) self->last_ms * GST_MSECOND;
    WebPDataInit (&data);
    if (!WebPAnimEncoderAdd (self->webp, NULL, (int) self->last_ms, NULL)
        || !WebPAnimEncoderAssemble (self->webp, &data)) {
      GST_ELEMENT_ERROR (self, LIBRARY, ENCODE,
          ("Could not assemble the WebP animation."), ("%s",
              WebPAnimEncoderGetError (self->webp)));
      return GST_FLOW_ERROR;
    }
    buf = gst_buffer_new_memdup (data.bytes, data.size);
    WebPDataClear (&data);
  }

  GST_INFO_OBJECT (self, "%s of %u frames from %" G_GUINT64_FORMAT
      " input frames, %" G_GSIZE_FORMAT " bytes", what, self->n_out,
      self->n_in, gst_buffer_get_size (buf));

  frame = gst_video_encoder_get_oldest_frame (enc);
  if (!frame) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, CORE, FAILED, ("Lost the input frames."),
        ("no frame left in the base class"));
    return GST_FLOW_ERROR;
  }
  GST_VIDEO_CODEC_FRAME_SET_SYNC_POINT (frame);
  frame->output_buffer = buf;
  frame->pts = self->out_pts;
  frame->duration = total_ns;
  return gst_video_encoder_finish_frame (enc, frame);
}

static gboolean
gst_imm_anim_enc_flush (GstVideoEncoder * enc)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (enc);
  GstVideoCodecState *state = self->input_state ?
      gst_video_codec_state_ref (self->input_state) : NULL;
  gboolean ok = TRUE;

  /* A flush starts a new animation. */
  gst_imm_anim_enc_reset (self);
  if (state) {
    ok = gst_imm_anim_enc_set_format (enc, state);
    gst_video_codec_state_unref (state);
  }
  return ok;
}

static void
gst_imm_anim_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_FORMAT:
      self->format = g_value_get_enum (value);
      break;
    case PROP_FRAME_RATE:
      self->fps_n = gst_value_get_fraction_numerator (value);
      self->fps_d = gst_value_get_fraction_denominator (value);
      break;
    case PROP_LOOP:
      self->loop = g_value_get_uint (value);
      break;
    case PROP_QUALITY:
      self->quality = g_value_get_uint (value);
      break;
    case PROP_LOSSLESS:
      self->lossless = g_value_get_boolean (value);
      break;
    case PROP_METHOD:
      self->method = g_value_get_uint (value);
      break;
    case PROP_COLORS:
      self->colors = g_value_get_uint (value);
      break;
    case PROP_DITHER:
      self->dither = g_value_get_enum (value);
      break;
    case PROP_PALETTE:
      self->palette = g_value_get_enum (value);
      break;
    case PROP_KMIN:
      self->kmin = g_value_get_int (value);
      break;
    case PROP_KMAX:
      self->kmax = g_value_get_int (value);
      break;
    case PROP_ALLOW_MIXED:
      self->allow_mixed = g_value_get_boolean (value);
      break;
    case PROP_MINIMIZE_SIZE:
      self->minimize_size = g_value_get_boolean (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    case PROP_BACKGROUND_COLOR:
      self->background_color = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imm_anim_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_FORMAT:
      g_value_set_enum (value, self->format);
      break;
    case PROP_FRAME_RATE:
      gst_value_set_fraction (value, self->fps_n, self->fps_d);
      break;
    case PROP_LOOP:
      g_value_set_uint (value, self->loop);
      break;
    case PROP_QUALITY:
      g_value_set_uint (value, self->quality);
      break;
    case PROP_LOSSLESS:
      g_value_set_boolean (value, self->lossless);
      break;
    case PROP_METHOD:
      g_value_set_uint (value, self->method);
      break;
    case PROP_COLORS:
      g_value_set_uint (value, self->colors);
      break;
    case PROP_DITHER:
      g_value_set_enum (value, self->dither);
      break;
    case PROP_PALETTE:
      g_value_set_enum (value, self->palette);
      break;
    case PROP_KMIN:
      g_value_set_int (value, self->kmin);
      break;
    case PROP_KMAX:
      g_value_set_int (value, self->kmax);
      break;
    case PROP_ALLOW_MIXED:
      g_value_set_boolean (value, self->allow_mixed);
      break;
    case PROP_MINIMIZE_SIZE:
      g_value_set_boolean (value, self->minimize_size);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_BACKGROUND_COLOR:
      g_value_set_uint (value, self->background_color);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imm_anim_enc_finalize (GObject * object)
{
  gst_imm_anim_enc_reset (GST_IMM_ANIM_ENC (object));
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_imm_anim_enc_class_init (GstImmAnimEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoEncoderClass *venc_class = GST_VIDEO_ENCODER_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_imm_anim_enc_set_property;
  gobject_class->get_property = gst_imm_anim_enc_get_property;
  gobject_class->finalize = gst_imm_anim_enc_finalize;

  g_object_class_install_property (gobject_class, PROP_FORMAT,
      g_param_spec_enum ("format", "Format",
          "Output format (downstream caps that accept only the other win)",
          GST_TYPE_IMM_ANIM_FORMAT, DEFAULT_FORMAT, rw));
  g_object_class_install_property (gobject_class, PROP_FRAME_RATE,
      gst_param_spec_fraction ("frame-rate", "Frame rate",
          "Playback frames per second; 0/1 follows the input timestamps",
          0, 1, G_MAXINT, 1, DEFAULT_FPS_N, DEFAULT_FPS_D, rw));
  g_object_class_install_property (gobject_class, PROP_LOOP,
      g_param_spec_uint ("loop", "Loop",
          "Number of plays, 0 = forever", 0, 65535, DEFAULT_LOOP, rw));
  g_object_class_install_property (gobject_class, PROP_QUALITY,
      g_param_spec_uint ("quality", "Quality",
          "WebP: libwebp quality; GIF: 100 stores every colour change, lower "
          "values keep a shown pixel that is nearly as good", 0, 100,
          DEFAULT_QUALITY, rw));
  g_object_class_install_property (gobject_class, PROP_LOSSLESS,
      g_param_spec_boolean ("lossless", "Lossless",
          "WebP: lossless encoding", DEFAULT_LOSSLESS, rw));
  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_uint ("method", "Method",
          "WebP: speed/size trade-off (0 fast, 6 small)", 0, 6,
          DEFAULT_METHOD, rw));
  g_object_class_install_property (gobject_class, PROP_COLORS,
      g_param_spec_uint ("colors", "Colors",
          "GIF: palette size (one more entry is used for transparency, "
          "at most 256 in all)", 2, 256, DEFAULT_COLORS, rw));
  g_object_class_install_property (gobject_class, PROP_DITHER,
      g_param_spec_enum ("dither", "Dither", "GIF: dithering",
          GST_TYPE_IMM_ANIM_DITHER, DEFAULT_DITHER, rw));
  g_object_class_install_property (gobject_class, PROP_PALETTE,
      g_param_spec_enum ("palette", "Palette", "GIF: palette scope",
          GST_TYPE_IMM_ANIM_PALETTE, DEFAULT_PALETTE, rw));
  g_object_class_install_property (gobject_class, PROP_KMIN,
      g_param_spec_int ("kmin", "Kmin",
          "WebP: minimum distance between key frames (-1 = libwebp's "
          "default: 3, 9 when lossless)", -1, G_MAXINT, DEFAULT_KMIN, rw));
  g_object_class_install_property (gobject_class, PROP_KMAX,
      g_param_spec_int ("kmax", "Kmax",
          "WebP: maximum distance between key frames (-1 = libwebp's "
          "default: 5, 17 when lossless; 0 = all key frames)", -1, G_MAXINT,
          DEFAULT_KMAX, rw));
  g_object_class_install_property (gobject_class, PROP_ALLOW_MIXED,
      g_param_spec_boolean ("allow-mixed", "Allow mixed",
          "WebP: choose lossy or lossless per frame", DEFAULT_ALLOW_MIXED, rw));
  g_object_class_install_property (gobject_class, PROP_MINIMIZE_SIZE,
      g_param_spec_boolean ("minimize-size", "Minimize size",
          "WebP: slower search for the smallest output",
          DEFAULT_MINIMIZE_SIZE, rw));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "WebP: 1 encodes in one thread, otherwise libwebp may use a second",
          0, 64, DEFAULT_THREADS, rw));
  g_object_class_install_property (gobject_class, PROP_BACKGROUND_COLOR,
      g_param_spec_uint ("background-color", "Background color",
          "WebP: canvas background as 0xAARRGGBB", 0, G_MAXUINT32,
          DEFAULT_BACKGROUND_COLOR, rw));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Animated GIF/WebP encoder", "Codec/Encoder/Image",
      "Encodes raw video into one animated GIF or WebP file",
      "imm-gst developers");

  venc_class->start = GST_DEBUG_FUNCPTR (gst_imm_anim_enc_start);
  venc_class->stop = GST_DEBUG_FUNCPTR (gst_imm_anim_enc_stop);
  venc_class->set_format = GST_DEBUG_FUNCPTR (gst_imm_anim_enc_set_format);
  venc_class->handle_frame = GST_DEBUG_FUNCPTR (gst_imm_anim_enc_handle_frame);
  venc_class->finish = GST_DEBUG_FUNCPTR (gst_imm_anim_enc_finish);
  venc_class->flush = GST_DEBUG_FUNCPTR (gst_imm_anim_enc_flush);

  gst_type_mark_as_plugin_api (GST_TYPE_IMM_ANIM_FORMAT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_IMM_ANIM_DITHER, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_IMM_ANIM_PALETTE, 0);
}

static void
gst_imm_anim_enc_init (GstImmAnimEnc * self)
{
  self->format = DEFAULT_FORMAT;
  self->fps_n = DEFAULT_FPS_N;
  self->fps_d = DEFAULT_FPS_D;
  self->loop = DEFAULT_LOOP;
  self->quality = DEFAULT_QUALITY;
  self->lossless = DEFAULT_LOSSLESS;
  self->method = DEFAULT_METHOD;
  self->colors = DEFAULT_COLORS;
  self->dither = DEFAULT_DITHER;
  self->palette = DEFAULT_PALETTE;
  self->kmin = DEFAULT_KMIN;
  self->kmax = DEFAULT_KMAX;
  self->allow_mixed = DEFAULT_ALLOW_MIXED;
  self->minimize_size = DEFAULT_MINIMIZE_SIZE;
  self->threads = DEFAULT_THREADS;
  self->background_color = DEFAULT_BACKGROUND_COLOR;
  g_queue_init (&self->raw);
  self->first_pts = GST_CLOCK_TIME_NONE;
  self->out_pts = GST_CLOCK_TIME_NONE;
  self->last_ms = -1;
}
