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
 * One file per clip: the custom downstream event `immhighlight-clip-end`
 * (sent by immhighlight after a clip's last frame) finishes the current
 * file, pushes it as one buffer followed by the event, and the next frame
 * begins a new file, with the properties of that moment (the format
 * stays the first file's) and its own timeline and picture size; EOS
 * finishes the last one. A clip end with
 * no frame since the last file writes nothing. With `multifilesink
 * next-file=buffer` every clip becomes a file while the stream runs, and
 * memory is bounded by one clip: the pictures of a GIF's palette window
 * (at most 120 frames or 48 MiB) and the file being written.
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
 * 50 fps loses frames, not time). Each frame stores only the rectangle
 * that changed, the pixels kept transparent, and frames that change nothing
 * extend the previous frame's delay. A pixel keeps the colour on screen
 * until its source really changes (a quality-dependent tolerance: sensor
 * noise and slow drift cost neither bytes nor flicker); a still pixel is
 * written again only when a later palette shows it clearly better. With
 * #GstImmAnimEnc:palette `per-frame` (the default) every frame gets its
 * own palette, built (median cut in OkLab on a 6-bit histogram, refined
 * by k-means, entries within about 2 levels of the last frame's taking
 * their exact colour, so still dither keeps its indices) from the pixels
 * it writes only; `global` builds one from the first
 * frames (held up to about 48 MiB, at most 120 frames). The default dither
 * `floyd-steinberg` diffuses 5/8 of the error and dithers against what is
 * on screen, so kept areas are never dithered again; `bayer` is ordered
 * (low amplitude), `none` maps to the nearest colour (banding on smooth
 * gradients). The image data is our own LZW: below quality 100 it is
 * lossy (a pixel may take a near colour that continues a longer string,
 * the gifsicle `--lossy` idea). Quality 100 writes every colour change
 * exactly. Measured against gifski and ffmpeg with bench/animenc.sh.
 *
 * When a file is finished the element posts an element message named
 * `immanimenc` before pushing it:
 *
 * - `index` (guint): the file's number, from 1;
 * - `format` (string): `image/gif` or `image/webp`;
 * - `frames` (guint): the frames in the file, after merging (frames under
 *   2 cs and unchanged frames in GIF, unchanged frames in WebP), so fewer
 *   than the input frames;
 * - `bytes` (guint64): the size of the file;
 * - `duration` (guint64): its play time in ns (one loop);
 * - `pts`, `running-time`, `stream-time` (guint64): of its first frame.
 *
 * #GstImmAnimEnc:loop counts plays: 0 forever, 1 once (GIF: no NETSCAPE2.0
 * block), N: N plays (GIF stores N - 1 repeats).
 *
 * WebP: frames go to libwebp's WebPAnimEncoder as they arrive (millisecond
 * timestamps), assembled at EOS. The defaults (quality 75, method 4, no
 * forced key frames, YUV planes) are `ffmpeg -c:v libwebp_anim -quality
 * 75`'s recipe and give its bytes exactly on I420 input; against the
 * former defaults (quality 68, method 2, key frames every 3-5 frames, RGB)
 * they gave 29 % fewer bytes and a lower colour error (de_blur 1.69
 * instead of 1.83) at the same SSIM on vtest.avi. I420 and NV12 input
 * reach libwebp as YUV planes (`use_argb = 0`, as ffmpeg's libwebp_anim
 * does), with no RGB conversion on our side. libwebp's YUV is BT.601 limited
 * range: BT.709 (HD) input is converted to that matrix first, full-range
 * input goes through RGB (GstVideoConverter 1.22 leaves a range-only
 * change undone). Note that WebPAnimEncoder itself turns every picture into
 * ARGB (it compares frames in RGB) and encodes that back to YUV, so YUV
 * planes save one conversion, not both; measured on a synthetic scene at
 * quality 90 the YUV path is within 0.3 dB (PSNR) of the RGB path, and
 * #GstImmAnimEnc:sharp-yuv (libwebp's iterative RGB to YUV) gains about
 * 0.5 dB on RGB input at some encoding time.
 *
 * With #GstImmAnimEnc:threads (default) and no forced key frames nor
 * minimize-size, WebP frames are encoded in chunks of 8 on a thread pool
 * (one thread per core, at most 4), each chunk by its own WebPAnimEncoder
 * primed with the frame libwebp keeps last before it, and the chunks are
 * spliced at EOS: the same bytes as one encoder (libwebp decides each
 * frame from source pixels only), on more cores. Frames waiting for a
 * worker are bounded (a chunk per thread and one more). A GIF's frames
 * depend on the one before, so its threads (one per core, at most 4)
 * share each frame: change marking, thresholds and the k-means
 * assignment split by rows or bins, the error diffusion as a wavefront of
 * rows; the same bytes as one thread.
 *
 * The base class keeps the first frame of each file (without its picture);
 * the file goes out as its output, with its timestamp and the whole
 * duration. The other frames leave the base class as they arrive, as frames
 * without output, and the QoS messages it posts for them are swallowed
 * (nothing was dropped), so nothing grows with the stream. Until then
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
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! videoconvert ! immhighlight threshold=20 pre-roll=1 post-roll=1 ! immanimenc format=gif ! multifilesink location=event-%05d.gif next-file=buffer
 * ]| One GIF per cut immhighlight finds, from 1 s before to 1 s after it;
 * on a live source the files are written while the stream runs.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimmanimenc.h"
