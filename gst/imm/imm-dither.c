/* imm-gst: mapping RGBA pictures to palette indices, with dithering.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-dither.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const guint8 bayer8[8][8] = {
  {0, 32, 8, 40, 2, 34, 10, 42},
  {48, 16, 56, 24, 50, 18, 58, 26},
  {12, 44, 4, 36, 14, 46, 6, 38},
  {60, 28, 52, 20, 62, 30, 54, 22},
  {3, 35, 11, 43, 1, 33, 9, 41},
  {51, 19, 59, 27, 49, 17, 57, 25},
  {15, 47, 7, 39, 13, 45, 5, 37},
  {63, 31, 55, 23, 61, 29, 53, 21},
};

static inline guint8
clamp8 (gint v)
{
  return v < 0 ? 0 : (v > 255 ? 255 : v);
}

static void
dither_ordered (ImmPaletteMap * map, guint strength, const guint8 * rgba,
    guint width, guint height, gsize stride, guint8 * out)
{
  guint x, y;
  gint offs[8][8];

  for (y = 0; y < 8; y++)
    for (x = 0; x < 8; x++)
      offs[y][x] = ((2 * (gint) bayer8[y][x] - 63) * (gint) strength) / 128;

  for (y = 0; y < height; y++) {
    const guint8 *p = rgba + y * stride;
    guint8 *o = out + (gsize) y * width;

    for (x = 0; x < width; x++, p += 4) {
      gint d = offs[y & 7][x & 7];

      o[x] = imm_palette_map_lookup (map, clamp8 (p[0] + d), clamp8 (p[1] + d),
          clamp8 (p[2] + d));
    }
  }
}

/* Error diffusion with the error kept in 1/16 units over two rows. */
/* Floyd-Steinberg's share of @err (channel @k of pixel @x): 7/16 right in
 * this row (@e is this pixel's slot, one pixel of margin on the left),
 * 3/16 below-left, 5/16 below, 1/16 below-right in @next. */
static inline void
spread_floyd_steinberg (gint * e, gint * next, gint x, gint k, gint err)
{
  e[3 + k] += err * 7;
  next[3 * x + k] += err * 3;
  next[3 * (x + 1) + k] += err * 5;
  next[3 * (x + 2) + k] += err;
}

static void
dither_diffuse (ImmPaletteMap * map, gboolean sierra, const guint8 * rgba,
    guint width, guint height, gsize stride, guint8 * out)
{
  const ImmRgb *pal = imm_palette_map_colors (map, NULL);
  gint *cur = g_new0 (gint, 3 * (width + 2));
  gint *next = g_new0 (gint, 3 * (width + 2));
  guint x, y, k;

  for (y = 0; y < height; y++) {
    const guint8 *p = rgba + y * stride;
    guint8 *o = out + (gsize) y * width;
    gint *tmp;

    memset (next, 0, sizeof (gint) * 3 * (width + 2));
    for (x = 0; x < width; x++, p += 4) {
      gint *e = cur + 3 * (x + 1);
      gint v[3];
      guint8 idx;
      const guint8 *c;

      for (k = 0; k < 3; k++)
        v[k] = clamp8 (p[k] + (e[k] + (e[k] >= 0 ? 8 : -8)) / 16);
      idx = imm_palette_map_lookup (map, v[0], v[1], v[2]);
      o[x] = idx;
      c = &pal[idx].r;
      for (k = 0; k < 3; k++) {
        gint err = v[k] - c[k];

        if (sierra) {
          /* Sierra Lite: 2 right, 1 below-left, 1 below (of 4). */
          e[3 + k] += err * 8;
          next[3 * x + k] += err * 4;
          next[3 * (x + 1) + k] += err * 4;
        } else {
          spread_floyd_steinberg (e, next, x, k, err);
        }
      }
    }
    tmp = cur;
    cur = next;
    next = tmp;
  }
  g_free (cur);
  g_free (next);
}

void
imm_dither_rgba (ImmPaletteMap * map, ImmDitherMethod method,
    guint strength, const guint8 * rgba, guint width, guint height,
    gsize stride, guint8 * out)
{
  switch (method) {
    case IMM_DITHER_NONE:
      dither_ordered (map, 0, rgba, width, height, stride, out);
      break;
    case IMM_DITHER_BAYER:
      dither_ordered (map, MIN (strength, 64), rgba, width, height, stride,
          out);
      break;
    case IMM_DITHER_FLOYD_STEINBERG:
    case IMM_DITHER_SIERRA_LITE:
      dither_diffuse (map, method == IMM_DITHER_SIERRA_LITE, rgba, width,
          height, stride, out);
      break;
  }
}

/* Distance (imm_rgb_distance) of the rounded mean change, source minus
 * @shown, over the 3x3 neighbourhood of pixel (@x, @y) (the part inside
 * the picture). */
