/* imm-gst: keyframes watched at the decoders upstream of an element.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Decoded frames do not say whether they were keyframes in GStreamer 1.22
 * (avdec_h264 marks none), so the watch looks at the encoded buffers
 * entering every video decoder upstream (following every sink pad, so the
 * decoders of all sources joined by concat), remembers the keyframes'
 * timestamps, and marks each frame leaving that decoder: a keyframe's
 * frame without GST_BUFFER_FLAG_DELTA_UNIT, the others with it. Filters
 * copy the flags, so the element downstream reads them from its input,
 * whatever segment changes (concat, identity single-segment) lie between.
 * A decoder's first frame, whose keyframe may have gone in before the
 * watch began, is the watching element's business: it follows a keyframe.
 *
 * It also learns how far apart keyframes are (for the seek decision) and
 * checks where our seeks land: the first encoded buffer after the flush of
 * a seek of ours must be a keyframe, or the demuxer (tsdemux seeks by byte
 * estimate) left the decoder with frames it cannot decode right.
 *
 * After a key-unit trick-mode seek of ours (keyframe mode), the decoders
 * get keyframes only: a delta unit that still comes (a demuxer without
 * trick modes) is dropped here, as GstVideoDecoder would drop it in trick
 * mode. An H.264 decoder also gets the segment without its trick-mode
 * flags, as long as every keyframe is an IDR picture: avdec_h264 turns
 * the flags into libavcodec's skip_frame=nokey, which stops its frame
 * threads from decoding two keyframes at once (one core busy of two: 0.95
 * s against 0.62 s for the 72 keyframes of a 9-minute 720p file,
 * bench/snapshot.sh). An open GOP's I-frame needs the flags (without
 * them libavcodec outputs 2 of the 4 keyframes of an 8 s clip), so the
 * first keyframe that is not an IDR picture gets the segment with its
 * flags sent in before it, for good.
 */
#include "immkeywatch.h"

#include <gst/video/video.h>

#include "imm/imm-h264.h"

GST_DEBUG_CATEGORY_EXTERN (gst_imm_snapshot_debug);
#define GST_CAT_DEFAULT gst_imm_snapshot_debug

/* Keyframe times remembered per decoder, not yet matched to a frame. */
#define MAX_KEYS 256
/* Elements walked upstream at most, against loops. */
#define MAX_HOPS 64

/* What a decoder gets after a key-unit trick-mode seek of ours. */
typedef enum
{
  KEYS_ALL,                     /* no such seek: every buffer, as it comes */
  KEYS_ONLY_PLAIN,              /* keyframes, the segment without the flags */
  KEYS_ONLY_TRICK,              /* keyframes, the segment with the flags */
} KeysMode;

typedef struct
{
  ImmKeyWatch *watch;
  GstPad *sink;                 /* the decoder's sink pad */
  GstPad *src;                  /* and its source pad */
  gulong sink_probe;
  gulong src_probe;
  GArray *keys;                 /* GstClockTime, in arrival order */
  GstClockTime latest;          /* the last keyframe since a flush */
  gboolean has_pts;             /* its input has presentation times */
  GstVideoDecoder *vdec;        /* when it is one, else NULL */
  KeysMode keys_mode;
  guint32 keys_seqnum;          /* the seek keys_mode was set for */
  GstEvent *trick_segment;      /* KEYS_ONLY_PLAIN: the segment as it came */
  guint nal_length_size;        /* KEYS_ONLY_PLAIN: of its H.264, 0: Annex B */
  gboolean unstamped_key;       /* a keyframe without pts just went in */
  GPtrArray *held;              /* GstVideoCodecFrame: such keyframes */
} Decoder;

/* Unstamped keyframes held at most per decoder. */
#define MAX_HELD 8

