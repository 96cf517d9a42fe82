/* imm-gst: highlight clips cut from a stream around events, in bounded
 * memory (the logic of immhighlight, without GStreamer).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_CLIP_H__
#define __IMM_CLIP_H__

#include <glib.h>

G_BEGIN_DECLS

/* Times are nanoseconds on the frames' own clock (their pts). */
typedef struct
{
  /* frames kept from before an event */
  guint64 pre_roll;
  /* frames let through after an event (after the latest, when merged) */
  guint64 post_roll;
  /* an event less than this after a clip's end joins that clip */
  guint64 min_gap;
  /* bound of the ring of waiting frames (0 = time only); the newest frame
   * is always kept so that a marked frame is never lost */
  guint64 max_bytes;
  /* the ring keeps this much more than pre-roll, so that an event placed
   * back in time (found up to a sampling interval late) still gets its
   * whole pre-roll */
  guint64 lookback;
} ImmClipConfig;

typedef enum
{
  /* no clip: frames wait in the ring as a possible pre-roll */
  IMM_CLIP_IDLE,
  /* an event came whose clip starts after every frame seen so far; frames
   * wait in the ring until the first one at or after the clip's start */
  IMM_CLIP_ARMED,
  /* clip-start sent: every frame up to the clip's end goes out */
  IMM_CLIP_OPEN,
  /* post-roll over but min-gap not: the clip's end is held back, frames
   * wait in the ring, and an event now reopens the clip seamlessly */
  IMM_CLIP_HOLDING,
  /* clip ended less than min-gap ago: events now are repeats, dropped */
  IMM_CLIP_COOLDOWN,
} ImmClipState;

typedef enum
{
  IMM_CLIP_OUT_START,
  IMM_CLIP_OUT_FRAME,
  IMM_CLIP_OUT_END,
} ImmClipOutKind;

/* One thing to send downstream, in order. */
typedef struct
{
  ImmClipOutKind kind;
  guint index;
  /* the event that opened the clip */
  guint64 event_pts;
  guint64 first_pts;
  /* END: the clip's last frame; FRAME: this frame */
  guint64 last_pts;
  /* END: how many events the clip merged */
  guint events;
  /* FRAME: the frame, now owned by the receiver */
  gpointer data;
} ImmClipOutput;

typedef struct _ImmClip ImmClip;

ImmClip *imm_clip_new (const ImmClipConfig * config, GDestroyNotify free_data);

void imm_clip_free (ImmClip * clip);

void imm_clip_set_config (ImmClip * clip, const ImmClipConfig * config);

void imm_clip_push_frame (ImmClip * clip, guint64 pts, gsize size,
    gpointer data, GQueue * out);

void imm_clip_push_frame_timed (ImmClip * clip, guint64 pts, guint64 next_pts,
    gsize size, gpointer data, GQueue * out);

gpointer imm_clip_held_nth (const ImmClip * clip, guint n, guint64 * pts);

gboolean imm_clip_event (ImmClip * clip, guint64 event_pts, GQueue * out);

void imm_clip_finish (ImmClip * clip, GQueue * out);

void imm_clip_reset (ImmClip * clip);

ImmClipState imm_clip_get_state (const ImmClip * clip);

guint64 imm_clip_newest_pts (const ImmClip * clip);

guint imm_clip_held_frames (const ImmClip * clip);

guint64 imm_clip_held_bytes (const ImmClip * clip);

void imm_clip_output_free (ImmClipOutput * o, GDestroyNotify free_data);

/* dHash change detection on samples one interval apart. */
#define IMM_CHANGE_DETECTOR_HISTORY 3
typedef struct
{
  /* an event is a change greater than this (0-64); < 0: off */
  gint threshold;
  guint64 interval;
  /* private */
  guint64 next_pts;
  guint samples;
  guint64 ref1;
  guint64 ref2;
  /* the pts of the samples ref1 and ref2 */
  guint64 ref1_pts;
  guint64 ref2_pts;
  /* the distances of the last samples, newest first */
  gint recent[IMM_CHANGE_DETECTOR_HISTORY];
  guint n_recent;
  /* with thumbnails: ref1's (9x8 grey cells), and the sums of absolute
   * cell differences of the last samples, newest first */
  guint8 thumb[72];
  gboolean have_thumb;
  guint recent_sad[IMM_CHANGE_DETECTOR_HISTORY];
  guint n_recent_sad;
} ImmChangeDetector;

void imm_change_detector_reset (ImmChangeDetector * det);

gboolean imm_change_detector_due (const ImmChangeDetector * det, guint64 pts);

gboolean imm_change_detector_sample (ImmChangeDetector * det, guint64 pts,
    guint64 hash, gint * distance);

gboolean imm_change_detector_sample_thumbnail (ImmChangeDetector * det,
    guint64 pts, const guint8 thumb[72], gint * distance);

guint64 imm_change_detector_previous_pts (const ImmChangeDetector * det);

guint64 imm_clip_next_due (guint64 pts, guint64 duration, guint64 gap_a,
    guint64 gap_b);

guint imm_change_locate (const guint64 * hashes, guint n, guint64 before,
    guint64 after);

G_END_DECLS

#endif /* __IMM_CLIP_H__ */