#include "immanimenc-backend.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_imm_anim_enc_debug);
#define GST_CAT_DEFAULT gst_imm_anim_enc_debug

#define DEFAULT_FORMAT GST_IMM_ANIM_FORMAT_GIF
#define DEFAULT_FPS_N 0
#define DEFAULT_FPS_D 1
#define DEFAULT_LOOP 0
#define DEFAULT_QUALITY 75
#define DEFAULT_LOSSLESS FALSE
#define DEFAULT_METHOD 4
#define DEFAULT_COLORS 256
#define DEFAULT_DITHER IMM_DITHER_FLOYD_STEINBERG
#define DEFAULT_PALETTE GST_IMM_ANIM_PALETTE_PER_FRAME
#define DEFAULT_KMIN -1
#define DEFAULT_KMAX -1
#define DEFAULT_ALLOW_MIXED FALSE
#define DEFAULT_MINIMIZE_SIZE FALSE
#define DEFAULT_THREADS TRUE
#define DEFAULT_SHARP_YUV FALSE
#define DEFAULT_BACKGROUND_COLOR 0x00000000

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
  PROP_SHARP_YUV,
  PROP_BACKGROUND_COLOR,
};

/* The file being written. */
typedef enum
{
  /* No file is open: the next frame begins one with the properties of
   * that moment. */
  FILE_STATE_IDLE,
  /* A file is open: frames go to the back-end, one held back until the
   * next one tells when it ends. */
  FILE_STATE_OPEN,
} FileState;

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
  gboolean threads;
  gboolean sharp_yuv;
  guint background_color;

  /* streaming state, under the stream lock */
  GstVideoCodecState *input_state;
  GstVideoConverter *convert;   /* input -> work_info, NULL when equal */
  GstVideoInfo work_info;       /* the back-end's working format */
  GstImmAnimFormat active_format;
  const ImmAnimBackendClass *klass;
  ImmAnimBackend *backend;
  gint width, height;
  gint rate_n, rate_d;

  FileState state;
  guint files;                  /* files finished since start */
  guint64 n_in;                 /* frames given to the current file */
  GstClockTime first_pts;
  ImmAnimFrame *held;           /* the last frame, its end not yet known */
  GstClockTime held_duration;
  guint64 last_delta;
  guint64 cut_ns;               /* timestamp gaps cut to MAX_FRAME_NS */
  /* The thread releasing a frame through the base class, NULL otherwise:
   * the QoS message it posts then says nothing (see post_message). */
  gpointer releasing;
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
            "I420, NV12 }")));

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

void
imm_anim_frame_free (ImmAnimFrame * frame)
{
  if (!frame)
    return;
  gst_buffer_unref (frame->buffer);
  g_free (frame);
}

