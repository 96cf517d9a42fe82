/* imm-convert: restricted mode, for requests a worker takes off a queue.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `imm-convert --restricted [--allow-hosts LIST]` is how a worker runs each
 * task (see imm-worker.c). The request's URIs are checked against
 * imm-source-policy before anything is opened; oss:// keys are confined to
 * the storage root on disk too (a symlink inside the root that leads out
 * of it is refused); http(s) host names are resolved and every address
 * checked; and no HTTP source follows a redirect, since the target of a
 * redirect is chosen by the server, after our checks (a HEAD request
 * first tells a redirecting source with a clear message).
 *
 * Limits: a file system changed between the check and the open (a
 * symlink swapped in meanwhile), or a DNS answer that changes between our
 * lookup and souphttpsrc's, is not caught; workers should run as a user
 * that can only read the storage root.
 */
#include "imm-restrict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <gst/gst.h>

#include "imm/imm-source-policy.h"

static gboolean enabled;
static gchar *real_root;        /* the storage root, symlinks resolved */
static gchar **allow_hosts;

/* Every element added to any bin: souphttpsrc (made by uridecodebin, the
 * discoverer or gst_element_make_from_uri) must not follow redirects. */
static gboolean
on_element_added (GSignalInvocationHint * hint, guint n_values,
    const GValue * values, gpointer data)
{
  GObject *element = g_value_get_object (&values[1]);

  if (element != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS
          (element), "automatic-redirect") != NULL)
    g_object_set (element, "automatic-redirect", FALSE, NULL);
  return TRUE;
}

/**
 * imm_restrict_enable:
 * @storage_root: the canonical storage root
 * @allow_hosts: (nullable): comma-separated hosts http(s) sources may name
 *
 * Switches restricted mode on for this process. Call after gst_init().
 */
void
imm_restrict_enable (const gchar * storage_root, const gchar * allow_hosts_list)
{
  gpointer bin_class = g_type_class_ref (GST_TYPE_BIN);

  enabled = TRUE;
  g_mkdir_with_parents (storage_root, 0755);
  real_root = realpath (storage_root, NULL);
  if (real_root == NULL)
    real_root = g_strdup (storage_root);
  allow_hosts = g_strsplit (allow_hosts_list ? allow_hosts_list : "", ",", -1);
  g_signal_add_emission_hook (g_signal_lookup ("element-added", GST_TYPE_BIN),
      0, on_element_added, NULL, NULL);
  g_type_class_unref (bin_class);
}

gboolean
imm_restrict_enabled (void)
{
  return enabled;
}

/**
 * imm_restrict_path_inside:
 * @path: a path already confined lexically to the storage root
 *
 * Returns: whether @path, with its existing part's symlinks resolved,
 * stays inside the storage root. For an output not yet written, the
 * deepest existing parent is checked (what the rename writes into).
 */
gboolean
imm_restrict_path_inside (const gchar * path)
{
  gchar *p = g_strdup (path);
  gchar *real = NULL;
  gboolean inside;
  gsize n = strlen (real_root);

  while ((real = realpath (p, NULL)) == NULL && errno == ENOENT) {
    gchar *parent = g_path_get_dirname (p);

    if (strcmp (parent, p) == 0) {
      g_free (parent);
      break;
    }
    g_free (p);
    p = parent;
  }
  inside = real != NULL && strncmp (real, real_root, n) == 0
      && (real[n] == '/' || real[n] == '\0');
  free (real);
  g_free (p);
  return inside;
}

/* Resolves @host and checks every address it has. */
static gboolean
check_host (const gchar * host, const gchar * field, gchar ** message)
{
  GResolver *resolver = g_resolver_get_default ();
  GError *err = NULL;
  GList *addrs = g_resolver_lookup_by_name (resolver, host, NULL, &err);
  GList *l;
  gboolean ok = TRUE;

  if (addrs == NULL) {
    *message = g_strdup_printf ("%s: cannot resolve the host '%s': %s",
        field, host, err->message);
    g_error_free (err);
    g_object_unref (resolver);
    return FALSE;
  }
  for (l = addrs; l && ok; l = l->next) {
    gchar *a = g_inet_address_to_string (l->data);
    const gchar *why = NULL;

    if (!imm_source_policy_address_allowed (a, (const gchar * const *)
            allow_hosts, &why)) {
      *message = g_strdup_printf ("%s: the host '%s' is %s (%s), which a "
          "worker does not read from unless --allow-hosts lists it", field,
          host, why, a);
      ok = FALSE;
    }
    g_free (a);
  }
  g_resolver_free_addresses (addrs);
  g_object_unref (resolver);
  return ok;
}

