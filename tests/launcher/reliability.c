/* Reliability of imm-convert: broken media, hostile requests and storage
 * (a read-only or full file system), a kill in the middle of a run, and
 * runs side by side. Whatever it is fed, the tool exits by itself (never a
 * signal, never a hang: every run is bounded by timeout(1)), reports
 * Succeeded with files that decode or Failed with a code, and leaves no
 * half-written or temporary file behind.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <gif_lib.h>
#include <jpeglib.h>
#include <webp/demux.h>

#include "../common/remove-tree.h"

static gchar *root;             /* the storage root, one per test binary */
static gchar *clip;             /* root/b/clip.mp4: index at the end */
static gchar *clip_ts;          /* root/b/clip.ts: readable in part */
static gchar *small_ts;         /* root/b/small.ts: 192x108, 5 s */
static gchar *resize_ts;        /* root/b/resize.ts: 320x240, then 192x108 */
static guint8 *clip_data, *ts_data;
static gsize clip_len, ts_len;

typedef struct
{
  gint status;                  /* exit code, or -signal */
  gchar *out;
  JsonObject *result;
  JsonParser *parser;
} Outcome;

static void
outcome_clear (Outcome * o)
{
  g_free (o->out);
  if (o->parser)
    g_object_unref (o->parser);
}

static const gchar *
tool (void)
{
  const gchar *t = g_getenv ("IMM_CONVERT");

  fail_unless (t != NULL, "IMM_CONVERT is not set");
  return t;
}

static void
parse_result (Outcome * o)
{
  JsonNode *node;

  o->parser = json_parser_new ();
  fail_unless (json_parser_load_from_data (o->parser, o->out, -1, NULL),
      "stdout is not JSON: %s", o->out);
  node = json_parser_get_root (o->parser);
  fail_unless (JSON_NODE_HOLDS_OBJECT (node));
  o->result = json_node_get_object (node);
}

/* Runs the tool on @request (a file under root), bounded to 120 s. */
static void
run (const gchar * request, const gchar * dir, Outcome * o)
{
  gchar *path = g_build_filename (root, "req.json", NULL);
  const gchar *argv[] = { "timeout", "-s", "KILL", "120", tool (),
    "--quiet", "--storage-root", dir ? dir : root, path, NULL
  };
  gint wait_status;

  memset (o, 0, sizeof (*o));
  fail_unless (g_file_set_contents (path, request, -1, NULL));
  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
          G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
          &o->out, NULL, &wait_status, NULL));
  g_unlink (path);
  g_free (path);
  if (WIFEXITED (wait_status))
    o->status = WEXITSTATUS (wait_status);
  else
    o->status = -WTERMSIG (wait_status);
  fail_unless (o->status != 124 && o->status != -SIGKILL,
      "imm-convert hung: %s", request);
  fail_unless (o->status >= 0, "imm-convert died of signal %d", -o->status);
  fail_unless (o->status == 0 || o->status == 1, "exit %d", o->status);
  parse_result (o);
}

static const gchar *
member (Outcome * o, const gchar * name)
{
  return json_object_get_string_member_with_default (o->result, name, "");
}

/* Files and folders below @dir, one a line, sorted. */
static void
list_tree (const gchar * dir, const gchar * rel, GPtrArray * out)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    gchar *p = g_build_filename (dir, name, NULL);
    gchar *r = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);

    g_ptr_array_add (out, g_strdup (r));
    if (g_file_test (p, G_FILE_TEST_IS_DIR))
      list_tree (p, r, out);
    g_free (p);
    g_free (r);
  }
  if (d)
    g_dir_close (d);
}

static gint
by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar * const *) a, *(const gchar * const *) b);
}

static gchar *
tree (const gchar * dir)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  gchar *s;

  list_tree (dir, NULL, a);
  g_ptr_array_sort (a, by_name);
  g_ptr_array_add (a, NULL);
  s = g_strjoinv ("\n", (gchar **) a->pdata);
  g_ptr_array_unref (a);
  return s;
}

/* Does the file start and end like a complete file of its kind? */
static gboolean
file_is_whole (const gchar * path)
{
  gchar *data = NULL;
  gsize len = 0;
  gboolean ok = FALSE;

  if (!g_file_get_contents (path, &data, &len, NULL) || len < 12)
    goto out;
  if (g_str_has_suffix (path, ".jpg"))
    ok = (guint8) data[0] == 0xFF && (guint8) data[1] == 0xD8
        && (guint8) data[len - 2] == 0xFF && (guint8) data[len - 1] == 0xD9;
  else if (g_str_has_suffix (path, ".gif"))
    ok = memcmp (data, "GIF89a", 6) == 0 && data[len - 1] == 0x3B;
  else if (g_str_has_suffix (path, ".webp"))
    ok = memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0
        && GST_READ_UINT32_LE (data + 4) + 8 == len;
  else if (g_str_has_suffix (path, ".png"))
    ok = memcmp (data + 1, "PNG", 3) == 0
        && memcmp (data + len - 8, "IEND", 4) == 0;
out:
  g_free (data);
  return ok;
}

/* --- decoding outputs back ----------------------------------------------- */

typedef struct
{
  struct jpeg_error_mgr mgr;
  jmp_buf jump;
} JpegError;

static void
jpeg_error_exit (j_common_ptr cinfo)
{
  longjmp (((JpegError *) cinfo->err)->jump, 1);
}

static gboolean
decode_jpeg (const guint8 * data, gsize len, gint * w, gint * h)
{
  struct jpeg_decompress_struct cinfo;
  JpegError err;
  /* volatile: read after a longjmp */
  volatile gboolean ok = FALSE;
  JSAMPLE *volatile row = NULL;

  cinfo.err = jpeg_std_error (&err.mgr);
  err.mgr.error_exit = jpeg_error_exit;
  if (setjmp (err.jump))
    goto out;
  jpeg_create_decompress (&cinfo);
  jpeg_mem_src (&cinfo, data, len);
  if (jpeg_read_header (&cinfo, TRUE) != JPEG_HEADER_OK)
    goto out;
  jpeg_start_decompress (&cinfo);
  row = g_malloc ((gsize) cinfo.output_width * cinfo.output_components);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPLE *line = row;

    jpeg_read_scanlines (&cinfo, &line, 1);
  }
  jpeg_finish_decompress (&cinfo);
  *w = cinfo.output_width;
  *h = cinfo.output_height;
  /* libjpeg only warns about a truncated file */
  ok = err.mgr.num_warnings == 0;
out:
  jpeg_destroy_decompress (&cinfo);
  g_free (row);
  return ok;
}

static gboolean
decode_gif (const gchar * path, gint * w, gint * h, gint * frames)
{
  int err = 0;
  GifFileType *gif = DGifOpenFileName (path, &err);
  gboolean ok;

  if (gif == NULL)
    return FALSE;
  ok = DGifSlurp (gif) == GIF_OK && gif->ImageCount >= 1;
  *w = gif->SWidth;
  *h = gif->SHeight;
  *frames = gif->ImageCount;
  DGifCloseFile (gif, &err);
  return ok;
}