struct _ImmKeyWatch
{
  GstElement *owner;            /* for debug output, not reffed */
  GMutex lock;                  /* everything below */
  GPtrArray *decoders;          /* Decoder */
  ImmSeekUpstream upstream;
  gboolean pts_duration;        /* the duration is tsdemux's or mpegpsdemux's */
  gboolean avi;                 /* avidemux upstream: frame times repaired */
  gboolean shared;              /* decoded frames feed other branches too */
  gboolean decoders_wanted;     /* watch the decoders, not only the way */
  GstClockTime latest;          /* the last keyframe entering any decoder */
  GstClockTime gap;             /* the longest keyframe distance known */
  ImmLanding landing;
  guint32 landing_seqnum;       /* the flushes of our seek carry it */
  gboolean landing_flushed;     /* its FLUSH_STOP went by */
  GstClockTime landing_target;  /* pts the seek went to */
  GstClockTime landing_from;    /* latest when it was sent */
  guint32 keys_only_seqnum;     /* our key-unit trick-mode seek's, or 0 */
};

/* called with the lock */
static void
widen_gap (ImmKeyWatch * w, GstClockTime gap)
{
  if (!GST_CLOCK_TIME_IS_VALID (w->gap) || gap > w->gap)
    w->gap = gap;
}

/* called with the lock */
static void
note_keyframe (Decoder * d, GstClockTime pts)
{
  ImmKeyWatch *w = d->watch;

  if (GST_CLOCK_TIME_IS_VALID (d->latest) && pts > d->latest)
    widen_gap (w, pts - d->latest);
  d->latest = w->latest = pts;
  if (d->keys->len >= MAX_KEYS)
    g_array_remove_index (d->keys, 0);
  g_array_append_val (d->keys, pts);
}

/* The first encoded buffer after our seek's flush; called with the lock. */
static void
note_landing (ImmKeyWatch * w, GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gboolean key = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);

  w->landing = key ? IMM_LANDING_KEYFRAME : IMM_LANDING_DELTA;
  w->landing_flushed = FALSE;
  /* Landed back on the keyframe decoded from: none lies between it and
   * the target. */
  if (key && GST_CLOCK_TIME_IS_VALID (pts)
      && GST_CLOCK_TIME_IS_VALID (w->landing_from) && pts <= w->landing_from
      && GST_CLOCK_TIME_IS_VALID (w->landing_target)
      && w->landing_target > pts)
    widen_gap (w, w->landing_target - pts + 1);
  GST_DEBUG_OBJECT (w->owner, "our seek landed on a %s at %" GST_TIME_FORMAT,
      key ? "keyframe" : "delta unit", GST_TIME_ARGS (pts));
}

/* The decoder's frame of the keyframe without pts that went in last: the
 * newest sync point it has pending without a pts, or NULL. Its output
 * buffer tells which decoded frame is a keyframe's. Called without the
 * lock: the decoder's own lock is taken, which its pushes hold. */
static GstVideoCodecFrame *
find_unstamped_key (Decoder * d)
{
  GList *frames = gst_video_decoder_get_frames (d->vdec), *l;
  GstVideoCodecFrame *newest = NULL;

  for (l = frames; l != NULL; l = l->next) {
    GstVideoCodecFrame *f = l->data;

    if (GST_VIDEO_CODEC_FRAME_IS_SYNC_POINT (f)
        && !GST_CLOCK_TIME_IS_VALID (f->pts) && (newest == NULL
            || f->system_frame_number > newest->system_frame_number))
      newest = f;
  }
  if (newest != NULL)
    gst_video_codec_frame_ref (newest);
  g_list_free_full (frames, (GDestroyNotify) gst_video_codec_frame_unref);
  return newest;
}

/* The H.264 stream format of @pad's caps: TRUE with the size of the NAL
 * unit lengths (0: start codes), FALSE when not H.264 or not known. */
