/* imm-gst: CreateMediaConvertTask request model and validation.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The whole request is checked before any work starts. Every error names
 * the JSON path of the offending field (`Targets[0].Image.Snapshots[1].Mode:
 * ...`) so a user can find it in a long request; unknown fields are errors
 * because a typo would otherwise silently change the result.
 */
#include "imm-request.h"

#include <math.h>
#include <string.h>

#include "imm-json-shape.h"
#include "imm-template.h"

GQuark
imm_request_error_quark (void)
{
  return g_quark_from_static_string ("imm-request-error-quark");
}

/* The API allows sides up to 4096; the elements handle up to this. */
#define MAX_SIDE ((gdouble) IMM_GEOMETRY_MAX_SIDE)
/* Far beyond any sane animation, small enough for a GstFraction. */
#define MAX_FRAME_RATE 1000.0
/* About 11.5 days: larger times are typos, and stay exact in nanoseconds. */
#define MAX_SECONDS 1.0e6

static const gchar *const format_ext[] = { "jpg", "png", "webp", "gif" };

const gchar *
imm_output_format_extension (ImmOutputFormat format)
{
  return format_ext[format];
}

static gboolean
G_GNUC_PRINTF (3, 4)
fail (GError ** error, const gchar * path, const gchar * fmt, ...)
{
  va_list args;
  gchar *msg;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
      "%s: %s", path, msg);
  g_free (msg);
  return FALSE;
}

static const gchar *
node_kind (JsonNode * node)
{
  GType t;

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
      t = json_node_get_value_type (node);
      if (t == G_TYPE_STRING)
        return "a string";
      if (t == G_TYPE_BOOLEAN)
        return "a boolean";
      return "a number";
  }
  return "something else";
}

static gchar *
member_path (const gchar * parent, const gchar * name)
{
  return *parent ? g_strconcat (parent, ".", name, NULL) : g_strdup (name);
}

/* fail() naming member @name of the object at @parent. */
static gboolean
G_GNUC_PRINTF (4, 5)
fail_member (GError ** error, const gchar * parent, const gchar * name,
    const gchar * fmt, ...)
{
  va_list args;
  gchar *p = member_path (parent, name), *msg;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  fail (error, p, "%s", msg);
  g_free (msg);
  g_free (p);
  return FALSE;
}

/* Rejects members not in @allowed (NULL-terminated). */
static gboolean
check_members (JsonObject * obj, const gchar * path,
    const gchar * const *allowed, GError ** error)
{
  GList *members = json_object_get_members (obj), *l;
  gboolean ok = TRUE;

  for (l = members; l && ok; l = l->next) {
    const gchar *name = l->data;

    if (!g_strv_contains (allowed, name)) {
      gchar *list = g_strjoinv (", ", (gchar **) allowed);

      ok = fail_member (error, path, name, "unknown field (fields here: %s)",
          list);
      g_free (list);
    }
  }
  g_list_free (members);
  return ok;
}

