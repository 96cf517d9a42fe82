/* imm-gst: immhighlight, cuts one clip of frames around each event.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-immhighlight
 * @title: immhighlight
 *
 * Lets through, for each event, the frames from #GstImmHighlight:pre-roll
 * seconds before it to #GstImmHighlight:post-roll seconds after it as one
 * clip, and drops every frame outside clips. Raw video of any format goes
 * in and out unchanged, timestamps included. Meant for live streams
 * (highlight capture) and works on files alike.
 *
 * Events come from:
 *
 * - an `immsnapshot-mark` custom downstream event from upstream (immsnapshot
 *   in marking mode sends one right after each frame it would take); the
 *   event's time is its `pts` field. The mark events are consumed.
 * - the action signal #GstImmHighlight::trigger, from an application: the
 *   event's time is the pts given, or with GST_CLOCK_TIME_NONE the last
 *   frame's pts when the signal is emitted. It is acted on in the streaming
 *   thread, before the next frame (or at EOS).
 * - the element's own change detection, when #GstImmHighlight:threshold is
 *   0 or more: one sample every #GstImmHighlight:interval seconds is hashed
 *   (the 64-bit difference hash of immsnapshot's dhash mode). A sample is
 *   an event when its Hamming distance to the sample one interval back is
 *   greater than threshold, so is its distance to the sample two intervals
 *   back, and the first is more than twice the mean distance of the last
 *   three samples (an adaptive threshold, as PySceneDetect's). A cut differs from both older samples
 *   and stands out of what came before; hash bits that hover on a smooth
 *   gradient flip back and forth (the older sample matches again), and a
 *   drifting texture or noise changes many bits at every sample (its mean
 *   is high). Compared with the last sample only, videotestsrc's drifting
 *   `colors` pattern and `snow` gave a false event at nearly every sample;
 *   this way none. The cost: a cut within a scene that changes as much at
 *   every sample is not found. The picture must also have changed: the
 *   mean absolute difference of the two samples' 9x8 thumbnails at least 4
 *   levels and more than twice its mean over the last three samples, as
 *   dHash reads only the sign of each step between cells and a smooth
 *   gradient turning through the vertical flips every bit while its cells
 *   barely move (ffmpeg's turning `gradients` gave 5 to 9 false events in
 *   30 s without this, none with it). The first sample sets the reference and the
 *   second the level of change, so the first interval of a stream is no
 *   event. A change found by a sample is placed back on its frame: the
 *   first frame since the sample before that looks more like the new
 *   sample than the old one (the frames are hashed from the ring), so that
 *   pre-roll and post-roll count from the cut itself, not from the sample
 *   up to an interval later (the ring keeps an interval more than pre-roll
 *   for this). Formats the hash cannot read (deeper than 8 bits, tiled) are
 *   converted to grey for it.
 *
 * Clips: the frames with pts in [event - pre-roll, event + post-roll]. An
 * event inside a running clip moves its end to that event + post-roll, so
 * close events make one clip. Clips never overlap: a frame goes out once at
 * most, and a clip starts after the previous clip's last frame. A clip ends
 * with its last frame when the next frame is due past its end (the frame's
 * duration, or the frames' spacing when larger: the smaller of the last
 * two), so its clip-end event follows that frame at once; else at the
 * first frame past its end, or at EOS. Once an `immsnapshot-mark` came (it
 * follows its frame, and may extend the clip on that frame) clips end at
 * the first frame past their end. With #GstImmHighlight:min-gap,
 * an event less than min-gap after a clip's end joins that clip: the end is
 * held back for min-gap while the frames after it wait, and such an event
 * reopens the clip and lets those frames through, seamlessly; when the ring
 * could not keep them (min-gap longer than pre-roll, or max-bytes), the clip
 * ends and events until min-gap after its end are dropped as repeats.
 *
 * Memory: frames not in a clip wait in a ring holding at most pre-roll
 * seconds (pre-roll + interval with change detection on; counted back
 * from the newest frame) and at most
 * #GstImmHighlight:max-bytes (the newest frame is always kept, so a marked
 * frame is never lost). Frames from a buffer pool with a size limit are
 * copied into the ring so that upstream's pool never runs dry.
 *
 * Each clip is preceded by a serialized custom downstream event
 * `immhighlight-clip-start` (index, event-pts, first-pts) and followed by
 * `immhighlight-clip-end` (index, event-pts, first-pts, last-pts); the
 * fields are guint for index and guint64 for times (see imm/imm-events.h).
 * immanimenc finishes one file per clip on the end event.
 *
 * The element posts an element message named `immhighlight` when a clip
 * opens and when it closes:
 *
 * - `phase` (string): `start` or `end`.
 * - `index` (guint): 1-based number of the clip.
 * - `event-pts` (guint64): pts of the event that opened the clip.
 * - `event-running-time` (guint64): its running time.
 * - `first-pts` (guint64): pts of the clip's first frame.
 * - `last-pts` (guint64, end only): pts of its last frame.
 * - `events` (guint, end only): how many events the clip merged.
 * - `running-time`, `stream-time` (guint64): of the first frame.
 * - `last-running-time`, `last-stream-time` (guint64, end only): of the
 *   last frame.
 *
 * The frames of a clip leave in a burst (the pre-roll at once) and late on
 * the clock: a sink downstream that synchronises to the clock would drop
 * them, so end the branch in an encoder and a file sink (which do not
 * synchronise), or set sync=false. QoS events from downstream stop here:
 * they would make upstream decoders skip frames for nothing. A flush forgets waiting frames and a
 * running clip (without its end event). A new segment without a flush
 * (concat, a segment seek) ends a running clip and starts afresh, as EOS
 * does: its times need not follow the last ones.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! videoconvert ! immhighlight threshold=20 pre-roll=1 post-roll=1 ! jpegenc ! multifilesink location=frame-%05d.jpg
 * ]| The frames from 1 s before to 1 s after each cut the detector finds.
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! videoconvert ! immhighlight threshold=20 pre-roll=2 post-roll=3 ! immscale width=320 ! immanimenc format=gif ! multifilesink location=event-%05d.gif next-file=buffer
 * ]| An animation per event, with immanimenc finishing a file at each
 * clip-end event; on a live source (uridecodebin uri=rtsp://...) the files
 * are written while the stream runs.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimmhighlight.h"

#include <gst/video/video.h>

#include "imm/imm-clip.h"
#include "imm/imm-dhash.h"
#include "imm/imm-events.h"

GST_DEBUG_CATEGORY_STATIC (gst_imm_highlight_debug);
#define GST_CAT_DEFAULT gst_imm_highlight_debug

#define DEFAULT_PRE_ROLL 2.0
#define DEFAULT_POST_ROLL 3.0
#define DEFAULT_MIN_GAP 0.0
#define DEFAULT_MAX_BYTES (G_GUINT64_CONSTANT (256) << 20)
#define DEFAULT_THRESHOLD -1
#define DEFAULT_INTERVAL 0.5

enum
{
  PROP_0,
  PROP_PRE_ROLL,
  PROP_POST_ROLL,
  PROP_MIN_GAP,
  PROP_MAX_BYTES,
  PROP_THRESHOLD,
  PROP_INTERVAL,
};

enum
{
  SIGNAL_TRIGGER,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

struct _GstImmHighlight
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  gdouble pre_roll;
  gdouble post_roll;
  gdouble min_gap;
  guint64 max_bytes;
  gint threshold;
  gdouble interval;

  /* Guards the clip, the detector and the triggers: the streaming thread
   * and an application's trigger meet here. Never held while pushing. */
  GMutex lock;
  ImmClip *clip;
  ImmChangeDetector detector;
  /* trigger times not yet acted on (guint64; NONE: the next frame's) */
  GArray *triggers;
  GstClockTime last_pts;
  /* the spacing of the last two frames, newest first (NONE: unknown) */
  guint64 gaps[2];
  /* an immsnapshot-mark came in this stream: it follows its frame, so a
   * clip cannot end with a frame before knowing whether a mark extends it */
  gboolean marks_seen;

  /* streaming thread only */
  GstVideoInfo info;
  gboolean have_info;
  /* grey copy of formats the hash cannot read */
  GstVideoConverter *convert;
  GstVideoInfo grey_info;
  GstBuffer *grey;
  gboolean warned_format;
  GstSegment segment;
  GstBufferPool *checked_pool;
  gboolean pool_is_bounded;
};

