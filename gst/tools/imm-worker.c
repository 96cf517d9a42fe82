/* imm-convert --worker: runs tasks from Redis Streams.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * imm-convert --worker redis://[[USER]:PASSWORD@]HOST:PORT[/DB] [--consumer NAME]
 *     [--storage-root DIR] [--jobs N] [--claim-idle MS]
 *     [--max-deliveries N] [--allow-hosts LIST]
 *
 * Each task runs in its own child process: this very binary
 * (/proc/self/exe) with the request on stdin and `--quiet --restricted
 * --task-id ID`, so a task gives exactly the result a local run prints
 * (its stdout) and its exit status, and a decoder that crashes takes only
 * that task down. The child's stdin and stdout are files, not pipes, so
 * no result size can block it.
 *
 * Delivery is at least once: an entry is acknowledged only after its
 * result entry is written (imm-queue.c makes that write idempotent per
 * task id). Entries of a worker that died stay pending and another worker
 * takes them over with XAUTOCLAIM after --claim-idle ms; a running task's
 * entry is touched every third of that so a long task is not taken over.
 * A child killed by a signal leaves its entry pending (a crash may be
 * transient); at the --max-deliveries-th delivery it ends as a Failed
 * result and an entry in imm:dead, and is acknowledged.
 *
 * Tests may set IMM_WORKER_CHILD to a program to run instead of this
 * binary (with the same arguments), to make a child crash on purpose.
 */
#define _GNU_SOURCE             /* ppoll */
#include "imm-worker.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "imm/imm-delivery.h"
#include "imm/imm-request.h"
#include "imm/imm-result.h"
#include "imm-queue.h"

#define EXIT_USAGE 2
/* how long XREADGROUP waits for a task: bounds how late a finished child
 * or a signal is noticed */
#define READ_BLOCK_MS 200
#define BACKOFF_MIN_US (100 * G_TIME_SPAN_MILLISECOND)
#define BACKOFF_MAX_US (5 * G_TIME_SPAN_SECOND)
/* second signal: how long children get to clean up before SIGKILL */
#define ABORT_GRACE_US (10 * G_TIME_SPAN_SECOND)

typedef enum
{
  /* taking tasks while a slot is free */
  WORKER_RUNNING,
  /* first SIGTERM/SIGINT: no new tasks; running ones finish, are recorded
   * and acknowledged, then exit 0 */
  WORKER_DRAINING,
  /* second signal: children are stopped, their entries stay pending */
  WORKER_ABORTING,
} WorkerState;

typedef enum
{
  /* no task */
  SLOT_FREE,
  /* the child process runs the task */
  SLOT_RUNNING,
  /* the outcome is known and waits to be written and acknowledged (again
   * and again with backoff while the broker is away) */
  SLOT_SETTLING,
} SlotState;

/* The connection to Redis, as the reading side sees it (slots retry
 * their own writes on their own backoff). */
typedef enum
{
  /* connected, and the group exists: read */
  BROKER_READY,
  /* the group must be (re)created before reading: after a reconnect (a
   * restarted Redis without persistence has lost it) or a NOGROUP reply */
  BROKER_NEEDS_GROUP,
  /* the last command failed; no reads before retry_us */
  BROKER_LOST,
} BrokerState;

/* What settling a slot writes. */
typedef enum
{
  /* a result entry (and notification), then XACK */
  SETTLE_RESULT,
  /* the result was written by an earlier delivery: XACK only */
  SETTLE_ACK,
  /* a Failed result, an imm:dead entry, then XACK */
  SETTLE_BURY,
} SettleKind;

typedef struct
{
  SlotState state;
  ImmQueueEntry *entry;
  GPid pid;
  gint out_fd;                  /* the child's stdout, -1 when none */
  GDateTime *start;
  gint64 touched_us;
  /* outcome */
  SettleKind kind;
  gboolean succeeded;
  gchar *result;
  gchar *error;                 /* for imm:dead */
  gint64 next_try_us;
  gint64 backoff_us;
  gboolean warned;
} Slot;

