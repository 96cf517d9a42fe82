/* imm-gst launcher tests: running the tool in a storage root of its own
 * and decoding what it wrote.
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

/* ---- a storage root per test ---- */



Run *
run_new (void)
{
  static const gchar *const names[] = { "Winemaking.mov", "nocover.mp3",
    "notmedia.mov", "empty.mov"
  };
  Run *r = g_new0 (Run, 1);
  GPtrArray *links = g_ptr_array_new_with_free_func (g_free);
  gchar *base;
  guint i;

  make_fixtures ();
  /* Inside the fixture directory, so a failed test leaves nothing behind
   * once the parent removes it. */
  base = fixture ("run-XXXXXX");
  fail_unless (g_mkdtemp (base) != NULL);
  r->root = g_build_filename (base, "root", NULL);
  r->demo = g_build_filename (r->root, "test-bucket", "video-demo", NULL);
  r->request = g_build_filename (base, "request.json", NULL);
  fail_unless (g_mkdir_with_parents (r->demo, 0755) == 0);
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    g_ptr_array_add (links, g_strdup (names[i]));
  for (i = 0; i < n_deep_clips; i++)
    g_ptr_array_add (links, g_strdup (deep_clips[i].name));
  for (i = 0; i < n_covers; i++)
    g_ptr_array_add (links, g_strdup (covers[i].name));
  /* the containers' files, or their directory */
  for (i = 0; i < n_containers; i++) {
    const gchar *slash = strchr (containers[i].name, '/');

    g_ptr_array_add (links, slash ? g_strndup (containers[i].name,
            slash - containers[i].name) : g_strdup (containers[i].name));
  }
  for (i = 0; i < links->len; i++) {
    gchar *from = fixture (g_ptr_array_index (links, i));
    gchar *to = g_build_filename (r->demo, g_ptr_array_index (links, i), NULL);

    fail_unless (symlink (from, to) == 0);
    g_free (from);
    g_free (to);
  }
  g_ptr_array_unref (links);
  g_free (base);
  return r;
}

void
run_free (Run * r)
{
  gchar *base = g_path_get_dirname (r->root);

  remove_tree (base);
  g_free (base);
  g_free (r->root);
  g_free (r->demo);
  g_free (r->request);
  g_free (r->out);
  g_free (r->err);
  g_strfreev (r->envp);
  if (r->parser)
    g_object_unref (r->parser);
  g_free (r);
}

/* Runs imm-convert on @json with extra options; parses the result JSON
 * when there is one. */
void
run_tool (Run * r, const gchar * json, const gchar * opt1, const gchar * opt2)
{
  const gchar *tool = g_getenv ("IMM_CONVERT");
  const gchar *argv[8];
  GError *err = NULL;
  gint n = 0;

  fail_unless (tool != NULL, "IMM_CONVERT is not set");
  fail_unless (g_file_set_contents (r->request, json, -1, NULL));
  argv[n++] = tool;
  argv[n++] = "--storage-root";
  argv[n++] = r->root;
  if (!r->loud)
    argv[n++] = "--quiet";
  if (opt1)
    argv[n++] = opt1;
  if (opt2)
    argv[n++] = opt2;
  argv[n++] = r->request;
  argv[n] = NULL;
  g_free (r->out);
  g_free (r->err);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv, r->envp, G_SPAWN_DEFAULT,
          NULL, NULL, &r->out, &r->err, &r->status, &err));
  g_assert_no_error (err);
  r->status = WIFEXITED (r->status) ? WEXITSTATUS (r->status) : -1;
  if (r->parser)
    g_object_unref (r->parser);
  r->parser = NULL;
  r->result = NULL;
  if (r->out[0] == '{') {
    r->parser = json_parser_new ();
    fail_unless (json_parser_load_from_data (r->parser, r->out, -1, NULL),
        "result is not JSON: %s", r->out);
    r->result = json_node_get_object (json_parser_get_root (r->parser));
  }
}

void
assert_status (Run * r, gint status)
{
  fail_unless (r->status == status, "exit status %d, expected %d; stderr: %s",
      r->status, status, r->err);
}

const gchar *
result_string (Run * r, const gchar * name)
{
  fail_unless (r->result != NULL, "no result JSON; stderr: %s", r->err);
  return json_object_get_string_member (r->result, name);
}

/* Every file under the root (relative, sorted), fixtures excluded. */
void
list_files (const gchar * root, const gchar * rel, GPtrArray * out)
{
  gchar *dir_path = rel ? g_build_filename (root, rel, NULL) : g_strdup (root);
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    gchar *r = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);
    gchar *full = g_build_filename (root, r, NULL);

    if (g_file_test (full, G_FILE_TEST_IS_SYMLINK))
      g_free (r);
    else if (g_file_test (full, G_FILE_TEST_IS_DIR)) {
      list_files (root, r, out);
      g_free (r);
    } else
      g_ptr_array_add (out, r);
    g_free (full);
  }
  if (dir)
    g_dir_close (dir);
  g_free (dir_path);
}

gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

gchar *
written_files (Run * r)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  gchar *s;

  list_files (r->root, NULL, files);
  g_ptr_array_sort (files, cmp_str);
  g_ptr_array_add (files, NULL);
  s = g_strjoinv (" ", (gchar **) files->pdata);
  g_ptr_array_unref (files);
  return s;
}

void
assert_files (Run * r, const gchar * expected)
{
  gchar *s = written_files (r);

  fail_unless_equals_string (s, expected);
  g_free (s);
}

/* ---- decoding outputs back ---- */



void
decode_image (const gchar * path, Image * img)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "tee name=t ! queue ! videoconvert ! video/x-raw,format=I420 ! "
      "appsink name=gray t. ! queue ! videoconvert ! "
      "video/x-raw,format=RGB ! appsink name=rgb", path);
  GstElement *p = parse (desc);
  GstElement *gray = gst_bin_get_by_name (GST_BIN (p), "gray");
  GstElement *rgb = gst_bin_get_by_name (GST_BIN (p), "rgb");
  GstSample *s1 = NULL, *s2 = NULL;
  GstVideoInfo info;
  GstMapInfo map;

  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_signal_emit_by_name (gray, "try-pull-sample", 20 * GST_SECOND, &s1);
  g_signal_emit_by_name (rgb, "try-pull-sample", 20 * GST_SECOND, &s2);
  fail_unless (s1 != NULL && s2 != NULL, "cannot decode %s", path);
  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps (s1)));
  img->width = GST_VIDEO_INFO_WIDTH (&info);
  img->height = GST_VIDEO_INFO_HEIGHT (&info);
  gst_buffer_map (gst_sample_get_buffer (s1), &map, GST_MAP_READ);
  img->corner_luma = map.data[GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) *
      (BLOCK / 4) + BLOCK / 4];
  gst_buffer_unmap (gst_sample_get_buffer (s1), &map);
  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps (s2)));
  gst_buffer_map (gst_sample_get_buffer (s2), &map, GST_MAP_READ);
  {
    const guint8 *px = map.data + GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) *
        (img->height / 2) + 3 * (img->width / 2);

    img->r = px[0];
    img->g = px[1];
    img->b = px[2];
  }
  gst_buffer_unmap (gst_sample_get_buffer (s2), &map);
  gst_sample_unref (s1);
  gst_sample_unref (s2);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (gray);
  gst_object_unref (rgb);
  gst_object_unref (p);
  g_free (desc);
}

/* Checks magic bytes, size and the second the image was taken at. */
void
check_image (Run * r, const gchar * name, const gchar * magic, gsize magic_len,
    gint width, gint height, gint sec)
{
  gchar *path = g_build_filename (r->demo, name, NULL);
  gchar *data;
  gsize len;
  Image img;

  fail_unless (g_file_get_contents (path, &data, &len, NULL), "%s", path);
  fail_unless (len > magic_len && memcmp (data, magic, magic_len) == 0,
      "%s has the wrong format", name);
  g_free (data);
  decode_image (path, &img);
  fail_unless_equals_int (img.width, width);
  fail_unless_equals_int (img.height, height);
  if (sec >= 0)
    fail_unless (ABS ((gint) img.corner_luma - block_luma (sec)) <= 3,
        "%s: corner luma %d, expected second %d (luma %d)", name,
        img.corner_luma, sec, block_luma (sec));
  g_free (path);
}


JsonObject *
result_entry (Run * r, guint target, const gchar * kind, guint index)
{
  JsonArray *targets = json_object_get_array_member (r->result, "Targets");
  JsonObject *image = json_object_get_object_member
      (json_array_get_object_element (targets, target), "Image");

  return json_array_get_object_element (json_object_get_array_member (image,
          kind), index);
}

void
check_succeeded (Run * r, gint frames)
{
  JsonObject *e;

  assert_status (r, 0);
  fail_unless_equals_string (result_string (r, "Status"), "Succeeded");
  fail_unless_equals_string (result_string (r, "ProjectName"), "test-project");
  fail_unless (g_str_has_prefix (result_string (r, "TaskId"), "MediaConvert-"));
  e = result_entry (r, 0, json_object_has_member (json_object_get_object_member
          (json_array_get_object_element (json_object_get_array_member
                  (r->result, "Targets"), 0), "Image"), "Snapshots") ?
      "Snapshots" : "Animations", 0);
  fail_unless_equals_int (json_object_get_int_member (e, "FrameCount"), frames);
}
