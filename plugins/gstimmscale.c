/* imm-gst: immscale, one-pass resize with the four resize modes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-immscale
 * @title: immscale
 *
 * Resizes raw video in one #GstVideoConverter pass with the four resize
 * modes of the cloud API:
 *
 * - `stretch`: exactly @width x @height, aspect ratio ignored.
 * - `crop`: scaled keeping the aspect ratio until it covers the target, the
 *   overflow cut off around the centre (the converter reads only the source
 *   rectangle that stays visible).
 * - `fill`: scaled keeping the aspect ratio to fit inside the target, centred,
 *   the rest painted with #GstImmScale:border-color.
 * - `fit`: scaled keeping the aspect ratio to fit inside the target; the
 *   output is that scaled size, so one side can be smaller than asked.
 *
 * #GstImmScale:width and #GstImmScale:height take a fraction of the source
 * when in (0, 1] and pixels above 1; sizes round to the nearest pixel and
 * never go below 1. When one of them is 0 (unset) it follows the source
 * aspect ratio; when both are unset the size downstream asks for is used,
 * and if downstream asks for nothing the element works in passthrough. The
 * source pixel aspect ratio counts (fractions are of the display size); the
 * output has square pixels. The colour format is kept: put `videoconvert`
 * in front for format changes. Colorimetry fields the input leaves unknown
 * (a decoder on a stream that tags only its range, e.g. "1:0:0:0") are
 * labelled on the output with GStreamer's defaults for the size (SD
 * BT.601, HD BT.709), as a player reads them; the pixels are unchanged.
 *
 * #GstImmScale:method picks the GstVideoResampler filter; for `cubic` (the
 * default), #GstImmScale:cubic-b and #GstImmScale:cubic-c give its shape.
 * The default B = 0, C = 0.6 is the bicubic of ffmpeg's scale filter;
 * B = C = 1/3 is GstVideoResampler's own (Mitchell, videoscale
 * method=mitchell), softer and with less ringing.
 * #GstImmScale:threads splits each frame between threads (0, the default:
 * one per processor; it only helps when a core is free).
 *
 * The cost grows with the filter's taps: for each output pixel and tap
 * GstVideoScaler first copies the source pixel in a C loop, then does the
 * multiply-adds in SIMD. At 3x, `method=linear` (6 taps) takes about 40 %
 * less time than the default cubic (13 taps), at about the quality of
 * ffmpeg's bilinear; README.md has the measurements.
 *
 * Flat areas keep their exact level. GstVideoScaler rounds its taps to 6
 * bits for 8-bit video and for some sizes (a 3x resize with cubic, 2x with
 * lanczos) they do not add up to one, which would lighten or darken the
 * whole picture by up to 4 levels; immscale then widens the kernel by a
 * tap or so, the smallest change that keeps a flat line flat.
 *
 * All properties can change while PLAYING; the output caps renegotiate on
 * the next frame.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=1 ! video/x-raw,width=1920,height=1080 ! immscale width=640 height=640 scale-type=fill ! videoconvert ! pngenc ! filesink location=fill.png
 * ]| Letterboxes a 16:9 frame into a 640x640 square with black bars.
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=30 ! immscale width=0.5 height=0.5 scale-type=fit ! autovideosink
 * ]| Half the source size.
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=1 ! immscale scale-type=crop ! video/x-raw,width=512,height=512 ! videoconvert ! jpegenc ! filesink location=crop.jpg
 * ]| Size taken from downstream caps: a centre crop to 512x512.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimmscale.h"

#include "imm/imm-geometry.h"

GST_DEBUG_CATEGORY_STATIC (gst_imm_scale_debug);
#define GST_CAT_DEFAULT gst_imm_scale_debug

#define DEFAULT_WIDTH 0.0
#define DEFAULT_HEIGHT 0.0
#define DEFAULT_SCALE_TYPE IMM_RESIZE_STRETCH
#define DEFAULT_BORDER_COLOR 0xff000000
#define DEFAULT_METHOD GST_VIDEO_RESAMPLER_METHOD_CUBIC
#define DEFAULT_THREADS 0
/* ffmpeg's (swscale's) bicubic; bench/scale-quality.sh: closer to a
 * lanczos reference than GstVideoResampler's own Mitchell (1/3, 1/3) on
 * real footage and on a zone plate, at the same cost */
