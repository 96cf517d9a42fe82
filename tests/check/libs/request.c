/* Unit tests of request parsing and validation.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-request.h"

/* Wraps one Snapshots[] entry into a whole request. */
#define SNAP(entry) "{\"Sources\":[{\"URI\":\"oss://b/v.mov\"}]," \
  "\"Targets\":[{\"Image\":{\"Snapshots\":[" entry "]}}]}"
#define ANIM(entry) "{\"Sources\":[{\"URI\":\"oss://b/v.mov\"}]," \
  "\"Targets\":[{\"Image\":{\"Animations\":[" entry "]}}]}"
#define HIGH(entry) "{\"Sources\":[{\"URI\":\"oss://b/v.mov\"}]," \
  "\"Targets\":[{\"Image\":{\"Highlights\":[" entry "]}}]}"
#define LIVE(targets) "{\"Sources\":[{\"URI\":\"srt://127.0.0.1:9000\"}]," \
  "\"Targets\":[{\"Image\":{" targets "}}]}"
#define OK_SNAP "{\"Format\":\"jpg\",\"URI\":\"oss://b/s-{index}.jpg\"}"

typedef struct
{
  const gchar *json;
  const gchar *message;         /* the whole expected message */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  /* whole request */
  {"", "(request): empty request"},
  {"[1]", "(request): expected a JSON object, got an array"},
  {"{\"Sources\": [", NULL},
  {"{\"Targets\":[]}", "Sources: required field is missing"},
  {"{\"Sources\":[],\"Targets\":[]}", "Sources: needs at least one source"},
  {"{\"Sources\":[{\"URI\":\"a\"}]}", "Targets: required field is missing"},
  {"{\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[]}",
      "Targets: needs at least one target"},
  {"{\"Sourcs\":[]}", "Sourcs: unknown field (fields here: ProjectName, "
        "Notification, UserData, Sources, Targets, Tags, AlignmentIndex)"},
  {"{\"ProjectName\":5,\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[{}]}",
      "ProjectName: expected a string, got a number"},
  {"{\"Notification\":{\"MNS\":{}},\"Sources\":[{\"URI\":\"a\"}],"
        "\"Targets\":[{}]}", "Notification.MNS.TopicName: required field is "
        "missing"},
  {"{\"Tags\":{\"a\":1},\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[{}]}",
      "Tags.a: expected a string, got a number"},
  {"{\"Sources\":[{\"URI\":\"a\"},{\"URI\":\"a\"},{\"URI\":\"a\"},"
        "{\"URI\":\"a\"},{\"URI\":\"a\"},{\"URI\":\"a\"},{\"URI\":\"a\"},"
        "{\"URI\":\"a\"},{\"URI\":\"a\"},{\"URI\":\"a\"},{\"URI\":\"a\"},"
        "{\"URI\":\"a\"}],\"Targets\":[{}]}",
      "Sources: at most 11 sources can be joined, got 12"},
  /* sources */
  {"{\"Sources\":[{}],\"Targets\":[{}]}",
      "Sources[0].URI: required field is missing"},
  {"{\"Sources\":[{\"URI\":\"\"}],\"Targets\":[{}]}",
      "Sources[0].URI: must not be empty"},
  {"{\"Sources\":[{\"URI\":\"a\",\"StartTime\":-1}],\"Targets\":[{}]}",
      "Sources[0].StartTime: must be >= 0, got -1"},
  {"{\"Sources\":[{\"URI\":\"a\",\"Duration\":\"5\"}],\"Targets\":[{}]}",
      "Sources[0].Duration: expected a number, got a string"},
  {"{\"Sources\":[{\"URI\":\"a\"},{\"URL\":\"a\"}],\"Targets\":[{}]}",
      "Sources[1].URL: unknown field (fields here: URI, StartTime, Duration, "
        "Subtitles, Attached, AlignMode, DisableAudio, DisableVideo)"},
  {"{\"Sources\":[{\"URI\":\"a\",\"StartTime\":1e999}],\"Targets\":[{}]}",
      "Sources[0].StartTime: must be a finite number"},
  /* targets */
  {"{\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[{\"URI\":\"oss://b/x.mp4\","
        "\"Image\":{}}]}", "Targets[0].URI: must not be set for image jobs "
        "(give the output in Image.Snapshots[].URI or Image.Animations[].URI)"},
  {"{\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[{\"Container\":\"mp4\","
        "\"Image\":{}}]}", "Targets[0].Container: must not be set for image "
        "jobs (give the output in Image.Snapshots[].URI or "
        "Image.Animations[].URI)"},
  {"{\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[{}]}",
      "Targets[0].Image: required field is missing"},
  {"{\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[{\"Image\":{}}]}",
      "Targets[0].Image: no Snapshots, Animations or Highlights to make"},
  {"{\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[{\"Video\":{}}]}",
      "Targets[0].Video: unknown field (fields here: Image, URI, Container)"},
  {"{\"Sources\":[{\"URI\":\"a\"}],\"Targets\":[{\"Image\":{\"Snapshots\":"
        "{}}}]}", "Targets[0].Image.Snapshots: expected an array, got an "
        "object"},
  /* snapshots */
  {SNAP ("{\"URI\":\"oss://b/s.jpg\"}"),
      "Targets[0].Image.Snapshots[0].Format: required field is missing"},
  {SNAP ("{\"Format\":\"bmp\",\"URI\":\"oss://b/s.bmp\"}"),
      "Targets[0].Image.Snapshots[0].Format: unknown format 'bmp' "
        "(expected one of: jpg, png, webp)"},
  {SNAP ("{\"Format\":\"gif\",\"URI\":\"oss://b/s.gif\"}"),
      "Targets[0].Image.Snapshots[0].Format: unknown format 'gif' "
        "(expected one of: jpg, png, webp)"},
  {SNAP ("{\"Format\":\"jpg\"}"),
      "Targets[0].Image.Snapshots[0].URI: required field is missing"},
  {SNAP (OK_SNAP ",{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\","
            "\"Mode\":\"scene\"}"),
      "Targets[0].Image.Snapshots[1].Mode: unknown mode 'scene' "
        "(expected one of: interval, average, keyframe, dhash)"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\",\"Mode\":3}"),
      "Targets[0].Image.Snapshots[0].Mode: expected a string, got a number"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\",\"Interval\":0}"),
      "Targets[0].Image.Snapshots[0].Interval: must be > 0, got 0"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\",\"Interval\":-2}"),
      "Targets[0].Image.Snapshots[0].Interval: must be > 0, got -2"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\",\"Number\":-1}"),
      "Targets[0].Image.Snapshots[0].Number: must be >= 0, got -1"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\",\"Number\":2.5}"),
      "Targets[0].Image.Snapshots[0].Number: expected an integer, got 2.5"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\",\"Number\":true}"),
      "Targets[0].Image.Snapshots[0].Number: expected an integer, got a "
        "boolean"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{index}.jpg\",\"Threshold\":101,"
            "\"Mode\":\"dhash\"}"),
      "Targets[0].Image.Snapshots[0].Threshold: must be <= 100, got 101"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"Width\":0}"),
      "Targets[0].Image.Snapshots[0].Width: must be > 0, got 0"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"Height\":20000}"),
      "Targets[0].Image.Snapshots[0].Height: must be <= 16384, got 20000"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"Width\":null}"),
      "Targets[0].Image.Snapshots[0].Width: expected a number, got null"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"ScaleType\":\"zoom\"}"),
      "Targets[0].Image.Snapshots[0].ScaleType: unknown scale type 'zoom' "
        "(expected one of: stretch, crop, fill, fit)"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"StartTime\":-0.5}"),
      "Targets[0].Image.Snapshots[0].StartTime: must be >= 0, got -0.5"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"Mode\":\"average\"}"),
      "Targets[0].Image.Snapshots[0].Number: average mode needs Number "
        "greater than 0"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"Number\":3}"),
      "Targets[0].Image.Snapshots[0].Interval: required when Number is "
        "greater than 1 in interval mode (without it one frame is taken at "
        "StartTime)"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"Interval\":10}"),
      "Targets[0].Image.Snapshots[0].URI: this target can write more than "
        "one frame, so the URI needs '{index}'"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"Mode\":\"keyframe\"}"),
      "Targets[0].Image.Snapshots[0].URI: this target can write more than "
        "one frame, so the URI needs '{index}'"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{idx}.jpg\",\"Mode\":\"dhash\"}"),
      "Targets[0].Image.Snapshots[0].URI: unknown variable '{idx}'"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s-{index.jpg\"}"),
      "Targets[0].Image.Snapshots[0].URI: unbalanced '{' at offset 2 "
        "(write '{{' for a literal brace)"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"FrameRate\":10}"),
      "Targets[0].Image.Snapshots[0].FrameRate: unknown field (fields here: "
        "Format, URI, Mode, StartTime, Interval, Number, Threshold, Width, "
        "Height, ScaleType)"},
  {SNAP ("{\"Format\":\"jpg\",\"URI\":\"s.jpg\",\"Widht\":10}"),
      "Targets[0].Image.Snapshots[0].Widht: unknown field (fields here: "
        "Format, URI, Mode, StartTime, Interval, Number, Threshold, Width, "
        "Height, ScaleType)"},
  {SNAP ("\"jpg\""),
      "Targets[0].Image.Snapshots[0]: expected an object, got a string"},
  {SNAP ("{\"Format\":\"webp\",\"URI\":\"s.webp\",\"Height\":8}"),
      "Targets[0].Image.Snapshots[0].Height: WebP snapshots need at least "
        "16 pixels a side"},
  /* animations */
  {ANIM ("{\"Format\":\"png\",\"URI\":\"a.png\"}"),
      "Targets[0].Image.Animations[0].Format: unknown format 'png' "
        "(expected one of: gif, webp)"},
  {ANIM ("{\"Format\":\"gif\",\"URI\":\"a.gif\",\"FrameRate\":0}"),
      "Targets[0].Image.Animations[0].FrameRate: must be > 0, got 0"},
  {ANIM ("{\"Format\":\"gif\",\"URI\":\"a.gif\",\"FrameRate\":5000}"),
      "Targets[0].Image.Animations[0].FrameRate: must be <= 1000, got 5000"},
  {ANIM ("{\"Format\":\"gif\",\"URI\":\"a.gif\",\"Mode\":\"dhash\"}"),
      "Targets[0].Image.Animations[0].Mode: unknown field (fields here: "
        "Format, URI, StartTime, Number, Interval, FrameRate, Width, Height, "
        "ScaleType)"},
  {ANIM ("{\"Format\":\"webp\",\"URI\":\"a.{autoext}\",\"Interval\":\"1\"}"),
      "Targets[0].Image.Animations[0].Interval: expected a number, got a "
        "string"},
  /* highlights */
  {HIGH ("{\"URI\":\"h-{index}.gif\"}"),
      "Targets[0].Image.Highlights[0].Format: required field is missing"},
  {HIGH ("{\"Format\":\"jpg\",\"URI\":\"h-{index}.jpg\"}"),
      "Targets[0].Image.Highlights[0].Format: unknown format 'jpg' "
        "(expected one of: gif, webp)"},
  {HIGH ("{\"Format\":\"gif\",\"URI\":\"h.gif\"}"),
      "Targets[0].Image.Highlights[0].URI: a file is written per event, so "
        "the URI needs '{index}'"},
  {HIGH ("{\"Format\":\"gif\",\"URI\":\"h-{index}.gif\",\"PreRoll\":31}"),
      "Targets[0].Image.Highlights[0].PreRoll: must be <= 30, got 31"},
  {HIGH ("{\"Format\":\"gif\",\"URI\":\"h-{index}.gif\",\"PostRoll\":-1}"),
      "Targets[0].Image.Highlights[0].PostRoll: must be >= 0, got -1"},
  {HIGH ("{\"Format\":\"gif\",\"URI\":\"h-{index}.gif\",\"Interval\":0}"),
      "Targets[0].Image.Highlights[0].Interval: must be > 0, got 0"},
  {HIGH ("{\"Format\":\"gif\",\"URI\":\"h-{index}.gif\",\"Threshold\":101}"),
      "Targets[0].Image.Highlights[0].Threshold: must be <= 100, got 101"},
  {HIGH ("{\"Format\":\"gif\",\"URI\":\"h-{index}.gif\",\"Mode\":\"dhash\"}"),
      "Targets[0].Image.Highlights[0].Mode: unknown field (fields here: "
        "Format, URI, Threshold, Interval, PreRoll, PostRoll, MinGap, Number, "
        "FrameRate, Width, Height, ScaleType)"},
  /* live sources */
  {LIVE ("\"Snapshots\":[{\"Format\":\"jpg\",\"URI\":\"{index}.jpg\","
            "\"Mode\":\"average\",\"Number\":4}]"),
      "Targets[0].Image.Snapshots[0].Mode: average needs the source's "
        "duration, and Sources[0] is a live stream; use interval, keyframe "
        "or dhash"},
  {LIVE ("\"Animations\":[{\"Format\":\"webp\",\"URI\":\"a.webp\"}]"),
      "Targets[0].Image.Animations[0].Number: an animation of a live stream "
        "needs a Number, or a Duration in Sources[0]"},
  {"{\"Sources\":[{\"URI\":\"a.mp4\"},{\"URI\":\"UDP://1.2.3.4:5\"}],"
        "\"Targets\":[{\"Image\":{\"Snapshots\":[" OK_SNAP "]}}]}",
      "Sources[1].URI: 'UDP://1.2.3.4:5' is a live stream, which never ends: "
        "it cannot be joined with other sources"},
};

