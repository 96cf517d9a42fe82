/* imm-gst: immanimenc's GIF back-end (giflib writer, palette, timeline).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "immanimenc-backend.h"

#include <string.h>

#include <gif_lib.h>

#include "imm/imm-anim.h"
#include "imm/imm-dither.h"
#include "imm/imm-lzw.h"
#include "imm/imm-palette.h"

GST_DEBUG_CATEGORY_EXTERN (gst_imm_anim_enc_debug);
#define GST_CAT_DEFAULT gst_imm_anim_enc_debug

/* Bounds of the frames held to build a global GIF palette. */
#define HOLD_BYTES (48 * 1024 * 1024)
#define HOLD_FRAMES_MAX 120
#define BAYER_STRENGTH 6
/* Floyd-Steinberg error spread, 16ths. On the bench's clips 8 / 10 / 12
 * traded de_blur against SSIM and bytes (film: de 0.670 / 0.645 / 0.613,
 * SSIM 0.9786 / 0.9778 / 0.9768, 1.20 / 1.22 / 1.24 MB); 10 is the one
 * that keeps film and camera within the issue 10 goal. */
#define DIFFUSION_STRENGTH 10
#define KMEANS_ITERATIONS 2
/* Lossy LZW on texture (pixels unlike all 4 neighbours), in halves of the
 * threshold elsewhere: 5 (2.5x) took motion from 1.03x to 1.00x gifski's
 * bytes with ui's de_blur unchanged (3x cost ui de_blur, 2x left motion at
 * 1.01x); refined pixels get half the plain threshold, which gives back
 * part of that (motion 1.02x) but keeps still pixels still (see
 * bench/README.md). */
#define LOSSY_TEXTURE 5
/* A frame is tried whole (see gif_encode) only when fewer than 1 in
 * WHOLE_CHANGED pixels changed: on ui (a page scrolling) and motion (a
 * pan) whole frames were smaller but flickered (ui 0.002 -> 0.014, motion
 * 0.63 -> 1.46 against gifski's 0.000 and 0.85). */
#define WHOLE_CHANGED 4
/* SCREEN_EXACT: a frame that writes at most 255 colours (the ui: text on
 * a page) gets a palette of exactly those, looked up exactly (the lookup
 * cache's cell answered 168 for a grey 164 between entries 164 and 168),
 * and a pixel shown exactly loses at most the refine distance to the
 * lossy LZW. Text written 4-7 levels off while a page scrolled was
 * refined when still, about 10 pixels a frame and a flash of about 650
 * when the page stopped: ui flicker 0.0022 -> 0.0012, de_blur 0.024 ->
 * 0.014 (with imm_dither_mark_changes keeping isolated exact pixels, see
 * there, flicker 0.0004). The median cut's palette (entries are the means
 * of 4-level bins) with exact lookups on all palettes of under 255
 * entries moved the gradient along its bytes/flicker curve instead (1.11x
 * gifski's bytes, flicker 0.155). */
/* A per-frame palette's entry within PALETTE_SNAP (imm_rgb_distance, about
 * 2 grey levels) of an entry of the frame shown before takes that entry's
 * colour: a flat area's colour then stays the same entry's exact colour
 * from palette to palette, instead of moving a level or two with each
 * frame's means. testsrc de_blur 0.103 -> 0.090 (gifski 0.093; 25 / 40 /
 * 60 / 100: 0.093 / 0.096 / 0.091 / 0.095, but 30: 0.114), the other
 * clips within the goal (film de_blur 0.632 -> 0.645, SSIM 0.9777 ->
 * 0.9767). Whole frames are not snapped: there it took the gradient from
 * 1.20x to 1.36x gifski's bytes. */
#define PALETTE_SNAP 50

typedef struct
{
  ImmAnimFrame *frame;
  guint64 end;
  gboolean last;
} Held;

/* One encoding of a frame, waiting to be written once its delay is
 * known. */
typedef struct
{
  ImmDitherRect rect;
  GByteArray *data;             /* LZW sub-blocks */
  guint8 *idx;                  /* the rect's indices, as decoded */
  ImmRgb pal[256];
  guint ncolors;
  guint npal;                   /* entries that are colours */
  gint transparent;
  guint keep;                   /* the index of kept pixels (transparent) */
} GifFrame;