/* Drops the current file; the next frame begins a new one. */
static void
file_reset (GstImmAnimEnc * self)
{
  if (self->backend)
    self->klass->reset (self->backend);
  g_clear_pointer (&self->held, imm_anim_frame_free);
  self->state = FILE_STATE_IDLE;
  self->n_in = 0;
  self->first_pts = GST_CLOCK_TIME_NONE;
  self->held_duration = GST_CLOCK_TIME_NONE;
  self->last_delta = 0;
  self->cut_ns = 0;
}

static void
gst_imm_anim_enc_reset (GstImmAnimEnc * self)
{
  file_reset (self);
  if (self->backend) {
    self->klass->free (self->backend);
    self->backend = NULL;
  }
  self->klass = NULL;
  self->files = 0;
  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  g_clear_pointer (&self->convert, gst_video_converter_free);
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

/* The working format of the back-end: YUV is BT.601 limited range, the
 * only matrix libwebp knows, so other colorimetries are converted. */
static void
work_info_init (GstVideoInfo * work, const GstVideoInfo * in,
    GstVideoFormat format)
{
  gst_video_info_set_format (work, format, GST_VIDEO_INFO_WIDTH (in),
      GST_VIDEO_INFO_HEIGHT (in));
  /* The converter only changes the format; the rest must match. */
  work->fps_n = in->fps_n;
  work->fps_d = in->fps_d;
  work->par_n = in->par_n;
  work->par_d = in->par_d;
  work->interlace_mode = in->interlace_mode;
  if (GST_VIDEO_INFO_IS_YUV (work)) {
    work->colorimetry.range = GST_VIDEO_COLOR_RANGE_16_235;
    work->colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT601;
    if (GST_VIDEO_INFO_IS_YUV (in)) {
      /* Only the matrix and range change: no transfer or primaries
       * conversion, which would change the picture. */
      work->colorimetry.transfer = in->colorimetry.transfer;
      work->colorimetry.primaries = in->colorimetry.primaries;
      work->chroma_site = in->chroma_site;
    }
  }
}

static gboolean
same_layout (const GstVideoInfo * a, const GstVideoInfo * b)
{
  if (GST_VIDEO_INFO_FORMAT (a) != GST_VIDEO_INFO_FORMAT (b))
    return FALSE;
  if (!GST_VIDEO_INFO_IS_YUV (a))
    return TRUE;
  return a->colorimetry.matrix == b->colorimetry.matrix &&
      a->colorimetry.range == b->colorimetry.range;
}

static gboolean
gst_imm_anim_enc_set_format (GstVideoEncoder * enc, GstVideoCodecState * state)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (enc);
  GstVideoCodecState *out;
  GstCaps *caps;
  GstImmAnimFormat format;
  GstVideoFormat work;
  gint w = GST_VIDEO_INFO_WIDTH (&state->info);
  gint h = GST_VIDEO_INFO_HEIGHT (&state->info);

  /* The size is fixed while a file is open; each file may have its own. */
  if (self->state == FILE_STATE_OPEN && (w != self->width || h != self->height)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("The picture size changed from %dx%d to %dx%d in the middle of the "
            "animation; scale the input to one size.", self->width,
            self->height, w, h), (NULL));
    return FALSE;
  }

  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  self->input_state = gst_video_codec_state_ref (state);

  if (!self->klass) {
    /* The first caps fix the format and the back-end. */
    GST_OBJECT_LOCK (self);
    format = self->format;
    GST_OBJECT_UNLOCK (self);
    self->active_format = choose_format (self, format);
    self->klass = self->active_format == GST_IMM_ANIM_FORMAT_GIF ?
        &imm_anim_backend_gif : &imm_anim_backend_webp;
    self->backend = self->klass->create (GST_ELEMENT (self));
  }
  /* The working format is fixed while a file is open; the rest of its
   * info (interlacing, rate) follows the caps, as the converter needs. */
  if (self->state == FILE_STATE_IDLE) {
    self->width = w;
    self->height = h;
    work = self->klass->work_format (GST_VIDEO_INFO_FORMAT (&state->info));
    /* GstVideoConverter 1.22 copies I420 to I420 unchanged when only the
     * range differs: full-range YUV goes through RGB instead. */
    if (GST_VIDEO_FORMAT_INFO_IS_YUV (gst_video_format_get_info (work))
        && state->info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255)
      work = GST_VIDEO_FORMAT_RGBA;
    work_info_init (&self->work_info, &state->info, work);
  } else {
    work_info_init (&self->work_info, &state->info,
        GST_VIDEO_INFO_FORMAT (&self->work_info));
  }

  g_clear_pointer (&self->convert, gst_video_converter_free);
  if (!same_layout (&state->info, &self->work_info)) {
    self->convert = gst_video_converter_new (&state->info, &self->work_info,
        NULL);
    if (!self->convert) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("Cannot convert the input to %s.",
              gst_video_format_to_string (GST_VIDEO_INFO_FORMAT
                  (&self->work_info))), (NULL));
      return FALSE;
    }
  }
  if (gst_pad_has_current_caps (GST_VIDEO_ENCODER_SRC_PAD (self)))
    return TRUE;

  caps = gst_caps_new_empty_simple (self->klass->media_type);
  out = gst_video_encoder_set_output_state (enc, caps, state);
  gst_video_codec_state_unref (out);
  return gst_video_encoder_negotiate (enc);
}

