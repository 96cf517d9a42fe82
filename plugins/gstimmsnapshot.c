/* imm-gst: immsnapshot, picks the frames that become snapshots.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-immsnapshot
 * @title: immsnapshot
 *
 * Passes through, unchanged and with their original timestamps, only the
 * frames a snapshot request asks for, and drops the others. The frames are
 * picked by time: stream time for files, running time for live sources.
 *
 * #GstImmSnapshot:mode:
 *
 * - `interval`: the first frame at or after #GstImmSnapshot:start-time,
 *   start-time + #GstImmSnapshot:interval, start-time + 2 x interval, ...
 *   Without an interval, one frame at start-time. A frame never answers two
 *   times: when frames are sparser than the interval, the times it covers
 *   are skipped.
 * - `average`: #GstImmSnapshot:number frames evenly spread over the range:
 *   the first frame at or after start + i x (end - start) / number, for i =
 *   0 .. number - 1. Needs the number and the end of the range: the
 *   #GstImmSnapshot:duration or else the source's duration from a query
 *   upstream. Unknown duration, or a live source, is an element error.
 * - `keyframe`: every sync frame (IDR / key frame) of the range. Decoded
 *   buffers do not say which frames were sync points (avdec_h264 sets no
 *   delta-unit flags), so the element walks upstream from its sink pad to
 *   the decoder (the first element with non-raw input) and watches the
 *   encoded buffers entering it with a pad probe: a decoded frame is a
 *   keyframe when an encoded buffer without the delta-unit flag had its
 *   PTS. The probe is put in place when the first frame arrives, after the
 *   decoder has started, so the very first frame counts as a keyframe
 *   (decoding starts at a sync point); an application that seeks before
 *   the first frame should use #GstImmSnapshot:start-time instead. Without
 *   a decoder upstream (raw sources) the buffers' own delta-unit flag is
 *   used.
 * - `dhash`: a sample every interval (default 1 s) picked like `interval`;
 *   each sample gets a 64-bit dHash (9x8 luma thumbnail box-averaged straight
 *   from the frame, horizontal gradient) and its change is the Hamming
 *   distance to the previous sample's hash. The first sample is always a
 *   candidate and ranks above all others; the others are candidates when
 *   their change is greater than #GstImmSnapshot:threshold. With number 0
 *   every candidate passes as it comes. With number N the N candidates with
 *   the largest change (ties: the earlier) are held, at most N copies, and
 *   pushed in time order when the stream or the range ends.
 * - `all`: every frame of the range (to feed an animation).
 *
 * #GstImmSnapshot:number limits the frames (dhash: the size of the top-N).
 * The range is [start-time, start-time + duration); duration 0 means to the
 * end. Once no more frames can be taken (number reached, end of the range
 * passed, or a start-time at or past the source's duration) the element
 * sends EOS downstream and returns %GST_FLOW_EOS upstream, so that pipelines
 * end early. When a stream ends without a single frame taken, a warning
 * message is posted.
 *
 * Live sources (is-live upstream): interval, keyframe, all and dhash work
 * in real time on running time; dhash with a number holds its N frames until
 * EOS arrives; average fails with an element error.
 *
 * ## Seeking
 *
 * With #GstImmSnapshot:seek (default) and a seekable, non-live source, the
 * element seeks instead of decoding frames it does not need. The seeks are
 * sent upstream from a helper thread (gst_element_call_async()), never from
 * the streaming thread, once the frame just taken has been pushed. Frames
 * that arrive while a seek is under way are dropped, and the flush the seek
 * causes upstream is not passed downstream, so taken frames still queued or
 * prerolling downstream are kept; downstream sees a new segment.
 *
 * - interval, average, dhash, all: when the next time to take is more than
 *   2 s ahead of the current frame, a flushing key-unit seek (snapping
 *   before) jumps to the keyframe before it, and the frames from there up
 *   to the target are decoded and dropped. Not an accurate seek: the
 *   decoder would clip the frame straddling the target and stamp it with
 *   the target's time; a frame that looks clipped that way (starting at
 *   the segment start, shorter than a frame) is never taken. Denser
 *   targets are filtered.
 * - keyframe: one flushing seek with %GST_SEEK_FLAG_TRICKMODE_KEY_UNITS to
 *   start-time, so the decoder only decodes sync frames (like ffmpeg's
 *   `-skip_frame nokey`).
 *
 * Set #GstImmSnapshot:seek to %FALSE to decode everything (results are the
 * same, only slower).
 *
 * ## Messages
 *
 * With #GstImmSnapshot:post-messages, each frame passed downstream posts an
 * element message named `immsnapshot` with:
 *
 * - `index` (#guint): 1-based number of the frame in output order.
 * - `pts` (#GstClockTime): the buffer's timestamp.
 * - `stream-time` (#GstClockTime): its stream time (the position in the
 *   source).
 * - `running-time` (#GstClockTime): its running time.
 * - `mode` (#gchararray): the mode nick.
 * - `distance` (#guint, dhash only): the sample's Hamming distance to the
 *   previous sample, 64 for the first sample.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=f.mp4 ! decodebin ! videoconvert ! immsnapshot mode=interval start-time=11 interval=4 number=5 ! jpegenc ! multifilesink location=out%d.jpg
 * ]| Five JPEGs at 11, 15, 19, 23 and 27 s, seeking between them.
 * |[
 * gst-launch-1.0 filesrc location=f.mp4 ! decodebin ! videoconvert ! immsnapshot mode=dhash threshold=15 number=5 ! jpegenc ! multifilesink location=cut%d.jpg
 * ]| The opening frame and the four strongest cuts, sampled every second.
 * |[
 * gst-launch-1.0 videotestsrc is-live=true num-buffers=100 ! immsnapshot mode=interval interval=1 ! videoconvert ! jpegenc ! multifilesink location=live%d.jpg
 * ]| One frame a second of a live source.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimmsnapshot.h"

#include <math.h>

#include "imm/imm-dhash.h"
#include "imm/imm-snapshot-schedule.h"
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

/* Targets closer than this are reached by decoding on: a seek restarts at
 * the keyframe before the target, which costs about as much. */