static guint
box_change (const guint8 * rgba, gsize stride, const guint8 * shown,
    guint width, guint height, guint x, guint y)
{
  guint x0 = x > 0 ? x - 1 : 0, x1 = MIN (x + 1, width - 1);
  guint y0 = y > 0 ? y - 1 : 0, y1 = MIN (y + 1, height - 1), xx, yy, k;
  gint n = (gint) ((x1 - x0 + 1) * (y1 - y0 + 1)), sum[3] = { 0 };

  if (n == 9) {
    /* inside the picture (nearly all calls): 3 rows of 3, unrolled */
    for (yy = y0; yy <= y1; yy++) {
      const guint8 *p = rgba + yy * stride + 4 * x0;
      const guint8 *s = shown + ((gsize) yy * width + x0) * 3;

      for (k = 0; k < 3; k++)
        sum[k] += (gint) p[k] + (gint) p[4 + k] + (gint) p[8 + k]
            - (gint) s[k] - (gint) s[3 + k] - (gint) s[6 + k];
    }
    for (k = 0; k < 3; k++)
      sum[k] = (sum[k] + (sum[k] >= 0 ? 4 : -4)) / 9;
    return (guint) (3 * sum[0] * sum[0] + 6 * sum[1] * sum[1] +
        2 * sum[2] * sum[2]);
  }
  for (yy = y0; yy <= y1; yy++) {
    const guint8 *p = rgba + yy * stride + 4 * x0;
    const guint8 *s = shown + ((gsize) yy * width + x0) * 3;

    for (xx = x0; xx <= x1; xx++, p += 4, s += 3)
      for (k = 0; k < 3; k++)
        sum[k] += (gint) p[k] - (gint) s[k];
  }
  /* the mean rounded half away from zero */
  for (k = 0; k < 3; k++)
    sum[k] = (sum[k] + (sum[k] >= 0 ? n / 2 : -n / 2)) / n;
  return (guint) (3 * sum[0] * sum[0] + 6 * sum[1] * sum[1] +
      2 * sum[2] * sum[2]);
}

/* Whether the 4 neighbours of (x, y) inside the picture are shown exactly as
 * their source was when written (@canvas equals @shown). */
static gboolean
exact_around (const guint8 * canvas, const guint8 * shown, guint width,
    guint height, guint x, guint y)
{
  static const gint dx[4] = { -1, 1, 0, 0 }, dy[4] = { 0, 0, -1, 1 };
  guint k;

  for (k = 0; k < 4; k++) {
    gint xx = (gint) x + dx[k], yy = (gint) y + dy[k];
    gsize o;

    if (xx < 0 || yy < 0 || xx >= (gint) width || yy >= (gint) height)
      continue;
    o = ((gsize) yy * width + xx) * 3;
    if (memcmp (canvas + o, shown + o, 3) != 0)
      return FALSE;
  }
  return TRUE;
}

/* imm_dither_mark_changes' arguments, and each part's count */
typedef struct
{
  const guint8 *rgba, *shown, *canvas;
  gsize stride;
  guint width, height, tolerance, refine;
  guint8 *mask;
  guint changed[64];
} MarkJob;

/* The mark of pixel (@x, @y), whose source is @p, its screen colour @c
 * and its source when written @s (see imm_dither_mark_changes). */
static inline guint8
mark_pixel (const MarkJob * j, guint x, guint y, const guint8 * p,
    const guint8 * s, const guint8 * c)
{
  guint tolerance = j->tolerance, dp, e, tol;

  /* unchanged since written, and shown exactly: nothing to do (most
   * pixels of screen content and still backgrounds) */
  if (p[0] == s[0] && p[1] == s[1] && p[2] == s[2] && c[0] == s[0]
      && c[1] == s[1] && c[2] == s[2])
    return IMM_DITHER_KEEP;
  dp = imm_rgb_distance (p[0], p[1], p[2], s[0], s[1], s[2]);
  /* The noise floor: a pixel shown with a quantization error (its
   * colour on screen against its source when written) may drift by up
   * to 4 times that error, at most twice the tolerance, before it is
   * written again: drift under the error already on screen changes
   * little. Gradient 1.41 -> 1.34x gifski's bytes at the same SSIM;
   * exact pixels (flat areas, UI) keep the tolerance. */
  e = imm_rgb_distance (c[0], c[1], c[2], s[0], s[1], s[2]);
  tol = CLAMP (4 * e, tolerance, 2 * tolerance);

  /* A pixel past the tolerance is written when its 3x3 neighbourhood
   * moved too (its mean change past half the tolerance), or when it
   * alone moved far (4x): isolated noise is not written, which on the
   * bench saved 5-25 % of the bytes on film, camera and gradient with
   * less flicker, at a little SSIM on the gradient (see
   * bench/README.md). At tolerance 0 every change is written. */
  if (dp > tol && (dp > 4 * tol
          || 2 * box_change (j->rgba, j->stride, j->shown, j->width,
              j->height, x, y) > tol))
    return IMM_DITHER_WRITE;
  if (j->refine > 0 && imm_rgb_distance (p[0], p[1], p[2], c[0], c[1],
          c[2]) > j->refine && !(dp > tol && e == 0
          && exact_around (j->canvas, j->shown, j->width, j->height, x, y)))
    /* Refining shows a still pixel better once a later palette can;
     * a pixel shown exactly, among exact ones (screen content), has
     * nothing to gain from a palette: what it is off by is its own
     * change, which the 3x3 test above found isolated (on the ui a
     * 1-pixel line whose chroma moved at constant luma as the page
     * scrolled: refined, it cost 0.0005 of the 0.0012 flicker). */
    return IMM_DITHER_REFINE;
  return IMM_DITHER_KEEP;
}