/* How long the redirect check waits for the server's answer. */
#define REDIRECT_CHECK_TIMEOUT (10 * GST_SECOND)

/* Asks @uri once with HEAD, redirects not followed: a source that
 * redirects is refused with a message that says so (souphttpsrc's own
 * error only has the status line's text, "Found"). Any other answer, or
 * none, is left to the probe, which reads the source with redirects off
 * too. */
static gboolean
check_redirect (const gchar * uri, const gchar * field, gchar ** message)
{
  GstElement *pipe, *src, *sink;
  GstBus *bus;
  GstMessage *msg;
  gboolean ok = TRUE;

  src = gst_element_factory_make ("souphttpsrc", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  if (src == NULL || sink == NULL) {
    g_clear_object (&src);
    g_clear_object (&sink);
    return TRUE;
  }
  g_object_set (src, "location", uri, "method", "HEAD", NULL);
  pipe = gst_pipeline_new (NULL);
  gst_bin_add_many (GST_BIN (pipe), src, sink, NULL);
  gst_element_link (src, sink);
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  while ((msg = gst_bus_timed_pop_filtered (bus, REDIRECT_CHECK_TIMEOUT,
              GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_EOS |
              GST_MESSAGE_ASYNC_DONE)) != NULL) {
    const GstStructure *st = gst_message_get_structure (msg);
    GstStructure *headers = NULL;
    guint status = 0;

    if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT) {
      gst_message_unref (msg);
      break;
    }
    if (!gst_structure_has_name (st, "http-headers")) {
      gst_message_unref (msg);
      continue;
    }
    if (gst_structure_get_uint (st, "http-status-code", &status)
        && status >= 300 && status < 400) {
      const gchar *to = NULL;

      if (gst_structure_get (st, "response-headers", GST_TYPE_STRUCTURE,
              &headers, NULL))
        to = gst_structure_get_string (headers, "Location");
      *message = g_strdup_printf ("%s: '%s' redirects (HTTP %u%s%s%s), and "
          "a worker does not follow redirects", field, uri, status,
          to ? " to '" : "", to ? to : "", to ? "'" : "");
      ok = FALSE;
    }
    if (headers)
      gst_structure_free (headers);
    gst_message_unref (msg);
    break;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return ok;
}

static gboolean
check_uri (const gchar * uri, gboolean output, const gchar * field,
    ImmResultCode * code, gchar ** message)
{
  ImmPolicyUri kind;
  gchar *host = NULL;
  const gchar *why = NULL;
  gboolean ok;

  if (!imm_source_policy_check_uri (uri, output, (const gchar * const *)
          allow_hosts, &kind, &host, &why)) {
    *code = IMM_CODE_INVALID_ARGUMENT;
    *message = g_strdup_printf ("%s: '%s' is not allowed: %s", field, uri, why);
    return FALSE;
  }
  if (host == NULL)
    return TRUE;
  ok = check_host (host, field, message) && check_redirect (uri, field,
      message);
  if (!ok)
    *code = IMM_CODE_INVALID_ARGUMENT;
  g_free (host);
  return ok;
}

/**
 * imm_restrict_check_request:
 *
 * Checks every source and output URI of @req against the policy, before
 * anything is opened. On refusal sets @code and @message (naming the
 * field).
 */
gboolean
imm_restrict_check_request (const ImmRequest * req, ImmResultCode * code,
    gchar ** message)
{
  guint i;

  for (i = 0; i < req->sources->len; i++) {
    const ImmSource *src = g_ptr_array_index (req->sources, i);
    gchar *field = g_strdup_printf ("Sources[%u].URI", i);
    gboolean ok = check_uri (src->uri, FALSE, field, code, message);

    g_free (field);
    if (!ok)
      return FALSE;
  }
  for (i = 0; i < req->outputs->len; i++) {
    const ImmOutput *out = g_ptr_array_index (req->outputs, i);
    gchar *field = g_strconcat (out->path, ".URI", NULL);
    gboolean ok = check_uri (out->uri, TRUE, field, code, message);

    g_free (field);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}
