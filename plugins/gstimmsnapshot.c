/* imm-gst: immsnapshot, picks the frames that become snapshots.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-immsnapshot
 * @title: immsnapshot
 *
 * Lets through only the frames a capture takes, with their timestamps
 * unchanged (but for AVI's B-frames, whose decoder times are repaired),
 * and drops the rest. The modes are those of the cloud API's
 * frame capture:
 *
 * - `interval`: the first frame at or after #GstImmSnapshot:start-time,
 *   start-time + #GstImmSnapshot:interval, ... With interval 0, the one
 *   frame at start-time (a thumbnail).
 * - `average`: #GstImmSnapshot:number frames spread evenly over the range
 *   (each the first frame of one of N equal slices). Needs the stream
 *   duration, so not on live sources.
 * - `keyframe`: every sync (IDR) frame. Decoded frames do not say whether
 *   they were keyframes (avdec_h264 marks none), so the element watches the
 *   encoded buffers entering every decoder upstream of it (all sources
 *   joined by concat) and marks the frames leaving them as delta units or
 *   not; with no decoder upstream, raw frames count as keyframes unless
 *   flagged delta units. The first frame of each stream counts as one.
 * - `dhash`: one sample every interval (default 1 s), hashed with a 64-bit
 *   difference hash; a sample's change is the Hamming distance to the
 *   sample before. The first sample is taken (with #GstImmSnapshot:first
 *   FALSE it only sets the reference, so that a still scene after start-up
 *   gives nothing); the others when their change is greater than
 *   #GstImmSnapshot:threshold and, with #GstImmSnapshot:min-gap, at least
 *   min-gap seconds after the last frame taken (with number: the last
 *   candidate; the reference moves on during the cooldown, so a cut and a
 *   camera settling after it give one frame). #GstImmSnapshot:detector
 *   `adaptive` uses immhighlight's rule instead of the distance to the
 *   previous sample: a change must also differ from the sample two back,
 *   be more than twice the recent mean change, and move the picture's
 *   thumbnail, so that smooth motion, a turning gradient and noise give
 *   none (a drifting colour ramp at 10 fps: 59 changes in 60 samples with
 *   `previous`, none with `adaptive`; see README). With number N > 0 only
 *   the N largest changes are kept (the first sample ranking highest, ties
 *   to the earlier), output in time order at the end of the stream; at
 *   most N frames are held, as copies.
 * - `all`: every frame of the range (what an animation takes when it has no
 *   interval).
 *
 * The range is [start-time, start-time + #GstImmSnapshot:duration), in
 * stream time since the first frame (on a live source: running time since
 * the first frame); streams such as MPEG-TS do not start at 0. When no
 * further frame can be taken, the element sends EOS downstream and returns
 * EOS upstream, so pipelines end early; on a live source (or with
 * #GstImmSnapshot:when-done `drop`) it drops the rest instead, so that
 * the source's other sinks run on. A start time beyond the end gives no
 * frame and a warning message. A frame that repeats the time of the one
 * before (avdec_mpeg4 on AVI with B-frames, after each keyframe) counts
 * one frame duration later, and so does every frame after it until the
 * next segment, as ffmpeg counts them. Average's range is the stream's
 * length from the first frame: the duration past the segment start where
 * the demuxer rebases stream time (Matroska with a timestamp offset), plus
 * the last frame after mpegpsdemux (which measures first to last PTS).
 *
 * Seeking: on a seekable, non-live upstream (and #GstImmSnapshot:seek TRUE),
 * interval, average and dhash jump to the keyframe before the next target time
 * with a flushing key-unit seek when the target is more than 2 seconds ahead,
 * instead of decoding everything between; the frames taken are the same as
 * without seeking. Each target gets one seek at most: when its keyframe lies
 * behind the stream's position the seek lands there and the element decodes on.
 * To avoid such seeks, which only decode that keyframe's frames again, the
 * element watches the keyframes entering the decoder: once it knows how far
 * apart they can be (from two in a row, or from a seek that landed back on the
 * keyframe being decoded from), it seeks only to targets further from the last
 * keyframe than that, and decodes on to the others. Keyframe mode asks upstream
 * for a key-unit trick mode so that only keyframes are read and decoded; an
 * H.264 decoder gets its segment without the trick-mode flags while the
 * keyframes are IDR pictures, so that avdec_h264 decodes two keyframes at once
 * (immkeywatch.c). A seek goes out as soon as the frame before it has been
 * judged: the element's own seek's flushes stop at its sink pad, so frames
 * already taken stay downstream. The seeks are sent from a separate thread
 * (gst_element_call_async()), never from the streaming thread. Where upstream
 * cannot seek, the element filters. Nor does it seek where a seek cannot be
 * exact: over MPEG-TS and MPEG-PS (tsdemux and mpegpsdemux land by byte
 * estimate, on frames that need earlier ones), RealMedia (rmdemux flushes,
 * refuses and stops the stream: a warning says so), sources joined by concat (a
 * seek reaches one of them) and AVI but in keyframe mode (its frame times are
 * repaired from the first frame on, see imm_pts_repair_frame()). The first
 * frame after each seek is checked: when the decoder's first input after it was
 * no keyframe, the element warns and decodes from the start without seeking;
 * when the frame comes after the target, the element seeks back to where it was
 * (then, if that lands late too, to the start) and decodes on without seeking
 * or QoS; after a third bad landing it warns that frames may be missing or
 * wrong.
 *
 * Skipping decoding: in interval, average and dhash modes, with seek and
 * #GstImmSnapshot:skip-decode TRUE (the defaults), the element sends
 * upstream a QoS event each time its next target changes and after every
 * new segment (decoders forget QoS at a flush or a new segment): type
 * throttle, diff 0, timestamp the running time of the next target less 8
 * frame durations (1 s when the frame rate is unknown). Decoders then do
 * not decode the frames before it that no other frame refers to
 * (avdec_h264: non-reference B-frames) and drop the late frames they do
 * decode; filters that handle QoS (videoconvert) do not convert them.
 * Reference frames are all decoded, so a target comes out exactly as
 * without QoS; the margin is there because a decoder decides on a frame
 * by the timestamp of the frame before it in decoding order, which with
 * B-frames can be a few frames earlier. It works with and without seeking
 * (a source that cannot seek profits too), and upstream elements that
 * ignore QoS change nothing. The frames dropped show up as QoS messages
 * from the decoder and videoconvert, as late frames do, and as "Dropping
 * frame due to QoS" in the decoder's debug log; immsnapshot itself posts
 * no message about them. seek=false turns this off too.
 *
 * The element seeks and sends QoS for itself only: not on a live source,
 * nor when the decoded frames also feed other branches (a tee or another
 * element with several source pads between the decoder and the element),
 * whose sinks would lose frames too; #GstImmSnapshot:force-upstream does
 * both all the same.
 *
 * Each frame taken posts an element message named `immsnapshot`:
 *
 * - `index` (guint): 1-based number of the frame taken.
 * - `pts` (guint64): its timestamp.
 * - `stream-time` (guint64): its stream time.
 * - `running-time` (guint64): its running time.
 * - `mode` (string): the mode.
 * - `distance` (gint, dhash only): its change, the Hamming distance (0-64)
 *   of its hash to the previous sample's; -1 for the first sample.
 * - `hash` (guint64, dhash only): its 64-bit hash.
 *
 * #GstImmSnapshot:threshold, #GstImmSnapshot:min-gap, #GstImmSnapshot:first,
 * #GstImmSnapshot:detector,
 * #GstImmSnapshot:post-messages and #GstImmSnapshot:when-done can change while the stream runs and apply
 * from the next frame; the other properties set the schedule and the way
 * upstream when the stream starts, and a change while it runs is refused
 * with a warning message.
 *
 * With #GstImmSnapshot:action `mark` every frame goes on, and each frame
 * taken carries an #ImmSnapshotMeta (index, mode, distance, hash; see
 * imm/imm-snapshot-meta.h) and is followed by a serialized custom
 * downstream event named `immsnapshot-mark` with the fields `index`
 * (guint), `pts` (guint64), `mode` (string), `distance` (gint, -1 outside
 * dhash) and `hash` (guint64, 0 outside dhash). The element then neither
 * seeks, nor sends QoS, nor ends the stream early; dhash with number is
 * refused.
 *
 * When no further frame can be taken it posts `immsnapshot-done`:
 *
 * - `frames` (guint): the number of frames taken.
 * - `eos` (gboolean): TRUE when it ended the stream, FALSE when it drops
 *   the rest.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! videoconvert ! immsnapshot mode=interval start-time=11 interval=4 number=5 ! jpegenc ! multifilesink location=snapshot-%d.jpg index=1
 * ]| Five frames 4 seconds apart from second 11.
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! videoconvert ! immsnapshot mode=dhash number=5 ! jpegenc ! multifilesink location=key-%d.jpg index=1
 * ]| The opening frame and the four strongest cuts.
 * |[
 * gst-launch-1.0 videotestsrc is-live=true num-buffers=100 ! immsnapshot mode=interval interval=1 ! videoconvert ! pngenc ! multifilesink location=live-%d.png
 * ]| A frame a second from a live source.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimmsnapshot.h"

#include <gst/video/video.h>

#include "immkeywatch.h"
#include "imm/imm-clip.h"
#include "imm/imm-dhash.h"
#include "imm/imm-schedule.h"
#include "imm/imm-seek.h"
#include "imm/imm-snapshot-meta.h"
#include "imm/imm-topn.h"

GST_DEBUG_CATEGORY (gst_imm_snapshot_debug);
#define GST_CAT_DEFAULT gst_imm_snapshot_debug

#define DEFAULT_MODE IMM_SNAPSHOT_INTERVAL
#define DEFAULT_START_TIME 0.0
#define DEFAULT_DURATION 0.0
#define DEFAULT_INTERVAL 0.0
#define DEFAULT_NUMBER 0
#define DEFAULT_THRESHOLD 0
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_SEEK TRUE
#define DEFAULT_SKIP_DECODE TRUE
#define DEFAULT_FORCE_UPSTREAM FALSE
#define DEFAULT_WHEN_DONE IMM_WHEN_DONE_AUTO
#define DEFAULT_ACTION IMM_ACTION_DROP
#define DEFAULT_MIN_GAP 0.0
#define DEFAULT_FIRST TRUE
#define DEFAULT_DETECTOR IMM_DETECTOR_PREVIOUS

/* QoS asks upstream to skip frames earlier than the next target minus this
 * many frame durations (1 s when the frame rate is unknown). A decoder
 * judges whether to decode a frame by the timestamp of the frame before it
 * in decoding order, which with B-frames can lie a few frames earlier. */