GST_START_TEST (test_invalid)
{
  const InvalidCase *c = &invalid_cases[__i__];
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (c->json, -1, &err);

  fail_unless (req == NULL, "accepted: %s", c->json);
  fail_unless (g_error_matches (err, IMM_REQUEST_ERROR,
          IMM_REQUEST_ERROR_INVALID_ARGUMENT));
  if (c->message) {
    fail_unless_equals_string (err->message, c->message);
  } else {
    fail_unless (g_str_has_prefix (err->message, "(request): not valid JSON"),
        "%s", err->message);
  }
  g_clear_error (&err);
}

GST_END_TEST;

/* The seed documents' first snapshot example plus every optional field. */
static const gchar *full_request =
    "{\"ProjectName\":\"test-project\","
    "\"Notification\":{\"MNS\":{\"TopicName\":\"test-mns-topic\"}},"
    "\"UserData\":\"{\\\"k\\\":1}\",\"Tags\":{\"team\":\"red\"},"
    "\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\","
    "\"StartTime\":5,\"Duration\":25,\"Subtitles\":[],\"DisableAudio\":true}],"
    "\"Targets\":[{\"Image\":{\"Snapshots\":[{\"Format\":\"png\","
    "\"StartTime\":11,\"Interval\":4,\"Number\":5,\"ScaleType\":\"crop\","
    "\"URI\":\"oss://test-bucket/{tags.team}/snapshot-{index}.{autoext}\","
    "\"Width\":0.5,\"Height\":0.5}]}},"
    "{\"Image\":{\"Animations\":[{\"Format\":\"webp\",\"FrameRate\":15,"
    "\"Height\":0.5,\"Interval\":1,\"ScaleType\":\"fit\","
    "\"URI\":\"oss://test-bucket/video-demo/animation.{autoext}\","
    "\"Width\":0.5}],\"Snapshots\":[{\"Format\":\"jpg\",\"Mode\":\"dhash\","
    "\"Number\":1,\"Threshold\":15,\"URI\":\"c.jpg\"}]}}]}";

