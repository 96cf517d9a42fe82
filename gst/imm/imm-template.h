/* imm-gst: output URI templates (Python str.format style).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_TEMPLATE_H__
#define __IMM_TEMPLATE_H__

#include <glib.h>

G_BEGIN_DECLS

#define IMM_TEMPLATE_ERROR (imm_template_error_quark ())

typedef enum
{
  IMM_TEMPLATE_ERROR_SYNTAX,
  IMM_TEMPLATE_ERROR_UNKNOWN_VARIABLE,
} ImmTemplateError;

/**
 * ImmTemplateFlags:
 * @IMM_TEMPLATE_PLAIN: substitute every variable, text stays as it is
 * @IMM_TEMPLATE_PRINTF: `{index}` becomes `%d` and every other `%` is
 *   doubled, giving a multifilesink location pattern
 * @IMM_TEMPLATE_URI: variable values are percent-escaped (all but `/`),
 *   for a template that is a URI (a file name with a space or `#`)
 */
typedef enum
{
  IMM_TEMPLATE_PLAIN = 0,
  IMM_TEMPLATE_PRINTF = 1,
  IMM_TEMPLATE_URI = 2,
} ImmTemplateFlags;

GQuark imm_template_error_quark (void);

gboolean imm_template_variables (const gchar * tmpl, GPtrArray ** names,
    GError ** error);

gboolean imm_template_is_known_variable (const gchar * name,
    GHashTable * tags);

gboolean imm_template_check (const gchar * tmpl, GHashTable * tags,
    gboolean * uses_index, GError ** error);

gchar *imm_template_expand (const gchar * tmpl, GHashTable * vars,
    ImmTemplateFlags flags, GError ** error);

GHashTable *imm_template_vars_new (void);

void imm_template_vars_set_location (GHashTable * vars, const gchar * bucket,
    const gchar * key);

void imm_template_vars_set_time (GHashTable * vars, const gchar * prefix,
    GDateTime * time);

void imm_template_vars_set_tags (GHashTable * vars, GHashTable * tags);

G_END_DECLS

#endif /* __IMM_TEMPLATE_H__ */