static gboolean
h264_format (GstPad * pad, guint * nal_length_size)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const GstStructure *st;
  const gchar *format;
  const GValue *v;
  gboolean known = FALSE;
  GstMapInfo map;

  if (caps == NULL)
    return FALSE;
  st = gst_caps_get_structure (caps, 0);
  format = gst_structure_get_string (st, "stream-format");
  if (gst_structure_has_name (st, "video/x-h264") && format != NULL) {
    if (g_str_equal (format, "byte-stream")) {
      *nal_length_size = 0;
      known = TRUE;
    } else if ((g_str_equal (format, "avc") || g_str_equal (format, "avc3"))
        && (v = gst_structure_get_value (st, "codec_data")) != NULL
        && G_VALUE_HOLDS (v, GST_TYPE_BUFFER)
        && gst_buffer_map (gst_value_get_buffer (v), &map, GST_MAP_READ)) {
      *nal_length_size = imm_h264_avcc_nal_length_size (map.data, map.size);
      known = *nal_length_size > 0;
      gst_buffer_unmap (gst_value_get_buffer (v), &map);
    }
  }
  gst_caps_unref (caps);
  return known;
}

/* A segment entering a decoder: the one of our key-unit trick-mode seek
 * loses its trick-mode flags where that is safe (see the top of the
 * file). */
static void
on_decoder_segment (Decoder * d, GstPadProbeInfo * info)
{
  ImmKeyWatch *w = d->watch;
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  guint32 seqnum = gst_event_get_seqnum (ev);
  const GstSegment *in;
  GstSegment out;
  GstEvent *plain;
  gboolean ours, h264;
  guint nal_length_size = 0;

  gst_event_parse_segment (ev, &in);
  g_mutex_lock (&w->lock);
  ours = w->keys_only_seqnum != GST_SEQNUM_INVALID
      && seqnum == w->keys_only_seqnum
      && (in->flags & GST_SEGMENT_FLAG_TRICKMODE_KEY_UNITS);
  /* the segment sent back in before an open GOP's I-frame goes as it is */
  if (ours && d->keys_seqnum == seqnum && d->keys_mode == KEYS_ONLY_TRICK) {
    g_mutex_unlock (&w->lock);
    return;
  }
  g_mutex_unlock (&w->lock);
  /* the caps are read for our own seek's segment only */
  h264 = ours && h264_format (d->sink, &nal_length_size);
  g_mutex_lock (&w->lock);
  gst_clear_event (&d->trick_segment);
  d->keys_seqnum = seqnum;
  d->keys_mode = !ours ? KEYS_ALL : h264 ? KEYS_ONLY_PLAIN : KEYS_ONLY_TRICK;
  d->nal_length_size = nal_length_size;
  if (d->keys_mode == KEYS_ONLY_PLAIN)
    d->trick_segment = gst_event_ref (ev);
  g_mutex_unlock (&w->lock);
  if (!ours)
    return;
  GST_DEBUG_OBJECT (w->owner, "keyframes only into %" GST_PTR_FORMAT
      ", trick-mode flags %s", d->sink, h264 ? "off" : "kept");
  if (!h264)
    return;
  gst_segment_copy_into (in, &out);
  out.flags &= ~(GST_SEGMENT_FLAG_TRICKMODE |
      GST_SEGMENT_FLAG_TRICKMODE_KEY_UNITS);
  plain = gst_event_new_segment (&out);
  gst_event_set_seqnum (plain, seqnum);
  gst_event_unref (ev);
  GST_PAD_PROBE_INFO_DATA (info) = plain;
}

/* KEYS_ONLY_PLAIN: whether keyframe @buf is an IDR picture; if not, the
 * decoder gets the trick-mode segment before it, for good. Called
 * without the lock, from the streaming thread. */
