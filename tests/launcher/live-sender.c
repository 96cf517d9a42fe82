/* imm-gst: a live MPEG-TS feed over UDP with scene changes at known times,
 * for the launcher's live tests and bench/live.sh.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: live-sender PORT LEAD EVERY SWITCHES [TAIL]
 *
 * Sends a live videotestsrc (320x240 I420, 25 fps, H.264 tune=zerolatency,
 * an IDR frame every second, in MPEG-TS) to udp://127.0.0.1:PORT. The
 * picture is a still pattern that switches to another one LEAD seconds
 * after the first frame and then every EVERY seconds, SWITCHES times in
 * all; TAIL seconds (default EVERY) after the last switch it stops sending
 * and exits, so the receiver sees the stream stall. Each switch is printed
 * on stdout as `switch N REALTIME_US` (g_get_real_time() when the pattern
 * was set), flushed, so a caller can measure from the switch to the file.
 */
#include <stdio.h>
#include <stdlib.h>

#include <gst/gst.h>

/* Still patterns whose dHashes differ by far more than any threshold:
 * smpte, pinwheel, checkers-8, spokes, circular. */
static const gint patterns[] = { 0, 21, 4, 22, 7 };

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline, *src;
  guint switches, done;
  gdouble every, tail;
} Sender;

static gboolean
stop (gpointer data)
{
  Sender *s = data;

  g_main_loop_quit (s->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
switch_pattern (gpointer data)
{
  Sender *s = data;

  s->done++;
  g_object_set (s->src, "pattern", patterns[s->done % G_N_ELEMENTS (patterns)],
      NULL);
  printf ("switch %u %" G_GINT64_FORMAT "\n", s->done, g_get_real_time ());
  fflush (stdout);
  if (s->done < s->switches)
    return G_SOURCE_CONTINUE;
  g_timeout_add ((guint) (s->tail * 1000), stop, s);
  return G_SOURCE_REMOVE;
}

static gboolean
start_switching (gpointer data)
{
  Sender *s = data;

  if (s->switches == 0) {
    g_timeout_add ((guint) (s->tail * 1000), stop, s);
    return G_SOURCE_REMOVE;
  }
  switch_pattern (s);
  if (s->done < s->switches)
    g_timeout_add ((guint) (s->every * 1000), switch_pattern, s);
  return G_SOURCE_REMOVE;
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  Sender *s = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fprintf (stderr, "live-sender: %s\n", err->message);
    g_error_free (err);
    exit (1);
  }
  (void) s;
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  Sender s = { 0 };
  gdouble lead;
  gchar *desc;
  GstBus *bus;

  gst_init (&argc, &argv);
  if (argc < 5) {
    fprintf (stderr, "usage: live-sender PORT LEAD EVERY SWITCHES [TAIL]\n");
    return 2;
  }
  lead = g_ascii_strtod (argv[2], NULL);
  s.every = g_ascii_strtod (argv[3], NULL);
  s.switches = atoi (argv[4]);
  s.tail = argc > 5 ? g_ascii_strtod (argv[5], NULL) : s.every;
  desc = g_strdup_printf ("videotestsrc name=src is-live=true pattern=0 ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=25/1 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! "
      "mpegtsmux ! udpsink host=127.0.0.1 port=%s sync=true", argv[1]);
  s.pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  if (s.pipeline == NULL)
    return 1;
  s.src = gst_bin_get_by_name (GST_BIN (s.pipeline), "src");
  s.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (s.pipeline);
  gst_bus_add_watch (bus, on_bus, &s);
  gst_element_set_state (s.pipeline, GST_STATE_PLAYING);
  g_timeout_add ((guint) (lead * 1000), start_switching, &s);
  g_main_loop_run (s.loop);
  gst_element_set_state (s.pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (s.src);
  gst_object_unref (s.pipeline);
  g_main_loop_unref (s.loop);
  return 0;
}
