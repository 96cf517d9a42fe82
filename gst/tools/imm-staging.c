/* imm-convert: where every output file goes, first and last.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The one module that knows output paths. Each output's URI template is
 * expanded here (per index), confined to the storage root, checked for
 * collisions with every other output before anything runs, written by the
 * pipelines into a hidden staging directory in the storage root and moved
 * into place only when every output is complete, so nobody sees half a
 * file and a failed task leaves nothing new behind.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "imm/imm-sink-pattern.h"
#include "imm/imm-template.h"
#include "imm-fileops.h"
#include "imm-task-private.h"
#include "imm-restrict.h"       /* worker hook (issue 14) */

/* Outputs with more possible files than this are checked by pattern. */
#define MAX_ENUMERATED 100000
#define UNBOUNDED G_MAXUINT

typedef enum
{
  /* No staging directory yet: nothing to clean up. */
  STAGING_EMPTY,
  /* The staging directory exists; the pipelines write into it. */
  STAGING_WRITING,
  /* Files are being moved into place; a failure takes them back out. */
  STAGING_COMMITTING,
  /* Every file is in place; the staging directory only needs removing. */
  STAGING_COMMITTED,
} StagingState;

/* One output's paths. */
typedef struct
{
  const ImmOutput *out;
  gchar *field;                 /* "<JSON path>.URI", for messages */
  GHashTable *vars;             /* the task's variables plus autoext; index
                                 * is set by expand() on this copy only */
  gchar *final_pattern;         /* multifilesink location (%d) or the path */
  guint max_files;              /* known before running, or UNBOUNDED */
  guint committed;              /* files 1..committed moved into place one
                                 * by one while running (live, highlights) */
} StagedOutput;

struct _Staging
{
  StagingState state;
  gchar *dir;
  gboolean keep;                /* --print-pipeline reads a cover from it */
  StagedOutput *outputs;
  guint n_outputs;
  gchar **sink_locations;
  GPtrArray *created_dirs;      /* made for final paths, removed on failure */
  GPtrArray *renamed;           /* final paths moved into place */
};

Staging *
staging_new (void)
{
  Staging *s = g_new0 (Staging, 1);

  s->state = STAGING_EMPTY;
  s->created_dirs = g_ptr_array_new_with_free_func (g_free);
  s->renamed = g_ptr_array_new_with_free_func (g_free);
  return s;
}

/* Lexically normalised @path if it stays inside the storage root, else
 * NULL. */
gchar *
staging_confine (Task * t, const gchar * path)
{
  gchar *abs = g_canonicalize_filename (path, t->storage_root);
  gsize n = strlen (t->storage_root);

  if (strncmp (abs, t->storage_root, n) == 0 && (abs[n] == '/'
          || (n == 1 && t->storage_root[0] == '/')) && abs[n + 1] != '\0'
      /* worker hook (issue 14): no symlink leading out in restricted mode */
      && (!imm_restrict_enabled () || imm_restrict_path_inside (abs)))
    return abs;
  g_free (abs);
  return NULL;
}

/* Local file of an output URI (oss://, file://, absolute or relative path),
 * confined to the storage root. */
static gchar *
output_path (Task * t, const gchar * uri, const gchar * field)
{
  gchar *local, *path;

  if (g_str_has_prefix (uri, "oss://")) {
    local = g_strdup (uri + 6);
  } else if (g_str_has_prefix (uri, "file://")) {
    local = g_filename_from_uri (uri, NULL, NULL);
    if (local == NULL) {
      task_fail (t, IMM_CODE_INVALID_ARGUMENT,
          "%s: not a valid file:// URI '%s'", field, uri);
      return NULL;
    }
  } else if (strstr (uri, "://") != NULL) {
    task_fail (t, IMM_CODE_INVALID_ARGUMENT,
        "%s: outputs go to oss://, file:// or a local path, not '%s'",
        field, uri);
    return NULL;
  } else {
    local = g_strdup (uri);
  }
  path = staging_confine (t, local);
  if (path == NULL)
    task_fail (t, IMM_CODE_INVALID_ARGUMENT,
        "%s: '%s' is outside the storage root %s", field, uri, t->storage_root);
  g_free (local);
  return path;
}



/* The output's URI for @index as the request has it (the result lists
 * these) and its local path; %FALSE once it failed the task. */
