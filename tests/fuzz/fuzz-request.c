/* Fuzz target: the request parser and validator, and the plan built from
 * any request it accepts. Whatever the bytes, either a clean error with a
 * code and a message, or a plan whose every pipeline prints.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>

#include "imm/imm-plan.h"
#include "imm/imm-request.h"
#include "imm/imm-result.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
plan (const ImmRequest * req)
{
  GPtrArray *uris = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *locations = g_ptr_array_new_with_free_func (g_free);
  /* a first picture, so animations get their fixed size */
  ImmPlanInput in = {.first_width = 640,.first_height = 360 };
  ImmPlan *p;
  GError *err = NULL;
  guint i;

  for (i = 0; i < req->sources->len; i++)
    g_ptr_array_add (uris, g_strdup_printf ("file:///fuzz/in%u.mp4", i));
  g_ptr_array_add (uris, NULL);
  for (i = 0; i < req->outputs->len; i++) {
    const ImmOutput *out = g_ptr_array_index (req->outputs, i);
    g_ptr_array_add (locations, g_strdup_printf (out->animation ?
            "/fuzz/out%u" : "/fuzz/out%u-%%d", i));
  }
  g_ptr_array_add (locations, NULL);
  in.source_uris = (const gchar * const *) uris->pdata;
  in.locations = (const gchar * const *) locations->pdata;

  p = imm_plan_build (req, &in, &err);
  if (p != NULL) {
    for (i = 0; i < p->pipelines->len; i++) {
      gchar *line = imm_plan_pipeline_to_string (g_ptr_array_index
          (p->pipelines, i));
      g_assert (line != NULL && *line != '\0');
      g_free (line);
    }
    imm_plan_free (p);
  } else {
    g_assert (err != NULL && err->message != NULL);
    g_error_free (err);
  }
  g_ptr_array_unref (uris);
  g_ptr_array_unref (locations);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GError *err = NULL;
  ImmRequest *req;

  req = imm_request_parse ((const gchar *) data, size, &err);
  if (req == NULL) {
    g_assert (err != NULL);
    g_assert (err->domain == IMM_REQUEST_ERROR);
    g_assert (imm_result_code_from_error (err, IMM_CODE_INTERNAL) !=
        IMM_CODE_INTERNAL);
    g_assert (err->message != NULL && *err->message != '\0');
    g_error_free (err);
    return 0;
  }
  g_assert (err == NULL);
  plan (req);
  imm_request_free (req);
  return 0;
}