#define SEEK_MIN_GAP (2 * GST_SECOND)

/* How long the streaming thread waits for its seek to start flushing before
 * it decodes on (the frames it would decode meanwhile are wasted). */
#define SEEK_WAIT (200 * G_TIME_SPAN_MILLISECOND)

/* Largest time property, in seconds: keeps the nanoseconds in range. */
#define MAX_SECONDS 1.0e9

/* The distance reported for the first dhash sample, which has no previous
 * sample; it ranks above every real distance (at most 64). */
#define FIRST_SAMPLE_DISTANCE 64
#define FIRST_SAMPLE_SCORE 65

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
};

/* A frame taken but not pushed yet (dhash top-N). */
typedef struct
{
  GstBuffer *buffer;
  GstClockTime stream_time;
  GstClockTime running_time;
  guint distance;
} HeldFrame;

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

  /* streaming thread only; copies of the properties taken at start */
  ImmSnapshotMode cur_mode;
  guint cur_number;
  guint cur_threshold;
  gboolean cur_post_messages;
  gboolean configured;
  gboolean live;
  gboolean can_seek;
  ImmSnapshotSchedule schedule;
  guint index;
  guint64 sample_seq;
  gboolean have_prev_hash;
  guint64 prev_hash;
  ImmTopN *topn;
  gboolean finish_pending;
  gboolean eos_sent;
  gboolean saw_frame;
  GstClockTime last_position;
  gboolean first_frame;
  GstVideoInfo info;
  gboolean have_info;

  /* the seek transform_ip asks for, sent once the frame is pushed, and the
   * last target sought (a key-unit seek lands before its target: the frames
   * up to it must not ask for the same seek again) */
  GstClockTime wanted_seek;
  GstClockTime last_seek_target;
  gboolean wanted_key_units;

  /* seek state, protected by the object lock: frames are dropped while a
   * seek is under way, and the flush it causes is not passed downstream */
  gboolean seek_pending;
  gboolean in_own_flush;
  GCond seek_cond;

  /* keyframe detection: PTS of the sync frames that entered the decoder,
   * sorted, protected by key_lock (the probe runs in the decoder's thread) */
  GMutex key_lock;
  GArray *key_pts;
  GPtrArray *probe_pads;
  GArray *probe_ids;
};

#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE (GST_VIDEO_FORMATS_ALL)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

G_DEFINE_TYPE_WITH_CODE (GstImmSnapshot, gst_imm_snapshot,
    GST_TYPE_BASE_TRANSFORM,
    GST_DEBUG_CATEGORY_INIT (gst_imm_snapshot_debug, "immsnapshot", 0,
        "imm-gst frame selection element"));
GST_ELEMENT_REGISTER_DEFINE (immsnapshot, "immsnapshot", GST_RANK_NONE,
    GST_TYPE_IMM_SNAPSHOT);

GType
gst_imm_snapshot_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {IMM_SNAPSHOT_INTERVAL, "The first frame at or after start-time, "
          "start-time + interval, ...", "interval"},
    {IMM_SNAPSHOT_AVERAGE, "Number frames evenly spread over the range",
        "average"},
    {IMM_SNAPSHOT_KEYFRAME, "Every sync (IDR / key) frame", "keyframe"},
    {IMM_SNAPSHOT_DHASH, "Samples every interval whose dHash changed more "
          "than threshold", "dhash"},
    {IMM_SNAPSHOT_ALL, "Every frame of the range", "all"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImmSnapshotMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static const gchar *
mode_nick (ImmSnapshotMode mode)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_IMM_SNAPSHOT_MODE);
  GEnumValue *v = g_enum_get_value (klass, mode);
  const gchar *nick = v ? v->value_nick : "unknown";

  g_type_class_unref (klass);
  return nick;
}

