/* imm-gst: validated request -> gst-launch pipeline descriptions.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plan is a list of ordinary gst-launch-1.0 command lines; imm-convert
 * runs exactly these (through gst_parse_launchv()), so whatever it prints
 * with --print-pipeline can be pasted into a shell and gives the same files.
 *
 * Sparse outputs (interval snapshots) and keyframe snapshots (which seek in
 * trick mode) each get a pipeline of their own. Outputs that look at every
 * frame up to the end of the source (dhash snapshots, animations) share one
 * decode: a tee with a queue per output. Dense outputs that stop early (a
 * Number, a source Duration, average mode) run alone, because one branch
 * ending would end them all (see can_share()).
 */
#include "imm-plan.h"

#include <math.h>
#include <string.h>

#include <gst/gst.h>

/* uridecodebin stops at raw video and exposes nothing else, so audio and
 * subtitle streams can never stall the pipeline on an unlinked pad. (In
 * GStreamer 1.22 plain "video/x-raw" together with expose-all-streams=false
 * makes decodebin give up on the video stream too; "(ANY)" does not.) */
#define SOURCE_CAPS "caps=video/x-raw(ANY)"

/* A UDP source's kernel receive buffer, bytes: 4 s of an 8 Mbit/s feed. */
#define UDP_RECEIVE_BUFFER (4 * 1024 * 1024)

static gchar *
fmt_double (gdouble v)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* Shortest form that reads back the same: 0.5 rather than 0.5000000001. */
  g_ascii_formatd (buf, sizeof (buf), "%.15g", v);
  if (g_ascii_strtod (buf, NULL) != v)
    g_ascii_formatd (buf, sizeof (buf), "%.17g", v);
  return g_strdup (buf);
}

static void
add (GPtrArray * argv, const gchar * token)
{
  g_ptr_array_add (argv, g_strdup (token));
}

static void
G_GNUC_PRINTF (2, 3)
addf (GPtrArray * argv, const gchar * fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  g_ptr_array_add (argv, g_strdup_vprintf (fmt, args));
  va_end (args);
}

static void
add_double (GPtrArray * argv, const gchar * prop, gdouble v)
{
  gchar *s = fmt_double (v);

  addf (argv, "%s=%s", prop, s);
  g_free (s);
}

/**
 * imm_plan_snapshot_name:
 * @output_index: index of the request output
 *
 * Returns: (transfer full): the name of the output's immsnapshot element;
 * the launcher counts its element messages.
 */
gchar *
imm_plan_snapshot_name (guint output_index)
{
  return g_strdup_printf ("imm%u", output_index);
}

/**
 * imm_plan_side:
 * @requested: the request's Width or Height, 0 when absent
 * @other: the other side, 0 when absent
 *
 * Maps a request side onto immscale's width/height property. The API reads
 * an absent side as the source's size (not "keep the aspect ratio", which
 * is what immscale does with 0), so an absent side becomes 1.0 (the whole
 * source) when the other side is set. A request's exact 1 is one pixel, but
 * immscale reads 1.0 as the fraction "whole source": 1.0001 rounds to the
 * same single pixel and stays above 1.
 *
 * Returns: the property value, 0 for "leave unset".
 */
gdouble
imm_plan_side (gdouble requested, gdouble other)
{
  if (requested == 0)
    return other > 0 ? 1.0 : 0.0;
  if (requested == 1.0)
    return 1.0001;
  return requested;
}

/**
 * imm_plan_frame_rate:
 * @out: an animation output
 * @num: (out): numerator
 * @den: (out): denominator
 *
 * The animation's playback rate: FrameRate, else 0/1: immanimenc follows
 * the frame timestamps. Without FrameRate the API plays the samples in
 * real time (1/Interval), which is what their timestamps say, also when
 * Interval is shorter than a source frame (then every source frame is
 * taken once, and 1/Interval would play them too fast).
 */
void
imm_plan_frame_rate (const ImmOutput * out, gint * num, gint * den)
{
  if (out->frame_rate > 0)
    gst_util_double_to_fraction (out->frame_rate, num, den);
  else {
    *num = 0;
    *den = 1;
  }
}

