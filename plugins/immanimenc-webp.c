/* imm-gst: immanimenc's WebP back-end (libwebp's WebPAnimEncoder).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "immanimenc-backend.h"

#include <webp/encode.h>
#include <webp/mux.h>

GST_DEBUG_CATEGORY_EXTERN (gst_imm_anim_enc_debug);
#define GST_CAT_DEFAULT gst_imm_anim_enc_debug

typedef struct
{
  GstElement *owner;
  ImmAnimSettings s;

  WebPAnimEncoder *enc;
  WebPConfig config;
  gint64 last_ms;               /* timestamp of the last frame added */
  guint n_in;
} WebPBackend;

static ImmAnimBackend *
webp_create (GstElement * owner)
{
  WebPBackend *self = g_new0 (WebPBackend, 1);

  self->owner = owner;
  self->last_ms = -1;
  return (ImmAnimBackend *) self;
}

/* YUV input stays YUV: libwebp gets the planes (BT.601 limited, its only
 * matrix; the element converts other colorimetries). */
static GstVideoFormat
webp_work_format (GstVideoFormat input)
{
  switch (input) {
    case GST_VIDEO_FORMAT_I420:
    case GST_VIDEO_FORMAT_NV12:
      return GST_VIDEO_FORMAT_I420;
    default:
      return GST_VIDEO_FORMAT_RGBA;
  }
}

static void
webp_reset (ImmAnimBackend * be)
{
  WebPBackend *self = (WebPBackend *) be;

  if (self->enc) {
    WebPAnimEncoderDelete (self->enc);
    self->enc = NULL;
  }
  self->last_ms = -1;
  self->n_in = 0;
}

static void
webp_free (ImmAnimBackend * be)
{
  webp_reset (be);
  g_free (be);
}

/* libwebp's quality is the property's: its scale already is the trade of
 * size against fidelity on 0-100. */
static gboolean
webp_begin (ImmAnimBackend * be, const ImmAnimSettings * settings)
{
  WebPBackend *self = (WebPBackend *) be;
  WebPAnimEncoderOptions opts;

  webp_reset (be);
  self->s = *settings;
  if (!WebPAnimEncoderOptionsInit (&opts) || !WebPConfigInit (&self->config)) {
    GST_ELEMENT_ERROR (self->owner, LIBRARY, INIT,
        ("The installed libwebp does not match the one imm-gst was built "
            "with."), ("WebPAnimEncoderOptionsInit/WebPConfigInit failed"));
    return FALSE;
  }
  opts.anim_params.loop_count = self->s.loop;
  opts.anim_params.bgcolor = self->s.background_color;
  opts.minimize_size = self->s.minimize_size;
  opts.allow_mixed = self->s.allow_mixed;
  /* Both unset: WebPAnimEncoder's own default, no forced key frames (as
   * ffmpeg's libwebp_anim): still areas are never encoded again, which on
   * mostly still video saves a third of the bytes against img2webp's 3/5
   * and flickers less. One set: the other from img2webp's defaults. */
  if (self->s.kmin >= 0 || self->s.kmax >= 0) {
    if (self->s.kmin >= 0)
      opts.kmin = self->s.kmin;
    else
      opts.kmin = self->s.lossless ? 9 : 3;
    if (self->s.kmax >= 0)
      opts.kmax = self->s.kmax;
    else
      opts.kmax = self->s.lossless ? 17 : 5;
    if (opts.kmax > 0 && opts.kmin >= opts.kmax)
      opts.kmin = opts.kmax - 1;
  }
  self->config.quality = self->s.quality;
  self->config.method = self->s.method;
  self->config.lossless = self->s.lossless;
  self->config.thread_level = self->s.threads ? 1 : 0;
  self->config.use_sharp_yuv = self->s.sharp_yuv;

  if (!WebPValidateConfig (&self->config)) {
    GST_ELEMENT_ERROR (self->owner, LIBRARY, SETTINGS,
        ("The WebP settings are invalid."), ("WebPValidateConfig failed"));
    return FALSE;
  }
  self->enc = WebPAnimEncoderNew (self->s.width, self->s.height, &opts);
  if (!self->enc) {
    GST_ELEMENT_ERROR (self->owner, LIBRARY, INIT,
        ("Could not create the WebP animation encoder."),
        ("WebPAnimEncoderNew failed for %dx%d", self->s.width, self->s.height));
    return FALSE;
  }
  return TRUE;
}

/* WebP timestamps are ints of milliseconds: 24.8 days. */
static gboolean
webp_too_long (WebPBackend * self)
{
  GST_ELEMENT_ERROR (self->owner, STREAM, ENCODE,
      ("The animation would play for more than 24 days, longer than WebP "
          "timestamps can count; lower the number of frames or raise the "
          "frame rate."), (NULL));
  return FALSE;
}

