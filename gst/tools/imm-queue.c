/* imm-convert: the task queue on Redis Streams (hiredis).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every Redis command the workers and --submit send lives here, so the
 * stream layout is in one place:
 *   imm:tasks         entries {request, [task-id]}, consumer group "imm"
 *   imm:results       entries {task-id, status, result, attempt}
 *   imm:notify:TOPIC  entries {id, message}: the notification envelope
 *   imm:dead          entries {task-id, entry, request, deliveries, error}
 *   imm:result-ids    hash task id -> tasks entry id whose result is written
 * A result is written by one Lua script that first claims the task id in
 * imm:result-ids (HSETNX): a task run twice (a worker killed between
 * writing its result and XACK, or a claim while the first run was merely
 * slow) still has exactly one result entry. The task id is the
 * idempotency key: submitting a new task under a used id gives no new
 * result, so --submit refuses it.
 */
#include "imm-queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

/* Connecting and every command: a broker that does not answer within
 * this is lost (the blocking reads add their block time). */
#define IO_TIMEOUT_S 10

struct _ImmQueue
{
  gchar *host;
  gint port;
  gint db;
  gchar *user, *password;       /* AUTH, when the URL has them */
  redisContext *ctx;
};

static const gchar record_script[] =
    "if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[5]) == 0 then\n"
    "  return 0\n"
    "end\n"
    "redis.call('XADD', KEYS[1], '*', 'task-id', ARGV[1], 'status', ARGV[2],\n"
    "    'result', ARGV[3], 'attempt', ARGV[4])\n"
    "if #KEYS == 3 then\n"
    "  redis.call('XADD', KEYS[3], '*', 'id', ARGV[6], 'message', ARGV[7])\n"
    "end\n" "return 1\n";

#define QUEUE_ERROR (g_quark_from_static_string ("imm-queue-error"))

void
imm_queue_entry_free (ImmQueueEntry * e)
{
  if (e == NULL)
    return;
  g_free (e->id);
  g_free (e->task_id);
  g_free (e->request);
  g_free (e);
}

/* A failed command leaves hiredis' context unusable: drop it, so the next
 * call reconnects. */
static void
lost (ImmQueue * q, GError ** error)
{
  g_set_error (error, QUEUE_ERROR, 0, "lost the connection to Redis at "
      "%s:%d: %s", q->host, q->port, q->ctx ? q->ctx->errstr : "not connected");
  if (q->ctx)
    redisFree (q->ctx);
  q->ctx = NULL;
}

/* Runs one command; NULL (and @error) on a lost connection or an error
 * reply. */
static redisReply *
command (ImmQueue * q, GError ** error, guint argc, const gchar ** argv)
{
  redisReply *r;
  size_t lens[16];
  guint i;

  g_assert (argc <= G_N_ELEMENTS (lens));
  if (q->ctx == NULL && !imm_queue_reconnect (q, error))
    return NULL;
  for (i = 0; i < argc; i++)
    lens[i] = strlen (argv[i]);
  r = redisCommandArgv (q->ctx, argc, argv, lens);
  if (r == NULL) {
    lost (q, error);
    return NULL;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    g_set_error (error, QUEUE_ERROR, 1, "Redis refused %s: %s", argv[0],
        r->str);
    freeReplyObject (r);
    return NULL;
  }
  return r;
}

#define COMMAND(q, error, ...) \
  command (q, error, G_N_ELEMENTS (((const gchar *[]) {__VA_ARGS__})), \
      (const gchar *[]) {__VA_ARGS__})

