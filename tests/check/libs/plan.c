/* Unit tests of request -> pipeline plans, compared part by part.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-plan.h"

#define HEAD "{\"ProjectName\":\"test-project\",\"Notification\":{\"MNS\":" \
  "{\"TopicName\":\"test-mns-topic\"}},"
#define SRC "\"Sources\":[{\"URI\":" \
  "\"oss://test-bucket/video-demo/Winemaking.mov\"}],"
#define SNAPS(x) HEAD SRC "\"Targets\":[{\"Image\":{\"Snapshots\":[" x "]}}]}"
#define DEC "uridecodebin uri=file:///r/v.mov caps=video/x-raw(ANY) " \
  "expose-all-streams=false ! videoconvert ! videoflip video-direction=auto ! "
/* what jpegenc is given: full-range BT.601 (JFIF), through RGB */
#define RGB "videoconvert chroma-mode=none ! " \
  "video/x-raw,format=AYUV64 ! videoconvert ! video/x-raw,format=RGB"
#define JFIF RGB " ! videoconvert ! " \
  "video/x-raw,format=I420,colorimetry=1:4:0:0,chroma-site=jpeg"

typedef struct
{
  const gchar *what;
  const gchar *json;
  const gchar *cover;
  const gchar *expected[3];
} PlanCase;