/* Start and duration on the source timeline: the source's own range
 * first, the output's StartTime inside it. */
static gboolean
output_range (const ImmRequest * req, const ImmOutput * out,
    gdouble * start, gdouble * duration, GError ** error)
{
  const ImmSource *src = g_ptr_array_index (req->sources, 0);
  gdouble src_start = 0, src_duration = 0;

  /* Several sources are trimmed one by one before they are joined, so
   * the output's times are on the joined timeline. */
  if (req->sources->len == 1 && !src->live) {
    src_start = src->start_time;
    src_duration = src->duration;
  }
  *start = src_start + out->start_time;
  *duration = 0;
  if (src_duration > 0) {
    *duration = src_duration - out->start_time;
    if (!(*duration > 0)) {
      g_set_error (error, IMM_REQUEST_ERROR,
          IMM_REQUEST_ERROR_INVALID_ARGUMENT,
          "%s.StartTime: %g s is past the end of the source range "
          "(Sources[0].Duration %g s)", out->path, out->start_time,
          src_duration);
      return FALSE;
    }
  }
  return TRUE;
}

/* Whether immsnapshot may seek for this output. Its seeks flush everything
 * upstream of it: in a shared decode they would disturb the other
 * branches, and after joined sources they would leave the source playing.
 * Downstream is safe, animations included: immsnapshot keeps its own
 * seeks' flushes from reaching the encoder collecting the frames. And
 * never with IMM_PLAN_NO_SEEK (a server that refused a Range request). */
static gboolean
may_seek (const ImmRequest * req, ImmPlanFlags flags, gboolean shared)
{
  const ImmSource *src = g_ptr_array_index (req->sources, 0);

  return !shared && req->sources->len == 1 && !src->live
      && !(flags & IMM_PLAN_NO_SEEK);
}

/* @w and @h as imm_plan_side() gives them */
static void
add_immscale (GPtrArray * argv, gdouble w, gdouble h, ImmResizeMode mode)
{
  add (argv, "videoconvert");
  add (argv, "!");
  add (argv, "immscale");
  add_double (argv, "width", w);
  add_double (argv, "height", h);
  addf (argv, "scale-type=%s", imm_resize_mode_to_string (mode));
  add (argv, "!");
}

/* A snapshot without a size still gets immscale: at 1 x 1 (the whole
 * picture, as fractions) it gives the display size in square pixels, like
 * ffmpeg's scale=iw*sar:ih, and passes square-pixel video through. */
static void
add_scale (GPtrArray * argv, const ImmOutput * out)
{
  gdouble w = imm_plan_side (out->width, out->height);
  gdouble h = imm_plan_side (out->height, out->width);

  if (w != 0 || h != 0)
    add_immscale (argv, w, h, out->scale_type);
  else
    add_immscale (argv, 1.0, 1.0, IMM_RESIZE_STRETCH);
}

/**
 * imm_plan_orientation_transposes:
 * @orientation: (nullable): an image-orientation tag value
 *   (`rotate-90`, `flip-rotate-270`, ...)
 *
 * Returns: whether showing the picture upright swaps its width and height.
 */
gboolean
imm_plan_orientation_transposes (const gchar * orientation)
{
  return g_strcmp0 (orientation, "rotate-90") == 0
      || g_strcmp0 (orientation, "rotate-270") == 0
      || g_strcmp0 (orientation, "flip-rotate-90") == 0
      || g_strcmp0 (orientation, "flip-rotate-270") == 0;
}