static gboolean
parse_url (ImmQueue * q, const gchar * url, GError ** error)
{
  const gchar *p, *end;
  gchar *rest;

  if (!g_str_has_prefix (url, "redis://"))
    goto bad;
  p = url + 8;
  /* [[user]:password@] */
  end = strchr (p, '@');
  if (end != NULL) {
    const gchar *colon = memchr (p, ':', end - p);

    if (colon == NULL || colon + 1 == end)
      goto bad;
    if (colon > p)
      q->user = g_uri_unescape_segment (p, colon, NULL);
    q->password = g_uri_unescape_segment (colon + 1, end, NULL);
    if (q->password == NULL || (colon > p && q->user == NULL))
      goto bad;
    p = end + 1;
  }
  end = p + strcspn (p, ":/");
  if (end == p)
    goto bad;
  q->host = g_strndup (p, end - p);
  q->port = 6379;
  if (*end == ':') {
    guint64 v;

    if (!g_ascii_isdigit (end[1]))
      goto bad;
    v = g_ascii_strtoull (end + 1, &rest, 10);
    if (v == 0 || v > 65535 || (*rest != '\0' && *rest != '/'))
      goto bad;
    q->port = v;
    end = rest;
  }
  if (*end == '/' && end[1] != '\0') {
    guint64 v;

    if (!g_ascii_isdigit (end[1]))
      goto bad;
    v = g_ascii_strtoull (end + 1, &rest, 10);
    if (*rest != '\0' || v > G_MAXINT)
      goto bad;
    q->db = v;
  } else if (*end != '\0' && strcmp (end, "/") != 0) {
    goto bad;
  }
  return TRUE;

bad:
  g_set_error (error, QUEUE_ERROR, 0, "'%s' is not a Redis URL "
      "(redis://[[USER]:PASSWORD@]HOST:PORT[/DB])", url);
  return FALSE;
}

/**
 * imm_queue_connect:
 * @url: redis://[[USER]:PASSWORD@]HOST:PORT[/DB] (percent-escapes in the
 *   user and password are decoded)
 *
 * Returns: (nullable): a connection, with DB selected; NULL and a
 * one-line @error on a bad URL, a refused connection or a wrong DB.
 */
ImmQueue *
imm_queue_connect (const gchar * url, GError ** error)
{
  ImmQueue *q = g_new0 (ImmQueue, 1);

  if (!parse_url (q, url, error)) {
    imm_queue_free (q);
    return NULL;
  }
  /* as redis-cli: a password kept out of the command line (and ps) */
  if (q->password == NULL && g_getenv ("REDISCLI_AUTH") != NULL)
    q->password = g_strdup (g_getenv ("REDISCLI_AUTH"));
  if (!imm_queue_reconnect (q, error)) {
    imm_queue_free (q);
    return NULL;
  }
  return q;
}

gboolean
imm_queue_reconnect (ImmQueue * q, GError ** error)
{
  struct timeval tv = { IO_TIMEOUT_S, 0 };
  redisReply *r;
  gchar db[16];
  const gchar *argv[2] = { "SELECT", db };

  if (q->ctx)
    redisFree (q->ctx);
  q->ctx = redisConnectWithTimeout (q->host, q->port, tv);
  if (q->ctx == NULL || q->ctx->err) {
    g_set_error (error, QUEUE_ERROR, 0, "cannot connect to Redis at %s:%d: "
        "%s", q->host, q->port, q->ctx ? q->ctx->errstr : "out of memory");
    if (q->ctx)
      redisFree (q->ctx);
    q->ctx = NULL;
    return FALSE;
  }
  redisSetTimeout (q->ctx, tv);
  if (q->password != NULL) {
    const gchar *auth[3] = { "AUTH", q->user ? q->user : q->password,
      q->password
    };

    r = redisCommandArgv (q->ctx, q->user ? 3 : 2, auth, NULL);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
      g_set_error (error, QUEUE_ERROR, 0, "Redis at %s:%d refused the "
          "password: %s", q->host, q->port, r ? r->str : q->ctx->errstr);
      if (r)
        freeReplyObject (r);
      redisFree (q->ctx);
      q->ctx = NULL;
      return FALSE;
    }
    freeReplyObject (r);
  }
  g_snprintf (db, sizeof (db), "%d", q->db);
  r = redisCommandArgv (q->ctx, 2, argv, NULL);
  if (r != NULL && r->type == REDIS_REPLY_ERROR
      && g_str_has_prefix (r->str, "NOAUTH")) {
    g_set_error (error, QUEUE_ERROR, 0, "Redis at %s:%d wants a password "
        "(redis://:PASSWORD@HOST:PORT or $REDISCLI_AUTH): %s", q->host,
        q->port, r->str);
  } else if (r == NULL || r->type == REDIS_REPLY_ERROR) {
    g_set_error (error, QUEUE_ERROR, 0, "Redis at %s:%d: cannot select "
        "database %d: %s", q->host, q->port, q->db, r ? r->str :
        q->ctx->errstr);
  }
  if (r == NULL || r->type == REDIS_REPLY_ERROR) {
    if (r)
      freeReplyObject (r);
    redisFree (q->ctx);
    q->ctx = NULL;
    return FALSE;
  }
  freeReplyObject (r);
  return TRUE;
}

