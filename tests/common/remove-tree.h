/* Test helper shared by the launcher tests: removes a directory tree. */
#ifndef IMM_TEST_REMOVE_TREE_H
#define IMM_TEST_REMOVE_TREE_H

#include <glib.h>
#include <glib/gstdio.h>

/* Removes @path and everything under it; symbolic links are removed, not
 * followed. */
static G_GNUC_UNUSED void
remove_tree (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL) {
    g_unlink (path);
    return;
  }
  while ((name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR)
        && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
    g_free (child);
  }
  g_dir_close (dir);
  g_rmdir (path);
}

#endif /* IMM_TEST_REMOVE_TREE_H */