static gboolean
expand (Task * t, StagedOutput * so, guint index, ImmTemplateFlags flags,
    gchar ** uri, gchar ** path)
{
  GError *err = NULL;
  gchar *u, *local = NULL, *p;

  g_hash_table_insert (so->vars, g_strdup ("index"),
      g_strdup_printf ("%u", index));
  /* values put into a file:// URI are escaped: the result lists URIs */
  u = imm_template_expand (so->out->uri, so->vars, flags |
      (g_str_has_prefix (so->out->uri, "file://") ? IMM_TEMPLATE_URI : 0),
      &err);
  if (u == NULL) {
    task_fail (t, IMM_CODE_INVALID_ARGUMENT, "%s: %s", so->field, err->message);
    g_error_free (err);
    return FALSE;
  }
  /* A file:// URI becomes its local path before the expansion: in the
   * sink pattern, %d and a literal % doubled would read as URI escapes
   * (file:///out/a-{index}.jpg gave "a-%d.jpg", not a valid URI). */
  if (g_str_has_prefix (so->out->uri, "file://")) {
    local = g_filename_from_uri (so->out->uri, NULL, NULL);
    if (local == NULL) {
      task_fail (t, IMM_CODE_INVALID_ARGUMENT,
          "%s: not a valid file:// URI '%s'", so->field, so->out->uri);
      g_free (u);
      return FALSE;
    }
    p = imm_template_expand (local, so->vars, flags, &err);
    g_free (local);
    if (p == NULL) {
      task_fail (t, IMM_CODE_INVALID_ARGUMENT, "%s: %s", so->field,
          err->message);
      g_error_free (err);
      g_free (u);
      return FALSE;
    }
    *path = output_path (t, p, so->field);
    g_free (p);
  } else {
    *path = output_path (t, u, so->field);
  }
  if (*path == NULL) {
    g_free (u);
    return FALSE;
  }
  if (uri)
    *uri = u;
  else
    g_free (u);
  return TRUE;
}

/**
 * staging_output_uri:
 * @uri: (out) (optional): the URI of file @index as the request has it
 * @path: (out): its final local path
 *
 * The one place an output file's name is worked out.
 */
gboolean
staging_output_uri (Task * t, guint output, guint index, gchar ** uri,
    gchar ** path)
{
  return expand (t, &t->staging->outputs[output], index, IMM_TEMPLATE_PLAIN,
      uri, path);
}

/* Expands every output's template once (index 1 and the sink pattern), so
 * a bad URI fails before the sources are probed. */
gboolean
staging_resolve_outputs (Task * t)
{
  Staging *s = t->staging;
  guint i;

  s->n_outputs = t->req->outputs->len;
  s->outputs = g_new0 (StagedOutput, s->n_outputs);
  for (i = 0; i < s->n_outputs; i++) {
    StagedOutput *so = &s->outputs[i];
    GHashTableIter iter;
    gpointer k, v;
    gchar *first = NULL;

    so->out = g_ptr_array_index (t->req->outputs, i);
    so->field = g_strconcat (so->out->path, ".URI", NULL);
    so->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_iter_init (&iter, t->vars);
    while (g_hash_table_iter_next (&iter, &k, &v))
      g_hash_table_insert (so->vars, g_strdup (k), g_strdup (v));
    g_hash_table_insert (so->vars, g_strdup ("autoext"),
        g_strdup (imm_output_format_extension (so->out->format)));
    so->max_files = UNBOUNDED;
    if (!expand (t, so, 1, IMM_TEMPLATE_PLAIN, NULL, &first)
        || !expand (t, so, 1, so->out->animation ? IMM_TEMPLATE_PLAIN :
            IMM_TEMPLATE_PRINTF, NULL, &so->final_pattern)) {
      g_free (first);
      return FALSE;
    }
    g_free (first);
  }
  return TRUE;
}

/* The most files output @so can write, as far as it is known before
 * running: a Number, or the interval targets in a known duration. */
static guint
max_files (Task * t, const StagedOutput * so)
{
  const ImmOutput *out = so->out;
  gdouble span, n;

  if (out->animation || !out->multi || t->cover_file != NULL)
    return 1;
  if (out->highlight)
    return out->number > 0 ? out->number : UNBOUNDED;
  if (out->number > 0)
    return out->number;
  if (out->mode == IMM_SNAPSHOT_INTERVAL && out->interval > 0
      && t->range_known && t->range > 0) {
    span = (gdouble) t->range / GST_SECOND - out->start_time;
    n = span <= 0 ? 1 : floor (span / out->interval) + 1;
    if (n <= MAX_ENUMERATED)
      return (guint) n;
  }
  return UNBOUNDED;
}