/* The ten example requests of the seed documents, as written there. */
static const PlanCase seed_cases[] = {
  {"thumbnail", SNAPS ("{\"Format\":\"jpg\",\"StartTime\":5,\"Number\":1,"
            "\"URI\":\"oss://test-bucket/video-demo/cover.jpg\"}"), NULL,
      {DEC "immsnapshot name=imm0 mode=interval start-time=5 number=1 ! "
              "videoconvert ! immscale width=1 height=1 scale-type=stretch ! "
              "videoconvert ! " JFIF " ! "
              "jpegenc quality=90 ! multifilesink "
              "location=/o/0-%d index=1"}},
  {"ai training", SNAPS ("{\"Format\":\"jpg\",\"Interval\":10,"
            "\"ScaleType\":\"crop\",\"URI\":\"oss://test-bucket/video-demo/"
            "snapshot-{index}.{autoext}\",\"Width\":512,\"Height\":512}"),
        NULL,
      {DEC "immsnapshot name=imm0 mode=interval interval=10 ! "
              "videoconvert "
              "! immscale width=512 height=512 scale-type=crop ! videoconvert "
              "! " JFIF " ! jpegenc "
              "quality=90 ! multifilesink location=/o/0-%d "
              "index=1"}},
  {"segment", SNAPS ("{\"Format\":\"png\",\"StartTime\":11,\"Interval\":4,"
            "\"Number\":5,\"ScaleType\":\"crop\",\"URI\":\"oss://test-bucket/"
            "video-demo/snapshot-{index}.{autoext}\",\"Width\":0.5,"
            "\"Height\":0.5}"), NULL,
      {DEC "immsnapshot name=imm0 mode=interval start-time=11 interval=4 "
              "number=5 ! videoconvert ! immscale width=0.5 "
              "height=0.5 "
              "scale-type=crop ! videoconvert ! " RGB " ! pngenc ! multifilesink "
              "location=/o/0-%d index=1"}},
  {"event keyframes", SNAPS ("{\"Format\":\"jpg\",\"Interval\":1,"
            "\"Mode\":\"dhash\",\"Threshold\":15,\"URI\":\"oss://test-bucket/"
            "video-demo/snapshot-{index}.{autoext}\"}"), NULL,
      {DEC "immsnapshot name=imm0 mode=dhash interval=1 threshold=15 ! "
              "videoconvert ! immscale width=1 height=1 scale-type=stretch ! "
              "videoconvert ! " JFIF " ! "
              "jpegenc quality=90 ! multifilesink "
              "location=/o/0-%d index=1"}},
  {"representative",
        SNAPS ("{\"Format\":\"jpg\",\"Interval\":1,"
            "\"Mode\":\"dhash\",\"Number\":5,\"URI\":\"oss://test-bucket/"
            "video-demo/snapshot-{index}.{autoext}\"}"), NULL,
      {DEC "immsnapshot name=imm0 mode=dhash interval=1 number=5 "
              "threshold=0 ! videoconvert ! immscale width=1 height=1 "
              "scale-type=stretch ! videoconvert ! "
              JFIF " ! jpegenc "
              "quality=90 ! "
              "multifilesink location=/o/0-%d index=1"}},
  {"idr",
        SNAPS ("{\"Format\":\"jpg\",\"Mode\":\"keyframe\",\"URI\":"
            "\"oss://test-bucket/video-demo/snapshot-{index}.{autoext}\"}"),
        NULL,
      {DEC "immsnapshot name=imm0 mode=keyframe ! videoconvert ! immscale "
           "width=1 height=1 scale-type=stretch ! videoconvert ! "
           JFIF " ! jpegenc "
              "quality=90 ! multifilesink location=/o/0-%d index=1"}},
  {"average", SNAPS ("{\"Format\":\"jpg\",\"Mode\":\"average\",\"Number\":10,"
            "\"URI\":\"oss://test-bucket/video-demo/snapshot-{index}."
            "{autoext}\"}"), NULL,
      {DEC "immsnapshot name=imm0 mode=average number=10 ! "
              "videoconvert ! "
              "immscale width=1 height=1 scale-type=stretch ! videoconvert ! "
              JFIF " ! jpegenc "
              "quality=90 ! multifilesink location=/o/0-%d index=1"}},
  {"audio cover", HEAD "\"Sources\":[{\"URI\":\"oss://test-bucket/video-demo/"
        "test.mp3\"}],\"Targets\":[{\"Image\":{\"Snapshots\":[{\"Format\":"
        "\"jpg\",\"Number\":1,\"URI\":\"oss://test-bucket/video-demo/"
        "cover.jpg\"}]}}]}", "/t/cover",
      {"filesrc location=/t/cover ! decodebin ! videoconvert ! immscale "
       "width=1 height=1 scale-type=stretch ! videoconvert ! "
       JFIF " ! jpegenc "
              "quality=90 ! multifilesink location=/o/0-%d index=1"}},
  {"whole video webp", HEAD SRC "\"Targets\":[{\"Image\":{\"Animations\":[{"
        "\"Format\":\"webp\",\"FrameRate\":15,\"Height\":0.5,\"Interval\":1,"
        "\"ScaleType\":\"fit\",\"URI\":\"oss://test-bucket/video-demo/"
        "animation.{autoext}\",\"Width\":0.5}]}}]}", NULL,
      {DEC "immsnapshot name=imm0 mode=interval interval=1 ! "
              "videoconvert "
              "! immscale width=0.5 height=0.5 scale-type=fit ! videoconvert "
              "! immanimenc format=webp frame-rate=15/1 ! filesink "
              "location=/o/0-%d"}},
  {"range webp", HEAD "\"Sources\":[{\"Duration\":25,\"StartTime\":5,"
        "\"URI\":\"oss://test-bucket/video-demo/Winemaking.mov\"}],"
        "\"Targets\":[{\"Image\":{\"Animations\":[{"
        "\"Format\":\"webp\",\"FrameRate\":15,\"Height\":0.5,\"Interval\":1,"
        "\"ScaleType\":\"fit\",\"URI\":\"oss://test-bucket/video-demo/"
        "animation.{autoext}\",\"Width\":0.5}]}}]}", NULL,
      {DEC "immsnapshot name=imm0 mode=interval start-time=5 duration=25 "
              "interval=1 ! videoconvert ! immscale width=0.5 "
              "height=0.5 scale-type=fit ! videoconvert ! immanimenc "
              "format=webp " "frame-rate=15/1 ! filesink location=/o/0-%d"}},
};

