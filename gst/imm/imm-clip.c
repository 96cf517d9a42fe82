/* imm-gst: highlight clips cut from a stream around events.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A clip is the window [event - pre-roll, event + post-roll] of frames;
 * an event inside a running clip moves its end to that event + post-roll.
 * Frames not (yet) in a clip wait in a ring bounded by pre-roll (time from
 * the newest frame) and max-bytes; a frame goes out at most once, so clips
 * never overlap. A clip ends with the frame after which the next is due
 * past its end (when the caller knows when the next is due: the frame's
 * duration, the spacing so far), else on the first frame past its end, or
 * at finish.
 */
#include "imm-clip.h"

#include <string.h>

#include "imm-dhash.h"

#define NONE G_MAXUINT64

/* The least mean change of a thumbnail's cells (of 255) that counts as the
 * picture changing: a cut moved them by 48 to 72 in the fixture of
 * imm_change_detector_sample_thumbnail(), a turning gradient by under 2
 * when slow. */
#define IMM_CHANGE_MIN_LEVEL 4

typedef struct
{
  guint64 pts;
  /* when the frame after it is due, NONE when not known */
  guint64 next_pts;
  gsize size;
  gpointer data;
} Held;

struct _ImmClip
{
  ImmClipConfig cfg;
  GDestroyNotify free_data;
  ImmClipState state;
  /* frames waiting, oldest first */
  GQueue ring;
  guint64 ring_bytes;
  guint64 newest_pts;
  /* the current clip, or the last one once it has ended */
  guint index;
  guint64 start;
  guint64 end;
  guint64 event_pts;
  guint64 first_pts;
  guint64 last_pts;
  guint events;
};

static void handle_frame (ImmClip * c, Held * h, GQueue * out);

static guint64
sat_sub (guint64 a, guint64 b)
{
  return a > b ? a - b : 0;
}

static guint64
sat_add (guint64 a, guint64 b)
{
  return a > NONE - b ? NONE : a + b;
}

ImmClip *
imm_clip_new (const ImmClipConfig * config, GDestroyNotify free_data)
{
  ImmClip *c = g_new0 (ImmClip, 1);

  c->cfg = *config;
  c->free_data = free_data;
  g_queue_init (&c->ring);
  c->state = IMM_CLIP_IDLE;
  c->newest_pts = NONE;
  return c;
}

static void
held_free (ImmClip * c, Held * h)
{
  if (c->free_data != NULL && h->data != NULL)
    c->free_data (h->data);
  g_free (h);
}

static void
ring_clear (ImmClip * c)
{
  Held *h;

  while ((h = g_queue_pop_head (&c->ring)) != NULL)
    held_free (c, h);
  c->ring_bytes = 0;
}

void
imm_clip_free (ImmClip * clip)
{
  if (clip == NULL)
    return;
  ring_clear (clip);
  g_free (clip);
}

/* Takes effect from the next frame; a running clip keeps its end. */
void
imm_clip_set_config (ImmClip * clip, const ImmClipConfig * config)
{
  clip->cfg = *config;
}

/* Adds a frame to the ring and drops the oldest beyond the bounds;
 * returns how many were dropped. */
static guint
ring_add (ImmClip * c, Held * h)
{
  guint dropped = 0;

  g_queue_push_tail (&c->ring, h);
  c->ring_bytes += h->size;
  while (c->ring.length > 1) {
    Held *old = g_queue_peek_head (&c->ring);

    if (h->pts - MIN (old->pts, h->pts) <= sat_add (c->cfg.pre_roll,
            c->cfg.lookback)
        && (c->cfg.max_bytes == 0 || c->ring_bytes <= c->cfg.max_bytes))
      break;
    g_queue_pop_head (&c->ring);
    c->ring_bytes -= old->size;
    held_free (c, old);
    dropped++;
  }
  return dropped;
}

static void
emit (ImmClip * c, ImmClipOutKind kind, Held * h, GQueue * out)
{
  ImmClipOutput *o = g_new0 (ImmClipOutput, 1);

  o->kind = kind;
  o->index = c->index;
  o->event_pts = c->event_pts;
  o->first_pts = c->first_pts;
  o->last_pts = h != NULL ? h->pts : c->last_pts;
  o->events = c->events;
  if (h != NULL) {
    o->data = h->data;
    g_free (h);
  }
  g_queue_push_tail (out, o);
}

/* Sends the frames of the ring through the state machine again, after an
 * event changed what they belong to. */
static void
refeed (ImmClip * c, GQueue * out)
{
  GQueue old = c->ring;
  Held *h;

  g_queue_init (&c->ring);
  c->ring_bytes = 0;
  while ((h = g_queue_pop_head (&old)) != NULL)
    handle_frame (c, h, out);
}