/* Any raw video; the 8-bit formats change detection reads come first, so
 * that a source offering everything picks one of them. */
#define HIGHLIGHT_CAPS GST_VIDEO_CAPS_MAKE ("{ I420, YV12, NV12, NV21, Y42B, " \
    "Y444, Y41B, YUY2, UYVY, YVYU, AYUV, GRAY8, RGB, BGR, RGBA, BGRA, " \
    "ARGB, ABGR, RGBx, BGRx, xRGB, xBGR }") "; video/x-raw(ANY)"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (HIGHLIGHT_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (HIGHLIGHT_CAPS));

G_DEFINE_TYPE_WITH_CODE (GstImmHighlight, gst_imm_highlight,
    GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_imm_highlight_debug, "immhighlight", 0,
        "imm-gst highlight clips"));
GST_ELEMENT_REGISTER_DEFINE (immhighlight, "immhighlight", GST_RANK_NONE,
    GST_TYPE_IMM_HIGHLIGHT);

static guint64
seconds_to_time (gdouble s)
{
  return (guint64) (s * GST_SECOND + 0.5);
}

/* called with the object lock */
static void
read_config (GstImmHighlight * self, ImmClipConfig * cfg)
{
  cfg->pre_roll = seconds_to_time (self->pre_roll);
  cfg->post_roll = seconds_to_time (self->post_roll);
  cfg->min_gap = seconds_to_time (self->min_gap);
  cfg->max_bytes = self->max_bytes;
  /* a change is placed back on its frame, up to an interval before the
   * sample that found it: the ring keeps that interval more */
  cfg->lookback = self->threshold >= 0 ? seconds_to_time (self->interval) : 0;
}

