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

/* Frames per chunk when encoding in parallel: each chunk costs one extra
 * primer frame at libwebp's fastest setting, so chunks stay long. */
#define CHUNK_FRAMES 8

/* Parallel encoding: WebPAnimEncoder decides every frame from the source
 * pixels of the frame before (its previous canvas is the source, not the
 * decoded picture), so a run of frames can be encoded on its own by an
 * encoder that first sees the frame before the run (the primer). Each
 * chunk is one WebPAnimEncoder on a worker thread; finish() splices their
 * frames, primers dropped, into one file with the bytes one encoder would
 * have written. A chunk starts only where the frame before and the first
 * frame are opaque: then dispose-to-background can never give a smaller
 * rectangle, so the primer's full-canvas rectangle decides nothing. */
typedef struct
{
  ImmAnimFrame *primer;         /* the frame before, NULL for the first */
  gint primer_ms;
  GPtrArray *frames;            /* ImmAnimFrame, owned */
  GArray *ms;                   /* gint timestamp per frame */
  gint end_ms;                  /* the end of the chunk's last frame */
  WebPData out;                 /* the chunk as its own animation */
  gchar *error;                 /* set when encoding failed */
} WebPChunk;

/* How frames reach libwebp, decided at begin. */
typedef enum
{
  /* One WebPAnimEncoder in the streaming thread (forced key frames or
   * minimize-size need to see the whole sequence, or threads=false). */
  WEBP_MODE_SERIAL,
  /* Chunks of frames encoded on a thread pool and spliced at finish. */
  WEBP_MODE_CHUNKED,
} WebPMode;

typedef struct
{
  GstElement *owner;
  ImmAnimSettings s;

  WebPMode mode;
  WebPAnimEncoder *enc;         /* WEBP_MODE_SERIAL */
  WebPAnimEncoderOptions opts;
  WebPConfig config;
  WebPConfig primer_config;     /* fastest: a primer's bytes are dropped */
  GThreadPool *pool;            /* WEBP_MODE_CHUNKED */
  GPtrArray *chunks;            /* WebPChunk, in order; the last is open */
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
chunk_free (WebPChunk * c)
{
  imm_anim_frame_free (c->primer);
  g_ptr_array_unref (c->frames);
  g_array_unref (c->ms);
  WebPDataClear (&c->out);
  g_free (c->error);
  g_free (c);
}

static WebPChunk *
chunk_new (void)
{
  WebPChunk *c = g_new0 (WebPChunk, 1);

  c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      imm_anim_frame_free);
  c->ms = g_array_new (FALSE, FALSE, sizeof (gint));
  WebPDataInit (&c->out);
  return c;
}

