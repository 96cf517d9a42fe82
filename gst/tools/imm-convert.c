/* imm-convert: runs CreateMediaConvertTask image jobs (snapshots,
 * animations, audio covers) with GStreamer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * All decisions (validation, templates, pipelines) live in gst/imm/; this
 * file resolves paths, probes the sources, runs the planned pipelines, moves
 * the finished files into place and reports.
 *
 * Output files are written into a hidden temporary directory inside the
 * storage root and renamed into place only when every pipeline succeeded,
 * so no reader ever sees half a file and a failed task leaves nothing new.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include "imm/imm-plan.h"
#include "imm/imm-request.h"
#include "imm/imm-result.h"
#include "imm/imm-template.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define PROBE_TIMEOUT (30 * GST_SECOND)
/* No new position and no message for this long: the pipeline is stuck. */
#define STALL_TIMEOUT_US (120 * G_USEC_PER_SEC)

typedef struct
{
  /* options */
  const gchar *request_file;
  gchar *storage_root;
  gboolean print_pipeline;
  const gchar *notify_file;
  gint verbosity;               /* 0 quiet, 1 normal, 2 verbose */

  /* task */
  gchar *task_id;
  GDateTime *start;
  ImmRequest *req;
  gchar **source_uris;          /* for uridecodebin */
  GHashTable *vars;             /* template variables, without index */
  gchar *tmp_dir;
  gboolean keep_tmp_dir;
  gchar *cover_file;
  GstDiscovererVideoInfo *first_video;  /* of the first source */
  gchar **locations;            /* sink location per output */
  ImmOutputResult *results;
  GPtrArray *created_dirs;      /* to remove again on failure */
  GPtrArray *renamed;           /* final paths moved into place */

  /* progress */
  gboolean progress;
  gboolean progress_shown;      /* a progress line is on the terminal */
  gint64 started_us;            /* monotonic time the first pipeline ran */
  guint pipeline, n_pipelines;  /* the one running, of how many */
  guint frames_seen;
  GstClockTime range;

  /* outcome */
  gint code;
  gchar *message;
} Task;

/* Set by SIGINT/SIGTERM: the running pipeline stops and the single
 * cleanup path removes everything the task wrote. */
static volatile sig_atomic_t interrupted;

static void
on_signal (int sig)
{
  interrupted = 1;
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
      "  --quiet             no progress or notes on stderr (errors still)\n"
      "  --verbose           notes on stderr: pipelines run, files written\n"
      "  --version           print the version and exit\n"
      "  -h, --help          this help\n\n"
      "Exit status: 0 the task succeeded, 1 the task failed (see Code and\n"
      "Message in the result), 2 usage error (bad option, unreadable file).\n");
}

static gboolean
G_GNUC_PRINTF (3, 4)
task_fail (Task * t, gint code, const gchar * fmt, ...)
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

static gboolean
task_fail_error (Task * t, GError * err)
{
  gint code = err->domain == IMM_REQUEST_ERROR ? err->code :
      IMM_REQUEST_ERROR_INTERNAL;

  task_fail (t, code, "%s", err->message);
  g_error_free (err);
  return FALSE;
}

static void
G_GNUC_PRINTF (2, 3)
note (Task * t, const gchar * fmt, ...)
{
  va_list args;

  if (t->verbosity < 2)
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

/* ---- paths ---- */

/* Lexically normalised @path if it stays inside the storage root, else
 * NULL. */
static gchar *
confine (Task * t, const gchar * path)
{
  gchar *abs = g_canonicalize_filename (path, t->storage_root);
  gsize n = strlen (t->storage_root);

  if (strncmp (abs, t->storage_root, n) == 0 && (abs[n] == '/'
          || (n == 1 && t->storage_root[0] == '/')) && abs[n + 1] != '\0')
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
      task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
          "%s: not a valid file:// URI '%s'", field, uri);
      return NULL;
    }
  } else if (strstr (uri, "://") != NULL) {
    task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
        "%s: outputs go to oss://, file:// or a local path, not '%s'",
        field, uri);
    return NULL;
  } else {
    local = g_strdup (uri);
  }
  path = confine (t, local);
  if (path == NULL)
    task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
        "%s: '%s' is outside the storage root %s", field, uri, t->storage_root);
  g_free (local);
  return path;
}

/* Resolves Sources[i].URI: sets the uridecodebin URI; local files must
 * exist. Fills the template variables from the first source. */
static gboolean
resolve_source (Task * t, guint i)
{
  const ImmSource *src = g_ptr_array_index (t->req->sources, i);
  gchar *path = NULL, *bucket = NULL, *key = NULL;
  const gchar *uri = src->uri;
  GStatBuf st;
  gboolean ok = TRUE;

  if (g_str_has_prefix (uri, "oss://")) {
    const gchar *slash = strchr (uri + 6, '/');

    if (slash == NULL || slash == uri + 6 || slash[1] == '\0')
      return task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
          "Sources[%u].URI: expected oss://bucket/key, got '%s'", i, uri);
    bucket = g_strndup (uri + 6, slash - (uri + 6));
    key = g_strdup (slash + 1);
    path = confine (t, uri + 6);
    if (path == NULL) {
      ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
          "Sources[%u].URI: '%s' is outside the storage root", i, uri);
      goto done;
    }
  } else if (g_str_has_prefix (uri, "file://")) {
    path = g_filename_from_uri (uri, NULL, NULL);
    if (path == NULL) {
      ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
          "Sources[%u].URI: not a valid file:// URI '%s'", i, uri);
      goto done;
    }
  } else if (g_str_has_prefix (uri, "http://")
      || g_str_has_prefix (uri, "https://")) {
    const gchar *p = strchr (strstr (uri, "://") + 3, '/');

    t->source_uris[i] = g_strdup (uri);
    bucket = g_strdup ("");
    key = g_strdup (p ? p + 1 : "");
  } else if (strstr (uri, "://") != NULL) {
    ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
        "Sources[%u].URI: unsupported scheme in '%s' (use oss://, file://, "
        "http(s):// or a path)", i, uri);
    goto done;
  } else {
    path = g_canonicalize_filename (uri, NULL);
  }

  if (path != NULL) {
    if (g_stat (path, &st) != 0) {
      ok = task_fail (t, IMM_REQUEST_ERROR_RESOURCE_NOT_FOUND,
          "Sources[%u].URI: '%s' not found (%s)", i, uri, g_strerror (errno));
      goto done;
    }
    if (!S_ISREG (st.st_mode)) {
      ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_FILE,
          "Sources[%u].URI: '%s' is not a regular file", i, uri);
      goto done;
    }
    t->source_uris[i] = gst_filename_to_uri (path, NULL);
    if (key == NULL) {
      bucket = g_strdup ("");
      key = g_strdup (path[0] == '/' ? path + 1 : path);
    }
    if (i == 0) {
      GDateTime *mtime = g_date_time_new_from_unix_local (st.st_mtime);

      imm_template_vars_set_time (t->vars, "", mtime);
      g_date_time_unref (mtime);
    }
  } else if (i == 0) {
    /* Remote sources: no modification time known, use the task's. */
    imm_template_vars_set_time (t->vars, "", t->start);
  }
  if (i == 0)
    imm_template_vars_set_location (t->vars, bucket, key);