/* Points @pic at the planes of @vframe (no copy). */
static gboolean
picture_view (WebPPicture * pic, GstVideoFrame * vframe)
{
  if (GST_VIDEO_FRAME_FORMAT (vframe) == GST_VIDEO_FORMAT_I420) {
    pic->use_argb = 0;
    pic->colorspace = WEBP_YUV420;
    pic->y = GST_VIDEO_FRAME_PLANE_DATA (vframe, 0);
    pic->u = GST_VIDEO_FRAME_PLANE_DATA (vframe, 1);
    pic->v = GST_VIDEO_FRAME_PLANE_DATA (vframe, 2);
    pic->y_stride = GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0);
    pic->uv_stride = GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 1);
    /* The V stride must match U's: I420 from GStreamer always does. */
    return GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 2) == pic->uv_stride;
  }
  pic->use_argb = 1;
  return WebPPictureImportRGBA (pic, GST_VIDEO_FRAME_PLANE_DATA (vframe, 0),
      GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0));
}

static gboolean
webp_add (ImmAnimBackend * be, ImmAnimFrame * frame, guint64 end, gboolean last)
{
  WebPBackend *self = (WebPBackend *) be;
  WebPPicture pic;
  GstVideoFrame vframe;
  gint64 ms = (gint64) ((frame->start + GST_MSECOND / 2) / GST_MSECOND);
  gboolean ok;

  /* WebPAnimEncoder needs increasing timestamps; a frame within the same
   * millisecond as the one before never shows. */
  if (ms <= self->last_ms)
    goto done;
  if (ms > G_MAXINT) {
    imm_anim_frame_free (frame);
    return webp_too_long (self);
  }
  if (!gst_video_frame_map (&vframe, frame->info, frame->buffer, GST_MAP_READ)) {
    imm_anim_frame_free (frame);
    GST_ELEMENT_ERROR (self->owner, STREAM, ENCODE,
        ("Could not read a frame."), ("gst_video_frame_map failed"));
    return FALSE;
  }
  if (!WebPPictureInit (&pic)) {
    gst_video_frame_unmap (&vframe);
    goto fail;
  }
  pic.width = self->s.width;
  pic.height = self->s.height;
  ok = picture_view (&pic, &vframe);
  /* The encoder copies the picture into its own canvas. */
  ok = ok && WebPAnimEncoderAdd (self->enc, &pic, (int) ms, &self->config);
  WebPPictureFree (&pic);
  gst_video_frame_unmap (&vframe);
  if (!ok)
    goto fail;
  self->last_ms = ms;
  self->n_in++;

done:
  imm_anim_frame_free (frame);
  /* The end of the animation; the last frame shown lasts at least 1 ms,
   * however close its end is. */
  if (last)
    self->last_ms = MAX ((gint64) ((end + GST_MSECOND / 2) / GST_MSECOND),
        self->last_ms + 1);
  return TRUE;

fail:
  imm_anim_frame_free (frame);
  GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
      ("Could not encode a WebP frame."), ("%s",
          WebPAnimEncoderGetError (self->enc)));
  return FALSE;
}

/* WebPAnimEncoder merges frames that change nothing into the one before:
 * the file says how many it kept. */
static guint
count_frames (const WebPData * data)
{
  WebPMux *mux = WebPMuxCreate (data, 0);
  int n = 0;

  if (!mux)
    return 0;
  if (WebPMuxNumChunks (mux, WEBP_CHUNK_ANMF, &n) != WEBP_MUX_OK)
    n = 0;
  WebPMuxDelete (mux);
  return n;
}

static GBytes *
webp_finish (ImmAnimBackend * be, ImmAnimFileInfo * info)
{
  WebPBackend *self = (WebPBackend *) be;
  WebPData data;
  GBytes *bytes;

  if (self->last_ms > G_MAXINT) {
    webp_too_long (self);
    return NULL;
  }
  WebPDataInit (&data);
  if (!WebPAnimEncoderAdd (self->enc, NULL, (int) self->last_ms, NULL)
      || !WebPAnimEncoderAssemble (self->enc, &data)) {
    GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
        ("Could not assemble the WebP animation."), ("%s",
            WebPAnimEncoderGetError (self->enc)));
    return NULL;
  }
  info->frames = count_frames (&data);
  info->duration = (guint64) self->last_ms * GST_MSECOND;
  bytes = g_bytes_new (data.bytes, data.size);
  WebPDataClear (&data);
  return bytes;
}

const ImmAnimBackendClass imm_anim_backend_webp = {
  "WebP", "image/webp",
  webp_create, webp_work_format, webp_begin, webp_add, webp_finish,
  webp_reset, webp_free,
};