/* Called with the object lock. */
static void
settings_copy (GstImmAnimEnc * self, ImmAnimSettings * s)
{
  s->width = self->width;
  s->height = self->height;
  s->loop = self->loop;
  s->quality = self->quality;
  s->threads = self->threads;
  s->colors = self->colors;
  s->dither = self->dither;
  s->palette = self->palette;
  s->lossless = self->lossless;
  s->method = self->method;
  s->kmin = self->kmin;
  s->kmax = self->kmax;
  s->allow_mixed = self->allow_mixed;
  s->minimize_size = self->minimize_size;
  s->sharp_yuv = self->sharp_yuv;
  s->background_color = self->background_color;
}

static gboolean
file_begin (GstImmAnimEnc * self)
{
  ImmAnimSettings s;

  GST_OBJECT_LOCK (self);
  settings_copy (self, &s);
  self->rate_n = self->fps_n;
  self->rate_d = self->fps_d;
  GST_OBJECT_UNLOCK (self);
  if (!self->klass->begin (self->backend, &s))
    return FALSE;
  self->state = FILE_STATE_OPEN;
  return TRUE;
}

/* When @f ends: the next frame's start, else the frame rate, the frame's
 * duration, the last spacing, 100 ms. */
static guint64
frame_end (GstImmAnimEnc * self, ImmAnimFrame * f, ImmAnimFrame * next)
{
  if (next)
    return MAX (next->start, f->start);
  if (self->rate_n > 0)
    return f->start + gst_util_uint64_scale (GST_SECOND, self->rate_d,
        self->rate_n);
  if (GST_CLOCK_TIME_IS_VALID (self->held_duration)
      && self->held_duration > 0)
    return f->start + MIN (self->held_duration, IMM_ANIM_MAX_FRAME_NS);
  if (self->last_delta > 0)
    return f->start + self->last_delta;
  return f->start + 100 * GST_MSECOND;
}

/* Hands the held frame to the back-end now that @next (NULL: none, the
 * file ends) tells when it ends. */
static gboolean
give_held (GstImmAnimEnc * self, ImmAnimFrame * next)
{
  ImmAnimFrame *f = self->held;
  guint64 end;

  if (!f)
    return TRUE;
  end = frame_end (self, f, next);
  self->held = NULL;
  return self->klass->add (self->backend, f, end, next == NULL);
}

/* Nothing leaves the encoder before the file is finished, so downstream
 * sinks would never preroll: a pipeline whose other branches (after a tee)
 * wait for preroll, or a live pipeline going to PLAYING, would stall
 * forever. A GAP event at the first frame lets them preroll. The sticky
 * events queued with that frame (segment, tags) must precede it: they are
 * pushed here and taken off the frame. Called with the stream lock held. */