done:
  g_free (path);
  g_free (bucket);
  g_free (key);
  return ok;
}

/* ---- probing ---- */

/* The descriptions of the missing plugins; *@fatal when one of them is
 * needed for the picture (a missing audio or subtitle decoder is not). */
static gchar *
missing_plugins (GstDiscovererInfo * info, gboolean * fatal)
{
  const gchar **details =
      gst_discoverer_info_get_missing_elements_installer_details (info);
  GString *s = g_string_new (NULL);
  guint i;

  *fatal = FALSE;
  for (i = 0; details && details[i]; i++) {
    /* gstreamer|1.0|app|DESCRIPTION|decoder-CAPS */
    gchar **f = g_strsplit (details[i], "|", 5);
    gboolean side = g_strv_length (f) >= 5
        && (g_str_has_prefix (f[4], "decoder-audio/")
        || g_str_has_prefix (f[4], "decoder-text/")
        || g_str_has_prefix (f[4], "decoder-subpicture/")
        || g_str_has_prefix (f[4], "decoder-subtitle/"));

    if (!side) {
      if (s->len)
        g_string_append (s, ", ");
      g_string_append (s, g_strv_length (f) >= 4 ? f[3] : details[i]);
      *fatal = TRUE;
    }
    g_strfreev (f);
  }
  return g_string_free (s, FALSE);
}

static gboolean
tags_cover (const GstTagList * tags, GstSample ** cover)
{
  return tags != NULL && (gst_tag_list_get_sample (tags, GST_TAG_IMAGE, cover)
      || gst_tag_list_get_sample (tags, GST_TAG_PREVIEW_IMAGE, cover));
}

/* The embedded picture: a stream tag (ID3 APIC, FLAC picture) or a
 * container tag (qtdemux posts MP4 covr as a global tag). */
static GstSample *
find_cover (GstDiscovererInfo * info)
{
  GstDiscovererStreamInfo *top = gst_discoverer_info_get_stream_info (info);
  GList *streams = gst_discoverer_info_get_stream_list (info), *l;
  GstSample *cover = NULL;

  for (l = streams; l && cover == NULL; l = l->next)
    tags_cover (gst_discoverer_stream_info_get_tags (l->data), &cover);
  /* the stream list holds the leaves only, not the container */
  if (cover == NULL && top != NULL && GST_IS_DISCOVERER_CONTAINER_INFO (top))
    tags_cover (gst_discoverer_container_info_get_tags
        (GST_DISCOVERER_CONTAINER_INFO (top)), &cover);
  gst_discoverer_stream_info_list_free (streams);
  if (top != NULL)
    gst_discoverer_stream_info_unref (top);
  return cover;
}

static gboolean
write_cover (Task * t, GstSample * cover)
{
  GstBuffer *buf = gst_sample_get_buffer (cover);
  GstMapInfo map;
  GError *err = NULL;
  gboolean ok;

  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return task_fail (t, IMM_REQUEST_ERROR_INVALID_FILE,
        "Sources[0].URI: the cover picture is empty");
  t->cover_file = g_build_filename (t->tmp_dir, "cover-source", NULL);
  ok = g_file_set_contents (t->cover_file, (const gchar *) map.data,
      map.size, &err);
  gst_buffer_unmap (buf, &map);
  if (!ok)
    return task_fail_error (t, err);
  return TRUE;
}

/* The discoverer reports a remote source it cannot open (connection
 * refused, no such host) with the stream error that followed, not the
 * source's own: opening the source alone tells. Returns that error, or
 * NULL when the source opens. */
static GError *
remote_open_error (const gchar * uri)
{
  GstElement *src = gst_element_make_from_uri (GST_URI_SRC, uri, NULL, NULL);
  GstElement *pipe, *sink;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;

  if (src == NULL)
    return NULL;
  pipe = gst_pipeline_new (NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  gst_bin_add_many (GST_BIN (pipe), src, sink, NULL);
  gst_element_link (src, sink);
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  msg = gst_bus_timed_pop_filtered (bus, PROBE_TIMEOUT,
      GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE);
  if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &err, NULL);
    /* souphttpsrc 1.22 fails a refused connection with a bare flow error */
    if (err->domain != GST_RESOURCE_ERROR
        && GST_MESSAGE_SRC (msg) == GST_OBJECT (src)) {
      GError *open = g_error_new (GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ, "could not connect or read (%s)",
          err->message);

      g_error_free (err);
      err = open;
    }
  }
  if (msg != NULL)
    gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return err;
}

/* Checks that every source can be decoded; an audio-only single source
 * switches to its cover picture. */