/* Other shapes: shared decodes, joined sources, sizes, rates. */
static const PlanCase other_cases[] = {
  {"dense outputs share one decode, sparse ones seek alone",
        HEAD SRC "\"Targets\":[{\"Image\":{\"Snapshots\":[{\"Format\":"
        "\"webp\",\"Mode\":\"dhash\",\"URI\":\"k{index}\"},{\"Format\":"
        "\"png\",\"StartTime\":2.5,\"URI\":\"c\",\"Width\":1}],"
        "\"Animations\":[{\"Format\":\"gif\",\"URI\":\"a\",\"Height\":120,"
        "\"StartTime\":3}]}}]}", NULL,
        {DEC "immsnapshot name=imm1 mode=interval start-time=2.5 number=1 ! "
              "videoconvert ! immscale width=1.0001 height=1 "
              "scale-type=stretch ! videoconvert ! " RGB " ! pngenc ! multifilesink "
              "location=/o/1-%d index=1",
          DEC "tee name=t t. ! queue ! immsnapshot name=imm0 "
              "mode=dhash threshold=0 seek=false ! videoconvert ! immscale "
              "width=1 height=1 scale-type=stretch ! videoconvert ! "
              RGB " ! webpenc ! "
              "multifilesink location=/o/0-%d index=1 async=false sync=false "
              "t. ! queue ! "
              "immsnapshot name=imm2 mode=all start-time=3 seek=false ! "
              "videoconvert ! immscale width=1 height=120 scale-type=stretch "
              "! videoconvert ! " RGB " ! immanimenc format=gif frame-rate=0/1 ! "
              "filesink location=/o/2-%d async=false sync=false "
              "t. ! queue ! fakesink sync=false"}},
  {"keyframes and outputs that end early run alone",
        HEAD SRC "\"Targets\":[{\"Image\":{\"Snapshots\":[{\"Format\":"
        "\"jpg\",\"Mode\":\"keyframe\",\"URI\":\"k{index}\"},"
        "{\"Format\":\"jpg\",\"Mode\":\"dhash\",\"Number\":2,"
        "\"URI\":\"d{index}\"}],\"Animations\":[{\"Format\":\"gif\","
        "\"URI\":\"a\",\"Number\":20}]}}]}", NULL,
        {DEC "immsnapshot name=imm0 mode=keyframe ! videoconvert ! "
              "immscale width=1 height=1 scale-type=stretch ! videoconvert ! "
              JFIF " ! jpegenc "
              "quality=90 ! multifilesink location=/o/0-%d index=1",
              DEC "immsnapshot name=imm2 mode=all number=20 ! "
              "videoconvert ! immscale width=1 height=1 scale-type=stretch ! "
              "videoconvert ! " RGB " ! immanimenc format=gif frame-rate=0/1 ! "
              "filesink location=/o/2-%d",
          DEC "immsnapshot name=imm1 mode=dhash number=2 threshold=0 "
              "! videoconvert ! immscale width=1 height=1 scale-type=stretch ! "
              "videoconvert ! " JFIF " ! "
              "jpegenc quality=90 ! multifilesink location=/o/1-%d index=1"}},
  {"joined sources", HEAD "\"Sources\":[{\"URI\":\"a\"},{\"URI\":\"b\","
        "\"StartTime\":1,\"Duration\":2.25}],\"Targets\":[{\"Image\":{"
        "\"Animations\":[{\"Format\":\"gif\",\"URI\":\"a.gif\","
        "\"Interval\":0.5,\"StartTime\":4}]}}]}", NULL,
      {"concat name=cat ! identity single-segment=true ! "
              "immsnapshot name=imm0 mode=interval start-time=4 "
              "interval=0.5 seek=false ! videoconvert ! immscale width=1 "
              "height=1 scale-type=stretch ! videoconvert ! " RGB
              " ! immanimenc format=gif frame-rate=0/1 ! filesink location=/o/0-%d "
              "uridecodebin uri=file:///r/v.mov caps=video/x-raw(ANY) "
              "expose-all-streams=false ! videoconvert ! "
              "video/x-raw,format=I420 ! videoflip video-direction=auto ! cat. "
              "uridecodebin uri=file:///r/w.mov caps=video/x-raw(ANY) "
              "expose-all-streams=false ! videoconvert ! "
              "video/x-raw,format=I420 ! videoflip video-direction=auto ! "
              "immsnapshot mode=all start-time=1 "
              "duration=2.25 post-messages=false seek=false ! cat."}},
  {"fraction and frame rate", HEAD SRC "\"Targets\":[{\"Image\":{"
        "\"Animations\":[{\"Format\":\"gif\",\"URI\":\"a\",\"Width\":0.3,"
        "\"FrameRate\":12.5,\"ScaleType\":\"fill\"}]}}]}", NULL,
      {DEC "immsnapshot name=imm0 mode=all ! videoconvert ! "
              "immscale width=0.3 height=1 scale-type=fill ! videoconvert ! "
              RGB " ! immanimenc format=gif frame-rate=25/2 ! filesink "
              "location=/o/0-%d"}},
  /* a highlight on a file: a pipeline of its own, files as clips end */
  {"highlight", HEAD SRC "\"Targets\":[{\"Image\":{\"Highlights\":[{"
        "\"Format\":\"gif\",\"URI\":\"h-{index}.gif\",\"Threshold\":12,"
        "\"PreRoll\":1,\"PostRoll\":2.5,\"MinGap\":3,\"Width\":160}]}}]}", NULL,
      {DEC "immsnapshot mode=interval interval=0.1 post-messages=false "
              "seek=false ! immhighlight name=imm0 threshold=12 "
              "interval=0.5 pre-roll=1 post-roll=2.5 min-gap=3 ! videoconvert "
              "! immscale width=160 height=1 scale-type=stretch ! videoconvert "
              "! " RGB " ! immanimenc format=gif frame-rate=10/1 ! multifilesink "
              "location=/o/0-%d index=1 next-file=buffer post-messages=true"}},
  /* a live source: one decode for every output, nothing seeks, each file
   * committed as it is written */
  {"live", "{\"Sources\":[{\"URI\":\"udp://127.0.0.1:5000\","
        "\"Duration\":60}],\"Targets\":[{\"Image\":{\"Snapshots\":["
        "{\"Format\":\"jpg\",\"URI\":\"{index}.jpg\",\"Interval\":2,"
        "\"StartTime\":1},{\"Format\":\"jpg\",\"URI\":\"k{index}.jpg\","
        "\"Mode\":\"keyframe\"}],\"Highlights\":[{\"Format\":\"webp\","
        "\"URI\":\"h{index}.webp\",\"FrameRate\":12.5}]}}]}", NULL,
      /* udpsrc gets a receive buffer that outlasts a slow moment */
      {"uridecodebin uri=file:///r/v.mov caps=video/x-raw(ANY) "
              "expose-all-streams=false source::buffer-size=4194304 ! "
              "videoconvert ! videoflip video-direction=auto ! "
              "tee name=t t. ! queue ! immsnapshot name=imm0 mode=interval "
              "start-time=1 interval=2 seek=false ! videoconvert ! jpegenc "
              "quality=90 ! multifilesink location=/o/0-%d index=1 "
              "post-messages=true async=false sync=false t. ! queue ! "
              "immsnapshot name=imm1 mode=keyframe seek=false ! videoconvert "
              "! jpegenc quality=90 ! multifilesink location=/o/1-%d index=1 "
              "post-messages=true t. ! queue ! immsnapshot mode=interval "
              "interval=0.08 seek=false ! "
              "immhighlight name=imm2 ! immanimenc format=webp "
              "frame-rate=25/2 ! multifilesink location=/o/2-%d "
              "post-messages=true"}},
};

