/* imm-gst launcher tests: --print-pipeline, containers, deep video,
 * joined and shared decodes.
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

/* The system gst-launch-1.0 cannot load the sanitizer build's plugin, so
 * there the printed lines are split the way the shell does and given to
 * gst_parse_launchv(), which is what gst-launch-1.0 does with them. */
static void
run_printed_in_process (const gchar * text)
{
  gchar **lines = g_strsplit (text, "\n", -1), **l;

  for (l = lines; *l; l++) {
    gchar **args = NULL;

    if (**l == '\0' || **l == '#')
      continue;
    fail_unless (g_shell_parse_argv (*l, NULL, &args, NULL), "%s", *l);
    if (strcmp (args[0], "mkdir") == 0) {
      fail_unless (g_mkdir_with_parents (args[2], 0755) == 0);
    } else {
      GError *err = NULL;
      GstElement *p;

      fail_unless_equals_string (args[0], "gst-launch-1.0");
      p = gst_parse_launchv ((const gchar **) args + 1, &err);
      g_assert_no_error (err);
      run_to_eos (p);
    }
    g_strfreev (args);
  }
  g_strfreev (lines);
}

/* The printed lines, pasted into a shell, give the same files. */
static void
check_print_pipeline (const gchar * json, const gchar * files)
{
  Run *printed = run_new (), *ran = run_new ();
  /* a pasted line that hangs fails the test instead of stalling it */
  gchar *argv[] = { (gchar *) "timeout", (gchar *) "60", (gchar *) "sh",
    (gchar *) "-c", NULL, NULL
  };
  gchar **names, **n, *cover = NULL;
  gint status;

  run_tool (printed, json, "--print-pipeline", NULL);
  assert_status (printed, 0);
  /* An audio cover is extracted when printing; the comment names it. */
  if (g_str_has_prefix (printed->out, "# cover picture of ")) {
    const gchar *from = strstr (printed->out, " extracted to ");
    const gchar *to = from ? strstr (from, " (remove it afterwards)") : NULL;

    fail_unless (to != NULL, "%s", printed->out);
    from += strlen (" extracted to ");
    cover = g_strndup (from, to - from);
    fail_unless (g_file_test (cover, G_FILE_TEST_IS_REGULAR), "%s", cover);
  } else {
    fail_unless (g_str_has_prefix (printed->out, "gst-launch-1.0 ")
        || g_str_has_prefix (printed->out, "mkdir -p "), "%s", printed->out);
    assert_files (printed, "");
  }
  if (g_getenv ("IMM_TEST_SANITIZED") == NULL) {
    argv[4] = printed->out;
    fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL));
    fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
        "the printed pipeline failed: %s", printed->out);
  } else {
    run_printed_in_process (printed->out);
  }
  if (cover) {
    gchar *dir = g_path_get_dirname (cover);

    fail_unless (g_unlink (cover) == 0 && g_rmdir (dir) == 0, "%s", dir);
    g_free (dir);
    g_free (cover);
  }
  assert_files (printed, files);

  run_tool (ran, json, NULL, NULL);
  assert_status (ran, 0);
  assert_files (ran, files);
  names = g_strsplit (files, " ", -1);
  for (n = names; *n; n++) {
    gchar *a = g_build_filename (printed->root, *n, NULL);
    gchar *b = g_build_filename (ran->root, *n, NULL);
    gchar *da, *db;
    gsize la, lb;

    fail_unless (g_file_get_contents (a, &da, &la, NULL));
    fail_unless (g_file_get_contents (b, &db, &lb, NULL));
    fail_unless (la == lb && memcmp (da, db, la) == 0, "%s differs", *n);
    g_free (da);
    g_free (db);
    g_free (a);
    g_free (b);
  }
  g_strfreev (names);
  run_free (printed);
  run_free (ran);
}

/* Every seed example's printed pipelines, pasted into a shell, write the
 * same files as imm-convert does. */
GST_START_TEST (test_print_pipeline_seed)
{
  check_print_pipeline (seed_examples[__i__].request,
      seed_examples[__i__].files);
}

GST_END_TEST;

/* A shared decode (dhash snapshots, a GIF and a WebP) pasted into
 * gst-launch-1.0 ends, every time. */
