/* imm-convert: running one planned pipeline.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Builds the pipeline from the plan's gst-launch-1.0 arguments (exactly
 * what --print-pipeline prints), plays it to its end while watching the
 * bus, draws the progress line and stops a pipeline that no longer moves.
 */
#include <stdio.h>
#include <string.h>

#include <gst/video/video.h>

#include "imm-task-private.h"

/* No new position and no message for this long: the pipeline is stuck. */
#define STALL_TIMEOUT_US (120 * G_USEC_PER_SEC)
/* --stall-timeout's default: a live source sending nothing for this long. */
#define LIVE_STALL_TIMEOUT 30.0
/* An EOS sent to end a run must reach every sink within this. */
#define DRAIN_TIMEOUT_US (15 * G_USEC_PER_SEC)

typedef enum
{
  /* Playing; the bus decides what happens next. */
  RUN_PLAYING,
  /* An EOS was sent into the pipeline (SIGINT or the Source Duration on a
   * live source, every highlight's Number reached); the sinks finish
   * their files on it. */
  RUN_DRAINING,
  /* EOS reached: every output of the pipeline is complete. */
  RUN_ENDED,
  /* Failed; the task holds the cause. */
  RUN_FAILED,
  /* The HTTP server refused a seek: the caller reruns without seeking. */
  RUN_SEEK_REFUSED,
} RunState;

/* What a decoder's warning means. */
typedef enum
{
  /* Every decoder warning is a broken decode: the task fails. */
  DECODE_STRICT,
  /* An immsnapshot said it stopped seeking and decodes on from where it
   * is; decoder warnings about the frames around the abandoned seek are
   * expected and noted only. */
  DECODE_FELL_BACK,
  /* Every capture had ended when a decoder failed on a frame after them
   * (see captures_done()): its errors, and the flow errors the elements
   * before it post for it ("Internal data stream error"), are noted
   * only. */
  DECODE_AFTER_CAPTURES,
} DecodeState;

/* One pipeline's run. */
typedef struct
{
  Task *t;
  const ImmPlanPipeline *pp;
  GstElement *pipeline;
  RunState state;
  gboolean may_refuse_seek;     /* a refused seek is a rerun, not a failure */
  GHashTable *snapshot_outputs; /* immsnapshot name -> output index + 1 */
  GHashTable *snapshots_done;   /* names of those that posted immsnapshot-done */
  GString *missing;             /* missing plugins posted so far */
  DecodeState decode;
  gint64 drain_started_us;      /* when RUN_DRAINING began */
  /* live: monotonic times of the first and the last decoded frame, the
   * first frame's pts, and whether a frame reached the Source Duration;
   * set from the streaming thread */
  GMutex lock;
  gint64 first_frame_us, last_frame_us;
  GstClockTime first_pts;
  gboolean past_duration;
  gint branches_done;           /* live branches whose output ended */
  gint sinks, sinks_ended;      /* live: sinks, and those that got EOS */
} Run;

/* Where decoding has got to: asked upstream of the first immsnapshot (the
 * demuxer answers), since sinks of outputs that only write at the end know
 * nothing yet. */
static gint64
decode_position (GstElement * pipeline, const ImmPlanPipeline * pp)
{
  gint64 pos = -1;
  gchar *name = imm_plan_snapshot_name (g_array_index (pp->outputs, guint,
          0));
  GstElement *snap = gst_bin_get_by_name (GST_BIN (pipeline), name);

  g_free (name);
  if (snap != NULL) {
    GstPad *pad = gst_element_get_static_pad (snap, "sink");

    if (!gst_pad_peer_query_position (pad, GST_FORMAT_TIME, &pos))
      pos = -1;
    gst_object_unref (pad);
    gst_object_unref (snap);
  }
  if (pos < 0 && !gst_element_query_position (pipeline, GST_FORMAT_TIME, &pos))
    pos = -1;
  return pos;
}

/* One line for the whole task, redrawn: percent of the source range
 * (each pipeline goes over it once, so the pipelines done count whole),
 * frames taken, elapsed time. @final ends the line (at 100 % when @ok). */