static void
webp_reset (ImmAnimBackend * be)
{
  WebPBackend *self = (WebPBackend *) be;

  if (self->pool) {
    /* Waits for the chunks under way: they own their frames. */
    g_thread_pool_free (self->pool, FALSE, TRUE);
    self->pool = NULL;
  }
  g_clear_pointer (&self->chunks, g_ptr_array_unref);
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

static void encode_chunk (gpointer data, gpointer user_data);

/* libwebp's quality is the property's: its scale already is the trade of
 * size against fidelity on 0-100. */
static gboolean
webp_begin (ImmAnimBackend * be, const ImmAnimSettings * settings)
{
  WebPBackend *self = (WebPBackend *) be;
  WebPAnimEncoderOptions *opts = &self->opts;

  webp_reset (be);
  self->s = *settings;
  if (!WebPAnimEncoderOptionsInit (opts) || !WebPConfigInit (&self->config)
      || !WebPConfigInit (&self->primer_config)) {
    GST_ELEMENT_ERROR (self->owner, LIBRARY, INIT,
        ("The installed libwebp does not match the one imm-gst was built "
            "with."), ("WebPAnimEncoderOptionsInit/WebPConfigInit failed"));
    return FALSE;
  }
  opts->anim_params.loop_count = self->s.loop;
  opts->anim_params.bgcolor = self->s.background_color;
  opts->minimize_size = self->s.minimize_size;
  opts->allow_mixed = self->s.allow_mixed;
  /* Both unset: WebPAnimEncoder's own default, no forced key frames (as
   * ffmpeg's libwebp_anim): still areas are never encoded again, which on
   * mostly still video saves a third of the bytes against img2webp's 3/5
   * and flickers less. One set: the other from img2webp's defaults. */
  if (self->s.kmin >= 0 || self->s.kmax >= 0) {
    if (self->s.kmin >= 0)
      opts->kmin = self->s.kmin;
    else
      opts->kmin = self->s.lossless ? 9 : 3;
    if (self->s.kmax >= 0)
      opts->kmax = self->s.kmax;
    else
      opts->kmax = self->s.lossless ? 17 : 5;
    if (opts->kmax > 0 && opts->kmin >= opts->kmax)
      opts->kmin = opts->kmax - 1;
  }
  self->config.quality = self->s.quality;
  self->config.method = self->s.method;
  self->config.lossless = self->s.lossless;
  self->config.thread_level = self->s.threads ? 1 : 0;
  self->config.use_sharp_yuv = self->s.sharp_yuv;
  self->primer_config.method = 0;
  self->primer_config.quality = 0;

  if (!WebPValidateConfig (&self->config)) {
    GST_ELEMENT_ERROR (self->owner, LIBRARY, SETTINGS,
        ("The WebP settings are invalid."), ("WebPValidateConfig failed"));
    return FALSE;
  }
  /* Key frames and minimize-size make libwebp compare across frames
   * beyond the one before: those stay on one encoder. */
  if (self->s.threads && self->s.kmin < 0 && self->s.kmax < 0
      && !self->s.minimize_size && g_get_num_processors () > 1) {
    self->mode = WEBP_MODE_CHUNKED;
    self->pool = g_thread_pool_new (encode_chunk, self,
        MIN (g_get_num_processors (), 4), FALSE, NULL);
    self->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify)
        chunk_free);
    g_ptr_array_add (self->chunks, chunk_new ());
    return TRUE;
  }
  self->mode = WEBP_MODE_SERIAL;
  self->enc = WebPAnimEncoderNew (self->s.width, self->s.height, opts);
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

/* Hands @frame to @enc at @ms; returns NULL or what went wrong. */
static const gchar *
add_picture (WebPAnimEncoder * enc, ImmAnimFrame * frame, gint ms,
    const WebPConfig * config, gint width, gint height)
{
  WebPPicture pic;
  GstVideoFrame vframe;
  gboolean ok;

  if (!gst_video_frame_map (&vframe, frame->info, frame->buffer, GST_MAP_READ))
    return "gst_video_frame_map failed";
  if (!WebPPictureInit (&pic)) {
    gst_video_frame_unmap (&vframe);
    return "WebPPictureInit failed";
  }
  pic.width = width;
  pic.height = height;
  ok = picture_view (&pic, &vframe);
  /* The encoder copies the picture into its own canvas. */
  ok = ok && WebPAnimEncoderAdd (enc, &pic, ms, config);
  WebPPictureFree (&pic);
  gst_video_frame_unmap (&vframe);
  return ok ? NULL : WebPAnimEncoderGetError (enc);
}

/* Whether every pixel of @frame is opaque (YUV always is). */
static gboolean
frame_opaque (ImmAnimFrame * frame)
{
  GstVideoFrame vframe;
  gboolean opaque = TRUE;
  gint x, y;

  if (GST_VIDEO_INFO_FORMAT (frame->info) != GST_VIDEO_FORMAT_RGBA)
    return TRUE;
  if (!gst_video_frame_map (&vframe, frame->info, frame->buffer, GST_MAP_READ))
    return FALSE;
  for (y = 0; y < GST_VIDEO_FRAME_HEIGHT (&vframe) && opaque; y++) {
    const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&vframe,
        0) + (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&vframe, 0);
    for (x = 0; x < GST_VIDEO_FRAME_WIDTH (&vframe); x++)
      if (row[4 * x + 3] != 255) {
        opaque = FALSE;
        break;
      }
  }
  gst_video_frame_unmap (&vframe);
  return opaque;
}

