/* imm-convert: file operations of the staging module.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Moving a finished file into place so that readers see all of it or
 * nothing, also across file systems, and creating and removing the
 * directories around it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imm-fileops.h"

/* Removes @path and everything in it (symbolic links, not their
 * targets). */
void
fileops_remove_tree (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR)
        && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      fileops_remove_tree (child);
    else
      g_unlink (child);
    g_free (child);
  }
  g_dir_close (dir);
  g_rmdir (path);
}

/* Creates the parents of @path, adding the ones it made to @created. */
gboolean
fileops_make_parents (const gchar * path, GPtrArray * created, GError ** error)
{
  gchar *dir = g_path_get_dirname (path);
  GPtrArray *todo = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;
  gint i;

  while (!g_file_test (dir, G_FILE_TEST_EXISTS)) {
    gchar *parent = g_path_get_dirname (dir);

    g_ptr_array_add (todo, dir);
    dir = parent;
  }
  g_free (dir);
  for (i = (gint) todo->len - 1; i >= 0 && ok; i--) {
    gchar *d = g_ptr_array_index (todo, i);

    if (g_mkdir (d, 0755) == 0) {
      g_ptr_array_add (created, g_strdup (d));
    } else {
      gint err = errno;

      /* another run writing there made it since we looked: not ours */
      if (err != EEXIST || !g_file_test (d, G_FILE_TEST_IS_DIR)) {
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
            "cannot create directory %s: %s", d, g_strerror (err));
        ok = FALSE;
      }
    }
  }
  g_ptr_array_unref (todo);
  return ok;
}

/* Copies @from to @to through a hidden file next to @to, renamed at the
 * end: for outputs on another file system than the storage root (a bucket
 * mounted on its own), where rename() cannot move them. Readers see the
 * whole file or none; a failure removes the partial copy. */
static gboolean
copy_into_place (const gchar * from, const gchar * to, GError ** error)
{
  gchar *dir = g_path_get_dirname (to);
  gchar *part = g_build_filename (dir, ".imm-convert-XXXXXX", NULL);
  gchar buf[65536];
  GStatBuf st;
  gint in = -1, fd = -1, saved = 0;
  gboolean created = FALSE;
  gssize n = 0;

  in = g_open (from, O_RDONLY, 0);
  if (in < 0 || fstat (in, &st) != 0) {
    saved = errno;
    goto fail;
  }
  fd = g_mkstemp_full (part, O_WRONLY, st.st_mode & 0777);
  if (fd < 0) {
    saved = errno;
    goto fail;
  }
  created = TRUE;
  /* mkstemp made it 0600: give it the mode the sink gave its file */
  if (fchmod (fd, st.st_mode & 0777) != 0) {
    saved = errno;
    goto fail;
  }
  while ((n = read (in, buf, sizeof (buf))) > 0) {
    gssize done = 0;

    while (done < n) {
      gssize w = write (fd, buf + done, n - done);

      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0) {
        saved = errno;
        goto fail;
      }
      done += w;
    }
  }
  if (n < 0 || fsync (fd) != 0) {
    saved = errno;
    goto fail;
  }
  if (close (fd) != 0) {
    fd = -1;
    saved = errno;
    goto fail;
  }
  fd = -1;
  if (g_rename (part, to) != 0) {
    saved = errno;
    goto fail;
  }
  close (in);
  g_unlink (from);
  g_free (part);
  g_free (dir);
  return TRUE;

fail:
  if (fd >= 0)
    close (fd);
  if (in >= 0)
    close (in);
  if (created)
    g_unlink (part);
  g_free (part);
  g_free (dir);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
      "cannot write %s: %s", to, g_strerror (saved));
  return FALSE;
}

/* Moves the finished file @from to @to: a rename, or a copy when they are
 * on different file systems. */
gboolean
fileops_move_into_place (const gchar * from, const gchar * to, GError ** error)
{
  gint err;

  if (g_rename (from, to) == 0)
    return TRUE;
  err = errno;
  if (err == EXDEV)
    return copy_into_place (from, to, error);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
      "cannot move the output into place as %s: %s", to, g_strerror (err));
  return FALSE;
}

/* The whole request file, or standard input when @file is "-". */
gchar *
fileops_read_request (const gchar * file, GError ** error)
{
  gchar *data = NULL;
  gsize len;

  if (strcmp (file, "-") == 0) {
    GString *s = g_string_new (NULL);
    gchar buf[4096];
    gsize n;

    while ((n = fread (buf, 1, sizeof (buf), stdin)) > 0)
      g_string_append_len (s, buf, n);
    if (ferror (stdin)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO,
          "cannot read the request from stdin");
      g_string_free (s, TRUE);
      return NULL;
    }
    return g_string_free (s, FALSE);
  }
  if (!g_file_get_contents (file, &data, &len, error))
    return NULL;
  return data;
}
