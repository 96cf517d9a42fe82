/* imm-gst: which sources and outputs a queued (untrusted) request may name.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A worker runs requests written by other programs, perhaps other people,
 * so what a local user may do (read any file, fetch from any host) is too
 * much: a request could read /etc/shadow into a snapshot or make the
 * worker fetch a cloud metadata endpoint (169.254.169.254). In restricted
 * mode a source or output is an oss:// key (the caller confines it to the
 * storage root and checks symlinks on disk), and an http(s) source must
 * name a host of --allow-hosts. Addresses that are not on the public
 * internet (loopback, link-local, private, unique-local, CGNAT, ...) are
 * refused even for a listed name unless the address itself is listed, so
 * a listed name that resolves (or is made to resolve) inward is refused.
 *
 * Pure string logic: the caller resolves names and passes each address.
 */
#include "imm-source-policy.h"

#include <arpa/inet.h>
#include <string.h>

/* Whether @host (a name or an address literal, no brackets) is one of
 * @allow_hosts, compared without case. */
gboolean
imm_source_policy_host_listed (const gchar * host,
    const gchar * const *allow_hosts)
{
  guint i;

  for (i = 0; allow_hosts && allow_hosts[i]; i++) {
    if (*allow_hosts[i] != '\0' && g_ascii_strcasecmp (host,
            allow_hosts[i]) == 0)
      return TRUE;
  }
  return FALSE;
}

/* The reason an IPv4 address (network order bytes) is not public, or
 * NULL. */
static const gchar *
inward_v4 (const guint8 * a)
{
  if (a[0] == 127)
    return "a loopback address";
  if (a[0] == 169 && a[1] == 254)
    return "a link-local address";
  if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16)
      || (a[0] == 192 && a[1] == 168))
    return "a private address";
  if (a[0] == 100 && (a[1] & 0xc0) == 64)
    return "a shared (carrier-grade NAT) address";
  if (a[0] == 0)
    return "a 'this network' address";
  if (a[0] >= 224)
    return "a multicast or reserved address";
  return NULL;
}

static const gchar *
inward_v6 (const guint8 * a)
{
  static const guint8 zero[16] = { 0 };
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
    0xff
  };

  if (memcmp (a, zero, 15) == 0 && (a[15] == 1 || a[15] == 0))
    return a[15] == 1 ? "a loopback address" : "the unspecified address";
  /* ::ffff:a.b.c.d reaches the IPv4 address */
  if (memcmp (a, mapped, 12) == 0)
    return inward_v4 (a + 12);
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
    return "a link-local address";
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
    return "a site-local address";
  if ((a[0] & 0xfe) == 0xfc)
    return "a private (unique local) address";
  if (a[0] == 0xff)
    return "a multicast address";
  return NULL;
}

/**
 * imm_source_policy_address_allowed:
 * @address: an IPv4 or IPv6 address literal (a resolved address)
 * @allow_hosts: (nullable): the --allow-hosts list
 * @why: (out): on refusal, what the address is, e.g. "a loopback address"
 *
 * Returns: whether a restricted request may connect to @address: a public
 * address, or any address listed literally in @allow_hosts.
 */
gboolean
imm_source_policy_address_allowed (const gchar * address,
    const gchar * const *allow_hosts, const gchar ** why)
{
  guint8 a[16];
  const gchar *reason;

  if (inet_pton (AF_INET, address, a) == 1)
    reason = inward_v4 (a);
  else if (inet_pton (AF_INET6, address, a) == 1)
    reason = inward_v6 (a);
  else
    reason = "not an IP address";
  if (reason != NULL && imm_source_policy_host_listed (address, allow_hosts))
    reason = NULL;
  if (why)
    *why = reason;
  return reason == NULL;
}

/**
 * imm_source_policy_check_uri:
 * @uri: a source or output URI of a restricted request
 * @output: whether it is an output (outputs are oss:// only)
 * @allow_hosts: (nullable): hosts http(s) sources may name
 * @kind: (out): what it is, when allowed
 * @host: (out) (transfer full) (nullable): for http(s), the host (no
 *   brackets, no port) the caller must resolve and check with
 *   imm_source_policy_address_allowed()
 * @why: (out): on refusal, a sentence to follow the field's name
 *
 * Returns: whether the URI's form is allowed. oss:// keys are checked
 * lexically only; the caller confines them to the storage root on disk.
 */
gboolean
imm_source_policy_check_uri (const gchar * uri, gboolean output,
    const gchar * const *allow_hosts, ImmPolicyUri * kind, gchar ** host,
    const gchar ** why)
{
  const gchar *rest, *end;
  gchar *h;

  *host = NULL;
  if (g_str_has_prefix (uri, "oss://")) {
    *kind = IMM_POLICY_URI_OSS;
    return TRUE;
  }
  if (output) {
    *why = "a worker writes only to oss:// keys inside the storage root";
    return FALSE;
  }
  if (g_ascii_strncasecmp (uri, "http://", 7) == 0)
    rest = uri + 7;
  else if (g_ascii_strncasecmp (uri, "https://", 8) == 0)
    rest = uri + 8;
  else {
    *why = "a worker reads only oss:// keys inside the storage root and "
        "http(s) sources on hosts given with --allow-hosts";
    return FALSE;
  }
  /* authority: [userinfo@]host[:port], host may be [v6] */
  end = rest + strcspn (rest, "/?#");
  if (memchr (rest, '@', end - rest) != NULL) {
    *why = "user names in http(s) source URIs are not accepted";
    return FALSE;
  }
  if (*rest == '[') {
    const gchar *close = memchr (rest, ']', end - rest);

    if (close == NULL) {
      *why = "not a valid http(s) URI";
      return FALSE;
    }
    h = g_strndup (rest + 1, close - rest - 1);
  } else {
    const gchar *colon = memchr (rest, ':', end - rest);

    h = g_strndup (rest, (colon ? colon : end) - rest);
  }
  if (*h == '\0') {
    g_free (h);
    *why = "not a valid http(s) URI";
    return FALSE;
  }
  if (!imm_source_policy_host_listed (h, allow_hosts)) {
    g_free (h);
    *why = "the host is not in the worker's --allow-hosts list";
    return FALSE;
  }
  *kind = IMM_POLICY_URI_HTTP;
  *host = h;
  return TRUE;
}
