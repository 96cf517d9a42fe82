/* imm-convert: the task runner's public API.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One call runs one CreateMediaConvertTask request from its JSON to its
 * result JSON. The command line (imm-convert.c) is one front end; a queue
 * worker can be another.
 */
#ifndef __IMM_TASK_H__
#define __IMM_TASK_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  IMM_TASK_SUCCEEDED,
  IMM_TASK_FAILED,
} ImmTaskOutcome;

/**
 * ImmTaskOptions:
 * @storage_root: where oss://bucket/key lives; %NULL: the current directory
 * @print_pipeline: plan only; the result is the shell lines that would run
 * @notify_file: (nullable): append the notification envelope here when the
 *   request has a Notification
 * @verbosity: 0 errors only, 1 progress, 2 notes on every step
 * @progress: draw a progress line on stderr (a terminal)
 * @task_id: (nullable): the TaskId to report (a queue's own id);
 *   %NULL makes one, `MediaConvert-<uuid>`
 * @stall_timeout: seconds a live source may send nothing before the task
 *   ends with an error (keeping what it wrote); 0: 30 s
 */
typedef struct
{
  const gchar *storage_root;
  gboolean print_pipeline;
  const gchar *notify_file;
  gint verbosity;
  gboolean progress;
  const gchar *task_id;
  gdouble stall_timeout;
} ImmTaskOptions;

ImmTaskOutcome imm_task_run (const gchar * request_json,
    const ImmTaskOptions * opts, gchar ** result_json);

void imm_task_interrupt (void);

G_END_DECLS

#endif /* __IMM_TASK_H__ */