static gboolean
decode_webp (const guint8 * data, gsize len, gint * w, gint * h, gint * frames)
{
  WebPData wd = { data, len };
  WebPAnimDecoder *dec = WebPAnimDecoderNew (&wd, NULL);
  WebPAnimInfo info;
  uint8_t *pix;
  int ts;
  gboolean ok;

  if (dec == NULL)
    return FALSE;
  ok = WebPAnimDecoderGetInfo (dec, &info);
  *frames = 0;
  while (ok && WebPAnimDecoderHasMoreFrames (dec)) {
    ok = WebPAnimDecoderGetNext (dec, &pix, &ts);
    (*frames)++;
  }
  *w = info.canvas_width;
  *h = info.canvas_height;
  WebPAnimDecoderDelete (dec);
  return ok && *frames >= 1;
}

/* Decodes the whole output file @path: its size and number of frames, or
 * a failed check when it does not decode. */
static void
decode_output (const gchar * path, gint * w, gint * h, gint * frames)
{
  gchar *data = NULL;
  gsize len = 0;
  gboolean ok = FALSE;

  *w = *h = *frames = 0;
  fail_unless (g_file_get_contents (path, &data, &len, NULL), "%s missing",
      path);
  fail_unless (file_is_whole (path), "%s is not a whole file", path);
  if (g_str_has_suffix (path, ".jpg")) {
    ok = decode_jpeg ((const guint8 *) data, len, w, h);
    *frames = 1;
  } else if (g_str_has_suffix (path, ".gif")) {
    ok = decode_gif (path, w, h, frames);
  } else if (g_str_has_suffix (path, ".webp")) {
    ok = decode_webp ((const guint8 *) data, len, w, h, frames);
  }
  fail_unless (ok, "%s does not decode", path);
  g_free (data);
}

static void
run_launch_line (const gchar * desc)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg;

  g_assert_no_error (err);
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

/* 20 s of 320x240 at 10 fps, a keyframe every 2 s */
static void
make_clip (const gchar * path, const gchar * mux)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=200 pattern=ball "
      "! video/x-raw,format=I420,width=320,height=240,framerate=10/1 ! "
      "x264enc key-int-max=20 speed-preset=ultrafast ! h264parse ! %s ! "
      "filesink location=%s", mux, path);

  run_launch_line (desc);
  g_free (desc);
}

/* One MPEG-TS whose picture changes size at 10 s, timestamps running on:
 * concat feeds x264enc a caps change, which starts a new sequence. */
static void
make_resize_clip (const gchar * path)
{
  gchar *desc = g_strdup_printf ("concat name=c ! x264enc key-int-max=20 "
      "speed-preset=ultrafast ! h264parse ! mpegtsmux ! filesink location=%s "
      "videotestsrc num-buffers=100 pattern=ball ! video/x-raw,format=I420,"
      "width=320,height=240,framerate=10/1 ! c. "
      "videotestsrc num-buffers=50 pattern=snow ! video/x-raw,format=I420,"
      "width=192,height=108,framerate=10/1 ! c.", path);

  run_launch_line (desc);
  g_free (desc);
}

static void
make_small_clip (const gchar * path)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=50 pattern=snow ! "
      "video/x-raw,format=I420,width=192,height=108,framerate=10/1 ! "
      "x264enc key-int-max=20 speed-preset=ultrafast ! h264parse ! "
      "mpegtsmux ! filesink location=%s", path);

  run_launch_line (desc);
  g_free (desc);
}

/* The root and the clip are made by the first test, in a child process: a
 * pipeline in the parent would leave thread pools that forked children
 * cannot use. */
static void
choose_root (void)
{
  root = g_dir_make_tmp ("imm-reliability-XXXXXX", NULL);
  clip = g_build_filename (root, "b", "clip.mp4", NULL);
  clip_ts = g_build_filename (root, "b", "clip.ts", NULL);
  small_ts = g_build_filename (root, "b", "small.ts", NULL);
  resize_ts = g_build_filename (root, "b", "resize.ts", NULL);
}

static void
setup (void)
{
  if (!g_file_test (clip, G_FILE_TEST_EXISTS)) {
    gchar *dir = g_path_get_dirname (clip);

    g_mkdir_with_parents (dir, 0755);
    g_free (dir);
    make_clip (clip, "mp4mux");
    make_clip (clip_ts, "mpegtsmux");
    make_small_clip (small_ts);
    make_resize_clip (resize_ts);
  }
  g_free (clip_data);
  g_free (ts_data);
  fail_unless (g_file_get_contents (clip, (gchar **) & clip_data, &clip_len,
          NULL));
  fail_unless (g_file_get_contents (clip_ts, (gchar **) & ts_data, &ts_len,
          NULL));
}

static void
cleanup (void)
{
  remove_tree (root);
}

/* --- broken media -------------------------------------------------------- */

typedef enum
{ CUT, FLIP, GARBAGE } Damage;

/* Each case must give either whole outputs from what is readable, or a
 * clean Failed; `expect` pins the outcome where it is certain. */
static const struct
{
  const gchar *name;
  gboolean ts;                  /* damage the MPEG-TS clip, else the MP4 */
  Damage damage;
  gint amount;                  /* CUT: percent kept; FLIP: bytes flipped */
  const gchar *expect;          /* "Succeeded", "Failed" or NULL: either */
} broken[] = {
  /* mp4mux writes its index last: a cut MP4 has no playable stream */
  {"mp4 cut at 10%", FALSE, CUT, 10, "Failed"},
  {"mp4 cut at 50%", FALSE, CUT, 50, "Failed"},
  {"mp4 cut at 90%", FALSE, CUT, 90, "Failed"},
  {"mp4 200 bytes flipped", FALSE, FLIP, 200, NULL},
  {"mp4 5000 bytes flipped", FALSE, FLIP, 5000, NULL},
  /* MPEG-TS is readable up to the cut */
  {"ts cut at 10%", TRUE, CUT, 10, "Succeeded"},
  {"ts cut at 50%", TRUE, CUT, 50, "Succeeded"},
  {"ts cut at 90%", TRUE, CUT, 90, "Succeeded"},
  {"ts 200 bytes flipped", TRUE, FLIP, 200, NULL},
  {"ts 5000 bytes flipped", TRUE, FLIP, 5000, NULL},
  {"random garbage", FALSE, GARBAGE, 0, "Failed"},
  {"empty", FALSE, CUT, 0, "Failed"},
};

