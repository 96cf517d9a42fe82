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

/**
 * imm_schedule_finished:
 *
 * Returns: whether no later frame can be taken: the frame just taken was
 * the last (the next offer says %IMM_VERDICT_DONE).
 */
gboolean
imm_schedule_finished (const ImmSchedule * s)
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

  if (imm_schedule_finished (s))
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

/**
 * imm_schedule_stream_length:
 * @duration: the duration query's answer, in position units
 * @seg_start: the segment's start (the first frame's position)
 * @seg_stop: the segment's stop, or %IMM_TIME_NONE
 * @seg_time: the stream time at @seg_start
 *
 * The length of a stream counted from its first frame, the range average
 * spreads its frames over. Demuxers disagree on what the duration is:
 * tsdemux and mpegpsdemux give a length (7.95 s for a TS whose frames run
 * from 0.78 s, with segment start = time = 0.78 s). Others rebase the
 * stream time (segment start past its time) and then the duration can be
 * an end position: qtdemux with an edit list (start 0.08 s at time 0)
 * gives a length of 8 s and its segment stops at 8.08 s; matroskademux on
 * ffmpeg's -output_ts_offset 60 gives the container's Duration, the end
 * timestamp (68 s, frames from 60 s, start 60 s at time 0), with no stop.
 * Where the segment rebases, its stop, else the duration past its start,
 * ends the stream.
 *
 * Returns: the length, or @duration as it is.
 */
guint64
imm_schedule_stream_length (guint64 duration, guint64 seg_start,
    guint64 seg_stop, guint64 seg_time)
{
  if (duration == IMM_TIME_NONE || seg_start == IMM_TIME_NONE
      || seg_time == IMM_TIME_NONE || seg_start <= seg_time)
    return duration;
  if (seg_stop != IMM_TIME_NONE && seg_stop > seg_start)
    return seg_stop - seg_start;
  if (duration > seg_start)
    return duration - seg_start;
  return duration;
}

/**
 * imm_schedule_frames_length:
 * @length: the stream's length from imm_schedule_stream_length(), which
 *   starts at stream time @seg_time
 * @seg_time: the segment's stream time at its start
 * @first_time: the first frame's stream time, or %IMM_TIME_NONE
 *
 * The frames may begin after the segment: an MPEG-TS cut mid-GOP (as a
 * recorder or `dd` cuts it) starts its segment and its duration at the
 * first packet (4.64 s, 20.84 s long), but the decoder's first frame is
 * the first keyframe's (8.48 s). Average spreads its frames from the first
 * frame to the stream's end (25.48 s): 17 s, as ffmpeg shows the file.
 *
 * Returns: the length from the first frame, or @length as it is.
 */
guint64
imm_schedule_frames_length (guint64 length, guint64 seg_time,
    guint64 first_time)
{
  if (length == IMM_TIME_NONE || seg_time == IMM_TIME_NONE
      || first_time == IMM_TIME_NONE || first_time <= seg_time
      || first_time - seg_time >= length)
    return length;
  return length - (first_time - seg_time);
}

/**
 * imm_schedule_pts_length:
 * @duration: mpegpsdemux's or tsdemux's own duration
 * @frame_duration: one frame's duration, or %IMM_TIME_NONE
 *
 * mpegpsdemux measures a program stream from its first PTS to its last
 * (11.88 s for 300 frames at 25 fps from 0.54 s, whose last two frames
 * carry no PTS), and so does tsdemux, from its clock references (23.9607 s
 * for 600 frames at 25 fps); ffmpeg, the oracle, adds the last timestamped
 * frame's duration (11.92 s, 24 s). Average spreads its frames over
 * ffmpeg's figure: the frames' whole count, else a target can fall just
 * past a frame (8.0002 s of 24.0007 s takes the frame at 8.04 s).
 *
 * Returns: the length.
 */
guint64
imm_schedule_pts_length (guint64 duration, guint64 frame_duration)
{
  if (duration == IMM_TIME_NONE || frame_duration == IMM_TIME_NONE
      || frame_duration == 0)
    return duration;
  return (duration + frame_duration + frame_duration / 2) / frame_duration *
      frame_duration;
}

/**
 * imm_pts_repair_reset:
 *
 * Forgets the frames seen: the next one is taken at its own time.
 */
void
imm_pts_repair_reset (ImmPtsRepair * r)
{
  r->prev_in = IMM_TIME_NONE;
  r->shift = 0;
  r->repeated = FALSE;
}

/**
 * imm_pts_repair_frame:
 * @t: the frame's time as it came
 * @frame_duration: one frame's duration, or %IMM_TIME_NONE / 0 if unknown
 *
 * MPEG-4 Part 2 with B-frames in AVI has no presentation times of its
 * own: a frame shows at its chunk's time. avdec_mpeg4 gives the frame
 * after each keyframe the time of the frame before it, and every later
 * frame comes one frame early (frame 75 of 25 fps at 2.96 s, like frame
 * 74; frame 76 at 3.00 s). With DivX-style packed B-frames, mpeg4videoparse
 * (decodebin's) splits a chunk holding a P and a B, and every third frame
 * repeats the time of the one before, and the next one jumps two frames,
 * right again (0.12, 0.16, 0.16, 0.24 s). A frame that repeats the time
 * of the one before is one frame duration later than that one, and so is
 * every frame after it, until a frame comes two frames after a repeat:
 * then the times are right again. Both give the chunk times (ffmpeg, the
 * oracle, counts frame n at n/25 s from the first in the first case). The
 * shift holds over frames not seen (dropped by QoS before a target). One
 * case is read wrong: the frame right after a keyframe's repeat dropped
 * (its next looks like a packed chunk's). Times that go back (a seek, a
 * new stream) are the caller's to reset on.
 *
 * Returns: the frame's time.
 */
guint64
imm_pts_repair_frame (ImmPtsRepair * r, guint64 t, guint64 frame_duration)
{
  gboolean repeat = FALSE;

  if (t == IMM_TIME_NONE)
    return t;
  if (r->prev_in != IMM_TIME_NONE && frame_duration != IMM_TIME_NONE
      && frame_duration > 0) {
    if (t == r->prev_in) {
      r->shift += frame_duration;
      repeat = TRUE;
    } else if (r->repeated && r->shift >= frame_duration
        && t == r->prev_in + 2 * frame_duration) {
      r->shift -= frame_duration;
    }
  }
  r->repeated = repeat;
  r->prev_in = t;
  return t + r->shift;
}