static guint64
seconds_to_time (gdouble s)
{
  return (guint64) llround (s * GST_SECOND);
}

static void
held_frame_free (gpointer data)
{
  HeldFrame *f = data;

  gst_buffer_unref (f->buffer);
  g_free (f);
}

/* ---- keyframe detection ------------------------------------------------ */

static void
key_pts_add (GstImmSnapshot * self, GstClockTime pts)
{
  guint i = self->key_pts->len;

  while (i > 0 && g_array_index (self->key_pts, guint64, i - 1) > pts)
    i--;
  if (i > 0 && g_array_index (self->key_pts, guint64, i - 1) == pts)
    return;
  g_array_insert_val (self->key_pts, i, pts);
}

static gboolean
note_sync_buffer (GstBuffer ** buf, guint idx, gpointer user_data)
{
  GstImmSnapshot *self = user_data;

  (void) idx;
  if (!GST_BUFFER_FLAG_IS_SET (*buf, GST_BUFFER_FLAG_DELTA_UNIT)
      && GST_BUFFER_PTS_IS_VALID (*buf))
    key_pts_add (self, GST_BUFFER_PTS (*buf));
  return TRUE;
}

static GstPadProbeReturn
decoder_sink_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstImmSnapshot *self = user_data;

  (void) pad;
  g_mutex_lock (&self->key_lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

    note_sync_buffer (&buf, 0, self);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info),
        note_sync_buffer, self);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_FLUSH) {
    if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
        GST_EVENT_FLUSH_STOP)
      g_array_set_size (self->key_pts, 0);
  }
  g_mutex_unlock (&self->key_lock);
  return GST_PAD_PROBE_OK;
}

/* The pad on the other side of @pad, seen through ghost pads: for a src pad,
 * the src pad of the element that really produces the data. */
static GstPad *
resolve_src_pad (GstPad * pad)
{
  while (pad && GST_IS_GHOST_PAD (pad)) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));

    gst_object_unref (pad);
    pad = target;
  }
  return pad;
}

/* The real upstream src pad feeding @sinkpad, through ghost pads. */
static GstPad *
upstream_src_pad (GstPad * sinkpad)
{
  GstPad *peer = gst_pad_get_peer (sinkpad);

  /* the internal pad of a ghost sink pad: continue outside the bin */
  while (peer && GST_IS_PROXY_PAD (peer) && !GST_IS_GHOST_PAD (peer)) {
    GstProxyPad *ghost = gst_proxy_pad_get_internal (GST_PROXY_PAD (peer));

    gst_object_unref (peer);
    peer = NULL;
    if (ghost) {
      peer = gst_pad_get_peer (GST_PAD (ghost));
      gst_object_unref (ghost);
    }
  }
  return resolve_src_pad (peer);
}

static gboolean
caps_are_raw (GstPad * pad)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gboolean raw = TRUE;

  if (caps) {
    raw = g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure
            (caps, 0)), "video/x-raw");
    gst_caps_unref (caps);
  }
  return raw;
}

/* Walks upstream from @sinkpad through elements with raw video input and
 * puts a probe on the sink pad of every element that has encoded input (the
 * decoders). Returns how many probes were added. */
static guint
watch_decoders (GstImmSnapshot * self, GstPad * sinkpad, guint depth)
{
  GstPad *src;
  GstElement *element;
  GstIterator *it;
  GValue item = G_VALUE_INIT;
  guint found = 0;

  /* a pipeline is not that deep; guards against odd loops */
  if (depth > 32)
    return 0;
  src = upstream_src_pad (sinkpad);
  if (!src)
    return 0;
  element = gst_pad_get_parent_element (src);
  gst_object_unref (src);
  if (!element)
    return 0;

  it = gst_element_iterate_sink_pads (element);
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstPad *pad = g_value_get_object (&item);

    if (!caps_are_raw (pad)) {
      gulong id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
          decoder_sink_probe, self, NULL);

      GST_INFO_OBJECT (self, "watching sync frames entering %" GST_PTR_FORMAT,
          pad);
      g_ptr_array_add (self->probe_pads, gst_object_ref (pad));
      g_array_append_val (self->probe_ids, id);
      found++;
    } else {
      found += watch_decoders (self, pad, depth + 1);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  gst_object_unref (element);
  return found;
}

static void
unwatch_decoders (GstImmSnapshot * self)
{
  guint i;

  for (i = 0; i < self->probe_pads->len; i++)
    gst_pad_remove_probe (g_ptr_array_index (self->probe_pads, i),
        g_array_index (self->probe_ids, gulong, i));
  g_ptr_array_set_size (self->probe_pads, 0);
  g_array_set_size (self->probe_ids, 0);
  g_mutex_lock (&self->key_lock);
  g_array_set_size (self->key_pts, 0);
  g_mutex_unlock (&self->key_lock);
}