#ifdef __SSE2__
/* mark_pixel four pixels at a time, in SSE2 (x86-64's baseline): the
 * rule pixel by pixel took 14-19 % of the GIF's time on the gradient and
 * camera clips, its branches taken at random where dither and noise
 * decide. The same integer arithmetic, so the same marks. */

/* Four RGB pixels from @s (3 bytes each, 16 bytes read) as RGB0 lanes */
static inline __m128i
load_rgb4 (const guint8 * s)
{
  const __m128i v = _mm_loadu_si128 ((const __m128i *) s);
  const gint rgb = 0x00ffffff;

  /* pixel i's bytes 3i .. 3i + 2 moved up by i into lane i */
  return _mm_or_si128 (_mm_or_si128 (_mm_and_si128 (v, _mm_set_epi32 (0, 0,
                  0, rgb)), _mm_and_si128 (_mm_slli_si128 (v, 1),
              _mm_set_epi32 (0, 0, rgb, 0))),
      _mm_or_si128 (_mm_and_si128 (_mm_slli_si128 (v, 2), _mm_set_epi32 (0,
                  rgb, 0, 0)), _mm_and_si128 (_mm_slli_si128 (v, 3),
              _mm_set_epi32 (rgb, 0, 0, 0))));
}

/* imm_rgb_distance of the pixels of two pairs of 16-bit channel
 * differences, @lo (pixels 0 and 1) and @hi (2 and 3), as 4 lanes */
static inline __m128i
distance4 (__m128i lo, __m128i hi)
{
  const __m128i w = _mm_set_epi16 (0, 2, 6, 3, 0, 2, 6, 3);
  __m128i a = _mm_madd_epi16 (lo, _mm_mullo_epi16 (lo, w));
  __m128i b = _mm_madd_epi16 (hi, _mm_mullo_epi16 (hi, w));

  /* r and g in lane 2k, b in lane 2k + 1: their sums into lanes 0 and 2 */
  a = _mm_add_epi32 (a, _mm_srli_epi64 (a, 32));
  b = _mm_add_epi32 (b, _mm_srli_epi64 (b, 32));
  return _mm_unpacklo_epi64 (_mm_shuffle_epi32 (a, _MM_SHUFFLE (3, 3, 2, 0)),
      _mm_shuffle_epi32 (b, _MM_SHUFFLE (3, 3, 2, 0)));
}

static inline __m128i
diff_distance4 (__m128i a, __m128i b)
{
  const __m128i z = _mm_setzero_si128 ();

  return distance4 (_mm_sub_epi16 (_mm_unpacklo_epi8 (a, z),
          _mm_unpacklo_epi8 (b, z)), _mm_sub_epi16 (_mm_unpackhi_epi8 (a, z),
          _mm_unpackhi_epi8 (b, z)));
}

static inline __m128i
select4 (__m128i mask, __m128i a, __m128i b)
{
  return _mm_or_si128 (_mm_and_si128 (mask, a), _mm_andnot_si128 (mask, b));
}

/* Row @y's source minus its source when written, 16 bits a channel (4
 * lanes a pixel, the last 0), into @d */
static void
row_diff (const MarkJob * j, guint y, gint16 * d)
{
  const guint8 *p = j->rgba + y * j->stride;
  const guint8 *s = j->shown + (gsize) y * j->width * 3;
  const __m128i m = _mm_set1_epi32 (0x00ffffff), z = _mm_setzero_si128 ();
  guint x = 0, k;

  /* 16 bytes of shown read for 4 pixels: the row's last 6 one by one */
  for (; x + 6 <= j->width; x += 4) {
    __m128i a = _mm_and_si128 (_mm_loadu_si128 ((const __m128i *) (p + 4 *
                x)), m), b = load_rgb4 (s + 3 * x);

    _mm_storeu_si128 ((__m128i *) (d + 4 * x),
        _mm_sub_epi16 (_mm_unpacklo_epi8 (a, z), _mm_unpacklo_epi8 (b, z)));
    _mm_storeu_si128 ((__m128i *) (d + 4 * x + 8),
        _mm_sub_epi16 (_mm_unpackhi_epi8 (a, z), _mm_unpackhi_epi8 (b, z)));
  }
  for (; x < j->width; x++) {
    for (k = 0; k < 3; k++)
      d[4 * x + k] = (gint16) p[4 * x + k] - (gint16) s[3 * x + k];
    d[4 * x + 3] = 0;
  }
}

/* box_change's rounded mean of 9 summed differences (|sum| <= 2295),
 * 16-bit lanes: (|sum| + 4) / 9 as (|sum| + 4) * 7282 >> 16, exact below
 * 32768, with the sign of the sum */
