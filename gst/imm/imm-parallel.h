/* imm-gst: a small fork-join helper for splitting one picture's work.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_PARALLEL_H__
#define __IMM_PARALLEL_H__

#include <glib.h>

G_BEGIN_DECLS typedef struct _ImmParallel ImmParallel;

/* Runs part @part of @n_parts: parts cover disjoint slices (rows, bins),
 * so the result does not depend on how many there are. */
typedef void (*ImmParallelFunc) (guint part, guint n_parts, gpointer data);

/* A helper that runs @n_threads parts at once: the caller's thread and
 * @n_threads - 1 workers that stay up until imm_parallel_free. */
ImmParallel *imm_parallel_new (guint n_threads);
void imm_parallel_free (ImmParallel * par);

/* How many parts imm_parallel_run splits into: 1 for a NULL @par. */
guint imm_parallel_parts (const ImmParallel * par);

/* Calls @func for every part, part 0 on the caller's thread, and returns
 * once all have returned. With @par NULL, one part, on the caller's
 * thread. Not re-entrant: one run at a time per @par. */
void imm_parallel_run (ImmParallel * par, ImmParallelFunc func, gpointer data);

/* The rows [*y0, *y1) of @height that part @part of @n_parts covers. */
void imm_parallel_slice (guint part, guint n_parts, guint height,
    guint * y0, guint * y1);

G_END_DECLS
#endif /* __IMM_PARALLEL_H__ */