typedef struct
{
  GstElement *owner;
  ImmAnimSettings s;

  GifFileType *gif;
  GByteArray *bytes;
  ImmPaletteHistogram *hist;
  ImmPaletteMap *map;
  gboolean have_palette;        /* map holds this file's palette */
  guint8 *indices, *canvas, *shown, *mask;
  guint tolerance;              /* source change a pixel may drift unseen */
  guint strength;               /* error diffusion, 16ths */
  guint lossy;                  /* lossy LZW threshold */
  guint lossy_texture;          /* ... where a pixel differs from all around */
  guint kmeans;
  guint refine;                 /* still pixels shown worse are redone */
  gboolean exact;               /* the palette holds the frame's colours */
  guint frame_lossy;            /* this frame's lossy LZW threshold */
  GQueue held;                  /* Held, waiting for the global palette */
  guint hold;                   /* frames to hold before the palette is fixed */
  guint n_out;
  gboolean global_table;        /* frames use the screen's colour table */

  ImmAnimGifTimeline timeline;
  GifFrame pending, trial;
  guint16 *thresholds;          /* lossy LZW, per pixel of the pending rect */
  guint16 *dist;                /* the lossy thresholds' distance table */
  gsize full_bytes;             /* the last whole frame's data size */
  /* With threads: the change marking, the k-means assignment and the
   * lossy thresholds split by rows (or bins) between the cores, with the
   * same output as one thread (NULL without). */
  ImmParallel *par;
  /* the diffusion's other rows look colours up in these, followers of
   * map (imm_palette_map_follow: its palette, its cache shared, so a
   * cell's nearest entry is searched once, not once per thread);
   * palette_gen counts map's palettes, helpers_gen is the one they hold */
  ImmPaletteMap *helpers[3];
  guint palette_gen, helpers_gen;
} GifBackend;

static ImmAnimBackend *
gif_create (GstElement * owner)
{
  GifBackend *self = g_new0 (GifBackend, 1);

  self->owner = owner;
  g_queue_init (&self->held);
  return (ImmAnimBackend *) self;
}

static GstVideoFormat
gif_work_format (GstVideoFormat input)
{
  return GST_VIDEO_FORMAT_RGBA;
}

static void
held_free (gpointer data)
{
  Held *h = data;

  imm_anim_frame_free (h->frame);
  g_free (h);
}

static void
gif_reset (ImmAnimBackend * be)
{
  GifBackend *self = (GifBackend *) be;

  g_queue_clear_full (&self->held, held_free);
  if (self->gif) {
    int err;

    EGifCloseFile (self->gif, &err);
    self->gif = NULL;
  }
  if (self->bytes) {
    g_byte_array_unref (self->bytes);
    self->bytes = NULL;
  }
  /* hist and map (9 MB together) stay for the next file: allocating them
   * per file would leave the RSS to the allocator's whims */
  self->have_palette = FALSE;
  g_clear_pointer (&self->indices, g_free);
  g_clear_pointer (&self->canvas, g_free);
  g_clear_pointer (&self->shown, g_free);
  g_clear_pointer (&self->mask, g_free);
  g_clear_pointer (&self->pending.data, g_byte_array_unref);
  g_clear_pointer (&self->pending.idx, g_free);
  g_clear_pointer (&self->trial.data, g_byte_array_unref);
  g_clear_pointer (&self->trial.idx, g_free);
  self->full_bytes = 0;
  g_clear_pointer (&self->thresholds, g_free);
  g_clear_pointer (&self->dist, g_free);
  g_clear_pointer (&self->par, imm_parallel_free);
  imm_anim_gif_timeline_init (&self->timeline);
  self->n_out = 0;
  self->global_table = FALSE;
}

static void
gif_free (ImmAnimBackend * be)
{
  GifBackend *self = (GifBackend *) be;

  gif_reset (be);
  g_clear_pointer (&self->hist, imm_palette_histogram_free);
  g_clear_pointer (&self->map, imm_palette_map_free);
  for (guint i = 0; i < G_N_ELEMENTS (self->helpers); i++)
    g_clear_pointer (&self->helpers[i], imm_palette_map_free);
  g_free (be);
}

static int
gif_write (GifFileType * gif, const GifByteType * data, int len)
{
  GByteArray *bytes = gif->UserData;

  g_byte_array_append (bytes, data, len);
  return len;
}