GST_START_TEST (test_full)
{
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (full_request, -1, &err);
  const ImmSource *src;
  const ImmOutput *o;

  g_assert_no_error (err);
  fail_unless_equals_string (req->project_name, "test-project");
  fail_unless_equals_string (req->topic_name, "test-mns-topic");
  fail_unless_equals_string (req->user_data, "{\"k\":1}");
  fail_unless (req->notify);
  fail_unless_equals_string (g_hash_table_lookup (req->tags, "team"), "red");
  fail_unless_equals_int (req->sources->len, 1);
  src = g_ptr_array_index (req->sources, 0);
  fail_unless_equals_float (src->start_time, 5);
  fail_unless_equals_float (src->duration, 25);
  fail_unless_equals_int (req->n_targets, 2);
  fail_unless_equals_int (req->outputs->len, 3);

  o = g_ptr_array_index (req->outputs, 0);
  fail_unless_equals_string (o->path, "Targets[0].Image.Snapshots[0]");
  fail_if (o->animation);
  fail_unless_equals_int (o->format, IMM_OUTPUT_PNG);
  fail_unless_equals_int (o->mode, IMM_SNAPSHOT_INTERVAL);
  fail_unless_equals_float (o->start_time, 11);
  fail_unless_equals_float (o->interval, 4);
  fail_unless_equals_int (o->number, 5);
  fail_unless_equals_int (o->scale_type, IMM_RESIZE_CROP);
  fail_unless_equals_float (o->width, 0.5);
  fail_unless (o->multi);

  /* Snapshots come before Animations within one Image. */
  o = g_ptr_array_index (req->outputs, 1);
  fail_unless_equals_string (o->path, "Targets[1].Image.Snapshots[0]");
  fail_unless_equals_int (o->mode, IMM_SNAPSHOT_DHASH);
  fail_unless_equals_int (o->threshold, 15);
  fail_if (o->multi);
  fail_unless_equals_int (o->target_index, 1);
  fail_unless_equals_int (o->entry_index, 0);

  o = g_ptr_array_index (req->outputs, 2);
  fail_unless_equals_string (o->path, "Targets[1].Image.Animations[0]");
  fail_unless (o->animation);
  fail_unless_equals_int (o->format, IMM_OUTPUT_WEBP);
  fail_unless_equals_float (o->frame_rate, 15);
  fail_unless_equals_int (o->scale_type, IMM_RESIZE_FIT);
  fail_if (o->multi);
  imm_request_free (req);
}

