/* imm-gst: immanimenc's WebP back-end (libwebp's WebPAnimEncoder).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "immanimenc-backend.h"

#include <webp/encode.h>
#include <webp/mux.h>
#include <math.h>

GST_DEBUG_CATEGORY_EXTERN (gst_imm_anim_enc_debug);
#define GST_CAT_DEFAULT gst_imm_anim_enc_debug

/* Frames per chunk when encoding in parallel: each chunk costs one extra
 * primer frame at libwebp's fastest setting, so chunks stay long. */
#define CHUNK_FRAMES 8

/* Parallel encoding: WebPAnimEncoder decides every frame from the source
 * pixels of the last frame it kept (its previous canvas is that source,
 * not the decoded picture; a frame too close to it is merged, not kept),
 * so a run of frames can be encoded on its own by an encoder that first
 * sees that kept frame (the primer). Each chunk is one WebPAnimEncoder on
 * a worker thread; which frame the chunk before keeps last is known only
 * once it is encoded, so a chunk primed with another frame is encoded
 * again (rare: only where frames merge across the cut). finish() splices
 * the chunks, primers dropped, into the bytes one encoder writes. A chunk
 * starts only where the frame before and the first frame are opaque: then
 * dispose-to-background never gives a smaller rectangle, so the primer's
 * full-canvas rectangle decides nothing. */
typedef enum
{
  CHUNK_FILLING,                /* the open chunk, taking frames */
  CHUNK_QUEUED,                 /* handed to the pool */
  CHUNK_ENCODED,                /* encoded, its primer not yet checked */
  CHUNK_VERIFIED,               /* primed with the right frame: final */
} WebPChunkState;

typedef struct
{
  WebPChunkState state;         /* under WebPBackend.lock */
  ImmAnimFrame *primer;         /* the frame before, NULL for the first */
  gint primer_ms;
  GPtrArray *frames;            /* ImmAnimFrame, owned until verified */
  GArray *ms;                   /* gint timestamp per frame */
  gint end_ms;                  /* the end of the chunk's last frame */
  WebPData out;                 /* the chunk as its own animation */
  guint n_out;                  /* frames in out, the primer's included */
  ImmAnimFrame *last_kept;      /* the last frame out shows, a ref */
  gint last_kept_ms;
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
  guint n_verified;             /* chunks[0..n_verified) are final */
  guint n_threads;
  /* Chunks pushed and not yet encoded: the streaming thread waits while
   * the pool has n_threads + 1, so frames cannot pile up in memory when
   * decoding is faster than encoding. */
  GMutex lock;
  GCond done_cond;
  guint in_flight;
  gint64 last_ms;               /* timestamp of the last frame added */
  guint n_in;
  /* The frame WebPAnimEncoder will have kept last, as far as we can tell
   * (a frame within max_diff of it on every pixel merges into it): the
   * primer of the next chunk, so that chunks rarely need encoding twice. */
  ImmAnimFrame *kept;
  gint kept_ms;
  WebPPicture kept_argb;        /* kept as libwebp compares it */
  gint max_diff;
} WebPBackend;

static ImmAnimBackend *
webp_create (GstElement * owner)
{
  WebPBackend *self = g_new0 (WebPBackend, 1);

  self->owner = owner;
  self->last_ms = -1;
  g_mutex_init (&self->lock);
  g_cond_init (&self->done_cond);
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
  imm_anim_frame_free (c->last_kept);
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
    /* Drops the chunks not started, waits for those under way. */
    g_thread_pool_free (self->pool, TRUE, TRUE);
    self->pool = NULL;
  }
  g_clear_pointer (&self->chunks, g_ptr_array_unref);
  if (self->enc) {
    WebPAnimEncoderDelete (self->enc);
    self->enc = NULL;
  }
  self->last_ms = -1;
  self->n_in = 0;
  g_clear_pointer (&self->kept, imm_anim_frame_free);
  WebPPictureFree (&self->kept_argb);
  WebPPictureInit (&self->kept_argb);
}

static void
webp_free (ImmAnimBackend * be)
{
  WebPBackend *self = (WebPBackend *) be;

  webp_reset (be);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->done_cond);
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
    self->n_threads = MIN (g_get_num_processors (), 4);
    self->in_flight = 0;
    self->pool = g_thread_pool_new (encode_chunk, self, self->n_threads,
        FALSE, NULL);
    self->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify)
        chunk_free);
    g_ptr_array_add (self->chunks, chunk_new ());
    self->n_verified = 0;
    /* libwebp's tolerance for "unchanged" (QualityToMaxDiff in
     * anim_encode.c); lossless needs equal pixels. */
    self->max_diff = self->s.lossless ? 0 :
        (gint) (31 * (1 - sqrt (self->s.quality / 100.)) +
        sqrt (self->s.quality / 100.) + 0.5);
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

static ImmAnimFrame *
frame_ref (ImmAnimFrame * f)
{
  ImmAnimFrame *r = g_new0 (ImmAnimFrame, 1);

  r->buffer = gst_buffer_ref (f->buffer);
  r->info = f->info;
  r->start = f->start;
  return r;
}