static inline __m128i
mean9 (__m128i sum)
{
  __m128i sign = _mm_srai_epi16 (sum, 15);
  __m128i a = _mm_max_epi16 (sum, _mm_sub_epi16 (_mm_setzero_si128 (), sum));
  __m128i q = _mm_mulhi_epu16 (_mm_add_epi16 (a, _mm_set1_epi16 (4)),
      _mm_set1_epi16 (7282));

  return _mm_sub_epi16 (_mm_xor_si128 (q, sign), sign);
}

/* row_diff of 3 rows in turn (row r in ring[r % 3]) and, for the row
 * being marked, their sum: made when a group of the row first needs its
 * 3x3 box (rows of still screen content never do) */
typedef struct
{
  gint16 *ring, *cs;
  gint ring_row[3];
  gint cs_row;
} ColumnSums;

static const gint16 *
column_sums (const MarkJob * j, ColumnSums * sums, guint y)
{
  gsize w4 = 4 * (gsize) j->width, i;
  guint r;

  if (sums->cs_row == (gint) y)
    return sums->cs;
  for (r = y - 1; r <= y + 1; r++)
    if (sums->ring_row[r % 3] != (gint) r) {
      row_diff (j, r, sums->ring + w4 * (r % 3));
      sums->ring_row[r % 3] = r;
    }
  for (i = 0; i + 8 <= w4; i += 8)
    _mm_storeu_si128 ((__m128i *) (sums->cs + i),
        _mm_add_epi16 (_mm_add_epi16 (_mm_loadu_si128 ((const __m128i *)
                    (sums->ring + i)), _mm_loadu_si128 ((const __m128i *)
                    (sums->ring + w4 + i))), _mm_loadu_si128 ((const __m128i *)
                (sums->ring + 2 * w4 + i))));
  for (; i < w4; i++)
    sums->cs[i] = sums->ring[i] + sums->ring[w4 + i] + sums->ring[2 * w4 + i];
  sums->cs_row = y;
  return sums->cs;
}

/* Marks pixels 1 .. width - 2 of row @y (0 < y < height - 1, the 3x3
 * box inside the picture) as far as groups of 4 reach. Returns the first
 * pixel left and adds the written ones to @n. */
static guint
mark_row_sse2 (const MarkJob * j, guint y, ColumnSums * sums, guint * n)
{
  const guint8 *rgba = j->rgba + y * j->stride;
  const guint8 *shown = j->shown + (gsize) y * j->width * 3;
  const guint8 *canvas = j->canvas + (gsize) y * j->width * 3;
  guint8 *mask = j->mask + (gsize) y * j->width;
  const __m128i rgb = _mm_set1_epi32 (0x00ffffff);
  const __m128i tmin = _mm_set1_epi32 ((gint) j->tolerance);
  const __m128i tmax = _mm_set1_epi32 ((gint) (2 * j->tolerance));
  const __m128i refine = _mm_set1_epi32 ((gint) j->refine);
  const __m128i zero = _mm_setzero_si128 ();
  guint x;

  for (x = 1; x + 4 <= j->width - 1; x += 4) {
    __m128i p = _mm_and_si128 (_mm_loadu_si128 ((const __m128i *) (rgba +
                4 * x)), rgb);
    __m128i s = load_rgb4 (shown + 3 * x), c = load_rgb4 (canvas + 3 * x);
    __m128i exact = _mm_and_si128 (_mm_cmpeq_epi32 (p, s),
        _mm_cmpeq_epi32 (c, s));
    __m128i dp, e, pc, e4, tol, past, far, box, write, ref;
    const gint16 *b;
    gint out, bits;

    /* all 4 unchanged and shown exactly (still screen content) */
    if (_mm_movemask_ps (_mm_castsi128_ps (exact)) == 0xf) {
      memset (mask + x, IMM_DITHER_KEEP, 4);
      continue;
    }
    dp = diff_distance4 (p, s);
    e = diff_distance4 (c, s);
    pc = diff_distance4 (p, c);
    e4 = _mm_slli_epi32 (e, 2);

    /* CLAMP (4 * e, tolerance, 2 * tolerance) */
    tol = select4 (_mm_cmpgt_epi32 (e4, tmax), tmax,
        select4 (_mm_cmpgt_epi32 (tmin, e4), tmin, e4));
    past = _mm_cmpgt_epi32 (dp, tol);
    far = _mm_cmpgt_epi32 (dp, _mm_slli_epi32 (tol, 2));
    /* the 3x3 box decides only past the tolerance and not 4x past it */
    box = zero;
    if (_mm_movemask_ps (_mm_castsi128_ps (_mm_andnot_si128 (far, past)))) {
      b = column_sums (j, sums, y) + 4 * (x - 1);
      box = _mm_cmpgt_epi32 (_mm_slli_epi32 (distance4 (mean9 (_mm_add_epi16
                      (_mm_add_epi16 (_mm_loadu_si128 ((const __m128i *) b),
                              _mm_loadu_si128 ((const __m128i *) (b + 4))),
                          _mm_loadu_si128 ((const __m128i *) (b + 8)))),
                  mean9 (_mm_add_epi16 (_mm_add_epi16 (_mm_loadu_si128
                              ((const __m128i *) (b + 8)), _mm_loadu_si128
                              ((const __m128i *) (b + 12))), _mm_loadu_si128
                          ((const __m128i *) (b + 16))))), 1), tol);
    }
    write = _mm_andnot_si128 (exact, _mm_and_si128 (past, _mm_or_si128 (far,
                box)));
    ref = j->refine > 0 ? _mm_andnot_si128 (_mm_or_si128 (exact, write),
        _mm_cmpgt_epi32 (pc, refine)) : zero;
    /* KEEP 0, WRITE 1, REFINE 2 as bytes */
    {
      __m128i code = _mm_or_si128 (_mm_and_si128 (write, _mm_set1_epi32 (1)),
          _mm_and_si128 (ref, _mm_set1_epi32 (2)));

      code = _mm_packs_epi32 (code, code);
      out = _mm_cvtsi128_si32 (_mm_packus_epi16 (code, code));
      memcpy (mask + x, &out, 4);
    }
    bits = _mm_movemask_ps (_mm_castsi128_ps (write));
    /* the bits set in 0 .. 15 (__builtin_popcount is a call without
     * -mpopcnt) */
    *n += (0x4332322132212110ull >> (4 * bits)) & 0xf;
    /* a refined pixel past the tolerance, shown exactly: the neighbours
     * decide (exact_around), one by one */
    bits = _mm_movemask_ps (_mm_castsi128_ps (_mm_and_si128 (_mm_and_si128
                (ref, past), _mm_cmpeq_epi32 (e, zero))));
    while (bits) {
      guint i = (guint) __builtin_ctz ((guint) bits);

      bits &= bits - 1;
      mask[x + i] = mark_pixel (j, x + i, y, rgba + 4 * (x + i),
          shown + 3 * (x + i), canvas + 3 * (x + i));
    }
  }
  return x;
}
#endif

