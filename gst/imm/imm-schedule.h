/* imm-gst: which frames a capture takes, by time.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_SCHEDULE_H__
#define __IMM_SCHEDULE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Times are nanoseconds, as GstClockTime. */
#define IMM_TIME_NONE G_MAXUINT64

typedef enum
{
  IMM_SNAPSHOT_INTERVAL = 0,
  IMM_SNAPSHOT_AVERAGE,
  IMM_SNAPSHOT_KEYFRAME,
  IMM_SNAPSHOT_DHASH,
  IMM_SNAPSHOT_ALL,
} ImmSnapshotMode;

typedef enum
{
  IMM_VERDICT_SKIP,             /* not this frame */
  IMM_VERDICT_TAKE,             /* capture it (dhash: sample it) */
  IMM_VERDICT_DONE,             /* no later frame will be taken */
} ImmVerdict;

/**
 * ImmSchedule:
 * The time rules of the capture modes. Fill it with imm_schedule_init(),
 * then offer every frame in stream order.
 */
typedef struct
{
  ImmSnapshotMode mode;
  guint64 start;
  guint64 end;                  /* IMM_TIME_NONE: to the end of the stream */
  guint64 interval;             /* 0: one frame at start (interval mode) */
  guint number;                 /* frames to take, 0 = no limit */

  /* progress */
  guint64 next;                 /* index of the next target time */
  guint taken;
} ImmSchedule;

gboolean imm_schedule_init (ImmSchedule * s, ImmSnapshotMode mode,
    guint64 start, guint64 end, guint64 interval, guint number);

guint64 imm_schedule_target (const ImmSchedule * s, guint64 k);

guint64 imm_schedule_next_target (const ImmSchedule * s);

gboolean imm_schedule_finished (const ImmSchedule * s);

ImmVerdict imm_schedule_offer (ImmSchedule * s, guint64 t,
    gboolean is_keyframe);

guint64 imm_schedule_stream_length (guint64 duration, guint64 seg_start,
    guint64 seg_stop, guint64 seg_time);

guint64 imm_schedule_frames_length (guint64 length, guint64 seg_time,
    guint64 first_time);

guint64 imm_schedule_pts_length (guint64 duration, guint64 frame_duration);

/**
 * ImmPtsRepair:
 * Restamps frames whose decoder repeated the time of the frame before
 * (see imm_pts_repair_frame()). Zero it with imm_pts_repair_reset().
 */
typedef struct
{
  guint64 prev_in;              /* the last frame's time as it came */
  guint64 shift;                /* added to every frame since a repeat */
  gboolean repeated;            /* the last frame repeated the one before */
} ImmPtsRepair;

void imm_pts_repair_reset (ImmPtsRepair * r);

guint64 imm_pts_repair_frame (ImmPtsRepair * r, guint64 t,
    guint64 frame_duration);

const gchar *imm_snapshot_mode_to_string (ImmSnapshotMode mode);

gboolean imm_snapshot_mode_from_string (const gchar * str,
    ImmSnapshotMode * mode);

G_END_DECLS
#endif /* __IMM_SCHEDULE_H__ */