#define QOS_MARGIN_FRAMES 8
#define QOS_MARGIN_DEFAULT GST_SECOND

enum
{
  PROP_0,
  PROP_MODE,
  PROP_START_TIME,
  PROP_DURATION,
  PROP_INTERVAL,
  PROP_NUMBER,
  PROP_THRESHOLD,
  PROP_POST_MESSAGES,
  PROP_SEEK,
  PROP_SKIP_DECODE,
  PROP_FORCE_UPSTREAM,
  PROP_WHEN_DONE,
  PROP_ACTION,
  PROP_MIN_GAP,
  PROP_FIRST,
  PROP_DETECTOR,
};

/* What happens to the frames. */
typedef enum
{
  IMM_ACTION_DROP,
  IMM_ACTION_MARK,
} ImmAction;

/* dhash: what counts as a change */
typedef enum
{
  IMM_DETECTOR_PREVIOUS,
  IMM_DETECTOR_ADAPTIVE,
} ImmDetector;

/* A frame judged: taken, and what its mark says. */
typedef struct
{
  gboolean taken;
  gint distance;
  guint64 hash;
} Judgement;

/* What a finished capture does with the rest of the stream. */
typedef enum
{
  IMM_WHEN_DONE_AUTO,
  IMM_WHEN_DONE_EOS,
  IMM_WHEN_DONE_DROP,
} ImmWhenDone;

/* Where the capture stands (streaming thread). */
typedef enum
{
  CAPTURE_RUNNING,              /* frames are judged */
  CAPTURE_ENDED,                /* finished, EOS sent: EOS returned upstream */
  CAPTURE_DROPPING,             /* finished: frames dropped (marking: passed), upstream runs on */
} CaptureState;

/* Where the element's own seeking stands (one seek job at a time, under
 * seek_lock; transitions in schedule_seek(), do_seek(), on_buffer(),
 * on_landed(), on_flush_start(), on_flush_stop() and on_eos()):
 *
 *   IDLE --seek ahead--> SENT --FLUSH_START--> FLUSHING --FLUSH_STOP-->
 *   LANDED --first frame where expected--> IDLE (or DISABLED after a
 *   recovery); LANDED --landed late or on a delta frame--> RESTARTING
 *   (a recovery seek back) --FLUSH_START--> FLUSHING ...;
 *   SENT/RESTARTING --refused--> DISABLED.
 */
typedef enum
{
  SEEK_IDLE,                    /* no seek of ours on its way: frames judged */
  SEEK_SENT,                    /* a seek ahead on its way: frames before it still judged */
  SEEK_RESTARTING,              /* a seek back on its way: frames dropped, EOS waits */
  SEEK_FLUSHING,                /* its FLUSH_START went by, its FLUSH_STOP not yet */
  SEEK_LANDED,                  /* flushed: the first frame after it is checked */
  SEEK_DISABLED,                /* no more seeks: cannot, refused, or landed wrong */
} SeekState;

/* The seek job: the one seek on its way, or the last one. */
typedef struct
{
  SeekState state;
  guint32 seqnum;               /* of the last seek scheduled */
  guint32 seqnums[8];           /* of the last seeks: their flushes stay here */
  guint n_sent;                 /* seeks scheduled */
  guint in_flight;              /* scheduled, gst_pad_push_event not back */
  GstClockTime goal;            /* its target on the capture timeline */
  GstClockTime resume;          /* the position when it was sent */
  guint64 last_target;          /* the last target sought (capture timeline) */
  gboolean key_units;           /* a key-unit trick mode seek */
  gboolean then_disable;        /* a recovery: no more seeks once landed */
  guint recoveries;             /* seeks sent after one landed wrong */
} SeekJob;

struct _GstImmSnapshot
{
  GstBaseTransform parent;

  /* properties, protected by the object lock */
  ImmSnapshotMode mode;
  gdouble start_time;
  gdouble duration;
  gdouble interval;
  guint number;
  guint threshold;
  gboolean post_messages;
  gboolean seek;
  gboolean skip_decode;
  gboolean force_upstream;
  ImmWhenDone when_done;
  ImmAction action;
  gdouble min_gap;
  gboolean first;
  ImmDetector detector;

  /* streaming thread */
  GstVideoInfo info;
  gboolean configured;
  gboolean live;
  CaptureState capture;
  ImmAction run_action;
  gboolean run_qos;
  guint64 qos_target;           /* the target the last QoS event was for */
  GstClockTime origin;          /* the first frame's stream/running time */
  GstClockTime last_time;
  ImmPtsRepair repair;          /* repeated frame times (AVI, MPEG-4) */
  GstClockTime repaired;        /* the frame's pts as repaired, or NONE */
  gboolean avi;                 /* avidemux upstream (imm_key_watch_avi) */
  gboolean first_of_stream;     /* no frame since STREAM_START */
  ImmSchedule sched;
  ImmSnapshotMode run_mode;
  guint index;
  guint64 prev_hash;
  guint64 samples;
  guint64 last_candidate;       /* dhash: its time, or IMM_DHASH_NONE */
  ImmChangeDetector change;     /* dhash, detector=adaptive */
  ImmTopN *topn;

  /* keyframes at the decoders upstream, with a lock of its own */
  ImmKeyWatch *keys;

  GMutex seek_lock;
  GCond seek_cond;              /* the job's state changed */
  SeekJob job;
};

/* A frame held by top-N, with what its message needs. */
typedef struct
{
  GstBuffer *buffer;
  gint distance;
  guint64 hash;
} Held;

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ I420, YV12, NV12, NV21, Y42B, "
            "Y444, Y41B, YUY2, UYVY, YVYU, AYUV, GRAY8, RGB, BGR, RGBA, BGRA, "
            "ARGB, ABGR, RGBx, BGRx, xRGB, xBGR }")));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ I420, YV12, NV12, NV21, Y42B, "
            "Y444, Y41B, YUY2, UYVY, YVYU, AYUV, GRAY8, RGB, BGR, RGBA, BGRA, "
            "ARGB, ABGR, RGBx, BGRx, xRGB, xBGR }")));

G_DEFINE_TYPE_WITH_CODE (GstImmSnapshot, gst_imm_snapshot,
    GST_TYPE_BASE_TRANSFORM,
    GST_DEBUG_CATEGORY_INIT (gst_imm_snapshot_debug, "immsnapshot", 0,
        "imm-gst frame capture"));
GST_ELEMENT_REGISTER_DEFINE (immsnapshot, "immsnapshot", GST_RANK_NONE,
    GST_TYPE_IMM_SNAPSHOT);

