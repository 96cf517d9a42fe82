/* imm-gst launcher tests: the seed documents' examples, notifications
 * and audio covers.
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

/* ---- the seed examples ---- */

#define ANIM_TARGET "\"Targets\":[{\"Image\":{\"Animations\":[{" \
  "\"Format\":\"webp\",\"FrameRate\":15,\"Height\":0.5,\"Interval\":1," \
  "\"ScaleType\":\"fit\",\"URI\":\"oss://test-bucket/video-demo/" \
  "animation.{autoext}\",\"Width\":0.5}]}}]}"
#define SNAPSHOTS_URI "\"URI\":\"oss://test-bucket/video-demo/" \
  "snapshot-{index}.{autoext}\""
#define SNAPSHOT_FILES(ext) D "snapshot-1." ext " " D "snapshot-2." ext " " \
  D "snapshot-3." ext " " D "snapshot-4." ext
#define FIVE_JPEGS SNAPSHOT_FILES ("jpg") " " D "snapshot-5.jpg"

/* The ten examples of the two seed documents, on the fixture, with the
 * files each one writes (sorted). */

const SeedExample seed_examples[] = {
  [SEED_THUMBNAIL] = {SNAPS ("{\"Format\":\"jpg\",\"StartTime\":5,"
            "\"Number\":1,\"URI\":\"oss://test-bucket/video-demo/cover.jpg\"}"),
      D "cover.jpg"},
  [SEED_AI_TRAINING] = {SNAPS ("{\"Format\":\"jpg\",\"Interval\":10,"
            "\"ScaleType\":\"crop\"," SNAPSHOTS_URI ",\"Width\":512,"
            "\"Height\":512}"), SNAPSHOT_FILES ("jpg")},
  [SEED_SEGMENT] = {SNAPS ("{\"Format\":\"png\",\"StartTime\":11,"
            "\"Interval\":4,\"Number\":5,\"ScaleType\":\"crop\","
            SNAPSHOTS_URI ",\"Width\":0.5,\"Height\":0.5}"),
      SNAPSHOT_FILES ("png") " " D "snapshot-5.png"},
  [SEED_EVENT_KEYFRAMES] = {SNAPS ("{\"Format\":\"jpg\",\"Interval\":1,"
            "\"Mode\":\"dhash\",\"Threshold\":15," SNAPSHOTS_URI "}"),
      FIVE_JPEGS},
  [SEED_REPRESENTATIVE] = {SNAPS ("{\"Format\":\"jpg\",\"Interval\":1,"
            "\"Mode\":\"dhash\",\"Number\":5," SNAPSHOTS_URI "}"),
      FIVE_JPEGS},
  [SEED_IDR] = {SNAPS ("{\"Format\":\"jpg\",\"Mode\":\"keyframe\","
            SNAPSHOTS_URI "}"), FIVE_JPEGS " " D "snapshot-6.jpg "
        D "snapshot-7.jpg " D "snapshot-8.jpg"},
  [SEED_AVERAGE] = {SNAPS ("{\"Format\":\"jpg\",\"Mode\":\"average\","
            "\"Number\":10," SNAPSHOTS_URI "}"), D "snapshot-1.jpg "
        D "snapshot-10.jpg " D "snapshot-2.jpg " D "snapshot-3.jpg "
        D "snapshot-4.jpg " D "snapshot-5.jpg " D "snapshot-6.jpg "
        D "snapshot-7.jpg " D "snapshot-8.jpg " D "snapshot-9.jpg"},
  [SEED_AUDIO_COVER] = {HEAD "\"Sources\":[{\"URI\":\"oss://test-bucket/"
        "video-demo/test.mp3\"}],\"Targets\":[{\"Image\":{\"Snapshots\":[{"
        "\"Format\":\"jpg\",\"Number\":1,\"URI\":\"oss://test-bucket/"
        "video-demo/cover.jpg\"}]}}]}", D "cover.jpg"},
  [SEED_ANIMATION_WHOLE] = {HEAD SRC ANIM_TARGET, D "animation.webp"},
  [SEED_ANIMATION_RANGE] = {HEAD "\"Sources\":[{\"Duration\":25,"
        "\"StartTime\":5,\"URI\":\"oss://test-bucket/video-demo/"
        "Winemaking.mov\"}]," ANIM_TARGET, D "animation.webp"},
};

const guint n_seed_examples = G_N_ELEMENTS (seed_examples);