typedef struct
{
  /* options */
  const gchar *url;
  gchar *consumer;
  gchar *storage_root;
  const gchar *allow_hosts;
  guint jobs;
  guint claim_idle_ms;
  guint max_deliveries;
  gint verbosity;
  gchar *exe;

  ImmQueue *queue;
  WorkerState state;
  Slot *slots;
  BrokerState broker;
  gint64 retry_us;              /* next connection attempt while lost */
  gint64 backoff_us;
} Worker;

static volatile sig_atomic_t signals_seen;
/* The signal mask while waiting. SIGTERM, SIGINT and SIGCHLD are blocked
 * at all other times, so one that comes between a check and the wait
 * ends the wait instead of being missed. */
static sigset_t wait_mask;

static void
on_stop_signal (int sig)
{
  signals_seen++;
}

/* Only wakes the wait: the children are reaped with waitpid. */
static void
on_child (int sig)
{
}

/* Sleeps up to @ms, less when a child ends or a stop signal comes. */
static void
wait_for_event (guint ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

  ppoll (NULL, 0, &ts, &wait_mask);
}

static void
G_GNUC_PRINTF (2, 3)
say (Worker * w, const gchar * fmt, ...)
{
  va_list args;

  if (w->verbosity < 1)
    return;
  va_start (args, fmt);
  fprintf (stderr, "imm-convert worker %s: ", w->consumer);
  vfprintf (stderr, fmt, args);
  fputc ('\n', stderr);
  va_end (args);
}

static void
worker_help (void)
{
  printf
      ("Usage: imm-convert --worker redis://[[USER]:PASSWORD@]HOST:PORT[/DB] [options]\n\n"
      "Runs tasks of the Redis stream imm:tasks (consumer group imm) until\n"
      "SIGTERM/SIGINT; results go to imm:results, notifications to\n"
      "imm:notify:TOPIC, tasks that keep crashing to imm:dead.\n\n" "Options:\n"
      "  --consumer NAME       consumer name (default HOSTNAME-PID)\n"
      "  --storage-root DIR    where oss://bucket/key lives (default\n"
      "                        $IMM_STORAGE_ROOT, else the current "
      "directory)\n"
      "  --jobs N              tasks run at once, 1-64 (default 1)\n"
      "  --claim-idle MS       take over tasks of a worker silent this long\n"
      "                        (default 60000)\n"
      "  --max-deliveries N    a task delivered this often without a result\n"
      "                        goes to imm:dead (default 5)\n"
      "  --allow-hosts LIST    comma-separated hosts http(s) sources may "
      "use\n" "                        (default none)\n"
      "  --quiet, --verbose    less or more on stderr\n\n"
      "The Redis password may come from $REDISCLI_AUTH instead of the URL.\n"
      "A first SIGTERM finishes the running tasks and exits 0; a second one\n"
      "stops them, leaving them pending for another worker, and exits 1.\n"
      "Exit status 2: bad option, bad URL, Redis unreachable or wrong DB.\n");
}