GST_END_TEST;

typedef struct
{
  const gchar *entry;
  gboolean multi;
} MultiCase;

static const MultiCase multi_cases[] = {
  {"{\"Format\":\"jpg\",\"URI\":\"c.jpg\"}", FALSE},
  {"{\"Format\":\"jpg\",\"URI\":\"c.jpg\",\"StartTime\":5,\"Number\":1}",
      FALSE},
  {"{\"Format\":\"jpg\",\"URI\":\"c.jpg\",\"Interval\":5,\"Number\":1}",
      FALSE},
  {"{\"Format\":\"jpg\",\"URI\":\"{index}.jpg\",\"Interval\":5}", TRUE},
  {"{\"Format\":\"jpg\",\"URI\":\"c.jpg\",\"Mode\":\"average\","
        "\"Number\":1}", FALSE},
  {"{\"Format\":\"jpg\",\"URI\":\"{index}.jpg\",\"Mode\":\"average\","
        "\"Number\":10}", TRUE},
  {"{\"Format\":\"jpg\",\"URI\":\"{index}.jpg\",\"Mode\":\"keyframe\"}",
      TRUE},
  {"{\"Format\":\"jpg\",\"URI\":\"c.jpg\",\"Mode\":\"keyframe\","
        "\"Number\":1}", FALSE},
  {"{\"Format\":\"webp\",\"URI\":\"{index}.webp\",\"Mode\":\"dhash\","
        "\"Number\":5,\"Interval\":1}", TRUE},
};