static gboolean
gif_begin (ImmAnimBackend * be, const ImmAnimSettings * settings)
{
  GifBackend *self = (GifBackend *) be;
  gsize pixels = (gsize) settings->width * settings->height;
  int err = 0;

  gif_reset (be);
  self->s = *settings;
  self->indices = g_malloc (pixels);
  self->canvas = g_malloc0 (pixels * 3);
  self->shown = g_malloc0 (pixels * 3);
  self->mask = g_malloc (pixels);
  self->pending.data = g_byte_array_new ();
  self->pending.idx = g_malloc (pixels);
  self->trial.data = g_byte_array_new ();
  self->trial.idx = g_malloc (pixels);
  self->thresholds = g_new (guint16, pixels);
  self->dist = g_new (guint16, 256 * 256);
  /* Two threads on the 2-core bench machine; more gain little on a frame
   * of 320x240 (the parts left on one thread are 3/4 of the time). */
  if (self->s.threads && g_get_num_processors () > 1)
    self->par = imm_parallel_new (MIN (g_get_num_processors (),
            G_N_ELEMENTS (self->helpers) + 1));
  if (!self->hist)
    self->hist = imm_palette_histogram_new ();
  {
    /* One quality scale for every trade, all exact at 100; d is 1 at the
     * default 75, where bench/animenc.sh measured the issue 10 balance
     * against gifski -Q 90: a pixel is written again once its source moved
     * by about 3 levels a channel (noise and slow drift stay unseen), a
     * still pixel is refined when a later palette shows it clearly better,
     * lossy LZW may swap colours about 4 levels apart. */
    gdouble d = (100.0 - self->s.quality) / 25.0;

    self->tolerance = (guint) (120.0 * d * d * d);
    self->refine = (guint) (150.0 * d * d);
    self->lossy = (guint) (200.0 * d * d);
    self->lossy_texture = self->lossy * LOSSY_TEXTURE / 2;
    self->strength = DIFFUSION_STRENGTH;
    self->kmeans = KMEANS_ITERATIONS;
  }
  if (self->s.palette == GST_IMM_ANIM_PALETTE_GLOBAL)
    self->hold = CLAMP (HOLD_BYTES / MAX (pixels * 4, 1), 1, HOLD_FRAMES_MAX);
  else
    self->hold = 1;

  self->bytes = g_byte_array_new ();
  self->gif = EGifOpen (self->bytes, gif_write, &err);
  if (!self->gif)
    goto fail;
  EGifSetGifVersion (self->gif, TRUE);
  /* The screen descriptor waits for the first frame: with a global
   * palette it carries the colour table, written once for all frames. */
  return TRUE;

fail:
  GST_ELEMENT_ERROR (self->owner, LIBRARY, INIT,
      ("Could not start the GIF file."), ("giflib error %d: %s",
          self->gif ? self->gif->Error : err,
          GifErrorString (self->gif ? self->gif->Error : err)));
  return FALSE;
}

/* The logical screen (with the colour table @global, or none) and the
 * loop count, before the first frame. */
static gboolean
gif_put_header (GifBackend * self, const ColorMapObject * global)
{
  if (EGifPutScreenDesc (self->gif, self->s.width, self->s.height, 8, 0,
          global) != GIF_OK)
      return FALSE;
  if (self->s.loop != 1) {
    guint repeats = self->s.loop == 0 ? 0 : MIN (self->s.loop - 1, 65535);
    GifByteType ext[3] = { 1, repeats & 0xff, (repeats >> 8) & 0xff };

    if (EGifPutExtensionLeader (self->gif, APPLICATION_EXT_FUNC_CODE) !=
        GIF_OK
        || EGifPutExtensionBlock (self->gif, 11, "NETSCAPE2.0") != GIF_OK
        || EGifPutExtensionBlock (self->gif, 3, ext) != GIF_OK
        || EGifPutExtensionTrailer (self->gif) != GIF_OK)
      return FALSE;
  }
  return TRUE;
}