static gboolean
probe_sources (Task * t)
{
  GError *err = NULL;
  GstDiscoverer *disc = gst_discoverer_new (PROBE_TIMEOUT, &err);
  gboolean ok = TRUE;
  guint i;

  if (disc == NULL)
    return task_fail_error (t, err);
  for (i = 0; i < t->req->sources->len && ok; i++) {
    const ImmSource *src = g_ptr_array_index (t->req->sources, i);
    GstDiscovererInfo *info =
        gst_discoverer_discover_uri (disc, t->source_uris[i], &err);
    GstDiscovererResult r = info ? gst_discoverer_info_get_result (info) :
        GST_DISCOVERER_ERROR;
    GList *video;
    gboolean fatal = FALSE;
    gchar *missing = r == GST_DISCOVERER_MISSING_PLUGINS ?
        missing_plugins (info, &fatal) : NULL;

    if (fatal) {
      ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_FILE,
          "Sources[%u].URI: cannot decode '%s': missing GStreamer plugin: "
          "%s", i, src->uri, missing);
    } else if (r != GST_DISCOVERER_OK && r != GST_DISCOVERER_MISSING_PLUGINS) {
      /* Remote sources fail to open with a resource error (404, refused
       * connection, ...); local ones were checked to exist already. */
      if (gst_uri_is_valid (t->source_uris[i])
          && !g_str_has_prefix (t->source_uris[i], "file:")
          && (err == NULL || err->domain != GST_RESOURCE_ERROR)) {
        GError *open = remote_open_error (t->source_uris[i]);

        if (open != NULL) {
          g_clear_error (&err);
          err = open;
        }
      }
      if (err && err->domain == GST_RESOURCE_ERROR
          && err->code == GST_RESOURCE_ERROR_NOT_FOUND) {
        ok = task_fail (t, IMM_REQUEST_ERROR_RESOURCE_NOT_FOUND,
            "Sources[%u].URI: '%s' not found (%s)", i, src->uri, err->message);
      } else if (err && err->domain == GST_RESOURCE_ERROR) {
        ok = task_fail (t, IMM_REQUEST_ERROR_RESOURCE_NOT_FOUND,
            "Sources[%u].URI: cannot open '%s': %s", i, src->uri, err->message);
      } else {
        gint code = IMM_REQUEST_ERROR_INVALID_FILE;

        if (err && err->domain == GST_STREAM_ERROR
            && err->code == GST_STREAM_ERROR_DECODE)
          code = IMM_REQUEST_ERROR_DECODE_ERROR;
        ok = task_fail (t, code, "Sources[%u].URI: cannot read '%s' as "
            "media: %s", i, src->uri, err ? err->message : "timed out");
      }
    } else if ((video = gst_discoverer_info_get_video_streams (info))) {
      GstClockTime d = gst_discoverer_info_get_duration (info);

      /* Animations keep the size they get on this picture (the plan). */
      if (i == 0)
        t->first_video = g_object_ref (video->data);

      if (GST_CLOCK_TIME_IS_VALID (d)) {
        /* On the joined timeline a source lasts up to the end of its
         * range (a StartTime leaves its gap, see the plan). */
        if (src->duration > 0)
          d = MIN (d, (GstClockTime) ((src->start_time + src->duration) *
                  GST_SECOND));
        t->range += d;
      }
      gst_discoverer_stream_info_list_free (video);
    } else if (t->req->sources->len > 1) {
      ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_FILE,
          "Sources[%u].URI: '%s' has no video stream; only a single "
          "audio source can give its cover picture", i, src->uri);
    } else {
      GstSample *cover = find_cover (info);

      if (cover == NULL) {
        ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_FILE,
            "Sources[0].URI: '%s' has no video stream and no embedded cover "
            "picture", src->uri);
      } else {
        ok = write_cover (t, cover);
        gst_sample_unref (cover);
      }
    }
    g_free (missing);
    g_clear_error (&err);
    if (info)
      gst_discoverer_info_unref (info);
  }
  g_object_unref (disc);
  return ok;
}

/* ---- outputs ---- */

static gchar *
expand (Task * t, const ImmOutput * out, gint index, ImmTemplateFlags flags)
{
  GError *err = NULL;
  gchar *s, *idx = g_strdup_printf ("%d", index);

  g_hash_table_insert (t->vars, g_strdup ("autoext"),
      g_strdup (imm_output_format_extension (out->format)));
  g_hash_table_insert (t->vars, g_strdup ("index"), idx);
  s = imm_template_expand (out->uri, t->vars, flags, &err);
  if (s == NULL) {
    task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT, "%s.URI: %s",
        out->path, err->message);
    g_error_free (err);
  }
  return s;
}

/* Checks every output lands inside the root and no two collide; for
 * --print-pipeline sets the final locations. */
static gboolean
check_outputs (Task * t, gboolean final_locations)
{
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < t->req->outputs->len && ok; i++) {
    const ImmOutput *out = g_ptr_array_index (t->req->outputs, i);
    gchar *field = g_strconcat (out->path, ".URI", NULL);
    gchar *first = expand (t, out, 1, IMM_TEMPLATE_PLAIN);
    gchar *pattern = expand (t, out, 1, out->animation ? IMM_TEMPLATE_PLAIN :
        IMM_TEMPLATE_PRINTF);
    gchar *path = first ? output_path (t, first, field) : NULL;
    gchar *pat_path = pattern ? output_path (t, pattern, field) : NULL;
    const gchar *other;

    if (path == NULL || pat_path == NULL) {
      ok = FALSE;
    } else if ((other = g_hash_table_lookup (seen, path))
        || (other = g_hash_table_lookup (seen, pat_path))) {
      ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
          "%s: writes the same file as %s.URI", field, other);
    } else {
      g_hash_table_insert (seen, g_strdup (path), out->path);
      g_hash_table_insert (seen, g_strdup (pat_path), out->path);
      if (final_locations) {
        t->locations[i] = pat_path;
        pat_path = NULL;
      }
    }
    g_free (field);
    g_free (first);
    g_free (pattern);
    g_free (path);
    g_free (pat_path);
  }
  g_hash_table_unref (seen);
  return ok;
}