static void
free_buffer (gpointer data)
{
  gst_buffer_unref (GST_BUFFER (data));
}

static void
post_clip_message (GstImmHighlight * self, const ImmClipOutput * o)
{
  GstSegment *seg = &self->segment;
  GstStructure *s = gst_structure_new ("immhighlight",
      "phase", G_TYPE_STRING, o->kind == IMM_CLIP_OUT_START ? "start" : "end",
      "index", G_TYPE_UINT, o->index,
      "event-pts", G_TYPE_UINT64, o->event_pts,
      "event-running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (seg, GST_FORMAT_TIME, o->event_pts),
      "first-pts", G_TYPE_UINT64, o->first_pts,
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (seg, GST_FORMAT_TIME, o->first_pts),
      "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time (seg, GST_FORMAT_TIME, o->first_pts),
      NULL);

  if (o->kind == IMM_CLIP_OUT_END)
    gst_structure_set (s, "last-pts", G_TYPE_UINT64, o->last_pts,
        "events", G_TYPE_UINT, o->events,
        "last-running-time", G_TYPE_UINT64,
        gst_segment_to_running_time (seg, GST_FORMAT_TIME, o->last_pts),
        "last-stream-time", G_TYPE_UINT64,
        gst_segment_to_stream_time (seg, GST_FORMAT_TIME, o->last_pts), NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Sends what the clip logic decided, in order, from the streaming thread
 * and without the lock. The first failure is returned; what follows it is
 * freed unsent. */
static GstFlowReturn
push_outputs (GstImmHighlight * self, GQueue * out)
{
  GstFlowReturn ret = GST_FLOW_OK;
  ImmClipOutput *o;

  while ((o = g_queue_pop_head (out)) != NULL) {
    ImmClipBounds bounds = { o->index, o->event_pts, o->first_pts,
      o->last_pts
    };

    if (ret != GST_FLOW_OK) {
      imm_clip_output_free (o, free_buffer);
      continue;
    }
    switch (o->kind) {
      case IMM_CLIP_OUT_START:
        GST_INFO_OBJECT (self, "clip %u opens at %" GST_TIME_FORMAT
            " (event %" GST_TIME_FORMAT ")", o->index,
            GST_TIME_ARGS (o->first_pts), GST_TIME_ARGS (o->event_pts));
        post_clip_message (self, o);
        gst_pad_push_event (self->srcpad, imm_event_new_clip_start (&bounds));
        break;
      case IMM_CLIP_OUT_FRAME:
        ret = gst_pad_push (self->srcpad, GST_BUFFER (o->data));
        o->data = NULL;
        break;
      case IMM_CLIP_OUT_END:
        GST_INFO_OBJECT (self, "clip %u closes at %" GST_TIME_FORMAT
            ", %u events", o->index, GST_TIME_ARGS (o->last_pts), o->events);
        gst_pad_push_event (self->srcpad, imm_event_new_clip_end (&bounds));
        post_clip_message (self, o);
        break;
    }
    imm_clip_output_free (o, free_buffer);
  }
  return ret;
}

/* called with self->lock */
static void
act_on_triggers (GstImmHighlight * self, GstClockTime next_pts, GQueue * out)
{
  guint i;

  for (i = 0; i < self->triggers->len; i++) {
    GstClockTime t = g_array_index (self->triggers, guint64, i);

    if (!GST_CLOCK_TIME_IS_VALID (t))
      t = next_pts;
    if (!GST_CLOCK_TIME_IS_VALID (t))
      continue;
    if (!imm_clip_event (self->clip, t, out))
      GST_DEBUG_OBJECT (self, "trigger at %" GST_TIME_FORMAT " is a repeat",
          GST_TIME_ARGS (t));
  }
  g_array_set_size (self->triggers, 0);
}

/* Formats the hash cannot read directly (deeper than 8 bits, tiled,
 * paletted) are converted to grey first, as the decoder of a 10-bit or
 * 4:4:4 stream gives them. */
static gboolean
needs_conversion (const GstVideoFormatInfo * f)
{
  return GST_VIDEO_FORMAT_INFO_DEPTH (f, 0) != 8
      || GST_VIDEO_FORMAT_INFO_IS_TILED (f)
      || GST_VIDEO_FORMAT_INFO_HAS_PALETTE (f);
}

static gboolean
map_grey (GstImmHighlight * self, GstBuffer * buf, GstVideoFrame * grey)
{
  GstVideoFrame in;

  if (self->convert == NULL) {
    GstVideoInfo out;

    gst_video_info_set_format (&out, GST_VIDEO_FORMAT_GRAY8,
        GST_VIDEO_INFO_WIDTH (&self->info),
        GST_VIDEO_INFO_HEIGHT (&self->info));
    /* the converter wants the same of everything it does not convert */
    GST_VIDEO_INFO_FPS_N (&out) = GST_VIDEO_INFO_FPS_N (&self->info);
    GST_VIDEO_INFO_FPS_D (&out) = GST_VIDEO_INFO_FPS_D (&self->info);
    GST_VIDEO_INFO_PAR_N (&out) = GST_VIDEO_INFO_PAR_N (&self->info);
    GST_VIDEO_INFO_PAR_D (&out) = GST_VIDEO_INFO_PAR_D (&self->info);
    GST_VIDEO_INFO_INTERLACE_MODE (&out) =
        GST_VIDEO_INFO_INTERLACE_MODE (&self->info);
    self->convert = gst_video_converter_new (&self->info, &out, NULL);
    if (self->convert == NULL)
      return FALSE;
    self->grey = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&out),
        NULL);
    self->grey_info = out;
  }
  if (!gst_video_frame_map (&in, &self->info, buf, GST_MAP_READ))
    return FALSE;
  if (!gst_video_frame_map (grey, &self->grey_info, self->grey,
          GST_MAP_READWRITE)) {
    gst_video_frame_unmap (&in);
    return FALSE;
  }
  gst_video_converter_frame (self->convert, &in, grey);
  gst_video_frame_unmap (&in);
  return TRUE;
}