static gboolean
is_number (JsonNode * node)
{
  GType t;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  t = json_node_get_value_type (node);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* Returns the node of member @name, or NULL when absent. */
static JsonNode *
member (JsonObject * obj, const gchar * name)
{
  return json_object_has_member (obj, name) ?
      json_object_get_member (obj, name) : NULL;
}

static gboolean
get_string (JsonObject * obj, const gchar * parent, const gchar * name,
    gboolean required, gchar ** out, GError ** error)
{
  JsonNode *n = member (obj, name);
  gchar *p = member_path (parent, name);
  gboolean ok = TRUE;

  *out = NULL;
  if (n == NULL) {
    if (required)
      ok = fail (error, p, "required field is missing");
  } else if (!JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING) {
    ok = fail (error, p, "expected a string, got %s", node_kind (n));
  } else if (required && *json_node_get_string (n) == '\0') {
    ok = fail (error, p, "must not be empty");
  } else {
    *out = g_strdup (json_node_get_string (n));
  }
  g_free (p);
  return ok;
}

/* A finite number in [@min, @max]; @min_open excludes @min itself.
 * Absent leaves *@out untouched. */
static gboolean
get_number (JsonObject * obj, const gchar * parent, const gchar * name,
    gdouble min, gboolean min_open, gdouble max, gdouble * out,
    gboolean * present, GError ** error)
{
  JsonNode *n = member (obj, name);
  gchar *p;
  gboolean ok = TRUE;
  gdouble v;

  if (present)
    *present = n != NULL;
  if (n == NULL)
    return TRUE;
  p = member_path (parent, name);
  if (!is_number (n)) {
    ok = fail (error, p, "expected a number, got %s", node_kind (n));
  } else {
    v = json_node_get_double (n);
    if (!isfinite (v))
      ok = fail (error, p, "must be a finite number");
    else if (min_open ? !(v > min) : !(v >= min))
      ok = fail (error, p, "must be %s %g, got %g", min_open ? ">" : ">=",
          min, v);
    else if (v > max)
      ok = fail (error, p, "must be <= %g, got %g", max, v);
    else
      *out = v;
  }
  g_free (p);
  return ok;
}

static gboolean
get_uint (JsonObject * obj, const gchar * parent, const gchar * name,
    guint max, guint * out, GError ** error)
{
  JsonNode *n = member (obj, name);
  gchar *p;
  gboolean ok = TRUE;
  gdouble v;

  if (n == NULL)
    return TRUE;
  p = member_path (parent, name);
  if (!is_number (n)) {
    ok = fail (error, p, "expected an integer, got %s", node_kind (n));
  } else {
    v = json_node_get_double (n);
    if (!isfinite (v) || v != floor (v))
      ok = fail (error, p, "expected an integer, got %g", v);
    else if (v < 0)
      ok = fail (error, p, "must be >= 0, got %g", v);
    else if (v > max)
      ok = fail (error, p, "must be <= %u, got %g", max, v);
    else
      *out = (guint) v;
  }
  g_free (p);
  return ok;
}

static gboolean
get_type (JsonObject * obj, const gchar * parent, const gchar * name,
    JsonNodeType type, GType vtype, gboolean required, JsonNode ** out,
    GError ** error)
{
  JsonNode *n = member (obj, name);
  gchar *p = member_path (parent, name);
  gboolean ok = TRUE;
  static const gchar *const names[] = { "an object", "an array", "a value",
    "null"
  };

  if (out)
    *out = NULL;
  if (n == NULL) {
    if (required)
      ok = fail (error, p, "required field is missing");
  } else if (JSON_NODE_TYPE (n) != type || (type == JSON_NODE_VALUE
          && json_node_get_value_type (n) != vtype)) {
    ok = fail (error, p, "expected %s, got %s",
        type == JSON_NODE_VALUE ? (vtype == G_TYPE_BOOLEAN ? "a boolean" :
            "a string") : names[type], node_kind (n));
  } else if (out) {
    *out = n;
  }
  g_free (p);
  return ok;
}

static void
source_free (gpointer p)
{
  ImmSource *s = p;

  g_free (s->uri);
  g_free (s);
}

static void
output_free (gpointer p)
{
  ImmOutput *o = p;

  g_free (o->path);
  g_free (o->uri);
  g_free (o);
}

static gboolean
parse_source (JsonNode * node, const gchar * path, ImmSource * src,
    GError ** error)
{
  static const gchar *const allowed[] = { "URI", "StartTime", "Duration",
    "Subtitles", "Attached", "AlignMode", "DisableAudio", "DisableVideo",
    NULL
  };
  JsonObject *o;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, "expected an object, got %s", node_kind (node));
  o = json_node_get_object (node);
  if (!check_members (o, path, allowed, error)
      || !get_string (o, path, "URI", TRUE, &src->uri, error))
    return FALSE;
  src->live = imm_request_uri_is_live (src->uri);
  return get_number (o, path, "StartTime", 0, FALSE, MAX_SECONDS,
      &src->start_time, NULL, error)
      && get_number (o, path, "Duration", 0, FALSE, MAX_SECONDS,
      &src->duration, NULL, error)
      && get_type (o, path, "Subtitles", JSON_NODE_ARRAY, 0, FALSE, NULL, error)
      && get_type (o, path, "Attached", JSON_NODE_VALUE, G_TYPE_BOOLEAN,
      FALSE, NULL, error)
      && get_type (o, path, "AlignMode", JSON_NODE_VALUE, G_TYPE_STRING,
      FALSE, NULL, error)
      && get_type (o, path, "DisableAudio", JSON_NODE_VALUE, G_TYPE_BOOLEAN,
      FALSE, NULL, error)
      && get_type (o, path, "DisableVideo", JSON_NODE_VALUE, G_TYPE_BOOLEAN,
      FALSE, NULL, error);
}

