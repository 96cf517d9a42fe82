/* imm-gst: OkLab, a perceptual colour space, for the GIF quantizer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The matrices are Björn Ottosson's public definition of OkLab
 * (https://bottosson.github.io/posts/oklab/).
 */
#include "imm-oklab.h"

#include <math.h>

/* sRGB byte -> linear light: filled once, read-only after (no state that
 * two encoders on two threads could disturb) */
static gfloat srgb_linear[256];

static gpointer
init_table (gpointer data)
{
  guint i;

  for (i = 0; i < 256; i++) {
    gdouble c = i / 255.0;

    srgb_linear[i] = (gfloat) (c <= 0.04045 ? c / 12.92 :
        pow ((c + 0.055) / 1.055, 2.4));
  }
  return NULL;
}

static inline void
ensure_table (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_table, NULL);
}

/* Cube root of @x in [0, 1]: Kahan's bit-level guess (about 5 % off) and
 * two Newton steps (about 1e-5 relative). cbrtf costs about 3x as many
 * instructions, and a palette build converts every histogram bin (film:
 * about 170 M instructions of its 2.9 G run). */
static inline gfloat
cbrt01 (gfloat x)
{
  union
  {
    gfloat f;
    guint32 i;
  } u;
  gfloat y;

  if (!(x > 1e-12f))
    return 0.0f;
  u.f = x;
  u.i = u.i / 3 + 709921077u;
  y = u.f;
  y = (2.0f * y + x / (y * y)) * (1.0f / 3.0f);
  y = (2.0f * y + x / (y * y)) * (1.0f / 3.0f);
  return y;
}

void
imm_oklab_from_rgb (guint r, guint g, guint b, gint lab[3])
{
  gfloat lr, lg, lb, l, m, s;

  ensure_table ();
  lr = srgb_linear[r & 255];
  lg = srgb_linear[g & 255];
  lb = srgb_linear[b & 255];
  l = cbrt01 (0.4122214708f * lr + 0.5363325363f * lg + 0.0514459929f * lb);
  m = cbrt01 (0.2119034982f * lr + 0.6806995451f * lg + 0.1073969566f * lb);
  s = cbrt01 (0.0883024619f * lr + 0.2817188376f * lg + 0.6299787005f * lb);
  lab[0] = (gint) lrintf (IMM_OKLAB_ONE * (0.2104542553f * l +
          0.7936177850f * m - 0.0040720468f * s));
  lab[1] = (gint) lrintf (IMM_OKLAB_ONE * (1.9779984951f * l -
          2.4285922050f * m + 0.4505937099f * s));
  lab[2] = (gint) lrintf (IMM_OKLAB_ONE * (0.0259040371f * l +
          0.7827717662f * m - 0.8086757660f * s));
}