/* Whether @i collides with an earlier output; fails the task naming both
 * when it does. @seen maps the files of earlier bounded outputs to their
 * output. */
static gboolean
check_output (Task * t, guint i, GHashTable * seen)
{
  Staging *s = t->staging;
  StagedOutput *so = &s->outputs[i];
  GHashTableIter iter;
  gpointer k, v;
  guint j, idx;

  for (j = 0; j < i; j++) {
    StagedOutput *other = &s->outputs[j];

    if (so->max_files == UNBOUNDED && other->max_files == UNBOUNDED
        && imm_sink_patterns_overlap (so->final_pattern, other->final_pattern))
      return task_fail (t, IMM_CODE_INVALID_ARGUMENT, "%s: can write the "
          "same file as %s; give them different names", so->field,
          other->field);
  }
  if (so->max_files == UNBOUNDED) {
    g_hash_table_iter_init (&iter, seen);
    while (g_hash_table_iter_next (&iter, &k, &v))
      if (imm_sink_pattern_can_write (so->final_pattern, k))
        return task_fail (t, IMM_CODE_INVALID_ARGUMENT, "%s: can write the "
            "same file as %s ('%s')", so->field,
            s->outputs[GPOINTER_TO_UINT (v)].field, (const gchar *) k);
    return TRUE;
  }
  for (idx = 1; idx <= so->max_files; idx++) {
    gchar *path = NULL;

    if (!expand (t, so, idx, IMM_TEMPLATE_PLAIN, NULL, &path))
      return FALSE;
    if (g_hash_table_lookup_extended (seen, path, NULL, &v)) {
      g_free (path);
      return task_fail (t, IMM_CODE_INVALID_ARGUMENT, "%s: writes the same "
          "file as %s", so->field, s->outputs[GPOINTER_TO_UINT (v)].field);
    }
    for (j = 0; j < i; j++) {
      StagedOutput *other = &s->outputs[j];

      if (other->max_files == UNBOUNDED
          && imm_sink_pattern_can_write (other->final_pattern, path)) {
        task_fail (t, IMM_CODE_INVALID_ARGUMENT, "%s: can write the same "
            "file as %s ('%s')", so->field, other->field, path);
        g_free (path);
        return FALSE;
      }
    }
    g_hash_table_insert (seen, path, GUINT_TO_POINTER (i));
  }
  return TRUE;
}

/* No two outputs may write one file. Every file whose index is known
 * before running (a Number, interval targets in a known duration) is
 * compared by name; outputs whose count is not known yet are compared by
 * pattern, and refused when a collision is possible at all. Needs the
 * probed durations. */
gboolean
staging_check_collisions (Task * t)
{
  Staging *s = t->staging;
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < s->n_outputs; i++)
    s->outputs[i].max_files = max_files (t, &s->outputs[i]);
  for (i = 0; i < s->n_outputs && ok; i++)
    ok = check_output (t, i, seen);
  g_hash_table_unref (seen);
  return ok;
}

/* Creates the hidden staging directory the pipelines write into. */
gboolean
staging_open (Task * t)
{
  Staging *s = t->staging;
  gchar *tmpl = g_build_filename (t->storage_root, ".imm-convert-XXXXXX",
      NULL);

  if (g_mkdir_with_parents (t->storage_root, 0755) != 0
      || g_mkdtemp (tmpl) == NULL) {
    task_fail (t, IMM_CODE_INTERNAL,
        "cannot create a temporary directory in %s: %s", t->storage_root,
        g_strerror (errno));
    g_free (tmpl);
    return FALSE;
  }
  s->dir = tmpl;
  s->state = STAGING_WRITING;
  return TRUE;
}

const gchar *
staging_dir (Task * t)
{
  return t->staging->dir;
}

/* Leaves the staging directory behind (a printed pipeline reads from it). */
void
staging_keep (Task * t)
{
  t->staging->keep = TRUE;
}

/* The staging file of output @i: its animation file (@index 0), its file
 * @index, or with @index -1 the multifilesink pattern. */
static gchar *
temp_file (Task * t, guint i, gint index)
{
  const ImmOutput *out = t->staging->outputs[i].out;
  const gchar *ext = imm_output_format_extension (out->format);
  gchar *name, *path;

  if (out->animation)
    name = g_strdup_printf ("out%u.%s", i, ext);
  else if (index < 0)
    name = g_strdup_printf ("out%u-%%d.%s", i, ext);
  else
    name = g_strdup_printf ("out%u-%d.%s", i, index, ext);
  path = g_build_filename (t->staging->dir, name, NULL);
  g_free (name);
  return path;
}

