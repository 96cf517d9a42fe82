/* imm-convert on a live source: a UDP MPEG-TS feed on 127.0.0.1 from
 * live-sender (a live videotestsrc switching still patterns at known
 * times, x264enc tune=zerolatency, mpegtsmux, udpsink). Snapshots and
 * highlight clips are on disk while the stream runs, the task ends on
 * SIGINT as Succeeded with one clip per switch, a stalled stream ends it
 * with an error keeping what was written, and what a live source cannot do
 * is refused naming the field. Every wait is bounded.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <gif_lib.h>

#ifdef HAVE_RTSP_SERVER
#include <gst/rtsp-server/rtsp-server.h>
#endif

#include "../common/remove-tree.h"

typedef struct
{
  GPid pid;
  gchar *out_file;
  gint status;                  /* exit code, or -signal */
} Child;

static const gchar *
env_path (const gchar * name)
{
  const gchar *v = g_getenv (name);

  fail_unless (v != NULL, "%s is not set", name);
  return v;
}

/* A UDP port nobody listens on now. */
static guint
free_udp_port (void)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *a = g_inet_socket_address_new (lo, 0), *bound;
  guint port;

  fail_unless (g_socket_bind (s, a, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (a);
  g_object_unref (lo);
  g_object_unref (s);
  return port;
}

/* Waits until a socket on this machine is bound to UDP @port (imm-convert's
 * udpsrc), at most @seconds: a fixed sleep before starting the sender lost
 * the first seconds of the stream when the tool starts slowly (sanitizer
 * builds take several seconds to set up). Packets sent from then on wait
 * in the socket's buffer until the pipeline plays. */
static gboolean
wait_udp_listener (guint port, guint seconds)
{
  gchar *needle = g_strdup_printf (":%04X ", port);
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  gboolean found = FALSE;

  while (!found && g_get_monotonic_time () < end) {
    const gchar *tables[] = { "/proc/net/udp", "/proc/net/udp6" };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (tables) && !found; i++) {
      gchar *text = NULL, **lines, **l;

      if (!g_file_get_contents (tables[i], &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      /* the local address is the second column: "  12: 0100007F:A97D ..." */
      for (l = lines; *l && !found; l++) {
        gchar **cols = g_strsplit_set (g_strstrip (*l), " ", -1);
        gchar *local = g_strconcat (cols[0] && cols[1] ? cols[1] : "", " ",
            NULL);

        found = g_str_has_suffix (local, needle);
        g_free (local);
        g_strfreev (cols);
      }
      g_strfreev (lines);
      g_free (text);
    }
    if (!found)
      g_usleep (20 * 1000);
  }
  g_free (needle);
  return found;
}

/* Runs @argv with stdout to @out_file, in the background. */
static void
child_start (Child * c, gchar ** argv, const gchar * out_file)
{
  gchar *cmd = g_strjoinv ("' '", argv);
  gchar *q = g_shell_quote (out_file);
  gchar *sh = g_strdup_printf ("exec '%s' > %s", cmd, q);
  gchar *sh_argv[] = { (gchar *) "/bin/sh", (gchar *) "-c", sh, NULL };
  GError *err = NULL;

  c->out_file = g_strdup (out_file);
  c->status = G_MININT;
  fail_unless (g_spawn_async (NULL, sh_argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &c->pid, &err),
      "cannot start %s: %s", argv[0], err ? err->message : "");
  g_free (sh);
  g_free (q);
  g_free (cmd);
}

/* Waits at most @seconds for the child to exit; TRUE when it did. */
static gboolean
child_wait (Child * c, gdouble seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  gint status;

  while (g_get_monotonic_time () < end) {
    pid_t r = waitpid (c->pid, &status, WNOHANG);

    if (r == c->pid) {
      c->status = WIFEXITED (status) ? WEXITSTATUS (status) :
          -WTERMSIG (status);
      return TRUE;
    }
    g_usleep (50 * 1000);
  }
  return FALSE;
}

static void
child_clear (Child * c)
{
  if (c->status == G_MININT) {
    kill (c->pid, SIGKILL);
    child_wait (c, 10);
  }
  g_spawn_close_pid (c->pid);
  g_free (c->out_file);
}

/* Waits at most @seconds for @path to exist. */
static gboolean
wait_file (const gchar * path, gdouble seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end) {
    if (g_file_test (path, G_FILE_TEST_EXISTS))
      return TRUE;
    g_usleep (20 * 1000);
  }
  return FALSE;
}

/* The number of `switch` lines the sender printed. */
static guint
switches_printed (const gchar * out_file)
{
  gchar *text = NULL;
  guint n = 0;
  const gchar *p;

  if (!g_file_get_contents (out_file, &text, NULL, NULL))
    return 0;
  for (p = text; (p = strstr (p, "switch ")) != NULL; p++)
    n++;
  g_free (text);
  return n;
}

static JsonObject *
read_result (const gchar * out_file, JsonParser ** parser)
{
  gchar *text = NULL;
  JsonNode *root;

  fail_unless (g_file_get_contents (out_file, &text, NULL, NULL));
  *parser = json_parser_new ();
  fail_unless (json_parser_load_from_data (*parser, text, -1, NULL),
      "not a JSON result: %s", text);
  g_free (text);
  root = json_parser_get_root (*parser);
  fail_unless (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

/* Targets[0].Image.<kind>[0] of a result. */
static JsonObject *
entry (JsonObject * result, const gchar * kind)
{
  JsonArray *targets = json_object_get_array_member (result, "Targets");
  JsonObject *image = json_object_get_object_member
      (json_array_get_object_element (targets, 0), "Image");

  return json_array_get_object_element (json_object_get_array_member (image,
          kind), 0);
}

static gchar *
make_root (void)
{
  gchar *root = g_dir_make_tmp ("imm-live-XXXXXX", NULL);

  fail_unless (root != NULL);
  return root;
}

static gchar *
write_request (const gchar * root, const gchar * json)
{
  gchar *path = g_build_filename (root, "request.json", NULL);

  fail_unless (g_file_set_contents (path, json, -1, NULL));
  return path;
}

/* Frames and size of a GIF file. */
static gint
gif_frames (const gchar * path, gint * width)
{
  gint err = 0, n;
  GifFileType *gif = DGifOpenFileName (path, &err);

  fail_unless (gif != NULL, "%s: not a GIF", path);
  fail_unless (DGifSlurp (gif) == GIF_OK, "%s: broken GIF", path);
  n = gif->ImageCount;
  *width = gif->SWidth;
  DGifCloseFile (gif, &err);
  return n;
}

/* One test's world: a scratch storage root with the request in it, the
 * imm-convert run on it and, for UDP sources, the port and the sender.
 * live_clear() undoes all of it, whatever the test got to. */
typedef struct
{
  gchar *root;
  gchar *port;                  /* a free UDP port, as text */
  gchar *request, *out, *sent;  /* request.json, result.json, sender.txt */
  Child tool, sender;
  gboolean tool_started, sender_started;
  JsonParser *parser;           /* of the last live_result() */
  GPtrArray *paths;             /* what live_path() returned */
} Live;

static void
live_init (Live * l)
{
  memset (l, 0, sizeof (*l));
  l->root = make_root ();
  l->port = g_strdup_printf ("%u", free_udp_port ());
  l->out = g_build_filename (l->root, "result.json", NULL);
  l->sent = g_build_filename (l->root, "sender.txt", NULL);
  l->paths = g_ptr_array_new_with_free_func (g_free);
}

/* Writes the request: @fmt and its arguments (l->port for a UDP URI). */
static void
live_request (Live * l, const gchar * fmt, ...)
{
  va_list args;
  gchar *json;

  va_start (args, fmt);
  json = g_strdup_vprintf (fmt, args);
  va_end (args);
  l->request = write_request (l->root, json);
  g_free (json);
}

/* @name in the storage root's bucket "b", freed by live_clear(). */
static const gchar *
live_path (Live * l, const gchar * name)
{
  gchar *path = g_build_filename (l->root, "b", name, NULL);

  g_ptr_array_add (l->paths, path);
  return path;
}

/* Starts imm-convert --quiet [@option @value] on the request, its result
 * to l->out (after a run before it ended). */
static void
live_start_tool (Live * l, const gchar * option, const gchar * value)
{
  gchar *argv[8];
  guint n = 0;

  if (l->tool_started)
    child_clear (&l->tool);

  argv[n++] = (gchar *) env_path ("IMM_CONVERT");
  argv[n++] = (gchar *) "--quiet";
  if (option) {
    argv[n++] = (gchar *) option;
    argv[n++] = (gchar *) value;
  }
  argv[n++] = (gchar *) "--storage-root";
  argv[n++] = l->root;
  argv[n++] = l->request;
  argv[n] = NULL;
  child_start (&l->tool, argv, l->out);
  l->tool_started = TRUE;
}

/* Once imm-convert listens on l->port, starts live-sender there (see its
 * usage), its switch lines to l->sent. */
static void
live_start_sender (Live * l, const gchar * lead, const gchar * every,
    const gchar * switches, const gchar * tail)
{
  gchar *argv[] = { (gchar *) env_path ("IMM_LIVE_SENDER"), l->port,
    (gchar *) lead, (gchar *) every, (gchar *) switches, (gchar *) tail, NULL
  };

  /* the receiver listens before anything is sent */
  fail_unless (wait_udp_listener (atoi (l->port), 60), "imm-convert never "
      "listened on UDP port %s", l->port);
  child_start (&l->sender, argv, l->sent);
  l->sender_started = TRUE;
}

/* Waits at most @seconds for imm-convert to end, then wants @status. */
static void
live_tool_ends (Live * l, gdouble seconds, gint status, const gchar * why)
{
  fail_unless (child_wait (&l->tool, seconds), "imm-convert did not end: %s",
      why);
  fail_unless_equals_int (l->tool.status, status);
}

/* Sends @sig to imm-convert; it must end within 10 s with status 0. */
static void
live_stop_tool (Live * l, gint sig)
{
  kill (l->tool.pid, sig);
  /* the EOS reaches every sink: well within the 15 s imm-convert gives it
   * before ending anyway */
  fail_unless (child_wait (&l->tool, 10), "imm-convert did not end on %s",
      sig == SIGINT ? "SIGINT" : "SIGTERM");
  fail_unless_equals_int (l->tool.status, 0);
}

/* The result imm-convert wrote, valid until the next call or live_clear. */
static JsonObject *
live_result (Live * l)
{
  g_clear_object (&l->parser);
  return read_result (l->out, &l->parser);
}

static void
live_clear (Live * l)
{
  if (l->sender_started) {
    /* a sender still running is told to stop, killed if it does not */
    if (l->sender.status == G_MININT) {
      kill (l->sender.pid, SIGTERM);
      child_wait (&l->sender, 10);
    }
    child_clear (&l->sender);
  }
  if (l->tool_started)
    child_clear (&l->tool);
  g_clear_object (&l->parser);
  remove_tree (l->root);
  g_ptr_array_unref (l->paths);
  g_free (l->sent);
  g_free (l->out);
  g_free (l->request);
  g_free (l->port);
  g_free (l->root);
}

/* Frames and total display time (centiseconds) of a GIF. */
static gint
gif_timing (const gchar * path, gint * centiseconds)
{
  gint err = 0, n, i;
  GifFileType *gif = DGifOpenFileName (path, &err);

  fail_unless (gif != NULL, "%s: not a GIF", path);
  fail_unless (DGifSlurp (gif) == GIF_OK, "%s: broken GIF", path);
  n = gif->ImageCount;
  *centiseconds = 0;
  for (i = 0; i < n; i++) {
    GraphicsControlBlock gcb;

    if (DGifSavedExtensionToGCB (gif, i, &gcb) == GIF_OK)
      *centiseconds += gcb.DelayTime;
  }
  DGifCloseFile (gif, &err);
  return n;
}

/* Runs a gst-launch line to its end, at most 60 s. */
static void
run_launch_line (const gchar * desc)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstMessage *msg;

  fail_unless (pipe != NULL, "%s", desc);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "%s did not end", desc);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

/* Switches 3 s after the first frame and every 4 s after it: with
 * PostRoll 1 each clip ends 1 s after its switch, long before the next. */
#define LEAD "3"
#define EVERY 4.0
#define N_SWITCHES 3

GST_START_TEST (live_udp_snapshots_and_highlights)
{
  Live l;
  const gchar *s1, *h1;
  gchar *every = g_strdup_printf ("%g", EVERY);
  gchar *n = g_strdup_printf ("%d", N_SWITCHES);
  JsonObject *result, *hl, *snap;
  JsonArray *files;
  guint i;

  live_init (&l);
  live_request (&l, "{\"Sources\":[{\"URI\":"
      "\"udp://127.0.0.1:%s\"}],\"Targets\":[{\"Image\":{\"Snapshots\":["
      "{\"Format\":\"jpg\",\"URI\":\"oss://b/s-{index}.jpg\",\"Interval\":1}],"
      "\"Highlights\":[{\"Format\":\"gif\",\"URI\":\"oss://b/h-{index}.gif\","
      "\"PreRoll\":1,\"PostRoll\":1,\"Width\":160}]}}]}", l.port);
  s1 = live_path (&l, "s-1.jpg");
  h1 = live_path (&l, "h-1.gif");
  live_start_tool (&l, NULL, NULL);
  live_start_sender (&l, LEAD, every, n, "4");

  /* written while the stream runs, not at its end */
  fail_unless (wait_file (s1, 20), "no snapshot on disk while running");
  fail_unless (wait_file (h1, 3 + EVERY + 10), "no highlight on disk after "
      "the first switch");
  fail_if (child_wait (&l.tool, 0), "imm-convert ended by itself");

  fail_unless (child_wait (&l.sender, 3 + EVERY * N_SWITCHES + 30));
  fail_unless_equals_int (l.sender.status, 0);
  fail_unless_equals_int (switches_printed (l.sent), N_SWITCHES);
  live_stop_tool (&l, SIGINT);

  result = live_result (&l);
  fail_unless_equals_string (json_object_get_string_member (result,
          "Status"), "Succeeded");
  hl = entry (result, "Highlights");
  files = json_object_get_array_member (hl, "Files");
  fail_unless_equals_int (json_array_get_length (files), N_SWITCHES);
  fail_unless_equals_int (json_object_get_int_member (hl, "FrameCount"),
      N_SWITCHES);
  for (i = 0; i < N_SWITCHES; i++) {
    gchar *name = g_strdup_printf ("oss://b/h-%u.gif", i + 1);
    gchar *path = g_strdup_printf ("%s/b/h-%u.gif", l.root, i + 1);
    gint width = 0, frames;

    fail_unless_equals_string (json_array_get_string_element (files, i), name);
    frames = gif_frames (path, &width);
    fail_unless_equals_int (width, 160);
    /* PreRoll 1 + PostRoll 1 at FrameRate 10, give or take the merging of
     * still frames immanimenc does */
    fail_unless (frames >= 2 && frames <= 21, "%s: %d frames", path, frames);
    g_free (path);
    g_free (name);
  }
  snap = entry (result, "Snapshots");
  files = json_object_get_array_member (snap, "Files");
  /* one a second for as long as the stream ran (~3 + 12 + 4 s) */
  fail_unless (json_array_get_length (files) >= 10, "%u snapshots",
      json_array_get_length (files));
  fail_unless_equals_int (json_object_get_int_member (snap, "FrameCount"),
      json_array_get_length (files));
  for (i = 0; i < json_array_get_length (files); i++) {
    gchar *path = g_strdup_printf ("%s/b/s-%u.jpg", l.root, i + 1);

    fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR), "%s", path);
    g_free (path);
  }
  live_clear (&l);
  g_free (n);
  g_free (every);
}