/* Writes the pending frame, which shows for @delay_cs. */
static gboolean
gif_write_pending (GifBackend * self, guint delay_cs)
{
  GraphicsControlBlock gcb;
  GifByteType ext[4];
  ColorMapObject *cmap;
  GifColorType colors[256];
  guint n = 2, i;
  size_t len;
  GifFrame *f = &self->pending;
  ImmDitherRect *r = &f->rect;

  while (n < f->ncolors)
    n *= 2;
  memset (colors, 0, sizeof (colors));
  for (i = 0; i < f->ncolors; i++) {
    colors[i].Red = f->pal[i].r;
    colors[i].Green = f->pal[i].g;
    colors[i].Blue = f->pal[i].b;
  }
  cmap = GifMakeMapObject (n, colors);
  if (!cmap)
    goto fail;
  if (self->n_out == 0) {
    gboolean shared = self->s.palette == GST_IMM_ANIM_PALETTE_GLOBAL;

    if (!gif_put_header (self, shared ? cmap : NULL))
      goto fail_map;
    if (shared)
      self->global_table = TRUE;
  }

  gcb.DisposalMode = DISPOSE_DO_NOT;
  gcb.UserInputFlag = false;
  gcb.DelayTime = (int) delay_cs;
  gcb.TransparentColor = f->transparent;
  len = EGifGCBToExtension (&gcb, ext);
  if (EGifPutExtension (self->gif, GRAPHICS_EXT_FUNC_CODE, (int) len,
          ext) != GIF_OK)
    goto fail_map;
  if (EGifPutImageDesc (self->gif, r->x, r->y, r->width, r->height, false,
          self->global_table ? NULL : cmap) != GIF_OK)
    goto fail_map;
  GifFreeMapObject (cmap);
  /* giflib wrote the minimum code size with the descriptor; the image
   * data is ours (lossy LZW), written as it comes. */
  for (i = 0; i < f->data->len; i += f->data->data[i] + 1) {
    if (EGifPutCodeNext (self->gif, f->data->data + i) != GIF_OK)
      goto fail;
  }
  if (EGifPutCodeNext (self->gif, NULL) != GIF_OK)
    goto fail;
  self->n_out++;
  return TRUE;

fail_map:
  GifFreeMapObject (cmap);
fail:
  GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
      ("Could not write a GIF frame."), ("giflib error %d: %s",
          self->gif->Error, GifErrorString (self->gif->Error)));
  return FALSE;
}

/* Builds the palette of the pixels @mask writes in @rgba (all pixels of
 * the histogram with @rgba NULL); with @snap (not on a file's first
 * frame: pending may hold the last file's) its entries near an entry of
 * the frame shown (self->pending) become that entry (see PALETTE_SNAP). */
static void
gif_build_palette (GifBackend * self, const guint8 * rgba, gboolean snap)
{
  ImmRgb pal[256];
  guint n, max;

  /* One entry stays free for the transparent index. A frame that writes
   * at most that many colours (screen content, or a few changed pixels)
   * gets them exactly, and they map exactly (see SCREEN_EXACT). */
  max = MIN (self->s.colors, 255);
  n = rgba ? imm_palette_distinct_masked (rgba, self->s.width,
      self->s.height, (gsize) self->s.width * 4, self->mask, max, pal) : 0;
  self->exact = n > 0 && n <= max;
  /* the histogram only for a palette to build (on the ui clip 5 % of the
   * instructions went to histograms no palette used) */
  if (rgba && !self->exact) {
    imm_palette_histogram_clear (self->hist);
    imm_palette_histogram_add_rgba_masked (self->hist, rgba, self->s.width,
        self->s.height, (gsize) self->s.width * 4, self->mask);
  }
  if (!self->exact)
    n = imm_palette_build_parallel (self->hist, max, self->kmeans, pal,
        self->par);
  if (snap && !self->exact)
    imm_palette_snap (pal, n, self->pending.pal, self->pending.npal,
        PALETTE_SNAP);
  self->have_palette = TRUE;
  if (self->map)
    imm_palette_map_set_colors (self->map, pal, MAX (n, 1));
  else
    self->map = imm_palette_map_new (pal, MAX (n, 1));
  imm_palette_map_set_exact (self->map, self->exact);
  self->palette_gen++;
}

static const guint8 *
frame_rgba (ImmAnimFrame * frame, GstMapInfo * map)
{
  if (!gst_buffer_map (frame->buffer, map, GST_MAP_READ))
    return NULL;
  return map->data;
}

/* Before gif_make_frame's diffusion: the lossy thresholds' distance
 * table (by rows, on every part), and the palette in the diffusion's
 * helper maps. */
typedef struct
{
  GifBackend *self;
  const ImmRgb *pal;
  guint npal, lossy;
} PrepJob;