static void
check_plain_keyframe (Decoder * d, GstBuffer * buf)
{
  ImmKeyWatch *w = d->watch;
  ImmH264Key kind = IMM_H264_KEY_UNKNOWN;
  GstEvent *trick = NULL;
  GstMapInfo map;

  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    kind = imm_h264_key_kind (map.data, map.size, d->nal_length_size);
    gst_buffer_unmap (buf, &map);
  }
  if (kind == IMM_H264_KEY_IDR)
    return;
  g_mutex_lock (&w->lock);
  if (d->keys_mode == KEYS_ONLY_PLAIN) {
    d->keys_mode = KEYS_ONLY_TRICK;
    trick = g_steal_pointer (&d->trick_segment);
  }
  g_mutex_unlock (&w->lock);
  if (trick == NULL)
    return;
  GST_DEBUG_OBJECT (w->owner, "keyframe at %" GST_TIME_FORMAT " is %s: "
      "trick-mode flags back on", GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
      kind == IMM_H264_KEY_NON_IDR ? "no IDR picture" : "unknown");
  /* serialized, so the decoder has them before @buf: the segment, and a
   * gap, at which a decoder in key-unit trick mode outputs the frames it
   * holds (libavcodec would drop them when skip_frame changes) */
  gst_pad_send_event (d->sink, trick);
  gst_pad_send_event (d->sink, gst_event_new_gap (GST_BUFFER_PTS (buf), 0));
}

static GstPadProbeReturn
decoder_sink_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Decoder *d = user_data;
  ImmKeyWatch *w = d->watch;
  gboolean drop = FALSE;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_BOTH) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT) {
      on_decoder_segment (d, info);
    } else if (GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP) {
      g_mutex_lock (&w->lock);
      /* keyframes before and after a flush are not neighbours, and the
       * decoder forgets the frames it held */
      d->latest = GST_CLOCK_TIME_NONE;
      g_array_set_size (d->keys, 0);
      g_ptr_array_set_size (d->held, 0);
      d->unstamped_key = FALSE;
      if (w->landing == IMM_LANDING_PENDING
          && gst_event_get_seqnum (ev) == w->landing_seqnum)
        w->landing_flushed = TRUE;
      g_mutex_unlock (&w->lock);
    }
  } else {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime pts = GST_BUFFER_PTS (buf);
    GstVideoCodecFrame *unstamped = NULL;
    gboolean look, delta, plain;

    g_mutex_lock (&w->lock);
    look = d->unstamped_key;
    d->unstamped_key = FALSE;
    g_mutex_unlock (&w->lock);
    if (look)
      unstamped = find_unstamped_key (d);

    g_mutex_lock (&w->lock);
    if (unstamped != NULL) {
      if (d->held->len >= MAX_HELD)
        g_ptr_array_remove_index (d->held, 0);
      g_ptr_array_add (d->held, unstamped);
    }
    /* rmdemux stamps only the decoding time, which the decoder keeps as
     * the frame's pts. Where some frames have a pts (MPEG-PS stamps one
     * now and then), a keyframe without one is displayed later than it is
     * decoded: better missed than the wrong frame taken. */
    if (GST_CLOCK_TIME_IS_VALID (pts))
      d->has_pts = TRUE;
    else if (!d->has_pts)
      pts = GST_BUFFER_DTS (buf);
    /* Such a keyframe (MPEG-2 in PS: an I-frame displayed after the
     * B-frames that follow it) gets its pts from the decoder: its frame
     * is looked up once the decoder has taken it in, at the next buffer. */
    if (!GST_CLOCK_TIME_IS_VALID (pts) && d->vdec != NULL
        && !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
      d->unstamped_key = TRUE;
    if (w->landing == IMM_LANDING_PENDING && w->landing_flushed)
      note_landing (w, buf);
    if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)
        && GST_CLOCK_TIME_IS_VALID (pts))
      note_keyframe (d, pts);
    delta = GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
    drop = d->keys_mode != KEYS_ALL && delta
        && !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_HEADER);
    plain = d->keys_mode == KEYS_ONLY_PLAIN;
    g_mutex_unlock (&w->lock);
    if (plain && !delta)
      check_plain_keyframe (d, buf);
  }
  return drop ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* Marks a decoded frame: a keyframe's (decoders keep the pts of their
 * input) or not. */