GST_START_TEST (test_multi)
{
  const MultiCase *c = &multi_cases[__i__];
  gchar *json = g_strdup_printf ("{\"Sources\":[{\"URI\":\"a\"}],"
      "\"Targets\":[{\"Image\":{\"Snapshots\":[%s]}}]}", c->entry);
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (json, -1, &err);
  const ImmOutput *o;

  g_assert_no_error (err);
  o = g_ptr_array_index (req->outputs, 0);
  fail_unless_equals_int (o->multi, c->multi);
  imm_request_free (req);
  g_free (json);
}

GST_END_TEST;

GST_START_TEST (test_highlight)
{
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (HIGH ("{\"Format\":\"webp\","
          "\"URI\":\"h-{index}.webp\"},{\"Format\":\"gif\","
          "\"URI\":\"g-{index}.gif\",\"Threshold\":0,\"Interval\":0.25,"
          "\"PreRoll\":0,\"PostRoll\":30,\"MinGap\":4,\"Number\":2,"
          "\"FrameRate\":12.5,\"Width\":320,\"ScaleType\":\"fit\"}"), -1,
      &err);
  const ImmOutput *o;

  g_assert_no_error (err);
  /* the defaults of SPEC.md */
  o = g_ptr_array_index (req->outputs, 0);
  fail_unless_equals_string (o->path, "Targets[0].Image.Highlights[0]");
  fail_unless (o->highlight);
  fail_if (o->animation);
  fail_unless (o->multi);
  fail_unless_equals_int (o->format, IMM_OUTPUT_WEBP);
  fail_unless_equals_int (o->threshold, 20);
  fail_unless_equals_float (o->interval, 0.5);
  fail_unless_equals_float (o->pre_roll, 2);
  fail_unless_equals_float (o->post_roll, 3);
  fail_unless_equals_float (o->min_gap, 0);
  fail_unless_equals_int (o->number, 0);
  fail_unless_equals_float (o->frame_rate, 10);
  fail_unless_equals_float (o->width, 0);
  fail_unless_equals_int (o->scale_type, IMM_RESIZE_STRETCH);
  o = g_ptr_array_index (req->outputs, 1);
  fail_unless_equals_int (o->format, IMM_OUTPUT_GIF);
  fail_unless_equals_int (o->threshold, 0);
  fail_unless_equals_float (o->interval, 0.25);
  fail_unless_equals_float (o->pre_roll, 0);
  fail_unless_equals_float (o->post_roll, 30);
  fail_unless_equals_float (o->min_gap, 4);
  fail_unless_equals_int (o->number, 2);
  fail_unless_equals_float (o->frame_rate, 12.5);
  fail_unless_equals_float (o->width, 320);
  fail_unless_equals_int (o->scale_type, IMM_RESIZE_FIT);
  fail_if (((ImmSource *) g_ptr_array_index (req->sources, 0))->live);
  imm_request_free (req);
}