/* The names of an enum's values 0 .. n-1, from the enum's one table. */
typedef const gchar *(*EnumName) (guint value);

static gboolean
parse_enum (JsonObject * o, const gchar * path, const gchar * name,
    EnumName value_name, guint n, const gchar * what, guint * out,
    GError ** error)
{
  GString *list;
  gchar *s = NULL;
  guint i;

  if (!get_string (o, path, name, FALSE, &s, error))
    return FALSE;
  if (s == NULL)
    return TRUE;
  for (i = 0; i < n; i++) {
    if (strcmp (s, value_name (i)) == 0) {
      *out = i;
      g_free (s);
      return TRUE;
    }
  }
  list = g_string_new (NULL);
  for (i = 0; i < n; i++)
    g_string_append_printf (list, "%s%s", i ? ", " : "", value_name (i));
  fail_member (error, path, name, "unknown %s '%s' (expected one of: %s)",
      what, s, list->str);
  g_string_free (list, TRUE);
  g_free (s);
  return FALSE;
}

/* Snapshots take jpg, png, webp: the first three ImmOutputFormats. */
static const gchar *
snapshot_format_name (guint v)
{
  return imm_output_format_extension ((ImmOutputFormat) v);
}

#define N_SNAPSHOT_FORMATS (IMM_OUTPUT_WEBP + 1)

/* Animations take gif, webp (in this order in the API's documents). */
static const gchar *
animation_format_name (guint v)
{
  return imm_output_format_extension (v == 0 ? IMM_OUTPUT_GIF :
      IMM_OUTPUT_WEBP);
}

/* A snapshot's Mode: every capture mode but `all` (animations use it). */
static const gchar *
capture_mode_name (guint v)
{
  return imm_snapshot_mode_to_string ((ImmSnapshotMode) v);
}

#define N_CAPTURE_MODES (IMM_SNAPSHOT_DHASH + 1)

static const gchar *
scale_type_name (guint v)
{
  return imm_resize_mode_to_string ((ImmResizeMode) v);
}

#define N_SCALE_TYPES (IMM_RESIZE_FIT + 1)