#define DEFAULT_CUBIC_B 0.0
#define DEFAULT_CUBIC_C 0.6

enum
{
  PROP_0,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_SCALE_TYPE,
  PROP_BORDER_COLOR,
  PROP_METHOD,
  PROP_THREADS,
  PROP_CUBIC_B,
  PROP_CUBIC_C,
};

struct _GstImmScale
{
  GstVideoFilter parent;

  /* properties, protected by the object lock */
  gdouble width;
  gdouble height;
  ImmResizeMode scale_type;
  guint border_color;
  GstVideoResamplerMethod method;
  guint threads;
  gdouble cubic_b;
  gdouble cubic_c;

  /* streaming thread only */
  GstVideoConverter *convert;
};

#define VIDEO_FORMATS "{ I420, YV12, NV12, NV21, Y42B, Y444, Y41B, YUY2, " \
    "UYVY, AYUV, RGB, BGR, RGBA, BGRA, ARGB, ABGR, RGBx, BGRx, xRGB, xBGR, " \
    "GRAY8, GRAY16_LE, GRAY16_BE, I420_10LE, P010_10LE }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

G_DEFINE_TYPE_WITH_CODE (GstImmScale, gst_imm_scale, GST_TYPE_VIDEO_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_imm_scale_debug, "immscale", 0,
        "imm-gst resize element"));
GST_ELEMENT_REGISTER_DEFINE (immscale, "immscale", GST_RANK_NONE,
    GST_TYPE_IMM_SCALE);

GType
gst_imm_resize_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {IMM_RESIZE_STRETCH, "Exactly width x height, aspect ratio ignored",
        "stretch"},
    {IMM_RESIZE_CROP, "Cover width x height keeping aspect, cut the centred "
          "overflow", "crop"},
    {IMM_RESIZE_FILL, "Fit inside width x height keeping aspect, pad with the "
          "border colour", "fill"},
    {IMM_RESIZE_FIT, "Fit inside width x height keeping aspect, output the "
          "scaled size", "fit"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmResizeMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* Target in pixels for one side: the property when set, else what a fixed
 * downstream size asks for (0 when neither). Called with the object lock. */
static gint
target_side (gdouble prop, gint display_side, gint downstream)
{
  if (prop > 0.0)
    return imm_geometry_resolve_side (prop, display_side);
  return downstream > 0 ? downstream : 0;
}

static gboolean
compute_geometry (GstImmScale * self, const GstVideoInfo * in,
    gint downstream_w, gint downstream_h, ImmGeometry * geo)
{
  gint dw, dh, tw, th;
  ImmResizeMode mode;

  imm_geometry_display_size (GST_VIDEO_INFO_WIDTH (in),
      GST_VIDEO_INFO_HEIGHT (in), GST_VIDEO_INFO_PAR_N (in),
      GST_VIDEO_INFO_PAR_D (in), &dw, &dh);

  GST_OBJECT_LOCK (self);
  tw = target_side (self->width, dw, downstream_w);
  th = target_side (self->height, dh, downstream_h);
  mode = self->scale_type;
  GST_OBJECT_UNLOCK (self);

  return imm_geometry_compute_pixels (GST_VIDEO_INFO_WIDTH (in),
      GST_VIDEO_INFO_HEIGHT (in), GST_VIDEO_INFO_PAR_N (in),
      GST_VIDEO_INFO_PAR_D (in), tw, th, mode, geo);
}

/* Decoders leave unknown what a stream does not tag (avdec_h264 on a
 * full-range H.264 without a matrix says "1:0:0:0"), and
 * gst_video_info_from_caps() then drops the whole colorimetry for the
 * defaults, range included: full-range video would be read as limited.
 * Players take each unknown field from GStreamer's defaults for the size
 * (SD BT.601, HD BT.709) and keep the known ones: immscale labels what it
 * passes on that way, so the encoders after it get the colours a player
 * shows (SPEC.md, Resize). */
static void
fill_colorimetry (GstVideoInfo * info, GstCaps * caps)
{
  const gchar *str =
      gst_structure_get_string (gst_caps_get_structure (caps, 0),
      "colorimetry");
  GstVideoColorimetry c;
  GstVideoInfo def;

  if (str == NULL || !gst_video_colorimetry_from_string (&c, str)
      || !GST_VIDEO_INFO_IS_YUV (info)
      || !gst_video_info_set_format (&def, GST_VIDEO_INFO_FORMAT (info),
          GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info)))
    return;
  if (c.range == GST_VIDEO_COLOR_RANGE_UNKNOWN)
    c.range = def.colorimetry.range;
  if (c.matrix == GST_VIDEO_COLOR_MATRIX_UNKNOWN)
    c.matrix = def.colorimetry.matrix;
  if (c.transfer == GST_VIDEO_TRANSFER_UNKNOWN)
    c.transfer = def.colorimetry.transfer;
  if (c.primaries == GST_VIDEO_COLOR_PRIMARIES_UNKNOWN)
    c.primaries = def.colorimetry.primaries;
  info->colorimetry = c;
}

