/* Unit tests for the result message and the result Code table.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-request.h"
#include "imm/imm-result.h"

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

/* Files and FrameCount per entry, the echo, the envelope. */
GST_START_TEST (test_result_json)
{
  GError *err = NULL;
  ImmRequest *req = imm_request_parse (full_request, -1, &err);
  ImmOutputResult outs[3];
  ImmResult r = { 0 };
  GDateTime *start = g_date_time_new_utc (2026, 11, 23, 8, 0, 1.25);
  GDateTime *end = g_date_time_new_utc (2026, 11, 23, 8, 0, 3);
  gchar *json, *env;
  guint i;

  g_assert_no_error (err);
  for (i = 0; i < 3; i++) {
    outs[i].files = g_ptr_array_new_with_free_func (g_free);
    outs[i].frames = i + 1;
  }
  g_ptr_array_add (outs[1].files, g_strdup ("c.jpg"));
  r.task_id = "MediaConvert-x";
  r.succeeded = TRUE;
  r.start = start;
  r.end = end;
  r.outputs = outs;
  json = imm_result_to_json (req, &r, FALSE);
  fail_unless (g_str_has_prefix (json, "{\"ProjectName\":\"test-project\","
          "\"TaskId\":\"MediaConvert-x\",\"TaskType\":\"MediaConvert\","
          "\"Status\":\"Succeeded\",\"Code\":\"\",\"Message\":\"\","
          "\"StartTime\":\"2026-11-23T08:00:01.250Z\","
          "\"EndTime\":\"2026-11-23T08:00:03.000Z\","
          "\"UserData\":\"{\\\"k\\\":1}\",\"Sources\":[{"), "%s", json);
  fail_unless (strstr (json, "\"Threshold\":15,\"URI\":\"c.jpg\","
          "\"Files\":[\"c.jpg\"],\"FrameCount\":2}") != NULL, "%s", json);
  fail_unless (strstr (json, "\"Width\":0.5,\"Files\":[],"
          "\"FrameCount\":3}") != NULL, "%s", json);

  env = imm_result_envelope (req, "{\"a\":1}", "id-1", 1234);
  fail_unless_equals_string (env, "{\"id\":\"id-1\",\"source\":\"acs.imm\","
      "\"type\":\"imm:Task:MediaConvert\","
      "\"subject\":\"acs:imm::project/test-project\",\"time\":\"1234\","
      "\"content\":\"{\\\"a\\\":1}\"}");

  r.succeeded = FALSE;
  r.code = IMM_CODE_RESOURCE_NOT_FOUND;
  r.message = "Sources[0].URI: gone";
  r.outputs = NULL;
  g_free (json);
  json = imm_result_to_json (NULL, &r, FALSE);
  fail_unless (g_str_has_prefix (json, "{\"ProjectName\":\"\","
          "\"TaskId\":\"MediaConvert-x\",\"TaskType\":\"MediaConvert\","
          "\"Status\":\"Failed\",\"Code\":\"ResourceNotFound\","
          "\"Message\":\"Sources[0].URI: gone\""), "%s", json);

  for (i = 0; i < 3; i++)
    g_ptr_array_unref (outs[i].files);
  g_free (env);
  g_free (json);
  g_date_time_unref (start);
  g_date_time_unref (end);
  imm_request_free (req);
}

GST_END_TEST;

/* The one table from an error to the result's Code: the same failure
 * gets the same Code whether the probe or the pipeline meets it. */
GST_START_TEST (test_code_table)
{
  static const struct
  {
    GQuark domain;
    gint code;
    const gchar *name;
  } rows[] = {
    {0, IMM_REQUEST_ERROR_INVALID_ARGUMENT, "InvalidArgument"},
    {0, IMM_REQUEST_ERROR_RESOURCE_NOT_FOUND, "ResourceNotFound"},
    {0, IMM_REQUEST_ERROR_INVALID_FILE, "InvalidFile"},
    {0, IMM_REQUEST_ERROR_DECODE_ERROR, "DecodeError"},
    {0, IMM_REQUEST_ERROR_INTERNAL, "InternalError"},
  };
  GError *e;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    e = g_error_new_literal (IMM_REQUEST_ERROR, rows[i].code, "x");
    fail_unless_equals_string (imm_result_code_name
        (imm_result_code_from_error (e, IMM_CODE_INTERNAL)), rows[i].name);
    g_error_free (e);
  }

#define CHECK(dom, c, other, expected) G_STMT_START { \
    e = g_error_new_literal (dom, c, "x"); \
    fail_unless_equals_string (imm_result_code_name \
        (imm_result_code_from_error (e, other)), expected); \
    g_error_free (e); \
  } G_STMT_END
  /* a source that cannot be opened or read: 404, refused connection */
  CHECK (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, IMM_CODE_INTERNAL,
      "ResourceNotFound");
  CHECK (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, IMM_CODE_INTERNAL,
      "ResourceNotFound");
  CHECK (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, IMM_CODE_INVALID_FILE,
      "ResourceNotFound");
  CHECK (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
      IMM_CODE_INTERNAL, "ResourceNotFound");
  /* writing outputs is our side */
  CHECK (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
      IMM_CODE_INTERNAL, "InternalError");
  CHECK (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
      IMM_CODE_INTERNAL, "InternalError");
  /* media we cannot read */
  CHECK (GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE, IMM_CODE_INTERNAL,
      "DecodeError");
  CHECK (GST_STREAM_ERROR, GST_STREAM_ERROR_DEMUX, IMM_CODE_INTERNAL,
      "InvalidFile");
  CHECK (GST_STREAM_ERROR, GST_STREAM_ERROR_TYPE_NOT_FOUND,
      IMM_CODE_INTERNAL, "InvalidFile");
  CHECK (GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND,
      IMM_CODE_INTERNAL, "InvalidFile");
  CHECK (GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE, IMM_CODE_INTERNAL,
      "InvalidFile");
  CHECK (GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, IMM_CODE_INTERNAL,
      "InvalidFile");
  CHECK (GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, IMM_CODE_INTERNAL,
      "InvalidFile");
  /* unknown errors: the caller's context decides */
  CHECK (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, IMM_CODE_INTERNAL,
      "InternalError");
  CHECK (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, IMM_CODE_INVALID_FILE,
      "InvalidFile");
  CHECK (G_FILE_ERROR, G_FILE_ERROR_NOENT, IMM_CODE_INTERNAL, "InternalError");
#undef CHECK
  fail_unless_equals_int (imm_result_code_from_error (NULL,
          IMM_CODE_INVALID_FILE), IMM_CODE_INVALID_FILE);
  fail_unless_equals_string (imm_result_code_name ((ImmResultCode) 99),
      "InternalError");
}

GST_END_TEST;

static Suite *
result_suite (void)
{
  Suite *s = suite_create ("result");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_result_json);
  tcase_add_test (tc, test_code_table);
  return s;
}

GST_CHECK_MAIN (result);