void
pipeline_show_progress (Task * t, gint64 pos, gboolean final, gboolean ok)
{
  gdouble frac = 0, done;
  gint i, width = 30;
  GString *bar;

  if (!t->opts.progress || t->n_pipelines == 0)
    return;
  if (final && ok) {
    frac = 1;
  } else {
    done = t->pipeline;
    if (t->range > 0 && pos >= 0)
      done += MIN (1.0, (gdouble) pos / t->range);
    frac = MIN (1.0, done / t->n_pipelines);
  }
  bar = g_string_new ("\r[");
  for (i = 0; i < width; i++)
    g_string_append_c (bar, i < frac * width ? '#' : '.');
  g_string_append_printf (bar, "] %3d%%  %u frames  %.1f s ",
      (gint) (frac * 100), t->frames_seen,
      (g_get_monotonic_time () - t->started_us) / 1e6);
  fputs (bar->str, stderr);
  t->progress_shown = !final;
  if (final)
    fputc ('\n', stderr);
  fflush (stderr);
  g_string_free (bar, TRUE);
}

static GstPadProbeReturn
joined_duration_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  Task *t = data;
  GstFormat format;

  if (GST_QUERY_TYPE (query) != GST_QUERY_DURATION)
    return GST_PAD_PROBE_OK;
  gst_query_parse_duration (query, &format, NULL);
  if (format != GST_FORMAT_TIME)
    return GST_PAD_PROBE_OK;
  gst_query_set_duration (query, GST_FORMAT_TIME, t->range);
  return GST_PAD_PROBE_HANDLED;
}

/* Looks up the immsnapshot of every output of the pipeline: its element
 * messages count the output's frames, and with several sources it gets
 * the joined duration. immsnapshot ends its range at the duration it
 * queries upstream, and concat answers with the duration of the source
 * playing, not of the joined sources. The launcher answers for it; a
 * pasted --print-pipeline line of several sources stops at the end of the
 * first (README). */
static void
find_snapshots (Run * r)
{
  Task *t = r->t;
  gboolean joined = t->req->sources->len > 1 && t->range > 0;
  guint i;

  for (i = 0; i < r->pp->outputs->len; i++) {
    guint o = g_array_index (r->pp->outputs, guint, i);
    gchar *name = imm_plan_snapshot_name (o);
    GstElement *snap = gst_bin_get_by_name (GST_BIN (r->pipeline), name);

    if (snap != NULL && joined) {
      GstPad *pad = gst_element_get_static_pad (snap, "sink");

      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
          joined_duration_probe, t, NULL);
      gst_object_unref (pad);
    }
    if (snap != NULL)
      gst_object_unref (snap);
    g_hash_table_insert (r->snapshot_outputs, name, GUINT_TO_POINTER (o + 1));
  }
}

/* The output @element works for, found by following its source pad down
 * to the output's sink; -1 for elements shared by several outputs (before
 * a tee) or not leading to an output's sink. */
static gint
output_of_element (Run * r, GstElement * element)
{
  GstElement *e = gst_object_ref (element);
  gint hops, output = -1;

  for (hops = 0; hops < 32 && e != NULL; hops++) {
    GObjectClass *klass = G_OBJECT_GET_CLASS (e);
    GParamSpec *pspec = g_object_class_find_property (klass, "location");
    GstPad *src, *peer;
    GstElement *next = NULL;

    if (GST_OBJECT_FLAG_IS_SET (e, GST_ELEMENT_FLAG_SINK)) {
      if (pspec != NULL && pspec->value_type == G_TYPE_STRING) {
        gchar *location = NULL;

        g_object_get (e, "location", &location, NULL);
        output = staging_output_of_sink (r->t, location);
        g_free (location);
      }
      break;
    }
    if (e->numsrcpads != 1)
      break;
    GST_OBJECT_LOCK (e);
    src = gst_object_ref (e->srcpads->data);
    GST_OBJECT_UNLOCK (e);
    peer = gst_pad_get_peer (src);
    gst_object_unref (src);
    if (peer != NULL) {
      next = gst_pad_get_parent_element (peer);
      gst_object_unref (peer);
    }
    gst_object_unref (e);
    e = next;
  }
  if (e != NULL)
    gst_object_unref (e);
  return output;
}