/* Whether @s has a fixed colorimetry with fields fill_colorimetry() sets. */
static gboolean
has_unknown_colorimetry (const GstStructure * s)
{
  const gchar *str = gst_structure_get_string (s, "colorimetry");
  GstVideoColorimetry c;

  return str != NULL && gst_video_colorimetry_from_string (&c, str)
      && (c.range == GST_VIDEO_COLOR_RANGE_UNKNOWN
      || c.matrix == GST_VIDEO_COLOR_MATRIX_UNKNOWN
      || c.transfer == GST_VIDEO_TRANSFER_UNKNOWN
      || c.primaries == GST_VIDEO_COLOR_PRIMARIES_UNKNOWN);
}

static GstCaps *
gst_imm_scale_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstCaps *ret;
  guint i, n;

  /* The unchanged caps come first so that passthrough is preferred. */
  ret = gst_caps_copy (caps);
  n = gst_caps_get_size (caps);
  for (i = 0; i < n; i++) {
    GstStructure *s = gst_structure_copy (gst_caps_get_structure (caps, i));

    gst_structure_set (s, "width", GST_TYPE_INT_RANGE, 1,
        IMM_GEOMETRY_MAX_SIDE, "height", GST_TYPE_INT_RANGE, 1,
        IMM_GEOMETRY_MAX_SIDE, NULL);
    gst_structure_remove_field (s, "pixel-aspect-ratio");
    if (has_unknown_colorimetry (s))
      gst_structure_remove_field (s, "colorimetry");
    gst_caps_append_structure_full (ret, s,
        gst_caps_features_copy (gst_caps_get_features (caps, i)));
  }
  ret = gst_caps_simplify (ret);

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, ret,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (ret);
    ret = tmp;
  }
  GST_DEBUG_OBJECT (trans, "%" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT, caps,
      ret);
  return ret;
}

static gint
fixed_int (const GstStructure * s, const gchar * field)
{
  gint v = 0;

  if (s != NULL && gst_structure_get_int (s, field, &v))
    return v;
  return 0;
}

