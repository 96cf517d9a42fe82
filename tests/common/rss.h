/* Test helper shared by the element tests that check memory stays flat
 * over long runs (immanimenc's clips, immhighlight's chain). */
#ifndef IMM_TEST_RSS_H
#define IMM_TEST_RSS_H

#include <gst/check/gstcheck.h>

/* AddressSanitizer keeps freed memory in quarantine and its own shadow:
 * resident memory says nothing about leaks there (LeakSanitizer does). */
#if defined(__SANITIZE_ADDRESS__)
#define RUNNING_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUNNING_UNDER_ASAN 1
#endif
#endif
#ifndef RUNNING_UNDER_ASAN
#define RUNNING_UNDER_ASAN 0
#endif

/* Resident memory of this process, in bytes (VmRSS of /proc/self/status). */
static G_GNUC_UNUSED guint64
rss_bytes (void)
{
  gchar *status = NULL, *line;
  guint64 kb;

  fail_unless (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  fail_unless (line != NULL);
  kb = g_ascii_strtoull (line + 6, NULL, 10);
  g_free (status);
  return kb * 1024;
}

#endif