static void
free_conversion (GstImmHighlight * self)
{
  g_clear_pointer (&self->convert, gst_video_converter_free);
  gst_clear_buffer (&self->grey);
}

/* The 9x8 grey thumbnail the hash is made from; FALSE when the frame
 * cannot be read. */
static gboolean
frame_thumbnail (GstImmHighlight * self, GstBuffer * buf,
    guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H])
{
  GstVideoFrame frame;
  const GstVideoFormatInfo *f = self->info.finfo;
  gboolean mapped;

  if (!self->have_info)
    return FALSE;
  if (needs_conversion (f)) {
    mapped = map_grey (self, buf, &frame);
    f = frame.info.finfo;
  } else {
    mapped = gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ);
  }
  if (!mapped) {
    if (!self->warned_format) {
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("immhighlight: cannot read frames of format %s for change "
              "detection; convert before it (videoconvert)",
              GST_VIDEO_INFO_NAME (&self->info)), (NULL));
      self->warned_format = TRUE;
    }
    return FALSE;
  }
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
  return TRUE;
}

static guint64
frame_hash (GstImmHighlight * self, GstBuffer * buf, gboolean * ok)
{
  guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H];

  *ok = frame_thumbnail (self, buf, thumb);
  return *ok ? imm_dhash_from_thumbnail (thumb) : 0;
}

