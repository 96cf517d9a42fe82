/* imm-gst: the task result message and its notification envelope.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_RESULT_H__
#define __IMM_RESULT_H__

#include <glib.h>

#include "imm-request.h"

G_BEGIN_DECLS

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
  gint code;                    /* ImmRequestError, ignored on success */
  const gchar *message;
  GDateTime *start;
  GDateTime *end;
  const ImmOutputResult *outputs;
} ImmResult;

gchar *imm_result_to_json (const ImmRequest * req, const ImmResult * result,
    gboolean pretty);

gchar *imm_result_envelope (const ImmRequest * req, const gchar * content,
    const gchar * id, gint64 time_ms);

gchar *imm_result_format_time (GDateTime * time);

G_END_DECLS

#endif /* __IMM_RESULT_H__ */