/**
 * imm_plan_animation_size:
 * @out: an animation output
 * @in: the plan input, with the first source's picture size
 * @width: (out): the animation's width in pixels
 * @height: (out): its height
 * @mode: (out): the resize mode that keeps it
 *
 * immanimenc writes one canvas size and refuses a picture size change in
 * the middle of an animation, but a stream may change resolution and
 * joined sources may differ. So an animation keeps the size the request
 * gives on the first source's picture, in pixels: absent sides and
 * fractions are worked out on it (both sides absent: its display size).
 * The sizes are those of the upright picture (@in's first_transposed).
 * A later picture of another size is scaled to that size; `fit` (whose
 * size depends on the picture's shape) and an absent size become `fill`
 * there, keeping the picture's aspect ratio with borders. The first
 * picture comes out as it would without a fixed size (with square pixels;
 * an anamorphic one without a requested size gets its display size).
 *
 * Returns: %FALSE when the first picture's size is not known.
 */
gboolean
imm_plan_animation_size (const ImmOutput * out, const ImmPlanInput * in,
    gint * width, gint * height, ImmResizeMode * mode)
{
  ImmGeometry g;
  gint fw = in->first_width, fh = in->first_height;
  gint par_n = in->first_par_n, par_d = in->first_par_d;

  if (fw <= 0 || fh <= 0)
    return FALSE;
  /* videoflip turns the picture upright before it is scaled: a pixel
   * that was wide is now tall. */
  if (in->first_transposed) {
    fw = in->first_height;
    fh = in->first_width;
    par_n = in->first_par_d;
    par_d = in->first_par_n;
  }
  if (out->width == 0 && out->height == 0) {
    imm_geometry_display_size (fw, fh, par_n, par_d, width, height);
    *mode = IMM_RESIZE_FILL;
    return TRUE;
  }
  if (!imm_geometry_compute (fw, fh, par_n, par_d, imm_plan_side (out->width,
              out->height), imm_plan_side (out->height, out->width),
          out->scale_type, &g))
    return FALSE;
  *width = g.out_width;
  *height = g.out_height;
  *mode = out->scale_type == IMM_RESIZE_FIT ? IMM_RESIZE_FILL : out->scale_type;
  return TRUE;
}

/* An animation's scaling to the size it keeps (see
 * imm_plan_animation_size()); without a known first picture, as for a
 * snapshot. */
static void
add_animation_scale (GPtrArray * argv, const ImmOutput * out,
    const ImmPlanInput * in)
{
  ImmResizeMode mode;
  gint w, h;

  if (!imm_plan_animation_size (out, in, &w, &h, &mode)) {
    add_scale (argv, out);
    return;
  }
  /* pixels: a width of exactly 1 must not read as the fraction 1.0 */
  add_immscale (argv, imm_plan_side (w, h), imm_plan_side (h, w), mode);
}

/* RGB through a 16-bit step: videoconvert's direct 8-bit YUV to RGB
 * path of GStreamer 1.22 is about 2 levels dark (limited luma 32 gives 16,
 * not 18.6; 235 gives 253), through AYUV64 it is within a level. Chroma
 * is repeated, not interpolated, on the way up, as ffmpeg's own YUV to RGB
 * does (interpolated: 1.5 dB further from its pictures). */
static void
add_rgb (GPtrArray * argv)
{
  add (argv, "videoconvert");
  add (argv, "chroma-mode=none");
  add (argv, "!");
  add (argv, "video/x-raw,format=AYUV64");
  add (argv, "!");
  add (argv, "videoconvert");
  add (argv, "!");
  add (argv, "video/x-raw,format=RGB");
}

/* GIF frames go to the palette as RGB through add_rgb(): the direct 8-bit
 * path is about a level dark. WebP animations stay YUV (immanimenc hands
 * 4:2:0 to libwebp as it is). */
static void
add_anim_input (GPtrArray * argv, ImmOutputFormat format)
{
  if (format != IMM_OUTPUT_GIF)
    return;
  add_rgb (argv);
  add (argv, "!");
}

/* An animation's input conversion and its immanimenc, up to the sink. */
static void
add_anim_encoder (GPtrArray * argv, const ImmOutput * out)
{
  gint num, den;

  imm_plan_frame_rate (out, &num, &den);
  add_anim_input (argv, out->format);
  add (argv, "immanimenc");
  addf (argv, "format=%s", imm_output_format_extension (out->format));
  addf (argv, "frame-rate=%d/%d", num, den);
  add (argv, "!");
}

