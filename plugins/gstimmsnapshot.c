/* imm-gst: immsnapshot, picks the frames that become snapshots.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-immsnapshot
 * @title: immsnapshot
 *
 * Lets through only the frames a capture takes, with their timestamps
 * unchanged, and drops the rest. The modes are those of the cloud API's
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
 *   encoded buffers entering the decoder upstream of it; with no decoder
 *   upstream, raw frames count as keyframes unless flagged delta units.
 * - `dhash`: one sample every interval (default 1 s), hashed with a 64-bit
 *   difference hash; a sample's change is the Hamming distance to the
 *   sample before. The first sample is always taken; the others when their
 *   change is greater than #GstImmSnapshot:threshold. With number N > 0 only
 *   the N largest changes are kept (the first sample ranking highest, ties
 *   to the earlier), output in time order at the end of the stream; at
 *   most N frames are held, as copies.
 * - `all`: every frame of the range (what an animation takes when it has no
 *   interval).
 *
 * The range is [start-time, start-time + #GstImmSnapshot:duration), in
 * stream time since the first frame (on a live source: running time since
 * the first frame); streams such as MPEG-TS do not start at 0. When no further frame can be taken, the element sends EOS
 * downstream and returns EOS upstream, so pipelines end early. A start time
 * beyond the end gives no frame and a warning message.
 *
 * Seeking: on a seekable, non-live upstream (and #GstImmSnapshot:seek
 * TRUE), interval, average and dhash jump to the keyframe before the next
 * target time with a flushing key-unit seek when the target is more than 2
 * seconds ahead, instead of decoding everything between; the frames taken
 * are the same as without seeking. Each target gets one seek at most: when
 * its keyframe lies behind the stream's position the seek lands there and
 * the element decodes on. To avoid such seeks, which only decode that
 * keyframe's frames again, the element watches the keyframes entering the
 * decoder: once it knows how far apart they can be (from two in a row, or
 * from a seek that landed back on the keyframe being decoded from), it
 * seeks only to targets further from the last keyframe than that, and
 * decodes on to the others. Keyframe mode asks upstream for a key-unit
 * trick mode so that only keyframes are decoded. A seek goes out as soon
 * as the frame before it has been judged: the element's own seek's flushes
 * stop at its sink pad, so frames already taken stay downstream. The seeks
 * are sent from a separate thread (gst_element_call_async()), never from
 * the streaming thread. Where upstream cannot seek, the element filters.
 * A seek that lands after its target (tsdemux estimates byte offsets and
 * can overshoot, even past the end) would lose the frames in between: the
 * first frame after each seek is checked, and when it comes after the
 * target the element seeks back to where it was (then, if that lands late
 * too, to the start) and decodes on without seeking or QoS; after a third
 * late landing it warns that frames may be missing.
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
 * no message about them. seek=false turns this off too: a decode shared
 * through a tee must not skip frames another branch needs.
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

#include "imm/imm-dhash.h"
#include "imm/imm-schedule.h"
#include "imm/imm-topn.h"

GST_DEBUG_CATEGORY_STATIC (gst_imm_snapshot_debug);
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

/* Seek when the next target is further ahead than this; nearer targets
 * are reached faster by decoding on (a seek restarts at a keyframe). Once
 * keyframe distances are known, also only when the target is further from
 * the last keyframe decoded than the longest of them (see seek_pays()). */
#define SEEK_MIN_GAP (2 * GST_SECOND)
/* QoS asks upstream to skip frames earlier than the next target minus this
 * many frame durations (1 s when the frame rate is unknown). A decoder
 * judges whether to decode a frame by the timestamp of the frame before it
 * in decoding order, which with B-frames can lie a few frames earlier. */
#define QOS_MARGIN_FRAMES 8
#define QOS_MARGIN_DEFAULT GST_SECOND
/* Keyframe times remembered from the encoded stream. */
#define MAX_KEY_TIMES 256

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
};