GST_START_TEST (test_broken_media)
{
  GRand *rand = g_rand_new_with_seed (42 + __i__);
  gsize len = broken[__i__].ts ? ts_len : clip_len;
  guint8 *data = g_memdup2 (broken[__i__].ts ? ts_data : clip_data, len);
  const gchar *name = broken[__i__].ts ? "broken.ts" : "broken.mp4";
  gchar *src = g_build_filename (root, "b", name, NULL);
  gchar *req;
  gchar *outdir = g_build_filename (root, "b", "out", NULL);
  gchar *before, *after;
  Outcome o;
  gint i;

  switch (broken[__i__].damage) {
    case CUT:
      len = len * broken[__i__].amount / 100;
      break;
    case FLIP:
      for (i = 0; i < broken[__i__].amount; i++)
        data[g_rand_int_range (rand, 64, len)] ^= 1 << g_rand_int_range
            (rand, 0, 8);
      break;
    case GARBAGE:
      for (i = 0; i < (gint) len; i++)
        data[i] = g_rand_int (rand);
      break;
  }
  fail_unless (g_file_set_contents (src, (gchar *) data, len, NULL));
  before = tree (root);

  req = g_strdup_printf ("{\"Sources\": [{\"URI\": \"oss://b/%s\"}], "
      "\"Targets\": [{\"Image\": {\"Snapshots\": [{\"Format\": \"jpg\", "
      "\"Interval\": 5, \"URI\": \"oss://b/out/snap-{index}.jpg\"}], "
      "\"Animations\": [{\"Format\": \"gif\", \"Interval\": 1, "
      "\"FrameRate\": 10, \"Width\": 160, \"URI\": \"oss://b/out/anim.gif\"}]}}]}",
      name);
  run (req, NULL, &o);
  g_free (req);

  if (broken[__i__].expect)
    fail_unless_equals_string (member (&o, "Status"), broken[__i__].expect);
  if (o.status == 0) {
    GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
    guint k;

    fail_unless_equals_string (member (&o, "Status"), "Succeeded");
    list_tree (outdir, NULL, files);
    fail_unless (files->len >= 2, "%s: %u files", broken[__i__].name,
        files->len);
    for (k = 0; k < files->len; k++) {
      gchar *p = g_build_filename (outdir, g_ptr_array_index (files, k),
          NULL);
      fail_unless (file_is_whole (p), "%s: %s is not a whole file",
          broken[__i__].name, p);
      g_free (p);
    }
    g_ptr_array_unref (files);
  } else {
    const gchar *code = member (&o, "Code");

    fail_unless_equals_string (member (&o, "Status"), "Failed");
    fail_unless (g_strcmp0 (code, "InvalidFile") == 0
        || g_strcmp0 (code, "DecodeError") == 0, "%s: Code %s (%s)",
        broken[__i__].name, code, member (&o, "Message"));
    fail_unless (*member (&o, "Message") != '\0');
    /* a failed task leaves nothing new behind */
    after = tree (root);
    fail_unless_equals_string (after, before);
    g_free (after);
  }
  g_print ("%s: %s %s\n", broken[__i__].name, member (&o, "Status"),
      member (&o, "Code"));
  remove_tree (outdir);
  g_unlink (src);
  outcome_clear (&o);
  g_free (before);
  g_free (src);
  g_free (outdir);
  g_free (data);
  g_rand_free (rand);
}

GST_END_TEST;

/* --- a missing keyframe, a picture size change ---------------------------- */

/* FrameCount of Targets[0].Image.<kind>[i] in the result. */
static gint64
frame_count (Outcome * o, const gchar * kind, guint i)
{
  JsonArray *targets = json_object_get_array_member (o->result, "Targets");
  JsonObject *image = json_object_get_object_member
      (json_array_get_object_element (targets, 0), "Image");
  JsonArray *entries = json_object_get_array_member (image, kind);

  return json_object_get_int_member (json_array_get_object_element (entries,
          i), "FrameCount");
}

/* Offset of the video stream's second PES packet: cut there, the stream
 * starts with the P frames of the first GOP, its keyframe gone. */
/* --- a frame the decoder cannot decode ------------------------------------ */

/* An MJPEG AVI (3 s at 10 fps) whose frame at 1.5 s has its headers
 * zeroed: jpegdec cannot decode it. By default a video decoder drops such
 * a frame with only a QoS message, so an interval capture would take the
 * next frame and report success; the launcher must fail with DecodeError
 * naming the source and the time instead, in whichever source it is. */
static const struct
{
  const gchar *sources;
  const gchar *message;
} decode_cases[] = {
  {"{\"URI\": \"oss://b/mjpeg-bad.avi\"}",
      "Sources[0].URI: cannot decode 'oss://b/mjpeg-bad.avi' at 1.500 s"},
  {"{\"URI\": \"oss://b/mjpeg.avi\"}, {\"URI\": \"oss://b/mjpeg-bad.avi\"}",
      "Sources[1].URI: cannot decode 'oss://b/mjpeg-bad.avi' at 1.500 s"},
};

GST_START_TEST (test_decode_error)
{
  gchar *good = g_build_filename (root, "b", "mjpeg.avi", NULL);
  gchar *bad = g_build_filename (root, "b", "mjpeg-bad.avi", NULL);
  gchar *desc, *data, *req, *before, *after;
  gsize len, p, soi = 0;
  guint n = 0;
  Outcome o;

  desc = g_strdup_printf ("videotestsrc num-buffers=30 ! video/x-raw,"
      "width=160,height=120,framerate=10/1 ! jpegenc ! avimux ! filesink "
      "location=%s", good);
  run_launch_line (desc);
  g_free (desc);
  fail_unless (g_file_get_contents (good, &data, &len, NULL));
  /* the 16th picture (1.5 s): from just after its start marker */
  for (p = 0; p + 3 < len && n < 16; p++) {
    if ((guint8) data[p] == 0xff && (guint8) data[p + 1] == 0xd8
        && (guint8) data[p + 2] == 0xff) {
      soi = p;
      n++;
    }
  }
  fail_unless_equals_int (n, 16);
  memset (data + soi + 2, 0, 400);
  fail_unless (g_file_set_contents (bad, data, len, NULL));
  g_free (data);

  before = tree (root);
  req = g_strdup_printf ("{\"Sources\": [%s], \"Targets\": [{\"Image\": {"
      "\"Snapshots\": [{\"Format\": \"jpg\", \"Interval\": 0.5, "
      "\"URI\": \"oss://b/dec/s-{index}.jpg\"}]}}]}",
      decode_cases[__i__].sources);
  run (req, NULL, &o);
  g_free (req);
  fail_unless_equals_int (o.status, 1);
  fail_unless_equals_string (member (&o, "Code"), "DecodeError");
  fail_unless (g_str_has_prefix (member (&o, "Message"),
          decode_cases[__i__].message), "%s", member (&o, "Message"));
  after = tree (root);
  fail_unless_equals_string (after, before);
  outcome_clear (&o);

  /* the undamaged file gives every picture */
  run ("{\"Sources\": [{\"URI\": \"oss://b/mjpeg.avi\"}], \"Targets\": [{"
      "\"Image\": {\"Snapshots\": [{\"Format\": \"jpg\", \"Interval\": 0.5, "
      "\"URI\": \"oss://b/dec/s-{index}.jpg\"}]}}]}", NULL, &o);
  fail_unless_equals_int (o.status, 0);
  fail_unless_equals_int (frame_count (&o, "Snapshots", 0), 6);
  outcome_clear (&o);
  g_unlink (good);
  g_unlink (bad);
  g_free (good);
  g_free (bad);
  g_free (before);
  g_free (after);
  {
    gchar *dir = g_build_filename (root, "b", "dec", NULL);

    remove_tree (dir);
    g_free (dir);
  }
}