/* A frame waiting in the ring must not keep a buffer of a pool that can
 * run out (a decoder's): such frames are copied. Pools without a limit
 * grow instead, and their frames are held as they are. */
static GstBuffer *
buffer_to_hold (GstImmHighlight * self, GstBuffer * buf)
{
  GstBufferPool *pool = buf->pool;

  if (pool == NULL)
    return buf;
  if (pool != self->checked_pool) {
    GstStructure *config = gst_buffer_pool_get_config (pool);
    guint min = 0, max = 0;

    gst_buffer_pool_config_get_params (config, NULL, NULL, &min, &max);
    gst_structure_free (config);
    self->checked_pool = pool;
    self->pool_is_bounded = max != 0;
  }
  if (self->pool_is_bounded) {
    GstBuffer *copy = gst_buffer_copy_deep (buf);

    gst_buffer_unref (buf);
    return copy;
  }
  return buf;
}

/* Where the change the sample at @pts (hash @hash) found happened: the
 * first frame since the sample before that looks more like this sample
 * than that one (imm_change_locate()), hashed from the frames waiting in
 * the ring; @pts when they are not there (sent in a running clip, or
 * dropped by max-bytes). Called with self->lock, before the frame at @pts
 * goes into the ring. */
static GstClockTime
locate_change (GstImmHighlight * self, GstClockTime pts, guint64 hash)
{
  guint64 since = imm_change_detector_previous_pts (&self->detector);
  GArray *hashes, *times;
  GstClockTime at = pts;
  guint64 t;
  gpointer data;
  guint i;

  if (since == GST_CLOCK_TIME_NONE)
    return pts;
  hashes = g_array_new (FALSE, FALSE, sizeof (guint64));
  times = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (i = 0; (data = imm_clip_held_nth (self->clip, i, &t)) != NULL; i++) {
    gboolean ok;
    guint64 h;

    if (t <= since || t >= pts)
      continue;
    h = frame_hash (self, GST_BUFFER (data), &ok);
    if (!ok)
      break;
    g_array_append_val (hashes, h);
    g_array_append_val (times, t);
  }
  /* only a run of frames right up to the sample says where it changed */
  if (hashes->len > 0) {
    g_array_append_val (hashes, hash);
    g_array_append_val (times, pts);
    at = g_array_index (times, guint64,
        imm_change_locate ((const guint64 *) hashes->data, hashes->len,
            self->detector.ref2, hash));
  }
  g_array_free (hashes, TRUE);
  g_array_free (times, TRUE);
  return at;
}