static gboolean
parse_uint (const gchar * s, guint min, guint max, guint * out)
{
  gchar *end;
  guint64 v;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  v = g_ascii_strtoull (s, &end, 10);
  if (*end != '\0' || v < min || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

/* ---- children ---- */

static void
slot_clear (Slot * s)
{
  if (s->out_fd >= 0)
    close (s->out_fd);
  s->out_fd = -1;
  g_clear_pointer (&s->entry, imm_queue_entry_free);
  g_clear_pointer (&s->start, g_date_time_unref);
  g_clear_pointer (&s->result, g_free);
  g_clear_pointer (&s->error, g_free);
  s->pid = 0;
  s->warned = FALSE;
  s->state = SLOT_FREE;
}

/* A Failed result shaped as a local run prints it, for a task whose child
 * gave none. */
static gchar *
failed_result (Slot * s, ImmResultCode code, const gchar * message)
{
  ImmRequest *req = imm_request_peek (s->entry->request ?
      s->entry->request : "{}", -1);
  GDateTime *start = s->start ? g_date_time_ref (s->start) :
      g_date_time_new_now_local ();
  GDateTime *end = g_date_time_new_now_local ();
  ImmResult result = { 0 };
  gchar *json;

  result.task_id = s->entry->task_id;
  result.succeeded = FALSE;
  result.code = code;
  result.message = message;
  result.start = start;
  result.end = end;
  json = imm_result_to_json (req, &result, FALSE);
  imm_request_free (req);
  g_date_time_unref (start);
  g_date_time_unref (end);
  return json;
}

static void
settle_with (Slot * s, SettleKind kind, gboolean succeeded, gchar * result)
{
  s->state = SLOT_SETTLING;
  s->kind = kind;
  s->succeeded = succeeded;
  s->result = result;
  s->next_try_us = 0;
  s->backoff_us = BACKOFF_MIN_US;
}

/* A temporary file without a name: nothing to leave behind in /tmp even
 * when the worker is killed outright. */
static gint
open_tmp (void)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("imm-worker-XXXXXX", &path, NULL);

  if (fd >= 0) {
    g_unlink (path);
    /* not for the other slots' children (dup2 gives its own a copy) */
    fcntl (fd, F_SETFD, FD_CLOEXEC);
  }
  g_free (path);
  return fd;
}

static gboolean
start_child (Worker * w, Slot * s)
{
  gint in = open_tmp ();
  gint out = in >= 0 ? open_tmp () : -1;
  const gchar *exe = g_getenv ("IMM_WORKER_CHILD");
  const gchar *argv[16];
  guint n = 0;
  gsize len = strlen (s->entry->request);
  pid_t pid;

  if (in < 0 || out < 0 || write (in, s->entry->request, len) != (gssize) len
      || lseek (in, 0, SEEK_SET) != 0) {
    say (w, "cannot stage task %s: %s", s->entry->task_id, g_strerror (errno));
    if (in >= 0)
      close (in);
    if (out >= 0)
      close (out);
    return FALSE;
  }
  argv[n++] = exe && *exe ? exe : w->exe;
  argv[n++] = "--quiet";
  argv[n++] = "--storage-root";
  argv[n++] = w->storage_root;
  argv[n++] = "--task-id";
  argv[n++] = s->entry->task_id;
  argv[n++] = "--restricted";
  argv[n++] = "--allow-hosts";
  argv[n++] = w->allow_hosts ? w->allow_hosts : "";
  argv[n++] = "-";
  argv[n] = NULL;

  pid = fork ();
  if (pid == 0) {
    sigset_t none;

    /* a worker killed outright takes its tasks with it: SIGTERM makes the
     * child remove what it staged, and its entry stays pending */
    prctl (PR_SET_PDEATHSIG, SIGTERM);
    if (getppid () == 1)
      _exit (127);
    /* its own process group: a Ctrl-C on the worker's terminal is the
     * worker's to handle (drain), not every task's */
    setpgid (0, 0);
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
    signal (SIGPIPE, SIG_DFL);
    dup2 (in, 0);
    dup2 (out, 1);
    close (in);
    close (out);
    execv (argv[0], (gchar **) argv);
    fprintf (stderr, "imm-convert worker: cannot run %s: %s\n", argv[0],
        g_strerror (errno));
    _exit (127);
  }
  close (in);
  if (pid < 0) {
    say (w, "cannot start a task process: %s", g_strerror (errno));
    close (out);
    return FALSE;
  }
  s->out_fd = out;
  s->pid = pid;
  s->state = SLOT_RUNNING;
  s->touched_us = g_get_monotonic_time ();
  say (w, "task %s (entry %s, delivery %u) started", s->entry->task_id,
      s->entry->id, s->entry->deliveries);
  return TRUE;
}

/* All the child wrote to @fd (its stdout), NUL-terminated. */
static gchar *
read_output (gint fd, gsize * len)
{
  GString *buf = g_string_new (NULL);
  gchar chunk[8192];
  gssize n;

  if (lseek (fd, 0, SEEK_SET) == 0) {
    while ((n = read (fd, chunk, sizeof (chunk))) > 0
        || (n < 0 && errno == EINTR))
      if (n > 0)
        g_string_append_len (buf, chunk, n);
  }
  *len = buf->len;
  return g_string_free (buf, FALSE);
}

/* The child of @s ended with @status: decide what to write. */
static void
child_done (Worker * w, Slot * s, gint status)
{
  gchar *out = NULL, *msg;
  gsize len = 0;
  gboolean exited = WIFEXITED (status);
  gint code = exited ? WEXITSTATUS (status) : WTERMSIG (status);

  out = read_output (s->out_fd, &len);
  switch (imm_delivery_on_end (exited, code, out && len > 0 && out[0] == '{',
          s->entry->deliveries, w->max_deliveries)) {
    case IMM_DELIVERY_RECORD:
      g_strchomp (out);
      settle_with (s, SETTLE_RESULT, code == 0, out);
      say (w, "task %s %s", s->entry->task_id, code == 0 ? "succeeded" :
          "failed");
      return;
    case IMM_DELIVERY_RECORD_FAILED:
      msg = g_strdup_printf ("the task process exited with status %d "
          "without a result", code);
      settle_with (s, SETTLE_RESULT, FALSE,
          failed_result (s, IMM_CODE_INTERNAL, msg));
      say (w, "task %s: %s", s->entry->task_id, msg);
      g_free (msg);
      break;
    case IMM_DELIVERY_RETRY:
      /* left pending: claimed again after --claim-idle */
      say (w, "task %s: the task process was killed by signal %d (%s) at "
          "delivery %u; it stays pending", s->entry->task_id, code,
          g_strsignal (code), s->entry->deliveries);
      slot_clear (s);
      break;
    case IMM_DELIVERY_GIVE_UP:
      msg = g_strdup_printf ("the task process was killed by signal %d (%s) "
          "at delivery %u", code, g_strsignal (code), s->entry->deliveries);
      say (w, "task %s: %s; giving it up to %s", s->entry->task_id, msg,
          IMM_QUEUE_DEAD);
      settle_with (s, SETTLE_BURY, FALSE,
          failed_result (s, IMM_CODE_INTERNAL, msg));
      s->error = msg;
      break;
  }
  g_free (out);
}

static void
reap (Worker * w)
{
  guint i;

  for (i = 0; i < w->jobs; i++) {
    Slot *s = &w->slots[i];
    gint status;

    if (s->state == SLOT_RUNNING && waitpid (s->pid, &status, WNOHANG) ==
        s->pid)
      child_done (w, s, status);
  }
}

/* ---- broker ---- */

/* A command failed: the next read waits for the backoff. */
static void
on_broker_error (Worker * w, GError * err)
{
  if (w->broker != BROKER_LOST)
    say (w, "%s; retrying", err->message);
  w->broker = BROKER_LOST;
  w->retry_us = g_get_monotonic_time () + w->backoff_us;
  w->backoff_us = MIN (w->backoff_us * 2, BACKOFF_MAX_US);
  g_error_free (err);
}

/* A command worked: a lost connection is back, but what it reaches may
 * be a new, empty Redis. */
static void
on_broker_answer (Worker * w)
{
  if (w->broker == BROKER_LOST) {
    say (w, "Redis is back");
    w->broker = BROKER_NEEDS_GROUP;
  }
  w->backoff_us = BACKOFF_MIN_US;
}

static void
on_no_group (Worker * w)
{
  w->broker = BROKER_NEEDS_GROUP;
}

/* Before reading: whether the broker is READY, making it so if it can. */
static gboolean
broker_ready (Worker * w)
{
  GError *err = NULL;

  if (w->broker == BROKER_READY)
    return TRUE;
  if (w->broker == BROKER_LOST && g_get_monotonic_time () < w->retry_us)
    return FALSE;
  if (!imm_queue_ensure_group (w->queue, &err)) {
    on_broker_error (w, err);
    return FALSE;
  }
  on_broker_answer (w);
  w->broker = BROKER_READY;
  return TRUE;
}

/* Notification.MNS.TopicName of a request, read without validating it: an
 * invalid request gets its Failed notification too. */
static gchar *
topic_of (const gchar * request)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *node;
  gchar *topic = NULL;

  if (json_parser_load_from_data (parser, request, -1, NULL)
      && (node = json_parser_get_root (parser))
      && JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *o = json_node_get_object (node);
    const gchar *names[] = { "Notification", "MNS" };
    guint i;

    for (i = 0; o && i < G_N_ELEMENTS (names); i++) {
      JsonNode *m = json_object_get_member (o, names[i]);

      o = m && JSON_NODE_HOLDS_OBJECT (m) ? json_node_get_object (m) : NULL;
    }
    if (o && json_object_has_member (o, "TopicName")) {
      JsonNode *m = json_object_get_member (o, "TopicName");

      if (JSON_NODE_HOLDS_VALUE (m)
          && json_node_get_value_type (m) == G_TYPE_STRING
          && *json_node_get_string (m))
        topic = g_strdup (json_node_get_string (m));
    }
  }
  g_object_unref (parser);
  return topic;
}