/**
 * staging_sink_locations:
 * @final: the final places (--print-pipeline) instead of the staging files
 *
 * Returns: the location of each output's sink, %NULL-terminated.
 */
const gchar *const *
staging_sink_locations (Task * t, gboolean final)
{
  Staging *s = t->staging;
  guint i;

  if (s->sink_locations == NULL) {
    s->sink_locations = g_new0 (gchar *, s->n_outputs + 1);
    for (i = 0; i < s->n_outputs; i++)
      s->sink_locations[i] = final ? g_strdup (s->outputs[i].final_pattern) :
          temp_file (t, i, -1);
  }
  return (const gchar * const *) s->sink_locations;
}

/* The output whose sink writes @location, or -1. */
gint
staging_output_of_sink (Task * t, const gchar * location)
{
  Staging *s = t->staging;
  guint i;

  for (i = 0; s->sink_locations && i < s->n_outputs; i++)
    if (g_strcmp0 (location, s->sink_locations[i]) == 0)
      return (gint) i;
  return -1;
}

/* Forgets what the outputs of @pp wrote and counted, for a rerun. */
void
staging_discard (Task * t, const ImmPlanPipeline * pp)
{
  guint i;

  for (i = 0; i < pp->outputs->len; i++) {
    guint o = g_array_index (pp->outputs, guint, i);
    const ImmOutput *out = t->staging->outputs[o].out;
    gboolean more = TRUE;
    gint k;

    t->frames_seen -= MIN (t->frames_seen, t->results[o].frames);
    t->results[o].frames = 0;
    /* an animation's one file, or a snapshot's files 1, 2, ... */
    for (k = out->animation ? 0 : 1; more; k++) {
      gchar *f = temp_file (t, o, k);

      more = g_unlink (f) == 0 && !out->animation;
      g_free (f);
    }
  }
}

/* Fails the task for output @out that got no frame: the request asked
 * for a range the source does not have. */
gboolean
staging_fail_no_frame (Task * t, const ImmOutput * out)
{
  return task_fail (t, IMM_CODE_INVALID_ARGUMENT, "%s: no frame in the "
      "requested range (is StartTime past the end of the source?)", out->path);
}

/* Counts the files each output wrote; an output without any fails. */
gboolean
staging_collect (Task * t)
{
  Staging *s = t->staging;
  guint i;

  for (i = 0; i < s->n_outputs; i++) {
    const ImmOutput *out = s->outputs[i].out;
    ImmOutputResult *res = &t->results[i];

    if (out->animation) {
      gchar *f = temp_file (t, i, 0);
      GStatBuf st;
      gboolean empty = g_stat (f, &st) != 0 || st.st_size == 0;

      g_free (f);
      if (res->frames == 0 || empty)
        return staging_fail_no_frame (t, out);
    } else {
      gint k;

      for (k = s->outputs[i].committed + 1;; k++) {
        gchar *f = temp_file (t, i, k);
        gboolean exists = g_file_test (f, G_FILE_TEST_IS_REGULAR);

        g_free (f);
        if (!exists)
          break;
        /* Placeholder entries; staging_commit() fills in the URIs. */
        g_ptr_array_add (res->files, g_strdup (""));
      }
      /* A live stream may end before anything was due, and a video may
       * have no event: no file is then the right answer. */
      if (res->files->len == 0 && !t->live && !out->highlight)
        return staging_fail_no_frame (t, out);
      /* Every file is one captured frame (a highlight: one clip), also
       * for covers, which have no immsnapshot to count them. */
      res->frames = res->files->len;
    }
  }
  return TRUE;
}

/* Moves every finished file into place. The whole list is worked out
 * before the first rename. */