static GstCaps *
gst_imm_scale_fixate_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * othercaps)
{
  GstImmScale *self = GST_IMM_SCALE (trans);
  GstVideoInfo in;
  ImmGeometry geo;
  GstStructure *want_s;
  GstCaps *want, *result;
  const GstStructure *os;

  if (direction != GST_PAD_SINK || !gst_video_info_from_caps (&in, caps))
    return gst_caps_fixate (othercaps);
  fill_colorimetry (&in, caps);

  os = gst_caps_is_empty (othercaps) ? NULL :
      gst_caps_get_structure (othercaps, 0);
  if (!compute_geometry (self, &in, fixed_int (os, "width"),
          fixed_int (os, "height"), &geo))
    return gst_caps_fixate (othercaps);

  want_s = gst_structure_copy (gst_caps_get_structure (caps, 0));
  gst_structure_set (want_s, "width", G_TYPE_INT, geo.out_width,
      "height", G_TYPE_INT, geo.out_height, NULL);
  /* Caps without colorimetry default by frame height (SD: BT.601, HD:
   * BT.709), so a resize across 576 lines would add a colour conversion.
   * Pin the input's so resizing stays resizing (unknown fields filled
   * in, see fill_colorimetry()). */
  if (!gst_structure_has_field (want_s, "colorimetry")
      || has_unknown_colorimetry (want_s)) {
    gchar *cs = gst_video_colorimetry_to_string (&in.colorimetry);
    if (cs != NULL)
      gst_structure_set (want_s, "colorimetry", G_TYPE_STRING, cs, NULL);
    g_free (cs);
  }
  if (!gst_structure_has_field (want_s, "chroma-site")
      && in.chroma_site != GST_VIDEO_CHROMA_SITE_UNKNOWN) {
    gchar *site = gst_video_chroma_site_to_string (in.chroma_site);
    if (site != NULL)
      gst_structure_set (want_s, "chroma-site", G_TYPE_STRING, site, NULL);
    g_free (site);
  }
  if (!geo.passthrough)
    gst_structure_set (want_s, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1,
        NULL);
  want = gst_caps_new_full (want_s, NULL);

  result = gst_caps_intersect (want, othercaps);
  gst_caps_unref (want);
  if (gst_caps_is_empty (result)) {
    gst_caps_unref (result);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("immscale cannot output %dx%d: downstream does not accept that "
            "size. Set the width/height properties to a size it accepts, "
            "or leave them unset to take the size downstream asks for.",
            geo.out_width, geo.out_height),
        ("othercaps %" GST_PTR_FORMAT, othercaps));
    return gst_caps_fixate (othercaps);
  }
  gst_caps_unref (othercaps);
  return gst_caps_fixate (result);
}

/* Level of the flat test line: high enough that a tap sum one 64th off
 * shows (200 * 65 / 64 rounds to 203), low enough not to clip. */
#define FLAT_LEVEL 200

/* Number of pixels that a GstVideoScaler built like the converter builds
 * its own (method, options, no fixed tap count) moves off a flat line of
 * @in_size pixels scaled to @out_size. */
static gint
scaler_flat_errors (GstVideoResamplerMethod method, gint in_size,
    gint out_size, GstStructure * opts)
{
  GstVideoScaler *scaler;
  guint8 *line;
  gint i, errors = 0;

  if (in_size == out_size || in_size < 1 || out_size < 1)
    return 0;
  scaler = gst_video_scaler_new (method, GST_VIDEO_SCALER_FLAG_NONE, 0,
      in_size, out_size, opts);
  if (scaler == NULL)
    return 0;
  line = g_malloc (in_size + out_size);
  memset (line, FLAT_LEVEL, in_size);
  gst_video_scaler_horizontal (scaler, GST_VIDEO_FORMAT_GRAY8, line,
      line + in_size, 0, out_size);
  for (i = 0; i < out_size; i++)
    errors += line[in_size + i] != FLAT_LEVEL;
  g_free (line);
  gst_video_scaler_free (scaler);
  return errors;
}

/* The same over every plane and direction of a converter from the source
 * rectangle of @geo to its destination rectangle, in @info's format. Like
 * the converter, plane 0 uses @method and the other planes of a multi-plane
 * format the chroma method (linear; nearest when @method is nearest). */
static gint
converter_flat_errors (const GstVideoInfo * info, const ImmGeometry * geo,
    GstVideoResamplerMethod method, GstStructure * opts)
{
  const GstVideoFormatInfo *finfo = info->finfo;
  GstVideoResamplerMethod chroma_method =
      method == GST_VIDEO_RESAMPLER_METHOD_NEAREST ? method :
      GST_VIDEO_RESAMPLER_METHOD_LINEAR;
  guint plane, n_planes = GST_VIDEO_INFO_N_PLANES (info);
  gint errors = 0;

  for (plane = 0; plane < n_planes; plane++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    GstVideoResamplerMethod m = plane == 0 ? method : chroma_method;

    gst_video_format_info_component (finfo, plane, comp);
    errors += scaler_flat_errors (m,
        GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, comp[0], geo->src_width),
        GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, comp[0], geo->dest_width),
        opts);
    errors += scaler_flat_errors (m,
        GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, comp[0], geo->src_height),
        GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, comp[0],
            geo->dest_height), opts);
  }
  return errors;
}