/* Finds the frame @c's animation shows last (its start is the sum of the
 * durations before it) and keeps a ref to it as the next chunk's primer. */
static gboolean
chunk_find_last_kept (WebPChunk * c)
{
  WebPMux *mux = WebPMuxCreate (&c->out, 0);
  gint start = c->primer ? c->primer_ms : g_array_index (c->ms, gint, 0);
  int n = 0, j;
  guint i;

  if (!mux)
    return FALSE;
  if (WebPMuxNumChunks (mux, WEBP_CHUNK_ANMF, &n) != WEBP_MUX_OK)
    n = 0;
  for (j = 1; j < n; j++) {
    WebPMuxFrameInfo fi;

    if (WebPMuxGetFrame (mux, j, &fi) != WEBP_MUX_OK) {
      WebPMuxDelete (mux);
      return FALSE;
    }
    start += fi.duration;
    WebPDataClear (&fi.bitstream);
  }
  WebPMuxDelete (mux);
  c->n_out = MAX (n, 1);
  g_clear_pointer (&c->last_kept, imm_anim_frame_free);
  c->last_kept_ms = start;
  if (c->primer && start == c->primer_ms)
    c->last_kept = frame_ref (c->primer);
  for (i = 0; !c->last_kept && i < c->ms->len; i++)
    if (g_array_index (c->ms, gint, i) == start)
      c->last_kept = frame_ref (g_ptr_array_index (c->frames, i));
  return c->last_kept != NULL;
}

/* Encodes @c as its own animation (again, if it was). */
static void
chunk_encode (WebPBackend * self, WebPChunk * c)
{
  WebPAnimEncoder *enc =
      WebPAnimEncoderNew (self->s.width, self->s.height, &self->opts);
  const gchar *err = NULL;
  guint i;

  WebPDataClear (&c->out);
  if (!enc) {
    c->error = g_strdup ("WebPAnimEncoderNew failed");
    return;
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
  if (!err && !chunk_find_last_kept (c))
    err = "the encoded chunk does not match its frames";
  if (err && !c->error)
    c->error = g_strdup (err);
  WebPAnimEncoderDelete (enc);
}

/* The thread pool's function. */
static void
encode_chunk (gpointer data, gpointer user_data)
{
  WebPChunk *c = data;
  WebPBackend *self = user_data;

  chunk_encode (self, c);
  g_mutex_lock (&self->lock);
  c->state = CHUNK_ENCODED;
  self->in_flight--;
  g_cond_signal (&self->done_cond);
  g_mutex_unlock (&self->lock);
}

static void
push_chunk (WebPBackend * self, WebPChunk * c)
{
  g_mutex_lock (&self->lock);
  while (self->in_flight > self->n_threads)
    g_cond_wait (&self->done_cond, &self->lock);
  self->in_flight++;
  c->state = CHUNK_QUEUED;
  g_mutex_unlock (&self->lock);
  g_thread_pool_push (self->pool, c, NULL);
}

/* Makes the encoded chunks final in order, in the streaming thread: a
 * chunk primed with another frame than the one the chunk before kept last
 * is encoded again; a first chunk that came out as one frame (libwebp
 * then writes a still image) takes in the next chunk's frames. Returns
 * FALSE on an error (posted). */
static gboolean
verify_chunks (WebPBackend * self)
{
  while (self->n_verified < self->chunks->len) {
    guint i = self->n_verified;
    WebPChunk *c = g_ptr_array_index (self->chunks, i);
    WebPChunkState state;

    g_mutex_lock (&self->lock);
    state = c->state;
    g_mutex_unlock (&self->lock);
    if (state != CHUNK_ENCODED)
      return TRUE;
    if (!c->error && i == 0 && c->n_out == 1 && self->chunks->len > 1) {
      WebPChunk *next = g_ptr_array_index (self->chunks, 1);

      g_mutex_lock (&self->lock);
      state = next->state;
      g_mutex_unlock (&self->lock);
      if (state != CHUNK_ENCODED)
        return TRUE;
      while (next->frames->len)
        g_ptr_array_add (c->frames, g_ptr_array_steal_index (next->frames, 0));
      g_array_append_vals (c->ms, next->ms->data, next->ms->len);
      c->end_ms = next->end_ms;
      if (!next->error)
        chunk_encode (self, c);
      else
        c->error = g_steal_pointer (&next->error);
      g_ptr_array_remove_index (self->chunks, 1);
      continue;
    }
    if (!c->error && i > 0) {
      WebPChunk *prev = g_ptr_array_index (self->chunks, i - 1);

      if (c->primer_ms != prev->last_kept_ms) {
        GST_DEBUG_OBJECT (self->owner, "chunk %u primed with %d ms, the "
            "frame kept is %d ms: encoding it again", i, c->primer_ms,
            prev->last_kept_ms);
        imm_anim_frame_free (c->primer);
        c->primer = frame_ref (prev->last_kept);
        c->primer_ms = prev->last_kept_ms;
        chunk_encode (self, c);
      }
      g_clear_pointer (&prev->last_kept, imm_anim_frame_free);
    }
    if (c->error) {
      GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
          ("Could not encode a WebP frame."), ("%s", c->error));
      return FALSE;
    }
    /* Final: only the last kept frame is still needed, by the next. */
    g_ptr_array_set_size (c->frames, 0);
    g_clear_pointer (&c->primer, imm_anim_frame_free);
    c->state = CHUNK_VERIFIED;
    self->n_verified++;
  }
  return TRUE;
}