/* The notification stream of @s's request and the envelope to add there
 * (the one --notify appends to a file), or NULL. */
static gchar *
notify_stream (Slot * s, gchar ** message)
{
  gchar *topic = topic_of (s->entry->request);
  ImmRequest *req;
  gchar *stream, *id;

  *message = NULL;
  if (topic == NULL)
    return NULL;
  req = imm_request_peek (s->entry->request, -1);
  id = g_uuid_string_random ();
  stream = g_strconcat ("imm:notify:", topic, NULL);
  *message = imm_result_envelope (req, s->result, id,
      g_get_real_time () / 1000);
  g_free (id);
  g_free (topic);
  imm_request_free (req);
  return stream;
}

/* Writes a settling slot's outcome and acknowledges its entry; on a lost
 * broker tries again later (every step is safe to repeat). */
static void
settle (Worker * w, Slot * s)
{
  GError *err = NULL;
  gboolean ok = TRUE;
  gint64 now = g_get_monotonic_time ();

  if (now < s->next_try_us)
    return;
  if (s->kind != SETTLE_ACK) {
    gchar *message = NULL;
    gchar *stream = s->entry->request ? notify_stream (s, &message) : NULL;

    ok = imm_queue_record (w->queue, s->entry, s->succeeded, s->result,
        stream, message, &err);
    g_free (stream);
    g_free (message);
  }
  if (ok && s->kind == SETTLE_BURY)
    ok = imm_queue_bury (w->queue, s->entry, s->error, &err);
  if (ok && !imm_queue_ack (w->queue, s->entry->id, &err)) {
    /* the broker came back empty (no group): nothing left to ack */
    ok = err->code == 1;
    if (ok)
      g_clear_error (&err);
  }
  if (ok) {
    slot_clear (s);
    on_broker_answer (w);
    return;
  }
  if (!s->warned)
    say (w, "cannot record task %s yet: %s", s->entry->task_id, err->message);
  s->warned = TRUE;
  g_clear_error (&err);
  /* reads wait too; the group is checked once Redis answers again */
  w->broker = BROKER_LOST;
  s->next_try_us = now + s->backoff_us;
  s->backoff_us = MIN (s->backoff_us * 2, BACKOFF_MAX_US);
}