/* GstVideoScaler rounds its taps to 6 bits for 8-bit video and, when the
 * kernel sits symmetrically on the source pixels (a 3x downscale with
 * cubic, 2x with lanczos), often cannot make them add up to exactly one:
 * a flat 200 then comes out as 203 across the whole picture
 * (gst-plugins-base video-scaler.c, resampler_convert_coeff, "can't find
 * exact taps"). The tap count follows the resampler's sharpness, so widen
 * the kernel a little at a time (a tap more here and there) and keep the
 * first sharpness that keeps flat areas flat, or the one that comes
 * closest. Sets GST_VIDEO_RESAMPLER_OPT_SHARPNESS in @opts. */
static void
set_flat_sharpness (GstImmScale * self, const GstVideoInfo * info,
    const ImmGeometry * geo, GstVideoResamplerMethod method,
    GstStructure * opts)
{
  gdouble sharpness, best = 1.0;
  gint step, errors, fewest = G_MAXINT;

  /* 16-bit video gets 12-bit taps, which add up. */
  if (GST_VIDEO_FORMAT_INFO_DEPTH (info->finfo, 0) > 8)
    return;

  for (step = 0; step <= 20 && fewest > 0; step++) {
    sharpness = 1.0 - step * 0.01;
    gst_structure_set (opts, GST_VIDEO_RESAMPLER_OPT_SHARPNESS, G_TYPE_DOUBLE,
        sharpness, NULL);
    errors = converter_flat_errors (info, geo, method, opts);
    if (errors < fewest) {
      fewest = errors;
      best = sharpness;
    }
  }
  gst_structure_set (opts, GST_VIDEO_RESAMPLER_OPT_SHARPNESS, G_TYPE_DOUBLE,
      best, NULL);
  if (fewest > 0)
    GST_WARNING_OBJECT (self, "%d pixels of flat lines move at sharpness %g",
        fewest, best);
  else
    GST_DEBUG_OBJECT (self, "resampler sharpness %g", best);
}