/* The thread pool's function: one chunk as its own animation. */
static void
encode_chunk (gpointer data, gpointer user_data)
{
  WebPChunk *c = data;
  WebPBackend *self = user_data;
  WebPAnimEncoder *enc =
      WebPAnimEncoderNew (self->s.width, self->s.height, &self->opts);
  const gchar *err = NULL;
  guint i;

  if (!enc) {
    c->error = g_strdup ("WebPAnimEncoderNew failed");
    goto done;
  }
  /* The primer only sets the encoder's previous canvas: fastest setting. */
  if (c->primer)
    err = add_picture (enc, c->primer, c->primer_ms, &self->primer_config,
        self->s.width, self->s.height);
  for (i = 0; !err && i < c->frames->len; i++)
    err = add_picture (enc, g_ptr_array_index (c->frames, i),
        g_array_index (c->ms, gint, i), &self->config, self->s.width,
        self->s.height);
  if (!err && (!WebPAnimEncoderAdd (enc, NULL, c->end_ms, NULL)
          || !WebPAnimEncoderAssemble (enc, &c->out)))
    err = WebPAnimEncoderGetError (enc);
  if (err)
    c->error = g_strdup (err);
  WebPAnimEncoderDelete (enc);
done:
  /* The frames are done with: give their memory back now. */
  g_ptr_array_set_size (c->frames, 0);
  g_clear_pointer (&c->primer, imm_anim_frame_free);
}

/* WEBP_MODE_CHUNKED: @frame joins the open chunk, or starts the next one
 * once the open chunk is long enough and the cut is safe (see WebPChunk). */
static void
chunk_add (WebPBackend * self, ImmAnimFrame * frame, gint ms)
{
  WebPChunk *c = g_ptr_array_index (self->chunks, self->chunks->len - 1);

  if (c->frames->len >= CHUNK_FRAMES) {
    ImmAnimFrame *prev = g_ptr_array_index (c->frames, c->frames->len - 1);

    if (frame_opaque (prev) && frame_opaque (frame)) {
      WebPChunk *next = chunk_new ();

      next->primer = g_new0 (ImmAnimFrame, 1);
      next->primer->buffer = gst_buffer_ref (prev->buffer);
      next->primer->info = prev->info;
      next->primer->start = prev->start;
      next->primer_ms = g_array_index (c->ms, gint, c->ms->len - 1);
      c->end_ms = ms;
      g_thread_pool_push (self->pool, c, NULL);
      g_ptr_array_add (self->chunks, next);
      c = next;
    }
  }
  g_ptr_array_add (c->frames, frame);
  g_array_append_val (c->ms, ms);
}

static gboolean
webp_add (ImmAnimBackend * be, ImmAnimFrame * frame, guint64 end, gboolean last)
{
  WebPBackend *self = (WebPBackend *) be;
  gint64 ms = (gint64) ((frame->start + GST_MSECOND / 2) / GST_MSECOND);
  const gchar *err;

  /* WebPAnimEncoder needs increasing timestamps; a frame within the same
   * millisecond as the one before never shows. */
  if (ms <= self->last_ms)
    goto done;
  if (ms > G_MAXINT) {
    imm_anim_frame_free (frame);
    return webp_too_long (self);
  }
  if (self->mode == WEBP_MODE_CHUNKED) {
    chunk_add (self, frame, (gint) ms);
    frame = NULL;
  } else {
    err = add_picture (self->enc, frame, (gint) ms, &self->config,
        self->s.width, self->s.height);
    if (err) {
      imm_anim_frame_free (frame);
      GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
          ("Could not encode a WebP frame."), ("%s", err));
      return FALSE;
    }
  }
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

/* Joins the chunks' animations into @data: a chunk's primer is dropped and
 * gives the frame before it (the last kept one) its duration and dispose
 * method, as one encoder would have set them. */