static gchar *
temp_file (Task * t, guint i, gint index)
{
  const ImmOutput *out = g_ptr_array_index (t->req->outputs, i);
  gchar *name;
  gchar *path;

  if (out->animation)
    name =
        g_strdup_printf ("out%u.%s", i,
        imm_output_format_extension (out->format));
  else if (index < 0)
    name = g_strdup_printf ("out%u-%%d.%s", i,
        imm_output_format_extension (out->format));
  else
    name = g_strdup_printf ("out%u-%d.%s", i, index,
        imm_output_format_extension (out->format));
  path = g_build_filename (t->tmp_dir, name, NULL);
  g_free (name);
  return path;
}

static gboolean
make_temp_dir (Task * t)
{
  gchar *tmpl = g_build_filename (t->storage_root, ".imm-convert-XXXXXX",
      NULL);

  if (g_mkdir_with_parents (t->storage_root, 0755) != 0
      || g_mkdtemp (tmpl) == NULL) {
    task_fail (t, IMM_REQUEST_ERROR_INTERNAL,
        "cannot create a temporary directory in %s: %s", t->storage_root,
        g_strerror (errno));
    g_free (tmpl);
    return FALSE;
  }
  t->tmp_dir = tmpl;
  return TRUE;
}

static void
remove_tree (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR)
        && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
    g_free (child);
  }
  g_dir_close (dir);
  g_rmdir (path);
}

/* Creates the parents of @path, remembering the ones it made. */
static gboolean
make_parents (Task * t, const gchar * path)
{
  gchar *dir = g_path_get_dirname (path);
  GPtrArray *todo = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;
  gint i;

  while (!g_file_test (dir, G_FILE_TEST_EXISTS)) {
    gchar *parent = g_path_get_dirname (dir);

    g_ptr_array_add (todo, dir);
    dir = parent;
  }
  g_free (dir);
  for (i = (gint) todo->len - 1; i >= 0 && ok; i--) {
    gchar *d = g_ptr_array_index (todo, i);

    if (g_mkdir (d, 0755) == 0) {
      g_ptr_array_add (t->created_dirs, g_strdup (d));
    } else {
      gint err = errno;

      /* another run writing there made it since we looked: not ours */
      if (err != EEXIST || !g_file_test (d, G_FILE_TEST_IS_DIR))
        ok = task_fail (t, IMM_REQUEST_ERROR_INTERNAL,
            "cannot create directory %s: %s", d, g_strerror (err));
    }
  }
  g_ptr_array_unref (todo);
  return ok;
}

/* Copies @from to @to through a hidden file next to @to, renamed at the
 * end: for outputs on another file system than the storage root (a bucket
 * mounted on its own), where rename() cannot move them. Readers see the
 * whole file or none; a failure removes the partial copy. */
static gboolean
copy_into_place (Task * t, const gchar * from, const gchar * to)
{
  gchar *dir = g_path_get_dirname (to);
  gchar *part = g_build_filename (dir, ".imm-convert-XXXXXX", NULL);
  gchar buf[65536];
  GStatBuf st;
  gint in = -1, fd = -1, saved = 0;
  gboolean created = FALSE;
  gssize n = 0;

  in = g_open (from, O_RDONLY, 0);
  if (in < 0 || fstat (in, &st) != 0) {
    saved = errno;
    goto fail;
  }
  fd = g_mkstemp_full (part, O_WRONLY, st.st_mode & 0777);
  if (fd < 0) {
    saved = errno;
    goto fail;
  }
  created = TRUE;
  /* mkstemp made it 0600: give it the mode the sink gave its file */
  if (fchmod (fd, st.st_mode & 0777) != 0) {
    saved = errno;
    goto fail;
  }
  while ((n = read (in, buf, sizeof (buf))) > 0) {
    gssize done = 0;

    while (done < n) {
      gssize w = write (fd, buf + done, n - done);

      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0) {
        saved = errno;
        goto fail;
      }
      done += w;
    }
  }
  if (n < 0 || fsync (fd) != 0) {
    saved = errno;
    goto fail;
  }
  if (close (fd) != 0) {
    fd = -1;
    saved = errno;
    goto fail;
  }
  fd = -1;
  if (g_rename (part, to) != 0) {
    saved = errno;
    goto fail;
  }
  close (in);
  g_unlink (from);
  g_free (part);
  g_free (dir);
  return TRUE;

fail:
  if (fd >= 0)
    close (fd);
  if (in >= 0)
    close (in);
  if (created)
    g_unlink (part);
  g_free (part);
  g_free (dir);
  return task_fail (t, IMM_REQUEST_ERROR_INTERNAL, "cannot write %s: %s", to,
      g_strerror (saved));
}

/* Moves every finished file into place. The whole list is checked before
 * the first rename. */
static gboolean
commit_outputs (Task * t)
{
  GPtrArray *from = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *to = g_ptr_array_new_with_free_func (g_free);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = TRUE;
  guint i, k;

  for (i = 0; i < t->req->outputs->len && ok; i++) {
    const ImmOutput *out = g_ptr_array_index (t->req->outputs, i);
    ImmOutputResult *res = &t->results[i];
    guint n = out->animation ? 1u : res->files->len;

    g_ptr_array_set_size (res->files, 0);
    for (k = 0; k < n && ok; k++) {
      gchar *uri = expand (t, out, k + 1, IMM_TEMPLATE_PLAIN);
      gchar *field = g_strconcat (out->path, ".URI", NULL);
      gchar *path = uri ? output_path (t, uri, field) : NULL;

      g_free (field);
      if (path == NULL) {
        g_free (uri);
        ok = FALSE;
        break;
      }
      if (g_hash_table_contains (seen, path)) {
        ok = task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
            "%s.URI: two outputs would both be written to '%s'", out->path,
            uri);
        g_free (path);
        g_free (uri);
        break;
      }
      g_ptr_array_add (from, temp_file (t, i,
              out->animation ? -1 : (gint) k + 1));
      g_ptr_array_add (to, path);
      g_hash_table_add (seen, path);
      g_ptr_array_add (res->files, uri);
    }
  }
  for (i = 0; i < to->len && ok; i++)
    ok = make_parents (t, g_ptr_array_index (to, i));
  for (i = 0; i < to->len && ok; i++) {
    const gchar *dst = g_ptr_array_index (to, i);

    if (g_rename (g_ptr_array_index (from, i), dst) != 0 && (errno != EXDEV
            || !copy_into_place (t, g_ptr_array_index (from, i), dst))) {
      ok = task_fail (t, IMM_REQUEST_ERROR_INTERNAL,
          "cannot move the output into place as %s: %s", dst,
          g_strerror (errno));
    } else {
      g_ptr_array_add (t->renamed, g_strdup (dst));
      note (t, "wrote %s", dst);
    }
  }
  g_hash_table_unref (seen);
  g_ptr_array_unref (from);
  g_ptr_array_unref (to);
  return ok;
}