GST_END_TEST;

/* An MJPEG AVI (3 s at 10 fps) whose frames from 1.1 s on are broken: a
 * capture whose last frame is at 1.0 s ends before them and succeeds (it
 * failed with DecodeError at 1.100 s while immsnapshot waited for the next
 * frame to end the stream; the same race, later, after a WebM/VP9 seek
 * under load: a frame after the end that the decodebin's multiqueue let
 * through without the ones before it); one that needs a frame after them
 * fails. */
GST_START_TEST (test_decode_error_after_capture)
{
  gchar *path = g_build_filename (root, "b", "mjpeg-tail.avi", NULL);
  gchar *desc, *data;
  gsize len, p;
  guint n = 0;
  Outcome o;

  desc = g_strdup_printf ("videotestsrc num-buffers=30 ! video/x-raw,"
      "width=160,height=120,framerate=10/1 ! jpegenc ! avimux ! filesink "
      "location=%s", path);
  run_launch_line (desc);
  g_free (desc);
  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  /* from the 12th picture (1.1 s) on: headers zeroed after the marker */
  for (p = 0; p + 402 < len; p++) {
    if ((guint8) data[p] == 0xff && (guint8) data[p + 1] == 0xd8
        && (guint8) data[p + 2] == 0xff && ++n >= 12)
      memset (data + p + 2, 0, 400);
  }
  fail_unless_equals_int (n, 30);
  fail_unless (g_file_set_contents (path, data, len, NULL));
  g_free (data);

  run ("{\"Sources\": [{\"URI\": \"oss://b/mjpeg-tail.avi\"}], "
      "\"Targets\": [{\"Image\": {\"Snapshots\": [{\"Format\": \"jpg\", "
      "\"StartTime\": 1, \"Number\": 1, "
      "\"URI\": \"oss://b/dect/s-{index}.jpg\"}]}}]}", NULL, &o);
  fail_unless_equals_int (o.status, 0);
  fail_unless_equals_int (frame_count (&o, "Snapshots", 0), 1);
  outcome_clear (&o);

  run ("{\"Sources\": [{\"URI\": \"oss://b/mjpeg-tail.avi\"}], "
      "\"Targets\": [{\"Image\": {\"Snapshots\": [{\"Format\": \"jpg\", "
      "\"StartTime\": 1, \"Interval\": 0.5, \"Number\": 2, "
      "\"URI\": \"oss://b/dect/t-{index}.jpg\"}]}}]}", NULL, &o);
  fail_unless_equals_int (o.status, 1);
  fail_unless_equals_string (member (&o, "Code"), "DecodeError");
  fail_unless (g_str_has_prefix (member (&o, "Message"), "Sources[0].URI: "
          "cannot decode 'oss://b/mjpeg-tail.avi' at 1.100 s"), "%s",
      member (&o, "Message"));
  outcome_clear (&o);
  g_unlink (path);
  g_free (path);
  {
    gchar *dir = g_build_filename (root, "b", "dect", NULL);

    remove_tree (dir);
    g_free (dir);
  }
}

GST_END_TEST;

/* --- FrameCount of an animation ------------------------------------------ */

/* Whether this immanimenc posts an `immanimenc` message with the frames it
 * wrote when it finishes a file. */
static gboolean
animenc_posts_frames (void)
{
  GstElement *p = gst_parse_launch ("videotestsrc num-buffers=3 ! "
      "video/x-raw,width=16,height=16,framerate=10/1 ! immanimenc "
      "format=gif ! fakesink", NULL);
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg;
  gboolean posts = FALSE, done = FALSE;

  gst_element_set_state (p, GST_STATE_PLAYING);
  while (!done && (msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);

    if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
      done = TRUE;
    else if (gst_structure_has_name (st, "immanimenc")
        && gst_structure_has_field (st, "frames"))
      posts = TRUE;
    gst_message_unref (msg);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  return posts;
}

/* A still picture for 3 s at 10 fps: immsnapshot takes 30 frames, and
 * immanimenc merges identical ones into far fewer. FrameCount is the
 * frames in the written file (decoded back), once immanimenc says how
 * many it wrote; before that, the frames taken. */
GST_START_TEST (test_animation_frame_count)
{
  gchar *still = g_build_filename (root, "b", "still.mp4", NULL);
  gchar *desc, *gif;
  gint w, h, frames;
  Outcome o;

  desc = g_strdup_printf ("videotestsrc num-buffers=30 pattern=red ! "
      "video/x-raw,format=I420,width=160,height=120,framerate=10/1 ! "
      "x264enc speed-preset=ultrafast ! h264parse ! mp4mux ! filesink "
      "location=%s", still);
  run_launch_line (desc);
  g_free (desc);
  run ("{\"Sources\": [{\"URI\": \"oss://b/still.mp4\"}], \"Targets\": [{"
      "\"Image\": {\"Animations\": [{\"Format\": \"gif\", \"FrameRate\": 10, "
      "\"URI\": \"oss://b/still/a.gif\"}]}}]}", NULL, &o);
  fail_unless_equals_int (o.status, 0);
  gif = g_build_filename (root, "b", "still", "a.gif", NULL);
  fail_unless (decode_gif (gif, &w, &h, &frames));
  if (animenc_posts_frames ()) {
    fail_unless (frames < 30, "%d frames in the GIF", frames);
    fail_unless_equals_int (frame_count (&o, "Animations", 0), frames);
  } else {
    fail_unless_equals_int (frame_count (&o, "Animations", 0), 30);
  }
  outcome_clear (&o);
  g_unlink (gif);
  g_unlink (still);
  g_free (gif);
  g_free (still);
}

GST_END_TEST;

static gsize
second_video_pes (const guint8 * ts, gsize len)
{
  gint pid = -1, seen = 0;
  gsize off;

  for (off = 0; off + 188 <= len; off += 188) {
    const guint8 *p = ts + off;
    gint this_pid = ((p[1] & 0x1f) << 8) | p[2];
    guint afc = (p[3] >> 4) & 3;
    gsize payload = 4 + ((afc & 2) ? 1 + p[4] : 0);

    fail_unless (p[0] == 0x47, "not MPEG-TS at %" G_GSIZE_FORMAT, off);
    if (!(p[1] & 0x40) || !(afc & 1) || payload + 4 > 188)
      continue;
    /* a PES start code with a video stream id */
    if (p[payload] != 0 || p[payload + 1] != 0 || p[payload + 2] != 1
        || (p[payload + 3] & 0xf0) != 0xe0)
      continue;
    if (pid < 0)
      pid = this_pid;
    if (this_pid == pid && ++seen == 2)
      return off;
  }
  fail ("no second video PES packet");
  return 0;
}

/* Decoding starts at the first keyframe: the outputs are those of the
 * readable part (README, Decisions), which counts from its first frame. */
/* @dir/@name decodes as a @w x @h picture or animation of @frames frames
 * (-1: more than one, for a WebP, which merges frames that do not
 * change). */
static void
check_output (const gchar * dir, const gchar * name, gint w, gint h,
    gint frames)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gint pw, ph, n;

  decode_output (path, &pw, &ph, &n);
  fail_unless (pw == w && ph == h && (frames < 0 ? n > 1 : n == frames),
      "%s: %dx%d, %d frames", path, pw, ph, n);
  g_free (path);
}