static gboolean
is_keyframe (GstImmSnapshot * self, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gboolean key = FALSE;
  guint drop = 0;

  if (self->probe_pads->len == 0)
    return !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);

  g_mutex_lock (&self->key_lock);
  while (drop < self->key_pts->len
      && g_array_index (self->key_pts, guint64, drop) < pts)
    drop++;
  if (drop < self->key_pts->len
      && g_array_index (self->key_pts, guint64, drop) == pts) {
    key = TRUE;
    drop++;
  }
  g_array_remove_range (self->key_pts, 0, drop);
  g_mutex_unlock (&self->key_lock);
  return key || self->first_frame;
}

/* ---- seeking ----------------------------------------------------------- */

typedef struct
{
  GstClockTime target;
  gboolean key_units;
} SeekRequest;

static void
do_seek (GstElement * element, gpointer user_data)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (element);
  SeekRequest *req = user_data;
  GstSeekFlags flags = GST_SEEK_FLAG_FLUSH;
  GstEvent *seek;

  if (req->key_units)
    flags |= GST_SEEK_FLAG_TRICKMODE | GST_SEEK_FLAG_TRICKMODE_KEY_UNITS |
        GST_SEEK_FLAG_TRICKMODE_NO_AUDIO;
  else
    /* snapping to the keyframe before the target starts the segment on a
     * real frame: with an accurate seek the decoder would clip the frame
     * straddling the target and stamp it with the target's time */
    flags |= GST_SEEK_FLAG_KEY_UNIT | GST_SEEK_FLAG_SNAP_BEFORE;
  seek = gst_event_new_seek (1.0, GST_FORMAT_TIME, flags, GST_SEEK_TYPE_SET,
      req->target, GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE);
  GST_DEBUG_OBJECT (self, "seeking to %" GST_TIME_FORMAT "%s",
      GST_TIME_ARGS (req->target), req->key_units ? " (key units)" : "");
  if (!gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self), seek)) {
    GST_WARNING_OBJECT (self, "seek to %" GST_TIME_FORMAT " failed, "
        "decoding on", GST_TIME_ARGS (req->target));
    GST_OBJECT_LOCK (self);
    self->seek_pending = FALSE;
    self->can_seek = FALSE;
    g_cond_broadcast (&self->seek_cond);
    GST_OBJECT_UNLOCK (self);
  }
}

/* called from the streaming thread */
static void
schedule_seek (GstImmSnapshot * self, GstClockTime target, gboolean key_units)
{
  SeekRequest *req = g_new (SeekRequest, 1);

  req->target = target;
  req->key_units = key_units;
  GST_OBJECT_LOCK (self);
  self->seek_pending = TRUE;
  GST_OBJECT_UNLOCK (self);
  gst_element_call_async (GST_ELEMENT (self), do_seek, req, g_free);
}

/* Returns whether a seek is under way; if so, first waits a little for it
 * to start flushing, so that upstream does not decode frames for nothing.
 * Safe: a flushing seek sends FLUSH_START before it waits for the streaming
 * thread, and the wait is bounded anyway. */
static gboolean
seek_pending (GstImmSnapshot * self)
{
  gboolean pending;
  gint64 end = g_get_monotonic_time () + SEEK_WAIT;

  GST_OBJECT_LOCK (self);
  while (self->seek_pending && !self->in_own_flush)
    if (!g_cond_wait_until (&self->seek_cond, GST_OBJECT_GET_LOCK (self), end))
      break;
  pending = self->seek_pending;
  GST_OBJECT_UNLOCK (self);
  return pending;
}

/* ---- configuration at the first frame ---------------------------------- */

static gboolean
query_live (GstImmSnapshot * self)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean live = FALSE;

  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), q))
    gst_query_parse_latency (q, &live, NULL, NULL);
  gst_query_unref (q);
  return live;
}

static gboolean
query_seekable (GstImmSnapshot * self)
{
  GstQuery *q = gst_query_new_seeking (GST_FORMAT_TIME);
  gboolean seekable = FALSE;

  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), q))
    gst_query_parse_seeking (q, NULL, &seekable, NULL, NULL);
  gst_query_unref (q);
  return seekable;
}