/* ---- running ---- */

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
static void
show_progress (Task * t, gint64 pos, gboolean final, gboolean ok)
{
  gdouble frac = 0, done;
  gint i, width = 30;
  GString *bar;

  if (!t->progress || t->n_pipelines == 0)
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

static gint
error_code (GError * err)
{
  if (err->domain == GST_RESOURCE_ERROR) {
    if (err->code == GST_RESOURCE_ERROR_NOT_FOUND)
      return IMM_REQUEST_ERROR_RESOURCE_NOT_FOUND;
    if (err->code == GST_RESOURCE_ERROR_OPEN_READ ||
        err->code == GST_RESOURCE_ERROR_READ)
      return IMM_REQUEST_ERROR_INVALID_FILE;
    return IMM_REQUEST_ERROR_INTERNAL;
  }
  if (err->domain == GST_STREAM_ERROR) {
    if (err->code == GST_STREAM_ERROR_DECODE)
      return IMM_REQUEST_ERROR_DECODE_ERROR;
    if (err->code == GST_STREAM_ERROR_TYPE_NOT_FOUND ||
        err->code == GST_STREAM_ERROR_CODEC_NOT_FOUND ||
        err->code == GST_STREAM_ERROR_DEMUX ||
        err->code == GST_STREAM_ERROR_WRONG_TYPE ||
        err->code == GST_STREAM_ERROR_FORMAT)
      return IMM_REQUEST_ERROR_INVALID_FILE;
  }
  if (err->domain == GST_CORE_ERROR
      && err->code == GST_CORE_ERROR_MISSING_PLUGIN)
    return IMM_REQUEST_ERROR_INVALID_FILE;
  return IMM_REQUEST_ERROR_INTERNAL;
}

/* Index of the output whose immsnapshot posted @msg, or -1. */
static gint
message_output (GstMessage * msg)
{
  const gchar *name = GST_OBJECT_NAME (GST_MESSAGE_SRC (msg));
  guint64 v;
  gchar *end;

  if (!g_str_has_prefix (name, "imm"))
    return -1;
  v = g_ascii_strtoull (name + 3, &end, 10);
  if (end == name + 3 || *end != '\0' || v > G_MAXINT)
    return -1;
  return (gint) v;
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

/* immsnapshot ends its range at the duration it queries upstream, and
 * concat answers with the duration of the source playing, not of the
 * joined sources. The launcher answers for it; a pasted --print-pipeline
 * line of several sources stops at the end of the first (README). */
static void
answer_joined_duration (Task * t, GstElement * pipeline,
    const ImmPlanPipeline * pp)
{
  guint i;

  if (t->req->sources->len < 2 || t->range == 0)
    return;
  for (i = 0; i < pp->outputs->len; i++) {
    gchar *name = imm_plan_snapshot_name (g_array_index (pp->outputs, guint,
            i));
    GstElement *snap = gst_bin_get_by_name (GST_BIN (pipeline), name);

    if (snap != NULL) {
      GstPad *pad = gst_element_get_static_pad (snap, "sink");

      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
          joined_duration_probe, t, NULL);
      gst_object_unref (pad);
      gst_object_unref (snap);
    }
    g_free (name);
  }
}

/* A sink that could not write (a full disk, a read-only folder): the
 * failure names the output file as the request has it, not the temporary
 * file the sink was writing. Returns %FALSE once it failed the task,
 * %TRUE when @msg did not come from one of the outputs' sinks. */
static gboolean
fail_writing (Task * t, GstMessage * msg, GError * err)
{
  GstObject *src = GST_MESSAGE_SRC (msg);
  GObjectClass *klass;
  GParamSpec *pspec;
  gchar *location = NULL, *uri, *field;
  gint i, index = 1;
  const ImmOutput *out;

  if (!GST_IS_ELEMENT (src) || !GST_OBJECT_FLAG_IS_SET (src,
          GST_ELEMENT_FLAG_SINK))
    return TRUE;
  klass = G_OBJECT_GET_CLASS (src);
  pspec = g_object_class_find_property (klass, "location");
  if (pspec == NULL || pspec->value_type != G_TYPE_STRING)
    return TRUE;
  g_object_get (src, "location", &location, NULL);
  for (i = 0; t->locations[i] != NULL; i++)
    if (g_strcmp0 (location, t->locations[i]) == 0)
      break;
  g_free (location);
  if (t->locations[i] == NULL)
    return TRUE;
  out = g_ptr_array_index (t->req->outputs, i);
  /* multifilesink counts a file once it is written: the one failing */
  pspec = g_object_class_find_property (klass, "index");
  if (!out->animation && pspec != NULL && pspec->value_type == G_TYPE_INT)
    g_object_get (src, "index", &index, NULL);
  field = g_strconcat (out->path, ".URI", NULL);
  uri = expand (t, out, index, IMM_TEMPLATE_PLAIN);
  if (uri != NULL)
    task_fail (t, error_code (err), "%s: cannot write '%s': %s", field, uri,
        err->message);
  g_free (uri);
  g_free (field);
  return FALSE;
}

/* Runs one planned pipeline to its end. With @seek_refused, a seek the
 * server refused (souphttpsrc: "Server does not support seeking") does not
 * fail the task but sets *@seek_refused, for a rerun without seeks. */
static gboolean
run_pipeline (Task * t, const ImmPlanPipeline * pp, gboolean * seek_refused)
{
  GError *err = NULL;
  GstElement *pipeline;
  GstBus *bus;
  gboolean running = TRUE, ok = TRUE, start_failed;
  gint64 last_change = g_get_monotonic_time ();
  gint64 last_pos = -1;
  GString *missing = g_string_new (NULL);

  if (t->verbosity >= 2) {
    gchar *line = imm_plan_pipeline_to_shell (pp);

    note (t, "running %s", line);
    g_free (line);
  }
  pipeline = gst_parse_launchv_full ((const gchar **) pp->argv, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (pipeline == NULL) {
    task_fail (t, IMM_REQUEST_ERROR_INTERNAL, "cannot build the pipeline "
        "(%s); are the imm plugin and gst-plugins-base/good/bad installed?",
        err->message);
    g_error_free (err);
    g_string_free (missing, TRUE);
    return FALSE;
  }
  answer_joined_duration (t, pipeline, pp);
  bus = gst_element_get_bus (pipeline);
  /* On failure the error message on the bus says why; without one, the
   * first empty poll ends the run. */
  start_failed = gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE;
  while (running) {
    GstMessage *msg = gst_bus_timed_pop (bus, 100 * GST_MSECOND);

    if (interrupted) {
      if (msg)
        gst_message_unref (msg);
      ok = task_fail (t, IMM_REQUEST_ERROR_INTERNAL, "interrupted");
      break;
    }
    if (msg == NULL && start_failed) {
      ok = task_fail (t, IMM_REQUEST_ERROR_INTERNAL,
          "the pipeline could not be started");
      break;
    }
    if (msg == NULL) {
      gint64 now = g_get_monotonic_time ();
      gint64 pos = decode_position (pipeline, pp);

      show_progress (t, pos, FALSE, TRUE);
      /* A deadlocked or starved pipeline never ends by itself. */
      if (pos != last_pos) {
        last_pos = pos;
        last_change = now;
      }
      if (now - last_change > STALL_TIMEOUT_US) {
        ok = task_fail (t, IMM_REQUEST_ERROR_INTERNAL, "the pipeline made no "
            "progress for %d s", (gint) (STALL_TIMEOUT_US / G_USEC_PER_SEC));
        break;
      }
      continue;
    }
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        running = FALSE;
        break;
      case GST_MESSAGE_ERROR:{
        gchar *debug = NULL;
        gint code;

        gst_message_parse_error (msg, &err, &debug);
        note (t, "error from %s: %s (%s)", GST_OBJECT_NAME (msg->src),
            err->message, debug ? debug : "");
        running = FALSE;
        ok = FALSE;
        if (seek_refused && err->domain == GST_RESOURCE_ERROR
            && err->code == GST_RESOURCE_ERROR_SEEK) {
          *seek_refused = TRUE;
          g_clear_error (&err);
          g_free (debug);
          break;
        }
        code = error_code (err);
        if (missing->len)
          code = IMM_REQUEST_ERROR_INVALID_FILE;
        /* a sink that could not write names the output file */
        if (err->domain != GST_RESOURCE_ERROR || fail_writing (t, msg, err))
          task_fail (t, code, "%s%s%s", err->message,
              missing->len ? "; missing GStreamer plugin: " : "", missing->str);
        g_clear_error (&err);
        g_free (debug);
        break;
      }
      case GST_MESSAGE_ELEMENT:{
        const GstStructure *s = gst_message_get_structure (msg);
        gint i;

        if (gst_is_missing_plugin_message (msg)) {
          gchar *d = gst_missing_plugin_message_get_description (msg);

          if (missing->len)
            g_string_append (missing, ", ");
          g_string_append (missing, d);
          g_free (d);
        } else if (gst_structure_has_name (s, "immsnapshot")
            && (i = message_output (msg)) >= 0
            && i < (gint) t->req->outputs->len) {
          t->results[i].frames++;
          t->frames_seen++;
        }
        break;
      }
      default:
        break;
    }
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_string_free (missing, TRUE);
  return ok;
}

/* Forgets what the outputs of @pp wrote and counted, for a rerun. */
static void
discard_outputs (Task * t, const ImmPlanPipeline * pp)
{
  guint i;

  for (i = 0; i < pp->outputs->len; i++) {
    guint o = g_array_index (pp->outputs, guint, i);
    const ImmOutput *out = g_ptr_array_index (t->req->outputs, o);
    gboolean more = TRUE;
    gint k;

    t->frames_seen -= MIN (t->frames_seen, t->results[o].frames);
    t->results[o].frames = 0;
    /* an animation's one file, or a snapshot's files 1, 2, ... */
    for (k = out->animation ? -1 : 1; more; k++) {
      gchar *f = temp_file (t, o, k);

      more = g_unlink (f) == 0 && !out->animation;
      g_free (f);
    }
  }
}

/* Counts the files a snapshot output wrote and checks the results. */
static gboolean
collect_outputs (Task * t)
{
  guint i;

  for (i = 0; i < t->req->outputs->len; i++) {
    const ImmOutput *out = g_ptr_array_index (t->req->outputs, i);
    ImmOutputResult *res = &t->results[i];

    if (out->animation) {
      gchar *f = temp_file (t, i, -1);
      GStatBuf st;

      if (res->frames == 0 || g_stat (f, &st) != 0 || st.st_size == 0) {
        g_free (f);
        return task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
            "%s: no frame in the requested range (is StartTime past the end "
            "of the source?)", out->path);
      }
      g_free (f);
    } else {
      gint k;

      for (k = 1;; k++) {
        gchar *f = temp_file (t, i, k);
        gboolean exists = g_file_test (f, G_FILE_TEST_IS_REGULAR);

        g_free (f);
        if (!exists)
          break;
        /* Placeholder entries; commit_outputs() fills in the URIs. */
        g_ptr_array_add (res->files, g_strdup (""));
      }
      if (res->files->len == 0)
        return task_fail (t, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
            "%s: no frame in the requested range (is StartTime past the end "
            "of the source?)", out->path);
      /* Every file is one captured frame, also for covers, which have no
       * immsnapshot to count them. */
      res->frames = res->files->len;
    }
  }
  return TRUE;
}

/* ---- main ---- */

static gchar *
read_request (const gchar * file, GError ** error)
{
  gchar *data = NULL;
  gsize len;

  if (strcmp (file, "-") == 0) {
    GString *s = g_string_new (NULL);
    gchar buf[4096];
    gsize n;

    while ((n = fread (buf, 1, sizeof (buf), stdin)) > 0)
      g_string_append_len (s, buf, n);
    if (ferror (stdin)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO,
          "cannot read the request from stdin");
      g_string_free (s, TRUE);
      return NULL;
    }
    return g_string_free (s, FALSE);
  }
  if (!g_file_get_contents (file, &data, &len, error))
    return NULL;
  return data;
}