/* Marks rows [y0, y1): each pixel reads the inputs only, so the rows can
 * be split between threads with the same marks. */
static guint
mark_rows (const MarkJob * j, guint y0, guint y1)
{
  guint width = j->width, x, y, n = 0;
#ifdef __SSE2__
  ColumnSums sums = { NULL, NULL, {-1, -1, -1}, -1 };
  /* the lanes hold distances and 4 times the tolerance */
  gboolean vector = width >= 6 && j->height >= 3
      && j->tolerance <= (1u << 26) && j->refine <= (1u << 30);

  if (vector) {
    sums.ring = g_new (gint16, 4 * (gsize) width * 4);
    sums.cs = sums.ring + 3 * 4 * (gsize) width;
  }
#endif

  for (y = y0; y < y1; y++) {
    const guint8 *p = j->rgba + y * j->stride;
    const guint8 *s = j->shown + (gsize) y * width * 3;
    const guint8 *c = j->canvas + (gsize) y * width * 3;
    guint8 *m = j->mask + (gsize) y * width;

    x = 0;
#ifdef __SSE2__
    if (vector && y > 0 && y + 1 < j->height) {
      m[0] = mark_pixel (j, 0, y, p, s, c);
      n += m[0] == IMM_DITHER_WRITE;
      x = mark_row_sse2 (j, y, &sums, &n);
    }
#endif
    for (; x < width; x++) {
      m[x] = mark_pixel (j, x, y, p + 4 * x, s + 3 * x, c + 3 * x);
      n += m[x] == IMM_DITHER_WRITE;
    }
  }
#ifdef __SSE2__
  g_free (sums.ring);
#endif
  return n;
}

static void
mark_part (guint part, guint n_parts, gpointer data)
{
  MarkJob *j = data;
  guint y0, y1;

  imm_parallel_slice (part, n_parts, j->height, &y0, &y1);
  j->changed[part] = mark_rows (j, y0, y1);
}

guint
imm_dither_mark_changes_parallel (const guint8 * rgba, gsize stride,
    guint width, guint height, const guint8 * shown, guint tolerance,
    const guint8 * canvas, guint refine, guint8 * mask, ImmParallel * par)
{
  MarkJob j;
  guint i, n = 0;

  if (!shown) {
    memset (mask, IMM_DITHER_WRITE, (gsize) width * height);
    return width * height;
  }
  j.rgba = rgba;
  j.shown = shown;
  j.canvas = canvas;
  j.stride = stride;
  j.width = width;
  j.height = height;
  j.tolerance = tolerance;
  j.refine = refine;
  j.mask = mask;
  g_return_val_if_fail (imm_parallel_parts (par) <= G_N_ELEMENTS (j.changed),
      0);
  imm_parallel_run (par, mark_part, &j);
  for (i = 0; i < imm_parallel_parts (par); i++)
    n += j.changed[i];
  return n;
}

guint
imm_dither_mark_changes (const guint8 * rgba, gsize stride, guint width,
    guint height, const guint8 * shown, guint tolerance,
    const guint8 * canvas, guint refine, guint8 * mask)
{
  return imm_dither_mark_changes_parallel (rgba, stride, width, height,
      shown, tolerance, canvas, refine, mask, NULL);
}