/* Returns FALSE after posting an element error. */
static gboolean
configure (GstImmSnapshot * self, gboolean * nothing_to_take)
{
  GstPad *sinkpad = GST_BASE_TRANSFORM_SINK_PAD (self);
  gint64 total = -1;
  gdouble start_time, duration, interval;
  gboolean allow_seek;

  GST_OBJECT_LOCK (self);
  start_time = self->start_time;
  duration = self->duration;
  interval = self->interval;
  allow_seek = self->seek;
  GST_OBJECT_UNLOCK (self);

  *nothing_to_take = FALSE;
  self->live = query_live (self);
  imm_snapshot_schedule_init (&self->schedule, self->cur_mode,
      seconds_to_time (start_time), seconds_to_time (duration),
      seconds_to_time (interval),
      self->cur_mode == IMM_SNAPSHOT_DHASH ? 0 : self->cur_number);

  if (self->cur_mode == IMM_SNAPSHOT_AVERAGE && self->live) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("mode=average needs the end of the stream, which a live source does "
            "not have; use mode=interval instead."),
        ("upstream reports is-live"));
    return FALSE;
  }

  if (!self->live && (!gst_pad_peer_query_duration (sinkpad, GST_FORMAT_TIME,
              &total) || total <= 0))
    total = -1;
  if (self->cur_mode == IMM_SNAPSHOT_AVERAGE
      && imm_snapshot_schedule_needs_total (&self->schedule) && total < 0) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("mode=average needs the source's duration, which is unknown; set "
            "the duration property."), ("duration query failed"));
    return FALSE;
  }
  if (total >= 0 && !imm_snapshot_schedule_set_total (&self->schedule, total)) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("No frame taken: start-time %.3f s is at or beyond the end of the "
            "stream (%.3f s).", start_time, (gdouble) total / GST_SECOND),
        (NULL));
    *nothing_to_take = TRUE;
  }

  self->can_seek = allow_seek && !self->live && query_seekable (self);
  if (self->cur_mode == IMM_SNAPSHOT_KEYFRAME)
    watch_decoders (self, sinkpad, 0);
  GST_INFO_OBJECT (self, "mode %s, live %d, seekable %d, duration %"
      GST_TIME_FORMAT ", %u decoder(s) watched", mode_nick (self->cur_mode),
      self->live, self->can_seek, GST_TIME_ARGS (total), self->probe_pads->len);
  return TRUE;
}

/* ---- output ------------------------------------------------------------ */

static void
post_frame_message (GstImmSnapshot * self, GstClockTime pts,
    GstClockTime stream_time, GstClockTime running_time, guint distance)
{
  GstStructure *s;

  if (!self->cur_post_messages)
    return;
  s = gst_structure_new ("immsnapshot",
      "index", G_TYPE_UINT, self->index,
      "pts", G_TYPE_UINT64, pts,
      "stream-time", G_TYPE_UINT64, stream_time,
      "running-time", G_TYPE_UINT64, running_time,
      "mode", G_TYPE_STRING, mode_nick (self->cur_mode), NULL);
  if (self->cur_mode == IMM_SNAPSHOT_DHASH)
    gst_structure_set (s, "distance", G_TYPE_UINT, distance, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
frame_times (GstImmSnapshot * self, GstBuffer * buf, GstClockTime * stream,
    GstClockTime * running)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime pts = GST_BUFFER_PTS (buf);

  *stream = gst_segment_to_stream_time (seg, GST_FORMAT_TIME, pts);
  *running = gst_segment_to_running_time (seg, GST_FORMAT_TIME, pts);
}

/* Pushes the held top-N frames in time order. */
static GstFlowReturn
push_held (GstImmSnapshot * self)
{
  ImmTopNItem *items;
  guint n, i;
  GstFlowReturn ret = GST_FLOW_OK;

  if (!self->topn)
    return GST_FLOW_OK;
  items = imm_topn_steal_in_order (self->topn, &n);
  for (i = 0; i < n; i++) {
    HeldFrame *f = items[i].data;

    if (ret == GST_FLOW_OK) {
      self->index++;
      post_frame_message (self, GST_BUFFER_PTS (f->buffer), f->stream_time,
          f->running_time, f->distance);
      ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self),
          gst_buffer_ref (f->buffer));
    }
    held_frame_free (f);
  }
  g_free (items);
  return ret;
}

/* No more frames will be taken: push what is held, then EOS. */
static GstFlowReturn
finish (GstImmSnapshot * self)
{
  GstFlowReturn ret;

  if (self->eos_sent)
    return GST_FLOW_EOS;
  ret = push_held (self);
  GST_DEBUG_OBJECT (self, "done after %u frames, sending EOS", self->index);
  self->eos_sent = TRUE;
  gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self), gst_event_new_eos ());
  return ret == GST_FLOW_OK || ret == GST_FLOW_EOS ? GST_FLOW_EOS : ret;
}

/* ---- dhash ------------------------------------------------------------- */

