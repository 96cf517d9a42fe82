/* Unit tests of what a restricted (queued) request may name.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-source-policy.h"

static const gchar *const allow[] = { "media.example.com", "10.1.2.3",
  "::1", NULL
};

typedef struct
{
  const gchar *uri;
  gboolean output;
  gboolean ok;
  const gchar *host;            /* expected host, for allowed http */
  const gchar *why;             /* a word of the refusal */
} UriCase;

static const UriCase uri_cases[] = {
  {"oss://bucket/key.mp4", FALSE, TRUE, NULL, NULL},
  {"oss://bucket/out/{index}.jpg", TRUE, TRUE, NULL, NULL},
  {"/etc/passwd", FALSE, FALSE, NULL, "oss://"},
  {"../bucket/key.mp4", FALSE, FALSE, NULL, "oss://"},
  {"file:///etc/passwd", FALSE, FALSE, NULL, "oss://"},
  {"file:///tmp/out.jpg", TRUE, FALSE, NULL, "writes only"},
  {"/tmp/out.jpg", TRUE, FALSE, NULL, "writes only"},
  {"http://media.example.com/a.mp4", TRUE, FALSE, NULL, "writes only"},
  {"http://media.example.com/a.mp4", FALSE, TRUE, "media.example.com", NULL},
  {"HTTPS://MEDIA.example.com:8443/a.mp4?x=1", FALSE, TRUE,
      "MEDIA.example.com", NULL},
  {"http://evil.example.com/a.mp4", FALSE, FALSE, NULL, "--allow-hosts"},
  {"http://127.0.0.1/a.mp4", FALSE, FALSE, NULL, "--allow-hosts"},
  {"http://169.254.169.254/latest/meta-data", FALSE, FALSE, NULL,
      "--allow-hosts"},
  {"http://media.example.com@169.254.169.254/", FALSE, FALSE, NULL,
      "user names"},
  {"http://[::1]:8080/a.mp4", FALSE, TRUE, "::1", NULL},
  {"http://[::1/a.mp4", FALSE, FALSE, NULL, "valid"},
  {"http:///a.mp4", FALSE, FALSE, NULL, "valid"},
  {"rtsp://media.example.com/live", FALSE, FALSE, NULL, "oss://"},
};

GST_START_TEST (test_uri)
{
  const UriCase *c = &uri_cases[__i__];
  ImmPolicyUri kind;
  gchar *host = NULL;
  const gchar *why = NULL;
  gboolean ok = imm_source_policy_check_uri (c->uri, c->output, allow, &kind,
      &host, &why);

  fail_unless_equals_int (ok, c->ok);
  if (ok) {
    fail_unless_equals_int (kind, c->host ? IMM_POLICY_URI_HTTP :
        IMM_POLICY_URI_OSS);
    fail_unless_equals_string (host, c->host);
  } else {
    fail_unless (why != NULL && strstr (why, c->why) != NULL, "%s: %s",
        c->uri, why);
    fail_unless (host == NULL);
  }
  g_free (host);
}

GST_END_TEST;

typedef struct
{
  const gchar *address;
  gboolean ok;
  const gchar *why;
} AddressCase;

static const AddressCase address_cases[] = {
  {"93.184.216.34", TRUE, NULL},
  {"2606:2800:220:1:248:1893:25c8:1946", TRUE, NULL},
  {"127.0.0.1", FALSE, "loopback"},
  {"127.8.9.10", FALSE, "loopback"},
  {"169.254.169.254", FALSE, "link-local"},
  {"10.0.0.1", FALSE, "private"},
  {"10.1.2.3", TRUE, NULL},     /* listed literally */
  {"172.16.0.1", FALSE, "private"},
  {"172.31.255.255", FALSE, "private"},
  {"172.32.0.1", TRUE, NULL},
  {"192.168.1.1", FALSE, "private"},
  {"100.64.0.1", FALSE, "carrier-grade"},
  {"0.0.0.0", FALSE, "this network"},
  {"224.0.0.1", FALSE, "multicast"},
  {"::1", TRUE, NULL},          /* listed literally */
  {"::", FALSE, "unspecified"},
  {"::ffff:127.0.0.1", FALSE, "loopback"},
  {"::ffff:169.254.169.254", FALSE, "link-local"},
  {"fe80::1", FALSE, "link-local"},
  {"fd00::1", FALSE, "unique local"},
  {"ff02::1", FALSE, "multicast"},
  {"other.example.com", FALSE, "not an IP"},
};

GST_START_TEST (test_address)
{
  const AddressCase *c = &address_cases[__i__];
  const gchar *why = NULL;

  fail_unless_equals_int (imm_source_policy_address_allowed (c->address,
          allow, &why), c->ok);
  if (c->ok)
    fail_unless (why == NULL);
  else
    fail_unless (why != NULL && strstr (why, c->why) != NULL, "%s: %s",
        c->address, why);
}

GST_END_TEST;

GST_START_TEST (test_nothing_listed)
{
  ImmPolicyUri kind;
  gchar *host = NULL;
  const gchar *why = NULL;

  /* no --allow-hosts: no http at all, no inward address */
  fail_if (imm_source_policy_check_uri ("https://media.example.com/a.mp4",
          FALSE, NULL, &kind, &host, &why));
  fail_if (imm_source_policy_address_allowed ("127.0.0.1", NULL, &why));
  fail_unless (imm_source_policy_address_allowed ("8.8.8.8", NULL, &why));
  fail_unless (imm_source_policy_host_listed ("Media.Example.COM", allow));
  fail_if (imm_source_policy_host_listed ("example.com", allow));
}

GST_END_TEST;

static Suite *
source_policy_suite (void)
{
  Suite *s = suite_create ("source-policy");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_uri, 0, G_N_ELEMENTS (uri_cases));
  tcase_add_loop_test (tc, test_address, 0, G_N_ELEMENTS (address_cases));
  tcase_add_test (tc, test_nothing_listed);
  return s;
}

GST_CHECK_MAIN (source_policy);