static GstPadProbeReturn
decoder_src_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Decoder *d = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gboolean key = FALSE;
  guint i;

  g_mutex_lock (&d->watch->lock);
  for (i = 0; i < d->held->len; i++) {
    GstVideoCodecFrame *f = g_ptr_array_index (d->held, i);

    if (f->output_buffer == buf) {
      key = TRUE;
      /* lets go of the frame's reference to the buffer too */
      g_ptr_array_remove_index (d->held, i);
      break;
    }
  }
  for (i = 0; !key && GST_CLOCK_TIME_IS_VALID (pts) && i < d->keys->len; i++) {
    if (g_array_index (d->keys, GstClockTime, i) == pts) {
      key = TRUE;
      /* frames come out in order: earlier keyframes are past */
      g_array_remove_range (d->keys, 0, i + 1);
      break;
    }
  }
  g_mutex_unlock (&d->watch->lock);

  if (key != !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
    buf = gst_buffer_make_writable (buf);
    if (key)
      GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
    else
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  }
  return GST_PAD_PROBE_OK;
}

static void
decoder_free (gpointer data)
{
  Decoder *d = data;

  gst_pad_remove_probe (d->sink, d->sink_probe);
  if (d->src != NULL) {
    gst_pad_remove_probe (d->src, d->src_probe);
    gst_object_unref (d->src);
  }
  gst_object_unref (d->sink);
  gst_clear_event (&d->trick_segment);
  g_array_free (d->keys, TRUE);
  g_ptr_array_free (d->held, TRUE);
  g_clear_object (&d->vdec);
  g_free (d);
}

ImmKeyWatch *
imm_key_watch_new (GstElement * owner)
{
  ImmKeyWatch *w = g_new0 (ImmKeyWatch, 1);

  w->owner = owner;
  g_mutex_init (&w->lock);
  w->decoders = g_ptr_array_new_with_free_func (decoder_free);
  w->upstream = IMM_SEEK_UPSTREAM_USUAL;
  w->latest = w->gap = GST_CLOCK_TIME_NONE;
  w->landing = IMM_LANDING_NONE;
  return w;
}

void
imm_key_watch_free (ImmKeyWatch * w)
{
  if (w == NULL)
    return;
  g_ptr_array_free (w->decoders, TRUE);
  g_mutex_clear (&w->lock);
  g_free (w);
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
pad_carries_raw (GstPad * pad)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gboolean raw = TRUE;

  if (caps != NULL) {
    const gchar *name = gst_structure_get_name (gst_caps_get_structure (caps,
            0));
    raw = g_str_has_prefix (name, "video/x-raw");
    gst_caps_unref (caps);
  }
  return raw;
}

static GstPad *
first_src_pad (GstElement * el)
{
  GstIterator *it = gst_element_iterate_src_pads (el);
  GValue v = G_VALUE_INIT;
  GstPad *pad = NULL;

  if (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    pad = g_value_dup_object (&v);
    g_value_unset (&v);
  }
  gst_iterator_free (it);
  return pad;
}

/* called with the lock */
static gboolean
watching (ImmKeyWatch * w, GstPad * sink)
{
  guint i;

  for (i = 0; i < w->decoders->len; i++)
    if (((Decoder *) g_ptr_array_index (w->decoders, i))->sink == sink)
      return TRUE;
  return FALSE;
}

/* called with the lock; takes @sink */
static guint
watch_decoder (ImmKeyWatch * w, GstPad * sink)
{
  Decoder *d;
  GstElement *el;

  if (watching (w, sink)) {
    gst_object_unref (sink);
    return 0;
  }
  d = g_new0 (Decoder, 1);
  d->watch = w;
  d->sink = sink;
  d->keys = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  d->latest = GST_CLOCK_TIME_NONE;
  d->held = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_video_codec_frame_unref);
  el = gst_pad_get_parent_element (sink);
  if (el != NULL) {
    d->src = first_src_pad (el);
    if (GST_IS_VIDEO_DECODER (el))
      d->vdec = GST_VIDEO_DECODER (gst_object_ref (el));
    gst_object_unref (el);
  }
  d->sink_probe = gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_FLUSH | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      decoder_sink_probe, d, NULL);
  if (d->src != NULL) {
    d->src_probe = gst_pad_add_probe (d->src, GST_PAD_PROBE_TYPE_BUFFER,
        decoder_src_probe, d, NULL);
  }
  g_ptr_array_add (w->decoders, d);
  GST_DEBUG_OBJECT (w->owner, "keyframes from %" GST_PTR_FORMAT, sink);
  return 1;
}

