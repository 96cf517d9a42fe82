/* imm-gst: the task result message and its notification envelope.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The result is shaped like the API's task notification: the request's
 * Sources and Targets are echoed, and every Snapshots[]/Animations[] entry
 * gets the files it wrote and its frame count.
 */
#include "imm-result.h"

#include <string.h>

#include <gst/gst.h>
#include <json-glib/json-glib.h>

static const gchar *const code_names[] = {
  "InvalidArgument", "ResourceNotFound", "InvalidFile", "DecodeError",
  "InternalError",
};

/**
 * imm_result_code_name:
 * @code: an #ImmResultCode
 *
 * Returns: the API's `Code` string for @code.
 */
const gchar *
imm_result_code_name (ImmResultCode code)
{
  if ((guint) code >= G_N_ELEMENTS (code_names))
    return "InternalError";
  return code_names[code];
}

/* The one table from an error to the result's Code. A source that cannot
 * be opened or read is ResourceNotFound whether the probe or the pipeline
 * meets it first (souphttpsrc reports a refused connection as OPEN_READ,
 * a 404 as NOT_FOUND); a file that is there but is not media is
 * InvalidFile; writing outputs is our side, InternalError. */
typedef struct
{
  GQuark domain;
  gint code;
  ImmResultCode result;
} CodeRow;

static const CodeRow *
code_table (guint * n)
{
  static CodeRow rows[18];
  static gsize init = 0;

  if (g_once_init_enter (&init)) {
    const CodeRow r[] = {
      {IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INVALID_ARGUMENT,
          IMM_CODE_INVALID_ARGUMENT},
      {IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_RESOURCE_NOT_FOUND,
          IMM_CODE_RESOURCE_NOT_FOUND},
      {IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INVALID_FILE,
          IMM_CODE_INVALID_FILE},
      {IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_DECODE_ERROR,
          IMM_CODE_DECODE_ERROR},
      {IMM_REQUEST_ERROR, IMM_REQUEST_ERROR_INTERNAL, IMM_CODE_INTERNAL},
      {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
          IMM_CODE_RESOURCE_NOT_FOUND},
      {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          IMM_CODE_RESOURCE_NOT_FOUND},
      {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
          IMM_CODE_RESOURCE_NOT_FOUND},
      {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
          IMM_CODE_RESOURCE_NOT_FOUND},
      {GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE, IMM_CODE_DECODE_ERROR},
      {GST_STREAM_ERROR, GST_STREAM_ERROR_TYPE_NOT_FOUND,
          IMM_CODE_INVALID_FILE},
      {GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND,
          IMM_CODE_INVALID_FILE},
      {GST_STREAM_ERROR, GST_STREAM_ERROR_DEMUX, IMM_CODE_INVALID_FILE},
      {GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE, IMM_CODE_INVALID_FILE},
      {GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, IMM_CODE_INVALID_FILE},
      {GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, IMM_CODE_INVALID_FILE},
    };

    G_STATIC_ASSERT (G_N_ELEMENTS (r) <= G_N_ELEMENTS (rows));
    memcpy (rows, r, sizeof (r));
    g_once_init_leave (&init, G_N_ELEMENTS (r));
  }
  *n = init;
  return rows;
}

/**
 * imm_result_code_from_error:
 * @err: a request, template or GStreamer error
 * @otherwise: the code of an error the table does not know (the caller
 *   knows its context: a source the discoverer cannot read is InvalidFile)
 *
 * Returns: the result's Code for @err.
 */
ImmResultCode
imm_result_code_from_error (const GError * err, ImmResultCode otherwise)
{
  guint i, n;
  const CodeRow *rows = code_table (&n);

  if (err == NULL)
    return otherwise;
  for (i = 0; i < n; i++)
    if (rows[i].domain == err->domain && rows[i].code == err->code)
      return rows[i].result;
  return otherwise;
}

/**
 * imm_result_format_time:
 *
 * Returns: (transfer full): @time in UTC as ISO 8601 with milliseconds,
 * e.g. `2026-11-23T08:10:00.123Z`.
 */
gchar *
imm_result_format_time (GDateTime * time)
{
  GDateTime *utc = g_date_time_to_utc (time);
  gchar *base = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
  gchar *s = g_strdup_printf ("%s.%03dZ", base,
      g_date_time_get_microsecond (utc) / 1000);

  g_free (base);
  g_date_time_unref (utc);
  return s;
}