static gboolean
frame_dhash (GstImmSnapshot * self, GstBuffer * buf, guint64 * hash)
{
  GstVideoFrame frame;
  const GstVideoFormatInfo *finfo;
  guint8 thumb[IMM_DHASH_THUMB_SIZE];
  gboolean ok = FALSE;

  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ))
    return FALSE;
  finfo = frame.info.finfo;
  if (!GST_VIDEO_FORMAT_INFO_IS_TILED (finfo)) {
    gint w = GST_VIDEO_FRAME_WIDTH (&frame);
    gint h = GST_VIDEO_FRAME_HEIGHT (&frame);
    gint depth = GST_VIDEO_FORMAT_INFO_DEPTH (finfo, 0);
    gint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0);

    if (GST_VIDEO_FORMAT_INFO_IS_RGB (finfo)) {
      if (depth == 8 && GST_VIDEO_FORMAT_INFO_N_PLANES (finfo) == 1)
        ok = imm_dhash_thumbnail_rgb (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
            GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), pstride,
            GST_VIDEO_FRAME_COMP_OFFSET (&frame, 0),
            GST_VIDEO_FRAME_COMP_OFFSET (&frame, 1),
            GST_VIDEO_FRAME_COMP_OFFSET (&frame, 2), w, h, thumb);
    } else if (depth == 8 && pstride >= 1) {
      ok = imm_dhash_thumbnail_luma (GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
          GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0), pstride, w, h, thumb);
    } else if (depth > 8 && pstride >= 2) {
      /* 10- to 16-bit luma in 16-bit words (I420_10LE, P010, GRAY16...) */
      ok = imm_dhash_thumbnail_luma16 (GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
          GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0), pstride,
          GST_VIDEO_FORMAT_INFO_IS_LE (finfo),
          GST_VIDEO_FORMAT_INFO_SHIFT (finfo, 0), depth, w, h, thumb);
    }
  }
  gst_video_frame_unmap (&frame);
  if (ok)
    *hash = imm_dhash_from_thumbnail (thumb);
  return ok;
}

/* Returns DROPPED or OK (pass this frame), or an error. */
static GstFlowReturn
take_dhash_sample (GstImmSnapshot * self, GstBuffer * buf, guint * distance_out)
{
  guint64 hash;
  guint distance;
  gint64 score;
  gboolean first = !self->have_prev_hash;

  if (!frame_dhash (self, buf, &hash)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("mode=dhash cannot read the luma of %s video at %dx%d (it needs "
            "YUV, grey or 8-bit packed RGB of at least 9x8 pixels); put "
            "videoconvert before immsnapshot.",
            GST_VIDEO_INFO_NAME (&self->info),
            GST_VIDEO_INFO_WIDTH (&self->info),
            GST_VIDEO_INFO_HEIGHT (&self->info)), (NULL));
    return GST_FLOW_ERROR;
  }
  distance = first ? FIRST_SAMPLE_DISTANCE : imm_dhash_distance (hash,
      self->prev_hash);
  score = first ? FIRST_SAMPLE_SCORE : distance;
  self->prev_hash = hash;
  self->have_prev_hash = TRUE;
  self->sample_seq++;
  GST_LOG_OBJECT (self, "sample %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
      " hash %016" G_GINT64_MODIFIER "x distance %u", self->sample_seq,
      GST_TIME_ARGS (GST_BUFFER_PTS (buf)), hash, distance);

  if (!first && distance <= self->cur_threshold)
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  if (self->cur_number == 0) {
    *distance_out = distance;
    return GST_FLOW_OK;
  }
  if (imm_topn_would_keep (self->topn, score, self->sample_seq)) {
    HeldFrame *f = g_new0 (HeldFrame, 1);

    /* a deep copy: holding the decoder's own buffers could starve its pool */
    f->buffer = gst_buffer_copy_deep (buf);
    f->distance = distance;
    frame_times (self, buf, &f->stream_time, &f->running_time);
    imm_topn_offer (self->topn, score, self->sample_seq, f);
  }
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

/* ---- GstBaseTransform -------------------------------------------------- */

/* A decoder clips a frame that straddles the segment start to it: the frame
 * shown before that time would pass for the one at it. */
static gboolean
looks_clipped (GstImmSnapshot * self, GstBuffer * buf)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime dur = GST_BUFFER_DURATION (buf);
  gint fps_n = GST_VIDEO_INFO_FPS_N (&self->info);
  gint fps_d = GST_VIDEO_INFO_FPS_D (&self->info);
  GstClockTime nominal;

  if (GST_BUFFER_PTS (buf) != seg->start || seg->start == 0
      || !GST_CLOCK_TIME_IS_VALID (dur) || fps_n <= 0 || fps_d <= 0)
    return FALSE;
  nominal = gst_util_uint64_scale_int (GST_SECOND, fps_d, fps_n);
  return dur + GST_MSECOND < nominal;
}