static gboolean
gst_imm_scale_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstImmScale *self = GST_IMM_SCALE (filter);
  GstVideoInfo in_filled = *in_info;
  ImmGeometry geo;
  GstStructure *opts;
  guint border, threads;
  gdouble cubic_b, cubic_c;
  GstVideoResamplerMethod method;

  g_clear_pointer (&self->convert, gst_video_converter_free);

  if (!compute_geometry (self, in_info, GST_VIDEO_INFO_WIDTH (out_info),
          GST_VIDEO_INFO_HEIGHT (out_info), &geo))
    return FALSE;

  if (geo.out_width != GST_VIDEO_INFO_WIDTH (out_info)
      || geo.out_height != GST_VIDEO_INFO_HEIGHT (out_info)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("immscale negotiated %dx%d but its width/height/scale-type "
            "properties ask for %dx%d.", GST_VIDEO_INFO_WIDTH (out_info),
            GST_VIDEO_INFO_HEIGHT (out_info), geo.out_width, geo.out_height),
        (NULL));
    return FALSE;
  }

  /* Only a label added: the buffers pass unchanged. */
  fill_colorimetry (&in_filled, incaps);
  if (gst_video_info_is_equal (&in_filled, out_info)) {
    gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (filter), TRUE);
    return TRUE;
  }
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (filter), FALSE);

  GST_OBJECT_LOCK (self);
  border = self->border_color;
  method = self->method;
  threads = self->threads;
  cubic_b = self->cubic_b;
  cubic_c = self->cubic_c;
  GST_OBJECT_UNLOCK (self);

  opts = gst_structure_new ("GstVideoConverter",
      GST_VIDEO_CONVERTER_OPT_SRC_X, G_TYPE_INT, geo.src_x,
      GST_VIDEO_CONVERTER_OPT_SRC_Y, G_TYPE_INT, geo.src_y,
      GST_VIDEO_CONVERTER_OPT_SRC_WIDTH, G_TYPE_INT, geo.src_width,
      GST_VIDEO_CONVERTER_OPT_SRC_HEIGHT, G_TYPE_INT, geo.src_height,
      GST_VIDEO_CONVERTER_OPT_DEST_X, G_TYPE_INT, geo.dest_x,
      GST_VIDEO_CONVERTER_OPT_DEST_Y, G_TYPE_INT, geo.dest_y,
      GST_VIDEO_CONVERTER_OPT_DEST_WIDTH, G_TYPE_INT, geo.dest_width,
      GST_VIDEO_CONVERTER_OPT_DEST_HEIGHT, G_TYPE_INT, geo.dest_height,
      GST_VIDEO_CONVERTER_OPT_FILL_BORDER, G_TYPE_BOOLEAN, TRUE,
      GST_VIDEO_CONVERTER_OPT_BORDER_ARGB, G_TYPE_UINT, border,
      GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD,
      GST_TYPE_VIDEO_RESAMPLER_METHOD, method,
      GST_VIDEO_RESAMPLER_OPT_CUBIC_B, G_TYPE_DOUBLE, cubic_b,
      GST_VIDEO_RESAMPLER_OPT_CUBIC_C, G_TYPE_DOUBLE, cubic_c,
      GST_VIDEO_CONVERTER_OPT_THREADS, G_TYPE_UINT,
      threads ? threads : g_get_num_processors (), NULL);
  set_flat_sharpness (self, in_info, &geo, method, opts);

  self->convert = gst_video_converter_new (&in_filled, out_info, opts);
  if (self->convert == NULL) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("immscale cannot convert %s %dx%d to %dx%d.",
            GST_VIDEO_INFO_NAME (in_info), GST_VIDEO_INFO_WIDTH (in_info),
            GST_VIDEO_INFO_HEIGHT (in_info), geo.out_width, geo.out_height),
        (NULL));
    return FALSE;
  }
  GST_DEBUG_OBJECT (self, "src %d,%d %dx%d -> dest %d,%d %dx%d in %dx%d",
      geo.src_x, geo.src_y, geo.src_width, geo.src_height, geo.dest_x,
      geo.dest_y, geo.dest_width, geo.dest_height, geo.out_width,
      geo.out_height);
  return TRUE;
}

static GstFlowReturn
gst_imm_scale_transform_frame (GstVideoFilter * filter,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame)
{
  GstImmScale *self = GST_IMM_SCALE (filter);

  gst_video_converter_frame (self->convert, in_frame, out_frame);
  return GST_FLOW_OK;
}

static gboolean
gst_imm_scale_stop (GstBaseTransform * trans)
{
  GstImmScale *self = GST_IMM_SCALE (trans);

  g_clear_pointer (&self->convert, gst_video_converter_free);
  return TRUE;
}

static void
gst_imm_scale_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstImmScale *self = GST_IMM_SCALE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      self->width = g_value_get_double (value);
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_double (value);
      break;
    case PROP_SCALE_TYPE:
      self->scale_type = g_value_get_enum (value);
      break;
    case PROP_BORDER_COLOR:
      self->border_color = g_value_get_uint (value);
      break;
    case PROP_METHOD:
      self->method = g_value_get_enum (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    case PROP_CUBIC_B:
      self->cubic_b = g_value_get_double (value);
      break;
    case PROP_CUBIC_C:
      self->cubic_c = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      GST_OBJECT_UNLOCK (self);
      return;
  }
  GST_OBJECT_UNLOCK (self);

  /* Every property shapes the converter; sizes may change the caps. */
  gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
}