/* Adds Files and FrameCount to the echoed entry of output @i. */
static void
annotate (JsonObject * targets_root, const ImmOutput * out,
    const ImmOutputResult * res)
{
  JsonArray *targets = json_object_get_array_member (targets_root, "Targets");
  JsonObject *image = json_object_get_object_member
      (json_array_get_object_element (targets, out->target_index), "Image");
  JsonArray *entries = json_object_get_array_member (image,
      out->highlight ? "Highlights" : out->animation ? "Animations" :
      "Snapshots");
  JsonObject *entry = json_array_get_object_element (entries,
      out->entry_index);
  JsonArray *files = json_array_new ();
  guint i;

  for (i = 0; res->files && i < res->files->len; i++)
    json_array_add_string_element (files, g_ptr_array_index (res->files, i));
  json_object_set_array_member (entry, "Files", files);
  json_object_set_int_member (entry, "FrameCount", res->frames);
}

/**
 * imm_result_to_json:
 * @req: (nullable): the request, %NULL when it could not be parsed
 * @result: the outcome
 * @pretty: indent the output
 *
 * Returns: (transfer full): the result JSON.
 */
gchar *
imm_result_to_json (const ImmRequest * req, const ImmResult * result,
    gboolean pretty)
{
  JsonObject *o = json_object_new ();
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);
  JsonGenerator *gen;
  gchar *s;

  json_object_set_string_member (o, "ProjectName",
      req && req->project_name ? req->project_name : "");
  json_object_set_string_member (o, "TaskId", result->task_id);
  json_object_set_string_member (o, "TaskType", "MediaConvert");
  json_object_set_string_member (o, "Status",
      result->succeeded ? "Succeeded" : "Failed");
  json_object_set_string_member (o, "Code", result->succeeded ? "" :
      imm_result_code_name (result->code));
  json_object_set_string_member (o, "Message", result->message ?
      result->message : "");
  s = imm_result_format_time (result->start);
  json_object_set_string_member (o, "StartTime", s);
  g_free (s);
  s = imm_result_format_time (result->end);
  json_object_set_string_member (o, "EndTime", s);
  g_free (s);
  if (req && req->user_data)
    json_object_set_string_member (o, "UserData", req->user_data);

  if (req && req->root) {
    JsonNode *copy = json_node_copy (req->root);
    JsonObject *co = json_node_get_object (copy);
    guint i;

    json_object_set_member (o, "Sources",
        json_node_copy (json_object_get_member (co, "Sources")));
    if (result->outputs) {
      for (i = 0; i < req->outputs->len; i++)
        annotate (co, g_ptr_array_index (req->outputs, i), &result->outputs[i]);
    }
    json_object_set_member (o, "Targets",
        json_node_copy (json_object_get_member (co, "Targets")));
    json_node_unref (copy);
  }

  json_node_take_object (root, o);
  gen = json_generator_new ();
  json_generator_set_pretty (gen, pretty);
  json_generator_set_root (gen, root);
  s = json_generator_to_data (gen, NULL);
  g_object_unref (gen);
  json_node_unref (root);
  return s;
}

/**
 * imm_result_envelope:
 * @req: (nullable): the request
 * @content: the result JSON
 * @id: the message id
 * @time_ms: milliseconds since the epoch
 *
 * Returns: (transfer full): the API's notification envelope around
 * @content, on one line.
 */
gchar *
imm_result_envelope (const ImmRequest * req, const gchar * content,
    const gchar * id, gint64 time_ms)
{
  JsonObject *o = json_object_new ();
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);
  JsonGenerator *gen;
  gchar *s;

  json_object_set_string_member (o, "id", id);
  json_object_set_string_member (o, "source", "acs.imm");
  json_object_set_string_member (o, "type", "imm:Task:MediaConvert");
  s = g_strdup_printf ("acs:imm::project/%s", req && req->project_name ?
      req->project_name : "");
  json_object_set_string_member (o, "subject", s);
  g_free (s);
  s = g_strdup_printf ("%" G_GINT64_FORMAT, time_ms);
  json_object_set_string_member (o, "time", s);
  g_free (s);
  json_object_set_string_member (o, "content", content);
  json_node_take_object (root, o);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  s = json_generator_to_data (gen, NULL);
  g_object_unref (gen);
  json_node_unref (root);
  return s;
}