static void
announce_gap (GstImmAnimEnc * self, GstVideoCodecFrame * frame)
{
  GstPad *srcpad = GST_VIDEO_ENCODER_SRC_PAD (self);
  GstEvent *segment;
  GList *l;

  for (l = g_list_last (frame->events); l;) {
    GstEvent *event = l->data;
    GList *prev = l->prev;

    /* pushed now, so not again when the base class releases frames */
    if (GST_EVENT_IS_STICKY (event)) {
      gst_pad_push_event (srcpad, event);
      frame->events = g_list_delete_link (frame->events, l);
    }
    l = prev;
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

/* A copy of the picture in the working format, owned by the element, so
 * upstream's buffer goes back to its pool at once. */
static GstBuffer *
work_copy (GstImmAnimEnc * self, GstVideoCodecFrame * frame)
{
  GstVideoFrame in, out;
  GstBuffer *buf;

  if (!gst_video_frame_map (&in, &self->input_state->info,
          frame->input_buffer, GST_MAP_READ))
    return NULL;
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&self->work_info),
      NULL);
  if (!buf || !gst_video_frame_map (&out, &self->work_info, buf, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in);
    g_clear_pointer (&buf, gst_buffer_unref);
    return NULL;
  }
  if (self->convert)
    gst_video_converter_frame (self->convert, &in, &out);
  else
    gst_video_frame_copy (&out, &in);
  gst_video_frame_unmap (&out);
  gst_video_frame_unmap (&in);
  return buf;
}

/* The frames after the first of a file leave the base class at once, as
 * frames without output, so what it holds does not grow with an endless
 * stream. It posts a QoS message for each such frame, which would tell of
 * frames dropped when none were: post_message swallows those. */
static GstFlowReturn
release_frame (GstImmAnimEnc * self, GstVideoCodecFrame * frame)
{
  GstFlowReturn ret;

  g_atomic_pointer_set (&self->releasing, g_thread_self ());
  ret = gst_video_encoder_finish_frame (GST_VIDEO_ENCODER (self), frame);
  g_atomic_pointer_set (&self->releasing, NULL);
  return ret;
}

static gboolean
gst_imm_anim_enc_post_message (GstElement * element, GstMessage * message)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (element);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_QOS
      && GST_MESSAGE_SRC (message) == GST_OBJECT (element)
      && g_atomic_pointer_get (&self->releasing) == g_thread_self ()) {
    gst_message_unref (message);
    return TRUE;
  }
  return GST_ELEMENT_CLASS (parent_class)->post_message (element, message);
}

/* Where @pts lies in the file, in ns from its first frame. */
static guint64
frame_start (GstImmAnimEnc * self, GstClockTime pts)
{
  guint64 start = 0;

  if (self->rate_n > 0)
    return gst_util_uint64_scale (self->n_in * GST_SECOND, self->rate_d,
        self->rate_n);
  if (GST_CLOCK_TIME_IS_VALID (pts) &&
      GST_CLOCK_TIME_IS_VALID (self->first_pts) && pts >= self->first_pts)
    start = pts - self->first_pts > self->cut_ns ?
        pts - self->first_pts - self->cut_ns : 0;
  else if (self->held)
    /* No usable timestamp: repeat the last spacing (100 ms at first). */
    start = self->held->start + (self->last_delta ? self->last_delta :
        100 * GST_MSECOND);
  if (self->held) {
    guint64 prev = self->held->start;

    if (start > prev && start - prev > IMM_ANIM_MAX_FRAME_NS) {
      self->cut_ns += start - prev - IMM_ANIM_MAX_FRAME_NS;
      start = prev + IMM_ANIM_MAX_FRAME_NS;
    }
    if (start > prev)
      self->last_delta = start - prev;
  }
  return start;
}