static gboolean
is_element_of (GstObject * obj, const gchar * factory_name)
{
  GstElementFactory *f;

  if (!GST_IS_ELEMENT (obj))
    return FALSE;
  f = gst_element_get_factory (GST_ELEMENT (obj));
  return f != NULL && strcmp (GST_OBJECT_NAME (f), factory_name) == 0;
}

static gboolean
is_decoder (GstObject * obj)
{
  GstElementFactory *f;

  if (!GST_IS_ELEMENT (obj))
    return FALSE;
  f = gst_element_get_factory (GST_ELEMENT (obj));
  return f != NULL && gst_element_factory_list_is_type (f,
      GST_ELEMENT_FACTORY_TYPE_DECODER);
}

static GQuark
last_time_quark (void)
{
  return g_quark_from_static_string ("imm-convert-last-time");
}

/* Keeps the time of the last buffer a decoder got on its pad (called from
 * the streaming thread; read after the decoder posted its error). */
static GstPadProbeReturn
remember_time (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) :
      GST_BUFFER_DTS (buf);

  if (GST_CLOCK_TIME_IS_VALID (ts))
    g_object_set_qdata (G_OBJECT (pad), last_time_quark (),
        GSIZE_TO_POINTER ((gsize) (ts / GST_MSECOND) + 1));
  return GST_PAD_PROBE_OK;
}

/* The stream time of the frame @decoder was given last, or -1. */
static gint64
decoder_stream_time (GstElement * decoder)
{
  GstPad *pad = gst_element_get_static_pad (decoder, "sink");
  GstEvent *ev;
  gsize ms;
  gint64 t = -1;

  if (pad == NULL)
    return -1;
  ms = GPOINTER_TO_SIZE (g_object_get_qdata (G_OBJECT (pad),
          last_time_quark ()));
  ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (ms > 0 && ev != NULL) {
    const GstSegment *seg;
    guint64 st;

    gst_event_parse_segment (ev, &seg);
    st = gst_segment_to_stream_time (seg, GST_FORMAT_TIME,
        (ms - 1) * GST_MSECOND);
    if (GST_CLOCK_TIME_IS_VALID (st))
      t = (gint64) st;
  }
  if (ev != NULL)
    gst_event_unref (ev);
  gst_object_unref (pad);
  return t;
}

/* Video decoders drop a frame they cannot decode with only a QoS message
 * (the same as a frame skipped on purpose) unless told how many errors to
 * allow: a broken decode must fail the task, not leave a frame out
 * silently. (Through the base class: jpegdec shadows its max-errors
 * property with a deprecated one that does nothing.) */
static void
on_element_added (GstBin * bin, GstBin * sub, GstElement * element,
    gpointer data)
{
  GstPad *pad;

  if (!GST_IS_VIDEO_DECODER (element))
    return;
  gst_video_decoder_set_max_errors (GST_VIDEO_DECODER (element), 0);
  /* the time of the frame that failed, for the message */
  pad = gst_element_get_static_pad (element, "sink");
  if (pad != NULL) {
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, remember_time, NULL,
        NULL);
    gst_object_unref (pad);
  }
}

/* The request's source @obj decodes: the uridecodebin it is in. */
static gint
source_of (Run * r, GstObject * obj)
{
  GstObject *o = gst_object_ref (obj);
  gint source = -1;

  while (o != NULL && source < 0) {
    GstObject *parent = gst_object_get_parent (o);

    if (is_element_of (o, "uridecodebin")) {
      gchar *uri = NULL;
      guint i;

      g_object_get (o, "uri", &uri, NULL);
      for (i = 0; r->t->source_uris[i] != NULL && source < 0; i++)
        if (g_strcmp0 (uri, r->t->source_uris[i]) == 0)
          source = (gint) i;
      g_free (uri);
    }
    gst_object_unref (o);
    o = parent;
  }
  if (o != NULL)
    gst_object_unref (o);
  /* one source, or a cover picture: no uridecodebin needed to tell */
  if (source < 0 && r->t->req->sources->len == 1)
    source = 0;
  return source;
}

/* Whether every output's immsnapshot has taken all its frames. A decoder
 * can still see frames after that: when immsnapshot ends the stream, the
 * decodebin's multiqueue drops the frames it holds (its "EOS drop") and
 * can push one more that the demuxer sends before it learns of the end;
 * the decoder decodes it without the frames dropped before it (VP9:
 * "corrupt frame", "unsupported bitstream"; 15 of 450 WebM/VP9 seeks
 * with three at once on 2 cores). Such an error is about a frame nobody
 * takes. Both messages come from the same streaming thread, so the bus
 * has immsnapshot-done first. */
