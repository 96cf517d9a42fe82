/* imm-gst: a small fork-join helper for splitting one picture's work.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-parallel.h"

struct _ImmParallel
{
  guint n_threads;
  GThreadPool *pool;            /* n_threads - 1 exclusive workers */
  GMutex lock;
  GCond done;
  guint running;                /* parts handed to workers, not returned */
  ImmParallelFunc func;
  gpointer data;
  guint parts[64];              /* the part numbers handed to the pool */
};

static void
worker (gpointer part, gpointer user_data)
{
  ImmParallel *par = user_data;

  par->func (*(guint *) part, par->n_threads, par->data);
  g_mutex_lock (&par->lock);
  if (--par->running == 0)
    g_cond_signal (&par->done);
  g_mutex_unlock (&par->lock);
}

ImmParallel *
imm_parallel_new (guint n_threads)
{
  ImmParallel *par = g_new0 (ImmParallel, 1);
  guint i;

  par->n_threads = CLAMP (n_threads, 1, G_N_ELEMENTS (par->parts));
  g_mutex_init (&par->lock);
  g_cond_init (&par->done);
  for (i = 0; i < G_N_ELEMENTS (par->parts); i++)
    par->parts[i] = i;
  /* Exclusive threads stay up between runs: a run costs a wake-up, not a
   * thread start (a frame has a few runs of a millisecond or so). */
  if (par->n_threads > 1)
    par->pool = g_thread_pool_new (worker, par, par->n_threads - 1, TRUE, NULL);
  if (!par->pool)
    par->n_threads = 1;
  return par;
}

void
imm_parallel_free (ImmParallel * par)
{
  if (!par)
    return;
  if (par->pool)
    g_thread_pool_free (par->pool, FALSE, TRUE);
  g_mutex_clear (&par->lock);
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
  guint i;

  if (!par || par->n_threads == 1) {
    func (0, 1, data);
    return;
  }
  par->func = func;
  par->data = data;
  par->running = par->n_threads - 1;
  for (i = 1; i < par->n_threads; i++)
    g_thread_pool_push (par->pool, &par->parts[i], NULL);
  func (0, par->n_threads, data);
  g_mutex_lock (&par->lock);
  while (par->running > 0)
    g_cond_wait (&par->done, &par->lock);
  g_mutex_unlock (&par->lock);
}

void
imm_parallel_slice (guint part, guint n_parts, guint height, guint * y0,
    guint * y1)
{
  *y0 = (guint) ((guint64) height * part / n_parts);
  *y1 = (guint) ((guint64) height * (part + 1) / n_parts);
}