static GstFlowReturn
gst_imm_highlight_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstImmHighlight *self = GST_IMM_HIGHLIGHT (parent);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstClockTime duration = GST_BUFFER_DURATION (buf);
  GstClockTime event_pts = GST_CLOCK_TIME_NONE;
  ImmClipConfig cfg;
  GQueue out = G_QUEUE_INIT;
  gint threshold, distance = -1;
  guint64 interval, hash = 0, next = GST_CLOCK_TIME_NONE;
  guint8 thumb[IMM_DHASH_THUMB_W * IMM_DHASH_THUMB_H];
  gboolean sample = FALSE, hashed = FALSE, event = FALSE;

  if (!GST_CLOCK_TIME_IS_VALID (pts)) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("immhighlight needs timestamped frames: a frame has no pts"),
        ("buffer without PTS"));
    return GST_FLOW_ERROR;
  }

  GST_OBJECT_LOCK (self);
  read_config (self, &cfg);
  threshold = self->threshold;
  interval = seconds_to_time (self->interval);
  GST_OBJECT_UNLOCK (self);

  /* hashing reads the frame: done before the ring may copy or keep it */
  g_mutex_lock (&self->lock);
  self->detector.threshold = threshold;
  self->detector.interval = interval;
  if (threshold < 0)
    imm_change_detector_reset (&self->detector);
  sample = imm_change_detector_due (&self->detector, pts);
  g_mutex_unlock (&self->lock);
  if (sample && (hashed = frame_thumbnail (self, buf, thumb)))
    hash = imm_dhash_from_thumbnail (thumb);

  buf = buffer_to_hold (self, buf);

  g_mutex_lock (&self->lock);
  imm_clip_set_config (self->clip, &cfg);
  /* triggers came before this frame: they belong to the frames seen */
  act_on_triggers (self, GST_CLOCK_TIME_IS_VALID (self->last_pts) ?
      self->last_pts : pts, &out);
  /* The change this sample finds goes in before the frame: an event on a
   * clip's last frame extends it before the frame could end it. */
  if (hashed) {
    event = imm_change_detector_sample_thumbnail (&self->detector, pts, thumb,
        &distance);
    if (event) {
      event_pts = locate_change (self, pts, hash);
      imm_clip_event (self->clip, event_pts, &out);
    }
  }
  if (GST_CLOCK_TIME_IS_VALID (self->last_pts) && pts > self->last_pts) {
    self->gaps[1] = self->gaps[0];
    self->gaps[0] = pts - self->last_pts;
  }
  self->last_pts = pts;
  if (!self->marks_seen)
    next = imm_clip_next_due (pts, GST_CLOCK_TIME_IS_VALID (duration) ?
        duration : G_MAXUINT64, self->gaps[0], self->gaps[1]);
  imm_clip_push_frame_timed (self->clip, pts, next, gst_buffer_get_size (buf),
      buf, &out);
  g_mutex_unlock (&self->lock);

  if (hashed)
    GST_DEBUG_OBJECT (self, "sample at %" GST_TIME_FORMAT ": hash %016"
        G_GINT64_MODIFIER "x, distance %d%s%" GST_TIME_FORMAT,
        GST_TIME_ARGS (pts), hash, distance, event ? ", an event at " : "",
        GST_TIME_ARGS (event ? event_pts : pts));

  return push_outputs (self, &out);
}