/* Whether @token sets a property (`key=value`); caps (`video/x-raw,...`)
 * and references (`t.`) name parts of their own. */
static gboolean
is_property (const gchar * token)
{
  const gchar *p = token;

  if (!g_ascii_islower (*p))
    return FALSE;
  while (g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-')
    p++;
  return *p == '=';
}

/* Splits gst-launch-1.0 arguments into parts: an element, caps or a
 * reference, each with the properties that follow it ("!" dropped). */
static GPtrArray *
split_parts (const gchar * const *argv)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_ptr_array_unref);
  GPtrArray *cur = NULL;
  guint i;

  for (i = 0; argv[i] != NULL; i++) {
    if (strcmp (argv[i], "!") == 0)
      continue;
    if (cur != NULL && is_property (argv[i])) {
      g_ptr_array_add (cur, g_strdup (argv[i]));
      continue;
    }
    cur = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (cur, g_strdup (argv[i]));
    g_ptr_array_add (parts, cur);
  }
  return parts;
}

/* Whether @actual is the part @expected names, with (at least) every
 * property @expected gives. */
static gboolean
part_matches (GPtrArray * expected, GPtrArray * actual)
{
  guint i, k;

  if (strcmp (g_ptr_array_index (expected, 0), g_ptr_array_index (actual,
              0)) != 0)
    return FALSE;
  for (i = 1; i < expected->len; i++) {
    for (k = 1; k < actual->len; k++)
      if (strcmp (g_ptr_array_index (expected, i), g_ptr_array_index (actual,
                  k)) == 0)
        break;
    if (k == actual->len)
      return FALSE;
  }
  return TRUE;
}