/* @frame as WebPAnimEncoderAdd() sees it: ARGB from libwebp's own
 * YUV -> ARGB conversion or RGBA import, so that merge guesses compare
 * the very pixels libwebp compares. FALSE when it cannot be made. */
static gboolean
frame_argb (ImmAnimFrame * frame, gint width, gint height, WebPPicture * out)
{
  GstVideoFrame vframe;
  gboolean ok;

  if (!gst_video_frame_map (&vframe, frame->info, frame->buffer, GST_MAP_READ))
    return FALSE;
  if (!WebPPictureInit (out)) {
    gst_video_frame_unmap (&vframe);
    return FALSE;
  }
  out->width = width;
  out->height = height;
  ok = picture_view (out, &vframe);
  if (ok && !out->use_argb)
    ok = WebPPictureYUVAToARGB (out);
  /* The YUV pointers of the view are not used after this. */
  out->y = out->u = out->v = NULL;
  gst_video_frame_unmap (&vframe);
  if (!ok)
    WebPPictureFree (out);
  return ok;
}

/* Whether libwebp would merge @b into @a (the frame it kept last): every
 * pixel within @max_diff on each channel as PixelsAreSimilar() in its
 * anim_encode.c tests it (alpha equal, the difference scaled by alpha). A
 * wrong guess costs time only: verify_chunks() encodes the chunk again. */
static gboolean
argb_similar (const WebPPicture * a, const WebPPicture * b, gint max_diff)
{
  gint x, y, c;

  for (y = 0; y < a->height; y++) {
    const uint32_t *ra = a->argb + (gsize) y * a->argb_stride;
    const uint32_t *rb = b->argb + (gsize) y * b->argb_stride;

    for (x = 0; x < a->width; x++) {
      uint32_t pa = ra[x], pb = rb[x];
      gint alpha = pb >> 24;

      if (pa == pb)
        continue;
      if ((pa >> 24) != (pb >> 24))
        return FALSE;
      for (c = 0; c < 24; c += 8)
        if (ABS ((gint) ((pa >> c) & 0xff) - (gint) ((pb >> c) & 0xff))
            * alpha > max_diff * 255)
          return FALSE;
    }
  }
  return TRUE;
}

/* WEBP_MODE_CHUNKED: @frame joins the open chunk, or starts the next one
 * once the open chunk is long enough and the cut is safe (see WebPChunk). */
static gboolean
chunk_add (WebPBackend * self, ImmAnimFrame * frame, gint ms)
{
  WebPChunk *c = g_ptr_array_index (self->chunks, self->chunks->len - 1);

  WebPPicture argb;
  gboolean have_argb = frame_argb (frame, self->s.width, self->s.height,
      &argb);

  /* A frame libwebp will merge changes nothing: no cut before it. */
  if (self->kept && have_argb && self->kept_argb.argb
      && argb_similar (&self->kept_argb, &argb, self->max_diff)) {
    WebPPictureFree (&argb);
    g_ptr_array_add (c->frames, frame);
    g_array_append_val (c->ms, ms);
    return TRUE;
  }
  if (c->frames->len >= CHUNK_FRAMES && frame_opaque (self->kept)
      && frame_opaque (frame)) {
    WebPChunk *next = chunk_new ();

    next->primer = frame_ref (self->kept);
    next->primer_ms = self->kept_ms;
    c->end_ms = ms;
    push_chunk (self, c);
    g_ptr_array_add (self->chunks, next);
    c = next;
  }
  imm_anim_frame_free (self->kept);
  self->kept = frame_ref (frame);
  self->kept_ms = ms;
  WebPPictureFree (&self->kept_argb);
  if (have_argb)
    self->kept_argb = argb;
  else
    WebPPictureInit (&self->kept_argb);
  g_ptr_array_add (c->frames, frame);
  g_array_append_val (c->ms, ms);
  return verify_chunks (self);
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
    if (!chunk_add (self, frame, (gint) ms))
      return FALSE;
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
  /* libwebp writes an animation of one frame as a still image (no ANMF
   * chunk): that file still shows one frame */
  if (n == 0) {
    WebPMuxFrameInfo still;

    if (WebPMuxGetFrame (mux, 1, &still) == WEBP_MUX_OK) {
      n = 1;
      WebPDataClear (&still.bitstream);
    }
  }
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

  c->end_ms = (gint) self->last_ms;
  push_chunk (self, c);
  g_thread_pool_free (self->pool, FALSE, TRUE);
  self->pool = NULL;
  if (!verify_chunks (self))
    return FALSE;
  g_assert (self->n_verified == self->chunks->len);
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