GST_END_TEST;

/* A stream that stops ends the task with an error keeping what was
 * written. The stall clock runs from the task's start until the first
 * frame: a --stall-timeout of 3 s raced the sender's own start (a
 * sanitizer build under load took longer, and the task failed with 0
 * files), so it is 10 s, and the stream is known to flow before it ends. */
#define STALL 10

GST_START_TEST (live_udp_stall)
{
  Live l;
  const gchar *s1, *s2;
  gchar *stall = g_strdup_printf ("%d", STALL), *expected;
  JsonObject *result;

  live_init (&l);
  live_request (&l, "{\"Sources\":[{\"URI\":"
      "\"udp://127.0.0.1:%s\"}],\"Targets\":[{\"Image\":{\"Snapshots\":["
      "{\"Format\":\"jpg\",\"URI\":\"oss://b/s-{index}.jpg\",\"Interval\":1}]"
      "}}]}", l.port);
  s1 = live_path (&l, "s-1.jpg");
  s2 = live_path (&l, "s-2.jpg");
  live_start_tool (&l, "--stall-timeout", stall);
  /* 5 s of pictures, then nothing */
  live_start_sender (&l, "1", "1", "0", "4");
  fail_unless (wait_file (s1, STALL), "no snapshot while the stream ran");
  fail_unless (child_wait (&l.sender, 30));
  live_tool_ends (&l, STALL + 20, 1, "a stalled stream did not end the task");
  result = live_result (&l);
  fail_unless_equals_string (json_object_get_string_member (result,
          "Status"), "Failed");
  expected = g_strdup_printf ("Sources[0].URI: the live stream "
      "'udp://127.0.0.1:%s' sent no frame for %d s (--stall-timeout); the ",
      l.port, STALL);
  fail_unless (g_str_has_prefix (json_object_get_string_member (result,
              "Message"), expected), "%s", json_object_get_string_member
      (result, "Message"));
  /* what was written before the stall is kept */
  fail_unless (g_file_test (s2, G_FILE_TEST_IS_REGULAR));
  g_free (expected);
  g_free (stall);
  live_clear (&l);
}