static void
on_post_roll_over (ImmClip * c, GQueue * out)
{
  if (c->cfg.min_gap > 0) {
    c->state = IMM_CLIP_HOLDING;
  } else {
    emit (c, IMM_CLIP_OUT_END, NULL, out);
    c->state = IMM_CLIP_IDLE;
  }
}

static void
handle_frame (ImmClip * c, Held * h, GQueue * out)
{
  switch (c->state) {
    case IMM_CLIP_IDLE:
      ring_add (c, h);
      break;
    case IMM_CLIP_ARMED:
      if (h->pts > c->end) {
        /* the event's window fell between two frames: no clip */
        c->state = IMM_CLIP_IDLE;
        ring_add (c, h);
      } else if (h->pts < c->start) {
        ring_add (c, h);
      } else {
        /* what waits is older than the clip: never needed again */
        ring_clear (c);
        c->index++;
        c->first_pts = c->last_pts = h->pts;
        c->state = IMM_CLIP_OPEN;
        emit (c, IMM_CLIP_OUT_START, NULL, out);
        emit (c, IMM_CLIP_OUT_FRAME, h, out);
      }
      break;
    case IMM_CLIP_OPEN:
      if (h->pts <= c->end) {
        gboolean last = h->next_pts != NONE && h->next_pts > c->end;

        c->last_pts = h->pts;
        emit (c, IMM_CLIP_OUT_FRAME, h, out);
        /* the next frame is due past the end: this one is the last, and
         * the clip ends now rather than a frame later */
        if (last)
          on_post_roll_over (c, out);
      } else {
        on_post_roll_over (c, out);
        handle_frame (c, h, out);
      }
      break;
    case IMM_CLIP_HOLDING:
      if (h->pts >= sat_add (c->end, c->cfg.min_gap)) {
        emit (c, IMM_CLIP_OUT_END, NULL, out);
        c->state = IMM_CLIP_IDLE;
        handle_frame (c, h, out);
      } else if (ring_add (c, h) > 0) {
        /* a frame after the end is gone: the clip can no longer go on
         * seamlessly, so it ends and later events are repeats */
        emit (c, IMM_CLIP_OUT_END, NULL, out);
        c->state = IMM_CLIP_COOLDOWN;
      }
      break;
    case IMM_CLIP_COOLDOWN:
      if (h->pts >= sat_add (c->end, c->cfg.min_gap))
        c->state = IMM_CLIP_IDLE;
      ring_add (c, h);
      break;
  }
}

void
imm_clip_push_frame (ImmClip * clip, guint64 pts, gsize size, gpointer data,
    GQueue * out)
{
  imm_clip_push_frame_timed (clip, pts, NONE, size, data, out);
}

/* As imm_clip_push_frame(), with @next_pts when the next frame is due
 * (G_MAXUINT64: not known). A clip whose end falls before @next_pts ends
 * with this frame. */
void
imm_clip_push_frame_timed (ImmClip * clip, guint64 pts, guint64 next_pts,
    gsize size, gpointer data, GQueue * out)
{
  Held *h = g_new (Held, 1);

  h->pts = pts;
  h->next_pts = next_pts;
  h->size = size;
  h->data = data;
  if (clip->newest_pts == NONE || pts > clip->newest_pts)
    clip->newest_pts = pts;
  handle_frame (clip, h, out);
}

/* Returns FALSE when the event is dropped as a repeat (min-gap). */
gboolean
imm_clip_event (ImmClip * clip, guint64 event_pts, GQueue * out)
{
  ImmClip *c = clip;
  guint64 gap_end = sat_add (c->end, c->cfg.min_gap);

  switch (c->state) {
    case IMM_CLIP_HOLDING:
      if (event_pts < gap_end) {
        c->end = MAX (c->end, sat_add (event_pts, c->cfg.post_roll));
        c->events++;
        c->state = IMM_CLIP_OPEN;
        refeed (c, out);
        return TRUE;
      }
      emit (c, IMM_CLIP_OUT_END, NULL, out);
      c->state = IMM_CLIP_IDLE;
      break;
    case IMM_CLIP_COOLDOWN:
      if (event_pts < gap_end)
        return FALSE;
      c->state = IMM_CLIP_IDLE;
      break;
    case IMM_CLIP_OPEN:
      c->end = MAX (c->end, sat_add (event_pts, c->cfg.post_roll));
      c->events++;
      return TRUE;
    case IMM_CLIP_ARMED:
      c->start = MIN (c->start, sat_sub (event_pts, c->cfg.pre_roll));
      c->end = MAX (c->end, sat_add (event_pts, c->cfg.post_roll));
      c->events++;
      refeed (c, out);
      return TRUE;
    case IMM_CLIP_IDLE:
      /* a late event from before a clip that ended, min-gap ago at most */
      if (c->index > 0 && c->cfg.min_gap > 0 && event_pts < gap_end)
        return FALSE;
      break;
  }

  c->state = IMM_CLIP_ARMED;
  c->event_pts = event_pts;
  c->start = sat_sub (event_pts, c->cfg.pre_roll);
  c->end = sat_add (event_pts, c->cfg.post_roll);
  c->events = 1;
  refeed (c, out);
  return TRUE;
}