GType
gst_imm_snapshot_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {IMM_SNAPSHOT_INTERVAL, "A frame every interval from start-time",
        "interval"},
    {IMM_SNAPSHOT_AVERAGE, "number frames spread evenly over the range",
        "average"},
    {IMM_SNAPSHOT_KEYFRAME, "Every keyframe (IDR/sync frame)", "keyframe"},
    {IMM_SNAPSHOT_DHASH, "Content changes by difference hash", "dhash"},
    {IMM_SNAPSHOT_ALL, "Every frame of the range", "all"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmSnapshotMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_imm_snapshot_when_done_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {IMM_WHEN_DONE_AUTO, "drop on live sources, else eos", "auto"},
    {IMM_WHEN_DONE_EOS, "End the stream", "eos"},
    {IMM_WHEN_DONE_DROP, "Drop the rest, upstream runs on", "drop"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmSnapshotWhenDone", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_imm_snapshot_action_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {IMM_ACTION_DROP, "Only the frames taken go on", "drop"},
    {IMM_ACTION_MARK, "Every frame goes on, the taken ones marked", "mark"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmSnapshotAction", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_imm_snapshot_detector_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {IMM_DETECTOR_PREVIOUS, "Distance to the previous sample over threshold",
        "previous"},
    {IMM_DETECTOR_ADAPTIVE, "immhighlight's rule: two samples back, twice "
          "the recent change, the picture moved", "adaptive"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmSnapshotDetector", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstClockTime
seconds_to_time (gdouble s)
{
  return (GstClockTime) (s * GST_SECOND + 0.5);
}

/* --- seeking: one job, one state ----------------------------------------- */

static const gchar *
seek_state_name (SeekState s)
{
  static const gchar *const names[] = { "idle", "sent", "restarting",
    "flushing", "landed", "disabled"
  };

  return names[s];
}

/* called with seek_lock */
static void
set_state (GstImmSnapshot * self, SeekState s)
{
  if (self->job.state != s)
    GST_DEBUG_OBJECT (self, "seek state %s -> %s",
        seek_state_name (self->job.state), seek_state_name (s));
  self->job.state = s;
  g_cond_broadcast (&self->seek_cond);
}

/* called with seek_lock */
static gboolean
is_own_seqnum (GstImmSnapshot * self, guint32 seqnum)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (self->job.seqnums); i++)
    if (self->job.seqnums[i] == seqnum && seqnum != GST_SEQNUM_INVALID)
      return TRUE;
  return FALSE;
}

/* No more seeks from now on; says why when @why is set. Called without
 * seek_lock. */
static void
disable_seeking (GstImmSnapshot * self, const gchar * why, const gchar * detail)
{
  g_mutex_lock (&self->seek_lock);
  set_state (self, SEEK_DISABLED);
  g_mutex_unlock (&self->seek_lock);
  if (why != NULL)
    GST_ELEMENT_WARNING (self, STREAM, FAILED, ("%s", why), ("%s", detail));
}

/* Runs on a thread of its own: a flushing seek waits for the streaming
 * thread, so it must not be sent from there. */
static void
do_seek (GstElement * element, gpointer user_data)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (element);
  GstEvent *seek = user_data;
  guint32 seqnum = gst_event_get_seqnum (seek);
  gboolean refused;

  GST_DEBUG_OBJECT (self, "sending %" GST_PTR_FORMAT, seek);
  refused = !gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self),
      gst_event_ref (seek));
  g_mutex_lock (&self->seek_lock);
  self->job.in_flight--;
  /* Only the seek of the current job counts: an earlier one's push can
   * come back after the next was scheduled. */
  if (refused && seqnum == self->job.seqnum
      && (self->job.state == SEEK_SENT || self->job.state == SEEK_RESTARTING)) {
    g_mutex_unlock (&self->seek_lock);
    disable_seeking (self, NULL, NULL);
    GST_INFO_OBJECT (self, "seek refused: decoding on without seeking");
    return;
  }
  g_cond_broadcast (&self->seek_cond);
  g_mutex_unlock (&self->seek_lock);
}

/* Sends a seek to the stream time @target. @restart: the stream comes
 * again from there, so frames before its flush are not judged (they would
 * be flushed out of the sink). @then_disable: a recovery, decode on once
 * it has landed. Called from the streaming thread. */
static void
schedule_seek (GstImmSnapshot * self, GstClockTime target,
    gboolean key_units, gboolean restart, gboolean then_disable)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  GstSeekFlags flags = GST_SEEK_FLAG_FLUSH;
  GstEvent *seek;
  SeekJob *job = &self->job;

  /* Not an accurate seek: decoders clip the frame that straddles the
   * target and stamp it with the target time, which would make the frame
   * taken depend on whether we seeked. From the keyframe before, every
   * frame keeps its own time and the filter picks as without seeking. */
  flags |= GST_SEEK_FLAG_KEY_UNIT | GST_SEEK_FLAG_SNAP_BEFORE;
  if (key_units)
    flags |= GST_SEEK_FLAG_TRICKMODE | GST_SEEK_FLAG_TRICKMODE_KEY_UNITS;
  seek = gst_event_new_seek (1.0, GST_FORMAT_TIME, flags, GST_SEEK_TYPE_SET,
      target, GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);

  g_mutex_lock (&self->seek_lock);
  job->seqnum = gst_event_get_seqnum (seek);
  /* Its flushes carry this number: they stay here. */
  job->seqnums[job->n_sent++ % G_N_ELEMENTS (job->seqnums)] = job->seqnum;
  job->goal = GST_CLOCK_TIME_IS_VALID (self->origin)
      && target >= self->origin ? target - self->origin : 0;
  job->resume = self->last_time;
  job->key_units = key_units;
  job->then_disable = then_disable;
  job->in_flight++;
  set_state (self, restart ? SEEK_RESTARTING : SEEK_SENT);
  g_mutex_unlock (&self->seek_lock);

  imm_key_watch_expect_landing (self->keys,
      gst_event_get_seqnum (seek), gst_segment_position_from_stream_time (seg,
          GST_FORMAT_TIME, target));
  if (key_units)
    imm_key_watch_expect_keys_only (self->keys, gst_event_get_seqnum (seek));
  gst_element_call_async (GST_ELEMENT (self), do_seek, seek,
      (GDestroyNotify) gst_mini_object_unref);
}

static gboolean
upstream_can_seek (GstImmSnapshot * self)
{
  GstQuery *q = gst_query_new_seeking (GST_FORMAT_TIME);
  gboolean seekable = FALSE;

  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), q))
    gst_query_parse_seeking (q, NULL, &seekable, NULL, NULL);
  gst_query_unref (q);
  return seekable;
}

/* Jump ahead when that pays (imm_seek_decide()); @now is the current
 * time on the capture timeline. */
static void
maybe_seek_ahead (GstImmSnapshot * self, GstClockTime now)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  ImmSeekInput in;
  ImmSeekDecision d;
  SeekState state;

  if (self->run_mode == IMM_SNAPSHOT_KEYFRAME
      || self->run_mode == IMM_SNAPSHOT_ALL)
    return;
  g_mutex_lock (&self->seek_lock);
  state = self->job.state;
  in.last_target = self->job.last_target;
  g_mutex_unlock (&self->seek_lock);
  /* one seek at a time; none once disabled */
  if (state != SEEK_IDLE)
    return;

  in.seekable = TRUE;
  in.upstream = imm_key_watch_upstream (self->keys);
  in.now = now;
  in.target = imm_schedule_next_target (&self->sched);
  in.target_pts = IMM_TIME_NONE;
  if (in.target != IMM_TIME_NONE) {
    guint64 pts = gst_segment_position_from_stream_time (seg,
        GST_FORMAT_TIME, in.target + self->origin);

    if (GST_CLOCK_TIME_IS_VALID (pts))
      in.target_pts = pts;
  }
  imm_key_watch_distances (self->keys, &in.key_latest, &in.key_gap);
  d = imm_seek_decide (&in);
  if (d == IMM_SEEK_TOO_NEAR || d == IMM_SEEK_NO_TARGET)
    return;
  GST_DEBUG_OBJECT (self, "target %" GST_TIME_FORMAT ", last keyframe %"
      GST_TIME_FORMAT ", longest keyframe distance %" GST_TIME_FORMAT
      ": %s", GST_TIME_ARGS (in.target_pts), GST_TIME_ARGS (in.key_latest),
      GST_TIME_ARGS (in.key_gap), imm_seek_decision_to_string (d));
  if (d == IMM_SEEK_GO || d == IMM_SEEK_SAME_KEYFRAME) {
    g_mutex_lock (&self->seek_lock);
    self->job.last_target = in.target;
    g_mutex_unlock (&self->seek_lock);
  }
  if (d == IMM_SEEK_GO)
    schedule_seek (self, in.target + self->origin, FALSE, FALSE, FALSE);
}

/* The stream restarts from the start in key-unit trick mode, so that only
 * keyframes are decoded. Once: the start counts as its target. */