GST_START_TEST (test_print_pipeline_shared)
{
  check_print_pipeline (SNAPS ("{\"Format\":\"jpg\",\"Interval\":1,"
          "\"Mode\":\"dhash\",\"Threshold\":15,\"URI\":\"oss://"
          "test-bucket/s/d-{index}.jpg\"}],\"Animations\":[{\"Format\":"
          "\"gif\",\"Interval\":1,\"Width\":0.5,\"Height\":0.5,\"URI\":"
          "\"oss://test-bucket/s/a.gif\"},{\"Format\":\"webp\","
          "\"Interval\":1,\"FrameRate\":15,\"URI\":\"oss://test-bucket/"
          "s/a.webp\"}"), "test-bucket/s/a.gif test-bucket/s/a.webp "
      "test-bucket/s/d-1.jpg test-bucket/s/d-2.jpg test-bucket/s/d-3.jpg "
      "test-bucket/s/d-4.jpg test-bucket/s/d-5.jpg");
}

GST_END_TEST;


GST_START_TEST (test_print_pipeline_several)
{
  /* keyframes, a thumbnail in a new directory and a GIF: three pipelines */
  check_print_pipeline (HEAD SRC "\"Targets\":[{\"Image\":{\"Snapshots\":["
      "{\"Format\":\"jpg\",\"Mode\":\"keyframe\",\"Number\":3,"
      "\"URI\":\"oss://test-bucket/k/{index}.jpg\"},{\"Format\":\"jpg\","
      "\"StartTime\":7,\"URI\":\"oss://test-bucket/t/{barename}.jpg\"}],"
      "\"Animations\":[{\"Format\":\"gif\",\"Interval\":2,\"Number\":10,"
      "\"Width\":64,\"URI\":\"oss://test-bucket/k/a.gif\"}]}}]}",
      "test-bucket/k/1.jpg test-bucket/k/2.jpg test-bucket/k/3.jpg "
      "test-bucket/k/a.gif test-bucket/t/Winemaking.jpg");
}

GST_END_TEST;

/* Without the H.264 decoders (gst-libav, openh264, hardware ones) the
 * missing plugin is named. */
GST_START_TEST (test_missing_decoder)
{
  Run *r = run_new ();
  const gchar *system = g_getenv ("GST_PLUGIN_SYSTEM_PATH_1_0");
  gchar *base = g_path_get_dirname (r->root);
  gchar *plugins = g_build_filename (base, "plugins", NULL);
  gchar *registry = g_build_filename (base, "registry.bin", NULL);
  GDir *dir;
  const gchar *name;

  fail_unless (system != NULL);
  fail_unless (g_mkdir (plugins, 0755) == 0);
  dir = g_dir_open (system, 0, NULL);
  fail_unless (dir != NULL);
  while ((name = g_dir_read_name (dir))) {
    gchar *from, *to;

    if (strstr (name, "libav") || strstr (name, "openh264")
        || strstr (name, "v4l2") || strstr (name, "va.")
        || strstr (name, "vaapi") || strstr (name, "nvcodec"))
      continue;
    from = g_build_filename (system, name, NULL);
    to = g_build_filename (plugins, name, NULL);
    fail_unless (symlink (from, to) == 0);
    g_free (from);
    g_free (to);
  }
  g_dir_close (dir);
  r->envp = g_environ_setenv (g_get_environ (), "GST_PLUGIN_SYSTEM_PATH_1_0",
      plugins, TRUE);
  r->envp = g_environ_setenv (r->envp, "GST_REGISTRY_1_0", registry, TRUE);

  run_tool (r, SNAPS ("{\"Format\":\"jpg\",\"StartTime\":5,\"URI\":"
          "\"oss://test-bucket/video-demo/cover.jpg\"}"), NULL, NULL);
  assert_status (r, 1);
  fail_unless_equals_string (result_string (r, "Message"), "Sources[0].URI: "
      "cannot decode 'oss://test-bucket/video-demo/Winemaking.mov': missing "
      "GStreamer plugin: H.264 (Constrained Baseline Profile) decoder");
  fail_unless_equals_string (result_string (r, "Code"), "InvalidFile");
  g_unlink (registry);
  assert_files (r, "");
  g_free (registry);
  g_free (plugins);
  g_free (base);
  run_free (r);
}

