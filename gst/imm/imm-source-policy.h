/* imm-gst: which sources and outputs a queued (untrusted) request may name.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_SOURCE_POLICY_H__
#define __IMM_SOURCE_POLICY_H__

#include <glib.h>

G_BEGIN_DECLS

/* What a URI of a restricted request is, once checked. */
typedef enum
{
  IMM_POLICY_URI_OSS,           /* oss://bucket/key: inside the storage root */
  IMM_POLICY_URI_HTTP,          /* http(s):// on an allowed host */
} ImmPolicyUri;

gboolean imm_source_policy_check_uri (const gchar * uri, gboolean output,
    const gchar * const *allow_hosts, ImmPolicyUri * kind, gchar ** host,
    const gchar ** why);

gboolean imm_source_policy_address_allowed (const gchar * address,
    const gchar * const *allow_hosts, const gchar ** why);

gboolean imm_source_policy_host_listed (const gchar * host,
    const gchar * const *allow_hosts);

G_END_DECLS

#endif /* __IMM_SOURCE_POLICY_H__ */