/* Where our last seek stands, as the keyframes entering the decoder tell. */
typedef enum
{
  LANDING_NONE,
  LANDING_SENT,                 /* flush not seen yet */
  LANDING_FLUSHED,              /* the next keyframe is where it landed */
} SeekLanding;

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

  /* streaming thread */
  GstVideoInfo info;
  gboolean configured;
  gboolean live;
  gboolean done;
  gboolean can_seek;
  gboolean run_qos;
  guint64 qos_target;           /* the target the last QoS event was for */
  GstClockTime origin;          /* the first frame's stream/running time */
  gboolean key_seek_wanted;
  GstClockTime last_time;
  ImmSchedule sched;
  ImmSnapshotMode run_mode;
  guint run_threshold;
  gboolean run_post;
  guint index;
  gboolean have_prev_hash;
  guint64 prev_hash;
  guint64 samples;
  ImmTopN *topn;
  GstClockTime seek_last;       /* the target of the last seek */
  gboolean first_is_key;        /* keyframes watched from this frame on */
  gint hold_until_flush;        /* atomic: a restarting seek is on its way */
  gint own_seqnum;              /* atomic: seqnum of our last seek */
  /* checking where our last seek landed (streaming thread) */
  gint check_landing;           /* atomic: set by its FLUSH_STOP */
  GstClockTime seek_goal;       /* its target on the capture timeline */
  GstClockTime seek_resume;     /* last_time when it was sent */
  gboolean seek_goal_key;       /* it was a key-unit trick mode seek */
  guint recoveries;             /* seeks sent after one landed too far */

  /* a seek between scheduling and its flush, under seek_lock */
  GMutex seek_lock;
  GCond seek_cond;
  guint seeks_running;          /* scheduled, gst_pad_push_event not back */
  gboolean seek_flushing;       /* its FLUSH_START went by */

  /* keyframe times seen entering the decoder, under key_lock */
  GMutex key_lock;
  GstPad *key_pad;
  gulong key_probe;
  gboolean key_from_encoded;
  GArray *key_times;            /* keyframe mode: not yet matched */
  GstClockTime key_latest;      /* pts of the last keyframe since a flush */
  GstClockTime key_gap;         /* longest keyframe distance known */
  SeekLanding landing;
  GstClockTime landing_target;  /* pts our seek goes to */
  GstClockTime landing_from;    /* key_latest when it was sent */
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

static GstClockTime
seconds_to_time (gdouble s)
{
  return (GstClockTime) (s * GST_SECOND + 0.5);
}

/* --- keyframes from the encoded stream ----------------------------------- */

/* called with key_lock */
static void
widen_key_gap (GstImmSnapshot * self, GstClockTime gap)
{
  if (!GST_CLOCK_TIME_IS_VALID (self->key_gap) || gap > self->key_gap)
    self->key_gap = gap;
}

/* called with key_lock */
static void
note_keyframe (GstImmSnapshot * self, GstClockTime pts)
{
  if (self->landing == LANDING_FLUSHED) {
    /* Our seek landed back on the keyframe we were decoding from: no
     * keyframe lies between it and the target. */
    if (GST_CLOCK_TIME_IS_VALID (self->landing_from)
        && pts <= self->landing_from && self->landing_target > pts)
      widen_key_gap (self, self->landing_target - pts + 1);
    self->landing = LANDING_NONE;
  } else if (GST_CLOCK_TIME_IS_VALID (self->key_latest)
      && pts > self->key_latest) {
    widen_key_gap (self, pts - self->key_latest);
  }
  self->key_latest = pts;

  if (self->run_mode == IMM_SNAPSHOT_KEYFRAME) {
    if (self->key_times->len >= MAX_KEY_TIMES)
      g_array_remove_index (self->key_times, 0);
    g_array_append_val (self->key_times, pts);
  }
}

static GstPadProbeReturn
key_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstImmSnapshot *self = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_FLUSH) {
    if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
        GST_EVENT_FLUSH_STOP) {
      /* keyframes before and after a flush are not neighbours */
      g_mutex_lock (&self->key_lock);
      self->key_latest = GST_CLOCK_TIME_NONE;
      if (self->landing == LANDING_SENT)
        self->landing = LANDING_FLUSHED;
      g_mutex_unlock (&self->key_lock);
    }
  } else {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime pts = GST_BUFFER_PTS (buf);

    if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)
        && GST_CLOCK_TIME_IS_VALID (pts)) {
      g_mutex_lock (&self->key_lock);
      note_keyframe (self, pts);
      g_mutex_unlock (&self->key_lock);
    }
  }
  return GST_PAD_PROBE_OK;
}