GST_START_TEST (test_missing_keyframe)
{
  gsize cut = second_video_pes (ts_data, ts_len);
  gchar *src = g_build_filename (root, "b", "nokey.ts", NULL);
  gchar *outdir = g_build_filename (root, "b", "nokey", NULL);
  gint k;
  Outcome o;

  fail_unless (cut > 0 && cut % 188 == 0);
  fail_unless (g_file_set_contents (src, (gchar *) ts_data + cut,
          ts_len - cut, NULL));
  run ("{\"Sources\": [{\"URI\": \"oss://b/nokey.ts\"}], \"Targets\": [{"
      "\"Image\": {\"Snapshots\": [{\"Format\": \"jpg\", \"Interval\": 1, "
      "\"URI\": \"oss://b/nokey/s-{index}.jpg\"}, {\"Format\": \"jpg\", "
      "\"Mode\": \"keyframe\", \"URI\": \"oss://b/nokey/k-{index}.jpg\"}], "
      "\"Animations\": [{\"Format\": \"gif\", \"Interval\": 1, "
      "\"FrameRate\": 10, \"URI\": \"oss://b/nokey/a.gif\"}, "
      "{\"Format\": \"webp\", \"URI\": \"oss://b/nokey/b.webp\"}]}}]}",
      NULL, &o);
  fail_unless_equals_int (o.status, 0);
  fail_unless_equals_string (member (&o, "Status"), "Succeeded");
  /* The keyframes at 2, 4, ... 18 s remain: 18 s of pictures from the
   * one at 2 s, and not one picture from before it. */
  fail_unless_equals_int (frame_count (&o, "Snapshots", 0), 18);
  fail_unless_equals_int (frame_count (&o, "Snapshots", 1), 9);
  fail_unless_equals_int (frame_count (&o, "Animations", 0), 18);
  fail_unless_equals_int (frame_count (&o, "Animations", 1), 180);
  for (k = 1; k <= 18; k++) {
    gchar *name = g_strdup_printf ("s-%d.jpg", k);

    check_output (outdir, name, 320, 240, 1);
    g_free (name);
  }
  for (k = 1; k <= 9; k++) {
    gchar *name = g_strdup_printf ("k-%d.jpg", k);

    check_output (outdir, name, 320, 240, 1);
    g_free (name);
  }
  check_output (outdir, "a.gif", 320, 240, 18);
  check_output (outdir, "b.webp", 320, 240, -1);
  outcome_clear (&o);
  remove_tree (outdir);
  g_unlink (src);
  g_free (outdir);
  g_free (src);
}

GST_END_TEST;

/* 320x240 for 10 or 20 s, then 192x108 for 5 s: in one MPEG-TS stream or
 * as two joined sources. */
static const struct
{
  const gchar *name;
  const gchar *sources;
  gint seconds;
} resized[] = {
  {"one stream", "{\"URI\": \"oss://b/resize.ts\"}", 15},
  {"joined sources", "{\"URI\": \"oss://b/clip.ts\"}, "
        "{\"URI\": \"oss://b/small.ts\"}", 25},
};

/* Snapshots follow the picture (at the request's size when it has one);
 * an animation keeps the size it has on the first picture (README,
 * Decisions). */
GST_START_TEST (test_resolution_change)
{
  gchar *outdir = g_build_filename (root, "b", "rs", NULL);
  gchar *req = g_strdup_printf ("{\"Sources\": [%s], \"Targets\": [{"
      "\"Image\": {\"Snapshots\": [{\"Format\": \"jpg\", \"Interval\": 1, "
      "\"URI\": \"oss://b/rs/s-{index}.jpg\"}, {\"Format\": \"jpg\", "
      "\"Interval\": 1, \"Width\": 100, \"Height\": 100, \"ScaleType\": "
      "\"crop\", \"URI\": \"oss://b/rs/c-{index}.jpg\"}], \"Animations\": [{"
      "\"Format\": \"gif\", \"Interval\": 1, \"FrameRate\": 10, \"URI\": "
      "\"oss://b/rs/a.gif\"}, {\"Format\": \"webp\", \"Interval\": 0.5, "
      "\"Width\": 160, \"Height\": 160, \"ScaleType\": \"fit\", \"URI\": "
      "\"oss://b/rs/b.webp\"}]}}]}", resized[__i__].sources);
  gint n = resized[__i__].seconds, k, w, h, frames, big = 0, small = 0;
  Outcome o;

  run (req, NULL, &o);
  fail_unless_equals_int (o.status, 0);
  fail_unless_equals_string (member (&o, "Status"), "Succeeded");
  fail_unless_equals_int (frame_count (&o, "Snapshots", 0), n);
  fail_unless_equals_int (frame_count (&o, "Snapshots", 1), n);
  fail_unless_equals_int (frame_count (&o, "Animations", 0), n);
  fail_unless_equals_int (frame_count (&o, "Animations", 1), 2 * n);
  for (k = 1; k <= n; k++) {
    gchar *name = g_strdup_printf ("s-%d.jpg", k);
    gchar *p = g_build_filename (outdir, name, NULL);

    decode_output (p, &w, &h, &frames);
    if (w == 320 && h == 240) {
      /* the first size comes first, and only there */
      fail_unless (small == 0, "%s: 320x240 after 192x108", p);
      big++;
    } else {
      fail_unless (w == 192 && h == 108, "%s: %dx%d", p, w, h);
      small++;
    }
    g_free (p);
    g_free (name);
    name = g_strdup_printf ("c-%d.jpg", k);
    p = g_build_filename (outdir, name, NULL);
    decode_output (p, &w, &h, &frames);
    fail_unless (w == 100 && h == 100, "%s: %dx%d", p, w, h);
    g_free (p);
    g_free (name);
  }
  fail_unless_equals_int (small, 5);
  check_output (outdir, "a.gif", 320, 240, n);
  /* fit on the first picture: 160x120, kept */
  check_output (outdir, "b.webp", 160, 120, -1);
  g_print ("%s: %d + %d snapshots\n", resized[__i__].name, big, small);
  outcome_clear (&o);
  remove_tree (outdir);
  g_free (outdir);
  g_free (req);
}

GST_END_TEST;

/* --- hostile requests ---------------------------------------------------- */

#define SRC "{\"Sources\": [{\"URI\": \"oss://b/clip.mp4\"}], "
#define SNAP(fields) SRC "\"Targets\": [{\"Image\": {\"Snapshots\": [{" \
    "\"Format\": \"jpg\", " fields "}]}}]}"