/* Notes what is known of the element's way of seeking; called with the
 * lock. */
static void
note_upstream_element (ImmKeyWatch * w, GstElement * el)
{
  GstElementFactory *f = gst_element_get_factory (el);

  ImmSeekUpstream u = f != NULL ?
      imm_seek_upstream_from_factory (GST_OBJECT_NAME (f)) :
      IMM_SEEK_UPSTREAM_USUAL;

  if (f != NULL && g_strcmp0 (GST_OBJECT_NAME (f), "avidemux") == 0)
    w->avi = TRUE;
  /* tsdemux and mpegpsdemux measure the duration from the timestamps,
   * unless upstream knows it (hlsdemux: the playlist's) */
  if (f != NULL && (g_strcmp0 (GST_OBJECT_NAME (f), "mpegpsdemux") == 0
          || g_strcmp0 (GST_OBJECT_NAME (f), "tsdemux") == 0)) {
    GstPad *sink = gst_element_get_static_pad (el, "sink");
    gint64 d;

    if (sink != NULL && !gst_pad_peer_query_duration (sink, GST_FORMAT_TIME,
            &d))
      w->pts_duration = TRUE;
    g_clear_object (&sink);
  }
  /* the first thing known wins; a refusing demuxer most of all */
  if (u != IMM_SEEK_UPSTREAM_USUAL && w->upstream != IMM_SEEK_UPSTREAM_REFUSES)
    w->upstream = u;
}

/* Walks upstream from @pad (taken) through every sink pad of every
 * element; the first sink pad that carries no raw video on each path is a
 * decoder's. Called with the lock. */