static gboolean
captures_done (Run * r)
{
  guint n = g_hash_table_size (r->snapshot_outputs);

  return n > 0 && g_hash_table_size (r->snapshots_done) == n;
}

/* A decoder's error or warning: DecodeError naming the source and the
 * stream time the decoder had reached. */
static void
fail_decode (Run * r, GstObject * decoder, GError * err)
{
  gint i = source_of (r, decoder);
  const ImmSource *src = i >= 0 ? g_ptr_array_index (r->t->req->sources, i) :
      NULL;
  gint64 pos = -1;
  gchar *at;

  pos = decoder_stream_time (GST_ELEMENT (decoder));
  if (pos < 0 && !gst_element_query_position (GST_ELEMENT (decoder),
          GST_FORMAT_TIME, &pos))
    pos = -1;
  at = pos >= 0 ? g_strdup_printf ("at %.3f s", (gdouble) pos / GST_SECOND) :
      g_strdup ("at an unknown time");
  if (src != NULL)
    task_fail (r->t, IMM_CODE_DECODE_ERROR, "Sources[%d].URI: cannot decode "
        "'%s' %s (%s): %s", i, src->uri, at, GST_OBJECT_NAME (decoder),
        err->message);
  else
    task_fail (r->t, IMM_CODE_DECODE_ERROR, "cannot decode the sources %s "
        "(%s): %s", at, GST_OBJECT_NAME (decoder), err->message);
  g_free (at);
  r->state = RUN_FAILED;
}

static void
on_warning (Run * r, GstMessage * msg)
{
  GstObject *src = GST_MESSAGE_SRC (msg);
  GError *err = NULL;
  gchar *debug = NULL;

  gst_message_parse_warning (msg, &err, &debug);
  note (r->t, "warning from %s: %s (%s)", GST_OBJECT_NAME (src),
      err->message, debug ? debug : "");
  if (is_element_of (src, "immsnapshot"))
    r->decode = DECODE_FELL_BACK;
  else if (is_decoder (src) && r->decode == DECODE_STRICT && !captures_done (r))
    fail_decode (r, src, err);
  g_clear_error (&err);
  g_free (debug);
}

/* An error posted while running. A sink that could not write (a full
 * disk, a read-only folder) is named by the output file as the request
 * has it, not by the temporary file. An animation encoder that got no
 * frame fails the way a snapshot output without a file does, naming the
 * request's entry. */
static void
on_error (Run * r, GstMessage * msg)
{
  Task *t = r->t;
  GError *err = NULL;
  gchar *debug = NULL;
  GstObject *src = GST_MESSAGE_SRC (msg);
  gint o = GST_IS_ELEMENT (src) ? output_of_element (r, GST_ELEMENT (src)) : -1;
  ImmResultCode code;

  gst_message_parse_error (msg, &err, &debug);
  note (t, "error from %s: %s (%s)", GST_OBJECT_NAME (src), err->message,
      debug ? debug : "");
  if (is_decoder (src) && captures_done (r))
    r->decode = DECODE_AFTER_CAPTURES;
  if (r->decode == DECODE_AFTER_CAPTURES && (is_decoder (src)
          || g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED))) {
    /* the frames taken are out: the pipeline ends at their EOS */
    note (t, "ignored: every capture had ended");
    g_clear_error (&err);
    g_free (debug);
    return;
  }
  r->state = RUN_FAILED;
  code = r->missing->len ? IMM_CODE_INVALID_FILE :
      imm_result_code_from_error (err, IMM_CODE_INTERNAL);
  if (r->may_refuse_seek && err->domain == GST_RESOURCE_ERROR
      && err->code == GST_RESOURCE_ERROR_SEEK) {
    r->state = RUN_SEEK_REFUSED;
  } else if (is_decoder (src)) {
    fail_decode (r, src, err);
  } else if (o >= 0 && is_element_of (src, "immanimenc")
      && t->results[o].frames == 0) {
    staging_fail_no_frame (t, g_ptr_array_index (t->req->outputs, o));
  } else if (o >= 0 && err->domain == GST_RESOURCE_ERROR
      && GST_OBJECT_FLAG_IS_SET (src, GST_ELEMENT_FLAG_SINK)) {
    const ImmOutput *out = g_ptr_array_index (t->req->outputs, o);
    gint index = 1;
    gchar *uri = NULL, *path = NULL;

    /* multifilesink counts a file once it is written: the one failing */
    if (!out->animation && g_object_class_find_property
        (G_OBJECT_GET_CLASS (src), "index"))
      g_object_get (src, "index", &index, NULL);
    if (staging_output_uri (t, o, MAX (index, 1), &uri, &path))
      task_fail (t, imm_result_code_from_error (err, IMM_CODE_INTERNAL),
          "%s.URI: cannot write '%s': %s", out->path, uri, err->message);
    g_free (uri);
    g_free (path);
  } else {
    task_fail (t, code, "%s%s%s", err->message,
        r->missing->len ? "; missing GStreamer plugin: " : "", r->missing->str);
  }
  g_clear_error (&err);
  g_free (debug);
}

