/* imm-gst: the task result message and its notification envelope.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_RESULT_H__
#define __IMM_RESULT_H__

#include <glib.h>

#include "imm-request.h"

G_BEGIN_DECLS

/**
 * ImmResultCode:
 * The result's `Code`: why a task failed, whatever step failed. Request
 * errors (#ImmRequestError) and GStreamer errors both map to one of these
 * through imm_result_code_from_error().
 */
typedef enum
{
  IMM_CODE_INVALID_ARGUMENT,
  IMM_CODE_RESOURCE_NOT_FOUND,
  IMM_CODE_INVALID_FILE,
  IMM_CODE_DECODE_ERROR,
  IMM_CODE_INTERNAL,
} ImmResultCode;

/**
 * ImmOutputResult:
 * @files: (element-type utf8): URIs written, in the request's own form
 * @frames: frames captured / animation frames (the billing unit)
 */
typedef struct
{
  GPtrArray *files;
  guint frames;
} ImmOutputResult;

/**
 * ImmResult:
 * @outputs: one per request output (may be %NULL for a failed task)
 */
typedef struct
{
  const gchar *task_id;
  gboolean succeeded;
  ImmResultCode code;           /* ignored on success */
  const gchar *message;
  GDateTime *start;
  GDateTime *end;
  const ImmOutputResult *outputs;
} ImmResult;

const gchar *imm_result_code_name (ImmResultCode code);

ImmResultCode imm_result_code_from_error (const GError * err,
    ImmResultCode otherwise);

gchar *imm_result_to_json (const ImmRequest * req, const ImmResult * result,
    gboolean pretty);

gchar *imm_result_envelope (const ImmRequest * req, const gchar * content,
    const gchar * id, gint64 time_ms);

gchar *imm_result_format_time (GDateTime * time);

G_END_DECLS

#endif /* __IMM_RESULT_H__ */