void
imm_queue_free (ImmQueue * q)
{
  if (q == NULL)
    return;
  if (q->ctx)
    redisFree (q->ctx);
  g_free (q->host);
  g_free (q->user);
  g_free (q->password);
  g_free (q);
}

/* Creates the group (and the stream) unless it exists: a restarted
 * broker without persistence has neither. */
gboolean
imm_queue_ensure_group (ImmQueue * q, GError ** error)
{
  GError *err = NULL;
  redisReply *r = COMMAND (q, &err, "XGROUP", "CREATE", IMM_QUEUE_TASKS,
      IMM_QUEUE_GROUP, "0", "MKSTREAM");

  if (r != NULL) {
    freeReplyObject (r);
    return TRUE;
  }
  if (err->code == 1 && strstr (err->message, "BUSYGROUP") != NULL) {
    g_error_free (err);
    return TRUE;
  }
  g_propagate_error (error, err);
  return FALSE;
}

static const gchar *
str_of (const redisReply * r)
{
  return r && (r->type == REDIS_REPLY_STRING || r->type ==
      REDIS_REPLY_STATUS) ? r->str : NULL;
}

/* [id, [field, value, ...]] */
static ImmQueueEntry *
parse_entry (const redisReply * r)
{
  ImmQueueEntry *e;
  const redisReply *fields;
  size_t i;

  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 || !str_of
      (r->element[0]))
    return NULL;
  e = g_new0 (ImmQueueEntry, 1);
  e->id = g_strdup (r->element[0]->str);
  e->deliveries = 1;
  fields = r->element[1];
  for (i = 0; fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements;
      i += 2) {
    const gchar *k = str_of (fields->element[i]);
    const gchar *v = str_of (fields->element[i + 1]);

    if (k == NULL || v == NULL)
      continue;
    if (strcmp (k, "request") == 0 && e->request == NULL)
      e->request = g_strdup (v);
    else if (strcmp (k, "task-id") == 0 && e->task_id == NULL && *v)
      e->task_id = g_strdup (v);
  }
  if (e->task_id == NULL)
    e->task_id = g_strdup (e->id);
  return e;
}

static void
add_entries (GPtrArray * out, const redisReply * list)
{
  size_t i;

  for (i = 0; list && list->type == REDIS_REPLY_ARRAY && i < list->elements;
      i++) {
    ImmQueueEntry *e = parse_entry (list->element[i]);

    if (e)
      g_ptr_array_add (out, e);
  }
}

/**
 * imm_queue_read:
 *
 * New entries for @consumer (XREADGROUP ... >), waiting up to @block_ms.
 * Returns: (transfer full): ImmQueueEntry array, NULL on error.
 */
GPtrArray *
imm_queue_read (ImmQueue * q, const gchar * consumer, guint count,
    guint block_ms, GError ** error)
{
  gchar n[16], block[16];
  redisReply *r;
  GPtrArray *out;

  g_snprintf (n, sizeof (n), "%u", count);
  g_snprintf (block, sizeof (block), "%u", block_ms);
  r = COMMAND (q, error, "XREADGROUP", "GROUP", IMM_QUEUE_GROUP, consumer,
      "COUNT", n, "BLOCK", block, "STREAMS", IMM_QUEUE_TASKS, ">");
  if (r == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      imm_queue_entry_free);
  /* nil on timeout, else [[stream, entries]] */
  if (r->type == REDIS_REPLY_ARRAY && r->elements > 0
      && r->element[0]->type == REDIS_REPLY_ARRAY
      && r->element[0]->elements > 1)
    add_entries (out, r->element[0]->element[1]);
  freeReplyObject (r);
  return out;
}

