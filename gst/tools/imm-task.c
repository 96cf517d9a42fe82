/* imm-convert: the task runner.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One task, step by step: parse the request, resolve the sources and the
 * outputs, probe the sources, check the outputs for collisions, plan the
 * pipelines, run them, collect and commit what they wrote, report. All
 * decisions live in gst/imm/; the steps live in imm-probe.c (sources),
 * imm-staging.c (output files) and imm-pipeline.c (running).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "imm/imm-template.h"
#include "imm-task-private.h"
#include "imm-restrict.h"       /* worker hook (issue 14) */

/* Set by imm_task_interrupt() (a signal handler): the running pipeline
 * stops and the single cleanup path removes everything the task wrote;
 * on a live source, which has no end of its own, the task ends there and
 * succeeds with what it wrote. */
static volatile sig_atomic_t interrupted;

/**
 * imm_task_interrupt:
 *
 * Stops the running task: as failed, or on a live source as ended (SPEC
 * "Live sources"). Safe to call from a signal handler.
 */
void
imm_task_interrupt (void)
{
  interrupted = 1;
}

gboolean
task_interrupted (void)
{
  return interrupted != 0;
}

/* Fails the task; returns %FALSE for `return task_fail (...)`. */
gboolean
task_fail (Task * t, ImmResultCode code, const gchar * fmt, ...)
{
  va_list args;

  /* The first failure is the cause; later ones are consequences. */
  if (t->message != NULL)
    return FALSE;
  va_start (args, fmt);
  t->message = g_strdup_vprintf (fmt, args);
  va_end (args);
  t->code = code;
  return FALSE;
}

/* Fails the task with @err (consumed), its Code from the one table. */
gboolean
task_fail_error (Task * t, GError * err, ImmResultCode otherwise)
{
  task_fail (t, imm_result_code_from_error (err, otherwise), "%s",
      err->message);
  g_error_free (err);
  return FALSE;
}

void
note (Task * t, const gchar * fmt, ...)
{
  va_list args;

  if (t->opts.verbosity < 2)
    return;
  if (t->progress_shown) {
    /* not in the middle of the progress line */
    fputc ('\n', stderr);
    t->progress_shown = FALSE;
  }
  va_start (args, fmt);
  fprintf (stderr, "imm-convert: ");
  vfprintf (stderr, fmt, args);
  fprintf (stderr, "\n");
  va_end (args);
}

/* Parses the request and sets up what the steps fill in. */
static gboolean
parse (Task * t, const gchar * data)
{
  GError *err = NULL;
  guint i, n_out;

  t->req = imm_request_parse (data, -1, &err);
  if (t->req == NULL) {
    /* Still report ProjectName/UserData and notify if asked to. */
    t->req = imm_request_peek (data, -1);
    return task_fail_error (t, err, IMM_CODE_INVALID_ARGUMENT);
  }
  /* worker hook (issue 14): a queued request names only allowed URIs */
  if (imm_restrict_enabled ()) {
    ImmResultCode code;
    gchar *msg = NULL;

    if (!imm_restrict_check_request (t->req, &code, &msg)) {
      task_fail (t, code, "%s", msg);
      g_free (msg);
      return FALSE;
    }
  }
  n_out = t->req->outputs->len;
  t->source_uris = g_new0 (gchar *, t->req->sources->len + 1);
  t->results = g_new0 (ImmOutputResult, n_out);
  for (i = 0; i < n_out; i++)
    t->results[i].files = g_ptr_array_new_with_free_func (g_free);
  imm_template_vars_set_time (t->vars, "t_", t->start);
  imm_template_vars_set_tags (t->vars, t->req->tags);
  g_hash_table_insert (t->vars, g_strdup ("streamindex"), g_strdup ("0"));
  return TRUE;
}

static gboolean
resolve_sources (Task * t)
{
  guint i;

  for (i = 0; i < t->req->sources->len; i++)
    if (!probe_resolve_source (t, i))
      return FALSE;
  return TRUE;
}

/* A live HLS playlist is only known once probed: the request's limits on
 * live sources are checked again. */
static gboolean
check_live (Task * t)
{
  GError *err = NULL;

  t->live = ((ImmSource *) g_ptr_array_index (t->req->sources, 0))->live;
  if (!imm_request_check_live (t->req, &err))
    return task_fail_error (t, err, IMM_CODE_INVALID_ARGUMENT);
  return TRUE;
}