static gboolean
maybe_seek_keyframes (GstImmSnapshot * self)
{
  gboolean go;

  if (self->run_mode != IMM_SNAPSHOT_KEYFRAME
      || !imm_key_watch_has_decoder (self->keys)
      || imm_key_watch_upstream (self->keys) != IMM_SEEK_UPSTREAM_USUAL)
    return FALSE;
  g_mutex_lock (&self->seek_lock);
  go = self->job.state == SEEK_IDLE && self->job.last_target == IMM_TIME_NONE;
  if (go)
    self->job.last_target = self->sched.start;
  g_mutex_unlock (&self->seek_lock);
  if (go)
    schedule_seek (self, self->sched.start + self->origin, TRUE, TRUE, FALSE);
  return go;
}

/* --- skipping decoding: QoS ---------------------------------------------- */

/* The running time of @t on the capture timeline, in the current segment. */
static GstClockTime
timeline_to_running_time (GstImmSnapshot * self, guint64 t)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  guint64 pos;

  if (!GST_CLOCK_TIME_IS_VALID (self->origin)
      || seg->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  if (self->live)
    return t + self->origin;
  pos = gst_segment_position_from_stream_time (seg, GST_FORMAT_TIME,
      t + self->origin);
  return gst_segment_to_running_time (seg, GST_FORMAT_TIME, pos);
}

static GstClockTime
qos_margin (GstImmSnapshot * self)
{
  gint n = GST_VIDEO_INFO_FPS_N (&self->info);
  gint d = GST_VIDEO_INFO_FPS_D (&self->info);

  if (n <= 0 || d <= 0)
    return QOS_MARGIN_DEFAULT;
  return gst_util_uint64_scale (QOS_MARGIN_FRAMES * GST_SECOND, d, n);
}

/* Tells upstream that no frame before the next target is wanted, with a
 * QoS event whose earliest time lies a margin before the target's running
 * time: decoders then skip decoding the frames nothing refers to
 * (avdec_h264: non-reference B-frames) and drop the late ones they decode,
 * and filters with QoS (videoconvert) do not convert them. Upstream
 * elements that ignore QoS change nothing: the frames are filtered here as
 * before. */
static void
skip_to_next_target (GstImmSnapshot * self)
{
  guint64 next;
  GstClockTime rt, margin;

  if (!self->run_qos)
    return;
  next = imm_schedule_next_target (&self->sched);
  if (next == IMM_TIME_NONE || next == self->qos_target)
    return;
  rt = timeline_to_running_time (self, next);
  margin = qos_margin (self);
  if (!GST_CLOCK_TIME_IS_VALID (rt) || rt <= margin)
    return;
  self->qos_target = next;
  GST_DEBUG_OBJECT (self, "QoS: nothing wanted before running time %"
      GST_TIME_FORMAT, GST_TIME_ARGS (rt - margin));
  gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self),
      gst_event_new_qos (GST_QOS_TYPE_THROTTLE, 1.0, 0, rt - margin));
}

/* --- capture ------------------------------------------------------------- */

/* @pts: the taken frame's, as it goes downstream (repaired on AVI). */
static void
post_taken (GstImmSnapshot * self, GstClockTime pts, gint distance,
    guint64 hash)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstSegment *seg = &trans->segment;
  GstStructure *s;
  gboolean post;

  self->index++;
  GST_OBJECT_LOCK (self);
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  if (!post)
    return;
  s = gst_structure_new ("immsnapshot",
      "index", G_TYPE_UINT, self->index,
      "pts", G_TYPE_UINT64, pts,
      "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time (seg, GST_FORMAT_TIME, pts),
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (seg, GST_FORMAT_TIME, pts),
      "mode", G_TYPE_STRING, imm_snapshot_mode_to_string (self->run_mode),
      NULL);
  if (self->run_mode == IMM_SNAPSHOT_DHASH)
    gst_structure_set (s, "distance", G_TYPE_INT, distance, "hash",
        G_TYPE_UINT64, hash, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* The hash of @buf, and in @thumb the thumbnail it is made from (all 0
 * when the frame cannot be read). */
static guint64
frame_hash (GstImmSnapshot * self, GstBuffer * buf,
    guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H])
{
  GstVideoFrame frame;
  const GstVideoFormatInfo *f = self->info.finfo;

  memset (thumb, 0, IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H);
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ))
    return 0;
  if (GST_VIDEO_FORMAT_INFO_IS_RGB (f)) {
    imm_dhash_thumbnail_rgb (GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
        GST_VIDEO_FRAME_COMP_DATA (&frame, 1),
        GST_VIDEO_FRAME_COMP_DATA (&frame, 2),
        GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0),
        GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0),
        GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame), thumb);
  } else {
    /* YUV and grey: component 0 is luma at full size */
    imm_dhash_thumbnail_luma (GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
        GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0),
        GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0),
        GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame), thumb);
  }
  gst_video_frame_unmap (&frame);
  return imm_dhash_from_thumbnail (thumb);
}

static void
held_free (gpointer data)
{
  Held *held = data;

  gst_buffer_unref (held->buffer);
  g_free (held);
}

/* Reads the properties once per run: changes while running would make the
 * schedule contradict itself. @first is the first frame. */
static gboolean
configure (GstImmSnapshot * self, GstBuffer * first)
{
  GstPad *sink = GST_BASE_TRANSFORM_SINK_PAD (self);
  GstQuery *q;
  GstClockTime start, end = IMM_TIME_NONE, interval;
  gdouble duration;
  guint number;
  gboolean seek, skip_decode, force, can_seek, polite;
  ImmSeekUpstream upstream;

  GST_OBJECT_LOCK (self);
  self->run_mode = self->mode;
  start = seconds_to_time (self->start_time);
  duration = self->duration;
  interval = seconds_to_time (self->interval);
  number = self->number;
  seek = self->seek;
  skip_decode = self->skip_decode;
  force = self->force_upstream;
  self->run_action = self->action;
  GST_OBJECT_UNLOCK (self);

  q = gst_query_new_latency ();
  if (gst_pad_peer_query (sink, q))
    gst_query_parse_latency (q, &self->live, NULL, NULL);
  gst_query_unref (q);

  /* Keyframe mode takes them; the seeking modes learn their distances.
   * First: average asks which demuxer is upstream. */
  imm_key_watch_attach (self->keys, sink,
      self->run_mode == IMM_SNAPSHOT_KEYFRAME || (seek
          && self->run_mode != IMM_SNAPSHOT_ALL));
  upstream = imm_key_watch_upstream (self->keys);

  if (duration > 0)
    end = start + seconds_to_time (duration);

  if (self->run_mode == IMM_SNAPSHOT_AVERAGE) {
    gint64 total = -1;

    if (self->live || !gst_pad_peer_query_duration (sink, GST_FORMAT_TIME,
            &total) || total <= 0) {
      if (end == IMM_TIME_NONE) {
        GST_ELEMENT_ERROR (self, STREAM, FAILED,
            ("mode=average spreads its frames over the duration of the "
                "stream, and this %s has none. Set the duration property, "
                "or use mode=interval.", self->live ? "live source" :
                "stream"), (NULL));
        return FALSE;
      }
      total = -1;
    } else {
      GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;

      total = imm_schedule_stream_length (total, seg->start, seg->stop,
          seg->time);
      if (imm_key_watch_pts_duration (self->keys)) {
        /* from the first frame, which can come after the first packet
         * (a TS cut mid-GOP), to the end of the last */
        total = imm_schedule_frames_length (total, seg->time,
            GST_BUFFER_PTS_IS_VALID (first) ?
            gst_segment_to_stream_time (seg, GST_FORMAT_TIME,
                GST_BUFFER_PTS (first)) : IMM_TIME_NONE);
        total = imm_schedule_pts_length (total,
            self->info.fps_n > 0 ? gst_util_uint64_scale_int (GST_SECOND,
                self->info.fps_d, self->info.fps_n) : IMM_TIME_NONE);
      }
      GST_DEBUG_OBJECT (self, "average over %" GST_TIME_FORMAT " (segment %"
          GST_SEGMENT_FORMAT ")", GST_TIME_ARGS (total), seg);
    }
    if (total > 0 && (end == IMM_TIME_NONE || (guint64) total < end))
      end = total;
    if (end <= start)
      end = start;
  }

  if (self->run_mode == IMM_SNAPSHOT_DHASH && number > 0 && self->live)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("mode=dhash with number=%u ranks the changes of the whole stream: "
            "its frames come out only when the live source sends EOS.",
            number), (NULL));

  if (!imm_schedule_init (&self->sched, self->run_mode, start, end, interval,
          number)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("mode=average needs the number property (frames to capture)."),
        (NULL));
    return FALSE;
  }
  if (self->run_mode == IMM_SNAPSHOT_DHASH && number > 0
      && self->run_action == IMM_ACTION_MARK) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("action=mark cannot keep the N largest changes (mode=dhash with "
            "number): they are known only at the end of the stream, after "
            "the frames went by. Use number=0 and threshold."), (NULL));
    return FALSE;
  }
  if (self->run_mode == IMM_SNAPSHOT_DHASH && number > 0)
    self->topn = imm_topn_new (number, held_free);

  /* Never slow down, drop or seek for the others: a live source's other
   * sinks, or the other branches of a tee. */
  polite = !force && (self->live || imm_key_watch_shared (self->keys));
  /* marking lets every frame through: nothing to skip */
  if (self->run_action == IMM_ACTION_MARK)
    polite = TRUE;
  if (polite)
    GST_INFO_OBJECT (self, "%s: no seeks, no QoS", self->live ? "live" :
        "frames shared with other branches");
  can_seek = seek && !polite && !self->live && upstream_can_seek (self);
  if (can_seek && upstream == IMM_SEEK_UPSTREAM_REFUSES)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The demuxer upstream (rmdemux) stops the stream when it refuses "
            "a seek: decoding without seeking."), (NULL));
  else if (can_seek && upstream != IMM_SEEK_UPSTREAM_USUAL)
    /* concat: a seek reaches one source; tsdemux, mpegpsdemux: it lands
     * anywhere (see imm_seek_upstream_from_factory()) */
    GST_INFO_OBJECT (self, "upstream does not seek exactly: no seeks");
  if (upstream != IMM_SEEK_UPSTREAM_USUAL)
    can_seek = FALSE;
  /* AVI: frame times are repaired from the start of the stream (see
   * imm_pts_repair_frame()); from a seek's keyframe on, the repair would
   * miss the shift of the frames before it (2 frames on a packed-B-frame
   * file). Keyframe mode's trick mode decodes keyframes only, which the
   * repair leaves as they are. */
  self->avi = imm_key_watch_avi (self->keys);
  if (can_seek && self->avi && self->run_mode != IMM_SNAPSHOT_KEYFRAME) {
    GST_INFO_OBJECT (self, "AVI: no seeks, frame times need every frame");
    can_seek = FALSE;
  }
  if (!can_seek) {
    g_mutex_lock (&self->seek_lock);
    set_state (self, SEEK_DISABLED);
    g_mutex_unlock (&self->seek_lock);
  }
  /* AVI: the repair of the decoder's frame times needs every frame (a
   * packed B-frame's repeated time is known by the frame after it) */
  self->run_qos = seek && skip_decode && !polite && !self->avi
      && (self->run_mode == IMM_SNAPSHOT_INTERVAL
      || self->run_mode == IMM_SNAPSHOT_AVERAGE
      || self->run_mode == IMM_SNAPSHOT_DHASH);
  GST_DEBUG_OBJECT (self, "mode %s live %d seekable %d",
      imm_snapshot_mode_to_string (self->run_mode), self->live, can_seek);
  self->configured = TRUE;
  return TRUE;
}