static gboolean
splice_chunks (WebPBackend * self, WebPData * data)
{
  GArray *infos = g_array_new (FALSE, TRUE, sizeof (WebPMuxFrameInfo));
  WebPMux *out = NULL;
  gint prev_start = 0, next_start = 0;
  gboolean ok = FALSE;
  guint i;
  int j;

  for (i = 0; i < self->chunks->len; i++) {
    WebPChunk *c = g_ptr_array_index (self->chunks, i);
    WebPMux *mux = WebPMuxCreate (&c->out, 0);
    int n = 0;

    if (!mux)
      goto done;
    if (WebPMuxNumChunks (mux, WEBP_CHUNK_ANMF, &n) != WEBP_MUX_OK)
      n = 0;
    for (j = 1; j <= MAX (n, 1); j++) {
      WebPMuxFrameInfo fi;

      if (WebPMuxGetFrame (mux, j, &fi) != WEBP_MUX_OK) {
        WebPMuxDelete (mux);
        goto done;
      }
      if (n == 0) {
        /* One frame only, made a still image by libwebp: the whole chunk. */
        fi.duration = c->end_ms - (c->primer_ms ? c->primer_ms :
            g_array_index (c->ms, gint, 0));
        fi.dispose_method = WEBP_MUX_DISPOSE_NONE;
        fi.blend_method = WEBP_MUX_NO_BLEND;
      }
      if (i > 0 && j == 1) {
        WebPMuxFrameInfo *prev =
            &g_array_index (infos, WebPMuxFrameInfo, infos->len - 1);

        prev->duration = c->primer_ms - prev_start + fi.duration;
        prev->dispose_method = fi.dispose_method;
        next_start = prev_start + prev->duration;
        WebPDataClear (&fi.bitstream);
        continue;
      }
      prev_start = infos->len ? next_start : g_array_index (c->ms, gint, 0);
      next_start = prev_start + fi.duration;
      g_array_append_val (infos, fi);
    }
    WebPMuxDelete (mux);
  }

  if (infos->len == 1) {
    /* Nothing after the first chunk's one frame: that chunk is the file. */
    WebPChunk *c = g_ptr_array_index (self->chunks, 0);

    *data = c->out;
    WebPDataInit (&c->out);
    ok = TRUE;
    goto done;
  }
  out = WebPMuxNew ();
  if (!out)
    goto done;
  for (i = 0; i < infos->len; i++)
    if (WebPMuxPushFrame (out, &g_array_index (infos, WebPMuxFrameInfo, i),
            1) != WEBP_MUX_OK)
      goto done;
  ok = WebPMuxSetCanvasSize (out, self->s.width, self->s.height) == WEBP_MUX_OK
      && WebPMuxSetAnimationParams (out,
      &self->opts.anim_params) == WEBP_MUX_OK
      && WebPMuxAssemble (out, data) == WEBP_MUX_OK;

done:
  for (i = 0; i < infos->len; i++)
    WebPDataClear (&g_array_index (infos, WebPMuxFrameInfo, i).bitstream);
  g_array_unref (infos);
  if (out)
    WebPMuxDelete (out);
  return ok;
}

/* WEBP_MODE_CHUNKED: closes the last chunk, waits for all, joins them. */
static gboolean
finish_chunks (WebPBackend * self, WebPData * data)
{
  WebPChunk *c = g_ptr_array_index (self->chunks, self->chunks->len - 1);
  guint i;

  c->end_ms = (gint) self->last_ms;
  g_thread_pool_push (self->pool, c, NULL);
  g_thread_pool_free (self->pool, FALSE, TRUE);
  self->pool = NULL;
  for (i = 0; i < self->chunks->len; i++) {
    c = g_ptr_array_index (self->chunks, i);
    if (c->error) {
      GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
          ("Could not encode a WebP frame."), ("%s", c->error));
      return FALSE;
    }
  }
  if (self->chunks->len == 1) {
    c = g_ptr_array_index (self->chunks, 0);
    *data = c->out;
    WebPDataInit (&c->out);
    return TRUE;
  }
  if (!splice_chunks (self, data)) {
    GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
        ("Could not assemble the WebP animation."),
        ("joining %u chunks failed", self->chunks->len));
    return FALSE;
  }
  return TRUE;
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
  if (self->mode == WEBP_MODE_CHUNKED) {
    if (!finish_chunks (self, &data))
      return NULL;
  } else if (!WebPAnimEncoderAdd (self->enc, NULL, (int) self->last_ms, NULL)
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