gboolean
staging_commit (Task * t)
{
  Staging *s = t->staging;
  GPtrArray *from = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *to = g_ptr_array_new_with_free_func (g_free);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = TRUE;
  guint i, k;

  for (i = 0; i < s->n_outputs && ok; i++) {
    const ImmOutput *out = s->outputs[i].out;
    ImmOutputResult *res = &t->results[i];
    guint n = out->animation ? 1u : res->files->len;
    guint done = out->animation ? 0 : s->outputs[i].committed;

    /* the files committed while running keep their entries */
    g_ptr_array_set_size (res->files, done);
    for (k = done; k < n && ok; k++) {
      gchar *uri = NULL, *path = NULL;

      if (!staging_output_uri (t, i, k + 1, &uri, &path)) {
        ok = FALSE;
        break;
      }
      /* The collision check makes this unreachable; kept because a
       * rename over another output's file would lose it silently. */
      if (g_hash_table_contains (seen, path)) {
        ok = task_fail (t, IMM_CODE_INTERNAL, "%s.URI: two outputs would "
            "both be written to '%s'", out->path, uri);
        g_free (path);
        g_free (uri);
        break;
      }
      g_ptr_array_add (from, temp_file (t, i, out->animation ? 0 : k + 1));
      g_ptr_array_add (to, path);
      g_hash_table_add (seen, path);
      g_ptr_array_add (res->files, uri);
    }
  }
  s->state = STAGING_COMMITTING;
  for (i = 0; i < to->len && ok; i++) {
    const gchar *dst = g_ptr_array_index (to, i);
    GError *err = NULL;

    if (!fileops_make_parents (dst, s->created_dirs, &err)
        || !fileops_move_into_place (g_ptr_array_index (from, i), dst, &err)) {
      ok = task_fail_error (t, err, IMM_CODE_INTERNAL);
    } else {
      g_ptr_array_add (s->renamed, g_strdup (dst));
      note (t, "wrote %s", dst);
    }
  }
  if (ok)
    s->state = STAGING_COMMITTED;
  g_hash_table_unref (seen);
  g_ptr_array_unref (from);
  g_ptr_array_unref (to);
  return ok;
}

/**
 * staging_commit_file:
 * @output: a snapshot or highlight output
 * @index: the number of the file its multifilesink just wrote (from 1)
 *
 * Moves one finished file into place while the pipeline runs (a live
 * source, a highlight clip) and lists it in the result. Such files stay
 * when the task fails later: they were complete when they were committed,
 * and a live task that stalls keeps what it wrote (SPEC "Live sources").
 * Files past the output's Number are removed.
 */
gboolean
staging_commit_file (Task * t, guint output, guint index)
{
  StagedOutput *so = &t->staging->outputs[output];
  ImmOutputResult *res = &t->results[output];
  gchar *from = temp_file (t, output, index), *uri = NULL, *path = NULL;
  GError *err = NULL;
  gboolean ok = TRUE;

  /* multifilesink writes its files in index order, one message each */
  if (index != so->committed + 1 || (so->out->number > 0
          && index > so->out->number)) {
    g_unlink (from);
    g_free (from);
    return TRUE;
  }
  if (!staging_output_uri (t, output, index, &uri, &path)) {
    ok = FALSE;
  } else if (!fileops_make_parents (path, t->staging->created_dirs, &err)
      || !fileops_move_into_place (from, path, &err)) {
    ok = task_fail_error (t, err, IMM_CODE_INTERNAL);
  } else {
    so->committed = index;
    g_ptr_array_add (res->files, uri);
    uri = NULL;
    res->frames = res->files->len;
    note (t, "wrote %s", path);
  }
  g_free (uri);
  g_free (path);
  g_free (from);
  return ok;
}

/* The number of files committed one by one so far. */
guint
staging_committed (Task * t)
{
  guint i, n = 0;

  for (i = 0; i < t->staging->n_outputs; i++)
    n += t->staging->outputs[i].committed;
  return n;
}

/* The single cleanup path: a task that did not succeed takes back what
 * it moved into place and the directories it made; the staging directory
 * goes either way. */
void
staging_free (Task * t, gboolean succeeded)
{
  Staging *s = t->staging;
  guint i;

  if (s == NULL)
    return;
  if (!succeeded && s->state >= STAGING_COMMITTING) {
    for (i = 0; i < s->renamed->len; i++)
      g_unlink (g_ptr_array_index (s->renamed, i));
    for (i = s->created_dirs->len; i > 0; i--)
      g_rmdir (g_ptr_array_index (s->created_dirs, i - 1));
  }
  if (s->state != STAGING_EMPTY && !s->keep)
    fileops_remove_tree (s->dir);
  for (i = 0; i < s->n_outputs; i++) {
    g_free (s->outputs[i].field);
    g_free (s->outputs[i].final_pattern);
    if (s->outputs[i].vars)
      g_hash_table_unref (s->outputs[i].vars);
  }
  g_free (s->outputs);
  g_strfreev (s->sink_locations);
  g_ptr_array_unref (s->created_dirs);
  g_ptr_array_unref (s->renamed);
  g_free (s->dir);
  g_free (s);
  t->staging = NULL;
}
