/* imm-convert: runs CreateMediaConvertTask image jobs (snapshots,
 * animations, audio covers) with GStreamer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The command line: options, reading the request, exit codes. The task
 * itself runs in imm-task.c (imm_task_run()), which other front ends can
 * call as well.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gst/gst.h>

#include "imm-fileops.h"
#include "imm-task.h"
/* worker hook (issue 14): queue worker, submit, restricted mode */
#include "imm-restrict.h"
#include "imm-worker.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

static void
on_signal (int sig)
{
  imm_task_interrupt ();
}

static void
help (void)
{
  printf ("Usage: imm-convert [options] REQUEST.json\n"
      "       imm-convert [options] -     (read the request from stdin)\n\n"
      "Runs the image jobs of a CreateMediaConvertTask request (frame "
      "capture,\nvideo to GIF/WebP, audio covers) and prints the result JSON "
      "on stdout.\n\n"
      "Options:\n"
      "  --storage-root DIR  where oss://bucket/key lives (DIR/bucket/key);\n"
      "                      default $IMM_STORAGE_ROOT, else the current "
      "directory\n"
      "  --print-pipeline    print the gst-launch-1.0 line(s) that would run "
      "and\n"
      "                      exit without running them\n"
      "  --notify FILE       when the request has a Notification, append the\n"
      "                      result to FILE as one JSON line in the API's\n"
      "                      notification envelope\n"
      "  --stall-timeout S   a live source that sends nothing for S seconds "
      "ends\n"
      "                      the task with an error, keeping the files "
      "written\n"
      "                      (default 30)\n"
      "  --quiet             no progress or notes on stderr (errors still)\n"
      "  --verbose           notes on stderr: pipelines run, files written\n"
      "  --version           print the version and exit\n"
      "  --worker URL        run tasks from Redis (see --worker --help)\n"
      "  --submit URL        queue a task in Redis (see --submit --help)\n"
      "  -h, --help          this help\n\n"
      "Exit status: 0 the task succeeded, 1 the task failed (see Code and\n"
      "Message in the result), 2 usage error (bad option, unreadable file).\n");
}

static gboolean
takes_argument (const gchar * opt)
{
  return strcmp (opt, "--storage-root") == 0 || strcmp (opt, "--notify") == 0
      || strcmp (opt, "--stall-timeout") == 0
      /* worker hook (issue 14) */
      || strcmp (opt, "--task-id") == 0 || strcmp (opt, "--allow-hosts") == 0;
}

static gint
usage_error (const gchar * what, const gchar * arg)
{
  fprintf (stderr, "imm-convert: %s%s (see imm-convert --help)\n", what, arg);
  return EXIT_USAGE;
}

int
main (int argc, char **argv)
{
  ImmTaskOptions opts = { 0 };
  const gchar *request_file = NULL;
  gchar *data, *out = NULL;
  GError *err = NULL;
  ImmTaskOutcome outcome;
  gint i;
  /* worker hook (issue 14): options a worker gives each task's process */
  const gchar *allow_hosts = NULL;
  gboolean restricted = FALSE;

  /* worker hook (issue 14): --worker and --submit are modes of their own */
  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "--worker") == 0)
      return imm_worker_main (argc, argv);
    if (strcmp (argv[i], "--submit") == 0)
      return imm_submit_main (argc, argv);
  }

  opts.verbosity = 1;
  for (i = 1; i < argc; i++) {
    const gchar *a = argv[i];

    if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0) {
      help ();
      return 0;
    } else if (strcmp (a, "--version") == 0) {
      printf ("imm-convert %s\n", VERSION);
      return 0;
    } else if (strcmp (a, "--storage-root") == 0 && i + 1 < argc) {
      opts.storage_root = argv[++i];
    } else if (strcmp (a, "--notify") == 0 && i + 1 < argc) {
      opts.notify_file = argv[++i];
    } else if (strcmp (a, "--stall-timeout") == 0 && i + 1 < argc) {
      gchar *end = NULL;

      opts.stall_timeout = g_ascii_strtod (argv[++i], &end);
      if (end == argv[i] || *end != '\0' || !(opts.stall_timeout > 0)
          || opts.stall_timeout > 1e6)
        return usage_error ("--stall-timeout needs a number of seconds > 0, "
            "got ", argv[i]);
    } else if (strcmp (a, "--task-id") == 0 && i + 1 < argc) {
      opts.task_id = argv[++i]; /* worker hook (issue 14) */
    } else if (strcmp (a, "--allow-hosts") == 0 && i + 1 < argc) {
      allow_hosts = argv[++i];  /* worker hook (issue 14) */
    } else if (strcmp (a, "--restricted") == 0) {
      restricted = TRUE;        /* worker hook (issue 14) */
    } else if (strcmp (a, "--print-pipeline") == 0) {
      opts.print_pipeline = TRUE;
    } else if (strcmp (a, "--quiet") == 0) {
      opts.verbosity = 0;
    } else if (strcmp (a, "--verbose") == 0) {
      opts.verbosity = 2;
    } else if (takes_argument (a)) {
      return usage_error ("missing argument after ", a);
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error ("unknown option ", a);
    } else if (request_file == NULL) {
      request_file = a;
    } else {
      return usage_error ("only one request file can be given, got also ", a);
    }
  }
  if (request_file == NULL)
    return usage_error ("no request file given", "");

  data = fileops_read_request (request_file, &err);
  if (data == NULL) {
    fprintf (stderr, "imm-convert: cannot read the request: %s\n",
        err->message);
    g_error_free (err);
    return EXIT_USAGE;
  }

  gst_init (NULL, NULL);
  if (opts.storage_root == NULL)
    opts.storage_root = g_getenv ("IMM_STORAGE_ROOT");
  opts.progress = opts.verbosity >= 1 && !opts.print_pipeline && isatty (2);
  /* worker hook (issue 14): a queued request names only allowed URIs */
  if (restricted) {
    gchar *root = g_canonicalize_filename (opts.storage_root
        && *opts.storage_root ? opts.storage_root : ".", NULL);

    imm_restrict_enable (root, allow_hosts);
    g_free (root);
  }
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);

  outcome = imm_task_run (data, &opts, &out);
  g_free (data);
  /* the result JSON, or the pipelines of --print-pipeline */
  fputs (out, stdout);
  if (!g_str_has_suffix (out, "\n"))
    fputc ('\n', stdout);
  g_free (out);
  return outcome == IMM_TASK_SUCCEEDED ? 0 : EXIT_FAILED;
}