static void
gst_imm_scale_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstImmScale *self = GST_IMM_SCALE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WIDTH:
      g_value_set_double (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_double (value, self->height);
      break;
    case PROP_SCALE_TYPE:
      g_value_set_enum (value, self->scale_type);
      break;
    case PROP_BORDER_COLOR:
      g_value_set_uint (value, self->border_color);
      break;
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_CUBIC_B:
      g_value_set_double (value, self->cubic_b);
      break;
    case PROP_CUBIC_C:
      g_value_set_double (value, self->cubic_c);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imm_scale_finalize (GObject * object)
{
  GstImmScale *self = GST_IMM_SCALE (object);

  g_clear_pointer (&self->convert, gst_video_converter_free);
  G_OBJECT_CLASS (gst_imm_scale_parent_class)->finalize (object);
}

static void
gst_imm_scale_class_init (GstImmScaleClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_imm_scale_set_property;
  gobject_class->get_property = gst_imm_scale_get_property;
  gobject_class->finalize = gst_imm_scale_finalize;

  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_double ("width", "Width",
          "Output width: 0 = unset (follow the aspect ratio, or downstream), "
          "(0, 1] = fraction of the source display width, > 1 = pixels",
          0.0, IMM_GEOMETRY_MAX_SIDE, DEFAULT_WIDTH, flags));
  g_object_class_install_property (gobject_class, PROP_HEIGHT,
      g_param_spec_double ("height", "Height",
          "Output height: 0 = unset (follow the aspect ratio, or downstream), "
          "(0, 1] = fraction of the source height, > 1 = pixels",
          0.0, IMM_GEOMETRY_MAX_SIDE, DEFAULT_HEIGHT, flags));
  g_object_class_install_property (gobject_class, PROP_SCALE_TYPE,
      g_param_spec_enum ("scale-type", "Scale type",
          "How the source is fitted to width x height",
          GST_TYPE_IMM_RESIZE_MODE, DEFAULT_SCALE_TYPE, flags));
  g_object_class_install_property (gobject_class, PROP_BORDER_COLOR,
      g_param_spec_uint ("border-color", "Border colour",
          "Colour of the fill borders, as 0xAARRGGBB",
          0, G_MAXUINT32, DEFAULT_BORDER_COLOR, flags));
  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_enum ("method", "Method",
          "Resampling filter (the cubic's shape: cubic-b, cubic-c)",
          GST_TYPE_VIDEO_RESAMPLER_METHOD, DEFAULT_METHOD, flags));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Threads the converter uses (0 = one per processor)",
          0, 64, DEFAULT_THREADS, flags));
  g_object_class_install_property (gobject_class, PROP_CUBIC_B,
      g_param_spec_double ("cubic-b", "Cubic B",
          "B of the method=cubic filter (Mitchell-Netravali): 1/3 with "
          "cubic-c 1/3 is Mitchell, 0 with 0.5 Catmull-Rom, 0 with 0.6 "
          "ffmpeg's bicubic; more B blurs, more C sharpens and rings",
          0.0, 1.0, DEFAULT_CUBIC_B, flags));
  g_object_class_install_property (gobject_class, PROP_CUBIC_C,
      g_param_spec_double ("cubic-c", "Cubic C",
          "C of the method=cubic filter (Mitchell-Netravali), see cubic-b",
          0.0, 1.0, DEFAULT_CUBIC_C, flags));

  gst_element_class_set_static_metadata (element_class,
      "imm-gst resize", "Filter/Converter/Video/Scaler",
      "Resizes video with the stretch, crop, fill and fit modes in one pass",
      "imm-gst developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->transform_caps =
      GST_DEBUG_FUNCPTR (gst_imm_scale_transform_caps);
  trans_class->fixate_caps = GST_DEBUG_FUNCPTR (gst_imm_scale_fixate_caps);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_imm_scale_stop);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_imm_scale_set_info);
  filter_class->transform_frame =
      GST_DEBUG_FUNCPTR (gst_imm_scale_transform_frame);

  gst_type_mark_as_plugin_api (GST_TYPE_IMM_RESIZE_MODE, 0);
}

static void
gst_imm_scale_init (GstImmScale * self)
{
  self->width = DEFAULT_WIDTH;
  self->height = DEFAULT_HEIGHT;
  self->scale_type = DEFAULT_SCALE_TYPE;
  self->border_color = DEFAULT_BORDER_COLOR;
  self->method = DEFAULT_METHOD;
  self->threads = DEFAULT_THREADS;
  self->cubic_b = DEFAULT_CUBIC_B;
  self->cubic_c = DEFAULT_CUBIC_C;
}
