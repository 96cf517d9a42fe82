/* imm-convert: the task queue on Redis Streams (hiredis).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_QUEUE_H__
#define __IMM_QUEUE_H__

#include <glib.h>

G_BEGIN_DECLS

#define IMM_QUEUE_TASKS "imm:tasks"
#define IMM_QUEUE_RESULTS "imm:results"
#define IMM_QUEUE_DEAD "imm:dead"
#define IMM_QUEUE_GROUP "imm"
/* task id -> result entry written: the idempotency key of the results */
#define IMM_QUEUE_RESULT_IDS "imm:result-ids"

typedef struct _ImmQueue ImmQueue;

/* One entry of imm:tasks as delivered to this consumer. */
typedef struct
{
  gchar *id;                    /* the stream entry id */
  gchar *task_id;               /* field task-id, else the entry id */
  gchar *request;               /* field request, NULL if missing */
  guint deliveries;             /* how often it was delivered, this one too */
} ImmQueueEntry;

void imm_queue_entry_free (ImmQueueEntry * e);

ImmQueue *imm_queue_connect (const gchar * url, GError ** error);

gboolean imm_queue_reconnect (ImmQueue * q, GError ** error);

void imm_queue_free (ImmQueue * q);

gboolean imm_queue_ensure_group (ImmQueue * q, GError ** error);

GPtrArray *imm_queue_read (ImmQueue * q, const gchar * consumer, guint count,
    guint block_ms, GError ** error);

GPtrArray *imm_queue_claim (ImmQueue * q, const gchar * consumer,
    guint min_idle_ms, guint count, GError ** error);

gboolean imm_queue_touch (ImmQueue * q, const gchar * consumer,
    const gchar * id, GError ** error);

gint imm_queue_has_result (ImmQueue * q, const gchar * task_id,
    GError ** error);

gboolean imm_queue_record (ImmQueue * q, const ImmQueueEntry * e,
    gboolean succeeded, const gchar * result, const gchar * notify_stream,
    const gchar * notify_message, GError ** error);

gboolean imm_queue_bury (ImmQueue * q, const ImmQueueEntry * e,
    const gchar * last_error, GError ** error);

gboolean imm_queue_ack (ImmQueue * q, const gchar * id, GError ** error);

gchar *imm_queue_submit (ImmQueue * q, const gchar * task_id,
    const gchar * request, GError ** error);

gchar *imm_queue_last_result_id (ImmQueue * q, GError ** error);

gchar *imm_queue_find_result (ImmQueue * q, const gchar * task_id,
    gchar ** after, guint block_ms, gboolean * succeeded, GError ** error);

G_END_DECLS

#endif /* __IMM_QUEUE_H__ */
