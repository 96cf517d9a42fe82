/* imm-gst: which frames a capture takes, by time.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Target-based modes (interval, average, dhash sampling) take the first
 * frame at or after each target time. A frame that satisfies several
 * targets (a gap in the stream) is taken once and the targets it covered
 * are passed: a capture never repeats a frame.
 */
#include "imm-schedule.h"

static const gchar *const mode_names[] = {
  "interval", "average", "keyframe", "dhash", "all"
};

/* dhash samples once a second unless told otherwise: the API documents
 * Interval as the dhash sampling spacing, default 1 s. */
#define DHASH_DEFAULT_INTERVAL G_GUINT64_CONSTANT (1000000000)

/**
 * imm_schedule_init:
 * @start: first capture time
 * @end: end of the range (exclusive), or %IMM_TIME_NONE; average needs it
 * @interval: spacing of targets (interval, dhash); 0 in interval mode means
 *   a single frame at @start, in dhash mode one second
 * @number: frames to take, 0 = no limit; average needs it; dhash ignores it
 *   here (its N is a ranking, see #ImmTopN)
 *
 * Returns: %FALSE when the mode cannot run with these values (average
 * without @number or @end).
 */
gboolean
imm_schedule_init (ImmSchedule * s, ImmSnapshotMode mode, guint64 start,
    guint64 end, guint64 interval, guint number)
{
  g_return_val_if_fail (s != NULL, FALSE);

  s->mode = mode;
  s->start = start;
  s->end = end;
  s->interval = interval;
  s->number = mode == IMM_SNAPSHOT_DHASH ? 0 : number;
  s->next = 0;
  s->taken = 0;

  if (mode == IMM_SNAPSHOT_DHASH && interval == 0)
    s->interval = DHASH_DEFAULT_INTERVAL;
  if (mode == IMM_SNAPSHOT_INTERVAL && interval == 0)
    s->number = 1;
  if (mode == IMM_SNAPSHOT_AVERAGE
      && (number == 0 || end == IMM_TIME_NONE || end < start))
    return FALSE;
  return TRUE;
}

/**
 * imm_schedule_target:
 *
 * Returns: the time of target @k, or %IMM_TIME_NONE (no such target, or a
 * mode without targets).
 */
guint64
imm_schedule_target (const ImmSchedule * s, guint64 k)
{
  switch (s->mode) {
    case IMM_SNAPSHOT_INTERVAL:
    case IMM_SNAPSHOT_DHASH:
      if (s->interval == 0)
        return k == 0 ? s->start : IMM_TIME_NONE;
      if (k > (G_MAXUINT64 - s->start) / s->interval)
        return IMM_TIME_NONE;
      return s->start + k * s->interval;
    case IMM_SNAPSHOT_AVERAGE:
      /* N equal slices of the range, each represented by its first frame. */
      if (k >= s->number)
        return IMM_TIME_NONE;
      return s->start + (guint64) ((gdouble) (s->end - s->start) * k /
          s->number);
    default:
      return IMM_TIME_NONE;
  }
}

/**
 * imm_schedule_next_target:
 *
 * Returns: the time the next frame should be at or after, or
 * %IMM_TIME_NONE when the mode has no targets or none is left. A seeking
 * element jumps there.
 */
guint64
imm_schedule_next_target (const ImmSchedule * s)
{
  guint64 t;

  if (s->number != 0 && s->taken >= s->number)
    return IMM_TIME_NONE;
  t = imm_schedule_target (s, s->next);
  if (t != IMM_TIME_NONE && s->end != IMM_TIME_NONE && t >= s->end)
    return IMM_TIME_NONE;
  return t;
}

static gboolean
finished (const ImmSchedule * s)
{
  if (s->number != 0 && s->taken >= s->number)
    return TRUE;
  switch (s->mode) {
    case IMM_SNAPSHOT_INTERVAL:
    case IMM_SNAPSHOT_DHASH:
    case IMM_SNAPSHOT_AVERAGE:
      return imm_schedule_next_target (s) == IMM_TIME_NONE;
    default:
      return FALSE;
  }
}

/**
 * imm_schedule_offer:
 * @t: the frame's time, on the same timeline as start and end
 * @is_keyframe: whether the frame is a sync point (keyframe mode)
 *
 * Returns: what to do with the frame.
 */
ImmVerdict
imm_schedule_offer (ImmSchedule * s, guint64 t, gboolean is_keyframe)
{
  guint64 target;

  if (finished (s))
    return IMM_VERDICT_DONE;
  if (s->end != IMM_TIME_NONE && t >= s->end)
    return IMM_VERDICT_DONE;
  if (t < s->start)
    return IMM_VERDICT_SKIP;

  switch (s->mode) {
    case IMM_SNAPSHOT_KEYFRAME:
      if (!is_keyframe)
        return IMM_VERDICT_SKIP;
      break;
    case IMM_SNAPSHOT_ALL:
      break;
    default:
      target = imm_schedule_target (s, s->next);
      if (t < target)
        return IMM_VERDICT_SKIP;
      /* pass every target this frame covers */
      do {
        s->next++;
        target = imm_schedule_target (s, s->next);
      } while (target != IMM_TIME_NONE && target <= t);
      break;
  }
  s->taken++;
  return IMM_VERDICT_TAKE;
}

const gchar *
imm_snapshot_mode_to_string (ImmSnapshotMode mode)
{
  if ((guint) mode >= G_N_ELEMENTS (mode_names))
    return NULL;
  return mode_names[mode];
}

gboolean
imm_snapshot_mode_from_string (const gchar * str, ImmSnapshotMode * mode)
{
  guint i;

  for (i = 0; str != NULL && i < G_N_ELEMENTS (mode_names); i++) {
    if (g_strcmp0 (str, mode_names[i]) == 0) {
      *mode = (ImmSnapshotMode) i;
      return TRUE;
    }
  }
  return FALSE;
}