static void
prep_part (guint part, guint n_parts, gpointer data)
{
  PrepJob *j = data;
  GifBackend *self = j->self;
  ImmPaletteMap **h;
  guint y0, y1;

  /* the table by rows on every part, the entries' rows split evenly, the
   * last part filling the rest (ui: 10 of its 100 ms on part 0 alone) */
  imm_parallel_slice (part, n_parts, j->npal, &y0, &y1);
  if (part + 1 == n_parts)
    y1 = 256;
  imm_lzw_distance_rows (j->pal, j->npal, j->lossy,
      MAX (self->lossy_texture, j->lossy), self->dist, y0, y1);
  if (part == 0 || self->helpers_gen == self->palette_gen)
    return;
  h = &self->helpers[part - 1];
  if (*h)
    imm_palette_map_follow (*h, self->map);
  else
    *h = imm_palette_map_new_following (self->map);
}

/* The pending rect's lossy thresholds, lowered where pixels must not move
 * far, by rows */
typedef struct
{
  GifBackend *self;
  const guint8 *rgba;
  GifFrame *f;
  guint keep, lossy;
} ThresholdJob;

static void
threshold_part (guint part, guint n_parts, gpointer data)
{
  ThresholdJob *j = data;
  GifBackend *self = j->self;
  GifFrame *f = j->f;
  gsize stride = (gsize) self->s.width * 4;
  guint x, y, y0, y1, keep = j->keep, lossy = j->lossy;

  /* A refined pixel gets half the plain threshold: the loss, and the
   * error the lossy LZW carries along a string from the texture before
   * it, could leave it as far off as before, to be refined again frame
   * after frame (a still pixel of gifquality's noisy scene changed in 7
   * of 11 frames with the plain threshold, 4 with half). Still pixels of
   * a whole frame likewise: with the plain threshold the loss moved
   * them (gradient flicker 0.20 against 0.147 with half). A pixel
   * shown exactly (see SCREEN_EXACT) loses at most the refine distance,
   * on the first frame too. */
  imm_parallel_slice (part, n_parts, f->rect.height, &y0, &y1);
  for (y = y0; y < y1; y++) {
    const guint8 *m = self->mask + (gsize) (f->rect.y + y) * self->s.width +
        f->rect.x;
    guint16 *t = self->thresholds + (gsize) y * f->rect.width;
    const guint8 *p = j->rgba + (gsize) (f->rect.y + y) * stride +
        4 * f->rect.x;
    const guint8 *ix = f->idx + (gsize) y * f->rect.width;

    for (x = 0; x < f->rect.width; x++, p += 4) {
      if (m[x] == IMM_DITHER_REFINE || m[x] == IMM_DITHER_RESHOW)
        t[x] = MIN (t[x], lossy / 2);
      else if (self->exact && ix[x] != keep && f->pal[ix[x]].r == p[0]
          && f->pal[ix[x]].g == p[1] && f->pal[ix[x]].b == p[2])
        t[x] = MIN (t[x], self->refine);
    }
  }
}

/* Encodes @rgba into @f: a palette (per frame: from the pixels @mask
 * writes), the dithered indices of the changed box and their (lossy) LZW
 * data; on the first frame (@first) every pixel, without a transparent
 * entry. With @whole every pixel is written, with a palette of the whole
 * picture: the changed ones dithered afresh, the others
 * (IMM_DITHER_RESHOW) as close to what the screen shows as fits. */