/* The delivery count of a pending entry, 0 if it is not pending. */
static guint
deliveries (ImmQueue * q, const gchar * id, GError ** error)
{
  redisReply *r = COMMAND (q, error, "XPENDING", IMM_QUEUE_TASKS,
      IMM_QUEUE_GROUP, id, id, "1");
  guint n = 0;

  if (r == NULL)
    return 0;
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 1
      && r->element[0]->type == REDIS_REPLY_ARRAY
      && r->element[0]->elements >= 4
      && r->element[0]->element[3]->type == REDIS_REPLY_INTEGER)
    n = r->element[0]->element[3]->integer;
  freeReplyObject (r);
  return n;
}

/**
 * imm_queue_claim:
 *
 * Takes over up to @count entries pending for longer than @min_idle_ms
 * (their worker died or hangs): XAUTOCLAIM. Each entry's @deliveries
 * counts this delivery.
 */
GPtrArray *
imm_queue_claim (ImmQueue * q, const gchar * consumer, guint min_idle_ms,
    guint count, GError ** error)
{
  gchar idle[16], n[16];
  redisReply *r;
  GPtrArray *out;
  guint i;

  g_snprintf (idle, sizeof (idle), "%u", min_idle_ms);
  g_snprintf (n, sizeof (n), "%u", count);
  r = COMMAND (q, error, "XAUTOCLAIM", IMM_QUEUE_TASKS, IMM_QUEUE_GROUP,
      consumer, idle, "0-0", "COUNT", n);
  if (r == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      imm_queue_entry_free);
  if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2)
    add_entries (out, r->element[1]);
  freeReplyObject (r);
  for (i = 0; i < out->len; i++) {
    ImmQueueEntry *e = g_ptr_array_index (out, i);
    GError *err = NULL;

    e->deliveries = deliveries (q, e->id, &err);
    if (err) {
      g_propagate_error (error, err);
      g_ptr_array_unref (out);
      return NULL;
    }
  }
  return out;
}

/* Resets the idle time of an entry this consumer is running (XCLAIM
 * JUSTID does not count a delivery): the heartbeat that keeps other
 * workers from reclaiming a task that is long, not lost. */
gboolean
imm_queue_touch (ImmQueue * q, const gchar * consumer, const gchar * id,
    GError ** error)
{
  redisReply *r = COMMAND (q, error, "XCLAIM", IMM_QUEUE_TASKS,
      IMM_QUEUE_GROUP, consumer, "0", id, "JUSTID");

  if (r == NULL)
    return FALSE;
  freeReplyObject (r);
  return TRUE;
}

/* 1 when @task_id has its result written, 0 when not, -1 on error. */
gint
imm_queue_has_result (ImmQueue * q, const gchar * task_id, GError ** error)
{
  redisReply *r = COMMAND (q, error, "HEXISTS", IMM_QUEUE_RESULT_IDS,
      task_id);
  gint v;

  if (r == NULL)
    return -1;
  v = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
  freeReplyObject (r);
  return v;
}

/**
 * imm_queue_record:
 *
 * Writes the result entry of @e (and its notification on
 * @notify_stream), unless its task id has one already.
 */
gboolean
imm_queue_record (ImmQueue * q, const ImmQueueEntry * e,
    gboolean succeeded, const gchar * result, const gchar * notify_stream,
    const gchar * notify_message, GError ** error)
{
  gchar attempt[16];
  gchar *nid = g_uuid_string_random ();
  redisReply *r;

  g_snprintf (attempt, sizeof (attempt), "%u", e->deliveries);
  if (notify_stream)
    r = COMMAND (q, error, "EVAL", record_script, "3", IMM_QUEUE_RESULTS,
        IMM_QUEUE_RESULT_IDS, notify_stream, e->task_id,
        succeeded ? "Succeeded" : "Failed", result, attempt, e->id, nid,
        notify_message);
  else
    r = COMMAND (q, error, "EVAL", record_script, "2", IMM_QUEUE_RESULTS,
        IMM_QUEUE_RESULT_IDS, e->task_id, succeeded ? "Succeeded" :
        "Failed", result, attempt, e->id);
  g_free (nid);
  if (r == NULL)
    return FALSE;
  freeReplyObject (r);
  return TRUE;
}