static GstFlowReturn
gst_imm_snapshot_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstClockTime position;
  ImmSnapshotVerdict verdict;
  guint distance = 0;
  GstFlowReturn ret = GST_FLOW_OK;
  GstClockTime next;

  if (self->eos_sent)
    return GST_FLOW_EOS;

  if (!self->configured) {
    gboolean nothing;

    if (!configure (self, &nothing))
      return GST_FLOW_ERROR;
    self->configured = TRUE;
    if (nothing) {
      self->finish_pending = TRUE;
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }
    if (self->cur_mode == IMM_SNAPSHOT_KEYFRAME && self->can_seek) {
      self->wanted_seek = self->schedule.start;
      self->wanted_key_units = TRUE;
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }
  }

  if (seek_pending (self))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  if (!GST_CLOCK_TIME_IS_VALID (pts) || !self->have_info) {
    GST_DEBUG_OBJECT (self, "dropping a frame without timestamp or caps");
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  }

  if (looks_clipped (self, buf))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;

  position = self->live ?
      gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, pts) :
      gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, pts);
  if (!GST_CLOCK_TIME_IS_VALID (position))
    return GST_BASE_TRANSFORM_FLOW_DROPPED;
  self->saw_frame = TRUE;
  self->last_position = position;

  verdict = imm_snapshot_schedule_offer (&self->schedule, position,
      self->cur_mode == IMM_SNAPSHOT_KEYFRAME ? is_keyframe (self, buf) :
      FALSE);
  self->first_frame = FALSE;

  switch (verdict) {
    case IMM_SNAPSHOT_DONE:
      self->finish_pending = TRUE;
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    case IMM_SNAPSHOT_SKIP:
      ret = GST_BASE_TRANSFORM_FLOW_DROPPED;
      break;
    case IMM_SNAPSHOT_TAKE:
      if (self->cur_mode == IMM_SNAPSHOT_DHASH)
        ret = take_dhash_sample (self, buf, &distance);
      if (ret == GST_FLOW_OK) {
        GstClockTime stream_time, running_time;

        self->index++;
        frame_times (self, buf, &stream_time, &running_time);
        post_frame_message (self, pts, stream_time, running_time, distance);
      }
      break;
  }
  if (ret != GST_FLOW_OK && ret != GST_BASE_TRANSFORM_FLOW_DROPPED)
    return ret;

  if (imm_snapshot_schedule_done (&self->schedule)) {
    self->finish_pending = TRUE;
    return ret;
  }
  next = imm_snapshot_schedule_next_target (&self->schedule);
  if (self->can_seek && self->cur_mode != IMM_SNAPSHOT_KEYFRAME
      && next > position && next - position > SEEK_MIN_GAP
      && (!GST_CLOCK_TIME_IS_VALID (self->last_seek_target)
          || next > self->last_seek_target)) {
    self->wanted_seek = next;
    self->last_seek_target = next;
  }
  return ret;
}

static GstFlowReturn
gst_imm_snapshot_generate_output (GstBaseTransform * trans, GstBuffer ** outbuf)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);
  GstFlowReturn ret;

  ret =
      GST_BASE_TRANSFORM_CLASS (gst_imm_snapshot_parent_class)->generate_output
      (trans, outbuf);
  if (GST_CLOCK_TIME_IS_VALID (self->wanted_seek) && !self->finish_pending) {
    GstClockTime target = self->wanted_seek;

    self->wanted_seek = GST_CLOCK_TIME_NONE;
    /* the frame taken goes downstream before the seek starts */
    if (*outbuf) {
      if (ret == GST_FLOW_OK)
        ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), *outbuf);
      else
        gst_buffer_unref (*outbuf);
      *outbuf = NULL;
    }
    if (ret == GST_FLOW_OK || ret == GST_BASE_TRANSFORM_FLOW_DROPPED)
      schedule_seek (self, target, self->wanted_key_units);
    return ret;
  }
  if (!self->finish_pending)
    return ret;

  /* the last frame goes out before the EOS that follows it */
  if (*outbuf) {
    if (ret == GST_FLOW_OK)
      ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), *outbuf);
    else
      gst_buffer_unref (*outbuf);
    *outbuf = NULL;
  }
  if (ret != GST_FLOW_OK && ret != GST_BASE_TRANSFORM_FLOW_DROPPED)
    return ret;
  return finish (self);
}

static gboolean
gst_imm_snapshot_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      if (self->eos_sent) {
        gst_event_unref (event);
        return TRUE;
      }
      push_held (self);
      if (self->index == 0) {
        gdouble start = (gdouble) self->schedule.start / GST_SECOND;

        if (!self->saw_frame || self->last_position < self->schedule.start)
          GST_ELEMENT_WARNING (self, STREAM, FAILED,
              ("No frame taken: start-time %.3f s is at or beyond the end of "
                  "the stream.", start), (NULL));
        else
          GST_ELEMENT_WARNING (self, STREAM, FAILED,
              ("No frame taken: no frame of the stream matched mode=%s.",
                  mode_nick (self->cur_mode)), (NULL));
      }
      self->eos_sent = TRUE;
      break;
    case GST_EVENT_FLUSH_START:{
      gboolean own;

      /* our own seek: downstream keeps what it has (frames taken and still
       * queued or prerolling must not be lost) */
      GST_OBJECT_LOCK (self);
      own = self->in_own_flush = self->seek_pending;
      g_cond_broadcast (&self->seek_cond);
      GST_OBJECT_UNLOCK (self);
      if (own) {
        gst_event_unref (event);
        return TRUE;
      }
      break;
    }
    case GST_EVENT_FLUSH_STOP:{
      gboolean own;

      GST_OBJECT_LOCK (self);
      own = self->in_own_flush;
      self->in_own_flush = FALSE;
      self->seek_pending = FALSE;
      g_cond_broadcast (&self->seek_cond);
      GST_OBJECT_UNLOCK (self);
      if (own) {
        gst_event_unref (event);
        return TRUE;
      }
      self->eos_sent = FALSE;
      break;
    }
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

  (void) outcaps;
  self->have_info = gst_video_info_from_caps (&self->info, incaps);
  return self->have_info;
}