/* One frame's duration: the buffer's, else the caps' frame rate. */
static GstClockTime
frame_duration (GstImmSnapshot * self, GstBuffer * buf)
{
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    return GST_BUFFER_DURATION (buf);
  if (self->info.fps_n > 0 && self->info.fps_d > 0)
    return gst_util_uint64_scale_int (GST_SECOND, self->info.fps_d,
        self->info.fps_n);
  return GST_CLOCK_TIME_NONE;
}

/* The frame's time on the capture timeline: its stream time (on a live
 * source, running time) since the first frame. Streams need not start at
 * 0: MPEG-TS starts where its first timestamp is, and StartTime counts
 * from the first frame, as in ffmpeg. */
static GstClockTime
timeline_time (GstImmSnapshot * self, GstBuffer * buf)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstClockTime t;

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_CLOCK_TIME_NONE;
  if (self->live)
    t = gst_segment_to_running_time (seg, GST_FORMAT_TIME, pts);
  else
    t = gst_segment_to_stream_time (seg, GST_FORMAT_TIME, pts);
  if (!GST_CLOCK_TIME_IS_VALID (t))
    return GST_CLOCK_TIME_NONE;
  {
    GstClockTime fixed = imm_pts_repair_frame (&self->repair, t,
        frame_duration (self, buf));

    /* AVI's frames downstream need their right time too (an animation's
     * frame durations); elsewhere (MPEG-PS repeats a time near its end,
     * 17.94 s for ffprobe's 17.94 s and 17.98 s) only the schedule's */
    self->repaired = fixed != t && self->avi ? pts + (fixed - t) :
        GST_CLOCK_TIME_NONE;
    t = fixed;
  }
  if (!GST_CLOCK_TIME_IS_VALID (self->origin))
    self->origin = t;
  return t >= self->origin ? t - self->origin : 0;
}

static void
push_held (GstImmSnapshot * self)
{
  GList *l, *list;

  if (self->topn == NULL)
    return;
  list = imm_topn_take_in_order (self->topn);
  for (l = list; l != NULL; l = l->next) {
    Held *held = l->data;
    GstFlowReturn ret;

    post_taken (self, GST_BUFFER_PTS (held->buffer), held->distance,
        held->hash);
    ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self),
        gst_buffer_ref (held->buffer));
    if (ret != GST_FLOW_OK)
      GST_DEBUG_OBJECT (self, "pushing a held frame: %s",
          gst_flow_get_name (ret));
  }
  g_list_free_full (list, held_free);
}

static void
warn_if_nothing (GstImmSnapshot * self)
{
  if (self->index > 0 || !self->configured)
    return;
  if (!GST_CLOCK_TIME_IS_VALID (self->last_time)
      || self->last_time < self->sched.start)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("No frame captured: start-time %.3f s is beyond the end of the "
            "stream.", (gdouble) self->sched.start / GST_SECOND),
        ("last frame at %" GST_TIME_FORMAT, GST_TIME_ARGS (self->last_time)));
}

/* No later frame will be taken: end the stream here, or (when-done=drop)
 * let upstream run on for the source's other sinks and drop the rest. */
static GstFlowReturn
finish (GstImmSnapshot * self)
{
  ImmWhenDone when_done;
  gboolean post;

  if (self->capture != CAPTURE_RUNNING)
    return self->capture == CAPTURE_ENDED ? GST_FLOW_EOS :
        GST_BASE_TRANSFORM_FLOW_DROPPED;
  GST_OBJECT_LOCK (self);
  when_done = self->when_done;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  /* A live source feeds other sinks too: ending the stream would stop
   * them. */
  if (when_done == IMM_WHEN_DONE_AUTO)
    when_done = self->live ? IMM_WHEN_DONE_DROP : IMM_WHEN_DONE_EOS;
  /* marking: the rest goes by unmarked (see transform_ip) */
  if (self->run_action == IMM_ACTION_MARK)
    when_done = IMM_WHEN_DONE_DROP;
  push_held (self);
  warn_if_nothing (self);
  if (post)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            gst_structure_new ("immsnapshot-done", "frames", G_TYPE_UINT,
                self->index, "eos", G_TYPE_BOOLEAN,
                when_done == IMM_WHEN_DONE_EOS, NULL)));
  if (when_done == IMM_WHEN_DONE_DROP) {
    GST_DEBUG_OBJECT (self, "done after %u frames, dropping the rest",
        self->index);
    self->capture = CAPTURE_DROPPING;
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  self->capture = CAPTURE_ENDED;
  GST_DEBUG_OBJECT (self, "done after %u frames, sending EOS", self->index);
  gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self), gst_event_new_eos ());
  return GST_FLOW_EOS;
}

/* The first frame after our seek (@t its time), or an EOS that came
 * instead (@t GST_CLOCK_TIME_NONE). Some demuxers do not land where asked:
 * - on a frame that needs earlier ones (tsdemux seeks by byte estimate):
 *   the decoder makes grey smears until the next keyframe. The element
 *   warns, goes back to the start and decodes on without seeking.
 * - after the target (tsdemux again, near the end of a file even past
 *   it): the frames in between would be lost. The element goes back to
 *   the frame it had reached before the jump, then to the start, and
 *   decodes on from there without seeking or QoS.
 * Returns TRUE when a recovery seek is on its way. Called in SEEK_LANDED
 * from the streaming thread. */