static GstFlowReturn
gst_imm_anim_enc_handle_frame (GstVideoEncoder * enc,
    GstVideoCodecFrame * frame)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (enc);
  ImmAnimFrame *f;
  GstBuffer *copy;
  GstClockTime duration;
  GstFlowReturn ret;
  gboolean first = self->state == FILE_STATE_IDLE;

  if (first) {
    if (!file_begin (self)) {
      gst_video_codec_frame_unref (frame);
      return GST_FLOW_ERROR;
    }
    self->first_pts = frame->pts;
    announce_gap (self, frame);
  }

  copy = work_copy (self, frame);
  if (!copy) {
    gst_video_codec_frame_unref (frame);
    GST_ELEMENT_ERROR (self, STREAM, DECODE, ("Could not read a frame."),
        ("gst_video_frame_map failed"));
    return GST_FLOW_ERROR;
  }
  f = g_new0 (ImmAnimFrame, 1);
  f->buffer = copy;
  f->info = &self->work_info;
  f->start = frame_start (self, frame->pts);
  self->n_in++;
  duration = frame->duration;

  /* The base class keeps the first frame of the file until the file is
   * finished (its output); drop its picture now. */
  gst_buffer_replace (&frame->input_buffer, NULL);
  if (first)
    gst_video_codec_frame_unref (frame);
  else if ((ret = release_frame (self, frame)) != GST_FLOW_OK) {
    imm_anim_frame_free (f);
    return ret;
  }

  if (!give_held (self, f)) {
    imm_anim_frame_free (f);
    return GST_FLOW_ERROR;
  }
  self->held = f;
  self->held_duration = duration;
  return GST_FLOW_OK;
}

/* Tells the application what the finished file holds (the launcher
 * reports its frame count). */
static void
post_file_message (GstImmAnimEnc * self, const ImmAnimFileInfo * info,
    GstClockTime pts, gsize bytes)
{
  GstSegment *segment = &GST_VIDEO_ENCODER (self)->input_segment;
  GstStructure *s;

  s = gst_structure_new ("immanimenc",
      "index", G_TYPE_UINT, self->files,
      "format", G_TYPE_STRING, self->klass->media_type,
      "frames", G_TYPE_UINT, info->frames,
      "bytes", G_TYPE_UINT64, (guint64) bytes,
      "duration", G_TYPE_UINT64, info->duration,
      "pts", G_TYPE_UINT64, pts,
      "running-time", G_TYPE_UINT64, gst_segment_to_running_time (segment,
          GST_FORMAT_TIME, pts),
      "stream-time", G_TYPE_UINT64, gst_segment_to_stream_time (segment,
          GST_FORMAT_TIME, pts), NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Finishes the open file and pushes it as the output of the oldest frame
 * the base class holds, with that frame's timestamp and the whole
 * duration. */
static GstFlowReturn
file_finish (GstImmAnimEnc * self)
{
  GstVideoEncoder *enc = GST_VIDEO_ENCODER (self);
  GstVideoCodecFrame *frame;
  ImmAnimFileInfo info = { 0, 0 };
  GBytes *bytes;
  GstBuffer *buf;
  GstClockTime pts = self->first_pts;
  guint64 n_in = self->n_in;

  if (!give_held (self, NULL))
    return GST_FLOW_ERROR;
  bytes = self->klass->finish (self->backend, &info);
  if (!bytes)
    return GST_FLOW_ERROR;
  buf = gst_buffer_new_wrapped_bytes (bytes);
  g_bytes_unref (bytes);
  file_reset (self);
  self->files++;

  GST_INFO_OBJECT (self, "%s of %u frames from %" G_GUINT64_FORMAT
      " input frames, %" G_GSIZE_FORMAT " bytes", self->klass->name,
      info.frames, n_in, gst_buffer_get_size (buf));

  post_file_message (self, &info, pts, gst_buffer_get_size (buf));

  frame = gst_video_encoder_get_oldest_frame (enc);
  if (!frame) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, CORE, FAILED, ("Lost the input frames."),
        ("no frame left in the base class"));
    return GST_FLOW_ERROR;
  }
  GST_VIDEO_CODEC_FRAME_SET_SYNC_POINT (frame);
  frame->output_buffer = buf;
  frame->pts = pts;
  frame->duration = info.duration;
  return gst_video_encoder_finish_frame (enc, frame);
}

static GstFlowReturn
gst_imm_anim_enc_finish (GstVideoEncoder * enc)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (enc);

  if (self->state != FILE_STATE_OPEN && self->files > 0)
    return GST_FLOW_OK;
  if (self->state != FILE_STATE_OPEN || self->n_in == 0) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("No frames reached the animation encoder, so there is nothing to "
            "write; check the start time and the length of the source."),
        (NULL));
    return GST_FLOW_ERROR;
  }
  return file_finish (self);
}