static gboolean
is_running (Worker * w, const gchar * id)
{
  guint i;

  for (i = 0; i < w->jobs; i++)
    if (w->slots[i].state != SLOT_FREE && strcmp (w->slots[i].entry->id,
            id) == 0)
      return TRUE;
  return FALSE;
}

/* Starts @e in @s, or settles it at once when it needs no run. */
static void
take (Worker * w, Slot * s, ImmQueueEntry * e)
{
  GError *err = NULL;
  gint done;

  s->entry = e;
  s->start = g_date_time_new_now_local ();
  if (e->request == NULL) {
    settle_with (s, SETTLE_RESULT, FALSE, failed_result (s,
            IMM_CODE_INVALID_ARGUMENT, "the task entry has no "
            "'request' field"));
    return;
  }
  done = imm_queue_has_result (w->queue, e->task_id, &err);
  if (done < 0) {
    /* stays pending: claimed again later */
    on_broker_error (w, err);
    slot_clear (s);
    return;
  }
  switch (imm_delivery_on_take (done == 1, e->deliveries, w->max_deliveries)) {
    case IMM_DELIVERY_ACK:
      say (w, "task %s has its result already (delivery %u): acknowledging",
          e->task_id, e->deliveries);
      settle_with (s, SETTLE_ACK, FALSE, NULL);
      break;
    case IMM_DELIVERY_BURY:
      s->error = g_strdup_printf ("delivered %u times without a result (the "
          "workers running it stopped)", e->deliveries);
      settle_with (s, SETTLE_BURY, FALSE,
          failed_result (s, IMM_CODE_INTERNAL, s->error));
      break;
    case IMM_DELIVERY_RUN:
      if (!start_child (w, s))
        slot_clear (s);
      break;
  }
}