static void
add_encoder (GPtrArray * argv, ImmOutputFormat format)
{
  switch (format) {
    case IMM_OUTPUT_JPG:
      /* jpegenc writes the samples it gets as JFIF, which is full-range
       * BT.601: limited-range video would come out washed out (black 16,
       * white 235), and HD video (BT.709) with shifted colours. The RGB
       * step in between keeps that wish from travelling upstream: given
       * a colorimetry downstream, avdec_h264 labels an untagged stream
       * with it instead of converting. */
      add_rgb (argv);
      add (argv, "!");
      add (argv, "videoconvert");
      add (argv, "!");
      add (argv,
          "video/x-raw,format=I420,colorimetry=1:4:0:0,chroma-site=jpeg");
      add (argv, "!");
      add (argv, "jpegenc");
      add (argv, "quality=90");
      break;
    case IMM_OUTPUT_PNG:
      /* the direct 8-bit path is about 2 levels dark (see add_rgb()) */
      add_rgb (argv);
      add (argv, "!");
      add (argv, "pngenc");
      break;
    case IMM_OUTPUT_WEBP:
      /* libwebp converts RGB into its own YUV (limited-range BT.601);
       * YUV given to it would be read that way whatever the video's
       * range and matrix (full-range or HD sources). */
      add_rgb (argv);
      add (argv, "!");
      add (argv, "webpenc");
      break;
    case IMM_OUTPUT_GIF:
      g_assert_not_reached ();
  }
}

/* The chain of a Highlights[] entry: frames sampled at FrameRate, clips
 * around each change immhighlight finds, one animation file per clip
 * (immanimenc finishes a file at each clip end, multifilesink writes each
 * as it comes and says so on the bus). */
static void
add_highlight_chain (GPtrArray * argv, const ImmRequest * req, guint index,
    const ImmPlanInput * in, gboolean shared)
{
  const ImmOutput *out = g_ptr_array_index (req->outputs, index);
  gchar *name = imm_plan_snapshot_name (index);

  /* Fewer frames in the ring and the encoder: the first frame at or after
   * every 1/FrameRate (immsnapshot, not videorate, whose caps queries
   * with framerate ranges make immscale warn). It takes every frame it
   * sees at those times, so it must not seek. */
  add (argv, "immsnapshot");
  add (argv, "mode=interval");
  add_double (argv, "interval", 1.0 / out->frame_rate);
  add (argv, "post-messages=false");
  add (argv, "seek=false");
  add (argv, "!");
  add (argv, "immhighlight");
  addf (argv, "name=%s", name);
  addf (argv, "threshold=%u", out->threshold);
  add_double (argv, "interval", out->interval);
  add_double (argv, "pre-roll", out->pre_roll);
  add_double (argv, "post-roll", out->post_roll);
  if (out->min_gap > 0)
    add_double (argv, "min-gap", out->min_gap);
  add (argv, "!");
  g_free (name);
  add_animation_scale (argv, out, in);
  add (argv, "videoconvert");
  add (argv, "!");
  add_anim_encoder (argv, out);
  add (argv, "multifilesink");
  addf (argv, "location=%s", in->locations[index]);
  add (argv, "index=1");
  add (argv, "next-file=buffer");
  add (argv, "post-messages=true");
  if (shared) {
    add (argv, "async=false");
    add (argv, "sync=false");
  }
}

/* Where an output chain hangs. */
typedef enum
{
  CHAIN_ALONE,                  /* a pipeline of its own, may seek */
  CHAIN_SHARED,                 /* a branch of the shared decode's tee */
  CHAIN_COVER,                  /* after a cover picture: no immsnapshot */
} ChainKind;