/* Ends the run at the next EOS: the sources send it, every sink finishes
 * what it holds. */
static void
drain (Run * r, const gchar * why)
{
  GstElement *tee;

  if (r->state != RUN_PLAYING)
    return;
  note (r->t, "ending the stream: %s", why);
  r->state = RUN_DRAINING;
  r->drain_started_us = g_get_monotonic_time ();
  /* A live plan's tee (build_live) gets the EOS straight on its sink pad:
   * udpsrc 1.22 loses an EOS sent to it while it waits for data (the run
   * waited DRAIN_TIMEOUT_US every time), and a live source may never send
   * again. A serialized event takes the pad's stream lock, so this waits
   * for the frame being pushed, if any; frames after it are refused. */
  tee = r->t->live ? gst_bin_get_by_name (GST_BIN (r->pipeline), "t") : NULL;
  if (tee != NULL) {
    GstPad *pad = gst_element_get_static_pad (tee, "sink");

    gst_pad_send_event (pad, gst_event_new_eos ());
    gst_object_unref (pad);
    gst_object_unref (tee);
  } else {
    gst_element_send_event (r->pipeline, gst_event_new_eos ());
  }
}

/* Whether every output of the pipeline is a highlight whose Number of
 * clips is written: nothing more is wanted from the source. */
static gboolean
highlights_done (Run * r)
{
  guint i;

  for (i = 0; i < r->pp->outputs->len; i++) {
    guint o = g_array_index (r->pp->outputs, guint, i);
    const ImmOutput *out = g_ptr_array_index (r->t->req->outputs, o);

    if (!out->highlight || out->number == 0
        || r->t->results[o].files->len < out->number)
      return FALSE;
  }
  return TRUE;
}

static void
on_element (Run * r, GstMessage * msg)
{
  Task *t = r->t;
  const GstStructure *s = gst_message_get_structure (msg);
  GstObject *src = GST_MESSAGE_SRC (msg);
  guint o, frames;
  gint i, index;

  if (gst_is_missing_plugin_message (msg)) {
    gchar *d = gst_missing_plugin_message_get_description (msg);

    if (r->missing->len)
      g_string_append (r->missing, ", ");
    g_string_append (r->missing, d);
    g_free (d);
  } else if (gst_structure_has_name (s, "immsnapshot")
      && (o = GPOINTER_TO_UINT (g_hash_table_lookup (r->snapshot_outputs,
                  GST_OBJECT_NAME (src)))) > 0) {
    t->results[o - 1].frames++;
    t->frames_seen++;
  } else if (gst_structure_has_name (s, "immsnapshot-done")
      && g_hash_table_contains (r->snapshot_outputs, GST_OBJECT_NAME (src))) {
    g_hash_table_add (r->snapshots_done, g_strdup (GST_OBJECT_NAME (src)));
  } else if (gst_structure_has_name (s, "GstMultiFileSink")
      && gst_structure_get_int (s, "index", &index)
      && GST_IS_ELEMENT (src)
      && (i = output_of_element (r, GST_ELEMENT (src))) >= 0) {
    /* multifilesink says so only where each file is committed at once
     * (live sources, highlights) */
    if (!staging_commit_file (t, i, index))
      r->state = RUN_FAILED;
    else if (highlights_done (r))
      drain (r, "every highlight's Number was reached");
  } else if (gst_structure_has_name (s, "immanimenc")
      && gst_structure_get_uint (s, "frames", &frames)
      && GST_IS_ELEMENT (src)
      && (i = output_of_element (r, GST_ELEMENT (src))) >= 0
      && !((const ImmOutput *) g_ptr_array_index (t->req->outputs,
              i))->highlight) {
    /* An animation's FrameCount is the frames in the file it wrote:
     * immanimenc merges identical frames and ones shown too briefly, so
     * this can be fewer than immsnapshot took. Without the message (an
     * older immanimenc) the frames taken stay the count. */
    t->frames_seen -= MIN (t->frames_seen, t->results[i].frames);
    t->results[i].frames = frames;
    t->frames_seen += frames;
  }
}

