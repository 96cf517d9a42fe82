/* imm-gst launcher tests: http:// sources through a local test server.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <webp/demux.h>

#include "launcher.h"

/* ---- http:// sources ---- */

/* The test server (tests/launcher/http-server.py) serving the fixture
 * directory, killed at exit when a test fails before stopping it. */
static GPid http_pid;

static void
stop_http_server (void)
{
  if (http_pid > 0) {
    kill (http_pid, SIGTERM);
    waitpid (http_pid, NULL, 0);
    http_pid = 0;
  }
}

/* Starts the server, logging its requests to @log; returns its port. */
static gint
start_http_server (const gchar * log, gboolean ranges)
{
  static gboolean registered;
  const gchar *script = g_getenv ("IMM_TEST_HTTP_SERVER");
  /* timeout: the server never outlives a test run by much */
  const gchar *argv[] = { "timeout", "300", "python3", "-u", script,
    fixture_dir, log, ranges ? "--ranges" : NULL, NULL
  };
  GError *err = NULL;
  struct pollfd pfd;
  gchar line[32];
  gsize len = 0;
  gint fd, port;

  fail_unless (script != NULL, "IMM_TEST_HTTP_SERVER is not set");
  if (!registered) {
    atexit (stop_http_server);
    registered = TRUE;
  }
  fail_unless (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL,
          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
          &http_pid, NULL, &fd, NULL, &err), "%s", err ? err->message : "");
  /* its first line is the port */
  pfd.fd = fd;
  pfd.events = POLLIN;
  while (len < sizeof (line) - 1 && memchr (line, '\n', len) == NULL) {
    gssize n;

    fail_unless (poll (&pfd, 1, 10000) == 1, "the HTTP server did not start");
    n = read (fd, line + len, sizeof (line) - 1 - len);
    fail_unless (n > 0, "the HTTP server did not start");
    len += n;
  }
  close (fd);
  line[len] = '\0';
  port = atoi (line);
  fail_unless (port > 0, "HTTP server port: %s", line);
  return port;
}

static gchar *
read_log (const gchar * log)
{
  gchar *data = NULL;

  if (!g_file_get_contents (log, &data, NULL, NULL))
    data = g_strdup ("");
  return data;
}

/* The movie over HTTP: interval snapshots that seek, keyframes in trick
 * mode, and an HLS playlist whose segments come over HTTP too. A server
 * with Range requests (0) serves the seeks; one without (1) makes
 * souphttpsrc fail the first seek, and imm-convert runs the plan again
 * without seeking: the same files either way. */
GST_START_TEST (test_http_source)
{
  Run *r = run_new ();
  gboolean ranges = __i__ == 0;
  gchar *base = g_path_get_dirname (r->root);
  gchar *log = g_build_filename (base, "http.log", NULL);
  gint port = start_http_server (log, ranges);
  gchar *json = g_strdup_printf ("{\"ProjectName\":\"test-project\","
      "\"Sources\":[{\"URI\":\"http://127.0.0.1:%d/Winemaking.mov\"}],"
      "\"Targets\":[{\"Image\":{\"Snapshots\":[{\"Format\":\"jpg\","
      "\"StartTime\":5,\"Interval\":10,\"URI\":\"oss://test-bucket/"
      "video-demo/{barename}-{index}.jpg\"},{\"Format\":\"jpg\",\"Mode\":"
      "\"keyframe\",\"Number\":3,\"URI\":\"oss://test-bucket/video-demo/"
      "k-{index}.jpg\"}]}}]}", port);
  gchar *hls = g_strdup_printf ("{\"Sources\":[{\"URI\":\"http://"
      "127.0.0.1:%d/" HLS_DIR "/clip.m3u8\"}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"jpg\",\"StartTime\":1,\"URI\":"
      "\"oss://test-bucket/video-demo/hls.jpg\"}]}}]}", port);
  gchar *requests;
  gint i;

  run_tool (r, json, NULL, NULL);
  check_succeeded (r, 4);
  for (i = 0; i < 4; i++) {
    gchar *name = g_strdup_printf ("Winemaking-%d.jpg", i + 1);

    check_image (r, name, JPEG_MAGIC, 320, 240, 5 + 10 * i);
    g_free (name);
  }
  for (i = 0; i < 3; i++) {
    gchar *name = g_strdup_printf ("k-%d.jpg", i + 1);

    check_image (r, name, JPEG_MAGIC, 320, 240, 5 * i);
    g_free (name);
  }
  requests = read_log (log);
  /* the seeks asked for byte ranges; only one server gave them */
  fail_unless (strstr (requests, " bytes=") != NULL, "%s", requests);
  fail_unless ((strstr (requests, "206 bytes=") != NULL) == ranges, "%s",
      requests);
  g_free (requests);

  run_tool (r, hls, NULL, NULL);
  assert_status (r, 0);
  check_image (r, "hls.jpg", JPEG_MAGIC, 320, 240, 1);
  assert_files (r, D "Winemaking-1.jpg " D "Winemaking-2.jpg "
      D "Winemaking-3.jpg " D "Winemaking-4.jpg " D "hls.jpg "
      D "k-1.jpg " D "k-2.jpg " D "k-3.jpg");
  stop_http_server ();
  g_free (hls);
  g_free (json);
  g_free (log);
  g_free (base);
  run_free (r);
}

GST_END_TEST;

/* A 404 is a missing source: ResourceNotFound naming the field. */
GST_START_TEST (test_http_not_found)
{
  Run *r = run_new ();
  gchar *base = g_path_get_dirname (r->root);
  gchar *log = g_build_filename (base, "http.log", NULL);
  gint port = start_http_server (log, TRUE);
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"http://"
      "127.0.0.1:%d/missing.mov\"}],\"Targets\":[{\"Image\":{\"Snapshots\":"
      "[{\"Format\":\"jpg\",\"URI\":\"oss://test-bucket/video-demo/c.jpg\"}],"
      "\"Animations\":[{\"Format\":\"gif\",\"URI\":\"a.gif\"}]}}]}", port);
  gchar *message = g_strdup_printf ("Sources[0].URI: 'http://127.0.0.1:%d/"
      "missing.mov' not found", port);
  gchar *requests;

  run_tool (r, json, NULL, NULL);
  assert_status (r, 1);
  fail_unless_equals_string (result_string (r, "Status"), "Failed");
  fail_unless_equals_string (result_string (r, "Code"), "ResourceNotFound");
  fail_unless (g_str_has_prefix (result_string (r, "Message"), message),
      "%s", result_string (r, "Message"));
  requests = read_log (log);
  fail_unless (strstr (requests, "404 - /missing.mov") != NULL, "%s", requests);
  assert_files (r, "");
  stop_http_server ();
  g_free (requests);
  g_free (message);
  g_free (json);
  g_free (log);
  g_free (base);
  run_free (r);
}

GST_END_TEST;

void
http_add_tests (TCase * fast, TCase * slow, TCase * anim)
{
  tcase_add_test (fast, test_http_not_found);
  tcase_add_loop_test (slow, test_http_source, 0, 2);
}