/* Pixels a wavefront row waits for at a time (see diffuse_part). */
#define CHUNK 32

/* Waits until the row whose progress is @done has spread its error up to
 * (not including) pixel @need: the other thread is a few pixels ahead in
 * nearly all waits, so it spins, and yields when it does not come. */
static void
wait_done (gint * done, guint need)
{
  guint spins = 0;

  while ((guint) g_atomic_int_get (done) < need)
    if (++spins > 100)
      g_thread_yield ();
}

/* A pixel's error in imm_dither_diffuse_temporal: r, g, b and an unused
 * lane that stays 0, so the compiler keeps it in one SSE register and
 * each step is one instruction for the three channels (the same integer
 * arithmetic as channel by channel: the same indices; diffusion was a
 * third of the gradient's instructions). */
typedef gint32 ErrVec __attribute__ ((vector_size (16)));
/* the same bits unsigned: a left shift of a negative error is defined */
typedef guint32 ErrBits __attribute__ ((vector_size (16)));
#define TIMES_2_POW(v, n) ((ErrVec) ((ErrBits) (v) << (n)))

/* One row of imm_dither_diffuse_temporal: @cur holds the error spread into
 * it (one pixel of margin on the left), @next (zeroed) gets what it
 * spreads below. With @above, the progress of the row above on another
 * thread, each pixel waits until that row has spread all its error into
 * @cur there (pixel x + 1 spreads into x) and moved past what this pixel
 * writes (x + 2); this row's progress goes to @self. */
static void
diffuse_row (ImmPaletteMap * map, const ImmRgb * pal, guint strength,
    guint refine, const guint8 * p, const guint8 * m, const guint8 * cv,
    guint width, guint keep, guint8 * o, ErrVec * cur, ErrVec * next,
    gint * above, gint * self)
{
  const ErrVec zero = { 0, 0, 0, 0 }, top = { 255, 255, 255, 0 };
  guint x, x0, x1;

  for (x0 = 0; x0 < width; x0 = x1) {
    x1 = MIN (x0 + CHUNK, width);
    /* pixels x0 .. x1 - 1 need the row above done up to x1 + 1 */
    if (above)
      wait_done (above, MIN (x1 + 2, width));
    if (self && x0 > 0)
      g_atomic_int_set (self, (gint) x0);
    for (x = x0; x < x1; x++, p += 4) {
      ErrVec *e = cur + x + 1;
      ErrVec ev = *e, v, shown, err, over;
      const guint8 *c;
      gint found = -1;          /* a written pixel's entry, if looked up */

      /* A kept pixel shown exactly, with no error coming in, spreads none:
       * the output is the same without the arithmetic below (most pixels of
       * screen content: on the ui clip diffusion was 37 % of the
       * instructions, nearly all of them here). */
      if ((ev[0] | ev[1] | ev[2]) == 0) {
        if (m && m[x] == IMM_DITHER_KEEP && p[0] == cv[3 * x]
            && p[1] == cv[3 * x + 1] && p[2] == cv[3 * x + 2]) {
          o[x] = keep;
          continue;
        }
        /* likewise a written pixel the palette holds exactly (screen
         * content: ui's diffusion 334 M -> 214 M instructions) */
        if (!m || m[x] == IMM_DITHER_WRITE) {
          found = imm_palette_map_lookup (map, p[0], p[1], p[2]);
          if (pal[found].r == p[0] && pal[found].g == p[1]
              && pal[found].b == p[2]) {
            o[x] = found;
            continue;
          }
        }
      }

      /* the error is kept in 1/256 units: 16ths of the diffusion weights
       * times 16ths of the strength */
      /* rounded half away from zero, as (e + (e >= 0 ? 128 : -128)) / 256,
       * in a shift (the division was 7 % of testsrc's instructions); a
       * comparison is -1 where true */
      v = (ErrVec) { p[0], p[1], p[2], 0 } + ((ev + 127 - (ev >= zero)) >> 8);
      v &= ~(v < zero);
      over = v > top;
      v = (v & ~over) | (top & over);
      if (m && m[x] == IMM_DITHER_KEEP) {
        o[x] = keep;
        c = cv + 3 * x;
      } else {
        /* with no error coming in v is the source colour: its entry was
         * looked up above */
        guint8 idx = found >= 0 ? (guint8) found :
            imm_palette_map_lookup (map, v[0], v[1], v[2]);

        /* A still pixel is written again only when the new palette shows
         * it clearly better than the screen does. */
        if (m && m[x] == IMM_DITHER_REFINE
            && imm_rgb_distance (v[0], v[1], v[2], cv[3 * x], cv[3 * x + 1],
                cv[3 * x + 2]) <= imm_rgb_distance (v[0], v[1], v[2],
                pal[idx].r, pal[idx].g, pal[idx].b) + refine)
          idx = keep;
        else if (m && m[x] == IMM_DITHER_RESHOW) {
          /* Written in any case (no hole for the LZW), but with the entry
           * nearest the colour on screen where that is as close to the
           * wanted colour as the best one: on the gradient, re-dithering
           * ties afresh gave 0.171 flicker, this 0.147. */
          guint8 near = imm_palette_map_lookup (map, cv[3 * x], cv[3 * x + 1],
              cv[3 * x + 2]);

          if (imm_rgb_distance (v[0], v[1], v[2], pal[near].r, pal[near].g,
                  pal[near].b) <= imm_rgb_distance (v[0], v[1], v[2],
                  pal[idx].r, pal[idx].g, pal[idx].b))
            idx = near;
        }
        o[x] = idx;
        c = idx == keep ? cv + 3 * x : &pal[idx].r;
      }
      /* Floyd-Steinberg: 7/16 right, 3/16 below-left, 5/16 below, 1/16
       * below-right */
      shown = (ErrVec) { c[0], c[1], c[2], 0 };
      err = (v - shown) * (gint) strength;
      /* the weights in shifts: SSE2 has no 32-bit vector multiply */
      e[1] += TIMES_2_POW (err, 3) - err;
      next[x] += TIMES_2_POW (err, 1) + err;
      next[x + 1] += TIMES_2_POW (err, 2) + err;
      next[x + 2] += err;
    }
  }
  if (self)
    g_atomic_int_set (self, (gint) width);
}

