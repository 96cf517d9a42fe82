/* imm-gst launcher tests: invalid requests, output collisions and usage errors.
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

/* ---- invalid requests through the tool ---- */

typedef struct
{
  const gchar *json;
  gint status;
  const gchar *code;
  const gchar *message_prefix;
} BadRun;

#define OUT "\"URI\":\"oss://test-bucket/out/s-{index}.jpg\""
#define TGT(x) "\"Targets\":[{\"Image\":{\"Snapshots\":[" x "]}}]}"
#define TGT_OPEN "\"Targets\":[{\"Image\":{\"Snapshots\":["
#define TGT_CLOSE "]}}]}"
#define SRCU(u) "{\"Sources\":[{\"URI\":\"" u "\"}],"
#define ANIMS(x) "\"Targets\":[{\"Image\":{\"Animations\":[" x "]}}]}"
#define A_SRC "{\"URI\":\"oss://test-bucket/video-demo/clip.mp4\"}"
#define TWELVE_SOURCES A_SRC "," A_SRC "," A_SRC "," A_SRC "," A_SRC "," \
  A_SRC "," A_SRC "," A_SRC "," A_SRC "," A_SRC "," A_SRC "," A_SRC

static const BadRun bad_runs[] = {
  {"{not json", 1, "InvalidArgument", "(request): not valid JSON"},
  {"{\"Width\": NaN}", 1, "InvalidArgument", "(request): not valid JSON"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Mode\":\"fast\"," OUT "}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].Mode: unknown mode"},
  {"{" SRC TGT ("{\"Format\":\"tiff\"," OUT "}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Format: unknown format 'tiff'"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Interval\":2,\"URI\":\"s.jpg\"}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].URI: this target "
        "can write more than one frame"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Width\":-5," OUT "}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].Width: must be > 0"},
  {"{" SRC "\"Targets\":[{\"URI\":\"oss://test-bucket/x.mp4\",\"Image\":{}}]}",
        1,
      "InvalidArgument", "Targets[0].URI: must not be set for image jobs"},
  {"{" SRC
        TGT ("{\"Format\":\"jpg\",\"URI\":\"oss://test-bucket/../../x.jpg\"}"),
        1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].URI: "
        "'oss://test-bucket/../../x.jpg' is outside the storage root"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"/etc/x.jpg\"}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].URI: '/etc/x.jpg' "
        "is outside the storage root"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"http://example.com/x.jpg\"}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].URI: outputs go to "
        "oss://, file:// or a local path"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\"},{\"Format\":\"png\","
            "\"URI\":\"c.jpg\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[1].URI: writes the same file as "
        "Targets[0].Image.Snapshots[0].URI"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"{tags.x}.jpg\"}"), 1,
      "InvalidArgument", "Targets[0].Image.Snapshots[0].URI: unknown "
        "variable '{tags.x}'"},
  {SRCU ("oss://test-bucket/video-demo/missing.mov") TGT ("{\"Format\":"
            "\"jpg\",\"URI\":\"c.jpg\"}"), 1, "ResourceNotFound",
      "Sources[0].URI: 'oss://test-bucket/video-demo/missing.mov' not found"},
  /* nothing listens on port 1 */
  {SRCU ("http://127.0.0.1:1/x.mov") TGT ("{\"Format\":\"jpg\",\"URI\":"
            "\"c.jpg\"}"), 1, "ResourceNotFound",
      "Sources[0].URI: cannot open 'http://127.0.0.1:1/x.mov': could not "
        "connect or read"},
  {SRCU ("oss://test-bucket/video-demo/notmedia.mov") TGT ("{\"Format\":"
            "\"jpg\",\"URI\":\"c.jpg\"}"), 1, "InvalidFile",
      "Sources[0].URI: cannot read 'oss://test-bucket/video-demo/"
        "notmedia.mov' as media"},
  {SRCU ("oss://test-bucket/video-demo/empty.mov") TGT ("{\"Format\":"
            "\"jpg\",\"URI\":\"c.jpg\"}"), 1, "InvalidFile",
      "Sources[0].URI: cannot read 'oss://test-bucket/video-demo/empty.mov' "
        "as media"},
  {SRCU ("oss://test-bucket/video-demo/nocover.mp3") TGT ("{\"Format\":"
            "\"jpg\",\"URI\":\"c.jpg\"}"), 1, "InvalidFile",
      "Sources[0].URI: 'oss://test-bucket/video-demo/nocover.mp3' has no "
        "video stream and no embedded cover picture"},
  {SRCU ("oss://test-bucket") TGT ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\"}"),
      1, "InvalidArgument", "Sources[0].URI: expected oss://bucket/key"},
  {SRCU ("ftp://x/y.mov") TGT ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\"}"),
      1, "InvalidArgument", "Sources[0].URI: unsupported scheme"},
  {"{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\","
        "\"Duration\":4}]," TGT ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\","
            "\"StartTime\":6}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].StartTime: 6 s is past the end"},
  /* an animation that gets no frame names its entry, as snapshots do */
  {"{" SRC ANIMS ("{\"Format\":\"gif\",\"StartTime\":100,\"URI\":"
            "\"a.gif\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0]: no frame in the requested range"},
  {"{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\","
        "\"StartTime\":100}]," ANIMS ("{\"Format\":\"webp\",\"URI\":"
            "\"a.webp\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0]: no frame in the requested range"},
  /* wrong types */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Number\":\"5\"," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Number: expected an integer, got a "
        "string"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Width\":\"100\"," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Width: expected a number, got a string"},
  {"{" SRC TGT ("\"jpg\""), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0]: expected an object, got a string"},
  {"{" SRC "\"Targets\":[{\"Image\":{\"Snapshots\":{\"Format\":\"jpg\"}}}]}",
        1, "InvalidArgument",
      "Targets[0].Image.Snapshots: expected an array, got an object"},
  {"{\"Sources\":[\"oss://test-bucket/video-demo/Winemaking.mov\"],"
        TGT ("{\"Format\":\"jpg\"," OUT "}"), 1, "InvalidArgument",
      "Sources[0]: expected an object, got a string"},
  /* unknown values */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"ScaleType\":\"squash\"," OUT "}"),
        1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].ScaleType: unknown scale type 'squash' "
        "(expected one of: stretch, crop, fill, fit)"},
  {"{" SRC ANIMS ("{\"Format\":\"apng\",\"URI\":\"a.png\"}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Animations[0].Format: unknown format 'apng' "
        "(expected one of: gif, webp)"},
  /* numbers out of range */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Number\":1.5," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Number: expected an integer, got 1.5"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Number\":-1," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Number: must be >= 0, got -1"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Interval\":0," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Interval: must be > 0, got 0"},
  {"{" SRC ANIMS ("{\"Format\":\"gif\",\"Interval\":-2,\"URI\":"
            "\"a.gif\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0].Interval: must be > 0, got -2"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Mode\":\"dhash\","
            "\"Threshold\":101," OUT "}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Threshold: must be <= 100, got 101"},
  {"{" SRC ANIMS ("{\"Format\":\"webp\",\"FrameRate\":0,\"URI\":"
            "\"a.webp\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0].FrameRate: must be > 0, got 0"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"StartTime\":-1," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].StartTime: must be >= 0, got -1"},
  {"{" SRC TGT ("{\"Format\":\"png\",\"Width\":16385," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Width: must be <= 16384, got 16385"},
  {"{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\","
        "\"Duration\":-3}]," TGT ("{\"Format\":\"jpg\"," OUT "}"), 1,
      "InvalidArgument", "Sources[0].Duration: must be >= 0, got -3"},
  /* typos and fields that do not belong */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Widht\":100," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Widht: unknown field (fields here: "
        "Format, URI, Mode, StartTime, Interval, Number, Threshold, Width, "
        "Height, ScaleType)"},
  {"{\"Source\":[{\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\"}],"
        TGT ("{\"Format\":\"jpg\"," OUT "}"), 1, "InvalidArgument",
      "Source: unknown field (fields here: ProjectName, Notification, "
        "UserData, Sources, Targets, Tags, AlignmentIndex)"},
  {"{" SRC ANIMS ("{\"Format\":\"gif\",\"Mode\":\"dhash\",\"URI\":"
            "\"a.gif\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0].Mode: unknown field (fields here: "
        "Format, URI, StartTime, Number, Interval, FrameRate, Width, Height, "
        "ScaleType)"},
  {"{" SRC "\"Targets\":[{\"Container\":\"mp4\",\"Image\":{"
        "\"Snapshots\":[{\"Format\":\"jpg\"," OUT "}]}}]}", 1,
        "InvalidArgument",
      "Targets[0].Container: must not be set for image jobs (give the "
        "output in Image.Snapshots[].URI or Image.Animations[].URI)"},
  /* missing or empty */
  {"{" TGT ("{\"Format\":\"jpg\"," OUT "}"), 1, "InvalidArgument",
      "Sources: required field is missing"},
  {"{\"Sources\":[]," TGT ("{\"Format\":\"jpg\"," OUT "}"), 1,
      "InvalidArgument", "Sources: needs at least one source"},
  {"{\"Sources\":[" TWELVE_SOURCES "]," TGT ("{\"Format\":\"jpg\"," OUT "}"),
        1, "InvalidArgument",
      "Sources: at most 11 sources can be joined, got 12"},
  {"{" SRC TGT ("{" OUT "}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Format: required field is missing"},
  {"{" SRC ANIMS ("{\"Format\":\"gif\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Animations[0].URI: required field is missing"},
  {"{" SRC "\"Targets\":[{\"Image\":{}}]}", 1, "InvalidArgument",
      "Targets[0].Image: no Snapshots, Animations or Highlights to make"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Mode\":\"average\"," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Number: average mode needs Number "
        "greater than 0"},
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Number\":3," OUT "}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].Interval: required when Number is "
        "greater than 1 in interval mode (without it one frame is taken at "
        "StartTime)"},
  /* {index} missing where several frames come out */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"Mode\":\"dhash\",\"Number\":5,"
            "\"URI\":\"d.jpg\"}"), 1, "InvalidArgument",
      "Targets[0].Image.Snapshots[0].URI: this target can write more than "
        "one frame, so the URI needs '{index}'"},
  /* a relative path escape */
  {"{" SRC TGT ("{\"Format\":\"jpg\",\"URI\":\"a/../../x.jpg\"}"), 1,
        "InvalidArgument",
      "Targets[0].Image.Snapshots[0].URI: 'a/../../x.jpg' is outside the "
        "storage root"},
  /* the second of two sources is missing */
  {"{\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/clip.mp4\"},"
        "{\"URI\":\"oss://test-bucket/video-demo/gone.mp4\"}]," TGT
        ("{\"Format\":\"jpg\",\"URI\":\"c.jpg\"}"), 1, "ResourceNotFound",
      "Sources[1].URI: 'oss://test-bucket/video-demo/gone.mp4' not found"},
};

GST_START_TEST (test_bad_run)
{
  const BadRun *c = &bad_runs[__i__];
  Run *r = run_new ();

  /* the elements' own debug warnings are not the tool's stderr line */
  r->envp = g_environ_setenv (g_get_environ (), "GST_DEBUG", "0", TRUE);
  run_tool (r, c->json, NULL, NULL);
  assert_status (r, c->status);
  fail_unless_equals_string (result_string (r, "Status"), "Failed");
  fail_unless_equals_string (result_string (r, "Code"), c->code);
  fail_unless (g_str_has_prefix (result_string (r, "Message"),
          c->message_prefix), "message: %s", result_string (r, "Message"));
  /* one clear line on stderr */
  fail_unless (g_str_has_prefix (r->err, "imm-convert: "), "%s", r->err);
  fail_unless (strchr (r->err, '\n') == r->err + strlen (r->err) - 1,
      "%s", r->err);
  /* nothing written, no temporary directory left */
  assert_files (r, "");
  run_free (r);
}

GST_END_TEST;

/* Two outputs on one file are refused before any pipeline runs, for
 * every index known before running (a Number, interval targets in the
 * probed duration); outputs whose count is not known are compared by
 * pattern. */
static const struct
{
  const gchar *snapshots;
  const gchar *message;
} collisions[] = {
  /* interval targets 1, 2, ... in the clip: file 2 is the second's */
  {"{\"Format\":\"jpg\",\"Interval\":1,\"URI\":\"x-{index}.jpg\"},"
        "{\"Format\":\"jpg\",\"StartTime\":3,\"URI\":\"x-2.jpg\"}",
      "Targets[0].Image.Snapshots[1].URI: writes the same file as "
        "Targets[0].Image.Snapshots[0].URI"},
  {"{\"Format\":\"jpg\",\"Mode\":\"average\",\"Number\":5,"
        "\"URI\":\"a/{index}.jpg\"},{\"Format\":\"jpg\",\"Interval\":1,"
        "\"Number\":9,\"URI\":\"a/{index}.jpg\"}",
      "Targets[0].Image.Snapshots[1].URI: writes the same file as "
        "Targets[0].Image.Snapshots[0].URI"},
  /* keyframes: how many is known only at the end */
  {"{\"Format\":\"jpg\",\"Mode\":\"keyframe\",\"URI\":\"k-{index}.jpg\"},"
        "{\"Format\":\"jpg\",\"URI\":\"k-3.jpg\"}",
      "Targets[0].Image.Snapshots[1].URI: can write the same file as "
        "Targets[0].Image.Snapshots[0].URI"},
  {"{\"Format\":\"jpg\",\"URI\":\"k-12.jpg\"},{\"Format\":\"jpg\","
        "\"Mode\":\"keyframe\",\"URI\":\"k-1{index}.jpg\"}",
      "Targets[0].Image.Snapshots[1].URI: can write the same file as "
        "Targets[0].Image.Snapshots[0].URI"},
  {"{\"Format\":\"jpg\",\"Mode\":\"keyframe\",\"URI\":\"k-{index}.jpg\"},"
        "{\"Format\":\"jpg\",\"Mode\":\"dhash\",\"URI\":\"k-{index}.jpg\"}",
      "Targets[0].Image.Snapshots[1].URI: can write the same file as "
        "Targets[0].Image.Snapshots[0].URI"},
};

GST_START_TEST (test_collision)
{
  Run *r = run_new ();

  {
    gchar *json = g_strconcat ("{" SRC TGT_OPEN, collisions[__i__].snapshots,
        TGT_CLOSE, NULL);

    run_tool (r, json, "--verbose", NULL);
    g_free (json);
  }
  assert_status (r, 1);
  fail_unless_equals_string (result_string (r, "Code"), "InvalidArgument");
  fail_unless (g_str_has_prefix (result_string (r, "Message"),
          collisions[__i__].message), "message: %s",
      result_string (r, "Message"));
  /* refused before any work: no pipeline ran */
  fail_unless (strstr (r->err, "imm-convert: running ") == NULL, "%s", r->err);
  assert_files (r, "");
  run_free (r);
}

GST_END_TEST;

/* Indices that cannot meet are not refused: 3 frames never reach n-4. */
GST_START_TEST (test_no_collision)
{
  Run *r = run_new ();

  run_tool (r, "{" SRC TGT ("{\"Format\":\"jpg\",\"Interval\":1,"
          "\"Number\":3,\"URI\":\"n-{index}.jpg\"},{\"Format\":\"jpg\","
          "\"StartTime\":2,\"URI\":\"n-4.jpg\"},{\"Format\":\"jpg\","
          "\"Mode\":\"keyframe\",\"URI\":\"n-{index}-k.jpg\"}"), NULL, NULL);
  assert_status (r, 0);
  fail_unless (g_file_test (r->root, G_FILE_TEST_IS_DIR));
  {
    gchar *f = g_build_filename (r->root, "n-4.jpg", NULL);

    fail_unless (g_file_test (f, G_FILE_TEST_IS_REGULAR));
    g_free (f);
    f = g_build_filename (r->root, "n-3.jpg", NULL);
    fail_unless (g_file_test (f, G_FILE_TEST_IS_REGULAR));
    g_free (f);
    f = g_build_filename (r->root, "n-1-k.jpg", NULL);
    fail_unless (g_file_test (f, G_FILE_TEST_IS_REGULAR));
    g_free (f);
  }
  run_free (r);
}

GST_END_TEST;

GST_START_TEST (test_usage)
{
  Run *r = run_new ();
  const gchar *tool = g_getenv ("IMM_CONVERT");
  gchar *argv[3] = { (gchar *) tool, (gchar *) "--bogus", NULL };
  gchar *out = NULL, *err = NULL;
  gint status;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          &out, &err, &status, NULL));
  fail_unless_equals_int (WEXITSTATUS (status), 2);
  fail_unless_equals_string (err, "imm-convert: unknown option --bogus "
      "(see imm-convert --help)\n");
  fail_unless_equals_string (out, "");
  g_free (out);
  g_free (err);

  argv[1] = (gchar *) "--help";
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          &out, &err, &status, NULL));
  fail_unless_equals_int (WEXITSTATUS (status), 0);
  fail_unless (strstr (out, "--storage-root DIR") != NULL);
  fail_unless (strstr (out, "--print-pipeline") != NULL);
  fail_unless (strstr (out, "--notify FILE") != NULL);
  g_free (out);
  g_free (err);

  run_tool (r, "{}", "--storage-root", NULL);
  assert_status (r, 2);

  /* "-" reads the request from stdin */
  fail_unless (g_file_set_contents (r->request, "{\"Sources\":[{\"URI\":"
          "\"oss://test-bucket/video-demo/test.mp3\"}],\"Targets\":[{"
          "\"Image\":{\"Snapshots\":[{\"Format\":\"png\",\"URI\":"
          "\"stdin.png\"}]}}]}", -1, NULL));
  {
    gchar *cmd = g_strdup_printf ("'%s' --quiet --storage-root '%s' - < '%s'",
        tool, r->root, r->request);
    gchar *sh[] = { (gchar *) "sh", (gchar *) "-c", cmd, NULL };

    fail_unless (g_spawn_sync (NULL, sh, NULL, G_SPAWN_SEARCH_PATH, NULL,
            NULL, &out, &err, &status, NULL));
    fail_unless_equals_int (WEXITSTATUS (status), 0);
    fail_unless (strstr (out, "\"Files\":[\"stdin.png\"],\"FrameCount\":1")
        != NULL, "%s", out);
    g_free (out);
    g_free (err);
    g_free (cmd);
  }
  assert_files (r, "stdin.png");
  run_free (r);
}

GST_END_TEST;

void
errors_add_tests (TCase * fast, TCase * slow, TCase * anim)
{
  tcase_add_loop_test (fast, test_bad_run, 0, G_N_ELEMENTS (bad_runs));
  tcase_add_loop_test (fast, test_collision, 0, G_N_ELEMENTS (collisions));
  tcase_add_test (fast, test_no_collision);
  tcase_add_test (fast, test_usage);
}