/* The end of a highlight clip ends the file: it goes out as one buffer,
 * then the event, and the next frame begins the next file. */
static gboolean
gst_imm_anim_enc_sink_event (GstVideoEncoder * enc, GstEvent * event)
{
  GstImmAnimEnc *self = GST_IMM_ANIM_ENC (enc);
  GstFlowReturn ret = GST_FLOW_OK;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM
      || !gst_event_has_name (event, "immhighlight-clip-end"))
    return GST_VIDEO_ENCODER_CLASS (parent_class)->sink_event (enc, event);

  GST_VIDEO_ENCODER_STREAM_LOCK (enc);
  if (self->state == FILE_STATE_OPEN)
    ret = file_finish (self);
  GST_VIDEO_ENCODER_STREAM_UNLOCK (enc);
  if (ret != GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "clip end: %s", gst_flow_get_name (ret));
    gst_event_unref (event);
    return FALSE;
  }
  return gst_pad_push_event (GST_VIDEO_ENCODER_SRC_PAD (enc), event);
}

static gboolean
gst_imm_anim_enc_flush (GstVideoEncoder * enc)
{
  /* A flush starts a new animation. */
  file_reset (GST_IMM_ANIM_ENC (enc));
  return TRUE;
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
      self->threads = g_value_get_boolean (value);
      break;
    case PROP_SHARP_YUV:
      self->sharp_yuv = g_value_get_boolean (value);
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
      g_value_set_boolean (value, self->threads);
      break;
    case PROP_SHARP_YUV:
      g_value_set_boolean (value, self->sharp_yuv);
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
          "Size against fidelity, the same trade on both formats: 100 "
          "best; WebP: libwebp's quality; GIF: 100 stores every colour "
          "change exactly, lower values let shown pixels drift further "
          "before they are written again and make the LZW lossier", 0, 100,
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
          "WebP: minimum distance between key frames (-1 with kmax -1: no "
          "forced key frames; -1 alone: 3, 9 when lossless)", -1, G_MAXINT,
          DEFAULT_KMIN, rw));
  g_object_class_install_property (gobject_class, PROP_KMAX,
      g_param_spec_int ("kmax", "Kmax",
          "WebP: maximum distance between key frames (-1 with kmin -1: no "
          "forced key frames; -1 alone: 5, 17 when lossless; 0 = all key "
          "frames)", -1, G_MAXINT, DEFAULT_KMAX, rw));
  g_object_class_install_property (gobject_class, PROP_ALLOW_MIXED,
      g_param_spec_boolean ("allow-mixed", "Allow mixed",
          "WebP: choose lossy or lossless per frame", DEFAULT_ALLOW_MIXED, rw));
  g_object_class_install_property (gobject_class, PROP_MINIMIZE_SIZE,
      g_param_spec_boolean ("minimize-size", "Minimize size",
          "WebP: slower search for the smallest output",
          DEFAULT_MINIMIZE_SIZE, rw));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_boolean ("threads", "Threads",
          "Let the encoder use extra threads (WebP: chunks of frames on "
          "a thread pool, and libwebp's second thread; GIF: each frame's "
          "work split by rows); the output is the same either way",
          DEFAULT_THREADS, rw));
  g_object_class_install_property (gobject_class, PROP_SHARP_YUV,
      g_param_spec_boolean ("sharp-yuv", "Sharp YUV",
          "WebP: libwebp's slower, sharper RGB to YUV conversion (RGB input "
          "only; YUV input is used as it is)", DEFAULT_SHARP_YUV, rw));
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
  venc_class->sink_event = GST_DEBUG_FUNCPTR (gst_imm_anim_enc_sink_event);
  element_class->post_message =
      GST_DEBUG_FUNCPTR (gst_imm_anim_enc_post_message);

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
  self->sharp_yuv = DEFAULT_SHARP_YUV;
  self->background_color = DEFAULT_BACKGROUND_COLOR;
  self->state = FILE_STATE_IDLE;
  self->first_pts = GST_CLOCK_TIME_NONE;
  self->held_duration = GST_CLOCK_TIME_NONE;
}