/* Nothing on the bus for a while: redraw the progress line, and give up
 * on a pipeline whose position has not moved for too long. */
static void
on_idle_live (Run * r)
{
  Task *t = r->t;
  const ImmSource *src = g_ptr_array_index (t->req->sources, 0);
  gdouble stall = t->opts.stall_timeout > 0 ? t->opts.stall_timeout :
      LIVE_STALL_TIMEOUT;
  gint64 now = g_get_monotonic_time (), last;
  gboolean past;

  g_mutex_lock (&r->lock);
  last = r->last_frame_us;
  past = r->past_duration;
  g_mutex_unlock (&r->lock);
  pipeline_show_progress (t, -1, FALSE, TRUE);
  if (r->state == RUN_DRAINING) {
    /* GstBin 1.22 may never post EOS when every sink is async=false (see
     * build_shared() in the plan): the sinks tell it themselves */
    if (g_atomic_int_get (&r->sinks_ended) >= r->sinks) {
      r->state = RUN_ENDED;
      return;
    }
    /* a sink that never sees the EOS (a branch that ended before) must
     * not hold the task: what was written is committed */
    if (now - r->drain_started_us > DRAIN_TIMEOUT_US) {
      note (t, "the stream did not end within %d s; ending anyway",
          (gint) (DRAIN_TIMEOUT_US / G_USEC_PER_SEC));
      r->state = RUN_ENDED;
    }
    return;
  }
  if (now - (last > 0 ? last : t->started_us) > stall * G_USEC_PER_SEC) {
    task_fail (t, IMM_CODE_INTERNAL, "Sources[0].URI: the live stream '%s' "
        "sent no frame for %g s (--stall-timeout); the %u files written "
        "before are kept", src->uri, stall, staging_committed (t));
    r->state = RUN_FAILED;
  } else if (past) {
    drain (r, "Sources[0].Duration passed");
  } else if ((guint) g_atomic_int_get (&r->branches_done) ==
      r->pp->outputs->len) {
    drain (r, "every output is complete");
  }
}

/* Live: the time of each frame decoded, for the stall watch; frames from
 * the Source Duration on (counted from the first frame's pts) go no
 * further, so every output ends on the same frame, and the run loop ends
 * the stream. Called from the streaming thread. */