static const struct
{
  const gchar *name;
  const gchar *request;         /* NULL: made by the test */
  const gchar *path;            /* expected in Message */
} hostile[] = {
  {"Number 1e15", SNAP ("\"URI\": \"oss://b/h-{index}.jpg\", \"Interval\": 1, "
            "\"Number\": 1e15"), "Targets[0].Image.Snapshots[0].Number"},
  {"Width 1e308", SNAP ("\"URI\": \"oss://b/h.jpg\", \"Width\": 1e308"),
      "Targets[0].Image.Snapshots[0].Width"},
  {"Height -1", SNAP ("\"URI\": \"oss://b/h.jpg\", \"Height\": -1"),
      "Targets[0].Image.Snapshots[0].Height"},
  {"Interval NaN", SNAP ("\"URI\": \"oss://b/h.jpg\", \"Interval\": NaN"),
      NULL},
  {"Width a string", SNAP ("\"URI\": \"oss://b/h.jpg\", \"Width\": \"360\""),
      "Targets[0].Image.Snapshots[0].Width"},
  {"NUL in a URI", SNAP ("\"URI\": \"oss://b/h\\u0000x.jpg\""),
      "(request): a string holds \\u0000 (NUL)"},
  {"absolute output path", SNAP ("\"URI\": \"/etc/imm-h.jpg\""),
      "Targets[0].Image.Snapshots[0].URI"},
  {"escaping output path", SNAP ("\"URI\": \"oss://b/../../../h.jpg\""),
      "Targets[0].Image.Snapshots[0].URI"},
  {"deep nesting", NULL, "(request): arrays and objects nest deeper than 64"},
  {"100000 sources", NULL, "Sources"},
};

static gchar *
make_hostile (guint i)
{
  GString *s = g_string_new (NULL);
  gint k;

  if (i == 8) {
    g_string_append (s, "{\"UserData\": ");
    for (k = 0; k < 100000; k++)
      g_string_append_c (s, '[');
    for (k = 0; k < 100000; k++)
      g_string_append_c (s, ']');
    g_string_append (s, "}");
  } else {
    g_string_append (s, "{\"Sources\": [");
    for (k = 0; k < 100000; k++)
      g_string_append (s, k ? ", {\"URI\": \"oss://b/clip.mp4\"}" :
          "{\"URI\": \"oss://b/clip.mp4\"}");
    g_string_append (s, "], \"Targets\": [{\"Image\": {\"Snapshots\": [{"
        "\"Format\": \"jpg\", \"URI\": \"oss://b/h.jpg\"}]}}]}");
  }
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_hostile_requests)
{
  gchar *req = hostile[__i__].request ? g_strdup (hostile[__i__].request) :
      make_hostile (__i__);
  gchar *before = tree (root), *after;
  Outcome o;

  run (req, NULL, &o);
  fail_unless_equals_int (o.status, 1);
  fail_unless_equals_string (member (&o, "Status"), "Failed");
  fail_unless_equals_string (member (&o, "Code"), "InvalidArgument");
  if (hostile[__i__].path)
    fail_unless (strstr (member (&o, "Message"), hostile[__i__].path) != NULL,
        "%s: Message '%s' does not name %s", hostile[__i__].name,
        member (&o, "Message"), hostile[__i__].path);
  after = tree (root);
  fail_unless_equals_string (after, before);
  outcome_clear (&o);
  g_free (after);
  g_free (before);
  g_free (req);
}

GST_END_TEST;

GST_START_TEST (test_format_string_in_path)
{
  gchar *file1 = g_build_filename (root, "b", "fmt", "%s%n%d-1.jpg", NULL);
  gchar *dir = g_build_filename (root, "b", "fmt", NULL);
  Outcome o;

  /* printf directives in a template are the file's name, nothing else */
  run (SNAP ("\"URI\": \"oss://b/fmt/%s%n%d-{index}.jpg\", \"Interval\": 5"),
      NULL, &o);
  fail_unless_equals_int (o.status, 0);
  fail_unless (file_is_whole (file1), "%s missing", file1);
  outcome_clear (&o);
  remove_tree (dir);
  g_free (dir);
  g_free (file1);
}

GST_END_TEST;

/* --- read-only and full file systems ------------------------------------- */

typedef enum
{
  RO_ROOT,                      /* the storage root is mounted read-only */
  RO_BUCKET,                    /* root writable, the bucket read-only */
  OWN_BUCKET,                   /* the bucket is a file system of its own */
  FULL_ROOT_SNAPSHOTS,          /* a small tmpfs as storage root */
  FULL_ROOT_ANIMATION,
  FULL_BUCKET,                  /* full when the files are moved into it */
} StorageCase;

#define SNAPSHOTS_TO(src) "{\"Sources\": [{\"URI\": \"" src "\"}], " \
    "\"Targets\": [{\"Image\": {\"Snapshots\": [{\"Format\": \"jpg\", " \
    "\"Interval\": 1, \"URI\": \"oss://b/out/s-{index}.jpg\"}]}}]}"
#define ANIMATION_TO(src) "{\"Sources\": [{\"URI\": \"" src "\"}], " \
    "\"Targets\": [{\"Image\": {\"Animations\": [{\"Format\": \"gif\", " \
    "\"URI\": \"oss://b/out/a.gif\"}]}}]}"

static const struct
{
  const gchar *name;
  StorageCase what;
  const gchar *request;         /* SRC_PATH: the clip outside the root */
  const gchar *message;         /* expected in Message ({root}: the root) */
  const gchar *reason;          /* expected in Message too */
} storage[] = {
  {"read-only storage root", RO_ROOT, SNAPSHOTS_TO ("oss://b/clip.mp4"),
      "cannot create a temporary directory in {root}", "Read-only file system"},
  {"read-only bucket", RO_BUCKET, SNAPSHOTS_TO ("oss://b/clip.mp4"),
      "cannot write {root}/b/out/s-1.jpg", "Read-only file system"},
  {"bucket on its own file system", OWN_BUCKET,
      SNAPSHOTS_TO ("oss://b/clip.mp4"), NULL, NULL},
  {"full disk, snapshots", FULL_ROOT_SNAPSHOTS, SNAPSHOTS_TO ("SRC_PATH"),
        "Targets[0].Image.Snapshots[0].URI: cannot write 'oss://b/out/s-",
      "No space left"},
  {"full disk, animation", FULL_ROOT_ANIMATION, ANIMATION_TO ("SRC_PATH"),
        "Targets[0].Image.Animations[0].URI: cannot write 'oss://b/out/a.gif'",
      "No space left"},
  {"full bucket", FULL_BUCKET, SNAPSHOTS_TO ("SRC_PATH"),
      "cannot write {root}/b/out/s-", "No space left on device"},
};

/* Mounts made from here on belong to this test process alone and vanish
 * with it, whatever way it ends. */
static gboolean
private_mounts (void)
{
  if (geteuid () != 0) {
    g_print ("not root: the read-only and full file system cases need "
        "mounts and are not run\n");
    return FALSE;
  }
  if (unshare (CLONE_NEWNS) != 0) {
    g_print ("no mount namespace (%s): the read-only and full file system "
        "cases are not run\n", g_strerror (errno));
    return FALSE;
  }
  fail_unless (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
      "%s", g_strerror (errno));
  return TRUE;
}