/* imm_dither_diffuse_temporal's arguments, split by rows: row y on part
 * y % n_parts, a wavefront, each row a few pixels behind the one above.
 * The error is spread in integers, so each pixel gets the same sum in any
 * order, and each part looks colours up in a map of the same palette
 * (followers of the first, sharing its cache): the indices are those of
 * one thread. */
typedef struct
{
  ImmPaletteMap *map, **helpers;
  guint strength, refine, width, height, keep;
  const guint8 *rgba, *mask, *canvas;
  gsize stride;
  guint8 *out;
  ErrVec **bufs;                /* n_parts + 1 rows of error, in turn */
  gint *done;                   /* each row's progress, in pixels */
} DiffuseJob;

static void
diffuse_part (guint part, guint n_parts, gpointer data)
{
  DiffuseJob *j = data;
  /* the same palette, this part's map (its own search state) */
  ImmPaletteMap *map = part > 0 ? j->helpers[part - 1] : j->map;
  const ImmRgb *pal = imm_palette_map_colors (map, NULL);
  guint y;

  for (y = part; y < j->height; y += n_parts) {
    ErrVec *cur = j->bufs[y % (n_parts + 1)];
    ErrVec *next = j->bufs[(y + 1) % (n_parts + 1)];

    /* the rows that used this buffer before are done: the row n_parts
     * above ran on this thread */
    memset (next, 0, sizeof (ErrVec) * (j->width + 2));
    diffuse_row (map, pal, j->strength, j->refine, j->rgba + y * j->stride,
        j->mask ? j->mask + (gsize) y * j->width : NULL,
        j->canvas ? j->canvas + (gsize) y * j->width * 3 : NULL, j->width,
        j->keep, j->out + (gsize) y * j->width, cur, next,
        n_parts > 1 && y > 0 ? &j->done[y - 1] : NULL,
        n_parts > 1 ? &j->done[y] : NULL);
  }
}

void
imm_dither_diffuse_temporal_parallel (ImmPaletteMap * map,
    ImmPaletteMap ** helpers, guint strength, guint refine,
    const guint8 * rgba, gsize stride, guint width, guint height,
    const guint8 * mask, const guint8 * canvas, guint keep, guint8 * out,
    ImmParallel * par)
{
  DiffuseJob j;
  guint i, n = helpers ? imm_parallel_parts (par) : 1;

  j.map = map;
  j.helpers = helpers;
  j.strength = MIN (strength, 16);
  j.refine = refine;
  j.width = width;
  j.height = height;
  j.keep = keep;
  j.rgba = rgba;
  j.stride = stride;
  j.mask = mask;
  j.canvas = canvas;
  j.out = out;
  j.bufs = g_new (ErrVec *, n + 1);
  for (i = 0; i <= n; i++)
    j.bufs[i] = g_aligned_alloc0 (width + 2, sizeof (ErrVec), sizeof (ErrVec));
  j.done = n > 1 ? g_new0 (gint, height) : NULL;
  if (n > 1)
    imm_parallel_run (par, diffuse_part, &j);
  else
    diffuse_part (0, 1, &j);
  for (i = 0; i <= n; i++)
    g_aligned_free (j.bufs[i]);
  g_free (j.bufs);
  g_free (j.done);
}

void
imm_dither_diffuse_temporal (ImmPaletteMap * map, guint strength,
    guint refine, const guint8 * rgba, gsize stride, guint width, guint height,
    const guint8 * mask, const guint8 * canvas, guint keep, guint8 * out)
{
  imm_dither_diffuse_temporal_parallel (map, NULL, strength, refine,
      rgba, stride, width, height, mask, canvas, keep, out, NULL);
}

/* imm_dither_crop's and imm_dither_commit's arguments, and each part's
 * bounding box */
