/* imm-gst: keyframes watched at the decoders upstream of an element.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_KEY_WATCH_H__
#define __IMM_KEY_WATCH_H__

#include <gst/gst.h>

#include "imm/imm-seek.h"

G_BEGIN_DECLS typedef struct _ImmKeyWatch ImmKeyWatch;

/* Where the first encoded buffer after one of our seeks went. */
typedef enum
{
  IMM_LANDING_NONE,             /* no landing expected */
  IMM_LANDING_PENDING,          /* expected, nothing decoded since */
  IMM_LANDING_KEYFRAME,         /* on a keyframe: the decode is sound */
  IMM_LANDING_DELTA,            /* on a frame that needs earlier ones */
} ImmLanding;

ImmKeyWatch *imm_key_watch_new (GstElement * owner);

void imm_key_watch_free (ImmKeyWatch * w);

guint imm_key_watch_attach (ImmKeyWatch * w, GstPad * sink,
    gboolean decoders);

gboolean imm_key_watch_has_decoder (ImmKeyWatch * w);

ImmSeekUpstream imm_key_watch_upstream (ImmKeyWatch * w);

gboolean imm_key_watch_pts_duration (ImmKeyWatch * w);

gboolean imm_key_watch_avi (ImmKeyWatch * w);

gboolean imm_key_watch_shared (ImmKeyWatch * w);

void imm_key_watch_distances (ImmKeyWatch * w, GstClockTime * latest,
    GstClockTime * gap);

void imm_key_watch_expect_landing (ImmKeyWatch * w, guint32 seqnum,
    GstClockTime target_pts);

void imm_key_watch_expect_keys_only (ImmKeyWatch * w, guint32 seqnum);

ImmLanding imm_key_watch_landing (ImmKeyWatch * w);

G_END_DECLS
#endif /* __IMM_KEY_WATCH_H__ */
