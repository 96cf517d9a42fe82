/* The plan names elements, properties and enum nicks as strings; this
 * test checks every one it emits against the real elements, so a renamed
 * property fails here and not only in an end-to-end run.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-plan.h"
#include "imm/imm-schedule.h"

#define SRC "\"Sources\":[{\"URI\":\"oss://b/v.mov\"}],"
#define SNAP(x) "{" SRC "\"Targets\":[{\"Image\":{\"Snapshots\":[" x "]}}]}"
#define ANIM(x) "{" SRC "\"Targets\":[{\"Image\":{\"Animations\":[" x "]}}]}"

/* Requests that together make the plan emit every element, property and
 * enum value it knows: each format, capture mode and scale type, shared
 * and single pipelines, joined sources, a cover picture. */
static const struct
{
  const gchar *json;
  gboolean cover;
} requests[] = {
  {SNAP ("{\"Format\":\"jpg\",\"StartTime\":5,\"Number\":1,\"URI\":\"a\"},"
            "{\"Format\":\"png\",\"Interval\":2,\"Width\":0.5,\"Height\":0.5,"
            "\"ScaleType\":\"crop\",\"URI\":\"b{index}\"},"
            "{\"Format\":\"webp\",\"Mode\":\"dhash\",\"Threshold\":15,"
            "\"ScaleType\":\"fill\",\"Width\":100,\"Height\":50,"
            "\"URI\":\"c{index}\"},"
            "{\"Format\":\"jpg\",\"Mode\":\"keyframe\",\"ScaleType\":\"fit\","
            "\"Width\":64,\"Height\":64,\"URI\":\"d{index}\"},"
            "{\"Format\":\"jpg\",\"Mode\":\"average\",\"Number\":4,"
            "\"ScaleType\":\"stretch\",\"Width\":10,\"Height\":20,"
            "\"URI\":\"e{index}\"},"
            "{\"Format\":\"jpg\",\"Mode\":\"dhash\",\"Number\":3,"
            "\"URI\":\"f{index}\"}"), FALSE},
  {ANIM ("{\"Format\":\"gif\",\"URI\":\"a.gif\",\"Width\":0.3,"
            "\"FrameRate\":12.5,\"ScaleType\":\"fill\"},"
            "{\"Format\":\"webp\",\"URI\":\"b.webp\",\"Interval\":1,"
            "\"StartTime\":2,\"Number\":5,\"Height\":0.5,"
            "\"ScaleType\":\"fit\"},"
            "{\"Format\":\"gif\",\"URI\":\"c.gif\",\"Width\":32,\"Height\":32,"
            "\"ScaleType\":\"crop\"}"), FALSE},
  {"{\"Sources\":[{\"URI\":\"a\"},{\"URI\":\"b\",\"StartTime\":1,"
        "\"Duration\":2.25}],\"Targets\":[{\"Image\":{\"Animations\":[{"
        "\"Format\":\"gif\",\"URI\":\"a.gif\",\"Interval\":0.5,"
        "\"StartTime\":4}],\"Snapshots\":[{\"Format\":\"png\",\"Interval\":1,"
        "\"URI\":\"s{index}\"}]}}]}", FALSE},
  {SNAP ("{\"Format\":\"png\",\"Number\":1,\"Width\":20,\"URI\":\"a\"}"),
      TRUE},
};

/* Checks one `key=value` of @klass; returns what is wrong, or NULL. */
static gchar *
check_property (GObjectClass * klass, const gchar * element,
    const gchar * token)
{
  const gchar *eq = strchr (token, '=');
  gchar *key = g_strndup (token, eq - token);
  const gchar *value = eq + 1;
  GParamSpec *pspec = g_object_class_find_property (klass, key);
  gchar *problem = NULL;

  if (pspec == NULL) {
    problem = g_strdup_printf ("%s has no property '%s'", element, key);
  } else if (!(pspec->flags & G_PARAM_WRITABLE)) {
    problem = g_strdup_printf ("%s.%s is not writable", element, key);
  } else if (G_IS_PARAM_SPEC_ENUM (pspec)) {
    GEnumClass *e = g_type_class_ref (pspec->value_type);

    if (g_enum_get_value_by_nick (e, value) == NULL)
      problem = g_strdup_printf ("%s.%s has no value '%s'", element, key,
          value);
    g_type_class_unref (e);
  } else {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, pspec->value_type);
    if (!gst_value_deserialize_with_pspec (&v, value, pspec))
      problem = g_strdup_printf ("%s.%s cannot be '%s'", element, key, value);
    else if (g_param_value_validate (pspec, &v))
      problem = g_strdup_printf ("%s.%s: '%s' is out of range", element, key,
          value);
    g_value_unset (&v);
  }
  g_free (key);
  return problem;
}

/* Walks gst-launch-1.0 arguments: element names, their `key=value`
 * properties, caps filters, `!` links and `name.` references. Returns
 * the first problem, or NULL. */
