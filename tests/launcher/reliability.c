/* Reliability of imm-convert: broken media, hostile requests, a kill in the
 * middle of a run, and runs side by side. Whatever it is fed, the tool
 * exits by itself (never a signal, never a hang: every run is bounded by
 * timeout(1)), reports Succeeded with files that decode or Failed with a
 * code, and leaves no half-written or temporary file behind.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static gchar *root;             /* the storage root, one per test binary */
static gchar *clip;             /* root/b/clip.mp4: index at the end */
static gchar *clip_ts;          /* root/b/clip.ts: readable in part */
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

static void
make_clip (const gchar * path, const gchar * mux)
{
  GError *err = NULL;
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=200 pattern=ball "
      "! video/x-raw,format=I420,width=320,height=240,framerate=10/1 ! "
      "x264enc key-int-max=20 speed-preset=ultrafast ! h264parse ! %s ! "
      "filesink location=%s", mux, path);
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
  }
  g_free (clip_data);
  g_free (ts_data);
  fail_unless (g_file_get_contents (clip, (gchar **) & clip_data, &clip_len,
          NULL));
  fail_unless (g_file_get_contents (clip_ts, (gchar **) & ts_data, &ts_len,
          NULL));
}

static void
remove_tree (const gchar * dir)
{
  gchar *argv[] = { (gchar *) "rm", (gchar *) "-rf", (gchar *) dir, NULL };

  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
      NULL, NULL, NULL);
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

static void
kill_during_run (gint sig)
{
  gchar *before = tree (root), *after;
  Child c;
  Outcome o;

  /* 200 frames of 1920x1440 WebP take seconds; stop it a moment in */
  start (BIG_WEBP, "kill.json", &c);
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
  tcase_add_loop_test (tc, test_hostile_requests, 0, G_N_ELEMENTS (hostile));
  tcase_add_test (tc, test_format_string_in_path);
  tcase_add_test (tc, test_sigterm);
  tcase_add_test (tc, test_sigint);
  tcase_add_test (tc, test_parallel_runs);
  return s;
}

GST_CHECK_MAIN (reliability);