static guint
free_slots (Worker * w)
{
  guint i, n = 0;

  for (i = 0; i < w->jobs; i++)
    n += w->slots[i].state == SLOT_FREE;
  return n;
}

static Slot *
free_slot (Worker * w)
{
  guint i;

  for (i = 0; i < w->jobs; i++)
    if (w->slots[i].state == SLOT_FREE)
      return &w->slots[i];
  return NULL;
}

/* Claims stale entries, then reads new ones, into the free slots. */
static void
fetch (Worker * w)
{
  GError *err = NULL;
  GPtrArray *got;
  guint n = free_slots (w), i;

  if (n == 0 || !broker_ready (w))
    return;
  got = imm_queue_claim (w->queue, w->consumer, w->claim_idle_ms, n, &err);
  if (got != NULL && got->len == 0) {
    g_ptr_array_unref (got);
    got = imm_queue_read (w->queue, w->consumer, n, READ_BLOCK_MS, &err);
  }
  if (got == NULL) {
    if (err->code == 1 && strstr (err->message, "NOGROUP")) {
      on_no_group (w);
      g_error_free (err);
    } else {
      on_broker_error (w, err);
    }
    return;
  }
  for (i = 0; i < got->len; i++) {
    ImmQueueEntry *e = g_ptr_array_index (got, i);
    Slot *s;

    if (is_running (w, e->id) || (s = free_slot (w)) == NULL)
      continue;
    g_ptr_array_index (got, i) = NULL;
    take (w, s, e);
  }
  g_ptr_array_unref (got);
}

/* Keeps the running entries from looking abandoned. */
static void
heartbeat (Worker * w)
{
  gint64 now = g_get_monotonic_time ();
  gint64 every = (gint64) w->claim_idle_ms * G_TIME_SPAN_MILLISECOND / 3;
  guint i;

  for (i = 0; i < w->jobs && w->broker != BROKER_LOST; i++) {
    Slot *s = &w->slots[i];
    GError *err = NULL;

    if (s->state != SLOT_RUNNING || now - s->touched_us < every)
      continue;
    if (!imm_queue_touch (w->queue, w->consumer, s->entry->id, &err)) {
      on_broker_error (w, err);
      return;
    }
    s->touched_us = now;
  }
}

/* Second signal: stop the children (SIGTERM lets each remove its staged
 * files), leave their entries pending. */
static void
abort_children (Worker * w)
{
  gint64 deadline = g_get_monotonic_time () + ABORT_GRACE_US;
  guint i;

  for (i = 0; i < w->jobs; i++)
    if (w->slots[i].state == SLOT_RUNNING)
      kill (w->slots[i].pid, SIGTERM);
  for (i = 0; i < w->jobs; i++) {
    Slot *s = &w->slots[i];

    if (s->state != SLOT_RUNNING)
      continue;
    while (waitpid (s->pid, NULL, WNOHANG) == 0) {
      if (g_get_monotonic_time () > deadline) {
        kill (s->pid, SIGKILL);
        waitpid (s->pid, NULL, 0);
        break;
      }
      g_usleep (20 * G_TIME_SPAN_MILLISECOND);
    }
    say (w, "task %s stopped; it stays pending", s->entry->task_id);
    slot_clear (s);
  }
}

static gint
run (Worker * w)
{
  gint busy;
  guint i;

  while (TRUE) {
    /* take any signal that came while blocked */
    wait_for_event (0);
    if (signals_seen >= 2) {
      w->state = WORKER_ABORTING;
      abort_children (w);
      return 1;
    }
    if (signals_seen == 1 && w->state == WORKER_RUNNING) {
      w->state = WORKER_DRAINING;
      say (w, "stopping: finishing the running tasks");
    }
    reap (w);
    busy = 0;
    for (i = 0; i < w->jobs; i++) {
      if (w->slots[i].state == SLOT_SETTLING)
        settle (w, &w->slots[i]);
      busy += w->slots[i].state != SLOT_FREE;
    }
    if (w->state == WORKER_DRAINING && busy == 0)
      return 0;
    heartbeat (w);
    if (w->state == WORKER_RUNNING && free_slots (w) > 0
        && (w->broker != BROKER_LOST || g_get_monotonic_time () >= w->retry_us))
      fetch (w);
    else
      wait_for_event (50);
  }
}

