/* imm-gst: which frames a snapshot request takes, by time.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_SNAPSHOT_SCHEDULE_H__
#define __IMM_SNAPSHOT_SCHEDULE_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * ImmSnapshotMode:
 * @IMM_SNAPSHOT_INTERVAL: first frame at or after start, start + interval, ...
 * @IMM_SNAPSHOT_AVERAGE: number frames evenly spread over the range
 * @IMM_SNAPSHOT_KEYFRAME: every sync frame in the range
 * @IMM_SNAPSHOT_DHASH: samples like interval (default 1 s); the caller
 *   decides from the hashes which samples are kept
 * @IMM_SNAPSHOT_ALL: every frame in the range
 */
typedef enum
{
  IMM_SNAPSHOT_INTERVAL = 0,
  IMM_SNAPSHOT_AVERAGE,
  IMM_SNAPSHOT_KEYFRAME,
  IMM_SNAPSHOT_DHASH,
  IMM_SNAPSHOT_ALL,
} ImmSnapshotMode;

/* Times are nanoseconds on one timeline (stream time for files, running
 * time for live sources). */
#define IMM_SNAPSHOT_NONE G_MAXUINT64

/* dhash sampling spacing when no interval is given */
#define IMM_SNAPSHOT_DHASH_DEFAULT_INTERVAL G_GUINT64_CONSTANT (1000000000)

/**
 * ImmSnapshotVerdict:
 * @IMM_SNAPSHOT_SKIP: not this frame
 * @IMM_SNAPSHOT_TAKE: take this frame (a sample, for dhash)
 * @IMM_SNAPSHOT_DONE: not this frame, and no later frame will be taken
 */
typedef enum
{
  IMM_SNAPSHOT_SKIP = 0,
  IMM_SNAPSHOT_TAKE,
  IMM_SNAPSHOT_DONE,
} ImmSnapshotVerdict;

typedef struct
{
  ImmSnapshotMode mode;
  guint64 start;
  guint64 end;                  /* exclusive; IMM_SNAPSHOT_NONE: open */
  guint64 interval;             /* 0: unset */
  guint number;                 /* 0: unlimited */

  guint taken;
  guint64 next_target;          /* IMM_SNAPSHOT_NONE: no more targets */
} ImmSnapshotSchedule;

void imm_snapshot_schedule_init (ImmSnapshotSchedule * s,
    ImmSnapshotMode mode, guint64 start, guint64 duration, guint64 interval,
    guint number);
gboolean imm_snapshot_schedule_needs_total (const ImmSnapshotSchedule * s);
gboolean imm_snapshot_schedule_set_total (ImmSnapshotSchedule * s,
    guint64 total);
guint64 imm_snapshot_schedule_average_target (const ImmSnapshotSchedule * s,
    guint i);
ImmSnapshotVerdict imm_snapshot_schedule_offer (ImmSnapshotSchedule * s,
    guint64 position, gboolean keyframe);
gboolean imm_snapshot_schedule_done (const ImmSnapshotSchedule * s);
guint64 imm_snapshot_schedule_next_target (const ImmSnapshotSchedule * s);
gboolean imm_snapshot_schedule_is_sampled (ImmSnapshotMode mode);

G_END_DECLS

#endif /* __IMM_SNAPSHOT_SCHEDULE_H__ */