static ImmPlan *
plan (Task * t, ImmPlanInput * in, ImmPlanFlags flags)
{
  GError *err = NULL;
  ImmPlan *p;

  memset (in, 0, sizeof (*in));
  in->source_uris = (const gchar * const *) t->source_uris;
  in->locations = staging_sink_locations (t, t->opts.print_pipeline);
  in->cover_location = t->cover_file;
  if (t->first_video != NULL) {
    in->first_width = gst_discoverer_video_info_get_width (t->first_video);
    in->first_height = gst_discoverer_video_info_get_height (t->first_video);
    in->first_par_n = gst_discoverer_video_info_get_par_num (t->first_video);
    in->first_par_d = gst_discoverer_video_info_get_par_denom (t->first_video);
  }
  p = imm_plan_build_full (t->req, in, flags, &err);
  if (p == NULL)
    task_fail_error (t, err, IMM_CODE_INTERNAL);
  return p;
}

/* --print-pipeline: the shell lines that would run. */
static gchar *
plan_to_shell (Task * t, const ImmPlan * p)
{
  GString *s = g_string_new (NULL);
  GHashTable *dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  const gchar *const *locations = staging_sink_locations (t, TRUE);
  guint i;

  /* multifilesink and filesink do not create directories. */
  for (i = 0; locations[i] != NULL; i++) {
    gchar *d = g_path_get_dirname (locations[i]);

    if (!g_file_test (d, G_FILE_TEST_IS_DIR)
        && !g_hash_table_contains (dirs, d)) {
      gchar *q = g_shell_quote (d);

      g_string_append_printf (s, "mkdir -p %s\n", q);
      g_free (q);
      g_hash_table_add (dirs, d);
    } else {
      g_free (d);
    }
  }
  g_hash_table_unref (dirs);
  if (t->cover_file != NULL) {
    /* The pipeline reads the picture imm-convert took from the tags. */
    g_string_append_printf (s, "# cover picture of %s extracted to %s "
        "(remove it afterwards)\n", ((ImmSource *)
            g_ptr_array_index (t->req->sources, 0))->uri, t->cover_file);
    staging_keep (t);
  }
  for (i = 0; i < p->pipelines->len; i++) {
    gchar *line = imm_plan_pipeline_to_shell (g_ptr_array_index (p->pipelines,
            i));

    g_string_append_printf (s, "%s\n", line);
    g_free (line);
  }
  return g_string_free (s, FALSE);
}

/* Runs every pipeline of the plan. An HTTP server without Range requests
 * refuses seeks: the same plan without seeks (it groups the outputs the
 * same way) runs again from the pipeline that failed. */
static gboolean
run_plan (Task * t, ImmPlan ** p, ImmPlanInput * in)
{
  gboolean ok = TRUE, no_seek = FALSE;
  guint i = 0;

  t->n_pipelines = (*p)->pipelines->len;
  t->started_us = g_get_monotonic_time ();
  while (ok && i < (*p)->pipelines->len) {
    const ImmPlanPipeline *pp = g_ptr_array_index ((*p)->pipelines, i);
    gboolean seek_refused = FALSE;

    t->pipeline = i;
    ok = pipeline_run (t, pp, no_seek ? NULL : &seek_refused);
    if (!ok && seek_refused) {
      note (t, "the server refused a seek; running again without seeking");
      staging_discard (t, pp);
      imm_plan_free (*p);
      no_seek = TRUE;
      *p = plan (t, in, IMM_PLAN_NO_SEEK);
      ok = *p != NULL;
      continue;
    }
    i++;
  }
  return ok;
}