static guint
walk (ImmKeyWatch * w, GstPad * pad, gboolean past_decoder, guint * hops)
{
  GstElement *el;
  GstIterator *it;
  GValue v = G_VALUE_INIT;
  gboolean more = TRUE;
  guint found = 0;

  el = gst_pad_get_parent_element (pad);
  gst_object_unref (pad);
  if (el == NULL || ++(*hops) > MAX_HOPS) {
    g_clear_object (&el);
    return 0;
  }
  note_upstream_element (w, el);
  /* concat, input-selector, compositor: a seek reaches one source only,
   * and a trick mode on one changes the running time of those after */
  if (!past_decoder && el->numsinkpads > 1)
    w->upstream = IMM_SEEK_UPSTREAM_JOINED;
  /* tee: the decoded frames feed other branches, which need every one of
   * them (beyond the decoder, a demuxer's other streams do not count) */
  if (!past_decoder && el->numsrcpads > 1)
    w->shared = TRUE;
  it = gst_element_iterate_sink_pads (el);
  while (more) {
    switch (gst_iterator_next (it, &v)) {
      case GST_ITERATOR_OK:{
        GstPad *sink = g_value_dup_object (&v);
        gboolean decoder = !past_decoder && !pad_carries_raw (sink);
        GstPad *up = upstream_of (sink);

        g_value_unset (&v);
        if (decoder && w->decoders_wanted)
          found += watch_decoder (w, gst_object_ref (sink));
        gst_object_unref (sink);
        /* beyond the decoder only to learn about the demuxer */
        if (up != NULL)
          found += walk (w, up, past_decoder || decoder, hops);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        more = FALSE;
        break;
    }
  }
  gst_iterator_free (it);
  gst_object_unref (el);
  return found;
}

/**
 * imm_key_watch_attach:
 * @sink: the watching element's sink pad
 *
 * Learns the way upstream of @sink (see imm_key_watch_upstream() and
 * imm_key_watch_shared()) and, with @decoders, watches every decoder on
 * it not watched yet: call it again when the upstream may have changed (a
 * new stream from concat).
 *
 * Returns: the number of decoders newly watched.
 */
guint
imm_key_watch_attach (ImmKeyWatch * w, GstPad * sink, gboolean decoders)
{
  GstPad *up = upstream_of (sink);
  guint hops = 0, found = 0;

  if (up == NULL)
    return 0;
  g_mutex_lock (&w->lock);
  w->decoders_wanted = decoders;
  found = walk (w, up, FALSE, &hops);
  g_mutex_unlock (&w->lock);
  return found;
}

gboolean
imm_key_watch_has_decoder (ImmKeyWatch * w)
{
  gboolean any;

  g_mutex_lock (&w->lock);
  any = w->decoders->len > 0;
  g_mutex_unlock (&w->lock);
  return any;
}

ImmSeekUpstream
imm_key_watch_upstream (ImmKeyWatch * w)
{
  ImmSeekUpstream u;

  g_mutex_lock (&w->lock);
  u = w->upstream;
  g_mutex_unlock (&w->lock);
  return u;
}

/* Whether the duration is tsdemux's or mpegpsdemux's own, measured from
 * the first packet's PTS to the last frame's: see imm_schedule_pts_length()
 * and imm_schedule_frames_length(). */
gboolean
imm_key_watch_pts_duration (ImmKeyWatch * w)
{
  gboolean ps;

  g_mutex_lock (&w->lock);
  ps = w->pts_duration;
  g_mutex_unlock (&w->lock);
  return ps;
}

/* Whether avidemux is upstream: AVI has no presentation times for
 * B-frames, and the decoder's need imm_pts_repair_frame(), which needs
 * every frame (see there). */
gboolean
imm_key_watch_avi (ImmKeyWatch * w)
{
  gboolean avi;

  g_mutex_lock (&w->lock);
  avi = w->avi;
  g_mutex_unlock (&w->lock);
  return avi;
}

/* Whether the decoded frames also feed other branches (a tee between). */
gboolean
imm_key_watch_shared (ImmKeyWatch * w)
{
  gboolean shared;

  g_mutex_lock (&w->lock);
  shared = w->shared;
  g_mutex_unlock (&w->lock);
  return shared;
}

/* The last keyframe decoded and the longest keyframe distance known. */
void
imm_key_watch_distances (ImmKeyWatch * w, GstClockTime * latest,
    GstClockTime * gap)
{
  g_mutex_lock (&w->lock);
  *latest = w->latest;
  *gap = w->gap;
  g_mutex_unlock (&w->lock);
}

/* A seek of ours with @seqnum goes to @target_pts: check its landing. */
void
imm_key_watch_expect_landing (ImmKeyWatch * w, guint32 seqnum,
    GstClockTime target_pts)
{
  g_mutex_lock (&w->lock);
  if (w->decoders->len > 0) {
    w->landing = IMM_LANDING_PENDING;
    w->landing_seqnum = seqnum;
    w->landing_flushed = FALSE;
    w->landing_target = target_pts;
    w->landing_from = w->latest;
  }
  g_mutex_unlock (&w->lock);
}

/* The segment of our seek with @seqnum, a key-unit trick-mode one, goes
 * into the decoders without its trick-mode flags, and they get keyframes
 * only (see the top of the file). */
void
imm_key_watch_expect_keys_only (ImmKeyWatch * w, guint32 seqnum)
{
  g_mutex_lock (&w->lock);
  w->keys_only_seqnum = seqnum;
  g_mutex_unlock (&w->lock);
}

/* Where the last seek landed; a result is given once. */
ImmLanding
imm_key_watch_landing (ImmKeyWatch * w)
{
  ImmLanding l;

  g_mutex_lock (&w->lock);
  l = w->landing;
  if (l == IMM_LANDING_KEYFRAME || l == IMM_LANDING_DELTA)
    w->landing = IMM_LANDING_NONE;
  g_mutex_unlock (&w->lock);
  return l;
}