/* The chain of one output, from raw video to its sink. */
static gboolean
add_output_chain (GPtrArray * argv, const ImmRequest * req, guint index,
    const ImmPlanInput * in, ImmPlanFlags flags, ChainKind kind,
    GError ** error)
{
  const ImmOutput *out = g_ptr_array_index (req->outputs, index);
  gboolean cover = kind == CHAIN_COVER, shared = kind == CHAIN_SHARED;
  gdouble start = 0, duration = 0;
  gchar *name;

  if (out->highlight) {
    add_highlight_chain (argv, req, index, in, shared);
    return TRUE;
  }
  name = imm_plan_snapshot_name (index);
  if (!cover) {
    if (!output_range (req, out, &start, &duration, error)) {
      g_free (name);
      return FALSE;
    }
    add (argv, "immsnapshot");
    addf (argv, "name=%s", name);
    if (out->animation)
      addf (argv, "mode=%s", out->interval > 0 ? "interval" : "all");
    else
      addf (argv, "mode=%s", imm_snapshot_mode_to_string (out->mode));
    if (start > 0)
      add_double (argv, "start-time", start);
    if (duration > 0)
      add_double (argv, "duration", duration);
    if (out->interval > 0 && (out->animation
            || out->mode == IMM_SNAPSHOT_INTERVAL
            || out->mode == IMM_SNAPSHOT_DHASH))
      add_double (argv, "interval", out->interval);
    if (!out->animation && out->mode == IMM_SNAPSHOT_INTERVAL
        && out->interval == 0)
      /* Without Interval the API takes the one frame at StartTime. */
      add (argv, "number=1");
    else if (out->number > 0)
      addf (argv, "number=%u", out->number);
    if (!out->animation && out->mode == IMM_SNAPSHOT_DHASH)
      addf (argv, "threshold=%u", out->threshold);
    if (!may_seek (req, flags, shared))
      add (argv, "seek=false");
    add (argv, "!");
  }
  g_free (name);

  if (out->animation)
    add_animation_scale (argv, out, in);
  else
    add_scale (argv, out);
  add (argv, "videoconvert");
  add (argv, "!");
  if (out->animation) {
    add_anim_encoder (argv, out);
    add (argv, "filesink");
    addf (argv, "location=%s", in->locations[index]);
  } else {
    add_encoder (argv, out->format);
    add (argv, "!");
    add (argv, "multifilesink");
    addf (argv, "location=%s", in->locations[index]);
    add (argv, "index=1");
    if (((const ImmSource *) g_ptr_array_index (req->sources, 0))->live)
      /* each file is committed as soon as it is written */
      add (argv, "post-messages=true");
  }
  /* A sink waiting for its first buffer blocks the pipeline's preroll
   * while the other sinks have theirs and hold the tee; outputs that only
   * write at the end (dhash with a Number, animations) never give one
   * early. */
  if (shared) {
    add (argv, "async=false");
    /* Without preroll a syncing sink would wait for the clock at EOS. */
    add (argv, "sync=false");
  }
  return TRUE;
}

/* The source's rotation (the container's display matrix, a phone's
 * orientation tag: both reach us as the image-orientation tag) is applied
 * before anything looks at the picture, so snapshots, animations and the
 * dhash input are upright and sizes refer to the upright picture, as in
 * every player. videoflip passes unrotated video through untouched. */
static void
add_upright (GPtrArray * argv)
{
  add (argv, "videoflip");
  add (argv, "video-direction=auto");
  add (argv, "!");
}

/* Decoded raw video of all sources, joined in order. Leaves the chain open
 * for the next "!" element. */