/* Whether the probed picture is shown turned by a quarter: its rotation
 * arrives as the stream's image-orientation tag. */
static gboolean
first_transposed (GstDiscovererVideoInfo * video)
{
  const GstTagList *tags =
      gst_discoverer_stream_info_get_tags (GST_DISCOVERER_STREAM_INFO (video));
  gchar *orientation = NULL;
  gboolean transposed;

  if (tags == NULL
      || !gst_tag_list_get_string (tags, GST_TAG_IMAGE_ORIENTATION,
          &orientation))
    return FALSE;
  transposed = imm_plan_orientation_transposes (orientation);
  g_free (orientation);
  return transposed;
}

static gboolean
run_task (Task * t, const gchar * data)
{
  GError *err = NULL;
  ImmPlanInput in;
  ImmPlan *plan;
  gboolean ok = TRUE, no_seek = FALSE;
  guint i, n_out;

  t->req = imm_request_parse (data, -1, &err);
  if (t->req == NULL) {
    /* Still report ProjectName/UserData and notify if asked to. */
    t->req = imm_request_peek (data, -1);
    return task_fail_error (t, err);
  }
  n_out = t->req->outputs->len;
  t->source_uris = g_new0 (gchar *, t->req->sources->len + 1);
  t->locations = g_new0 (gchar *, n_out + 1);
  t->results = g_new0 (ImmOutputResult, n_out);
  for (i = 0; i < n_out; i++)
    t->results[i].files = g_ptr_array_new_with_free_func (g_free);

  imm_template_vars_set_time (t->vars, "t_", t->start);
  imm_template_vars_set_tags (t->vars, t->req->tags);
  g_hash_table_insert (t->vars, g_strdup ("streamindex"), g_strdup ("0"));
  for (i = 0; i < t->req->sources->len && ok; i++)
    ok = resolve_source (t, i);
  if (!ok || !check_outputs (t, t->print_pipeline))
    return FALSE;
  if (!make_temp_dir (t) || !probe_sources (t))
    return FALSE;

  if (!t->print_pipeline) {
    for (i = 0; i < n_out; i++)
      t->locations[i] = temp_file (t, i, -1);
  }
  memset (&in, 0, sizeof (in));
  in.source_uris = (const gchar * const *) t->source_uris;
  in.locations = (const gchar * const *) t->locations;
  in.cover_location = t->cover_file;
  if (t->first_video != NULL) {
    in.first_width = gst_discoverer_video_info_get_width (t->first_video);
    in.first_height = gst_discoverer_video_info_get_height (t->first_video);
    in.first_par_n = gst_discoverer_video_info_get_par_num (t->first_video);
    in.first_par_d = gst_discoverer_video_info_get_par_denom (t->first_video);
    in.first_transposed = first_transposed (t->first_video);
  }
  plan = imm_plan_build (t->req, &in, &err);
  if (plan == NULL)
    return task_fail_error (t, err);

  if (t->print_pipeline) {
    GHashTable *dirs = g_hash_table_new_full (g_str_hash, g_str_equal,
        g_free, NULL);

    /* multifilesink and filesink do not create directories. */
    for (i = 0; i < n_out; i++) {
      gchar *d = g_path_get_dirname (t->locations[i]);

      if (!g_file_test (d, G_FILE_TEST_IS_DIR)
          && !g_hash_table_contains (dirs, d)) {
        gchar *q = g_shell_quote (d);

        printf ("mkdir -p %s\n", q);
        g_free (q);
        g_hash_table_add (dirs, d);
      } else {
        g_free (d);
      }
    }
    g_hash_table_unref (dirs);
    if (t->cover_file != NULL) {
      /* The pipeline reads the picture imm-convert took from the tags. */
      printf ("# cover picture of %s extracted to %s (remove it "
          "afterwards)\n", ((ImmSource *) g_ptr_array_index (t->req->sources,
                  0))->uri, t->cover_file);
      t->keep_tmp_dir = TRUE;
    }
    for (i = 0; i < plan->pipelines->len; i++) {
      gchar *line =
          imm_plan_pipeline_to_shell (g_ptr_array_index (plan->pipelines, i));

      printf ("%s\n", line);
      g_free (line);
    }
    imm_plan_free (plan);
    return TRUE;
  }

  t->n_pipelines = plan->pipelines->len;
  t->started_us = g_get_monotonic_time ();
  i = 0;
  while (ok && i < plan->pipelines->len) {
    const ImmPlanPipeline *pp = g_ptr_array_index (plan->pipelines, i);
    gboolean seek_refused = FALSE;

    t->pipeline = i;
    ok = run_pipeline (t, pp, no_seek ? NULL : &seek_refused);
    if (!ok && seek_refused) {
      /* An HTTP server without Range requests: the same plan without
       * seeks (it groups the outputs the same way), from this pipeline. */
      note (t, "the server refused a seek; running again without seeking");
      discard_outputs (t, pp);
      imm_plan_free (plan);
      no_seek = TRUE;
      plan = imm_plan_build_full (t->req, &in, IMM_PLAN_NO_SEEK, &err);
      if (plan == NULL) {
        ok = task_fail_error (t, err);
        break;
      }
      ok = TRUE;
      continue;
    }
    i++;
  }
  imm_plan_free (plan);
  ok = ok && collect_outputs (t);
  if (ok) {
    /* the final line counts what was written (covers have no immsnapshot
     * to count them as they go) */
    t->frames_seen = 0;
    for (i = 0; i < n_out; i++)
      t->frames_seen += t->results[i].frames;
  }
  show_progress (t, -1, TRUE, ok);
  return ok && commit_outputs (t);
}