static gboolean
on_landed (GstImmSnapshot * self, GstClockTime t, GstClockTime duration)
{
  ImmLanding landing = imm_key_watch_landing (self->keys);
  SeekJob job;
  GstClockTime goal, back;

  g_mutex_lock (&self->seek_lock);
  job = self->job;
  g_mutex_unlock (&self->seek_lock);
  goal = job.goal;

  if (landing == IMM_LANDING_DELTA) {
    if (job.recoveries >= 2) {
      disable_seeking (self, "Upstream seeks land on frames that cannot be "
          "decoded alone; frames may be wrong. Use seek=false with this "
          "source.", "even a seek to the start");
      return FALSE;
    }
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The demuxer's seek to %.3f s landed on a frame that is not a "
            "keyframe: decoding from the start without seeking.",
            (gdouble) goal / GST_SECOND),
        ("it seeks by estimate (MPEG-TS and MPEG-PS demuxers do)"));
    g_mutex_lock (&self->seek_lock);
    self->job.recoveries = 2;
    g_mutex_unlock (&self->seek_lock);
    /* QoS would skip the frames the landing check reads */
    self->run_qos = FALSE;
    schedule_seek (self, self->origin, job.key_units, TRUE, TRUE);
    return TRUE;
  }

  if (GST_CLOCK_TIME_IS_VALID (t)) {
    /* the target frame itself may follow the first one */
    if (!job.key_units && GST_CLOCK_TIME_IS_VALID (duration))
      goal += duration;
    if (t <= goal) {
      g_mutex_lock (&self->seek_lock);
      set_state (self, job.then_disable ? SEEK_DISABLED : SEEK_IDLE);
      g_mutex_unlock (&self->seek_lock);
      return FALSE;
    }
  }
  if (job.recoveries >= 2) {
    disable_seeking (self, "Upstream seeks land after the requested "
        "position; frames may be missing. Use seek=false with this source.",
        "even a seek to the start");
    return FALSE;
  }
  back = job.recoveries == 0 && GST_CLOCK_TIME_IS_VALID (job.resume)
      ? job.resume : 0;
  GST_INFO_OBJECT (self, "seek to %" GST_TIME_FORMAT " landed at %"
      GST_TIME_FORMAT ": back to %" GST_TIME_FORMAT ", no more seeks",
      GST_TIME_ARGS (job.goal), GST_TIME_ARGS (t), GST_TIME_ARGS (back));
  g_mutex_lock (&self->seek_lock);
  self->job.recoveries++;
  g_mutex_unlock (&self->seek_lock);
  self->run_qos = FALSE;
  schedule_seek (self, back + self->origin, job.key_units, TRUE, TRUE);
  return TRUE;
}

/* Every frame; returns TRUE when it is to be dropped unjudged, for the
 * seek machine's sake. */
static gboolean
on_buffer (GstImmSnapshot * self, GstBuffer * buf, GstClockTime t)
{
  SeekState state;

  g_mutex_lock (&self->seek_lock);
  state = self->job.state;
  g_mutex_unlock (&self->seek_lock);
  switch (state) {
    case SEEK_RESTARTING:
    case SEEK_FLUSHING:
      /* everything comes again: a frame taken now would be flushed */
      return TRUE;
    case SEEK_LANDED:
      if (on_landed (self, t, GST_BUFFER_DURATION (buf)))
        return TRUE;
      break;
    case SEEK_IDLE:
      if (maybe_seek_keyframes (self))
        return TRUE;
      break;
    case SEEK_SENT:
    case SEEK_DISABLED:
      break;
  }
  return FALSE;
}

/* Judges @buf: GST_FLOW_OK when taken (@j says how), the base class's
 * DROPPED when not, GST_FLOW_EOS when the stream ends here. */
static GstFlowReturn
judge (GstImmSnapshot * self, GstBuffer * buf, Judgement * j)
{
  GstClockTime t;
  ImmVerdict verdict;
  gboolean key = FALSE;
  gint distance = -1;
  guint64 hash = 0;
  guint threshold;
  gboolean first, candidate, changed;
  guint64 min_gap;
  ImmDetector detector;
  guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H];

  if (self->capture == CAPTURE_ENDED)
    return GST_FLOW_EOS;
  if (self->capture == CAPTURE_DROPPING)
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  if (!self->configured && !configure (self, buf))
    return GST_FLOW_ERROR;

  t = timeline_time (self, buf);
  if (!GST_CLOCK_TIME_IS_VALID (t))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  if (on_buffer (self, buf, t))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  /* After a seek, frames already judged can come again. */
  if (GST_CLOCK_TIME_IS_VALID (self->last_time) && t <= self->last_time)
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  self->last_time = t;

  /* the key watch marks decoded frames (see immkeywatch.c) */
  if (self->run_mode == IMM_SNAPSHOT_KEYFRAME)
    key = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  /* A decoder's first frame follows a keyframe, which may have gone in
   * before the watch began (each source joined by concat starts a stream
   * of its own). */
  if (self->first_of_stream)
    key = TRUE;
  self->first_of_stream = FALSE;
  verdict = imm_schedule_offer (&self->sched, t, key);
  if (verdict == IMM_VERDICT_DONE)
    return finish (self);
  /* Now that the next target is known, and before the frames up to it
   * come in: a seek flushes upstream only, so this frame still goes all
   * the way down. */
  maybe_seek_ahead (self, t);
  skip_to_next_target (self);
  if (verdict == IMM_VERDICT_SKIP)
    return GST_BASE_TRANSFORM_FLOW_DROPPED;

  if (self->run_mode == IMM_SNAPSHOT_DHASH) {
    GST_OBJECT_LOCK (self);
    threshold = self->threshold;
    first = self->first;
    min_gap = self->min_gap * GST_SECOND;
    detector = self->detector;
    GST_OBJECT_UNLOCK (self);
    hash = frame_hash (self, buf, thumb);
    if (self->samples > 0)
      distance = imm_dhash_distance (hash, self->prev_hash);
    self->prev_hash = hash;
    self->samples++;
    /* The adaptive detector follows every sample, so that a switch to it
     * while playing has its history. */
    self->change.threshold = MIN (threshold, 64);
    changed = imm_change_detector_sample_thumbnail (&self->change, t, thumb,
        NULL);
    if (detector == IMM_DETECTOR_ADAPTIVE && distance >= 0)
      candidate = changed && imm_dhash_is_candidate (distance, 0, first, t,
          self->last_candidate, min_gap);
    else
      candidate = imm_dhash_is_candidate (distance, threshold, first, t,
          self->last_candidate, min_gap);
    if (!candidate)
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    self->last_candidate = t;
    if (self->topn != NULL) {
      Held *held = g_new (Held, 1);

      /* A copy: holding the decoder's own buffers could starve its pool. */
      held->buffer = gst_buffer_copy_deep (buf);
      if (GST_CLOCK_TIME_IS_VALID (self->repaired))
        GST_BUFFER_PTS (held->buffer) = self->repaired;
      held->distance = distance;
      held->hash = hash;
      imm_topn_offer (self->topn, self->samples,
          distance < 0 ? G_MAXINT64 : distance, held);
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }
  }

  /* marking passes every frame on as it came: the mark goes with it */
  post_taken (self, GST_CLOCK_TIME_IS_VALID (self->repaired)
      && self->run_action != IMM_ACTION_MARK ? self->repaired :
      GST_BUFFER_PTS (buf), distance, hash);
  j->taken = TRUE;
  j->distance = distance;
  j->hash = hash;
  return GST_FLOW_OK;
}

/* action=mark: @buf goes on with an ImmSnapshotMeta, followed by an
 * immsnapshot-mark event. Pushed from here so that the event follows it;
 * returns the base class's DROPPED when that went well. */
static GstFlowReturn
push_marked (GstImmSnapshot * self, GstBuffer * buf, const Judgement * j)
{
  GstPad *src = GST_BASE_TRANSFORM_SRC_PAD (self);
  /* a shallow copy: the frame's memory is shared, the metas are its own */
  GstBuffer *out = gst_buffer_make_writable (gst_buffer_ref (buf));
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstFlowReturn ret;

  imm_buffer_add_snapshot_meta (out, self->index, self->run_mode,
      j->distance, j->hash);
  ret = gst_pad_push (src, out);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_pad_push_event (src, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new ("immsnapshot-mark",
              "index", G_TYPE_UINT, self->index,
              "pts", G_TYPE_UINT64, pts,
              "mode", G_TYPE_STRING,
              imm_snapshot_mode_to_string (self->run_mode),
              "distance", G_TYPE_INT, j->distance,
              "hash", G_TYPE_UINT64, j->hash, NULL)));
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

/* A frame taken whose time imm_pts_repair_frame() moved: a shallow copy
 * goes on at that time (passthrough: @buf itself may not be writable).
 * Returns the base class's DROPPED when that went well. */
static GstFlowReturn
push_restamped (GstImmSnapshot * self, GstBuffer * buf)
{
  GstBuffer *out = gst_buffer_make_writable (gst_buffer_ref (buf));
  GstFlowReturn ret;

  GST_BUFFER_PTS (out) = self->repaired;
  ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), out);
  return ret == GST_FLOW_OK ? GST_BASE_TRANSFORM_FLOW_DROPPED : ret;
}