/* The parts of @expected (a pipeline written as gst-launch-1.0 would
 * print it) appear in the pipeline in this order, each with the
 * properties written there. Elements and properties the expectation does
 * not name may be added around them: a new property of one element, or a
 * new element in every output chain, changes only the tests about it. */
static gchar *
parts_mismatch (const ImmPlanPipeline * pp, const gchar * expected)
{
  gchar **want = g_strsplit (expected, " ", -1);
  GPtrArray *w = split_parts ((const gchar * const *) want);
  GPtrArray *a = split_parts ((const gchar * const *) pp->argv);
  gchar *problem = NULL;
  guint i, k = 0;

  for (i = 0; i < w->len && problem == NULL; i++) {
    while (k < a->len && !part_matches (g_ptr_array_index (w, i),
            g_ptr_array_index (a, k)))
      k++;
    if (k == a->len) {
      GPtrArray *part = g_ptr_array_index (w, i);
      gchar *line = imm_plan_pipeline_to_string (pp);

      problem = g_strdup_printf ("'%s' (part %u of the expected) not found "
          "in order in: %s", (const gchar *) g_ptr_array_index (part, 0), i,
          line);
      g_free (line);
    }
    k++;
  }
  g_ptr_array_unref (w);
  g_ptr_array_unref (a);
  g_strfreev (want);
  return problem;
}

static void
check_parts (const ImmPlanPipeline * pp, const gchar * expected)
{
  gchar *problem = parts_mismatch (pp, expected);

  fail_unless (problem == NULL, "%s", problem);
}

GST_START_TEST (test_check_parts)
{
  gchar *argv[] = { "src", "a=1", "!", "videoconvert", "!", "immscale",
    "width=2", "height=3", "!", "sink", "location=/o/%d", NULL
  };
  ImmPlanPipeline p = {.argv = argv };

  /* parts, in order, with a subset of their properties */
  check_parts (&p, "src ! immscale height=3 ! sink location=/o/%d");
  check_parts (&p, "src a=1 ! videoconvert ! immscale width=2 height=3 ! "
      "sink");
}

GST_END_TEST;

static const gchar *const wrong_parts[] = {
  "sink ! src",
  "src ! immscale width=3",
  "src ! videoscale ! sink",
  "src a=1 b=2",
};

GST_START_TEST (test_check_parts_fails)
{
  gchar *argv[] = { "src", "a=1", "!", "videoconvert", "!", "immscale",
    "width=2", "height=3", "!", "sink", "location=/o/%d", NULL
  };
  ImmPlanPipeline p = {.argv = argv };
  gchar *problem = parts_mismatch (&p, wrong_parts[__i__]);

  fail_unless (problem != NULL, "%s matched", wrong_parts[__i__]);
  g_free (problem);
}

GST_END_TEST;

static void
check_plan (const PlanCase * c)
{
  static const gchar *const uris[] = { "file:///r/v.mov", "file:///r/w.mov",
    NULL
  };
  static const gchar *const locations[] = { "/o/0-%d", "/o/1-%d", "/o/2-%d",
    NULL
  };
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (c->json, -1, &err);
  ImmPlanInput in = {.source_uris = uris,.locations = locations,
    .cover_location = c->cover
  };
  ImmPlan *plan;
  guint i, n = 0;

  g_assert_no_error (err);
  plan = imm_plan_build (req, &in, &err);
  g_assert_no_error (err);
  while (n < G_N_ELEMENTS (c->expected) && c->expected[n])
    n++;
  fail_unless_equals_int (plan->pipelines->len, n);
  for (i = 0; i < n; i++)
    check_parts (g_ptr_array_index (plan->pipelines, i), c->expected[i]);
  imm_plan_free (plan);
  imm_request_free (req);
}

GST_START_TEST (test_seed_plans)
{
  check_plan (&seed_cases[__i__]);
}

GST_END_TEST;

GST_START_TEST (test_other_plans)
{
  check_plan (&other_cases[__i__]);
}

GST_END_TEST;

GST_START_TEST (test_shell_quoting)
{
  ImmPlanPipeline p = { 0 };
  gchar *argv[] = { "uridecodebin", "caps=video/x-raw(ANY)", "!",
    "filesink", "location=/a b/it's.gif", NULL
  };
  gchar *s;

  p.argv = argv;
  s = imm_plan_pipeline_to_shell (&p);
  fail_unless_equals_string (s, "gst-launch-1.0 uridecodebin "
      "'caps=video/x-raw(ANY)' ! filesink 'location=/a b/it'\\''s.gif'");
  g_free (s);
}

