/* imm-gst: a small fork-join helper for splitting one picture's work.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-parallel.h"

/* How long a worker, and the caller waiting for the parts, spin before
 * sleeping. A frame's runs follow each other within tens of microseconds
 * and a sleeping thread took 43 us to wake and report back (a run of an
 * empty function, 2 threads, this VM), about what a part of a 320x240
 * frame's run takes: with GThreadPool's sleep-and-wake on every run,
 * threads gave the GIF encoder no speed on small frames (testsrc 0.19 s
 * with or without; spinning: 0.17 s, 2.2 us a run). 50 us did as well as
 * 200; bounded, so an idle encoder costs no CPU. */
#define SPIN_US 50

struct _ImmParallel
{
  guint n_threads;
  GThread *threads[64];         /* n_threads - 1 workers, parts 1.. */
  GMutex lock;
  GCond wake;                   /* a new run, or quit (workers wait) */
  GCond done;                   /* the last part returned (caller waits) */
  gint generation;              /* atomic: one more per run */
  gint running;                 /* atomic: the workers' parts not returned */
  gboolean quit;                /* under lock */
  ImmParallelFunc func;         /* the run's, set before generation moves */
  gpointer data;
};

typedef struct
{
  ImmParallel *par;
  guint part;
} Worker;

/* Whether SPIN_US passed since the first call with *@until 0 (checked
 * every 256 spins: a clock read costs about 20 ns). */
static gboolean
spun_out (guint * spins, gint64 * until)
{
  gint64 now;

  if ((++*spins & 255) != 0)
    return FALSE;
  now = g_get_monotonic_time ();
  if (*until == 0)
    *until = now + SPIN_US;
  return now >= *until;
}

/* Spins until *@value differs from @from or SPIN_US passed; returns the
 * last value read. */
static gint
spin_while (gint * value, gint from)
{
  gint64 until = 0;
  guint spins = 0;
  gint v;

  while ((v = g_atomic_int_get (value)) == from && !spun_out (&spins, &until));
  return v;
}

/* Spins until *@value is 0 (TRUE) or SPIN_US passed (FALSE). */
static gboolean
spin_until_zero (gint * value)
{
  gint64 until = 0;
  guint spins = 0;

  while (g_atomic_int_get (value) > 0)
    if (spun_out (&spins, &until))
      return FALSE;
  return TRUE;
}

static gpointer
worker_main (gpointer user_data)
{
  Worker *w = user_data;
  ImmParallel *par = w->par;
  gint seen = 0;

  for (;;) {
    gint gen = spin_while (&par->generation, seen);

    if (gen == seen) {
      gboolean quit;

      g_mutex_lock (&par->lock);
      while ((gen = g_atomic_int_get (&par->generation)) == seen && !par->quit)
        g_cond_wait (&par->wake, &par->lock);
      quit = par->quit && gen == seen;
      g_mutex_unlock (&par->lock);
      if (quit)
        break;
    }
    seen = gen;
    par->func (w->part, par->n_threads, par->data);
    if (g_atomic_int_dec_and_test (&par->running)) {
      g_mutex_lock (&par->lock);
      g_cond_signal (&par->done);
      g_mutex_unlock (&par->lock);
    }
  }
  g_free (w);
  return NULL;
}

ImmParallel *
imm_parallel_new (guint n_threads)
{
  ImmParallel *par = g_new0 (ImmParallel, 1);
  guint i;

  par->n_threads = CLAMP (n_threads, 1, G_N_ELEMENTS (par->threads));
  g_mutex_init (&par->lock);
  g_cond_init (&par->wake);
  g_cond_init (&par->done);
  /* Workers stay up between runs: a run costs a wake-up at most, not a
   * thread start. */
  for (i = 1; i < par->n_threads; i++) {
    Worker *w = g_new (Worker, 1);

    w->par = par;
    w->part = i;
    par->threads[i - 1] = g_thread_try_new ("imm-parallel", worker_main, w,
        NULL);
    if (!par->threads[i - 1]) {
      g_free (w);
      par->n_threads = i;
      break;
    }
  }
  return par;
}

void
imm_parallel_free (ImmParallel * par)
{
  guint i;

  if (!par)
    return;
  g_mutex_lock (&par->lock);
  par->quit = TRUE;
  g_cond_broadcast (&par->wake);
  g_mutex_unlock (&par->lock);
  for (i = 0; i + 1 < par->n_threads; i++)
    g_thread_join (par->threads[i]);
  g_mutex_clear (&par->lock);
  g_cond_clear (&par->wake);
  g_cond_clear (&par->done);
  g_free (par);
}

guint
imm_parallel_parts (const ImmParallel * par)
{
  return par ? par->n_threads : 1;
}

void
imm_parallel_run (ImmParallel * par, ImmParallelFunc func, gpointer data)
{
  if (!par || par->n_threads == 1) {
    func (0, 1, data);
    return;
  }
  par->func = func;
  par->data = data;
  g_atomic_int_set (&par->running, (gint) par->n_threads - 1);
  /* GLib's atomic operations are full barriers: a worker that sees the
   * new generation sees func and data */
  g_atomic_int_inc (&par->generation);
  g_mutex_lock (&par->lock);
  g_cond_broadcast (&par->wake);
  g_mutex_unlock (&par->lock);
  func (0, par->n_threads, data);
  /* the workers' parts: spun for, then slept for */
  if (!spin_until_zero (&par->running)) {
    g_mutex_lock (&par->lock);
    while (g_atomic_int_get (&par->running) > 0)
      g_cond_wait (&par->done, &par->lock);
    g_mutex_unlock (&par->lock);
  }
}

void
imm_parallel_slice (guint part, guint n_parts, guint height, guint * y0,
    guint * y1)
{
  *y0 = (guint) ((guint64) height * part / n_parts);
  *y1 = (guint) ((guint64) height * (part + 1) / n_parts);
}