static GstPadProbeReturn
on_live_frame (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Run *r = data;
  const ImmSource *src = g_ptr_array_index (r->t->req->sources, 0);
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gboolean drop = FALSE;

  g_mutex_lock (&r->lock);
  r->last_frame_us = g_get_monotonic_time ();
  if (r->first_frame_us == 0)
    r->first_frame_us = r->last_frame_us;
  if (!GST_CLOCK_TIME_IS_VALID (r->first_pts))
    r->first_pts = pts;
  if (src->duration > 0 && GST_CLOCK_TIME_IS_VALID (pts)
      && GST_CLOCK_TIME_IS_VALID (r->first_pts) && pts >= r->first_pts
      && pts - r->first_pts >= (GstClockTime) (src->duration * GST_SECOND))
    r->past_duration = TRUE;
  drop = r->past_duration;
  g_mutex_unlock (&r->lock);
  return drop ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* One branch of a live pipeline's tee: the queue it starts with and the
 * element of its output that ends it (immsnapshot or immhighlight). */
typedef struct
{
  Run *r;
  GstPad *queue_src;
  GstElement *output;
  gboolean done;                /* streaming thread of the tee only */
} Branch;

static void
branch_free (gpointer data)
{
  Branch *b = data;

  gst_object_unref (b->queue_src);
  gst_object_unref (b->output);
  g_free (b);
}

/* tee stops feeding every branch once one of them returns EOS, and an
 * output that is complete (a Number reached) returns EOS: such a branch
 * is closed here instead, its frames dropped (returning OK to the tee) and
 * an EOS sent down it so that its encoder finishes the file. Called from
 * the tee's streaming thread, before the buffer enters the branch's
 * queue. */
static GstPadProbeReturn
on_branch_frame (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Branch *b = data;
  GstPad *out_src;

  if (b->done)
    return GST_PAD_PROBE_DROP;
  if (gst_pad_get_last_flow_return (b->queue_src) != GST_FLOW_EOS)
    return GST_PAD_PROBE_OK;
  b->done = TRUE;
  /* the queue's thread has stopped: nothing else pushes there now */
  out_src = gst_element_get_static_pad (b->output, "src");
  if (out_src != NULL) {
    gst_pad_push_event (out_src, gst_event_new_eos ());
    gst_object_unref (out_src);
  }
  g_atomic_int_inc (&b->r->branches_done);
  return GST_PAD_PROBE_DROP;
}

static void
watch_live_branches (Run * r)
{
  guint i;

  for (i = 0; i < r->pp->outputs->len; i++) {
    gchar *name = imm_plan_snapshot_name (g_array_index (r->pp->outputs,
            guint, i));
    GstElement *output = gst_bin_get_by_name (GST_BIN (r->pipeline), name);
    GstPad *in, *queue_sink;
    GstElement *queue = NULL;

    g_free (name);
    if (output == NULL)
      continue;
    /* the queue right before it, or before the immsnapshot that samples
     * a highlight's frames */
    in = gst_element_get_static_pad (output, "sink");
    while (in != NULL) {
      GstPad *peer = gst_pad_get_peer (in);
      GstElement *up = peer ? gst_pad_get_parent_element (peer) : NULL;

      gst_object_unref (in);
      in = NULL;
      if (peer != NULL)
        gst_object_unref (peer);
      if (up == NULL)
        break;
      if (GST_IS_ELEMENT (up) && g_str_has_prefix (GST_OBJECT_NAME (up),
              "queue")) {
        queue = up;
        break;
      }
      in = gst_element_get_static_pad (up, "sink");
      gst_object_unref (up);
    }
    if (queue != NULL) {
      Branch *b = g_new0 (Branch, 1);

      b->r = r;
      b->queue_src = gst_element_get_static_pad (queue, "src");
      b->output = gst_object_ref (output);
      queue_sink = gst_element_get_static_pad (queue, "sink");
      gst_pad_add_probe (queue_sink, GST_PAD_PROBE_TYPE_BUFFER,
          on_branch_frame, b, branch_free);
      gst_object_unref (queue_sink);
      gst_object_unref (queue);
    }
    gst_object_unref (output);
  }
}

static GstPadProbeReturn
on_sink_event (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Run *r = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_inc (&r->sinks_ended);
  return GST_PAD_PROBE_OK;
}

/* Counts the sinks that got EOS (in the sink's streaming thread, before
 * the sink handles it: a file sink writes synchronously, and the files
 * are committed only after the pipeline is stopped). */
static void
watch_live_sinks (Run * r)
{
  GstIterator *it = gst_bin_iterate_sinks (GST_BIN (r->pipeline));
  GValue v = G_VALUE_INIT;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *sink = g_value_get_object (&v);
    GstPad *pad = gst_element_get_static_pad (sink, "sink");

    if (pad != NULL) {
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
          on_sink_event, r, NULL);
      gst_object_unref (pad);
      r->sinks++;
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
}

static void
watch_live_frames (Run * r)
{
  /* the plan's tee after the decoder (build_live) */
  GstElement *tee = gst_bin_get_by_name (GST_BIN (r->pipeline), "t");
  GstPad *pad;

  if (tee == NULL)
    return;
  pad = gst_element_get_static_pad (tee, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_live_frame, r, NULL);
  gst_object_unref (pad);
  gst_object_unref (tee);
}

static void
on_idle (Run * r, gint64 * last_pos, gint64 * last_change)
{
  gint64 now = g_get_monotonic_time ();
  gint64 pos;

  if (r->t->live) {
    on_idle_live (r);
    return;
  }
  pos = decode_position (r->pipeline, r->pp);

  pipeline_show_progress (r->t, pos, FALSE, TRUE);
  /* A deadlocked or starved pipeline never ends by itself. */
  if (pos != *last_pos) {
    *last_pos = pos;
    *last_change = now;
  }
  if (now - *last_change > STALL_TIMEOUT_US) {
    task_fail (r->t, IMM_CODE_INTERNAL, "the pipeline made no progress for "
        "%d s", (gint) (STALL_TIMEOUT_US / G_USEC_PER_SEC));
    r->state = RUN_FAILED;
  }
}

/**
 * pipeline_run:
 * @seek_refused: (nullable): with it, a seek the server refused
 *   (souphttpsrc: "Server does not support seeking") does not fail the
 *   task but sets *@seek_refused, for a rerun without seeks
 *
 * Runs one planned pipeline to its end.
 */
gboolean
pipeline_run (Task * t, const ImmPlanPipeline * pp, gboolean * seek_refused)
{
  Run r = { 0 };
  GError *err = NULL;
  GstBus *bus;
  gboolean start_failed;
  gint64 last_change = g_get_monotonic_time (), last_pos = -1;

  r.t = t;
  r.pp = pp;
  r.state = RUN_PLAYING;
  r.may_refuse_seek = seek_refused != NULL;
  r.decode = DECODE_STRICT;
  r.first_pts = GST_CLOCK_TIME_NONE;

  if (t->opts.verbosity >= 2) {
    gchar *line = imm_plan_pipeline_to_shell (pp);

    note (t, "running %s", line);
    g_free (line);
  }
  r.pipeline = gst_parse_launchv_full ((const gchar **) pp->argv, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (r.pipeline == NULL) {
    task_fail (t, IMM_CODE_INTERNAL, "cannot build the pipeline (%s); are "
        "the imm plugin and gst-plugins-base/good/bad installed?",
        err->message);
    g_error_free (err);
    return FALSE;
  }
  r.snapshot_outputs = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  r.snapshots_done = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  r.missing = g_string_new (NULL);
  g_mutex_init (&r.lock);
  find_snapshots (&r);
  if (t->live) {
    watch_live_frames (&r);
    watch_live_branches (&r);
    watch_live_sinks (&r);
  }
  g_signal_connect (r.pipeline, "deep-element-added",
      G_CALLBACK (on_element_added), NULL);
  bus = gst_element_get_bus (r.pipeline);
  /* On failure the error message on the bus says why; without one, the
   * first empty poll ends the run. */
  start_failed = gst_element_set_state (r.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE;
  while (r.state == RUN_PLAYING || r.state == RUN_DRAINING) {
    GstMessage *msg = gst_bus_timed_pop (bus, 100 * GST_MSECOND);

    if (task_interrupted () && t->live) {
      /* a live stream has no end of its own: this is it */
      drain (&r, "interrupted");
      if (msg == NULL)
        on_idle (&r, &last_pos, &last_change);
    } else if (task_interrupted ()) {
      task_fail (t, IMM_CODE_INTERNAL, "interrupted");
      r.state = RUN_FAILED;
    } else if (msg == NULL && start_failed) {
      task_fail (t, IMM_CODE_INTERNAL, "the pipeline could not be started");
      r.state = RUN_FAILED;
    } else if (msg == NULL) {
      on_idle (&r, &last_pos, &last_change);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      r.state = RUN_ENDED;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      on_error (&r, msg);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      on_warning (&r, msg);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT) {
      on_element (&r, msg);
    }
    if (msg != NULL)
      gst_message_unref (msg);
  }
  gst_element_set_state (r.pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (r.pipeline);
  g_hash_table_unref (r.snapshot_outputs);
  g_hash_table_unref (r.snapshots_done);
  g_string_free (r.missing, TRUE);
  g_mutex_clear (&r.lock);
  if (seek_refused)
    *seek_refused = r.state == RUN_SEEK_REFUSED;
  return r.state == RUN_ENDED;
}