static void
add_sources (GPtrArray * argv, const ImmRequest * req, const ImmPlanInput * in)
{
  if (req->sources->len == 1) {
    const ImmSource *src = g_ptr_array_index (req->sources, 0);

    add (argv, "uridecodebin");
    addf (argv, "uri=%s", in->source_uris[0]);
    add (argv, SOURCE_CAPS);
    add (argv, "expose-all-streams=false");
    /* udpsrc's socket gets the kernel's default receive buffer (~200 KB,
     * under a second of a 2 Mbit/s MPEG-TS feed): while the decoder falls
     * behind for a moment (a busy machine, a keyframe) the kernel drops
     * whole datagrams, and frames go missing silently. The kernel caps
     * this at net.core.rmem_max unless udpsrc may force it (README). */
    if (g_ascii_strncasecmp (src->uri, "udp://", 6) == 0)
      addf (argv, "source::buffer-size=%d", UDP_RECEIVE_BUFFER);
    add (argv, "!");
    /* immsnapshot takes 8-bit formats only; 10-bit video (HEVC Main 10,
     * H.264 High 10) would not link. A passthrough for everything else. */
    add (argv, "videoconvert");
    add (argv, "!");
    add_upright (argv);
    return;
  }

  /* The outputs hang off the concat; its inputs are linked after them.
   * concat keeps every source's own timestamps and only moves the segment
   * base, so identity turns them into one continuous timeline: the image
   * StartTimes are on the joined timeline whatever time immsnapshot
   * reads. */
  add (argv, "concat");
  add (argv, "name=cat");
  add (argv, "!");
  add (argv, "identity");
  add (argv, "single-segment=true");
  add (argv, "!");
}

static void
add_concat_inputs (GPtrArray * argv, const ImmRequest * req,
    const ImmPlanInput * in)
{
  guint i;

  if (req->sources->len == 1)
    return;
  for (i = 0; i < req->sources->len; i++) {
    const ImmSource *src = g_ptr_array_index (req->sources, i);

    add (argv, "uridecodebin");
    addf (argv, "uri=%s", in->source_uris[i]);
    add (argv, SOURCE_CAPS);
    add (argv, "expose-all-streams=false");
    add (argv, "!");
    /* Formats and sizes may differ between sources: convert each to one
     * format (before the trim: immsnapshot takes no 10-bit video) so the
     * joined stream only changes size. */
    add (argv, "videoconvert");
    add (argv, "!");
    add (argv, "video/x-raw,format=I420");
    add (argv, "!");
    add_upright (argv);
    if (src->start_time > 0 || src->duration > 0) {
      add (argv, "immsnapshot");
      add (argv, "mode=all");
      if (src->start_time > 0)
        add_double (argv, "start-time", src->start_time);
      if (src->duration > 0)
        add_double (argv, "duration", src->duration);
      /* No gst-launch element moves timestamps back, so the trimmed-off
       * start of a joined source stays on the joined timeline as a gap
       * (README). */
      add (argv, "post-messages=false");
      add (argv, "seek=false");
      add (argv, "!");
    }
    add (argv, "cat.");
  }
}

static ImmPlanPipeline *
pipeline_new (void)
{
  ImmPlanPipeline *p = g_new0 (ImmPlanPipeline, 1);

  p->outputs = g_array_new (FALSE, FALSE, sizeof (guint));
  return p;
}

static void
pipeline_free (gpointer data)
{
  ImmPlanPipeline *p = data;

  g_strfreev (p->argv);
  g_array_unref (p->outputs);
  g_free (p);
}

static void
finish_argv (ImmPlanPipeline * p, GPtrArray * argv)
{
  g_ptr_array_add (argv, NULL);
  p->argv = (gchar **) g_ptr_array_free (argv, FALSE);
}

static gboolean
is_sparse (const ImmOutput * out)
{
  return !out->animation && out->mode == IMM_SNAPSHOT_INTERVAL;
}

/* Whether an output may hang off the shared decode. immsnapshot ends its
 * stream (GST_FLOW_EOS upstream) once it knows no more frames will come,
 * and tee stops feeding every branch when one of them returns EOS: only
 * outputs that need frames up to the end of the source can share. */
static gboolean
can_share (const ImmRequest * req, const ImmOutput * out)
{
  const ImmSource *src = g_ptr_array_index (req->sources, 0);

  if (is_sparse (out) || (req->sources->len == 1 && src->duration > 0))
    return FALSE;
  if (out->animation)
    return out->number == 0;
  switch (out->mode) {
    case IMM_SNAPSHOT_DHASH:
      /* The N strongest changes are only known at the end. */
      return TRUE;
    case IMM_SNAPSHOT_KEYFRAME:
      /* It seeks in trick mode, decoding nothing but sync frames. */
      return FALSE;
    default:
      return FALSE;
  }
}