GST_END_TEST;

typedef struct
{
  const gchar *uri;
  gboolean live;
} LiveCase;

static const LiveCase live_cases[] = {
  {"rtsp://cam.local/stream", TRUE},
  {"RTSPS://cam.local/stream", TRUE},
  {"rtmp://127.0.0.1/live/key", TRUE},
  {"srt://127.0.0.1:9000", TRUE},
  {"udp://127.0.0.1:5000", TRUE},
  {"http://host/live.m3u8", FALSE},     /* told by its playlist */
  {"oss://bucket/udp.mp4", FALSE},
  {"file:///srv/rtsp://x.mp4", FALSE},
  {"udp.mp4", FALSE},
  {"rtspx://host/a", FALSE},
};

GST_START_TEST (test_live_uri)
{
  const LiveCase *c = &live_cases[__i__];

  fail_unless_equals_int (imm_request_uri_is_live (c->uri), c->live);
}

GST_END_TEST;

/* What a live source can do: Duration or Number for animations, interval,
 * keyframe and dhash snapshots, highlights. */
GST_START_TEST (test_live_ok)
{
  GError *err = NULL;
  ImmRequest *req = imm_request_parse ("{\"Sources\":[{\"URI\":"
      "\"rtsp://127.0.0.1/cam\",\"Duration\":60}],\"Targets\":[{\"Image\":{"
      "\"Snapshots\":[{\"Format\":\"jpg\",\"URI\":\"{index}.jpg\","
      "\"Interval\":5},{\"Format\":\"jpg\",\"URI\":\"k{index}.jpg\","
      "\"Mode\":\"keyframe\"},{\"Format\":\"jpg\",\"URI\":\"d{index}.jpg\","
      "\"Mode\":\"dhash\",\"Threshold\":15}],\"Animations\":[{\"Format\":"
      "\"gif\",\"URI\":\"a.gif\"}],\"Highlights\":[{\"Format\":\"gif\","
      "\"URI\":\"h{index}.gif\"}]}}]}", -1, &err);

  g_assert_no_error (err);
  fail_unless (((ImmSource *) g_ptr_array_index (req->sources, 0))->live);
  fail_unless_equals_int (req->outputs->len, 5);
  imm_request_free (req);
}

GST_END_TEST;

GST_START_TEST (test_peek)
{
  ImmRequest *req = imm_request_peek ("{\"ProjectName\":\"p\","
      "\"UserData\":\"u\",\"Notification\":{},\"Targets\":5}", -1);

  fail_unless_equals_string (req->project_name, "p");
  fail_unless_equals_string (req->user_data, "u");
  fail_unless (req->notify);
  fail_unless_equals_int (req->outputs->len, 0);
  imm_request_free (req);
  req = imm_request_peek ("{\"ProjectName\":1}", -1);
  fail_unless (req->project_name == NULL);
  fail_if (req->notify);
  imm_request_free (req);
  fail_unless (imm_request_peek ("[]", -1) == NULL);
  fail_unless (imm_request_peek ("{", -1) == NULL);
}

GST_END_TEST;

static Suite *
request_suite (void)
{
  Suite *s = suite_create ("request");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_invalid, 0, G_N_ELEMENTS (invalid_cases));
  tcase_add_test (tc, test_full);
  tcase_add_loop_test (tc, test_multi, 0, G_N_ELEMENTS (multi_cases));
  tcase_add_test (tc, test_peek);
  tcase_add_test (tc, test_highlight);
  tcase_add_loop_test (tc, test_live_uri, 0, G_N_ELEMENTS (live_cases));
  tcase_add_test (tc, test_live_ok);
  return s;
}

GST_CHECK_MAIN (request);