GST_END_TEST;

GST_START_TEST (test_sides)
{
  /* absent side = the source's size, when the other one is set */
  fail_unless_equals_float (imm_plan_side (0, 360), 1.0);
  fail_unless_equals_float (imm_plan_side (0, 0), 0);
  /* a request's 1 is one pixel, never the element's "whole source" */
  fail_unless_equals_float (imm_plan_side (1, 0), 1.0001);
  fail_unless_equals_float (imm_plan_side (0.5, 0), 0.5);
  fail_unless_equals_float (imm_plan_side (512, 0), 512);
}

GST_END_TEST;

/* Animations keep the size the request gives on the first picture. */
static const struct
{
  gdouble width, height;
  ImmResizeMode scale_type;
  gint first_w, first_h, par_n, par_d;
  gint w, h;
  ImmResizeMode mode;
  gboolean transposed;
} animation_sizes[] = {
  /* absent: the display size; a later picture of another shape gets
   * borders */
  {0, 0, IMM_RESIZE_STRETCH, 320, 240, 1, 1, 320, 240, IMM_RESIZE_FILL, FALSE},
  {0, 0, IMM_RESIZE_CROP, 720, 576, 16, 15, 768, 576, IMM_RESIZE_FILL, FALSE},
  /* an absent side is the first picture's */
  {160, 0, IMM_RESIZE_STRETCH, 320, 240, 1, 1, 160, 240, IMM_RESIZE_STRETCH,
      FALSE},
  {0, 0.5, IMM_RESIZE_CROP, 320, 240, 0, 0, 320, 120, IMM_RESIZE_CROP, FALSE},
  /* fit's size depends on the picture: fill keeps it */
  {0.5, 0.5, IMM_RESIZE_FIT, 320, 240, 1, 1, 160, 120, IMM_RESIZE_FILL, FALSE},
  {100, 100, IMM_RESIZE_FIT, 320, 240, 1, 1, 100, 75, IMM_RESIZE_FILL, FALSE},
  {100, 100, IMM_RESIZE_CROP, 320, 240, 1, 1, 100, 100, IMM_RESIZE_CROP, FALSE},
  {1, 1, IMM_RESIZE_STRETCH, 320, 240, 1, 1, 1, 1, IMM_RESIZE_STRETCH, FALSE},
  /* a phone video turned by a quarter: sizes refer to the upright
   * picture, whose pixels are now tall (ffmpeg: transpose, then
   * scale=iw*sar:ih) */
  {0, 0, IMM_RESIZE_STRETCH, 320, 240, 1, 1, 240, 320, IMM_RESIZE_FILL, TRUE},
  {0, 0, IMM_RESIZE_STRETCH, 720, 576, 16, 15, 540, 720, IMM_RESIZE_FILL,
      TRUE},
  {0.5, 0, IMM_RESIZE_STRETCH, 320, 240, 1, 1, 120, 320, IMM_RESIZE_STRETCH,
      TRUE},
  {100, 100, IMM_RESIZE_FIT, 320, 240, 1, 1, 75, 100, IMM_RESIZE_FILL, TRUE},
};

GST_START_TEST (test_animation_size)
{
  ImmOutput out = { 0 };
  ImmPlanInput in = { 0 };
  ImmResizeMode mode;
  gint w = 0, h = 0;

  out.animation = TRUE;
  out.width = animation_sizes[__i__].width;
  out.height = animation_sizes[__i__].height;
  out.scale_type = animation_sizes[__i__].scale_type;
  /* not known: no fixed size */
  fail_if (imm_plan_animation_size (&out, &in, &w, &h, &mode));
  in.first_width = animation_sizes[__i__].first_w;
  in.first_height = animation_sizes[__i__].first_h;
  in.first_par_n = animation_sizes[__i__].par_n;
  in.first_par_d = animation_sizes[__i__].par_d;
  in.first_transposed = animation_sizes[__i__].transposed;
  fail_unless (imm_plan_animation_size (&out, &in, &w, &h, &mode));
  fail_unless_equals_int (w, animation_sizes[__i__].w);
  fail_unless_equals_int (h, animation_sizes[__i__].h);
  fail_unless_equals_int (mode, animation_sizes[__i__].mode);
}

