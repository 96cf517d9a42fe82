/* Test helper shared by the immanimenc element test and its fuzz target:
 * decodes a whole GIF held in memory with giflib. */
#ifndef IMM_TEST_GIF_MEMORY_H
#define IMM_TEST_GIF_MEMORY_H

#include <glib.h>
#include <string.h>
#include <gif_lib.h>

typedef struct
{
  const guint8 *data;
  gsize size, pos;
} GifMemoryReader;

static int
gif_memory_read (GifFileType * gif, GifByteType * buf, int len)
{
  GifMemoryReader *rd = gif->UserData;
  gsize n = MIN ((gsize) len, rd->size - rd->pos);

  memcpy (buf, rd->data + rd->pos, n);
  rd->pos += n;
  return (int) n;
}

/* The GIF of @size bytes at @data, read whole (DGifSlurp), or NULL when
 * giflib cannot read it. Close it with DGifCloseFile(). */
static G_GNUC_UNUSED GifFileType *
gif_memory_slurp (const guint8 * data, gsize size)
{
  GifMemoryReader rd = { data, size, 0 };
  int err = 0;
  GifFileType *gif = DGifOpen (&rd, gif_memory_read, &err);

  if (gif == NULL)
    return NULL;
  if (DGifSlurp (gif) != GIF_OK) {
    DGifCloseFile (gif, &err);
    return NULL;
  }
  /* the reader lived on this function's stack */
  gif->UserData = NULL;
  return gif;
}

#endif