typedef struct
{
  const guint8 *indices;
  guint width, height, keep;
  guint8 *out;
  ImmDitherRect *rect;
  guint box[64][4];             /* x0, y0, x1, y1 of each part's rows */
  const ImmRgb *palette;
  const guint8 *rgba;
  gsize stride;
  guint8 *canvas, *shown;
} CropJob;

static void
bound_part (guint part, guint n_parts, gpointer data)
{
  CropJob *j = data;
  guint x, y, x0 = j->width, y0 = j->height, x1 = 0, y1 = 0, ya, yb;

  imm_parallel_slice (part, n_parts, j->height, &ya, &yb);
  for (y = ya; y < yb; y++) {
    const guint8 *i = j->indices + (gsize) y * j->width;

    for (x = 0; x < j->width; x++) {
      if (i[x] == j->keep)
        continue;
      x0 = MIN (x0, x);
      x1 = MAX (x1, x);
      y0 = MIN (y0, y);
      y1 = MAX (y1, y);
    }
  }
  j->box[part][0] = x0;
  j->box[part][1] = y0;
  j->box[part][2] = x1;
  j->box[part][3] = y1;
}

static void
copy_part (guint part, guint n_parts, gpointer data)
{
  CropJob *j = data;
  ImmDitherRect *rect = j->rect;
  guint y, ya, yb;

  imm_parallel_slice (part, n_parts, rect->height, &ya, &yb);
  for (y = ya; y < yb; y++)
    memcpy (j->out + (gsize) y * rect->width,
        j->indices + (gsize) (rect->y + y) * j->width + rect->x, rect->width);
}

gboolean
imm_dither_crop_parallel (const guint8 * indices, guint width, guint height,
    guint keep, guint8 * out, ImmDitherRect * rect, ImmParallel * par)
{
  CropJob j;
  guint x0 = width, y0 = height, x1 = 0, y1 = 0, i;

  g_return_val_if_fail (imm_parallel_parts (par) <= G_N_ELEMENTS (j.box),
      FALSE);
  j.indices = indices;
  j.width = width;
  j.height = height;
  j.keep = keep;
  j.out = out;
  j.rect = rect;
  imm_parallel_run (par, bound_part, &j);
  for (i = 0; i < imm_parallel_parts (par); i++) {
    x0 = MIN (x0, j.box[i][0]);
    y0 = MIN (y0, j.box[i][1]);
    x1 = MAX (x1, j.box[i][2]);
    y1 = MAX (y1, j.box[i][3]);
  }
  if (x0 > x1 || y0 > y1) {
    rect->x = rect->y = rect->width = rect->height = 0;
    return FALSE;
  }
  rect->x = x0;
  rect->y = y0;
  rect->width = x1 - x0 + 1;
  rect->height = y1 - y0 + 1;
  imm_parallel_run (par, copy_part, &j);
  return TRUE;
}

gboolean
imm_dither_crop (const guint8 * indices, guint width, guint height,
    guint keep, guint8 * out, ImmDitherRect * rect)
{
  return imm_dither_crop_parallel (indices, width, height, keep, out, rect,
      NULL);
}

static void
commit_part (guint part, guint n_parts, gpointer data)
{
  CropJob *j = data;
  const ImmDitherRect *rect = j->rect;
  const ImmRgb *palette = j->palette;
  guint x, y, ya, yb;

  imm_parallel_slice (part, n_parts, rect->height, &ya, &yb);
  for (y = ya; y < yb; y++) {
    const guint8 *i = j->out + (gsize) y * rect->width;
    gsize row = (gsize) (rect->y + y) * j->width + rect->x;
    const guint8 *p = j->rgba + (rect->y + y) * j->stride + 4 * rect->x;

    for (x = 0; x < rect->width; x++, p += 4) {
      guint8 *c = j->canvas + 3 * (row + x), *s = j->shown + 3 * (row + x);

      if (i[x] == j->keep)
        continue;
      c[0] = palette[i[x]].r;
      c[1] = palette[i[x]].g;
      c[2] = palette[i[x]].b;
      s[0] = p[0];
      s[1] = p[1];
      s[2] = p[2];
    }
  }
}

void
imm_dither_commit_parallel (const guint8 * cropped,
    const ImmDitherRect * rect, const ImmRgb * palette, guint keep,
    const guint8 * rgba, gsize stride, guint width, guint8 * canvas,
    guint8 * shown, ImmParallel * par)
{
  CropJob j;

  j.out = (guint8 *) cropped;
  j.rect = (ImmDitherRect *) rect;
  j.palette = palette;
  j.keep = keep;
  j.rgba = rgba;
  j.stride = stride;
  j.width = width;
  j.canvas = canvas;
  j.shown = shown;
  imm_parallel_run (par, commit_part, &j);
}

void
imm_dither_commit (const guint8 * cropped, const ImmDitherRect * rect,
    const ImmRgb * palette, guint keep, const guint8 * rgba, gsize stride,
    guint width, guint8 * canvas, guint8 * shown)
{
  imm_dither_commit_parallel (cropped, rect, palette, keep, rgba, stride,
      width, canvas, shown, NULL);
}