GST_START_TEST (test_seed_thumbnail)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_THUMBNAIL].request, NULL, NULL);
  check_succeeded (r, 1);
  assert_files (r, seed_examples[SEED_THUMBNAIL].files);
  check_image (r, "cover.jpg", JPEG_MAGIC, 320, 240, 5);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_ai_training)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_AI_TRAINING].request, NULL, NULL);
  check_succeeded (r, 4);
  assert_files (r, seed_examples[SEED_AI_TRAINING].files);
  check_image (r, "snapshot-1.jpg", JPEG_MAGIC, 512, 512, -1);
  check_image (r, "snapshot-4.jpg", JPEG_MAGIC, 512, 512, -1);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_segment)
{
  Run *r = run_new ();
  gint i;

  run_tool (r, seed_examples[SEED_SEGMENT].request, NULL, NULL);
  check_succeeded (r, 5);
  assert_files (r, seed_examples[SEED_SEGMENT].files);
  for (i = 0; i < 5; i++) {
    gchar *name = g_strdup_printf ("snapshot-%d.png", i + 1);

    check_image (r, name, PNG_MAGIC, 160, 120, 11 + 4 * i);
    g_free (name);
  }
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_event_keyframes)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_EVENT_KEYFRAMES].request, NULL, NULL);
  /* The opening frame and the four cuts. */
  check_succeeded (r, 5);
  assert_files (r, seed_examples[SEED_EVENT_KEYFRAMES].files);
  check_image (r, "snapshot-1.jpg", JPEG_MAGIC, 320, 240, 0);
  check_image (r, "snapshot-2.jpg", JPEG_MAGIC, 320, 240, 10);
  check_image (r, "snapshot-3.jpg", JPEG_MAGIC, 320, 240, 20);
  check_image (r, "snapshot-4.jpg", JPEG_MAGIC, 320, 240, 30);
  check_image (r, "snapshot-5.jpg", JPEG_MAGIC, 320, 240, 35);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_representative)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_REPRESENTATIVE].request, NULL, NULL);
  check_succeeded (r, 5);
  assert_files (r, seed_examples[SEED_REPRESENTATIVE].files);
  check_image (r, "snapshot-1.jpg", JPEG_MAGIC, 320, 240, 0);
  check_image (r, "snapshot-3.jpg", JPEG_MAGIC, 320, 240, 20);
  check_image (r, "snapshot-5.jpg", JPEG_MAGIC, 320, 240, 35);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_idr)
{
  Run *r = run_new ();
  gint i;

  run_tool (r, seed_examples[SEED_IDR].request, NULL, NULL);
  /* One IDR frame every 5 s. */
  check_succeeded (r, 8);
  assert_files (r, seed_examples[SEED_IDR].files);
  for (i = 0; i < 8; i++) {
    gchar *name = g_strdup_printf ("snapshot-%d.jpg", i + 1);

    check_image (r, name, JPEG_MAGIC, 320, 240, 5 * i);
    g_free (name);
  }
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_average)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_AVERAGE].request, NULL, NULL);
  check_succeeded (r, 10);
  assert_files (r, seed_examples[SEED_AVERAGE].files);
  check_image (r, "snapshot-1.jpg", JPEG_MAGIC, 320, 240, 0);
  check_image (r, "snapshot-2.jpg", JPEG_MAGIC, 320, 240, 4);
  check_image (r, "snapshot-10.jpg", JPEG_MAGIC, 320, 240, 36);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_audio_cover)
{
  Run *r = run_new ();
  Image img;
  gchar *path;

  run_tool (r, seed_examples[SEED_AUDIO_COVER].request, NULL, NULL);
  check_succeeded (r, 1);
  assert_files (r, seed_examples[SEED_AUDIO_COVER].files);
  check_image (r, "cover.jpg", JPEG_MAGIC, 200, 100, -1);
  path = g_build_filename (r->demo, "cover.jpg", NULL);
  decode_image (path, &img);
  /* the red cover picture */
  fail_unless (img.r > 200 && img.g < 60 && img.b < 60, "%d,%d,%d", img.r,
      img.g, img.b);
  g_free (path);
  run_free (r);
}

GST_END_TEST;

/* Play time, canvas size and loop count of a WebP animation: @frames
 * frames at 15 fps. The encoder may merge frames that come out identical
 * (extending the previous one's duration), so the play time is what must
 * match, and no more frames than were given. */