static gboolean
gst_imm_highlight_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstImmHighlight *self = GST_IMM_HIGHLIGHT (parent);
  GQueue out = G_QUEUE_INIT;
  ImmSnapshotMark mark;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      self->have_info = gst_video_info_from_caps (&self->info, caps);
      free_conversion (self);
      /* new caps, likely a new pool (perhaps at a freed one's address) */
      self->checked_pool = NULL;
      break;
    }
    case GST_EVENT_SEGMENT:
      /* Times of a new segment (concat, a segment seek) need not follow
       * the last ones: what came before ends here, as at EOS. */
      g_mutex_lock (&self->lock);
      if (imm_clip_newest_pts (self->clip) != GST_CLOCK_TIME_NONE) {
        act_on_triggers (self, self->last_pts, &out);
        imm_clip_finish (self->clip, &out);
        imm_change_detector_reset (&self->detector);
        self->last_pts = GST_CLOCK_TIME_NONE;
        self->gaps[0] = self->gaps[1] = GST_CLOCK_TIME_NONE;
      }
      g_mutex_unlock (&self->lock);
      push_outputs (self, &out);
      gst_event_copy_segment (event, &self->segment);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (imm_event_parse_snapshot_mark (event, &mark)) {
        GST_DEBUG_OBJECT (self, "mark %u at %" GST_TIME_FORMAT, mark.index,
            GST_TIME_ARGS (mark.pts));
        g_mutex_lock (&self->lock);
        self->marks_seen = TRUE;
        act_on_triggers (self, self->last_pts, &out);
        imm_clip_event (self->clip, mark.pts, &out);
        g_mutex_unlock (&self->lock);
        gst_event_unref (event);
        push_outputs (self, &out);
        return TRUE;
      }
      break;
    case GST_EVENT_EOS:
      g_mutex_lock (&self->lock);
      act_on_triggers (self, self->last_pts, &out);
      imm_clip_finish (self->clip, &out);
      g_mutex_unlock (&self->lock);
      push_outputs (self, &out);
      break;
    case GST_EVENT_FLUSH_STOP:
      g_mutex_lock (&self->lock);
      imm_clip_reset (self->clip);
      imm_change_detector_reset (&self->detector);
      g_array_set_size (self->triggers, 0);
      self->last_pts = GST_CLOCK_TIME_NONE;
      self->gaps[0] = self->gaps[1] = GST_CLOCK_TIME_NONE;
      g_mutex_unlock (&self->lock);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_imm_highlight_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  /* Clip frames leave late by design: downstream's lateness says nothing
   * about upstream, whose decoder would skip frames for every branch. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS) {
    gst_event_unref (event);
    return TRUE;
  }
  return gst_pad_event_default (pad, parent, event);
}

static void
gst_imm_highlight_trigger (GstImmHighlight * self, guint64 pts)
{
  g_mutex_lock (&self->lock);
  /* "now" is the last frame seen when the application asks */
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    pts = self->last_pts;
  g_array_append_val (self->triggers, pts);
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "trigger at %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
}

static void
reset_stream (GstImmHighlight * self)
{
  ImmClipConfig cfg;

  GST_OBJECT_LOCK (self);
  read_config (self, &cfg);
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  imm_clip_free (self->clip);
  self->clip = imm_clip_new (&cfg, free_buffer);
  imm_change_detector_reset (&self->detector);
  g_array_set_size (self->triggers, 0);
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->gaps[0] = self->gaps[1] = GST_CLOCK_TIME_NONE;
  self->marks_seen = FALSE;
  g_mutex_unlock (&self->lock);

  self->have_info = FALSE;
  free_conversion (self);
  self->warned_format = FALSE;
  self->checked_pool = NULL;
  self->pool_is_bounded = FALSE;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
}