/* The element pad feeding @pad, through ghost pads. */
static GstPad *
upstream_of (GstPad * pad)
{
  GstPad *peer = gst_pad_get_peer (pad);

  while (peer != NULL && GST_IS_GHOST_PAD (peer)) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
    gst_object_unref (peer);
    peer = target;
  }
  /* the inside of a ghost sink pad: continue from the ghost pad itself */
  if (peer != NULL && GST_IS_PROXY_PAD (peer)
      && GST_IS_GHOST_PAD (GST_OBJECT_PARENT (peer))) {
    GstPad *ghost = gst_object_ref (GST_PAD (GST_OBJECT_PARENT (peer)));
    gst_object_unref (peer);
    peer = upstream_of (ghost);
    gst_object_unref (ghost);
  }
  return peer;
}

static gboolean
pad_carries_raw_video (GstPad * pad)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gboolean raw = TRUE;

  if (caps != NULL) {
    raw = gst_structure_has_name (gst_caps_get_structure (caps, 0),
        "video/x-raw");
    gst_caps_unref (caps);
  }
  return raw;
}

/* Walks upstream over elements that pass raw video until the one whose
 * input is not raw: the decoder. Returns its sink pad, or NULL. */
static GstPad *
find_decoder_sink (GstImmSnapshot * self)
{
  GstPad *pad = upstream_of (GST_BASE_TRANSFORM_SINK_PAD (self));
  gint hops;

  for (hops = 0; pad != NULL && hops < 32; hops++) {
    GstElement *el = gst_pad_get_parent_element (pad);
    GstPad *sink = NULL;
    GstIterator *it;
    GValue v = G_VALUE_INIT;

    gst_object_unref (pad);
    pad = NULL;
    if (el == NULL)
      break;
    it = gst_element_iterate_sink_pads (el);
    if (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      sink = g_value_dup_object (&v);
      g_value_unset (&v);
    }
    gst_iterator_free (it);
    gst_object_unref (el);
    if (sink == NULL)
      break;
    if (!pad_carries_raw_video (sink))
      return sink;
    pad = upstream_of (sink);
    gst_object_unref (sink);
  }
  if (pad != NULL)
    gst_object_unref (pad);
  return NULL;
}

static void
watch_keyframes (GstImmSnapshot * self)
{
  GstPad *sink = find_decoder_sink (self);

  if (sink == NULL) {
    GST_DEBUG_OBJECT (self, "no decoder upstream, using buffer flags");
    return;
  }
  GST_DEBUG_OBJECT (self, "keyframes from %" GST_PTR_FORMAT, sink);
  g_mutex_lock (&self->key_lock);
  self->key_pad = sink;
  self->key_from_encoded = TRUE;
  g_mutex_unlock (&self->key_lock);
  self->first_is_key = TRUE;
  self->key_probe = gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_FLUSH, key_probe, self, NULL);
}

static void
unwatch_keyframes (GstImmSnapshot * self)
{
  g_mutex_lock (&self->key_lock);
  if (self->key_pad != NULL) {
    gst_pad_remove_probe (self->key_pad, self->key_probe);
    gst_object_unref (self->key_pad);
    self->key_pad = NULL;
  }
  self->key_from_encoded = FALSE;
  g_array_set_size (self->key_times, 0);
  self->key_latest = GST_CLOCK_TIME_NONE;
  self->key_gap = GST_CLOCK_TIME_NONE;
  self->landing = LANDING_NONE;
  g_mutex_unlock (&self->key_lock);
}

static gboolean
is_keyframe (GstImmSnapshot * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gboolean key = FALSE;
  guint i;

  g_mutex_lock (&self->key_lock);
  if (!self->key_from_encoded) {
    key = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  } else {
    /* Decoders keep the pts of their input; times before this one can be
     * forgotten. */
    for (i = 0; i < self->key_times->len; i++) {
      if (g_array_index (self->key_times, GstClockTime, i) == pts) {
        key = TRUE;
        g_array_remove_range (self->key_times, 0, i + 1);
        break;
      }
    }
  }
  g_mutex_unlock (&self->key_lock);
  return key;
}

/* --- seeking ------------------------------------------------------------- */

typedef struct
{
  GstClockTime target;
  gboolean key_units;
} SeekJob;

/* Runs on a thread of its own: a flushing seek waits for the streaming
 * thread, so it must not be sent from there. */