static gboolean
build_single (ImmPlan * plan, const ImmRequest * req, guint index,
    const ImmPlanInput * in, ImmPlanFlags flags, GError ** error)
{
  ImmPlanPipeline *p = pipeline_new ();
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  gboolean cover = in->cover_location != NULL;

  if (cover) {
    add (argv, "filesrc");
    addf (argv, "location=%s", in->cover_location);
    add (argv, "!");
    if (g_str_has_suffix (in->cover_location, ".jpg")) {
      /* jpegdec of GStreamer 1.22 turns 4:4:4 and 4:2:2 JPEGs into I420
       * wrongly (20 and 34 dB against ffmpeg's decode), and inside
       * decodebin no downstream caps reach it to ask for Y444.
       * avdec_mjpeg gives every subsampling (and grey) as it is. */
      add (argv, "jpegparse");
      add (argv, "!");
      add (argv, "avdec_mjpeg");
    } else {
      add (argv, "decodebin");
    }
    add (argv, "!");
  } else {
    add_sources (argv, req, in);
  }
  if (!add_output_chain (argv, req, index, in, flags,
          cover ? CHAIN_COVER : CHAIN_ALONE, error)) {
    g_ptr_array_unref (argv);
    pipeline_free (p);
    return FALSE;
  }
  add_concat_inputs (argv, req, in);
  g_array_append_val (p->outputs, index);
  finish_argv (p, argv);
  g_ptr_array_add (plan->pipelines, p);
  return TRUE;
}

static gboolean
build_shared (ImmPlan * plan, const ImmRequest * req, GArray * dense,
    const ImmPlanInput * in, ImmPlanFlags flags, GError ** error)
{
  ImmPlanPipeline *p = pipeline_new ();
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  guint i;

  add_sources (argv, req, in);
  add (argv, "tee");
  add (argv, "name=t");
  for (i = 0; i < dense->len; i++) {
    guint index = g_array_index (dense, guint, i);

    add (argv, "t.");
    add (argv, "!");
    add (argv, "queue");
    add (argv, "!");
    if (!add_output_chain (argv, req, index, in, flags, CHAIN_SHARED, error)) {
      g_ptr_array_unref (argv);
      pipeline_free (p);
      return FALSE;
    }
    g_array_append_val (p->outputs, index);
  }
  /* With async=false sinks only, the preroll ends in the decoder's thread,
   * racing with gst-launch-1.0 switching to PLAYING: GstBin 1.22 can then
   * miss that it is PLAYING and never post EOS (9 pasted runs in 15 hung
   * here). A sink that takes every frame and prerolls as usual ends the
   * preroll in its own thread instead (30 runs in 30 ended). */
  add (argv, "t.");
  add (argv, "!");
  add (argv, "queue");
  add (argv, "!");
  add (argv, "fakesink");
  add (argv, "sync=false");
  add_concat_inputs (argv, req, in);
  finish_argv (p, argv);
  g_ptr_array_add (plan->pipelines, p);
  return TRUE;
}

/* A live source plays once, in real time: every output hangs off one
 * decode, none seeks. An output that ends (a Number reached) ends the
 * stream for all of them, as tee stops at the first branch that ends. */
static gboolean
build_live (ImmPlan * plan, const ImmRequest * req, const ImmPlanInput * in,
    ImmPlanFlags flags, GError ** error)
{
  ImmPlanPipeline *p = pipeline_new ();
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  guint i;

  add_sources (argv, req, in);
  add (argv, "tee");
  add (argv, "name=t");
  for (i = 0; i < req->outputs->len; i++) {
    add (argv, "t.");
    add (argv, "!");
    add (argv, "queue");
    add (argv, "!");
    if (!add_output_chain (argv, req, i, in, flags, CHAIN_SHARED, error)) {
      g_ptr_array_unref (argv);
      pipeline_free (p);
      return FALSE;
    }
    g_array_append_val (p->outputs, i);
  }
  finish_argv (p, argv);
  g_ptr_array_add (plan->pipelines, p);
  return TRUE;
}

