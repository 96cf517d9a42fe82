/* imm-gst: which frames a snapshot request takes, by time.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-snapshot-schedule.h"


/**
 * imm_snapshot_schedule_init:
 * @start: first time of the range
 * @duration: length of the range, 0 = to the end
 * @interval: sampling spacing for interval and dhash, 0 = unset (interval:
 *   one frame at @start; dhash: 1 s)
 * @number: frames to take, 0 = unlimited. For dhash it is the caller's
 *   business (the top-N keeps sampling to the end): pass 0.
 */
void
imm_snapshot_schedule_init (ImmSnapshotSchedule * s, ImmSnapshotMode mode,
    guint64 start, guint64 duration, guint64 interval, guint number)
{
  s->mode = mode;
  s->start = start;
  s->end = duration > 0 && start <= G_MAXUINT64 - duration ?
      start + duration : IMM_SNAPSHOT_NONE;
  s->interval = interval;
  if (mode == IMM_SNAPSHOT_DHASH && interval == 0)
    s->interval = IMM_SNAPSHOT_DHASH_DEFAULT_INTERVAL;
  s->number = number;
  if (mode == IMM_SNAPSHOT_INTERVAL && interval == 0)
    s->number = 1;
  s->taken = 0;
  s->next_target = start;
}

/**
 * imm_snapshot_schedule_needs_total:
 *
 * Returns: whether the targets depend on the source's total duration (the
 * average mode without a duration of its own).
 */
gboolean
imm_snapshot_schedule_needs_total (const ImmSnapshotSchedule * s)
{
  return s->mode == IMM_SNAPSHOT_AVERAGE && s->end == IMM_SNAPSHOT_NONE;
}

/**
 * imm_snapshot_schedule_set_total:
 * @total: the source's duration
 *
 * Closes the range at @total if it ends later.
 *
 * Returns: FALSE when the range starts at or after @total (nothing to take).
 */
gboolean
imm_snapshot_schedule_set_total (ImmSnapshotSchedule * s, guint64 total)
{
  if (s->end == IMM_SNAPSHOT_NONE || s->end > total)
    s->end = total;
  return s->start < total;
}

/**
 * imm_snapshot_schedule_average_target:
 * @i: 0-based frame number, below the number
 *
 * The average mode cuts the range into number equal slots and takes the
 * first frame at or after the start of each: start + i * (end - start) / N.
 */
guint64
imm_snapshot_schedule_average_target (const ImmSnapshotSchedule * s, guint i)
{
  if (s->end == IMM_SNAPSHOT_NONE || s->number == 0 || s->end <= s->start)
    return s->start;
  {
    /* (range * i) / N without overflow: i < N < 2^32 */
    guint64 range = s->end - s->start;
    guint64 q = range / s->number, r = range % s->number;

    return s->start + q * i + (r * i) / s->number;
  }
}

static void
advance (ImmSnapshotSchedule * s, guint64 position)
{
  if (s->number > 0 && s->taken >= s->number) {
    s->next_target = IMM_SNAPSHOT_NONE;
    return;
  }
  switch (s->mode) {
    case IMM_SNAPSHOT_INTERVAL:
    case IMM_SNAPSHOT_DHASH:{
      /* one frame never answers two targets: when frames are sparser than
       * the interval, the targets it covers are skipped */
      guint64 k = (position - s->start) / s->interval + 1;

      s->next_target = s->start + k * s->interval;
      break;
    }
    case IMM_SNAPSHOT_AVERAGE:{
      guint64 t = imm_snapshot_schedule_average_target (s, s->taken);

      /* slots shorter than a frame: this frame answered one slot, the next
       * frame answers the next */
      s->next_target = t > position ? t : position + 1;
      break;
    }
    default:
      s->next_target = position + 1;
      break;
  }
  if (s->end != IMM_SNAPSHOT_NONE && s->next_target >= s->end)
    s->next_target = IMM_SNAPSHOT_NONE;
}

/**
 * imm_snapshot_schedule_offer:
 * @position: the frame's time
 * @keyframe: whether it is a sync frame (used by the keyframe mode)
 *
 * Frames must be offered in time order.
 *
 * Returns: the verdict for this frame.
 */
ImmSnapshotVerdict
imm_snapshot_schedule_offer (ImmSnapshotSchedule * s, guint64 position,
    gboolean keyframe)
{
  if (imm_snapshot_schedule_done (s))
    return IMM_SNAPSHOT_DONE;
  if (s->end != IMM_SNAPSHOT_NONE && position >= s->end) {
    s->next_target = IMM_SNAPSHOT_NONE;
    return IMM_SNAPSHOT_DONE;
  }
  if (position < s->next_target)
    return IMM_SNAPSHOT_SKIP;
  if (s->mode == IMM_SNAPSHOT_KEYFRAME && !keyframe)
    return IMM_SNAPSHOT_SKIP;
  s->taken++;
  advance (s, position);
  return IMM_SNAPSHOT_TAKE;
}

/**
 * imm_snapshot_schedule_done:
 *
 * Returns: whether no later frame can be taken.
 */
gboolean
imm_snapshot_schedule_done (const ImmSnapshotSchedule * s)
{
  return s->next_target == IMM_SNAPSHOT_NONE;
}

/**
 * imm_snapshot_schedule_next_target:
 *
 * Returns: the earliest time the next taken frame can have (where a seek may
 * jump to), or IMM_SNAPSHOT_NONE when done. Only the sampled modes
 * (interval, average, dhash) have targets worth seeking to.
 */
guint64
imm_snapshot_schedule_next_target (const ImmSnapshotSchedule * s)
{
  return s->next_target;
}

/**
 * imm_snapshot_schedule_is_sampled:
 *
 * Returns: whether @mode takes frames at target times (interval, average,
 * dhash), the modes where seeking to the next target can skip decoding.
 */
gboolean
imm_snapshot_schedule_is_sampled (ImmSnapshotMode mode)
{
  return mode == IMM_SNAPSHOT_INTERVAL || mode == IMM_SNAPSHOT_DHASH ||
      mode == IMM_SNAPSHOT_AVERAGE;
}