static void
do_seek (GstElement * element, gpointer user_data)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (element);
  SeekJob *job = user_data;
  GstSeekFlags flags = GST_SEEK_FLAG_FLUSH;
  GstEvent *seek;

  /* Not an accurate seek: decoders clip the frame that straddles the
   * target and stamp it with the target time, which would make the frame
   * taken depend on whether we seeked. From the keyframe before, every
   * frame keeps its own time and the filter picks as without seeking. */
  flags |= GST_SEEK_FLAG_KEY_UNIT | GST_SEEK_FLAG_SNAP_BEFORE;
  if (job->key_units)
    flags |= GST_SEEK_FLAG_TRICKMODE | GST_SEEK_FLAG_TRICKMODE_KEY_UNITS;
  seek = gst_event_new_seek (1.0, GST_FORMAT_TIME, flags, GST_SEEK_TYPE_SET,
      job->target, GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);
  /* The flushes it causes carry this number: they stay here. */
  g_atomic_int_set (&self->own_seqnum, (gint) gst_event_get_seqnum (seek));
  GST_DEBUG_OBJECT (self, "seeking to %" GST_TIME_FORMAT "%s",
      GST_TIME_ARGS (job->target), job->key_units ? " (key units)" : "");
  if (!gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self), seek)) {
    GST_DEBUG_OBJECT (self, "seek refused, filtering instead");
    g_atomic_int_set (&self->hold_until_flush, FALSE);
    g_mutex_lock (&self->key_lock);
    self->landing = LANDING_NONE;
    g_mutex_unlock (&self->key_lock);
  }
  /* A seek's push can come back after the next one was scheduled (the
   * stream it restarted already ran into the next landing): only the
   * count says whether one is still on its way. */
  g_mutex_lock (&self->seek_lock);
  self->seeks_running--;
  g_cond_broadcast (&self->seek_cond);
  g_mutex_unlock (&self->seek_lock);
}

/* called from the streaming thread */
static void
schedule_seek (GstImmSnapshot * self, GstClockTime target, gboolean key_units)
{
  SeekJob *job = g_new (SeekJob, 1);

  job->target = target;
  job->key_units = key_units;
  self->seek_goal = GST_CLOCK_TIME_IS_VALID (self->origin)
      && target >= self->origin ? target - self->origin : 0;
  self->seek_resume = self->last_time;
  self->seek_goal_key = key_units;
  g_atomic_int_set (&self->check_landing, FALSE);
  g_mutex_lock (&self->seek_lock);
  self->seeks_running++;
  self->seek_flushing = FALSE;
  g_mutex_unlock (&self->seek_lock);
  gst_element_call_async (GST_ELEMENT (self), do_seek, job, g_free);
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

/* Whether a seek to the stream time @target is likely to land on a
 * keyframe after the one being decoded from: it does when the target is
 * further from that keyframe than the longest keyframe distance seen (a
 * seek that lands back on it says the distance is longer). When it does
 * not, decoding on (with QoS, only the reference frames) is cheaper than
 * decoding from that keyframe again. Notes the seek when it pays. */
static gboolean
seek_pays (GstImmSnapshot * self, GstClockTime target)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  guint64 pts = gst_segment_position_from_stream_time (seg, GST_FORMAT_TIME,
      target);
  gboolean pays = TRUE;

  g_mutex_lock (&self->key_lock);
  if (GST_CLOCK_TIME_IS_VALID (pts)
      && GST_CLOCK_TIME_IS_VALID (self->key_latest)
      && GST_CLOCK_TIME_IS_VALID (self->key_gap)
      && pts < self->key_latest + self->key_gap)
    pays = FALSE;
  if (pays && self->key_pad != NULL) {
    self->landing = LANDING_SENT;
    self->landing_target = pts;
    self->landing_from = self->key_latest;
  }
  GST_DEBUG_OBJECT (self, "target %" GST_TIME_FORMAT ", last keyframe %"
      GST_TIME_FORMAT ", longest keyframe distance %" GST_TIME_FORMAT
      ": %s", GST_TIME_ARGS (pts), GST_TIME_ARGS (self->key_latest),
      GST_TIME_ARGS (self->key_gap), pays ? "seek" : "decode on");
  g_mutex_unlock (&self->key_lock);
  return pays;
}

/* Jump ahead when the next target is far; @now is the current time on the
 * capture timeline. */