static void
mount_tmpfs (const gchar * dir, const gchar * size, gboolean read_only)
{
  gchar *opts = g_strdup_printf ("size=%s,mode=0755", size);

  fail_unless (g_mkdir_with_parents (dir, 0755) == 0);
  fail_unless (mount ("tmpfs", dir, "tmpfs", read_only ? MS_REMOUNT |
          MS_RDONLY : 0, opts) == 0, "mount %s: %s", dir, g_strerror (errno));
  g_free (opts);
}

GST_START_TEST (test_storage)
{
  StorageCase what = storage[__i__].what;
  gchar *base = g_build_filename (root, "st", NULL);
  gchar *sroot = g_build_filename (base, "root", NULL);
  gchar *bucket = g_build_filename (sroot, "b", NULL);
  gchar *mounted = what == RO_ROOT || what == FULL_ROOT_SNAPSHOTS
      || what == FULL_ROOT_ANIMATION ? sroot : bucket;
  gchar *src, *req, *before, *after, *inside, *inside_after;
  gchar **parts;
  Outcome o;

  if (!private_mounts ())
    goto out;
  fail_unless (g_mkdir_with_parents (sroot, 0755) == 0);
  mount_tmpfs (mounted, what == FULL_BUCKET || what == FULL_ROOT_SNAPSHOTS ?
      "64k" : what == FULL_ROOT_ANIMATION ? "32k" : "8m", FALSE);
  if (what == RO_ROOT || what == RO_BUCKET || what == OWN_BUCKET) {
    src = g_build_filename (bucket, "clip.mp4", NULL);
    g_mkdir_with_parents (bucket, 0755);
    fail_unless (g_file_set_contents (src, (gchar *) clip_data, clip_len,
            NULL));
    g_free (src);
  }
  if (what == RO_BUCKET) {
    /* the folder is there: the files are what cannot be written */
    gchar *out = g_build_filename (bucket, "out", NULL);

    fail_unless (g_mkdir (out, 0755) == 0);
    g_free (out);
  }
  if (what == RO_ROOT || what == RO_BUCKET)
    mount_tmpfs (mounted, "8m", TRUE);

  parts = g_strsplit (storage[__i__].request, "SRC_PATH", -1);
  req = g_strjoinv (clip, parts);
  g_strfreev (parts);
  /* nothing new outside the storage root either */
  before = tree (root);
  inside = tree (sroot);
  run (req, sroot, &o);
  after = tree (root);
  inside_after = tree (sroot);

  if (storage[__i__].message == NULL) {
    gint k, w, h, frames;

    fail_unless_equals_int (o.status, 0);
    fail_unless_equals_string (member (&o, "Status"), "Succeeded");
    for (k = 1; k <= 20; k++) {
      gchar *name = g_strdup_printf ("s-%d.jpg", k);
      gchar *p = g_build_filename (bucket, "out", name, NULL);

      decode_output (p, &w, &h, &frames);
      g_free (p);
      g_free (name);
    }
    /* no partial copy is left next to them */
    fail_if (strstr (inside_after, ".imm-convert") != NULL, "%s", inside_after);
  } else {
    gchar **tmpl = g_strsplit (storage[__i__].message, "{root}", -1);
    gchar *expect = g_strjoinv (sroot, tmpl);

    g_strfreev (tmpl);
    fail_unless_equals_int (o.status, 1);
    fail_unless_equals_string (member (&o, "Status"), "Failed");
    fail_unless (strstr (member (&o, "Message"), expect) != NULL,
        "%s: Message '%s' does not say '%s'", storage[__i__].name,
        member (&o, "Message"), expect);
    fail_unless (strstr (member (&o, "Message"), storage[__i__].reason)
        != NULL, "%s: Message '%s' does not say '%s'", storage[__i__].name,
        member (&o, "Message"), storage[__i__].reason);
    /* nothing partial left, inside the root or out */
    fail_unless_equals_string (inside_after, inside);
    fail_unless_equals_string (after, before);
    g_free (expect);
  }
  g_print ("%s: %s %s\n", storage[__i__].name, member (&o, "Status"),
      member (&o, "Message"));
  outcome_clear (&o);
  fail_unless (umount2 (mounted, MNT_DETACH) == 0, "%s", g_strerror (errno));
  g_free (before);
  g_free (after);
  g_free (inside);
  g_free (inside_after);
  g_free (req);
out:
  remove_tree (base);
  g_free (bucket);
  g_free (sroot);
  g_free (base);
}

GST_END_TEST;

/* --- kills and parallel runs --------------------------------------------- */

typedef struct
{
  GPid pid;
  gint out_fd;
  gchar *req_path;
} Child;

static void
start (const gchar * request, const gchar * name, Child * c)
{
  const gchar *argv[] = { tool (), "--quiet", "--storage-root", root, NULL,
    NULL
  };

  c->req_path = g_build_filename (root, name, NULL);
  fail_unless (g_file_set_contents (c->req_path, request, -1, NULL));
  argv[4] = c->req_path;
  fail_unless (g_spawn_async_with_pipes (NULL, (gchar **) argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
          &c->pid, NULL, &c->out_fd, NULL, NULL));
}

/* Waits at most 120 s; kills a hung child and fails. */
static void
finish (Child * c, Outcome * o)
{
  GString *out = g_string_new (NULL);
  gchar buf[4096];
  gssize n;
  gint status = 0, waited;

  memset (o, 0, sizeof (*o));
  while ((n = read (c->out_fd, buf, sizeof (buf))) > 0)
    g_string_append_len (out, buf, n);
  close (c->out_fd);
  for (waited = 0; waited < 1200; waited++) {
    if (waitpid (c->pid, &status, WNOHANG) == c->pid)
      break;
    g_usleep (100 * 1000);
  }
  if (waited == 1200) {
    kill (c->pid, SIGKILL);
    waitpid (c->pid, &status, 0);
    fail ("imm-convert did not end");
  }
  fail_unless (WIFEXITED (status), "imm-convert died of signal %d",
      WTERMSIG (status));
  o->status = WEXITSTATUS (status);
  o->out = g_string_free (out, FALSE);
  parse_result (o);
  g_unlink (c->req_path);
  g_free (c->req_path);
}

#define BIG_WEBP SRC "\"Targets\": [{\"Image\": {\"Animations\": [{" \
    "\"Format\": \"webp\", \"Interval\": 0.1, \"FrameRate\": 10, " \
    "\"Width\": 1920, \"Height\": 1440, \"URI\": \"oss://b/kill/anim.webp\"}]}}]}"

/* Waits at most 120 s for the tool's staging directory in the storage root:
 * from then on its signal handlers are in place. Under the sanitizers with
 * leak checking, start-up alone can outlast a fixed moment. */