static gboolean
parse_output (JsonNode * node, const gchar * path, gboolean animation,
    GHashTable * tags, ImmOutput * out, GError ** error)
{
  static const gchar *const snap_allowed[] = { "Format", "URI", "Mode",
    "StartTime", "Interval", "Number", "Threshold", "Width", "Height",
    "ScaleType", NULL
  };
  static const gchar *const anim_allowed[] = { "Format", "URI", "StartTime",
    "Number", "Interval", "FrameRate", "Width", "Height", "ScaleType", NULL
  };
  JsonObject *o;
  guint v = 0, format = 0, mode = 0, scale = 0;
  gboolean uses_index = FALSE;
  GError *terr = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, "expected an object, got %s", node_kind (node));
  o = json_node_get_object (node);
  out->animation = animation;
  if (!check_members (o, path, animation ? anim_allowed : snap_allowed, error))
    return FALSE;

  if (!json_object_has_member (o, "Format"))
    return fail_member (error, path, "Format", "required field is missing");
  if (animation) {
    if (!parse_enum (o, path, "Format", animation_format_name, 2, "format",
            &format, error))
      return FALSE;
    out->format = format == 0 ? IMM_OUTPUT_GIF : IMM_OUTPUT_WEBP;
  } else {
    if (!parse_enum (o, path, "Format", snapshot_format_name,
            N_SNAPSHOT_FORMATS, "format", &format, error))
      return FALSE;
    out->format = (ImmOutputFormat) format;
  }

  if (!get_string (o, path, "URI", TRUE, &out->uri, error)
      || !parse_enum (o, path, "Mode", capture_mode_name, N_CAPTURE_MODES,
          "mode", &mode, error)
      || !get_number (o, path, "StartTime", 0, FALSE, MAX_SECONDS,
          &out->start_time, NULL, error)
      || !get_number (o, path, "Interval", 0, TRUE, MAX_SECONDS,
          &out->interval, NULL, error)
      || !get_uint (o, path, "Number", G_MAXINT, &v, error)
      || !get_number (o, path, "Width", 0, TRUE, MAX_SIDE, &out->width, NULL,
          error)
      || !get_number (o, path, "Height", 0, TRUE, MAX_SIDE, &out->height,
          NULL, error)
      || !parse_enum (o, path, "ScaleType", scale_type_name, N_SCALE_TYPES,
          "scale type", &scale, error)
      || !get_number (o, path, "FrameRate", 0, TRUE, MAX_FRAME_RATE,
          &out->frame_rate, NULL, error))
    return FALSE;
  out->number = v;
  out->mode = (ImmSnapshotMode) mode;
  out->scale_type = (ImmResizeMode) scale;
  v = 0;
  if (!get_uint (o, path, "Threshold", 100, &v, error))
    return FALSE;
  out->threshold = v;

  if (!animation) {
    switch (out->mode) {
      case IMM_SNAPSHOT_INTERVAL:
        if (out->interval == 0 && out->number > 1)
          return fail_member (error, path, "Interval", "required when Number "
              "is greater than 1 in interval mode (without it one frame is "
              "taken at StartTime)");
        out->multi = out->interval > 0 && out->number != 1;
        break;
      case IMM_SNAPSHOT_AVERAGE:
        if (out->number == 0)
          return fail_member (error, path, "Number", "average mode needs "
              "Number greater than 0");
        out->multi = out->number > 1;
        break;
      case IMM_SNAPSHOT_KEYFRAME:
      case IMM_SNAPSHOT_DHASH:
        out->multi = out->number != 1;
        break;
      case IMM_SNAPSHOT_ALL:
        g_assert_not_reached ();
    }
  }

  /* gst-plugins-bad's webpenc takes nothing smaller (its caps). */
  if (!animation && out->format == IMM_OUTPUT_WEBP) {
    const gchar *side = NULL;

    if (out->width >= 1 && out->width < 16)
      side = "Width";
    else if (out->height >= 1 && out->height < 16)
      side = "Height";
    if (side != NULL)
      return fail_member (error, path, side, "WebP snapshots need at least "
          "16 pixels a side");
  }

  if (!imm_template_check (out->uri, tags, &uses_index, &terr)) {
    fail_member (error, path, "URI", "%s", terr->message);
    g_clear_error (&terr);
    return FALSE;
  }
  if (out->multi && !uses_index)
    return fail_member (error, path, "URI", "this target can write more than "
        "one frame, so the URI needs '{index}'");
  return TRUE;
}

/* Defaults of a Highlights[] entry (SPEC.md). */
#define HIGHLIGHT_THRESHOLD 20
#define HIGHLIGHT_INTERVAL 0.5
#define HIGHLIGHT_PRE_ROLL 2.0
#define HIGHLIGHT_POST_ROLL 3.0
#define HIGHLIGHT_FRAME_RATE 10.0
/* A clip is held in memory until it ends: PreRoll and PostRoll stay
 * short. */
#define HIGHLIGHT_MAX_ROLL 30.0

/* A Highlights[] entry: an animation per event, files named by {index}
 * like snapshots. */