static void
maybe_seek_ahead (GstImmSnapshot * self, GstClockTime now)
{
  guint64 next;

  if (!self->can_seek || self->run_mode == IMM_SNAPSHOT_KEYFRAME
      || self->run_mode == IMM_SNAPSHOT_ALL)
    return;
  next = imm_schedule_next_target (&self->sched);
  if (next == IMM_TIME_NONE || next < now + SEEK_MIN_GAP)
    return;
  /* One seek a target: when the keyframe before it lies behind us, the
   * seek lands back there and we decode on; seeking again would loop. */
  if (GST_CLOCK_TIME_IS_VALID (self->seek_last) && next <= self->seek_last)
    return;
  self->seek_last = next;
  if (seek_pays (self, next + self->origin))
    schedule_seek (self, next + self->origin, FALSE);
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

static void
post_taken (GstImmSnapshot * self, GstBuffer * buf, gint distance, guint64 hash)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstSegment *seg = &trans->segment;
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstStructure *s;

  self->index++;
  if (!self->run_post)
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

static guint64
frame_hash (GstImmSnapshot * self, GstBuffer * buf)
{
  GstVideoFrame frame;
  guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H];
  const GstVideoFormatInfo *f = self->info.finfo;

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
 * schedule contradict itself. */
static gboolean
configure (GstImmSnapshot * self)
{
  GstPad *sink = GST_BASE_TRANSFORM_SINK_PAD (self);
  GstQuery *q;
  GstClockTime start, end = IMM_TIME_NONE, interval;
  gdouble duration;
  guint number;
  gboolean seek, skip_decode;

  GST_OBJECT_LOCK (self);
  self->run_mode = self->mode;
  start = seconds_to_time (self->start_time);
  duration = self->duration;
  interval = seconds_to_time (self->interval);
  number = self->number;
  self->run_threshold = self->threshold;
  self->run_post = self->post_messages;
  seek = self->seek;
  skip_decode = self->skip_decode;
  GST_OBJECT_UNLOCK (self);

  q = gst_query_new_latency ();
  if (gst_pad_peer_query (sink, q))
    gst_query_parse_latency (q, &self->live, NULL, NULL);
  gst_query_unref (q);

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
    } else if (end == IMM_TIME_NONE || (guint64) total < end) {
      end = total;
    }
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
  if (self->run_mode == IMM_SNAPSHOT_DHASH && number > 0)
    self->topn = imm_topn_new (number, held_free);

  self->can_seek = seek && !self->live && upstream_can_seek (self);
  /* Keyframe mode takes them; the seeking modes learn their distances. */
  if (self->run_mode == IMM_SNAPSHOT_KEYFRAME || (self->can_seek
          && self->run_mode != IMM_SNAPSHOT_ALL))
    watch_keyframes (self);
  self->run_qos = seek && skip_decode
      && (self->run_mode == IMM_SNAPSHOT_INTERVAL
      || self->run_mode == IMM_SNAPSHOT_AVERAGE
      || self->run_mode == IMM_SNAPSHOT_DHASH);
  GST_DEBUG_OBJECT (self, "mode %s live %d seekable %d",
      imm_snapshot_mode_to_string (self->run_mode), self->live, self->can_seek);
  /* Key-unit trick mode only saves work where there is a decoder to skip
   * frames for. */
  self->key_seek_wanted = self->can_seek
      && self->run_mode == IMM_SNAPSHOT_KEYFRAME && self->key_from_encoded;
  self->configured = TRUE;
  return TRUE;
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

    post_taken (self, held->buffer, held->distance, held->hash);
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

/* No later frame will be taken: end the stream here. */
static GstFlowReturn
finish (GstImmSnapshot * self)
{
  if (!self->done) {
    self->done = TRUE;
    push_held (self);
    warn_if_nothing (self);
    GST_DEBUG_OBJECT (self, "done after %u frames, sending EOS", self->index);
    gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self),
        gst_event_new_eos ());
  }
  return GST_FLOW_EOS;
}

/* Some demuxers land a seek after its target (tsdemux estimates the byte
 * offset, and near the end of a file can land past it): the frames in
 * between would be lost. So the first frame after our seek is checked;
 * when it lies after the target (by more than a frame: the target frame
 * itself may follow it), the element goes back to the frame it had
 * reached before the jump, then to the start, and decodes on from there
 * without seeking or QoS. Called with @t the first frame's time, or
 * GST_CLOCK_TIME_NONE at an EOS that came instead. Returns TRUE when a
 * recovery seek is on its way. */