static void
check_webp (Run * r, const gchar * name, gint frames, gint width, gint height)
{
  gchar *path = g_build_filename (r->demo, name, NULL);
  gchar *data;
  gsize len;
  WebPData wd;
  WebPDemuxer *demux;
  WebPIterator iter;
  gint total = 0, expected = (gint) (frames * 1000.0 / 15 + 0.5);

  fail_unless (g_file_get_contents (path, &data, &len, NULL), "%s", path);
  wd.bytes = (const uint8_t *) data;
  wd.size = len;
  demux = WebPDemux (&wd);
  fail_unless (demux != NULL, "%s is not WebP", name);
  fail_unless ((gint) WebPDemuxGetI (demux, WEBP_FF_FRAME_COUNT) <= frames);
  fail_unless_equals_int (WebPDemuxGetI (demux, WEBP_FF_CANVAS_WIDTH), width);
  fail_unless_equals_int (WebPDemuxGetI (demux, WEBP_FF_CANVAS_HEIGHT), height);
  fail_unless_equals_int (WebPDemuxGetI (demux, WEBP_FF_LOOP_COUNT), 0);
  fail_unless (WebPDemuxGetFrame (demux, 1, &iter));
  do {
    total += iter.duration;
  } while (WebPDemuxNextFrame (&iter));
  WebPDemuxReleaseIterator (&iter);
  /* durations are whole milliseconds: up to 1 ms off a frame */
  fail_unless (ABS (total - expected) <= frames, "%s plays %d ms, expected "
      "%d ms", name, total, expected);
  WebPDemuxDelete (demux);
  g_free (data);
  g_free (path);
}

GST_START_TEST (test_seed_animation_whole)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_ANIMATION_WHOLE].request, NULL, NULL);
  check_succeeded (r, 40);
  assert_files (r, seed_examples[SEED_ANIMATION_WHOLE].files);
  check_webp (r, "animation.webp", 40, 160, 120);
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_seed_animation_range)
{
  Run *r = run_new ();

  run_tool (r, seed_examples[SEED_ANIMATION_RANGE].request, NULL, NULL);
  check_succeeded (r, 25);
  assert_files (r, seed_examples[SEED_ANIMATION_RANGE].files);
  check_webp (r, "animation.webp", 25, 160, 120);
  run_free (r);
}

GST_END_TEST;

#define COVER_REQ(notif, entries) "{\"ProjectName\":\"test-project\"," \
  notif "\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/test.mp3\"}]," \
  "\"Targets\":[{\"Image\":{\"Snapshots\":[" entries "]}}]}"
#define MNS "\"Notification\":{\"MNS\":{\"TopicName\":\"t\"}},"

static JsonObject *
parse_object (JsonParser * p, const gchar * text)
{
  fail_unless (json_parser_load_from_data (p, text, -1, NULL), "%s", text);
  return json_node_get_object (json_parser_get_root (p));
}

GST_START_TEST (test_notify)
{
  Run *r = run_new ();
  gchar *dir = g_path_get_dirname (r->request);
  gchar *file = g_build_filename (dir, "mns.jsonl", NULL);
  gchar *data, **lines;
  JsonParser *p = json_parser_new (), *p2 = json_parser_new ();
  JsonObject *env, *content;

  run_tool (r, COVER_REQ (MNS, "{\"Format\":\"png\",\"URI\":\"c.png\"}"),
      "--notify", file);
  assert_status (r, 0);
  run_tool (r, COVER_REQ (MNS, "{\"Format\":\"gif\",\"URI\":\"c.gif\"}"),
      "--notify", file);
  assert_status (r, 1);
  /* no Notification in the request: nothing appended */
  run_tool (r, COVER_REQ ("", "{\"Format\":\"png\",\"URI\":\"d.png\"}"),
      "--notify", file);
  assert_status (r, 0);

  fail_unless (g_file_get_contents (file, &data, NULL, NULL));
  lines = g_strsplit (data, "\n", -1);
  fail_unless (g_strv_length (lines) == 3, "%s", data);
  fail_unless_equals_int (g_strv_length (lines), 3);
  fail_unless_equals_string (lines[2], "");
  env = parse_object (p, lines[0]);
  fail_unless_equals_string (json_object_get_string_member (env, "source"),
      "acs.imm");
  fail_unless_equals_string (json_object_get_string_member (env, "type"),
      "imm:Task:MediaConvert");
  fail_unless_equals_string (json_object_get_string_member (env, "subject"),
      "acs:imm::project/test-project");
  fail_unless (g_ascii_strtoll (json_object_get_string_member (env, "time"),
          NULL, 10) > 1600000000000);
  content = parse_object (p2, json_object_get_string_member (env, "content"));
  fail_unless_equals_string (json_object_get_string_member (content,
          "Status"), "Succeeded");
  env = parse_object (p, lines[1]);
  content = parse_object (p2, json_object_get_string_member (env, "content"));
  fail_unless_equals_string (json_object_get_string_member (content,
          "Status"), "Failed");
  fail_unless_equals_string (json_object_get_string_member (content,
          "Code"), "InvalidArgument");
  fail_unless_equals_string (json_object_get_string_member (content,
          "ProjectName"), "test-project");
  assert_files (r, "c.png d.png");

  g_strfreev (lines);
  g_free (data);
  g_object_unref (p);
  g_object_unref (p2);
  g_free (file);
  g_free (dir);
  run_free (r);
}