/* Moves a poison entry's description to imm:dead. */
gboolean
imm_queue_bury (ImmQueue * q, const ImmQueueEntry * e,
    const gchar * last_error, GError ** error)
{
  gchar n[16];
  redisReply *r;

  g_snprintf (n, sizeof (n), "%u", e->deliveries);
  r = COMMAND (q, error, "XADD", IMM_QUEUE_DEAD, "*", "task-id", e->task_id,
      "entry", e->id, "request", e->request ? e->request : "",
      "deliveries", n, "error", last_error);
  if (r == NULL)
    return FALSE;
  freeReplyObject (r);
  return TRUE;
}

gboolean
imm_queue_ack (ImmQueue * q, const gchar * id, GError ** error)
{
  redisReply *r = COMMAND (q, error, "XACK", IMM_QUEUE_TASKS,
      IMM_QUEUE_GROUP, id);

  if (r == NULL)
    return FALSE;
  freeReplyObject (r);
  return TRUE;
}

/* Adds a task; returns its entry id. */
gchar *
imm_queue_submit (ImmQueue * q, const gchar * task_id, const gchar * request,
    GError ** error)
{
  redisReply *r = COMMAND (q, error, "XADD", IMM_QUEUE_TASKS, "*",
      "task-id", task_id, "request", request);
  gchar *id;

  if (r == NULL)
    return NULL;
  id = g_strdup (str_of (r));
  freeReplyObject (r);
  return id;
}

/* The id of the newest result entry, "0-0" when there is none. */
gchar *
imm_queue_last_result_id (ImmQueue * q, GError ** error)
{
  redisReply *r = COMMAND (q, error, "XREVRANGE", IMM_QUEUE_RESULTS, "+", "-",
      "COUNT", "1");
  gchar *id = NULL;

  if (r == NULL)
    return NULL;
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 1
      && r->element[0]->type == REDIS_REPLY_ARRAY
      && r->element[0]->elements > 0)
    id = g_strdup (str_of (r->element[0]->element[0]));
  freeReplyObject (r);
  return id ? id : g_strdup ("0-0");
}

/**
 * imm_queue_find_result:
 * @after: (inout): the result entry id to read after; advanced
 *
 * Reads result entries after @after, waiting up to @block_ms.
 * Returns: (nullable): the result JSON of @task_id if one came, with
 * @succeeded set; NULL with no @error when none came yet.
 */
gchar *
imm_queue_find_result (ImmQueue * q, const gchar * task_id, gchar ** after,
    guint block_ms, gboolean * succeeded, GError ** error)
{
  gchar block[16];
  redisReply *r, *list;
  gchar *found = NULL;
  size_t i, k;

  g_snprintf (block, sizeof (block), "%u", block_ms);
  r = COMMAND (q, error, "XREAD", "COUNT", "100", "BLOCK", block, "STREAMS",
      IMM_QUEUE_RESULTS, *after);
  if (r == NULL)
    return NULL;
  if (r->type != REDIS_REPLY_ARRAY || r->elements == 0
      || r->element[0]->type != REDIS_REPLY_ARRAY
      || r->element[0]->elements < 2) {
    freeReplyObject (r);
    return NULL;
  }
  list = r->element[0]->element[1];
  for (i = 0; i < list->elements && found == NULL; i++) {
    const redisReply *ent = list->element[i];
    const gchar *id = str_of (ent->element[0]);
    const redisReply *f = ent->element[1];
    const gchar *tid = NULL, *status = NULL, *result = NULL;

    if (id) {
      g_free (*after);
      *after = g_strdup (id);
    }
    for (k = 0; f->type == REDIS_REPLY_ARRAY && k + 1 < f->elements; k += 2) {
      const gchar *name = str_of (f->element[k]);

      if (name == NULL)
        continue;
      if (strcmp (name, "task-id") == 0)
        tid = str_of (f->element[k + 1]);
      else if (strcmp (name, "status") == 0)
        status = str_of (f->element[k + 1]);
      else if (strcmp (name, "result") == 0)
        result = str_of (f->element[k + 1]);
    }
    if (tid && result && strcmp (tid, task_id) == 0) {
      found = g_strdup (result);
      *succeeded = g_strcmp0 (status, "Succeeded") == 0;
    }
  }
  freeReplyObject (r);
  return found;
}