static GstFlowReturn
gst_imm_snapshot_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);
  Judgement j = { FALSE, -1, 0 };
  GstFlowReturn ret;

  self->repaired = GST_CLOCK_TIME_NONE;
  ret = judge (self, buf, &j);
  /* The last frame: the stream ends right after it, not at the next
   * frame, which the decoder may fail on (imm-convert fails a task on a
   * decoder error before the capture ends) and which need not be decoded */
  if (ret == GST_FLOW_OK && self->run_action != IMM_ACTION_MARK
      && self->capture == CAPTURE_RUNNING
      && imm_schedule_finished (&self->sched)) {
    ret = GST_CLOCK_TIME_IS_VALID (self->repaired) ?
        push_restamped (self, buf) : gst_pad_push
        (GST_BASE_TRANSFORM_SRC_PAD (self), gst_buffer_ref (buf));
    if (ret != GST_FLOW_OK && ret != GST_BASE_TRANSFORM_FLOW_DROPPED)
      return ret;
    return finish (self);
  }
  if (ret == GST_FLOW_OK && GST_CLOCK_TIME_IS_VALID (self->repaired)
      && self->run_action != IMM_ACTION_MARK)
    return push_restamped (self, buf);
  if (!self->configured || self->run_action != IMM_ACTION_MARK)
    return ret;
  /* marking: every frame goes on, the taken ones marked */
  if (ret == GST_FLOW_OK && j.taken)
    return push_marked (self, buf, &j);
  if (ret == GST_BASE_TRANSFORM_FLOW_DROPPED)
    return GST_FLOW_OK;
  return ret;
}

/* An EOS: when our seek landed, nothing came after it; while a
 * restarting seek is on its way (a short stream can end before the seek
 * thread gets to run) it is not the end: wait for the seek to flush it
 * away, or to be refused. Bounded, so that a seek that never comes cannot
 * hang the stream. Returns TRUE when the EOS is flushed away. */
static gboolean
on_eos (GstImmSnapshot * self)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  SeekState state;

  g_mutex_lock (&self->seek_lock);
  state = self->job.state;
  g_mutex_unlock (&self->seek_lock);
  if (state == SEEK_LANDED && !on_landed (self, GST_CLOCK_TIME_NONE,
          GST_CLOCK_TIME_NONE))
    return FALSE;

  g_mutex_lock (&self->seek_lock);
  while (self->job.state == SEEK_RESTARTING && self->job.in_flight > 0)
    if (!g_cond_wait_until (&self->seek_cond, &self->seek_lock, deadline))
      break;
  state = self->job.state;
  if (state == SEEK_RESTARTING)
    set_state (self, SEEK_DISABLED);
  g_mutex_unlock (&self->seek_lock);
  if (state == SEEK_RESTARTING)
    GST_WARNING_OBJECT (self, "EOS before our seek, which did not come");
  return state == SEEK_FLUSHING || state == SEEK_LANDED;
}

/* FLUSH_START of a seek of ours. */
static void
on_flush_start (GstImmSnapshot * self, guint32 seqnum)
{
  g_mutex_lock (&self->seek_lock);
  if (seqnum == self->job.seqnum && (self->job.state == SEEK_SENT
          || self->job.state == SEEK_RESTARTING))
    set_state (self, SEEK_FLUSHING);
  g_mutex_unlock (&self->seek_lock);
}

/* FLUSH_STOP of a seek of ours, or of someone else's (@own FALSE), which
 * replaces ours. */
static void
on_flush_stop (GstImmSnapshot * self, guint32 seqnum, gboolean own)
{
  g_mutex_lock (&self->seek_lock);
  if (own && seqnum == self->job.seqnum && self->job.state == SEEK_FLUSHING)
    set_state (self, SEEK_LANDED);
  else if (!own && self->job.state != SEEK_DISABLED)
    set_state (self, SEEK_IDLE);
  g_mutex_unlock (&self->seek_lock);
}

static gboolean
gst_imm_snapshot_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);
  guint32 seqnum = gst_event_get_seqnum (event);
  gboolean own, ret;

  /* Once our EOS is out, the source pad refuses every event, and a refused
   * sticky event (a trick-mode decoder sends new tags at each keyframe)
   * would come back upstream as a flow error. */
  if (self->capture == CAPTURE_ENDED
      && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_START
      && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_STOP) {
    gst_event_unref (event);
    return TRUE;
  }

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      if (on_eos (self)) {
        gst_event_unref (event);
        return TRUE;
      }
      if (self->capture == CAPTURE_RUNNING) {
        push_held (self);
        warn_if_nothing (self);
      }
      self->capture = CAPTURE_ENDED;
      break;
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP:
      g_mutex_lock (&self->seek_lock);
      own = is_own_seqnum (self, seqnum);
      g_mutex_unlock (&self->seek_lock);
      if (own) {
        /* Our own seek: what went downstream stays valid (frames queued,
         * an encoder collecting an animation), so the flush ends here and
         * downstream only sees the new segment. */
        if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
          on_flush_start (self, seqnum);
        else
          on_flush_stop (self, seqnum, TRUE);
        gst_event_unref (event);
        return TRUE;
      }
      if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
        break;
      on_flush_stop (self, seqnum, FALSE);
      if (self->capture == CAPTURE_ENDED) {
        /* A seek sent before we finished landed after: the flush took our
         * EOS away from downstream, so it goes again. */
        ret = GST_BASE_TRANSFORM_CLASS (gst_imm_snapshot_parent_class)
            ->sink_event (trans, event);
        gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self),
            gst_event_new_eos ());
        return ret;
      }
      break;
    case GST_EVENT_STREAM_START:
      /* a new source joined by concat brings its own decoder */
      self->first_of_stream = TRUE;
      if (self->configured && self->run_mode == IMM_SNAPSHOT_KEYFRAME)
        imm_key_watch_attach (self->keys, GST_BASE_TRANSFORM_SINK_PAD (self),
            TRUE);
      break;
    case GST_EVENT_SEGMENT:
      /* Decoders forget QoS with each new segment: ask again. */
      ret = GST_BASE_TRANSFORM_CLASS (gst_imm_snapshot_parent_class)
          ->sink_event (trans, event);
      self->qos_target = IMM_TIME_NONE;
      /* times start over (a seek, a joined source) */
      imm_pts_repair_reset (&self->repair);
      skip_to_next_target (self);
      return ret;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_imm_snapshot_parent_class)->sink_event
      (trans, event);
}

static gboolean
gst_imm_snapshot_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);

  return gst_video_info_from_caps (&self->info, incaps);
}

static void
reset (GstImmSnapshot * self)
{
  g_clear_pointer (&self->keys, imm_key_watch_free);
  self->keys = imm_key_watch_new (GST_ELEMENT (self));
  g_clear_pointer (&self->topn, imm_topn_free);
  self->configured = FALSE;
  self->capture = CAPTURE_RUNNING;
  self->live = FALSE;
  self->run_qos = FALSE;
  self->qos_target = IMM_TIME_NONE;
  self->origin = GST_CLOCK_TIME_NONE;
  self->last_time = GST_CLOCK_TIME_NONE;
  imm_pts_repair_reset (&self->repair);
  self->first_of_stream = FALSE;
  g_mutex_lock (&self->seek_lock);
  memset (&self->job, 0, sizeof (self->job));
  self->job.state = SEEK_IDLE;
  self->job.seqnum = GST_SEQNUM_INVALID;
  self->job.goal = self->job.resume = GST_CLOCK_TIME_NONE;
  self->job.last_target = IMM_TIME_NONE;
  g_mutex_unlock (&self->seek_lock);
  self->index = 0;
  self->samples = 0;
  self->prev_hash = 0;
  self->last_candidate = IMM_DHASH_NONE;
  imm_change_detector_reset (&self->change);
}

