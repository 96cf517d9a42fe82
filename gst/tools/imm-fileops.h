/* imm-convert: file operations of the staging module, and reading a
 * request file.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_FILEOPS_H__
#define __IMM_FILEOPS_H__

#include <glib.h>

G_BEGIN_DECLS

void fileops_remove_tree (const gchar * path);

gboolean fileops_make_parents (const gchar * path, GPtrArray * created,
    GError ** error);

gboolean fileops_move_into_place (const gchar * from, const gchar * to,
    GError ** error);

gchar *fileops_read_request (const gchar * file, GError ** error);

G_END_DECLS

#endif /* __IMM_FILEOPS_H__ */