static void
gif_make_frame (GifBackend * self, const guint8 * rgba, gboolean first,
    gboolean whole, GifFrame * f)
{
  gsize stride = (gsize) self->s.width * 4;
  const ImmRgb *pal;
  guint npal, keep;
  guint lossy = self->frame_lossy;

  if (whole) {
    gsize i;

    for (i = 0; i < (gsize) self->s.width * self->s.height; i++)
      self->mask[i] = self->mask[i] == IMM_DITHER_WRITE ? IMM_DITHER_WRITE :
          IMM_DITHER_RESHOW;
    gif_build_palette (self, rgba, FALSE);
  } else if (self->s.palette == GST_IMM_ANIM_PALETTE_PER_FRAME
      || !self->have_palette)
    gif_build_palette (self, self->s.palette == GST_IMM_ANIM_PALETTE_PER_FRAME
        ? rgba : NULL, !first
        && self->s.palette == GST_IMM_ANIM_PALETTE_PER_FRAME);
  pal = imm_palette_map_colors (self->map, &npal);
  keep = first ? 256 : npal;

  {
    PrepJob j = { self, pal, npal, lossy };

    imm_parallel_run (self->par, prep_part, &j);
    self->helpers_gen = self->palette_gen;
  }
  if (self->s.dither == IMM_DITHER_FLOYD_STEINBERG)
    imm_dither_diffuse_temporal_parallel (self->map, self->helpers,
        self->strength, self->refine, rgba, stride, self->s.width,
        self->s.height, first ? NULL : self->mask, self->canvas, keep,
        self->indices, self->par);
  else {
    gsize i;

    imm_dither_rgba (self->map, self->s.dither, BAYER_STRENGTH, rgba,
        self->s.width, self->s.height, stride, self->indices);
    if (!first && !whole)
      for (i = 0; i < (gsize) self->s.width * self->s.height; i++)
        if (self->mask[i] != IMM_DITHER_WRITE)
          self->indices[i] = keep;
  }
  imm_dither_crop_parallel (self->indices, self->s.width, self->s.height,
      keep, f->idx, &f->rect, self->par);

  f->keep = keep;
  f->npal = npal;
  memcpy (f->pal, pal, npal * sizeof (ImmRgb));
  f->pal[npal].r = f->pal[npal].g = f->pal[npal].b = 0;
  /* A global table holds the transparent entry from the start, so every
   * frame's image data has the same code size. */
  f->ncolors = npal + (first
      && self->s.palette != GST_IMM_ANIM_PALETTE_GLOBAL ? 0 : 1);
  f->transparent = first ? NO_TRANSPARENT_COLOR : (gint) npal;
  g_byte_array_set_size (f->data, 0);
  imm_lzw_local_thresholds_parallel (f->idx, f->rect.width, f->rect.height,
      f->pal, npal, keep, lossy, MAX (self->lossy_texture, lossy),
      self->dist, self->thresholds, self->par);
  {
    ThresholdJob j = { self, rgba, f, keep, lossy };

    imm_parallel_run (self->par, threshold_part, &j);
  }
  imm_lzw_encode_masked (f->idx, (gsize) f->rect.width * f->rect.height,
      imm_lzw_min_code_size (MAX (f->ncolors, 1)), f->pal, keep, lossy,
      self->thresholds, f->data);
}

/* Encodes @frame, which ends @end ns after the start of the file. */
static gboolean
gif_encode (GifBackend * self, ImmAnimFrame * frame, guint64 end, gboolean last)
{
  guint changed, delay;
  const guint8 *rgba;
  gsize stride;
  GstMapInfo map;
  ImmAnimGifSlot slot;
  gboolean first, ok = TRUE;

  slot = imm_anim_gif_timeline_slot (&self->timeline, end, last);
  if (slot != IMM_ANIM_GIF_SLOT_SHOW)
    return TRUE;

  if (!(rgba = frame_rgba (frame, &map))) {
    GST_ELEMENT_ERROR (self->owner, STREAM, ENCODE, ("Could not read a frame."),
        ("gst_buffer_map failed"));
    return FALSE;
  }
  first = self->n_out == 0 && !self->timeline.have_pending;
  stride = (gsize) self->s.width * 4;
  changed = imm_dither_mark_changes_parallel (rgba, stride, self->s.width,
      self->s.height, first ? NULL : self->shown, self->tolerance,
      self->canvas, self->refine, self->mask, self->par);
  if (changed == 0) {
    gst_buffer_unmap (frame->buffer, &map);
    /* Nothing new on screen: the frame shown stays longer. */
    imm_anim_gif_timeline_show (&self->timeline, FALSE, &delay);
    return TRUE;
  }
  if (!imm_anim_gif_timeline_show (&self->timeline, TRUE, &delay)) {
    gst_buffer_unmap (frame->buffer, &map);
    return TRUE;
  }
  if (delay > 0)
    ok = gif_write_pending (self, delay);

  self->frame_lossy = first ? self->lossy : imm_lzw_frame_threshold
      (self->lossy, changed, (guint64) self->s.width * self->s.height);
  gif_make_frame (self, rgba, first, FALSE, &self->pending);
  if (first)
    self->full_bytes = self->pending.data->len;
  else if (self->s.palette == GST_IMM_ANIM_PALETTE_PER_FRAME
      && self->pending.data->len > self->full_bytes
      && (guint64) changed * WHOLE_CHANGED < (guint64) self->s.width *
      self->s.height) {
    /* Scattered changes (a slow drift under dither: about 6000 pixels a
     * frame on the gradient, at about 16 bits each) can cost more than
     * the whole frame, whose long strings the LZW packs at about 1 bit a
     * pixel (12 KB against 10 KB a frame there), and a whole frame resets
     * every pixel's drift, so the next frames are small too. When this
     * frame's data outgrows the last whole one's, the whole frame is
     * tried too and the smaller kept; only when few pixels changed, as
     * its still pixels may move (flicker). */
    GifFrame tmp;

    gif_make_frame (self, rgba, FALSE, TRUE, &self->trial);
    self->full_bytes = self->trial.data->len;
    if (self->trial.data->len < self->pending.data->len) {
      tmp = self->pending;
      self->pending = self->trial;
      self->trial = tmp;
    }
  }
  imm_dither_commit_parallel (self->pending.idx, &self->pending.rect,
      self->pending.pal, self->pending.keep, rgba, stride, self->s.width,
      self->canvas, self->shown, self->par);
  gst_buffer_unmap (frame->buffer, &map);
  return ok;
}