static void
notify (Task * t, const gchar * json)
{
  gchar *id, *line;
  FILE *f;

  if (t->notify_file == NULL || t->req == NULL || !t->req->notify)
    return;
  id = g_uuid_string_random ();
  line = imm_result_envelope (t->req, json, id, g_get_real_time () / 1000);
  f = g_fopen (t->notify_file, "a");
  if (f == NULL || fprintf (f, "%s\n", line) < 0 || fclose (f) != 0)
    fprintf (stderr, "imm-convert: cannot append the notification to %s: "
        "%s\n", t->notify_file, g_strerror (errno));
  g_free (line);
  g_free (id);
}

static void
task_clear (Task * t, gboolean ok)
{
  guint i;

  if (!ok && t->renamed) {
    for (i = 0; i < t->renamed->len; i++)
      g_unlink (g_ptr_array_index (t->renamed, i));
  }
  if (!ok && t->created_dirs) {
    for (i = t->created_dirs->len; i > 0; i--)
      g_rmdir (g_ptr_array_index (t->created_dirs, i - 1));
  }
  if (t->tmp_dir && !t->keep_tmp_dir)
    remove_tree (t->tmp_dir);
  if (t->results) {
    for (i = 0; t->req && i < t->req->outputs->len; i++)
      g_ptr_array_unref (t->results[i].files);
    g_free (t->results);
  }
  imm_request_free (t->req);
  g_strfreev (t->source_uris);
  g_strfreev (t->locations);
  g_hash_table_unref (t->vars);
  g_ptr_array_unref (t->created_dirs);
  g_ptr_array_unref (t->renamed);
  g_free (t->tmp_dir);
  g_free (t->cover_file);
  g_clear_object (&t->first_video);
  g_free (t->storage_root);
  g_free (t->task_id);
  g_free (t->message);
  g_date_time_unref (t->start);
}