/**
 * imm_plan_build:
 * @req: a validated request
 * @in: where sources and outputs live
 *
 * Returns: (transfer full) (nullable): the plan, or %NULL with @error when
 * the request cannot be run on these sources (e.g. an animation of an
 * audio-only source).
 */
ImmPlan *
imm_plan_build (const ImmRequest * req, const ImmPlanInput * in,
    GError ** error)
{
  return imm_plan_build_full (req, in, IMM_PLAN_DEFAULT, error);
}

/**
 * imm_plan_build_full:
 * @req: a validated request
 * @in: where sources and outputs live
 * @flags: #ImmPlanFlags
 *
 * imm_plan_build() with @flags; the pipelines and the outputs each one
 * writes are the same whatever the flags.
 *
 * Returns: (transfer full) (nullable): the plan, or %NULL with @error.
 */
ImmPlan *
imm_plan_build_full (const ImmRequest * req, const ImmPlanInput * in,
    ImmPlanFlags flags, GError ** error)
{
  ImmPlan *plan = g_new0 (ImmPlan, 1);
  GArray *dense = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean ok = TRUE;
  guint i;

  plan->pipelines = g_ptr_array_new_with_free_func (pipeline_free);
  if (((const ImmSource *) g_ptr_array_index (req->sources, 0))->live
      && in->cover_location == NULL) {
    g_array_unref (dense);
    if (!build_live (plan, req, in, flags, error)) {
      imm_plan_free (plan);
      return NULL;
    }
    return plan;
  }
  for (i = 0; i < req->outputs->len && ok; i++) {
    const ImmOutput *out = g_ptr_array_index (req->outputs, i);

    if (in->cover_location != NULL && out->animation) {
      g_set_error (error, IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INVALID_FILE,
          "%s: the source has no video stream to animate", out->path);
      ok = FALSE;
    } else if (in->cover_location != NULL && out->highlight) {
      g_set_error (error, IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INVALID_FILE,
          "%s: the source has no video stream to find events in", out->path);
      ok = FALSE;
    } else if (in->cover_location != NULL || out->highlight
        || !can_share (req, out)) {
      ok = build_single (plan, req, i, in, flags, error);
    } else {
      g_array_append_val (dense, i);
    }
  }
  if (ok && dense->len == 1)
    ok = build_single (plan, req, g_array_index (dense, guint, 0), in,
        flags, error);
  else if (ok && dense->len > 1)
    ok = build_shared (plan, req, dense, in, flags, error);
  g_array_unref (dense);
  if (!ok) {
    imm_plan_free (plan);
    return NULL;
  }
  return plan;
}

void
imm_plan_free (ImmPlan * plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->pipelines);
  g_free (plan);
}

/**
 * imm_plan_pipeline_to_string:
 *
 * Returns: (transfer full): the arguments joined by spaces, for tests and
 * logs (not quoted for a shell).
 */
gchar *
imm_plan_pipeline_to_string (const ImmPlanPipeline * pipeline)
{
  return g_strjoinv (" ", pipeline->argv);
}

static gboolean
shell_safe (const gchar * s)
{
  /* A lone "!" is a plain word to the shell; inside a word it could start
   * a history expansion. */
  if (strcmp (s, "!") == 0)
    return TRUE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && !strchr ("_./:=,+-%@", *s))
      return FALSE;
  return TRUE;
}

/**
 * imm_plan_pipeline_to_shell:
 *
 * Returns: (transfer full): a `gst-launch-1.0 ...` line a POSIX shell runs
 * as is: arguments with characters the shell would interpret are quoted.
 */
gchar *
imm_plan_pipeline_to_shell (const ImmPlanPipeline * pipeline)
{
  GString *s = g_string_new ("gst-launch-1.0");
  gchar **a;

  for (a = pipeline->argv; *a; a++) {
    g_string_append_c (s, ' ');
    if (shell_safe (*a)) {
      g_string_append (s, *a);
    } else {
      gchar *q = g_shell_quote (*a);

      g_string_append (s, q);
      g_free (q);
    }
  }
  return g_string_free (s, FALSE);
}