GST_END_TEST;

typedef struct
{
  const gchar *targets;
  const gchar *message;
} Refused;

static const Refused refused[] = {
  {"\"Snapshots\":[{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\","
        "\"Mode\":\"average\",\"Number\":3}]",
      "Targets[0].Image.Snapshots[0].Mode: average needs the source's "
        "duration, and Sources[0] is a live stream; use interval, keyframe "
        "or dhash"},
  {"\"Animations\":[{\"Format\":\"gif\",\"URI\":\"a.gif\"}]",
      "Targets[0].Image.Animations[0].Number: an animation of a live "
        "stream needs a Number, or a Duration in Sources[0]"},
};

/* Refused before anything is opened: no sender is needed. */
GST_START_TEST (live_refused)
{
  Live l;
  JsonObject *result;

  live_init (&l);
  live_request (&l, "{\"Sources\":[{\"URI\":"
      "\"rtsp://127.0.0.1:1/cam\"}],\"Targets\":[{\"Image\":{%s}}]}",
      refused[__i__].targets);
  live_start_tool (&l, NULL, NULL);
  live_tool_ends (&l, 30, 1, "refused");
  result = live_result (&l);
  fail_unless_equals_string (json_object_get_string_member (result, "Code"),
      "InvalidArgument");
  fail_unless_equals_string (json_object_get_string_member (result,
          "Message"), refused[__i__].message);
  live_clear (&l);
}