static void
gif_fix_palette (GifBackend * self)
{
  GList *l;
  guint step;
  guint64 px = (guint64) self->s.width * self->s.height * self->held.length;

  if (self->have_palette || self->s.palette != GST_IMM_ANIM_PALETTE_GLOBAL)
    return;
  /* A few million samples are plenty for 256 colours. */
  step = 1;
  while (px / ((guint64) step * step) > 4000000)
    step++;
  imm_palette_histogram_clear (self->hist);
  for (l = self->held.head; l; l = l->next) {
    Held *h = l->data;
    GstMapInfo map;

    if (!frame_rgba (h->frame, &map))
      continue;
    imm_palette_histogram_add_rgba (self->hist, map.data, self->s.width,
        self->s.height, (gsize) self->s.width * 4, step);
    gst_buffer_unmap (h->frame->buffer, &map);
  }
  gif_build_palette (self, NULL, FALSE);
}

/* Encodes the held frames once the palette window is full (all when
 * @all). */
static gboolean
gif_drain (GifBackend * self, gboolean all)
{
  if (!all && self->held.length < self->hold)
    return TRUE;
  gif_fix_palette (self);
  while (self->held.length > 0) {
    Held *h = g_queue_pop_head (&self->held);
    gboolean ok = gif_encode (self, h->frame, h->end, h->last);

    held_free (h);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static gboolean
gif_add (ImmAnimBackend * be, ImmAnimFrame * frame, guint64 end, gboolean last)
{
  GifBackend *self = (GifBackend *) be;
  Held *h = g_new (Held, 1);

  h->frame = frame;
  h->end = end;
  h->last = last;
  g_queue_push_tail (&self->held, h);
  return gif_drain (self, last);
}

static GBytes *
gif_finish (ImmAnimBackend * be, ImmAnimFileInfo * info)
{
  GifBackend *self = (GifBackend *) be;
  guint delay;
  int err;

  if (!gif_drain (self, TRUE))
    return NULL;
  delay = imm_anim_gif_timeline_finish (&self->timeline);
  if (delay > 0 && !gif_write_pending (self, delay))
    return NULL;
  if (self->n_out == 0 && !gif_put_header (self, NULL)) {
    GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
        ("Could not write the GIF header."), ("giflib error %d: %s",
            self->gif->Error, GifErrorString (self->gif->Error)));
    return NULL;
  }
  info->frames = self->n_out;
  info->duration = self->timeline.committed_cs * 10 * GST_MSECOND;
  if (EGifCloseFile (self->gif, &err) != GIF_OK) {
    self->gif = NULL;
    GST_ELEMENT_ERROR (self->owner, LIBRARY, ENCODE,
        ("Could not finish the GIF file."), ("giflib error %d: %s", err,
            GifErrorString (err)));
    return NULL;
  }
  self->gif = NULL;
  {
    GBytes *bytes = g_byte_array_free_to_bytes (self->bytes);

    self->bytes = NULL;
    return bytes;
  }
}

const ImmAnimBackendClass imm_anim_backend_gif = {
  "GIF", "image/gif",
  gif_create, gif_work_format, gif_begin, gif_add, gif_finish, gif_reset,
  gif_free,
};
