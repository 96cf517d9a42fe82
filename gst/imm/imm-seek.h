/* imm-gst: whether a capture seeks to its next target or decodes on.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_SEEK_H__
#define __IMM_SEEK_H__

#include <glib.h>

#include "imm-schedule.h"

G_BEGIN_DECLS
/* A target nearer than this is reached faster by decoding on: a seek
 * restarts at the keyframe before it. */
#define IMM_SEEK_MIN_GAP (G_GUINT64_CONSTANT (2000000000))
/* What is known of how the upstream demuxer seeks. */
    typedef enum
{
  IMM_SEEK_UPSTREAM_USUAL,      /* seeks or says no; a landing is checked */
  IMM_SEEK_UPSTREAM_REFUSES,    /* flushes, then refuses: the stream stops */
  IMM_SEEK_UPSTREAM_JOINED,     /* sources joined (concat): a seek reaches one */
  IMM_SEEK_UPSTREAM_INEXACT,    /* seeks by byte estimate, lands anywhere */
  IMM_SEEK_UPSTREAM_SHARED,     /* decoded frames feed other branches (tee) */
} ImmSeekUpstream;

/**
 * ImmSeekInput:
 * What the decision reads. Times are nanoseconds; @now, @target and
 * @last_target on the capture timeline, @target_pts, @key_latest and
 * @key_gap in the decoder's timestamps.
 */
typedef struct
{
  gboolean seekable;            /* upstream said so, and seeking is on */
  ImmSeekUpstream upstream;
  guint64 now;                  /* the frame just judged */
  guint64 target;               /* the next target, IMM_TIME_NONE: none */
  guint64 last_target;          /* the last target sought, or IMM_TIME_NONE */
  guint64 target_pts;           /* @target as a decoder pts, or IMM_TIME_NONE */
  guint64 key_latest;           /* the last keyframe decoded, or IMM_TIME_NONE */
  guint64 key_gap;              /* longest keyframe distance, or IMM_TIME_NONE */
} ImmSeekInput;

typedef enum
{
  IMM_SEEK_GO,                  /* seek to the keyframe before the target */
  IMM_SEEK_NO_TARGET,           /* nothing more to take */
  IMM_SEEK_NOT_SEEKABLE,        /* upstream cannot seek, or seeking is off */
  IMM_SEEK_UPSTREAM_WONT,       /* it would stop the stream or miss sources */
  IMM_SEEK_TOO_NEAR,            /* decoding on is faster */
  IMM_SEEK_TRIED,               /* sought once: its keyframe lies behind */
  IMM_SEEK_SAME_KEYFRAME,       /* it would land on the keyframe decoded from */
} ImmSeekDecision;

ImmSeekDecision imm_seek_decide (const ImmSeekInput * in);

const gchar *imm_seek_decision_to_string (ImmSeekDecision d);

ImmSeekUpstream imm_seek_upstream_from_factory (const gchar * factory_name);

G_END_DECLS
#endif /* __IMM_SEEK_H__ */
