/* imm-convert: restricted mode, for requests a worker takes off a queue.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_RESTRICT_H__
#define __IMM_RESTRICT_H__

#include <glib.h>

#include "imm/imm-request.h"
#include "imm/imm-result.h"

G_BEGIN_DECLS

void imm_restrict_enable (const gchar * storage_root,
    const gchar * allow_hosts);

gboolean imm_restrict_enabled (void);

gboolean imm_restrict_check_request (const ImmRequest * req,
    ImmResultCode * code, gchar ** message);

gboolean imm_restrict_path_inside (const gchar * path);

G_END_DECLS

#endif /* __IMM_RESTRICT_H__ */