/* The steps; the first that fails ends the task. */
static gboolean
run_task (Task * t, const gchar * data, gchar ** shell)
{
  ImmPlanInput in;
  ImmPlan *p = NULL;
  gboolean ok;
  guint i;

  if (!parse (t, data) || !resolve_sources (t)
      || !staging_resolve_outputs (t) || !staging_open (t)
      || !probe_sources (t) || !check_live (t) || !staging_check_collisions (t)
      || !(p = plan (t, &in, IMM_PLAN_DEFAULT)))
    return FALSE;
  if (t->opts.print_pipeline) {
    *shell = plan_to_shell (t, p);
    imm_plan_free (p);
    return TRUE;
  }
  ok = run_plan (t, &p, &in) && staging_collect (t);
  if (p != NULL)
    imm_plan_free (p);
  if (ok) {
    /* the final line counts what was written (covers have no immsnapshot
     * to count them as they go) */
    t->frames_seen = 0;
    for (i = 0; i < t->req->outputs->len; i++)
      t->frames_seen += t->results[i].frames;
  }
  pipeline_show_progress (t, -1, TRUE, ok);
  return ok && staging_commit (t);
}

static void
notify (Task * t, const gchar * json)
{
  gchar *id, *line;
  FILE *f;

  if (t->opts.notify_file == NULL || t->req == NULL || !t->req->notify)
    return;
  id = g_uuid_string_random ();
  line = imm_result_envelope (t->req, json, id, g_get_real_time () / 1000);
  f = g_fopen (t->opts.notify_file, "a");
  if (f == NULL || fprintf (f, "%s\n", line) < 0 || fclose (f) != 0)
    fprintf (stderr, "imm-convert: cannot append the notification to %s: "
        "%s\n", t->opts.notify_file, g_strerror (errno));
  g_free (line);
  g_free (id);
}

static gchar *
result_json (Task * t, gboolean ok)
{
  ImmResult result = { 0 };
  GDateTime *end = g_date_time_new_now_local ();
  gchar *json;

  result.task_id = t->task_id;
  result.succeeded = ok;
  result.code = t->code;
  result.message = t->message;
  result.start = t->start;
  result.end = end;
  result.outputs = ok ? t->results : NULL;
  json = imm_result_to_json (t->req, &result, FALSE);
  g_date_time_unref (end);
  return json;
}

static void
task_clear (Task * t, gboolean ok)
{
  guint i;

  staging_free (t, ok);
  if (t->results) {
    for (i = 0; t->req && i < t->req->outputs->len; i++)
      g_ptr_array_unref (t->results[i].files);
    g_free (t->results);
  }
  imm_request_free (t->req);
  g_strfreev (t->source_uris);
  g_hash_table_unref (t->vars);
  g_free (t->cover_file);
  g_clear_object (&t->first_video);
  g_free (t->storage_root);
  g_free (t->task_id);
  g_free (t->message);
  g_date_time_unref (t->start);
}

/**
 * imm_task_run:
 * @request_json: the CreateMediaConvertTask request
 * @opts: how to run it
 * @result_json: (out): the result JSON (also on failure); with
 *   @opts->print_pipeline and success, the shell lines that would run
 *
 * Runs one task; needs gst_init(). A failure is also one line on stderr.
 * With a Notification and @opts->notify_file, appends the envelope there.
 *
 * Returns: %IMM_TASK_SUCCEEDED or %IMM_TASK_FAILED (see the result JSON).
 */
ImmTaskOutcome
imm_task_run (const gchar * request_json, const ImmTaskOptions * opts,
    gchar ** result_json_out)
{
  Task t = { 0 };
  const gchar *root = opts->storage_root;
  gchar *shell = NULL;
  gboolean ok;

  t.opts = *opts;
  t.storage_root = g_canonicalize_filename (root && *root ? root : ".", NULL);
  if (opts->task_id != NULL) {
    t.task_id = g_strdup (opts->task_id);
  } else {
    gchar *uuid = g_uuid_string_random ();

    t.task_id = g_strconcat ("MediaConvert-", uuid, NULL);
    g_free (uuid);
  }
  t.start = g_date_time_new_now_local ();
  t.vars = imm_template_vars_new ();
  t.staging = staging_new ();

  ok = run_task (&t, request_json, &shell);
  if (!ok)
    fprintf (stderr, "imm-convert: %s: %s\n", imm_result_code_name (t.code),
        t.message);
  if (ok && opts->print_pipeline) {
    *result_json_out = shell;
  } else {
    g_free (shell);
    *result_json_out = result_json (&t, ok);
    notify (&t, *result_json_out);
  }
  task_clear (&t, ok);
  return ok ? IMM_TASK_SUCCEEDED : IMM_TASK_FAILED;
}