static gboolean
recover_from_landing (GstImmSnapshot * self, GstClockTime t,
    GstClockTime duration)
{
  GstClockTime goal = self->seek_goal;
  GstClockTime back;

  if (GST_CLOCK_TIME_IS_VALID (t)) {
    if (!self->seek_goal_key && GST_CLOCK_TIME_IS_VALID (duration))
      goal += duration;
    if (t <= goal)
      return FALSE;
  }
  if (self->recoveries >= 2) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("Upstream seeks land after the requested position; frames may be "
            "missing. Use seek=false with this source."),
        ("asked for %" GST_TIME_FORMAT ", got %" GST_TIME_FORMAT,
            GST_TIME_ARGS (self->seek_goal), GST_TIME_ARGS (t)));
    return FALSE;
  }
  back = self->recoveries == 0 && GST_CLOCK_TIME_IS_VALID (self->seek_resume)
      ? self->seek_resume : 0;
  GST_INFO_OBJECT (self, "seek to %" GST_TIME_FORMAT " landed at %"
      GST_TIME_FORMAT ": back to %" GST_TIME_FORMAT ", no more seeks",
      GST_TIME_ARGS (self->seek_goal), GST_TIME_ARGS (t), GST_TIME_ARGS (back));
  self->recoveries++;
  self->can_seek = FALSE;
  self->run_qos = FALSE;
  g_atomic_int_set (&self->hold_until_flush, TRUE);
  schedule_seek (self, back + self->origin, self->seek_goal_key);
  return TRUE;
}

static GstFlowReturn
gst_imm_snapshot_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);
  GstClockTime t;
  ImmVerdict verdict;
  gboolean key = FALSE;
  gint distance = -1;
  guint64 hash = 0;

  if (self->done)
    return GST_FLOW_EOS;
  if (!self->configured && !configure (self))
    return GST_FLOW_ERROR;

  if (g_atomic_int_get (&self->hold_until_flush))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  t = timeline_time (self, buf);
  if (!GST_CLOCK_TIME_IS_VALID (t))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  if (g_atomic_int_compare_and_exchange (&self->check_landing, TRUE, FALSE)
      && recover_from_landing (self, t, GST_BUFFER_DURATION (buf)))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  if (self->key_seek_wanted) {
    /* Everything comes again from the start: judge nothing until then, or
     * a frame taken now would be flushed out of the sink. */
    self->key_seek_wanted = FALSE;
    g_atomic_int_set (&self->hold_until_flush, TRUE);
    schedule_seek (self, self->sched.start + self->origin, TRUE);
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }
  /* After a seek, frames already judged can come again. */
  if (GST_CLOCK_TIME_IS_VALID (self->last_time) && t <= self->last_time)
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  self->last_time = t;

  if (self->run_mode == IMM_SNAPSHOT_KEYFRAME) {
    key = is_keyframe (self, buf);
    /* Its encoded buffer went by before the watch began; a decoder's first
     * output follows a keyframe. */
    if (self->first_is_key) {
      key = TRUE;
      self->first_is_key = FALSE;
    }
  }
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
    hash = frame_hash (self, buf);
    if (self->samples > 0)
      distance = imm_dhash_distance (hash, self->prev_hash);
    self->prev_hash = hash;
    self->samples++;
    /* the first sample always counts */
    if (distance >= 0 && (guint) distance <= self->run_threshold)
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    if (self->topn != NULL) {
      Held *held = g_new (Held, 1);

      /* A copy: holding the decoder's own buffers could starve its pool. */
      held->buffer = gst_buffer_copy_deep (buf);
      held->distance = distance;
      held->hash = hash;
      imm_topn_offer (self->topn, self->samples,
          distance < 0 ? G_MAXINT64 : distance, held);
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }
  }

  post_taken (self, buf, distance, hash);
  return GST_FLOW_OK;
}

/* An EOS while a restarting seek is on its way (a short stream can end
 * before the seek thread gets to run) is not the end: wait for the seek
 * to flush it away, or to be refused. Bounded, so that a seek that never
 * comes cannot hang the stream. Returns TRUE when the seek flushed. */