static gboolean
takes_argument (const gchar * opt)
{
  return strcmp (opt, "--storage-root") == 0 || strcmp (opt, "--notify") == 0;
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
  Task t = { 0 };
  const gchar *root = NULL;
  gchar *data, *json, *uuid;
  GError *err = NULL;
  ImmResult result = { 0 };
  GDateTime *end;
  gboolean ok;
  gint i;

  t.verbosity = 1;
  for (i = 1; i < argc; i++) {
    const gchar *a = argv[i];

    if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0) {
      help ();
      return 0;
    } else if (strcmp (a, "--version") == 0) {
      printf ("imm-convert %s\n", VERSION);
      return 0;
    } else if (strcmp (a, "--storage-root") == 0 && i + 1 < argc) {
      root = argv[++i];
    } else if (strcmp (a, "--notify") == 0 && i + 1 < argc) {
      t.notify_file = argv[++i];
    } else if (strcmp (a, "--print-pipeline") == 0) {
      t.print_pipeline = TRUE;
    } else if (strcmp (a, "--quiet") == 0) {
      t.verbosity = 0;
    } else if (strcmp (a, "--verbose") == 0) {
      t.verbosity = 2;
    } else if (takes_argument (a)) {
      return usage_error ("missing argument after ", a);
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error ("unknown option ", a);
    } else if (t.request_file == NULL) {
      t.request_file = a;
    } else {
      return usage_error ("only one request file can be given, got also ", a);
    }
  }
  if (t.request_file == NULL)
    return usage_error ("no request file given", "");

  data = read_request (t.request_file, &err);
  if (data == NULL) {
    fprintf (stderr, "imm-convert: cannot read the request: %s\n",
        err->message);
    g_error_free (err);
    return EXIT_USAGE;
  }

  gst_init (NULL, NULL);
  if (root == NULL)
    root = g_getenv ("IMM_STORAGE_ROOT");
  t.storage_root = g_canonicalize_filename (root && *root ? root : ".", NULL);
  uuid = g_uuid_string_random ();
  t.task_id = g_strconcat ("MediaConvert-", uuid, NULL);
  g_free (uuid);
  t.start = g_date_time_new_now_local ();
  t.vars = imm_template_vars_new ();
  t.created_dirs = g_ptr_array_new_with_free_func (g_free);
  t.renamed = g_ptr_array_new_with_free_func (g_free);
  t.progress = t.verbosity >= 1 && !t.print_pipeline && isatty (2);
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);

  ok = run_task (&t, data);
  g_free (data);

  if (!ok)
    fprintf (stderr, "imm-convert: %s: %s\n", imm_request_code_name (t.code),
        t.message);
  if (!t.print_pipeline || !ok) {
    end = g_date_time_new_now_local ();
    result.task_id = t.task_id;
    result.succeeded = ok;
    result.code = t.code;
    result.message = t.message;
    result.start = t.start;
    result.end = end;
    result.outputs = ok ? t.results : NULL;
    json = imm_result_to_json (t.req, &result, FALSE);
    printf ("%s\n", json);
    notify (&t, json);
    g_free (json);
    g_date_time_unref (end);
  }
  task_clear (&t, ok);
  return ok ? 0 : EXIT_FAILED;
}