static gchar *
check_argv (const gchar * const *argv)
{
  GObjectClass *klass = NULL;
  const gchar *element = NULL;
  gchar *problem = NULL;
  guint i;

  for (i = 0; argv[i] != NULL && problem == NULL; i++) {
    const gchar *a = argv[i];
    const gchar *eq = strchr (a, '=');
    const gchar *slash = strchr (a, '/');

    if (strcmp (a, "!") == 0 || (g_str_has_suffix (a, ".") && eq == NULL)) {
      klass = NULL;
    } else if (slash != NULL && (eq == NULL || slash < eq)) {
      GstCaps *caps = gst_caps_from_string (a);

      if (caps == NULL)
        problem = g_strdup_printf ("'%s' are not caps", a);
      else
        gst_caps_unref (caps);
      klass = NULL;
    } else if (eq != NULL) {
      if (klass == NULL)
        problem = g_strdup_printf ("'%s' follows no element", a);
      else
        problem = check_property (klass, element, a);
    } else {
      GstElementFactory *f = gst_element_factory_find (a);
      GstPluginFeature *loaded;

      if (f == NULL) {
        problem = g_strdup_printf ("no element '%s'", a);
        break;
      }
      loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (f));
      fail_unless (loaded != NULL);
      if (klass)
        g_type_class_unref (klass);
      klass = g_type_class_ref (gst_element_factory_get_element_type
          (GST_ELEMENT_FACTORY (loaded)));
      element = a;
      gst_object_unref (loaded);
      gst_object_unref (f);
      continue;
    }
  }
  return problem;
}

GST_START_TEST (test_plan_names_exist)
{
  static const gchar *const uris[] = { "file:///r/v.mov", "file:///r/w.mov",
    NULL
  };
  static const gchar *const locations[] = { "/o/0-%d", "/o/1-%d", "/o/2-%d",
    "/o/3-%d", "/o/4-%d", "/o/5-%d", NULL
  };
  ImmPlanFlags flags[] = { IMM_PLAN_DEFAULT, IMM_PLAN_NO_SEEK };
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (requests[__i__].json, -1, &err);
  ImmPlanInput in = {.source_uris = uris,.locations = locations,
    .cover_location = requests[__i__].cover ? "/t/cover" : NULL,
    .first_width = 320,.first_height = 240
  };
  guint f, i;

  g_assert_no_error (err);
  for (f = 0; f < G_N_ELEMENTS (flags); f++) {
    ImmPlan *plan = imm_plan_build_full (req, &in, flags[f], &err);

    g_assert_no_error (err);
    for (i = 0; i < plan->pipelines->len; i++) {
      const ImmPlanPipeline *pp = g_ptr_array_index (plan->pipelines, i);
      gchar *problem = check_argv ((const gchar * const *) pp->argv);
      gchar *line = imm_plan_pipeline_to_string (pp);

      fail_unless (problem == NULL, "%s in: %s", problem, line);
      g_free (line);
    }
    imm_plan_free (plan);
  }
  imm_request_free (req);
}

GST_END_TEST;

/* The checker itself finds what it is there for. */
GST_START_TEST (test_checker_finds_mistakes)
{
  static const struct
  {
    const gchar *argv[8];
    const gchar *problem;
  } bad[] = {
    {{"videotestsrc", "!", "immscale", "scale-kind=crop", NULL},
        "immscale has no property 'scale-kind'"},
    {{"immscale", "scale-type=squash", NULL},
        "immscale.scale-type has no value 'squash'"},
    {{"immsnapshot", "mode=scene", NULL},
        "immsnapshot.mode has no value 'scene'"},
    {{"immanimenc", "frame-rate=fast", NULL},
        "immanimenc.frame-rate cannot be 'fast'"},
    {{"videotestsrc", "!", "immscalr", NULL}, "no element 'immscalr'"},
    {{"multifilesink", "location=/o/%d", "index=1", NULL}, NULL},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *problem = check_argv (bad[i].argv);

    fail_unless_equals_string (problem, bad[i].problem);
    g_free (problem);
  }
}

GST_END_TEST;

/* The core's name tables are the elements' enum nicks, value for value:
 * the plan writes the core's names, the elements read their nicks. */
static void
check_enum (const gchar * element, const gchar * property, guint n,
    const gchar * (*core_name) (guint))
{
  GstElement *e = gst_element_factory_make (element, NULL);
  GParamSpec *pspec;
  GEnumClass *klass;
  guint i;

  fail_unless (e != NULL, "no element %s", element);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), property);
  fail_unless (pspec != NULL && G_IS_PARAM_SPEC_ENUM (pspec));
  klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
  fail_unless_equals_int (klass->n_values, n);
  for (i = 0; i < n; i++) {
    GEnumValue *v = g_enum_get_value (klass, i);

    fail_unless (v != NULL, "%s.%s has no value %u", element, property, i);
    fail_unless_equals_string (v->value_nick, core_name (i));
  }
  gst_object_unref (e);
}

static const gchar *
snapshot_mode (guint i)
{
  return imm_snapshot_mode_to_string ((ImmSnapshotMode) i);
}

static const gchar *
resize_mode (guint i)
{
  return imm_resize_mode_to_string ((ImmResizeMode) i);
}

GST_START_TEST (test_enum_tables)
{
  check_enum ("immsnapshot", "mode", IMM_SNAPSHOT_ALL + 1, snapshot_mode);
  check_enum ("immscale", "scale-type", IMM_RESIZE_FIT + 1, resize_mode);
}

GST_END_TEST;

static Suite *
plan_elements_suite (void)
{
  Suite *s = suite_create ("plan-elements");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_plan_names_exist, 0, G_N_ELEMENTS (requests));
  tcase_add_test (tc, test_checker_finds_mistakes);
  tcase_add_test (tc, test_enum_tables);
  return s;
}

GST_CHECK_MAIN (plan_elements);