/* End of stream: a running (or held) clip ends at its last frame. */
void
imm_clip_finish (ImmClip * clip, GQueue * out)
{
  if (clip->state == IMM_CLIP_OPEN || clip->state == IMM_CLIP_HOLDING)
    emit (clip, IMM_CLIP_OUT_END, NULL, out);
  imm_clip_reset (clip);
}

/* Flush: forget waiting frames and any clip without ending it (what was
 * sent is being flushed too); clip numbers go on. */
void
imm_clip_reset (ImmClip * clip)
{
  ring_clear (clip);
  clip->state = IMM_CLIP_IDLE;
  clip->newest_pts = NONE;
}

ImmClipState
imm_clip_get_state (const ImmClip * clip)
{
  return clip->state;
}

guint64
imm_clip_newest_pts (const ImmClip * clip)
{
  return clip->newest_pts;
}

/* The @n-th frame waiting in the ring (oldest first), its pts in @pts;
 * NULL past the last. */
gpointer
imm_clip_held_nth (const ImmClip * clip, guint n, guint64 * pts)
{
  Held *h = g_queue_peek_nth ((GQueue *) & clip->ring, n);

  if (h == NULL)
    return NULL;
  if (pts != NULL)
    *pts = h->pts;
  return h->data;
}

guint
imm_clip_held_frames (const ImmClip * clip)
{
  return clip->ring.length;
}

guint64
imm_clip_held_bytes (const ImmClip * clip)
{
  return clip->ring_bytes;
}

void
imm_clip_output_free (ImmClipOutput * o, GDestroyNotify free_data)
{
  if (o->data != NULL && free_data != NULL)
    free_data (o->data);
  g_free (o);
}

void
imm_change_detector_reset (ImmChangeDetector * det)
{
  det->next_pts = NONE;
  det->samples = 0;
  det->ref1 = det->ref2 = 0;
  det->ref1_pts = det->ref2_pts = NONE;
  det->n_recent = 0;
  det->have_thumb = FALSE;
  det->n_recent_sad = 0;
}

gboolean
imm_change_detector_due (const ImmChangeDetector * det, guint64 pts)
{
  return det->threshold >= 0 && (det->next_pts == NONE || pts >= det->next_pts);
}

/* A sample is an event when its distance d1 to the sample one interval
 * back is greater than threshold, and so is its distance to the sample two
 * back, and d1 is more than twice the mean distance of the last three
 * samples (PySceneDetect's adaptive threshold, looking back only). A cut
 * differs from both older samples and stands out of what came before.
 * Hash bits that hover (a smooth gradient, noise) flip back and forth, so
 * the older sample matches again; steady motion of a texture changes many
 * bits at every sample, so its mean is high. Measured at 10 fps, interval
 * 0.5 s, threshold 20: videotestsrc's drifting "colors" pattern and snow
 * gave 37 to 59 false events in 60 samples compared with the last sample
 * only, none this way; the three cuts of a cartoon trailer after its first
 * second are all found (see README). A margin of threshold over the mean
 * instead of the ratio missed one of them; half that margin let 6 to 7
 * false events through. The first sample sets the reference and the
 * second the level of change: the first interval of a stream is no event
 * (snow and the drifting pattern gave their one false event there). */
/* The sum of absolute differences of two thumbnails' cells. */
static guint
thumb_sad (const guint8 * a, const guint8 * b)
{
  guint i, sad = 0;

  for (i = 0; i < IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H; i++)
    sad += ABS ((gint) a[i] - (gint) b[i]);
  return sad;
}