static void
wait_for_staging (void)
{
  gint waited;

  for (waited = 0; waited < 1200; waited++) {
    GDir *d = g_dir_open (root, 0, NULL);
    const gchar *name;
    gboolean found = FALSE;

    while (d != NULL && !found && (name = g_dir_read_name (d)) != NULL)
      found = g_str_has_prefix (name, ".imm-convert-");
    if (d != NULL)
      g_dir_close (d);
    if (found)
      return;
    g_usleep (100 * 1000);
  }
  fail ("imm-convert made no staging directory within 120 s");
}

static void
kill_during_run (gint sig)
{
  gchar *before = tree (root), *after;
  Child c;
  Outcome o;

  /* 200 frames of 1920x1440 WebP take seconds; stop it a moment in */
  start (BIG_WEBP, "kill.json", &c);
  wait_for_staging ();
  g_usleep (700 * 1000);
  fail_unless (kill (c.pid, sig) == 0);
  finish (&c, &o);
  fail_unless_equals_int (o.status, 1);
  fail_unless_equals_string (member (&o, "Status"), "Failed");
  fail_unless (*member (&o, "Message") != '\0');
  /* no output under its final name, no temporary file left */
  after = tree (root);
  fail_unless_equals_string (after, before);
  outcome_clear (&o);
  g_free (after);
  g_free (before);
}

GST_START_TEST (test_sigterm)
{
  kill_during_run (SIGTERM);
}

GST_END_TEST;

GST_START_TEST (test_sigint)
{
  kill_during_run (SIGINT);
}

GST_END_TEST;

#define PAR(dir) SRC "\"Targets\": [{\"Image\": {\"Snapshots\": [{" \
    "\"Format\": \"jpg\", \"Interval\": 2, \"Width\": 640, \"URI\": " \
    "\"oss://b/" dir "/s-{index}.jpg\"}], \"Animations\": [{\"Format\": " \
    "\"gif\", \"Interval\": 0.5, \"URI\": \"oss://b/" dir "/a.gif\"}]}}]}"

GST_START_TEST (test_parallel_runs)
{
  const gchar *reqs[] = { PAR ("p1"), PAR ("p2"), PAR ("p3"), PAR ("same"),
    PAR ("same")
  };
  Child c[G_N_ELEMENTS (reqs)];
  Outcome o;
  guint i, k;

  for (i = 0; i < G_N_ELEMENTS (reqs); i++) {
    gchar *name = g_strdup_printf ("par%u.json", i);
    start (reqs[i], name, &c[i]);
    g_free (name);
  }
  for (i = 0; i < G_N_ELEMENTS (reqs); i++) {
    finish (&c[i], &o);
    /* each run succeeds, the two into the same folder included: the last
     * to finish replaces the other's files whole */
    fail_unless_equals_int (o.status, 0);
    fail_unless_equals_string (member (&o, "Status"), "Succeeded");
    outcome_clear (&o);
  }
  for (i = 0; i < 4; i++) {
    const gchar *dirs[] = { "p1", "p2", "p3", "same" };
    const gchar *dir = dirs[i];
    for (k = 1; k <= 10; k++) {
      gchar *name = g_strdup_printf ("s-%u.jpg", k);
      gchar *p = g_build_filename (root, "b", dir, name, NULL);
      fail_unless (file_is_whole (p), "%s", p);
      g_free (p);
      g_free (name);
    }
    {
      gchar *p = g_build_filename (root, "b", dir, "a.gif", NULL);
      fail_unless (file_is_whole (p), "%s", p);
      g_free (p);
    }
  }
  /* no temporary folder survives any of them */
  {
    gchar *t = tree (root);
    fail_if (strstr (t, ".imm-convert") != NULL, "%s", t);
    g_free (t);
  }
}

GST_END_TEST;

/* Runs of different requests writing the same paths: every file is
 * whole and entirely one run's (its size says which). */
GST_START_TEST (test_same_output_path)
{
  const gint widths[] = { 160, 200, 240, 280 };
  Child c[G_N_ELEMENTS (widths)];
  Outcome o;
  gint i, k, w, h, frames;

  for (i = 0; i < (gint) G_N_ELEMENTS (widths); i++) {
    gchar *req = g_strdup_printf (SRC "\"Targets\": [{\"Image\": {"
        "\"Snapshots\": [{\"Format\": \"jpg\", \"Interval\": 2, \"Width\": "
        "%d, \"URI\": \"oss://b/same2/s-{index}.jpg\"}], \"Animations\": [{"
        "\"Format\": \"webp\", \"Interval\": 0.5, \"Width\": %d, \"URI\": "
        "\"oss://b/same2/a.webp\"}]}}]}", widths[i], widths[i]);
    gchar *name = g_strdup_printf ("same%d.json", i);

    start (req, name, &c[i]);
    g_free (name);
    g_free (req);
  }
  for (i = 0; i < (gint) G_N_ELEMENTS (widths); i++) {
    finish (&c[i], &o);
    fail_unless_equals_int (o.status, 0);
    fail_unless_equals_string (member (&o, "Status"), "Succeeded");
    outcome_clear (&o);
  }
  for (k = 0; k <= 10; k++) {
    gchar *name = k ? g_strdup_printf ("s-%d.jpg", k) : g_strdup ("a.webp");
    gchar *p = g_build_filename (root, "b", "same2", name, NULL);
    gboolean known = FALSE;

    decode_output (p, &w, &h, &frames);
    for (i = 0; i < (gint) G_N_ELEMENTS (widths); i++)
      known |= w == widths[i] && h == 240;
    fail_unless (known, "%s: %dx%d is no run's size", p, w, h);
    g_free (p);
    g_free (name);
  }
  {
    gchar *dir = g_build_filename (root, "b", "same2", NULL);
    gchar *t = tree (dir);

    fail_if (strstr (t, ".imm-convert") != NULL, "%s", t);
    g_free (t);
    remove_tree (dir);
    g_free (dir);
  }
}

GST_END_TEST;

static Suite *
reliability_suite (void)
{
  Suite *s = suite_create ("reliability");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_unchecked_fixture (tc, choose_root, cleanup);
  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_loop_test (tc, test_broken_media, 0, G_N_ELEMENTS (broken));
  tcase_add_test (tc, test_missing_keyframe);
  tcase_add_test (tc, test_animation_frame_count);
  tcase_add_loop_test (tc, test_decode_error, 0, G_N_ELEMENTS (decode_cases));
  tcase_add_test (tc, test_decode_error_after_capture);
  tcase_add_loop_test (tc, test_resolution_change, 0, G_N_ELEMENTS (resized));
  tcase_add_loop_test (tc, test_hostile_requests, 0, G_N_ELEMENTS (hostile));
  tcase_add_loop_test (tc, test_storage, 0, G_N_ELEMENTS (storage));
  tcase_add_test (tc, test_format_string_in_path);
  tcase_add_test (tc, test_sigterm);
  tcase_add_test (tc, test_sigint);
  tcase_add_test (tc, test_parallel_runs);
  tcase_add_test (tc, test_same_output_path);
  return s;
}

GST_CHECK_MAIN (reliability);
