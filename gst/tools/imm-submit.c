/* imm-convert --submit: adds a task to imm:tasks, optionally waits for it.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * imm-convert --submit redis://[[USER]:PASSWORD@]HOST:PORT[/DB] [--task-id ID] [--wait]
 *     [--timeout S] REQUEST.json|-
 *
 * Prints the task id. With --wait it prints instead the task's result JSON
 * once a worker wrote it, and exits as a local run would have: 0
 * Succeeded, 1 Failed. A lost broker while waiting is retried; a result is
 * found even if it was written before the wait began, since the newest
 * result id is noted before the task is added.
 */
#include "imm-worker.h"

#include <stdio.h>
#include <string.h>

#include "imm-fileops.h"
#include "imm-queue.h"

#define EXIT_USAGE 2

static void
submit_help (void)
{
  printf
      ("Usage: imm-convert --submit redis://[[USER]:PASSWORD@]HOST:PORT[/DB] [options] "
      "REQUEST.json\n\n"
      "Adds the request to the Redis stream imm:tasks and prints its task "
      "id.\n\n" "Options:\n"
      "  --task-id ID   the task id (default MediaConvert-<uuid>); a task id\n"
      "                 that has a result already is refused\n"
      "  --wait         wait for the result, print it and exit 0 "
      "(Succeeded)\n" "                 or 1 (Failed), like a local run\n"
      "  --timeout S    give up waiting after S seconds (exit 2; default: "
      "wait)\n"
      "\nThe Redis password may come from $REDISCLI_AUTH instead of the URL.\n"
      "Exit status 2: bad option, unreadable request, Redis unreachable.\n");
}

static gint
wait_result (ImmQueue * q, const gchar * task_id, gchar * after,
    gdouble timeout_s)
{
  gint64 deadline = timeout_s > 0 ? g_get_monotonic_time () +
      (gint64) (timeout_s * G_USEC_PER_SEC) : G_MAXINT64;
  gint64 backoff = 100 * G_TIME_SPAN_MILLISECOND;
  gboolean warned = FALSE;

  while (g_get_monotonic_time () < deadline) {
    GError *err = NULL;
    gboolean ok = FALSE;
    gchar *result = imm_queue_find_result (q, task_id, &after, 500, &ok,
        &err);

    if (result != NULL) {
      printf ("%s\n", result);
      g_free (result);
      g_free (after);
      return ok ? 0 : 1;
    }
    if (err != NULL) {
      if (!warned)
        fprintf (stderr, "imm-convert: %s; still waiting\n", err->message);
      warned = TRUE;
      g_error_free (err);
      g_usleep (backoff);
      backoff = MIN (backoff * 2, 5 * G_USEC_PER_SEC);
      /* a broker that came back empty has new ids: read it all */
      if (imm_queue_reconnect (q, NULL)) {
        g_free (after);
        after = g_strdup ("0-0");
      }
    }
  }
  fprintf (stderr, "imm-convert: no result for task %s within %g s\n",
      task_id, timeout_s);
  g_free (after);
  return EXIT_USAGE;
}

gint
imm_submit_main (gint argc, gchar ** argv)
{
  const gchar *url = NULL, *file = NULL, *task_id_opt = NULL;
  gboolean wait = FALSE;
  gdouble timeout_s = 0;
  gchar *data, *task_id, *after = NULL, *entry;
  GError *err = NULL;
  ImmQueue *q;
  gint i, ret = 0;

  /* before the options: "--worker --help" is a request for help */
  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0) {
      submit_help ();
      return 0;
    }
  }
  for (i = 1; i < argc; i++) {
    const gchar *a = argv[i];

    if (strcmp (a, "--wait") == 0) {
      wait = TRUE;
    } else if (strcmp (a, "--quiet") == 0) {
    } else if (strcmp (a, "--submit") == 0 && i + 1 < argc) {
      url = argv[++i];
    } else if (strcmp (a, "--task-id") == 0 && i + 1 < argc && *argv[i + 1]) {
      task_id_opt = argv[++i];
    } else if (strcmp (a, "--timeout") == 0 && i + 1 < argc) {
      gchar *end;

      timeout_s = g_ascii_strtod (argv[++i], &end);
      if (*end != '\0' || timeout_s <= 0) {
        fprintf (stderr, "imm-convert: --timeout: not a number of seconds "
            "'%s'\n", argv[i]);
        return EXIT_USAGE;
      }
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf (stderr, "imm-convert: bad submit option %s (see imm-convert "
          "--submit --help)\n", a);
      return EXIT_USAGE;
    } else if (file == NULL) {
      file = a;
    } else {
      fprintf (stderr, "imm-convert: only one request file can be given, "
          "got also %s\n", a);
      return EXIT_USAGE;
    }
  }
  if (url == NULL || file == NULL) {
    fprintf (stderr, "imm-convert: --submit needs a Redis URL and a request "
        "file (see imm-convert --submit --help)\n");
    return EXIT_USAGE;
  }
  data = fileops_read_request (file, &err);
  if (data == NULL) {
    fprintf (stderr, "imm-convert: cannot read the request: %s\n",
        err->message);
    g_error_free (err);
    return EXIT_USAGE;
  }
  q = imm_queue_connect (url, &err);
  if (q == NULL) {
    fprintf (stderr, "imm-convert: %s\n", err->message);
    g_error_free (err);
    g_free (data);
    return EXIT_USAGE;
  }
  if (task_id_opt) {
    task_id = g_strdup (task_id_opt);
  } else {
    gchar *uuid = g_uuid_string_random ();

    task_id = g_strconcat ("MediaConvert-", uuid, NULL);
    g_free (uuid);
  }
  i = imm_queue_has_result (q, task_id, &err);
  if (i == 0 && wait)
    after = imm_queue_last_result_id (q, &err);
  if (i == 1) {
    fprintf (stderr, "imm-convert: task id %s has a result already; a task "
        "id is used once\n", task_id);
    ret = EXIT_USAGE;
  } else if (err == NULL
      && (entry = imm_queue_submit (q, task_id, data, &err)) != NULL) {
    g_free (entry);
    if (wait) {
      ret = wait_result (q, task_id, after, timeout_s);
      after = NULL;
    } else {
      printf ("%s\n", task_id);
    }
  }
  if (err != NULL) {
    fprintf (stderr, "imm-convert: %s\n", err->message);
    g_error_free (err);
    ret = EXIT_USAGE;
  }
  g_free (after);
  g_free (task_id);
  g_free (data);
  imm_queue_free (q);
  return ret;
}