GST_END_TEST;

/* Each kind of embedded cover is found, then resized and encoded per
 * entry: at its own size as PNG, cropped to 64x64 as JPEG. */
GST_START_TEST (test_audio_covers)
{
  Run *r = run_new ();
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"oss://"
      "test-bucket/video-demo/%s\"}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"png\",\"URI\":\"oss://test-bucket/"
      "video-demo/{barename}.png\"},{\"Format\":\"jpg\",\"Width\":64,"
      "\"Height\":64,\"ScaleType\":\"crop\",\"URI\":\"oss://test-bucket/"
      "video-demo/{barename}-64.{autoext}\"}]}}]}", covers[__i__].name);
  gchar *bare = g_strndup (covers[__i__].name,
      strrchr (covers[__i__].name, '.') - covers[__i__].name);
  gchar *png = g_strdup_printf ("%s.png", bare);
  gchar *jpg = g_strdup_printf ("%s-64.jpg", bare);
  gchar *files = g_strdup_printf (D "%s " D "%s", jpg, png);
  const gchar *names[] = { png, jpg };
  guint i;

  run_tool (r, json, NULL, NULL);
  assert_status (r, 0);
  assert_files (r, files);
  fail_unless_equals_int (json_object_get_int_member (result_entry (r, 0,
              "Snapshots", 1), "FrameCount"), 1);
  check_image (r, png, PNG_MAGIC, covers[__i__].width,
      covers[__i__].height, -1);
  check_image (r, jpg, JPEG_MAGIC, 64, 64, -1);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *path = g_build_filename (r->demo, names[i], NULL);
    Image img;

    decode_image (path, &img);
    /* the picture's own colour (JPEG: within its error) */
    fail_unless (ABS (img.r - covers[__i__].r) < 60
        && ABS (img.g - covers[__i__].g) < 60
        && ABS (img.b - covers[__i__].b) < 60, "%s: %d,%d,%d", names[i],
        img.r, img.g, img.b);
    g_free (path);
  }
  g_free (files);
  g_free (jpg);
  g_free (png);
  g_free (bare);
  g_free (json);
  run_free (r);
}

GST_END_TEST;

/* An absent side is the source's size (the API's rule), and a request's 1
 * is one pixel. The cover path needs no immsnapshot. */
GST_START_TEST (test_cover_sizes)
{
  Run *r = run_new ();
  Image img;
  gchar *path;

  run_tool (r, COVER_REQ ("", "{\"Format\":\"png\",\"Width\":50,"
          "\"URI\":\"oss://test-bucket/video-demo/w.png\"},"
          "{\"Format\":\"webp\",\"Height\":20,\"Width\":0.5,"
          "\"URI\":\"oss://test-bucket/video-demo/h.{autoext}\"},"
          "{\"Format\":\"png\",\"Width\":1,"
          "\"URI\":\"oss://test-bucket/video-demo/one.png\"},"
          "{\"Format\":\"jpg\",\"Height\":80,\"Width\":80,"
          "\"ScaleType\":\"fit\",\"URI\":\"oss://test-bucket/new/dir/"
          "{barename}-{index}.{ext}.jpg\"}"), NULL, NULL);
  assert_status (r, 0);
  assert_files (r, "test-bucket/new/dir/test-1.mp3.jpg " D "h.webp "
      D "one.png " D "w.png");
  check_image (r, "w.png", PNG_MAGIC, 50, 100, -1);
  check_image (r, "h.webp", WEBP_MAGIC, 100, 20, -1);
  check_image (r, "one.png", PNG_MAGIC, 1, 100, -1);
  path = g_build_filename (r->root, "test-bucket/new/dir/test-1.mp3.jpg", NULL);
  decode_image (path, &img);
  fail_unless_equals_int (img.width, 80);
  fail_unless_equals_int (img.height, 40);
  g_free (path);
  run_free (r);
}

GST_END_TEST;

void
seeds_add_tests (TCase * fast, TCase * slow, TCase * anim)
{
  tcase_add_test (fast, test_notify);
  tcase_add_test (fast, test_cover_sizes);
  tcase_add_loop_test (fast, test_audio_covers, 0, n_covers);
  tcase_add_test (slow, test_seed_thumbnail);
  tcase_add_test (slow, test_seed_ai_training);
  tcase_add_test (slow, test_seed_segment);
  tcase_add_test (slow, test_seed_event_keyframes);
  tcase_add_test (slow, test_seed_representative);
  tcase_add_test (slow, test_seed_idr);
  tcase_add_test (slow, test_seed_average);
  tcase_add_test (slow, test_seed_audio_cover);
  tcase_add_test (anim, test_seed_animation_whole);
  tcase_add_test (anim, test_seed_animation_range);
}