GST_END_TEST;

/* Highlights on a file: three still patterns of 3 s each (switches at 3 s
 * and 6 s) give two clips of PreRoll + PostRoll each, and nothing for the
 * start of the video. */
GST_START_TEST (highlights_on_file)
{
  Live l;
  const gchar *video;
  gchar *dir, *desc;
  JsonObject *result, *hl;
  JsonArray *files;
  guint i;

  live_init (&l);
  video = live_path (&l, "switches.mp4");
  dir = g_path_get_dirname (video);
  desc = g_strdup_printf ("concat name=c ! videoconvert ! x264enc "
      "speed-preset=ultrafast key-int-max=10 ! h264parse ! mp4mux ! filesink "
      "location=%s videotestsrc pattern=smpte num-buffers=30 ! %s ! c. "
      "videotestsrc pattern=pinwheel num-buffers=30 ! %s ! c. "
      "videotestsrc pattern=checkers-8 num-buffers=30 ! %s ! c.", video,
      "video/x-raw,width=320,height=240,framerate=10/1",
      "video/x-raw,width=320,height=240,framerate=10/1",
      "video/x-raw,width=320,height=240,framerate=10/1");
  live_request (&l, "%s", "{\"Sources\":[{\"URI\":\"oss://b/switches.mp4\"}],"
      "\"Targets\":[{\"Image\":{\"Highlights\":[{\"Format\":\"gif\","
      "\"URI\":\"oss://b/h-{index}.gif\",\"PreRoll\":1,\"PostRoll\":1,"
      "\"Width\":0.5}]}}]}");
  fail_unless (g_mkdir_with_parents (dir, 0755) == 0);
  run_launch_line (desc);

  live_start_tool (&l, NULL, NULL);
  live_tool_ends (&l, 60, 0, "highlights of a file");
  result = live_result (&l);
  hl = entry (result, "Highlights");
  files = json_object_get_array_member (hl, "Files");
  fail_unless_equals_int (json_array_get_length (files), 2);
  fail_unless_equals_int (json_object_get_int_member (hl, "FrameCount"), 2);
  for (i = 0; i < 2; i++) {
    gchar *path = g_strdup_printf ("%s/b/h-%u.gif", l.root, i + 1);
    gint cs, width, frames = gif_timing (path, &cs);

    gif_frames (path, &width);
    fail_unless_equals_int (width, 160);
    /* the old picture and the new one at least */
    fail_unless (frames >= 2, "%s: %d frames", path, frames);
    /* 1 s before the switch to 1 s after it, in real time, give or take
     * one frame at each end */
    fail_unless (cs >= 180 && cs <= 220, "%s: %d cs", path, cs);
    g_free (path);
  }
  live_clear (&l);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

/* An HLS playlist without #EXT-X-ENDLIST is live: told after reading it,
 * refused as live sources are. Run 1: a master playlist whose first
 * variant (a relative URI, in a folder of its own) is that live playlist;
 * its second variant is a finished one, not looked at. */
GST_START_TEST (live_hls_refused)
{
  gboolean master = __i__ == 1;
  Live l;
  const gchar *playlist, *master_path, *ended_path;
  gchar *dir, *desc, *text = NULL;
  gchar **lines, **line;
  GString *live = g_string_new (NULL);
  JsonObject *result;

  live_init (&l);
  playlist = live_path (&l, "v0/live.m3u8");
  master_path = live_path (&l, "master.m3u8");
  ended_path = live_path (&l, "v0/ended.m3u8");
  dir = g_path_get_dirname (playlist);
  desc = g_strdup_printf ("videotestsrc num-buffers=30 ! "
      "video/x-raw,width=160,height=120,framerate=10/1 ! x264enc "
      "key-int-max=10 ! h264parse ! hlssink2 target-duration=1 "
      "location=%s/seg%%05d.ts playlist-location=%s/live.m3u8", dir, dir);
  live_request (&l, "{\"Sources\":[{\"URI\":\"oss://b/%s\"}],"
      "\"Targets\":[{\"Image\":{\"Snapshots\":[{\"Format\":\"jpg\","
      "\"URI\":\"oss://b/s-{index}.jpg\",\"Mode\":\"average\","
      "\"Number\":3}]}}]}", master ? "master.m3u8" : "v0/live.m3u8");

  fail_unless (g_mkdir_with_parents (dir, 0755) == 0);
  run_launch_line (desc);
  fail_unless (g_file_get_contents (playlist, &text, NULL, NULL));
  fail_unless (strstr (text, "#EXT-X-ENDLIST") != NULL);
  lines = g_strsplit (text, "\n", -1);
  for (line = lines; *line; line++)
    if (!g_str_has_prefix (*line, "#EXT-X-ENDLIST"))
      g_string_append_printf (live, "%s\n", *line);
  fail_unless (g_file_set_contents (playlist, live->str, -1, NULL));
  /* the finished copy: what the master's second variant says */
  fail_unless (g_file_set_contents (ended_path, text, -1, NULL));
  fail_unless (g_file_set_contents (master_path, "#EXTM3U\n"
          "#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x120\n"
          "v0/live.m3u8\n"
          "#EXT-X-STREAM-INF:BANDWIDTH=100000,RESOLUTION=160x120\n"
          "v0/ended.m3u8\n", -1, NULL));

  live_start_tool (&l, NULL, NULL);
  live_tool_ends (&l, 60, 1, "a live playlist");
  result = live_result (&l);
  fail_unless_equals_string (json_object_get_string_member (result,
          "Message"), "Targets[0].Image.Snapshots[0].Mode: average needs the "
      "source's duration, and Sources[0] is a live stream; use interval, "
      "keyframe or dhash");

  /* the same master with the finished variant first: not live, so not
   * refused as live */
  if (master) {
    fail_unless (g_file_set_contents (master_path, "#EXTM3U\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=100000,RESOLUTION=160x120\n"
            "v0/ended.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x120\n"
            "v0/live.m3u8\n", -1, NULL));
    live_start_tool (&l, NULL, NULL);
    fail_unless (child_wait (&l.tool, 120));
    result = live_result (&l);
    /* (it then fails later: through a master playlist hlsdemux gives no
     * duration for average to spread over) */
    fail_unless (strstr (json_object_get_string_member (result, "Message"),
            "is a live stream") == NULL, "%s",
        json_object_get_string_member (result, "Message"));
  }
  live_clear (&l);
  g_strfreev (lines);
  g_string_free (live, TRUE);
  g_free (text);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

/* An animation of a live stream with a Source Duration: the task ends by
 * itself after Duration seconds of frames. */
GST_START_TEST (live_udp_animation_duration)
{
  Live l;
  const gchar *gif;
  JsonObject *anim;
  gint width, frames, cs;

  live_init (&l);
  live_request (&l, "{\"Sources\":[{\"URI\":"
      "\"udp://127.0.0.1:%s\",\"Duration\":3}],\"Targets\":[{\"Image\":{"
      "\"Animations\":[{\"Format\":\"gif\",\"URI\":\"oss://b/a.gif\","
      "\"Interval\":0.5,\"Width\":80}]}}]}", l.port);
  gif = live_path (&l, "a.gif");
  live_start_tool (&l, NULL, NULL);
  live_start_sender (&l, "1", "1", "0", "15");
  /* ends by itself, long before the sender stops */
  live_tool_ends (&l, 12, 0, "the Duration did not end the task");
  anim = entry (live_result (&l), "Animations");
  frames = gif_timing (gif, &cs);
  gif_frames (gif, &width);
  fail_unless_equals_int (width, 80);
  /* one frame every 0.5 s of the 3 s from the first frame on (the
   * frames at 0, 0.5, ... 2.5 s), played in real time. A live frame's
   * time is when it was read: a stall of over 0.5 s in reading (seen
   * once in a sanitizer run with both cores busy: 5 frames, none lost on
   * the wire) leaves one slot without a frame of its own. */
  fail_unless (frames == 6 || frames == 5, "%d frames", frames);
  /* the gaps of 0.5 s, and the last frame shown for up to 0.5 s (how
   * long is immanimenc's business): 2.5-3.1 s in all */
  fail_unless (cs >= 245 && cs <= 310, "%d cs", cs);
  fail_unless_equals_int (json_object_get_int_member (anim, "FrameCount"),
      frames);
  live_clear (&l);
}

GST_END_TEST;

/* Outputs that are complete (a Number reached) leave the others running:
 * tee would stop every branch at the first that ends. */
GST_START_TEST (live_udp_complete_branch)
{
  Live l;
  const gchar *s6, *gif;
  JsonObject *result, *o;
  gint width;

  live_init (&l);
  live_request (&l, "{\"Sources\":[{\"URI\":"
      "\"udp://127.0.0.1:%s\"}],\"Targets\":[{\"Image\":{\"Snapshots\":["
      "{\"Format\":\"jpg\",\"URI\":\"oss://b/n-{index}.jpg\",\"Interval\":1,"
      "\"Number\":2},{\"Format\":\"jpg\",\"URI\":\"oss://b/s-{index}.jpg\","
      "\"Interval\":1}],\"Animations\":[{\"Format\":\"gif\",\"URI\":"
      "\"oss://b/a.gif\",\"Number\":5,\"Width\":80}]}}]}", l.port);
  s6 = live_path (&l, "s-6.jpg");
  gif = live_path (&l, "a.gif");
  live_start_tool (&l, NULL, NULL);
  live_start_sender (&l, "1", "1", "0", "20");
  /* the unlimited snapshots go on long after the others are complete */
  fail_unless (wait_file (s6, 30), "the stream stopped with the first "
      "complete output");
  live_stop_tool (&l, SIGINT);
  result = live_result (&l);
  o = entry (result, "Snapshots");
  fail_unless_equals_int (json_object_get_int_member (o, "FrameCount"), 2);
  o = entry (result, "Animations");
  fail_unless_equals_int (json_object_get_int_member (o, "FrameCount"), 5);
  fail_unless_equals_int (gif_frames (gif, &width), 5);
  live_clear (&l);
}

GST_END_TEST;

/* keyframe snapshots (the sender makes an IDR frame every second) and
 * dhash snapshots with a Number (held until the end), ended by SIGTERM. */
GST_START_TEST (live_udp_keyframe_dhash_sigterm)
{
  Live l;
  JsonObject *result, *o;
  gint64 n;

  live_init (&l);
  live_request (&l, "{\"Sources\":[{\"URI\":"
      "\"udp://127.0.0.1:%s\"}],\"Targets\":[{\"Image\":{\"Snapshots\":["
      "{\"Format\":\"jpg\",\"URI\":\"oss://b/k-{index}.jpg\","
      "\"Mode\":\"keyframe\"},{\"Format\":\"png\",\"URI\":"
      "\"oss://b/d-{index}.png\",\"Mode\":\"dhash\",\"Number\":3}]}}]}",
      l.port);
  live_start_tool (&l, NULL, NULL);
  /* 1 + 3 x 1.5 + 1 s: 6.5 s, IDR frames at 0, 1, ... 6 s */
  live_start_sender (&l, "1", "1.5", "3", "1");
  fail_unless (child_wait (&l.sender, 30));
  live_stop_tool (&l, SIGTERM);
  result = live_result (&l);
  o = entry (result, "Snapshots");
  n = json_object_get_int_member (o, "FrameCount");
  /* every IDR frame the decoder got: the 7 sent, but the first ones may
   * go while the receiver sets itself up (5 measured) */
  fail_unless (n >= 4 && n <= 7, "%" G_GINT64_FORMAT " keyframes", n);
  o = json_array_get_object_element (json_object_get_array_member
      (json_object_get_object_member (json_array_get_object_element
              (json_object_get_array_member (result, "Targets"), 0), "Image"),
          "Snapshots"), 1);
  /* the opening frame and the two strongest of the three switches */
  fail_unless_equals_int (json_object_get_int_member (o, "FrameCount"), 3);
  fail_unless_equals_int (json_array_get_length
      (json_object_get_array_member (o, "Files")), 3);
  live_clear (&l);
}

GST_END_TEST;

#ifdef HAVE_RTSP_SERVER
/* An RTSP server on 127.0.0.1 in a thread of its own, serving a live
 * videotestsrc whose pattern the test switches. */
typedef struct
{
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GstRTSPServer *server;
  GMutex lock;
  GstElement *src;              /* the served videotestsrc, once playing */
} RtspServer;

static void
on_media_configure (GstRTSPMediaFactory * f, GstRTSPMedia * media,
    gpointer data)
{
  RtspServer *rs = data;
  GstElement *bin = gst_rtsp_media_get_element (media);

  g_mutex_lock (&rs->lock);
  if (rs->src == NULL)
    rs->src = gst_bin_get_by_name (GST_BIN (bin), "src");
  g_mutex_unlock (&rs->lock);
  gst_object_unref (bin);
}

static gpointer
rtsp_thread (gpointer data)
{
  RtspServer *rs = data;

  g_main_context_push_thread_default (rs->context);
  g_main_loop_run (rs->loop);
  g_main_context_pop_thread_default (rs->context);
  return NULL;
}

static guint
rtsp_server_start (RtspServer * rs)
{
  GstRTSPMountPoints *mounts;
  GstRTSPMediaFactory *f = gst_rtsp_media_factory_new ();

  g_mutex_init (&rs->lock);
  rs->context = g_main_context_new ();
  rs->loop = g_main_loop_new (rs->context, FALSE);
  rs->server = gst_rtsp_server_new ();
  gst_rtsp_server_set_address (rs->server, "127.0.0.1");
  gst_rtsp_server_set_service (rs->server, "0");
  gst_rtsp_media_factory_set_launch (f, "( videotestsrc name=src "
      "is-live=true pattern=0 ! video/x-raw,format=I420,width=320,"
      "height=240,framerate=25/1 ! x264enc tune=zerolatency "
      "speed-preset=ultrafast key-int-max=25 ! rtph264pay name=pay0 pt=96 )");
  gst_rtsp_media_factory_set_shared (f, TRUE);
  g_signal_connect (f, "media-configure", G_CALLBACK (on_media_configure), rs);
  mounts = gst_rtsp_server_get_mount_points (rs->server);
  gst_rtsp_mount_points_add_factory (mounts, "/cam", f);
  g_object_unref (mounts);
  fail_unless (gst_rtsp_server_attach (rs->server, rs->context) > 0);
  rs->thread = g_thread_new ("rtsp", rtsp_thread, rs);
  return (guint) gst_rtsp_server_get_bound_port (rs->server);
}

static void
rtsp_server_stop (RtspServer * rs)
{
  g_main_loop_quit (rs->loop);
  g_thread_join (rs->thread);
  if (rs->src)
    gst_object_unref (rs->src);
  g_object_unref (rs->server);
  g_main_loop_unref (rs->loop);
  g_main_context_unref (rs->context);
  g_mutex_clear (&rs->lock);
}

/* imm-convert on an RTSP URL: snapshots and a Highlights target, files
 * on disk during the run, one clip per switch after SIGINT. */
GST_START_TEST (live_rtsp_highlights)
{
  RtspServer rs = { 0 };
  guint port = rtsp_server_start (&rs), i;
  Live l;
  const gchar *s1, *h1;
  static const gint patterns[] = { 21, 4, 22 };
  JsonObject *result, *hl;

  live_init (&l);
  live_request (&l, "{\"Sources\":[{\"URI\":"
      "\"rtsp://127.0.0.1:%u/cam\"}],\"Targets\":[{\"Image\":{\"Snapshots\":["
      "{\"Format\":\"jpg\",\"URI\":\"oss://b/s-{index}.jpg\",\"Interval\":1}],"
      "\"Highlights\":[{\"Format\":\"gif\",\"URI\":\"oss://b/h-{index}.gif\","
      "\"PreRoll\":1,\"PostRoll\":1,\"Width\":160}]}}]}", port);
  s1 = live_path (&l, "s-1.jpg");
  h1 = live_path (&l, "h-1.gif");
  live_start_tool (&l, NULL, NULL);
  fail_unless (wait_file (s1, 30), "no snapshot on disk while running");
  /* the first sample of the change detection sets its reference */
  g_usleep (2 * G_USEC_PER_SEC);
  for (i = 0; i < G_N_ELEMENTS (patterns); i++) {
    g_mutex_lock (&rs.lock);
    fail_unless (rs.src != NULL);
    g_object_set (rs.src, "pattern", patterns[i], NULL);
    g_mutex_unlock (&rs.lock);
    if (i == 0)
      fail_unless (wait_file (h1, 15), "no highlight on disk after the "
          "first switch");
    g_usleep (4 * G_USEC_PER_SEC);
  }
  fail_if (child_wait (&l.tool, 0), "imm-convert ended by itself");
  kill (l.tool.pid, SIGINT);
  fail_unless (child_wait (&l.tool, 20), "imm-convert did not end on SIGINT");
  fail_unless_equals_int (l.tool.status, 0);
  result = live_result (&l);
  fail_unless_equals_string (json_object_get_string_member (result,
          "Status"), "Succeeded");
  hl = entry (result, "Highlights");
  fail_unless_equals_int (json_object_get_int_member (hl, "FrameCount"), 3);
  fail_unless_equals_int (json_array_get_length
      (json_object_get_array_member (hl, "Files")), 3);
  live_clear (&l);
  rtsp_server_stop (&rs);
}

GST_END_TEST;
#endif

static Suite *
live_convert_suite (void)
{
  Suite *s = suite_create ("live-convert");
  TCase *tc = tcase_create ("udp");

  /* real-time runs of up to ~25 s each, on a loaded machine */
  tcase_set_timeout (tc, 180);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, live_refused, 0, G_N_ELEMENTS (refused));
  tcase_add_test (tc, highlights_on_file);
  tcase_add_loop_test (tc, live_hls_refused, 0, 2);
  tcase_add_test (tc, live_udp_animation_duration);
  tcase_add_test (tc, live_udp_complete_branch);
  tcase_add_test (tc, live_udp_keyframe_dhash_sigterm);
#ifdef HAVE_RTSP_SERVER
  tcase_add_test (tc, live_rtsp_highlights);
#endif
  tcase_add_test (tc, live_udp_stall);
  tcase_add_test (tc, live_udp_snapshots_and_highlights);
  return s;
}

GST_CHECK_MAIN (live_convert);
