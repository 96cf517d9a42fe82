/* Writes the frames of an (animated) WebP file as PPM pictures on stdout,
 * composed on the canvas as a viewer shows them: ffmpeg 5.1 cannot decode
 * animated WebP, and the conformance matrix reads every frame back.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: conformance-webp-frames FILE.webp > frames.ppm
 */
#include <stdio.h>

#include <glib.h>
#include <webp/demux.h>

int
main (int argc, char **argv)
{
  WebPAnimDecoderOptions opts;
  WebPAnimDecoder *dec = NULL;
  WebPAnimInfo info;
  WebPData data;
  gchar *contents = NULL;
  gsize len = 0;
  GError *err = NULL;
  int status = 1;

  if (argc != 2) {
    fprintf (stderr, "usage: %s FILE.webp\n", argv[0]);
    return 2;
  }
  if (!g_file_get_contents (argv[1], &contents, &len, &err)) {
    fprintf (stderr, "%s\n", err->message);
    g_error_free (err);
    return 1;
  }
  if (!WebPAnimDecoderOptionsInit (&opts))
    goto out;
  /* WebPAnimDecoder gives RGBA only; the alpha is dropped below (our
   * animations are opaque). */
  opts.color_mode = MODE_RGBA;
  opts.use_threads = 0;
  data.bytes = (const uint8_t *) contents;
  data.size = len;
  dec = WebPAnimDecoderNew (&data, &opts);
  if (dec == NULL || !WebPAnimDecoderGetInfo (dec, &info)) {
    fprintf (stderr, "%s: not a WebP file libwebp can decode\n", argv[1]);
    goto out;
  }
  while (WebPAnimDecoderHasMoreFrames (dec)) {
    size_t i, n = (size_t) info.canvas_width * info.canvas_height;
    uint8_t *rgba;
    int timestamp;

    if (!WebPAnimDecoderGetNext (dec, &rgba, &timestamp)) {
      fprintf (stderr, "%s: a frame does not decode\n", argv[1]);
      goto out;
    }
    printf ("P6\n%u %u\n255\n", info.canvas_width, info.canvas_height);
    for (i = 0; i < n; i++)
      if (fwrite (rgba + 4 * i, 1, 3, stdout) != 3)
        goto out;
  }
  status = fflush (stdout) == 0 ? 0 : 1;
out:
  if (dec)
    WebPAnimDecoderDelete (dec);
  g_free (contents);
  return status;
}