static GstStateChangeReturn
gst_imm_highlight_change_state (GstElement * element, GstStateChange transition)
{
  GstImmHighlight *self = GST_IMM_HIGHLIGHT (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    reset_stream (self);
  ret = GST_ELEMENT_CLASS (gst_imm_highlight_parent_class)->change_state
      (element, transition);
  /* frames held in the ring go back now, not when the element is freed */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    reset_stream (self);
  return ret;
}

static void
gst_imm_highlight_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstImmHighlight *self = GST_IMM_HIGHLIGHT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PRE_ROLL:
      self->pre_roll = g_value_get_double (value);
      break;
    case PROP_POST_ROLL:
      self->post_roll = g_value_get_double (value);
      break;
    case PROP_MIN_GAP:
      self->min_gap = g_value_get_double (value);
      break;
    case PROP_MAX_BYTES:
      self->max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_int (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imm_highlight_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstImmHighlight *self = GST_IMM_HIGHLIGHT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PRE_ROLL:
      g_value_set_double (value, self->pre_roll);
      break;
    case PROP_POST_ROLL:
      g_value_set_double (value, self->post_roll);
      break;
    case PROP_MIN_GAP:
      g_value_set_double (value, self->min_gap);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, self->max_bytes);
      break;
    case PROP_THRESHOLD:
      g_value_set_int (value, self->threshold);
      break;
    case PROP_INTERVAL:
      g_value_set_double (value, self->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imm_highlight_finalize (GObject * object)
{
  GstImmHighlight *self = GST_IMM_HIGHLIGHT (object);

  imm_clip_free (self->clip);
  free_conversion (self);
  g_array_free (self->triggers, TRUE);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_imm_highlight_parent_class)->finalize (object);
}

static void
gst_imm_highlight_class_init (GstImmHighlightClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  /* every property is read again for each frame */
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;
  const gdouble max_seconds = 3600.0;

  gobject_class->set_property = gst_imm_highlight_set_property;
  gobject_class->get_property = gst_imm_highlight_get_property;
  gobject_class->finalize = gst_imm_highlight_finalize;

  g_object_class_install_property (gobject_class, PROP_PRE_ROLL,
      g_param_spec_double ("pre-roll", "Pre-roll",
          "Seconds of frames before an event that belong to its clip (the "
          "ring of waiting frames holds this much)", 0.0, max_seconds,
          DEFAULT_PRE_ROLL, flags));
  g_object_class_install_property (gobject_class, PROP_POST_ROLL,
      g_param_spec_double ("post-roll", "Post-roll",
          "Seconds of frames after an event (after the latest one of a "
          "clip) that belong to its clip", 0.0, max_seconds,
          DEFAULT_POST_ROLL, flags));
  g_object_class_install_property (gobject_class, PROP_MIN_GAP,
      g_param_spec_double ("min-gap", "Minimum gap",
          "An event less than this many seconds after a clip's end joins "
          "that clip (reopening it while its following frames are held) "
          "or is dropped as a repeat", 0.0, max_seconds, DEFAULT_MIN_GAP,
          flags));
  g_object_class_install_property (gobject_class, PROP_MAX_BYTES,
      g_param_spec_uint64 ("max-bytes", "Maximum bytes",
          "Bound of the frames waiting outside clips, in bytes (the newest "
          "frame is always kept)", 1, G_MAXUINT64, DEFAULT_MAX_BYTES, flags));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_int ("threshold", "Threshold",
          "Change detection: a sample is an event when its dHash distance "
          "(of 64 bits) to both of the two samples before is greater than "
          "this and twice the recent mean (-1 = off)", -1, 64,
          DEFAULT_THRESHOLD, flags));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_double ("interval", "Interval",
          "Change detection: seconds between samples (0 = every frame)", 0.0,
          max_seconds, DEFAULT_INTERVAL, flags));

  /**
   * GstImmHighlight::trigger:
   * @element: the element
   * @pts: the event's time (a pts), or GST_CLOCK_TIME_NONE for the last
   *   frame's when the signal is emitted
   *
   * An event from the application (a button, another detector). Acted on
   * before the next frame, or at EOS.
   */
  signals[SIGNAL_TRIGGER] = g_signal_new_class_handler ("trigger",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_imm_highlight_trigger), NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_UINT64);

  gst_element_class_set_static_metadata (element_class,
      "imm-gst highlight clips", "Filter/Video",
      "Lets through one clip of frames around each event (a mark from "
      "immsnapshot, an application's trigger, or a content change) and "
      "drops the rest", "imm-gst developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_imm_highlight_change_state);
}

static void
gst_imm_highlight_init (GstImmHighlight * self)
{
  ImmClipConfig cfg;

  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_imm_highlight_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_imm_highlight_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_imm_highlight_src_event));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->pre_roll = DEFAULT_PRE_ROLL;
  self->post_roll = DEFAULT_POST_ROLL;
  self->min_gap = DEFAULT_MIN_GAP;
  self->max_bytes = DEFAULT_MAX_BYTES;
  self->threshold = DEFAULT_THRESHOLD;
  self->interval = DEFAULT_INTERVAL;

  g_mutex_init (&self->lock);
  self->triggers = g_array_new (FALSE, FALSE, sizeof (guint64));
  read_config (self, &cfg);
  self->clip = imm_clip_new (&cfg, free_buffer);
  self->detector.threshold = DEFAULT_THRESHOLD;
  imm_change_detector_reset (&self->detector);
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->gaps[0] = self->gaps[1] = GST_CLOCK_TIME_NONE;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
}