/* @thumb NULL: the hash alone decides. */
static gboolean
sample (ImmChangeDetector * det, guint64 pts, guint64 hash,
    const guint8 * thumb, gint * distance)
{
  gboolean event = FALSE;
  gint d1 = -1, d2, sum = 0, n;
  guint i;

  det->next_pts = sat_add (pts, det->interval);
  if (det->samples > 0) {
    d1 = imm_dhash_distance (hash, det->ref1);
    d2 = det->samples > 1 ? (gint) imm_dhash_distance (hash, det->ref2) : d1;
    for (i = 0; i < det->n_recent; i++)
      sum += det->recent[i];
    /* d1 > 2 * mean, in integers */
    n = det->n_recent;
    event = n > 0 && d1 > det->threshold && d2 > det->threshold
        && d1 * n > 2 * sum;
    memmove (det->recent + 1, det->recent,
        (IMM_CHANGE_DETECTOR_HISTORY - 1) * sizeof (gint));
    det->recent[0] = d1;
    det->n_recent = MIN (det->n_recent + 1, IMM_CHANGE_DETECTOR_HISTORY);
  }
  if (thumb != NULL) {
    if (det->have_thumb) {
      guint sad = thumb_sad (thumb, det->thumb), sad_sum = 0;

      for (i = 0; i < det->n_recent_sad; i++)
        sad_sum += det->recent_sad[i];
      /* the picture itself changed, and more than twice as much as it
       * did lately */
      event = event && det->n_recent_sad > 0
          && sad >= IMM_CHANGE_MIN_LEVEL * IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H
          && sad * det->n_recent_sad > 2 * sad_sum;
      memmove (det->recent_sad + 1, det->recent_sad,
          (IMM_CHANGE_DETECTOR_HISTORY - 1) * sizeof (guint));
      det->recent_sad[0] = sad;
      det->n_recent_sad = MIN (det->n_recent_sad + 1,
          IMM_CHANGE_DETECTOR_HISTORY);
    }
    memcpy (det->thumb, thumb, sizeof (det->thumb));
    det->have_thumb = TRUE;
  }
  det->ref2 = det->ref1;
  det->ref1 = hash;
  det->ref2_pts = det->ref1_pts;
  det->ref1_pts = pts;
  det->samples++;
  if (distance != NULL)
    *distance = d1;
  return event;
}

gboolean
imm_change_detector_sample (ImmChangeDetector * det, guint64 pts,
    guint64 hash, gint * distance)
{
  return sample (det, pts, hash, NULL, distance);
}

/* As imm_change_detector_sample(), from the sample's thumbnail (see
 * imm_dhash_thumbnail_luma()), with one more condition: the picture
 * itself changed, the mean absolute difference of the thumbnails' cells
 * being at least IMM_CHANGE_MIN_LEVEL and more than twice its mean over
 * the last three samples. dHash reads only the sign of each step between
 * neighbouring cells: a smooth gradient turning through the vertical
 * flips every bit at once while the picture barely changes. Measured on a
 * 45 s fixture (ffmpeg lavfi gradients at speeds 0.05, 0.1 and 0.02, with
 * testsrc2, smptebars and mandelbrot between them; cuts at 10, 15, 25, 30
 * and 35 s), interval 0.5, threshold 20: the hash alone gave 5 false
 * events (the gradient turning: cells 1.7 to 21 levels apart) besides the
 * cuts at 30 and 35 s (cells 72 and 53 levels apart); with this, none.
 * The cuts at 10, 15 and 25 s change 16, 17 and 10 bits: under threshold
 * 20 either way. */
gboolean
imm_change_detector_sample_thumbnail (ImmChangeDetector * det, guint64 pts,
    const guint8 thumb[72], gint * distance)
{
  return sample (det, pts, imm_dhash_from_thumbnail (thumb), thumb, distance);
}

/* The pts of the sample before the last one (G_MAXUINT64 before two): a
 * change the last sample found happened after it. */
guint64
imm_change_detector_previous_pts (const ImmChangeDetector * det)
{
  return det->ref2_pts;
}

/* Where a change happened between two samples: of the @n hashes of the
 * frames after the sample @before up to the one @after (the last of them,
 * in time order), the first that is nearer @after than @before. A cut
 * gives the first frame of the new scene; a change that is no nearer
 * anywhere, the last frame (the sample that saw it). Sampling once an
 * interval finds a change up to an interval late: this gives the frame,
 * so that a clip's pre-roll and post-roll count from the change itself. */
guint
imm_change_locate (const guint64 * hashes, guint n, guint64 before,
    guint64 after)
{
  guint i;

  g_return_val_if_fail (n > 0, 0);
  for (i = 0; i + 1 < n; i++)
    if (imm_dhash_distance (hashes[i], after) <
        imm_dhash_distance (hashes[i], before))
      return i;
  return n - 1;
}

/* When the frame after one at @pts is due, for
 * imm_clip_push_frame_timed(): its @duration, or when the frames come
 * further apart (a stream thinned out by a capture before), the smaller
 * of the last two spacings @gap_a, @gap_b (G_MAXUINT64: not known), so
 * that a spacing that varies (a 25 fps stream thinned to every 0.1 s gives
 * 0.12 and 0.08 s) does not end a clip before a frame that belongs to it.
 * G_MAXUINT64 when nothing is known. */
guint64
imm_clip_next_due (guint64 pts, guint64 duration, guint64 gap_a, guint64 gap_b)
{
  guint64 gap = MIN (gap_a, gap_b), step;

  if (gap == NONE)
    step = duration;
  else if (duration == NONE)
    step = gap;
  else
    step = MAX (duration, gap);
  if (step == NONE || step == 0)
    return NONE;
  return sat_add (pts, step);
}