static gboolean
gst_imm_snapshot_start (GstBaseTransform * trans)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);
  gboolean ok;

  reset (self);
  GST_OBJECT_LOCK (self);
  ok = !(self->mode == IMM_SNAPSHOT_AVERAGE && self->number == 0);
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("mode=average needs the number property: how many frames to spread "
            "over the duration."), (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_imm_snapshot_stop (GstBaseTransform * trans)
{
  reset (GST_IMM_SNAPSHOT (trans));
  return TRUE;
}

static void
gst_imm_snapshot_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (object);

  GST_OBJECT_LOCK (self);
  /* The schedule and the way upstream are set when the stream starts:
   * changing them midway would contradict the frames taken so far. */
  if (!(pspec->flags & GST_PARAM_MUTABLE_PLAYING)
      && GST_STATE (self) >= GST_STATE_PAUSED) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("The %s property cannot change while the stream runs; it keeps "
            "its value. Set it before the pipeline starts.", pspec->name),
        (NULL));
    return;
  }
  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_START_TIME:
      self->start_time = g_value_get_double (value);
      break;
    case PROP_DURATION:
      self->duration = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_double (value);
      break;
    case PROP_NUMBER:
      self->number = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_uint (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_SEEK:
      self->seek = g_value_get_boolean (value);
      break;
    case PROP_SKIP_DECODE:
      self->skip_decode = g_value_get_boolean (value);
      break;
    case PROP_FORCE_UPSTREAM:
      self->force_upstream = g_value_get_boolean (value);
      break;
    case PROP_WHEN_DONE:
      self->when_done = g_value_get_enum (value);
      break;
    case PROP_ACTION:
      self->action = g_value_get_enum (value);
      break;
    case PROP_MIN_GAP:
      self->min_gap = g_value_get_double (value);
      break;
    case PROP_FIRST:
      self->first = g_value_get_boolean (value);
      break;
    case PROP_DETECTOR:
      self->detector = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imm_snapshot_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_START_TIME:
      g_value_set_double (value, self->start_time);
      break;
    case PROP_DURATION:
      g_value_set_double (value, self->duration);
      break;
    case PROP_INTERVAL:
      g_value_set_double (value, self->interval);
      break;
    case PROP_NUMBER:
      g_value_set_uint (value, self->number);
      break;
    case PROP_THRESHOLD:
      g_value_set_uint (value, self->threshold);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_SEEK:
      g_value_set_boolean (value, self->seek);
      break;
    case PROP_SKIP_DECODE:
      g_value_set_boolean (value, self->skip_decode);
      break;
    case PROP_FORCE_UPSTREAM:
      g_value_set_boolean (value, self->force_upstream);
      break;
    case PROP_WHEN_DONE:
      g_value_set_enum (value, self->when_done);
      break;
    case PROP_ACTION:
      g_value_set_enum (value, self->action);
      break;
    case PROP_MIN_GAP:
      g_value_set_double (value, self->min_gap);
      break;
    case PROP_FIRST:
      g_value_set_boolean (value, self->first);
      break;
    case PROP_DETECTOR:
      g_value_set_enum (value, self->detector);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imm_snapshot_finalize (GObject * object)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (object);

  reset (self);
  g_clear_pointer (&self->keys, imm_key_watch_free);
  g_mutex_clear (&self->seek_lock);
  g_cond_clear (&self->seek_cond);
  G_OBJECT_CLASS (gst_imm_snapshot_parent_class)->finalize (object);
}

static void
gst_imm_snapshot_class_init (GstImmSnapshotClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  /* Read when the stream starts: refused while it runs. */
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  /* Read at every frame: a change applies from the next one. */
  const GParamFlags live_flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;
  /* 100 days: far beyond any stream, small enough to add without wrapping */
  const gdouble max_seconds = 100 * 24 * 3600.0;

  gobject_class->set_property = gst_imm_snapshot_set_property;
  gobject_class->get_property = gst_imm_snapshot_get_property;
  gobject_class->finalize = gst_imm_snapshot_finalize;

  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "Which frames to capture",
          GST_TYPE_IMM_SNAPSHOT_MODE, DEFAULT_MODE, flags));
  g_object_class_install_property (gobject_class, PROP_START_TIME,
      g_param_spec_double ("start-time", "Start time",
          "First capture time in seconds, counted from the first frame "
          "(stream time; running time on live sources)", 0.0, max_seconds,
          DEFAULT_START_TIME, flags));
  g_object_class_install_property (gobject_class, PROP_DURATION,
      g_param_spec_double ("duration", "Duration",
          "Length of the range to capture from, in seconds (0 = to the end)",
          0.0, max_seconds, DEFAULT_DURATION, flags));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_double ("interval", "Interval",
          "Seconds between captures (interval mode; 0 = one frame at "
          "start-time) or between dhash samples (0 = 1 s)",
          0.0, max_seconds, DEFAULT_INTERVAL, flags));
  g_object_class_install_property (gobject_class, PROP_NUMBER,
      g_param_spec_uint ("number", "Number",
          "Frames to capture (0 = until the end; average needs it). dhash: "
          "keep only the N largest changes",
          0, G_MAXINT, DEFAULT_NUMBER, flags));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_uint ("threshold", "Threshold",
          "dhash: a sample counts as a change when its Hamming distance (of "
          "64 bits) to the previous sample is greater than this",
          0, 100, DEFAULT_THRESHOLD, live_flags));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message for every frame captured",
          DEFAULT_POST_MESSAGES, live_flags));
  g_object_class_install_property (gobject_class, PROP_SEEK,
      g_param_spec_boolean ("seek", "Seek",
          "Seek upstream past frames that are not needed (seekable, "
          "non-live sources only); FALSE also turns skip-decode off",
          DEFAULT_SEEK, flags));
  g_object_class_install_property (gobject_class, PROP_SKIP_DECODE,
      g_param_spec_boolean ("skip-decode", "Skip decode",
          "Send QoS upstream so that decoders skip the frames before the "
          "next capture that no other frame needs (with seek only)",
          DEFAULT_SKIP_DECODE, flags));
  g_object_class_install_property (gobject_class, PROP_FORCE_UPSTREAM,
      g_param_spec_boolean ("force-upstream", "Force upstream",
          "Seek and send QoS even on a live source or when the decoded "
          "frames also feed other branches (a tee upstream), which then "
          "lose frames too", DEFAULT_FORCE_UPSTREAM, flags));
  g_object_class_install_property (gobject_class, PROP_WHEN_DONE,
      g_param_spec_enum ("when-done", "When done",
          "What to do once no later frame can be taken: end the stream "
          "(eos), or drop the rest so that upstream runs on for other "
          "sinks (drop); auto = drop on live sources, else eos",
          GST_TYPE_IMM_SNAPSHOT_WHEN_DONE, DEFAULT_WHEN_DONE, live_flags));
  g_object_class_install_property (gobject_class, PROP_ACTION,
      g_param_spec_enum ("action", "Action",
          "What happens to the frames: only the frames taken go on (drop), "
          "or every frame goes on and the taken ones carry an "
          "ImmSnapshotMeta, each followed by an immsnapshot-mark event "
          "(mark)", GST_TYPE_IMM_SNAPSHOT_ACTION, DEFAULT_ACTION, flags));
  g_object_class_install_property (gobject_class, PROP_MIN_GAP,
      g_param_spec_double ("min-gap", "Minimum gap",
          "dhash: seconds after a frame taken during which no change is "
          "taken (a cooldown; 0 = none)", 0.0, max_seconds, DEFAULT_MIN_GAP,
          live_flags));
  g_object_class_install_property (gobject_class, PROP_FIRST,
      g_param_spec_boolean ("first", "First",
          "dhash: take the first sample (TRUE), or let it only set the "
          "reference so that a still scene gives nothing (FALSE)",
          DEFAULT_FIRST, live_flags));
  g_object_class_install_property (gobject_class, PROP_DETECTOR,
      g_param_spec_enum ("detector", "Detector",
          "dhash: what a change is: the distance to the previous sample "
          "greater than threshold (previous, the request semantics), or "
          "immhighlight's rule, which ignores smooth motion and noise "
          "(adaptive)", GST_TYPE_IMM_SNAPSHOT_DETECTOR, DEFAULT_DETECTOR,
          live_flags));

  gst_element_class_set_static_metadata (element_class,
      "imm-gst frame capture", "Filter/Video",
      "Lets through the frames a capture takes: by interval, evenly spread, "
      "keyframes, or content changes (dHash)", "imm-gst developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_imm_snapshot_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->passthrough_on_same_caps = TRUE;
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_imm_snapshot_sink_event);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_imm_snapshot_set_caps);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_imm_snapshot_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_imm_snapshot_stop);

  gst_type_mark_as_plugin_api (GST_TYPE_IMM_SNAPSHOT_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_IMM_SNAPSHOT_WHEN_DONE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_IMM_SNAPSHOT_ACTION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_IMM_SNAPSHOT_DETECTOR, 0);
}

static void
gst_imm_snapshot_init (GstImmSnapshot * self)
{
  self->mode = DEFAULT_MODE;
  self->start_time = DEFAULT_START_TIME;
  self->duration = DEFAULT_DURATION;
  self->interval = DEFAULT_INTERVAL;
  self->number = DEFAULT_NUMBER;
  self->threshold = DEFAULT_THRESHOLD;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->seek = DEFAULT_SEEK;
  self->skip_decode = DEFAULT_SKIP_DECODE;
  self->force_upstream = DEFAULT_FORCE_UPSTREAM;
  self->when_done = DEFAULT_WHEN_DONE;
  self->action = DEFAULT_ACTION;
  self->min_gap = DEFAULT_MIN_GAP;
  self->first = DEFAULT_FIRST;
  self->detector = DEFAULT_DETECTOR;
  g_mutex_init (&self->seek_lock);
  g_cond_init (&self->seek_cond);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  reset (self);
}
