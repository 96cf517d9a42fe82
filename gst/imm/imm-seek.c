/* imm-gst: whether a capture seeks to its next target or decodes on.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-seek.h"

#include <string.h>

/**
 * imm_seek_decide:
 * @in: what is known now
 *
 * Whether a seek to the next target pays. Each target gets one seek at
 * most: when its keyframe lies behind the position, the seek lands back
 * there and seeking again would loop. A target nearer the last keyframe
 * decoded than the longest keyframe distance seen would most likely land
 * back on that keyframe, which only decodes its frames again.
 *
 * Returns: the decision, with its reason.
 */
ImmSeekDecision
imm_seek_decide (const ImmSeekInput * in)
{
  if (in->target == IMM_TIME_NONE)
    return IMM_SEEK_NO_TARGET;
  if (!in->seekable)
    return IMM_SEEK_NOT_SEEKABLE;
  if (in->upstream != IMM_SEEK_UPSTREAM_USUAL)
    return IMM_SEEK_UPSTREAM_WONT;
  if (in->target < in->now + IMM_SEEK_MIN_GAP)
    return IMM_SEEK_TOO_NEAR;
  if (in->last_target != IMM_TIME_NONE && in->target <= in->last_target)
    return IMM_SEEK_TRIED;
  if (in->target_pts != IMM_TIME_NONE && in->key_latest != IMM_TIME_NONE
      && in->key_gap != IMM_TIME_NONE
      && in->target_pts < in->key_latest + in->key_gap)
    return IMM_SEEK_SAME_KEYFRAME;
  return IMM_SEEK_GO;
}

const gchar *
imm_seek_decision_to_string (ImmSeekDecision d)
{
  switch (d) {
    case IMM_SEEK_GO:
      return "seek";
    case IMM_SEEK_NO_TARGET:
      return "no target";
    case IMM_SEEK_NOT_SEEKABLE:
      return "not seekable";
    case IMM_SEEK_UPSTREAM_WONT:
      return "upstream cannot seek as a whole";
    case IMM_SEEK_TOO_NEAR:
      return "target near: decode on";
    case IMM_SEEK_TRIED:
      return "target sought before: decode on";
    case IMM_SEEK_SAME_KEYFRAME:
      return "same keyframe: decode on";
  }
  return "unknown";
}

/**
 * imm_seek_upstream_from_factory:
 * @factory_name: (nullable): the name of a demuxer's element factory
 *
 * rmdemux (gst-plugins-ugly 1.22) answers a seek in a file without an
 * index by flushing, pausing its task and then refusing: nothing flows
 * again. It says it can seek all the same. tsdemux and mpegpsdemux seek
 * by byte estimate: they land on any frame, often one that needs earlier
 * ones (the decoder then makes grey smears), and h264parse does not mark
 * the first buffer after the jump as a delta unit, so the landing cannot
 * be checked from the flags.
 *
 * Returns: how that demuxer seeks.
 */
ImmSeekUpstream
imm_seek_upstream_from_factory (const gchar * factory_name)
{
  if (factory_name == NULL)
    return IMM_SEEK_UPSTREAM_USUAL;
  if (strcmp (factory_name, "rmdemux") == 0)
    return IMM_SEEK_UPSTREAM_REFUSES;
  if (strcmp (factory_name, "tsdemux") == 0
      || strcmp (factory_name, "mpegpsdemux") == 0)
    return IMM_SEEK_UPSTREAM_INEXACT;
  return IMM_SEEK_UPSTREAM_USUAL;
}