static gboolean
gst_imm_snapshot_start (GstBaseTransform * trans)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);

  GST_OBJECT_LOCK (self);
  self->cur_mode = self->mode;
  self->cur_number = self->number;
  self->cur_threshold = self->threshold;
  self->cur_post_messages = self->post_messages;
  self->seek_pending = FALSE;
  self->in_own_flush = FALSE;
  GST_OBJECT_UNLOCK (self);
  self->wanted_seek = GST_CLOCK_TIME_NONE;
  self->last_seek_target = GST_CLOCK_TIME_NONE;
  self->wanted_key_units = FALSE;

  if (self->cur_mode == IMM_SNAPSHOT_AVERAGE && self->cur_number == 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("mode=average needs the number property: how many frames to spread "
            "over the range."), ("number=0"));
    return FALSE;
  }

  self->configured = FALSE;
  self->live = FALSE;
  self->can_seek = FALSE;
  self->index = 0;
  self->sample_seq = 0;
  self->have_prev_hash = FALSE;
  self->finish_pending = FALSE;
  self->eos_sent = FALSE;
  self->saw_frame = FALSE;
  self->last_position = GST_CLOCK_TIME_NONE;
  self->first_frame = TRUE;
  self->have_info = FALSE;
  if (self->cur_mode == IMM_SNAPSHOT_DHASH && self->cur_number > 0)
    self->topn = imm_topn_new (self->cur_number, held_frame_free);
  return TRUE;
}

static gboolean
gst_imm_snapshot_stop (GstBaseTransform * trans)
{
  GstImmSnapshot *self = GST_IMM_SNAPSHOT (trans);

  unwatch_decoders (self);
  imm_topn_free (self->topn);
  self->topn = NULL;
  return TRUE;
}

/* ---- GObject ----------------------------------------------------------- */

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

  imm_topn_free (self->topn);
  g_ptr_array_unref (self->probe_pads);
  g_array_unref (self->probe_ids);
  g_array_unref (self->key_pts);
  g_mutex_clear (&self->key_lock);
  g_cond_clear (&self->seek_cond);
  G_OBJECT_CLASS (gst_imm_snapshot_parent_class)->finalize (object);
}

static void
gst_imm_snapshot_class_init (GstImmSnapshotClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_imm_snapshot_set_property;
  gobject_class->get_property = gst_imm_snapshot_get_property;
  gobject_class->finalize = gst_imm_snapshot_finalize;

  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "Which frames to take",
          GST_TYPE_IMM_SNAPSHOT_MODE, DEFAULT_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_START_TIME,
      g_param_spec_double ("start-time", "Start time",
          "Start of the range in seconds (stream time; running time for "
          "live sources)", 0.0, MAX_SECONDS, DEFAULT_START_TIME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_DURATION,
      g_param_spec_double ("duration", "Duration",
          "Length of the range in seconds, 0 = to the end", 0.0, MAX_SECONDS,
          DEFAULT_DURATION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_double ("interval", "Interval",
          "Seconds between captures (interval) or samples (dhash, 0 = 1 s); "
          "interval mode with 0 takes one frame at start-time", 0.0,
          MAX_SECONDS, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_NUMBER,
      g_param_spec_uint ("number", "Number",
          "Frames to take, 0 = unlimited (average needs it; dhash: keep the "
          "number largest changes)", 0, G_MAXUINT, DEFAULT_NUMBER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_uint ("threshold", "Threshold",
          "dhash: a sample is a candidate when its Hamming distance to the "
          "previous sample is greater than this", 0, 100, DEFAULT_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an immsnapshot element message for each frame taken",
          DEFAULT_POST_MESSAGES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_SEEK,
      g_param_spec_boolean ("seek", "Seek",
          "Seek upstream to skip frames that are not needed (seekable, "
          "non-live sources only)", DEFAULT_SEEK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Snapshot frame selector", "Filter/Video",
      "Passes the frames a snapshot request asks for: by interval, evenly "
      "spread, keyframes or dHash scene changes", "imm-gst developers");

  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_imm_snapshot_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_imm_snapshot_generate_output);
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
  g_mutex_init (&self->key_lock);
  g_cond_init (&self->seek_cond);
  self->key_pts = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->probe_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  self->probe_ids = g_array_new (FALSE, FALSE, sizeof (gulong));
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
