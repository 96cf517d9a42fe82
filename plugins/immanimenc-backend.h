/* imm-gst: immanimenc's encoder back-ends (GIF, WebP) behind one interface.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_ANIM_ENC_BACKEND_H__
#define __IMM_ANIM_ENC_BACKEND_H__

#include <gst/gst.h>
#include <gst/video/video.h>

#include "gstimmanimenc.h"
#include "imm/imm-dither.h"

G_BEGIN_DECLS

/* The element's properties as one file is encoded with them: copied once,
 * under the object lock, when the file begins, so a property changed while
 * a file is being written applies from the next file on. */
typedef struct
{
  gint width, height;
  guint loop;                   /* plays, 0 = forever */
  guint quality;                /* 0-100, the same trade on both formats */
  gboolean threads;             /* the encoder may use extra threads */

  /* GIF */
  guint colors;
  ImmDitherMethod dither;
  GstImmAnimPalette palette;

  /* WebP */
  gboolean lossless;
  guint method;
  gint kmin, kmax;
  gboolean allow_mixed;
  gboolean minimize_size;
  gboolean sharp_yuv;
  guint background_color;
} ImmAnimSettings;

/* One picture, in the back-end's working format (see work_format). */
typedef struct
{
  GstBuffer *buffer;            /* owned by the frame */
  const GstVideoInfo *info;     /* the working format, owned by the element */
  guint64 start;                /* ns since the start of the file */
} ImmAnimFrame;

/* What a finished file holds. */
typedef struct
{
  guint frames;                 /* frames in the file (after merging) */
  guint64 duration;             /* ns, the play time of one loop */
} ImmAnimFileInfo;

typedef struct _ImmAnimBackend ImmAnimBackend;

/* Errors are posted on @owner with GST_ELEMENT_ERROR; a function that
 * fails returns FALSE / NULL and the file is lost (reset() then clears).
 *
 * begin: starts a file with @settings (copied).
 * add: takes @frame (ownership) which is shown until @end ns after the
 *   start of the file; @last marks the final frame of the file.
 * finish: completes the file and returns its bytes.
 * reset: drops everything of the current file; begin may follow. */
typedef struct
{
  const gchar *name;            /* "GIF", for messages */
  const gchar *media_type;      /* "image/gif" */
  ImmAnimBackend *(*create) (GstElement * owner);
  /* The raw format the back-end wants its frames in, given the input's;
   * the element converts to it (bt601 limited for YUV). */
  GstVideoFormat (*work_format) (GstVideoFormat input);
  gboolean (*begin) (ImmAnimBackend * be, const ImmAnimSettings * settings);
  gboolean (*add) (ImmAnimBackend * be, ImmAnimFrame * frame, guint64 end,
      gboolean last);
  GBytes *(*finish) (ImmAnimBackend * be, ImmAnimFileInfo * info);
  void (*reset) (ImmAnimBackend * be);
  void (*free) (ImmAnimBackend * be);
} ImmAnimBackendClass;

extern const ImmAnimBackendClass imm_anim_backend_gif;
extern const ImmAnimBackendClass imm_anim_backend_webp;

void imm_anim_frame_free (ImmAnimFrame * frame);

/* The longest a frame is shown: GIF's largest delay (65535 cs). libwebp
 * 1.2 fails on a frame of 2^24 ms (4.7 h) or more. */
#define IMM_ANIM_MAX_FRAME_NS (G_GUINT64_CONSTANT (65535) * 10 * GST_MSECOND)

G_END_DECLS

#endif /* __IMM_ANIM_ENC_BACKEND_H__ */
