/* imm-convert --worker and --submit: tasks on Redis Streams.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_WORKER_H__
#define __IMM_WORKER_H__

#include <glib.h>

G_BEGIN_DECLS

gint imm_worker_main (gint argc, gchar ** argv);

gint imm_submit_main (gint argc, gchar ** argv);

G_END_DECLS

#endif /* __IMM_WORKER_H__ */