static gboolean
parse_highlight (JsonNode * node, const gchar * path, GHashTable * tags,
    ImmOutput * out, GError ** error)
{
  static const gchar *const allowed[] = { "Format", "URI", "Threshold",
    "Interval", "PreRoll", "PostRoll", "MinGap", "Number", "FrameRate",
    "Width", "Height", "ScaleType", NULL
  };
  JsonObject *o;
  guint format = 0, scale = 0, threshold = HIGHLIGHT_THRESHOLD;
  gboolean uses_index = FALSE;
  GError *terr = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, "expected an object, got %s", node_kind (node));
  o = json_node_get_object (node);
  out->highlight = TRUE;
  out->multi = TRUE;
  /* the event detection of dhash snapshots */
  out->mode = IMM_SNAPSHOT_DHASH;
  out->interval = HIGHLIGHT_INTERVAL;
  out->pre_roll = HIGHLIGHT_PRE_ROLL;
  out->post_roll = HIGHLIGHT_POST_ROLL;
  out->frame_rate = HIGHLIGHT_FRAME_RATE;
  if (!check_members (o, path, allowed, error))
    return FALSE;
  if (!json_object_has_member (o, "Format"))
    return fail_member (error, path, "Format", "required field is missing");
  if (!parse_enum (o, path, "Format", animation_format_name, 2, "format",
          &format, error)
      || !get_string (o, path, "URI", TRUE, &out->uri, error)
      || !get_uint (o, path, "Threshold", 100, &threshold, error)
      || !get_number (o, path, "Interval", 0, TRUE, MAX_SECONDS,
          &out->interval, NULL, error)
      || !get_number (o, path, "PreRoll", 0, FALSE, HIGHLIGHT_MAX_ROLL,
          &out->pre_roll, NULL, error)
      || !get_number (o, path, "PostRoll", 0, FALSE, HIGHLIGHT_MAX_ROLL,
          &out->post_roll, NULL, error)
      || !get_number (o, path, "MinGap", 0, FALSE, MAX_SECONDS,
          &out->min_gap, NULL, error)
      || !get_uint (o, path, "Number", G_MAXINT, &out->number, error)
      || !get_number (o, path, "FrameRate", 0, TRUE, MAX_FRAME_RATE,
          &out->frame_rate, NULL, error)
      || !get_number (o, path, "Width", 0, TRUE, MAX_SIDE, &out->width, NULL,
          error)
      || !get_number (o, path, "Height", 0, TRUE, MAX_SIDE, &out->height,
          NULL, error)
      || !parse_enum (o, path, "ScaleType", scale_type_name, N_SCALE_TYPES,
          "scale type", &scale, error))
    return FALSE;
  out->format = format == 0 ? IMM_OUTPUT_GIF : IMM_OUTPUT_WEBP;
  out->threshold = threshold;
  out->scale_type = (ImmResizeMode) scale;
  if (!imm_template_check (out->uri, tags, &uses_index, &terr)) {
    fail_member (error, path, "URI", "%s", terr->message);
    g_clear_error (&terr);
    return FALSE;
  }
  if (!uses_index)
    return fail_member (error, path, "URI", "a file is written per event, "
        "so the URI needs '{index}'");
  return TRUE;
}

/* Which array of Image an entry comes from. */
typedef enum
{
  ENTRY_SNAPSHOT,
  ENTRY_ANIMATION,
  ENTRY_HIGHLIGHT,
} EntryKind;