gint
imm_worker_main (gint argc, gchar ** argv)
{
  Worker w = { 0 };
  const gchar *root = NULL, *consumer = NULL;
  GError *err = NULL;
  struct sigaction sa;
  sigset_t blocked;
  gint i, ret;

  w.jobs = 1;
  w.claim_idle_ms = 60000;
  w.max_deliveries = 5;
  w.verbosity = 1;
  /* before the options: "--worker --help" is a request for help */
  for (i = 1; i < argc; i++) {
    if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0) {
      worker_help ();
      return 0;
    }
  }
  for (i = 1; i < argc; i++) {
    const gchar *a = argv[i];
    const gchar *v = i + 1 < argc ? argv[i + 1] : NULL;

    if (strcmp (a, "--quiet") == 0) {
      w.verbosity = 0;
      continue;
    } else if (strcmp (a, "--verbose") == 0) {
      w.verbosity = 2;
      continue;
    }
    if (v == NULL) {
      fprintf (stderr, "imm-convert: missing argument after %s (see "
          "imm-convert --worker --help)\n", a);
      return EXIT_USAGE;
    }
    i++;
    if (strcmp (a, "--worker") == 0)
      w.url = v;
    else if (strcmp (a, "--consumer") == 0 && *v)
      consumer = v;
    else if (strcmp (a, "--storage-root") == 0)
      root = v;
    else if (strcmp (a, "--allow-hosts") == 0)
      w.allow_hosts = v;
    else if (strcmp (a, "--jobs") == 0 && parse_uint (v, 1, 64, &w.jobs));
    else if (strcmp (a, "--claim-idle") == 0
        && parse_uint (v, 1, G_MAXINT, &w.claim_idle_ms));
    else if (strcmp (a, "--max-deliveries") == 0
        && parse_uint (v, 1, 1000, &w.max_deliveries));
    else {
      fprintf (stderr, "imm-convert: bad worker option %s %s (see "
          "imm-convert --worker --help)\n", a, v);
      return EXIT_USAGE;
    }
  }

  if (root == NULL)
    root = g_getenv ("IMM_STORAGE_ROOT");
  w.storage_root = g_canonicalize_filename (root && *root ? root : ".", NULL);
  w.consumer = consumer ? g_strdup (consumer) :
      g_strdup_printf ("%s-%d", g_get_host_name (), (gint) getpid ());
  w.exe = g_file_read_link ("/proc/self/exe", NULL);
  w.backoff_us = BACKOFF_MIN_US;
  w.queue = imm_queue_connect (w.url, &err);
  if (w.queue == NULL || !imm_queue_ensure_group (w.queue, &err)) {
    fprintf (stderr, "imm-convert: %s\n", err->message);
    g_error_free (err);
    imm_queue_free (w.queue);
    g_free (w.storage_root);
    g_free (w.consumer);
    g_free (w.exe);
    return EXIT_USAGE;
  }
  w.slots = g_new0 (Slot, w.jobs);
  for (i = 0; i < (gint) w.jobs; i++)
    w.slots[i].out_fd = -1;

  memset (&sa, 0, sizeof (sa));
  sa.sa_handler = on_stop_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sa.sa_handler = on_child;
  sigaction (SIGCHLD, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&blocked);
  sigaddset (&blocked, SIGTERM);
  sigaddset (&blocked, SIGINT);
  sigaddset (&blocked, SIGCHLD);
  sigprocmask (SIG_BLOCK, &blocked, &wait_mask);
  say (&w, "reading %s, %u at a time", IMM_QUEUE_TASKS, w.jobs);

  ret = run (&w);
  say (&w, "stopped");
  for (i = 0; i < (gint) w.jobs; i++)
    slot_clear (&w.slots[i]);
  g_free (w.slots);
  imm_queue_free (w.queue);
  g_free (w.storage_root);
  g_free (w.consumer);
  g_free (w.exe);
  return ret;
}
