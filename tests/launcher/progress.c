/* imm-gst launcher tests: the progress line on a terminal.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* posix_openpt() and ptsname() */
#define _GNU_SOURCE
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

/* ---- progress ---- */

/* Runs the tool (without --quiet) with stderr on a pseudo-terminal; the
 * terminal's output goes to r->err, stdout to r->out. */
static void
run_tool_on_tty (Run * r, const gchar * json)
{
  const gchar *tool = g_getenv ("IMM_CONVERT");
  const gchar *argv[] = { tool, "--storage-root", r->root, r->request, NULL };
  gint master = posix_openpt (O_RDWR | O_NOCTTY), slave, out_fd, status;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  GString *tty = g_string_new (NULL), *out = g_string_new (NULL);
  gboolean tty_open = TRUE, out_open = TRUE;
  GError *err = NULL;
  GPid pid;

  fail_unless (g_file_set_contents (r->request, json, -1, NULL));
  fail_unless (master >= 0 && grantpt (master) == 0 && unlockpt (master) == 0);
  slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  fail_unless (slave >= 0);
  fail_unless (g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, -1, -1, slave, NULL, NULL, 0,
          &pid, NULL, &out_fd, NULL, &err), "%s", err ? err->message : "");
  close (slave);
  while (tty_open || out_open) {
    gint64 left = deadline - g_get_monotonic_time ();
    struct pollfd pfd[2];
    gchar buf[4096];
    gssize n;

    /* a closed end is left out (poll ignores a negative fd) */
    pfd[0].fd = tty_open ? master : -1;
    pfd[1].fd = out_open ? out_fd : -1;
    pfd[0].events = pfd[1].events = POLLIN;
    fail_unless (left > 0, "imm-convert on a terminal timed out");
    if (poll (pfd, 2, (gint) (left / 1000)) <= 0)
      continue;
    if (tty_open && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      /* EIO once the tool has closed the terminal */
      n = read (master, buf, sizeof (buf));
      if (n > 0)
        g_string_append_len (tty, buf, n);
      else if (n == 0 || errno != EINTR)
        tty_open = FALSE;
    }
    if (out_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      n = read (out_fd, buf, sizeof (buf));
      if (n > 0)
        g_string_append_len (out, buf, n);
      else if (n == 0 || errno != EINTR)
        out_open = FALSE;
    }
  }
  close (master);
  close (out_fd);
  fail_unless (waitpid (pid, &status, 0) == pid);
  r->status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  g_free (r->out);
  g_free (r->err);
  r->out = g_string_free (out, FALSE);
  r->err = g_string_free (tty, FALSE);
}

/* On a terminal: one progress line, redrawn, ending at 100 % with a
 * newline. On a pipe: nothing on stderr. */
GST_START_TEST (test_progress)
{
  Run *r = run_new ();
  const gchar *json = seed_examples[SEED_EVENT_KEYFRAMES].request;
  const gchar *last;

  run_tool_on_tty (r, json);
  assert_status (r, 0);
  fail_unless (strstr (r->out, "\"Status\":\"Succeeded\"") != NULL, "%s",
      r->out);
  /* the terminal turns "\n" into "\r\n" */
  fail_unless (g_str_has_prefix (r->err, "\r["), "%s", r->err);
  fail_unless (g_str_has_suffix (r->err, "\r\n"), "%s", r->err);
  fail_unless (strstr (r->err, "\n") == r->err + strlen (r->err) - 1,
      "more than one line: %s", r->err);
  last = g_strrstr (r->err, "\r[");
  fail_unless (g_regex_match_simple ("^\r\\[#{30}\\] 100%  5 frames  "
          "[0-9]+\\.[0-9] s \r\n$", last, 0, 0), "last line: '%s'", last);

  run_free (r);

  r = run_new ();
  r->loud = TRUE;
  run_tool (r, json, NULL, NULL);
  assert_status (r, 0);
  fail_unless_equals_string (r->err, "");
  run_free (r);
}

GST_END_TEST;

void
progress_add_tests (TCase * fast, TCase * slow, TCase * anim)
{
  tcase_add_test (slow, test_progress);
}