GST_END_TEST;

/* The image-orientation values that turn the picture by a quarter. */
GST_START_TEST (test_orientation)
{
  static const struct
  {
    const gchar *tag;
    gboolean transposes;
  } cases[] = {
    {NULL, FALSE}, {"rotate-0", FALSE}, {"rotate-90", TRUE},
    {"rotate-180", FALSE}, {"rotate-270", TRUE}, {"flip-rotate-0", FALSE},
    {"flip-rotate-90", TRUE}, {"flip-rotate-180", FALSE},
    {"flip-rotate-270", TRUE}, {"rotate-45", FALSE},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    fail_unless_equals_int (imm_plan_orientation_transposes (cases[i].tag),
        cases[i].transposes);
}

GST_END_TEST;

GST_START_TEST (test_animation_keeps_first_size)
{
  static const gchar *const uris[] = { "file:///r/v.mov", NULL };
  static const gchar *const locations[] = { "/o/0", "/o/1", NULL };
  ImmPlanInput in = {.source_uris = uris,.locations = locations,
    .first_width = 320,.first_height = 240
  };
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (HEAD "\"Sources\":[{\"URI\":\"a\"}],"
      "\"Targets\":[{\"Image\":{\"Animations\":[{\"Format\":\"gif\","
      "\"URI\":\"a.gif\"},{\"Format\":\"webp\",\"URI\":\"b.webp\","
      "\"Width\":1,\"Height\":0.5}]}}]}", -1, &err);
  ImmPlan *plan;
  gchar *line;

  g_assert_no_error (err);
  plan = imm_plan_build (req, &in, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (plan->pipelines->len, 1);
  line = imm_plan_pipeline_to_string (g_ptr_array_index (plan->pipelines, 0));
  fail_unless (strstr (line, "immsnapshot name=imm0 mode=all seek=false ! "
          "videoconvert ! immscale width=320 height=240 scale-type=fill ! "
          "videoconvert ! " RGB " ! immanimenc format=gif") != NULL, "%s", line);
  fail_unless (strstr (line, "immsnapshot name=imm1 mode=all seek=false ! "
          "videoconvert ! immscale width=1.0001 height=120 "
          "scale-type=stretch ! videoconvert ! immanimenc format=webp")
      != NULL, "%s", line);
  g_free (line);
  imm_plan_free (plan);
  imm_request_free (req);
}

GST_END_TEST;

GST_START_TEST (test_frame_rates)
{
  ImmOutput out = { 0 };
  gint n, d;

  out.animation = TRUE;
  out.frame_rate = 15;
  out.interval = 1;
  imm_plan_frame_rate (&out, &n, &d);
  fail_unless (n == 15 && d == 1, "%d/%d", n, d);
  /* without FrameRate: real-time playback of the samples, from their
   * timestamps (1/Interval would play an Interval shorter than a source
   * frame too fast) */
  out.frame_rate = 0;
  out.interval = 0.5;
  imm_plan_frame_rate (&out, &n, &d);
  fail_unless (n == 0 && d == 1, "%d/%d", n, d);
  out.interval = 0.001;
  imm_plan_frame_rate (&out, &n, &d);
  fail_unless (n == 0 && d == 1, "%d/%d", n, d);
  /* neither: follow the timestamps */
  out.interval = 0;
  imm_plan_frame_rate (&out, &n, &d);
  fail_unless (n == 0 && d == 1, "%d/%d", n, d);
  out.frame_rate = 29.97;
  imm_plan_frame_rate (&out, &n, &d);
  fail_unless (n == 2997 && d == 100, "%d/%d", n, d);
}

GST_END_TEST;

GST_START_TEST (test_range_past_source)
{
  static const gchar *const uris[] = { "file:///r/v.mov", NULL };
  static const gchar *const locations[] = { "/o/0", NULL };
  ImmPlanInput in = {.source_uris = uris,.locations = locations };
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (HEAD "\"Sources\":[{\"URI\":\"a\","
      "\"Duration\":10}],\"Targets\":[{\"Image\":{\"Snapshots\":[{\"Format\":"
      "\"jpg\",\"URI\":\"c.jpg\",\"StartTime\":10}]}}]}", -1, &err);

  g_assert_no_error (err);
  fail_unless (imm_plan_build (req, &in, &err) == NULL);
  fail_unless (g_error_matches (err, IMM_REQUEST_ERROR,
          IMM_REQUEST_ERROR_INVALID_ARGUMENT));
  fail_unless_equals_string (err->message, "Targets[0].Image.Snapshots[0]."
      "StartTime: 10 s is past the end of the source range (Sources[0]."
      "Duration 10 s)");
  g_clear_error (&err);
  imm_request_free (req);
}

GST_END_TEST;

/* Without seeks the same pipelines write the same outputs; only
 * immsnapshot's seek property changes. */
GST_START_TEST (test_no_seek)
{
  static const gchar *const uris[] = { "file:///r/v.mov", NULL };
  static const gchar *const locations[] = { "/o/0-%d", "/o/1-%d", NULL };
  ImmPlanInput in = {.source_uris = uris,.locations = locations };
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (SNAPS ("{\"Format\":\"jpg\","
          "\"StartTime\":5,\"URI\":\"c.jpg\"},{\"Format\":\"jpg\","
          "\"Mode\":\"keyframe\",\"URI\":\"k{index}.jpg\"}"), -1, &err);
  ImmPlan *plan;
  gchar *s;

  g_assert_no_error (err);
  plan = imm_plan_build_full (req, &in, IMM_PLAN_NO_SEEK, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (plan->pipelines->len, 2);
  s = imm_plan_pipeline_to_string (g_ptr_array_index (plan->pipelines, 0));
  fail_unless_equals_string (s, DEC "immsnapshot name=imm0 mode=interval "
      "start-time=5 number=1 seek=false ! videoconvert ! immscale width=1 "
      "height=1 scale-type=stretch ! videoconvert ! "
      JFIF " ! jpegenc quality=90 "
      "! multifilesink location=/o/0-%d index=1");
  g_free (s);
  s = imm_plan_pipeline_to_string (g_ptr_array_index (plan->pipelines, 1));
  fail_unless_equals_string (s, DEC "immsnapshot name=imm1 mode=keyframe "
      "seek=false ! videoconvert ! immscale width=1 height=1 "
      "scale-type=stretch ! videoconvert ! "
      JFIF " ! jpegenc quality=90 ! "
      "multifilesink "
      "location=/o/1-%d index=1");
  g_free (s);
  imm_plan_free (plan);
  imm_request_free (req);
}

GST_END_TEST;

GST_START_TEST (test_cover_animation)
{
  static const gchar *const uris[] = { "file:///r/a.mp3", NULL };
  static const gchar *const locations[] = { "/o/0", NULL };
  ImmPlanInput in = {.source_uris = uris,.locations = locations,
    .cover_location = "/t/cover"
  };
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (HEAD "\"Sources\":[{\"URI\":\"a\"}],"
      "\"Targets\":[{\"Image\":{\"Animations\":[{\"Format\":\"gif\","
      "\"URI\":\"a.gif\"}]}}]}", -1, &err);

  g_assert_no_error (err);
  fail_unless (imm_plan_build (req, &in, &err) == NULL);
  fail_unless (g_error_matches (err, IMM_REQUEST_ERROR,
          IMM_REQUEST_ERROR_INVALID_FILE));
  fail_unless_equals_string (err->message, "Targets[0].Image.Animations[0]: "
      "the source has no video stream to animate");
  g_clear_error (&err);
  imm_request_free (req);
}

GST_END_TEST;

static Suite *
plan_suite (void)
{
  Suite *s = suite_create ("plan");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_seed_plans, 0, G_N_ELEMENTS (seed_cases));
  tcase_add_loop_test (tc, test_other_plans, 0, G_N_ELEMENTS (other_cases));
  tcase_add_test (tc, test_check_parts);
  tcase_add_loop_test (tc, test_check_parts_fails, 0,
      G_N_ELEMENTS (wrong_parts));
  tcase_add_test (tc, test_shell_quoting);
  tcase_add_test (tc, test_sides);
  tcase_add_test (tc, test_frame_rates);
  tcase_add_loop_test (tc, test_animation_size, 0,
      G_N_ELEMENTS (animation_sizes));
  tcase_add_test (tc, test_orientation);
  tcase_add_test (tc, test_animation_keeps_first_size);
  tcase_add_test (tc, test_range_past_source);
  tcase_add_test (tc, test_no_seek);
  tcase_add_test (tc, test_cover_animation);
  return s;
}

GST_CHECK_MAIN (plan);