static gboolean
parse_outputs (JsonObject * image, const gchar * image_path, guint target,
    const gchar * name, EntryKind kind, ImmRequest * req, GError ** error)
{
  JsonNode *arr_node;
  JsonArray *arr;
  guint i;

  if (!get_type (image, image_path, name, JSON_NODE_ARRAY, 0, FALSE,
          &arr_node, error))
    return FALSE;
  if (arr_node == NULL)
    return TRUE;
  arr = json_node_get_array (arr_node);
  for (i = 0; i < json_array_get_length (arr); i++) {
    ImmOutput *out = g_new0 (ImmOutput, 1);

    out->path = g_strdup_printf ("%s.%s[%u]", image_path, name, i);
    out->target_index = target;
    out->entry_index = i;
    g_ptr_array_add (req->outputs, out);
    if (kind == ENTRY_HIGHLIGHT) {
      if (!parse_highlight (json_array_get_element (arr, i), out->path,
              req->tags, out, error))
        return FALSE;
    } else if (!parse_output (json_array_get_element (arr, i), out->path,
            kind == ENTRY_ANIMATION, req->tags, out, error)) {
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
parse_target (JsonNode * node, const gchar * path, guint index,
    ImmRequest * req, GError ** error)
{
  static const gchar *const allowed[] = { "Image", "URI", "Container", NULL };
  static const gchar *const image_allowed[] = { "Snapshots", "Animations",
    "Highlights", NULL
  };
  JsonObject *o, *image;
  JsonNode *image_node;
  gchar *image_path;
  guint before = req->outputs->len;
  gboolean ok;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, "expected an object, got %s", node_kind (node));
  o = json_node_get_object (node);
  if (!check_members (o, path, allowed, error))
    return FALSE;
  if (json_object_has_member (o, "URI") ||
      json_object_has_member (o, "Container"))
    return fail_member (error, path, json_object_has_member (o, "URI") ?
        "URI" : "Container", "must not be set for image jobs (give the "
        "output in Image.Snapshots[].URI or Image.Animations[].URI)");
  if (!get_type (o, path, "Image", JSON_NODE_OBJECT, 0, TRUE, &image_node,
          error))
    return FALSE;
  image = json_node_get_object (image_node);
  image_path = member_path (path, "Image");
  ok = check_members (image, image_path, image_allowed, error)
      && parse_outputs (image, image_path, index, "Snapshots", ENTRY_SNAPSHOT,
      req, error)
      && parse_outputs (image, image_path, index, "Animations",
      ENTRY_ANIMATION, req, error)
      && parse_outputs (image, image_path, index, "Highlights",
      ENTRY_HIGHLIGHT, req, error);
  if (ok && req->outputs->len == before)
    ok = fail (error, image_path, "no Snapshots, Animations or Highlights to "
        "make");
  g_free (image_path);
  return ok;
}

static gboolean
parse_tags (JsonObject * root, ImmRequest * req, GError ** error)
{
  JsonNode *node;
  JsonObject *o;
  GList *members, *l;
  gboolean ok = TRUE;

  if (!get_type (root, "", "Tags", JSON_NODE_OBJECT, 0, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  o = json_node_get_object (node);
  members = json_object_get_members (o);
  for (l = members; l && ok; l = l->next) {
    JsonNode *v = json_object_get_member (o, l->data);
    gchar *p = g_strconcat ("Tags.", (const gchar *) l->data, NULL);

    if (JSON_NODE_HOLDS_VALUE (v)
        && json_node_get_value_type (v) == G_TYPE_STRING)
      g_hash_table_insert (req->tags, g_strdup (l->data),
          g_strdup (json_node_get_string (v)));
    else
      ok = fail (error, p, "expected a string, got %s", node_kind (v));
    g_free (p);
  }
  g_list_free (members);
  return ok;
}

static gboolean
parse_root (JsonNode * root, ImmRequest * req, GError ** error)
{
  static const gchar *const allowed[] = { "ProjectName", "Notification",
    "UserData", "Sources", "Targets", "Tags", "AlignmentIndex", NULL
  };
  static const gchar *const notif_allowed[] = { "MNS", NULL };
  static const gchar *const mns_allowed[] = { "TopicName", NULL };
  JsonObject *o;
  JsonNode *n;
  JsonArray *arr;
  guint i, dummy;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, "(request)", "expected a JSON object, got %s",
        node_kind (root));
  o = json_node_get_object (root);
  if (!check_members (o, "", allowed, error)
      || !get_string (o, "", "ProjectName", FALSE, &req->project_name, error)
      || !get_string (o, "", "UserData", FALSE, &req->user_data, error)
      || !get_uint (o, "", "AlignmentIndex", G_MAXINT, &dummy, error)
      || !parse_tags (o, req, error))
    return FALSE;

  if (!get_type (o, "", "Notification", JSON_NODE_OBJECT, 0, FALSE, &n, error))
    return FALSE;
  if (n != NULL) {
    JsonObject *no = json_node_get_object (n);
    JsonNode *mns;

    req->notify = TRUE;
    if (!check_members (no, "Notification", notif_allowed, error)
        || !get_type (no, "Notification", "MNS", JSON_NODE_OBJECT, 0, FALSE,
            &mns, error))
      return FALSE;
    if (mns != NULL) {
      JsonObject *mo = json_node_get_object (mns);

      if (!check_members (mo, "Notification.MNS", mns_allowed, error)
          || !get_string (mo, "Notification.MNS", "TopicName", TRUE,
              &req->topic_name, error))
        return FALSE;
    }
  }

  if (!get_type (o, "", "Sources", JSON_NODE_ARRAY, 0, TRUE, &n, error))
    return FALSE;
  arr = json_node_get_array (n);
  if (json_array_get_length (arr) == 0)
    return fail (error, "Sources", "needs at least one source");
  if (json_array_get_length (arr) > IMM_REQUEST_MAX_SOURCES)
    return fail (error, "Sources", "at most %d sources can be joined, got %u",
        IMM_REQUEST_MAX_SOURCES, json_array_get_length (arr));
  for (i = 0; i < json_array_get_length (arr); i++) {
    ImmSource *src = g_new0 (ImmSource, 1);
    gchar *p = g_strdup_printf ("Sources[%u]", i);
    gboolean ok;

    g_ptr_array_add (req->sources, src);
    ok = parse_source (json_array_get_element (arr, i), p, src, error);
    g_free (p);
    if (!ok)
      return FALSE;
  }

  if (!get_type (o, "", "Targets", JSON_NODE_ARRAY, 0, TRUE, &n, error))
    return FALSE;
  arr = json_node_get_array (n);
  if (json_array_get_length (arr) == 0)
    return fail (error, "Targets", "needs at least one target");
  req->n_targets = json_array_get_length (arr);
  for (i = 0; i < req->n_targets; i++) {
    gchar *p = g_strdup_printf ("Targets[%u]", i);
    gboolean ok = parse_target (json_array_get_element (arr, i), p, i, req,
        error);

    g_free (p);
    if (!ok)
      return FALSE;
  }
  /* live by their scheme; a live HLS playlist is only known once probed */
  return imm_request_check_live (req, error);
}

/**
 * imm_request_uri_is_live:
 * @uri: a Sources[].URI
 *
 * Returns: whether @uri's scheme is a live stream's (rtsp, rtsps, rtmp,
 * rtmps, srt, udp); live HLS playlists are told by their content.
 */
gboolean
imm_request_uri_is_live (const gchar * uri)
{
  static const gchar *const live[] = { "rtsp", "rtsps", "rtspu", "rtspt",
    "rtmp", "rtmps", "srt", "udp", NULL
  };
  const gchar *colon = strstr (uri, "://");
  gchar *scheme;
  gboolean ok;

  if (colon == NULL)
    return FALSE;
  scheme = g_ascii_strdown (uri, colon - uri);
  ok = g_strv_contains (live, scheme);
  g_free (scheme);
  return ok;
}

/**
 * imm_request_check_live:
 * @req: a parsed request whose sources' @live is set
 *
 * What a live source cannot do (SPEC "Live sources"): be joined with other
 * sources (it never ends), average snapshots (there is no duration to
 * spread them over), animations without a Number or a Source Duration
 * (they would grow for ever).
 *
 * Returns: %FALSE with @error naming the field when @req asks for one.
 */
gboolean
imm_request_check_live (const ImmRequest * req, GError ** error)
{
  const ImmSource *src = g_ptr_array_index (req->sources, 0);
  guint i;

  for (i = 0; i < req->sources->len; i++) {
    const ImmSource *s = g_ptr_array_index (req->sources, i);

    if (s->live && req->sources->len > 1) {
      gchar *p = g_strdup_printf ("Sources[%u].URI", i);

      fail (error, p, "'%s' is a live stream, which never ends: it cannot "
          "be joined with other sources", s->uri);
      g_free (p);
      return FALSE;
    }
  }
  if (!src->live)
    return TRUE;
  for (i = 0; i < req->outputs->len; i++) {
    const ImmOutput *out = g_ptr_array_index (req->outputs, i);

    if (!out->animation && !out->highlight && out->mode == IMM_SNAPSHOT_AVERAGE)
      return fail_member (error, out->path, "Mode", "average needs the "
          "source's duration, and Sources[0] is a live stream; use "
          "interval, keyframe or dhash");
    if (out->animation && out->number == 0 && src->duration == 0)
      return fail_member (error, out->path, "Number", "an animation of a "
          "live stream needs a Number, or a Duration in Sources[0]");
  }
  return TRUE;
}

/**
 * imm_request_parse:
 * @data: the request JSON
 * @length: its length, or -1 when nul-terminated
 *
 * Parses and validates a whole request.
 *
 * Returns: (transfer full) (nullable): the request, or %NULL with @error
 * (%IMM_REQUEST_ERROR_INVALID_ARGUMENT, message starting with the JSON
 * path of the bad field).
 */
ImmRequest *
imm_request_parse (const gchar * data, gssize length, GError ** error)
{
  JsonParser *parser;
  GError *jerr = NULL;
  ImmRequest *req;
  gchar *problem = NULL;

  if (!imm_json_check_shape (data, length < 0 ? strlen (data) : (gsize) length,
          IMM_JSON_MAX_DEPTH, &problem)) {
    g_set_error (error, IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
        "(request): %s", problem);
    g_free (problem);
    return NULL;
  }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, &jerr)) {
    g_set_error (error, IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
        "(request): not valid JSON: %s", jerr->message);
    g_error_free (jerr);
    g_object_unref (parser);
    return NULL;
  }
  if (json_parser_get_root (parser) == NULL) {
    g_set_error (error, IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
        "(request): empty request");
    g_object_unref (parser);
    return NULL;
  }
  req = g_new0 (ImmRequest, 1);
  req->sources = g_ptr_array_new_with_free_func (source_free);
  req->outputs = g_ptr_array_new_with_free_func (output_free);
  req->tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  req->root = json_node_copy (json_parser_get_root (parser));
  g_object_unref (parser);
  if (!parse_root (req->root, req, error)) {
    imm_request_free (req);
    return NULL;
  }
  return req;
}

/**
 * imm_request_peek:
 * @data: a request that imm_request_parse() rejected
 * @length: its length, or -1 when nul-terminated
 *
 * Reads what a failed task still reports: ProjectName and UserData when
 * they are strings, and whether a Notification was asked for. Sources,
 * outputs and the echo stay empty.
 *
 * Returns: (transfer full) (nullable): a request without outputs, or %NULL
 * when @data is not a JSON object.
 */
ImmRequest *
imm_request_peek (const gchar * data, gssize length)
{
  JsonParser *parser;
  ImmRequest *req = NULL;
  JsonNode *root;

  /* what parsing would crash on is not peeked at either */
  if (!imm_json_check_shape (data, length < 0 ? strlen (data) : (gsize) length,
          IMM_JSON_MAX_DEPTH, NULL))
    return NULL;
  parser = json_parser_new ();
  if (json_parser_load_from_data (parser, data, length, NULL)
      && (root = json_parser_get_root (parser)) != NULL
      && JSON_NODE_HOLDS_OBJECT (root)) {
    JsonObject *o = json_node_get_object (root);
    JsonNode *n;

    req = g_new0 (ImmRequest, 1);
    req->sources = g_ptr_array_new_with_free_func (source_free);
    req->outputs = g_ptr_array_new_with_free_func (output_free);
    req->tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    if ((n = member (o, "ProjectName")) && JSON_NODE_HOLDS_VALUE (n)
        && json_node_get_value_type (n) == G_TYPE_STRING)
      req->project_name = g_strdup (json_node_get_string (n));
    if ((n = member (o, "UserData")) && JSON_NODE_HOLDS_VALUE (n)
        && json_node_get_value_type (n) == G_TYPE_STRING)
      req->user_data = g_strdup (json_node_get_string (n));
    req->notify = json_object_has_member (o, "Notification");
  }
  g_object_unref (parser);
  return req;
}

void
imm_request_free (ImmRequest * req)
{
  if (req == NULL)
    return;
  g_free (req->project_name);
  g_free (req->user_data);
  g_free (req->topic_name);
  g_ptr_array_unref (req->sources);
  g_ptr_array_unref (req->outputs);
  g_hash_table_unref (req->tags);
  if (req->root)
    json_node_unref (req->root);
  g_free (req);
}