static gboolean
eos_overtaken_by_seek (GstImmSnapshot * self)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  gboolean flushed;

  if (!g_atomic_int_get (&self->hold_until_flush))
    return FALSE;
  g_mutex_lock (&self->seek_lock);
  while (self->seeks_running > 0 && !self->seek_flushing)
    if (!g_cond_wait_until (&self->seek_cond, &self->seek_lock, deadline))
      break;
  flushed = self->seek_flushing;
  g_mutex_unlock (&self->seek_lock);
  GST_DEBUG_OBJECT (self, "EOS before our seek: %s", flushed ?
      "flushed by it" : "the seek did not come");
  return flushed;
}

static gboolean
gst_imm_snapshot_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);
  gboolean ret;

  /* Once our EOS is out, the source pad refuses every event, and a refused
   * sticky event (a trick-mode decoder sends new tags at each keyframe)
   * would come back upstream as a flow error. */
  if (self->done && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_START
      && GST_EVENT_TYPE (event) != GST_EVENT_FLUSH_STOP) {
    gst_event_unref (event);
    return TRUE;
  }

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      /* our seek landed on the end: nothing came since its flush */
      if (g_atomic_int_compare_and_exchange (&self->check_landing, TRUE, FALSE))
        recover_from_landing (self, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);
      if (eos_overtaken_by_seek (self)) {
        gst_event_unref (event);
        return TRUE;
      }
      push_held (self);
      warn_if_nothing (self);
      self->done = TRUE;
      break;
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP:
      if (gst_event_get_seqnum (event) ==
          (guint32) g_atomic_int_get (&self->own_seqnum)) {
        /* Our own seek: what went downstream stays valid (frames queued,
         * an encoder collecting an animation), so the flush ends here and
         * downstream only sees the new segment. */
        if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
          g_atomic_int_set (&self->check_landing, TRUE);
          g_atomic_int_set (&self->hold_until_flush, FALSE);
        } else {
          g_mutex_lock (&self->seek_lock);
          self->seek_flushing = TRUE;
          g_cond_broadcast (&self->seek_cond);
          g_mutex_unlock (&self->seek_lock);
        }
        gst_event_unref (event);
        return TRUE;
      }
      if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
        break;
      /* someone else's seek has landed */
      g_atomic_int_set (&self->hold_until_flush, FALSE);
      if (self->done) {
        /* A seek sent before we finished landed after: the flush took our
         * EOS away from downstream, so it goes again. */
        ret = GST_BASE_TRANSFORM_CLASS (gst_imm_snapshot_parent_class)
            ->sink_event (trans, event);
        gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self),
            gst_event_new_eos ());
        return ret;
      }
      break;
    case GST_EVENT_SEGMENT:
      /* Decoders forget QoS with each new segment: ask again. */
      ret = GST_BASE_TRANSFORM_CLASS (gst_imm_snapshot_parent_class)
          ->sink_event (trans, event);
      self->qos_target = IMM_TIME_NONE;
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
  unwatch_keyframes (self);
  g_clear_pointer (&self->topn, imm_topn_free);
  self->configured = FALSE;
  self->done = FALSE;
  self->live = FALSE;
  self->can_seek = FALSE;
  self->run_qos = FALSE;
  self->qos_target = IMM_TIME_NONE;
  self->origin = GST_CLOCK_TIME_NONE;
  self->key_seek_wanted = FALSE;
  self->last_time = GST_CLOCK_TIME_NONE;
  self->seek_last = GST_CLOCK_TIME_NONE;
  self->first_is_key = FALSE;
  self->hold_until_flush = FALSE;
  self->own_seqnum = (gint) GST_SEQNUM_INVALID;
  self->check_landing = FALSE;
  self->seek_goal = GST_CLOCK_TIME_NONE;
  self->seek_resume = GST_CLOCK_TIME_NONE;
  self->seek_goal_key = FALSE;
  self->recoveries = 0;
  self->index = 0;
  self->samples = 0;
  self->prev_hash = 0;
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
  g_array_free (self->key_times, TRUE);
  g_mutex_clear (&self->key_lock);
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
  /* Read when the stream starts: a change applies to the next run. */
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
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
          0, 100, DEFAULT_THRESHOLD, flags));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message for every frame captured",
          DEFAULT_POST_MESSAGES, flags));
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
  g_mutex_init (&self->key_lock);
  g_mutex_init (&self->seek_lock);
  g_cond_init (&self->seek_cond);
  self->key_times = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  self->key_latest = self->key_gap = GST_CLOCK_TIME_NONE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  reset (self);
}