GST_END_TEST;

/* Every container of the seed documents' list decodes, audio and all (the
 * HLS playlist through a file:// URI): the frame at 1 s, and a dhash pass
 * over the whole clip (a still pattern: only the first sample). */
GST_START_TEST (test_containers)
{
  Run *r = run_new ();
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"oss://"
      "test-bucket/video-demo/%s\"}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"jpg\",\"StartTime\":1,\"URI\":"
      "\"oss://test-bucket/video-demo/a-{ext}.jpg\"},"
      "{\"Format\":\"png\",\"Mode\":\"dhash\",\"Threshold\":10,"
      "\"Width\":32,\"Height\":24,\"URI\":\"oss://test-bucket/video-demo/"
      "b-{ext}-{index}.png\"}]}}]}", containers[__i__].name);
  const gchar *ext = strrchr (containers[__i__].name, '.') + 1;
  gchar *jpg = g_strdup_printf ("a-%s.jpg", ext);
  gchar *files = g_strdup_printf (D "%s " D "b-%s-1.png", jpg, ext);

  run_tool (r, json, NULL, NULL);
  assert_status (r, 0);
  assert_files (r, files);
  /* MPEG-TS starts its timeline at the first PTS, after 0: StartTime
   * counts from the first frame all the same */
  check_image (r, jpg, JPEG_MAGIC, 320, 240, 1);
  g_free (files);
  g_free (jpg);
  g_free (json);
  run_free (r);
}

GST_END_TEST;

/* Deep video decodes to formats immsnapshot does not take; the plans
 * convert it first, for a snapshot alone and for a shared decode (dhash
 * and a GIF). */
GST_START_TEST (test_deep_video)
{
  Run *r = run_new ();
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"oss://"
      "test-bucket/video-demo/%s\"}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"jpg\",\"StartTime\":1,\"URI\":"
      "\"oss://test-bucket/video-demo/a.jpg\"},"
      "{\"Format\":\"png\",\"Mode\":\"dhash\",\"Threshold\":10,"
      "\"URI\":\"oss://test-bucket/video-demo/b-{index}.png\"}],"
      "\"Animations\":[{\"Format\":\"gif\",\"Interval\":1,\"URI\":"
      "\"oss://test-bucket/video-demo/c.gif\"}]}}]}", deep_clips[__i__].name);

  run_tool (r, json, NULL, NULL);
  assert_status (r, 0);
  assert_files (r, D "a.jpg " D "b-1.png " D "c.gif");
  check_image (r, "a.jpg", JPEG_MAGIC, 320, 240, 1);
  /* (the block of second 0 is below video range: no date in RGB) */
  check_image (r, "b-1.png", PNG_MAGIC, 320, 240, -1);
  fail_unless_equals_int (json_object_get_int_member (result_entry (r, 0,
              "Animations", 0), "FrameCount"), 3);
  g_free (json);
  run_free (r);
}

GST_END_TEST;

/* Sources are joined in order: the first 2 s of clip.mp4 (its Duration),
 * then the movie; the times are on the joined timeline. */
GST_START_TEST (test_joined_sources)
{
  Run *r = run_new ();
  static const gint seconds[] = { 1, 2, 5, 8 };
  guint i;

  run_tool (r, "{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/"
      "clip.mp4\",\"Duration\":2},{\"URI\":\"oss://test-bucket/video-demo/"
      "Winemaking.mov\"}],\"Targets\":[{\"Image\":{\"Snapshots\":[{"
      "\"Format\":\"jpg\",\"StartTime\":1,\"Interval\":3,\"Number\":4,"
      "\"URI\":\"oss://test-bucket/video-demo/j-{index}.jpg\"}]}}]}", NULL,
      NULL);
  assert_status (r, 0);
  assert_files (r, D "j-1.jpg " D "j-2.jpg " D "j-3.jpg " D "j-4.jpg");
  for (i = 0; i < G_N_ELEMENTS (seconds); i++) {
    gchar *name = g_strdup_printf ("j-%u.jpg", i + 1);

    check_image (r, name, JPEG_MAGIC, 320, 240, seconds[i]);
    g_free (name);
  }
  run_free (r);
}

