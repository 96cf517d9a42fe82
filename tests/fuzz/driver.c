/* Runs a fuzz target over files, without libFuzzer: every corpus and
 * regression input becomes an ordinary test in the normal (and sanitizer)
 * suite.
 * usage: fuzz-<target>-replay FILE_OR_DIR...
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);
/* Optional, as with libFuzzer: a target that needs set-up defines it. */
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__((weak));

static int
run_file (const gchar * path)
{
  gchar *data = NULL;
  gsize len = 0;
  GError *err = NULL;

  if (!g_file_get_contents (path, &data, &len, &err)) {
    fprintf (stderr, "%s: %s\n", path, err->message);
    g_error_free (err);
    return 1;
  }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  g_free (data);
  return 0;
}

int
main (int argc, char **argv)
{
  int i, failed = 0, ran = 0;

  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize (&argc, &argv);

  for (i = 1; i < argc; i++) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      GDir *dir = g_dir_open (argv[i], 0, NULL);
      const gchar *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
        gchar *path = g_build_filename (argv[i], name, NULL);
        failed += run_file (path);
        ran++;
        g_free (path);
      }
      if (dir != NULL)
        g_dir_close (dir);
    } else {
      failed += run_file (argv[i]);
      ran++;
    }
  }
  printf ("%d inputs, %d unreadable\n", ran, failed);
  return failed ? 1 : 0;
}