GST_END_TEST;

/* Two dhash outputs share one decode (a tee); each counts its own frames. */
GST_START_TEST (test_shared_decode)
{
  Run *r = run_new ();
  JsonObject *e;

  run_tool (r, SNAPS ("{\"Format\":\"jpg\",\"Mode\":\"dhash\","
          "\"Threshold\":15,\"URI\":\"oss://test-bucket/e/{index}.jpg\"},"
          "{\"Format\":\"png\",\"Mode\":\"dhash\",\"Number\":3,"
          "\"Width\":80,\"Height\":60,"
          "\"URI\":\"oss://test-bucket/r/{index}.{autoext}\"}"), "--verbose",
      NULL);
  assert_status (r, 0);
  /* one pipeline: the tee */
  fail_unless (strstr (r->err, " tee name=t ") != NULL, "%s", r->err);
  fail_unless (strstr (strstr (r->err, "running ") + 1, "running ") == NULL,
      "%s", r->err);
  assert_files (r, "test-bucket/e/1.jpg test-bucket/e/2.jpg "
      "test-bucket/e/3.jpg test-bucket/e/4.jpg test-bucket/e/5.jpg "
      "test-bucket/r/1.png test-bucket/r/2.png test-bucket/r/3.png");
  e = result_entry (r, 0, "Snapshots", 0);
  fail_unless_equals_int (json_object_get_int_member (e, "FrameCount"), 5);
  e = result_entry (r, 0, "Snapshots", 1);
  fail_unless_equals_int (json_object_get_int_member (e, "FrameCount"), 3);
  run_free (r);
}

GST_END_TEST;

/* A file:// output URI with {index}: its path is worked out before the
 * template, so the sink pattern's %d is no URI escape (it failed with
 * "not a valid file:// URI"), and its own escapes (a space, a literal %)
 * are decoded once. */
GST_START_TEST (test_file_uri_output_template)
{
  Run *r = run_new ();
  gchar *uri = g_strdup_printf ("file://%s/out%%20dir/100%%25-{index}.jpg",
      r->demo);
  gchar *json = g_strdup_printf (SNAPS ("{\"Format\":\"jpg\",\"Interval\":10,"
          "\"Number\":3,\"URI\":\"%s\"}"), uri);
  JsonObject *e;

  run_tool (r, json, NULL, NULL);
  check_succeeded (r, 3);
  check_image (r, "out dir/100%-1.jpg", JPEG_MAGIC, 320, 240, 0);
  check_image (r, "out dir/100%-2.jpg", JPEG_MAGIC, 320, 240, 10);
  check_image (r, "out dir/100%-3.jpg", JPEG_MAGIC, 320, 240, 20);
  assert_files (r, D "out dir/100%-1.jpg " D "out dir/100%-2.jpg "
      D "out dir/100%-3.jpg");
  /* the result lists the URIs as the request wrote them, and the files'
   * URIs with the same escapes */
  e = result_entry (r, 0, "Snapshots", 0);
  fail_unless (g_str_has_suffix (json_object_get_string_member (e, "URI"),
          "/out%20dir/100%25-{index}.jpg"), "%s",
      json_object_get_string_member (e, "URI"));
  fail_unless (g_str_has_suffix (json_array_get_string_element
          (json_object_get_array_member (e, "Files"), 2),
          "/out%20dir/100%25-3.jpg"));
  g_free (json);
  g_free (uri);
  run_free (r);
}

GST_END_TEST;

void
pipelines_add_tests (TCase * fast, TCase * slow, TCase * anim)
{
  tcase_add_test (fast, test_missing_decoder);
  tcase_add_loop_test (slow, test_print_pipeline_seed, 0, n_seed_examples);
  tcase_add_loop_test (slow, test_print_pipeline_shared, 0, 5);
  tcase_add_test (slow, test_joined_sources);
  tcase_add_test (slow, test_shared_decode);
  tcase_add_test (slow, test_file_uri_output_template);
  tcase_add_loop_test (slow, test_containers, 0, n_containers);
  tcase_add_loop_test (slow, test_deep_video, 0, n_deep_clips);
  tcase_add_test (anim, test_print_pipeline_several);
}
