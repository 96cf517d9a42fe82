/* Unit tests of the highlight clip logic (imm-clip) and of the events that
 * carry clips between elements (imm-events).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-clip.h"
#include "imm/imm-dhash.h"
#include "imm/imm-events.h"

/* Scripts count time in tenths of a second: frames at 10 fps. */
#define T (G_GUINT64_CONSTANT (100000000))

/* What came out, as text: "<index:event" before a clip, each frame's time,
 * ">index:first-last/events" after it. */
static void
describe (GQueue * out, GString * s)
{
  ImmClipOutput *o;

  while ((o = g_queue_pop_head (out)) != NULL) {
    switch (o->kind) {
      case IMM_CLIP_OUT_START:
        g_string_append_printf (s, "<%u:%" G_GUINT64_FORMAT " ", o->index,
            o->event_pts / T);
        break;
      case IMM_CLIP_OUT_FRAME:
        /* the frame's data is its own time: check that it travels along */
        fail_unless_equals_uint64 (GPOINTER_TO_SIZE (o->data) - 1,
            o->last_pts / T);
        g_string_append_printf (s, "%" G_GUINT64_FORMAT " ", o->last_pts / T);
        break;
      case IMM_CLIP_OUT_END:
        g_string_append_printf (s, ">%u:%" G_GUINT64_FORMAT "-%"
            G_GUINT64_FORMAT "/%u ", o->index, o->first_pts / T,
            o->last_pts / T, o->events);
        break;
    }
    g_free (o);
  }
}

/* "a..b" -> "a a+1 ... b" */
static gchar *
expand (const gchar * pattern)
{
  GString *s = g_string_new (NULL);
  gchar **tok = g_strsplit (pattern, " ", -1);
  gint i;

  for (i = 0; tok[i] != NULL; i++) {
    gchar *dots = strstr (tok[i], "..");

    if (tok[i][0] == '\0')
      continue;
    if (dots != NULL) {
      gint a = atoi (tok[i]), b = atoi (dots + 2), k;

      for (k = a; k <= b; k++)
        g_string_append_printf (s, "%d ", k);
    } else {
      g_string_append_printf (s, "%s ", tok[i]);
    }
  }
  g_strfreev (tok);
  return g_string_free (s, FALSE);
}

typedef struct
{
  const gchar *name;
  /* in tenths of a second; max_bytes in frames (each frame is 1000 bytes) */
  guint pre, post, gap, max_frames;
  /* "f a..b": frames a to b; "f a": one frame; "n a..b": frames a to b,
   * each saying the next is due a tenth later; "e t": event at t, "r t":
   * event at t expected to be dropped as a repeat; "x": end of stream */
  const gchar *script;
  const gchar *expect;
  guint lookback;
} ClipCase;

static const ClipCase clip_cases[] = {
  {"one event", 10, 10, 0, 0, "f 0..10 e 10 f 11..30",
      "<1:10 0..20 >1:0-20/1", 0},
  {"pre-roll counts back from the event", 10, 10, 0, 0, "f 0..25 e 25 f 26..40",
      "<1:25 15..35 >1:15-35/1", 0},
  {"close events merge", 10, 10, 0, 0, "f 0..10 e 10 f 11..18 e 18 f 19..40",
      "<1:10 0..28 >1:0-28/2", 0},
  {"far events give two clips", 10, 10, 0, 0,
        "f 0..10 e 10 f 11..50 e 50 f 51..70",
      "<1:10 0..20 >1:0-20/1 <2:50 40..60 >2:40-60/1", 0},
  {"clips never overlap", 10, 5, 0, 0, "f 0..10 e 10 f 11..25 e 25 f 26..40",
      "<1:10 0..15 >1:0-15/1 <2:25 16..30 >2:16-30/1", 0},
  {"the event's own frame is last, post-roll 0", 10, 0, 0, 0,
        "f 0..10 e 10 f 11..20",
      "<1:10 0..10 >1:0-10/1", 0},
  {"no pre-roll keeps the marked frame", 0, 2, 0, 0, "f 0..10 e 10 f 11..20",
      "<1:10 10..12 >1:10-12/1", 0},
  {"start of stream bounds the pre-roll", 10, 3, 0, 0, "f 0..4 e 4 f 5..10",
      "<1:4 0..7 >1:0-7/1", 0},
  {"min-gap reopens a held clip seamlessly", 10, 5, 10, 0,
        "f 0..10 e 10 f 11..22 e 22 f 23..60",
      "<1:10 0..27 >1:0-27/2", 0},
  {"min-gap: a repeat after the held frames are gone", 3, 5, 10, 0,
        "f 0..10 e 10 f 11..22 r 22 f 23..26 e 26 f 27..40",
      "<1:10 7..15 >1:7-15/1 <2:26 23..31 >2:23-31/1", 0},
  {"min-gap over: a new clip", 10, 5, 10, 0,
        "f 0..10 e 10 f 11..25 e 25 f 26..40",
      "<1:10 0..15 >1:0-15/1 <2:25 16..30 >2:16-30/1", 0},
  {"an event in the future waits for its frames", 10, 10, 0, 0,
        "f 0..10 e 30 f 11..50",
      "<1:30 20..40 >1:20-40/1", 0},
  {"max-bytes bounds the pre-roll", 100, 10, 0, 5, "f 0..20 e 20 f 21..40",
      "<1:20 16..30 >1:16-30/1", 0},
  {"end of stream ends a running clip", 10, 50, 0, 0, "f 0..10 e 10 f 11..20 x",
      "<1:10 0..20 >1:0-20/1", 0},
  {"end of stream ends a held clip", 10, 5, 30, 0, "f 0..10 e 10 f 11..20 x",
      "<1:10 0..15 >1:0-15/1", 0},
  {"an event between frames that touches none", 2, 2, 0, 0,
        "f 0 f 10 e 15 f 20 f 30",
      "", 0},
  {"an event on the last frame of a clip extends it", 10, 10, 0, 0,
        "f 0..10 e 10 f 11..20 e 20 f 21..40",
      "<1:10 0..30 >1:0-30/2", 0},
  {"next frame due past the end: the clip ends with its last frame", 10, 10,
        0, 0, "n 0..10 e 10 n 11..20 n 21..30",
      "<1:10 0..20 >1:0-20/1", 0},
  {"next due past the end, min-gap: held, reopened", 10, 5, 10, 0,
        "n 0..10 e 10 n 11..15 n 16..22 e 22 n 23..60",
      "<1:10 0..27 >1:0-27/2", 0},
  {"lookback: an event placed back keeps its whole pre-roll", 10, 10, 0, 0,
        "f 0..25 e 20 f 26..40",
      "<1:20 10..30 >1:10-30/1", 5},
  {"without lookback the ring has lost its start", 10, 10, 0, 0,
        "f 0..25 e 20 f 26..40",
      "<1:20 15..30 >1:15-30/1", 0},
};

GST_START_TEST (test_clip_cases)
{
  const ClipCase *c = &clip_cases[__i__];
  ImmClipConfig cfg = { c->pre * T, c->post * T, c->gap * T,
    c->max_frames * 1000, c->lookback * T
  };
  ImmClip *clip = imm_clip_new (&cfg, NULL);
  GQueue out = G_QUEUE_INIT;
  GString *got = g_string_new (NULL);
  gchar **tok = g_strsplit (c->script, " ", -1);
  gchar *want = expand (c->expect);
  gint i;

  for (i = 0; tok[i] != NULL; i++) {
    if (strcmp (tok[i], "x") == 0) {
      imm_clip_finish (clip, &out);
    } else if (strcmp (tok[i], "f") == 0 || strcmp (tok[i], "n") == 0) {
      gboolean timed = tok[i][0] == 'n';
      const gchar *arg = tok[++i];
      const gchar *dots = strstr (arg, "..");
      gint a = atoi (arg), b = dots ? atoi (dots + 2) : a, k;

      for (k = a; k <= b; k++) {
        if (timed)
          imm_clip_push_frame_timed (clip, k * T, (k + 1) * T, 1000,
              GSIZE_TO_POINTER (k + 1), &out);
        else
          imm_clip_push_frame (clip, k * T, 1000, GSIZE_TO_POINTER (k + 1),
              &out);
        fail_unless (cfg.max_bytes == 0
            || imm_clip_held_bytes (clip) <= cfg.max_bytes);
        fail_unless (imm_clip_held_frames (clip) <= c->pre + c->lookback + 1);
      }
    } else {
      gboolean repeat = tok[i][0] == 'r';
      gint t = atoi (tok[++i]);

      fail_unless_equals_int (imm_clip_event (clip, t * T, &out), !repeat);
    }
    describe (&out, got);
  }
  fail_unless (strcmp (got->str, want) == 0, "%s:\n got  %s\n want %s",
      c->name, got->str, want);

  g_strfreev (tok);
  g_free (want);
  g_string_free (got, TRUE);
  imm_clip_free (clip);
}

GST_END_TEST;

/* A clip ends with the frame after which the next is due past its end:
 * the end comes with that frame, not with the next one. Unknown: one
 * frame later. */
GST_START_TEST (test_clip_ends_with_last_frame)
{
  ImmClipConfig cfg = { 10 * T, 10 * T, 0, 0, 0 };
  guint timed;

  for (timed = 0; timed < 2; timed++) {
    ImmClip *clip = imm_clip_new (&cfg, NULL);
    GQueue out = G_QUEUE_INIT;
    GString *got = g_string_new (NULL);
    guint k;

    for (k = 0; k <= 20; k++) {
      imm_clip_push_frame_timed (clip, k * T, timed ? (k + 1) * T :
          G_MAXUINT64, 1000, GSIZE_TO_POINTER (k + 1), &out);
      if (k == 10)
        imm_clip_event (clip, 10 * T, &out);
      while (!g_queue_is_empty (&out))
        g_free (g_queue_pop_head (&out));
    }
    fail_unless_equals_int (imm_clip_get_state (clip), timed ?
        IMM_CLIP_IDLE : IMM_CLIP_OPEN);
    imm_clip_push_frame_timed (clip, 21 * T, G_MAXUINT64, 1000,
        GSIZE_TO_POINTER (22), &out);
    describe (&out, got);
    fail_unless_equals_string (got->str, timed ? "" : ">1:0-20/1 ");
    g_string_free (got, TRUE);
    imm_clip_free (clip);
  }
}

GST_END_TEST;

/* When the next frame is due: duration, or the smaller of the last two
 * spacings when frames come further apart. */
GST_START_TEST (test_clip_next_due)
{
  const guint64 N = G_MAXUINT64;

  fail_unless_equals_uint64 (imm_clip_next_due (10 * T, T, N, N), 11 * T);
  fail_unless_equals_uint64 (imm_clip_next_due (10 * T, N, N, N), N);
  fail_unless_equals_uint64 (imm_clip_next_due (10 * T, 0, N, N), N);
  fail_unless_equals_uint64 (imm_clip_next_due (10 * T, N, 2 * T, N), 12 * T);
  /* 25 fps thinned to every 0.1 s: 0.12 and 0.08 s apart */
  fail_unless_equals_uint64 (imm_clip_next_due (10 * T, T * 4 / 10,
          T * 12 / 10, T * 8 / 10), 10 * T + T * 8 / 10);
  fail_unless_equals_uint64 (imm_clip_next_due (10 * T, T, T / 2, T / 2),
      11 * T);
  fail_unless_equals_uint64 (imm_clip_next_due (N - 1, T, N, N), N);
}

GST_END_TEST;

/* The frame where a change happened between two samples. */
GST_START_TEST (test_change_locate)
{
  const guint64 a = 0, b = G_GUINT64_CONSTANT (0xFFFFFFFF);
  guint64 cut[] = { a, a, 1, b, b ^ 1 };
  guint64 fade[] = { 0xF, 0xFF, 0xFFFF, 0xFFFFFF, b };
  guint64 none[] = { a, a, b };

  fail_unless_equals_int (imm_change_locate (cut, 5, a, b ^ 1), 3);
  /* half way through a fade: nearer the new picture from 0xFFFF on */
  fail_unless_equals_int (imm_change_locate (fade, 5, a, b), 3);
  fail_unless_equals_int (imm_change_locate (none, 3, a, b), 2);
  fail_unless_equals_int (imm_change_locate (none, 1, b, a), 0);
}

GST_END_TEST;

/* Thumbnails for the detector: 8 rows of 9 cells, row @y of which is
 * @kind: 0 ascending from @base, 1 descending to @base, 2 alternating
 * base/base+1 from an odd cell, 3 from an even one, 4 random (seed @base). */
static void
make_thumb (guint8 * t, guint kind, guint base)
{
  GRand *rand = g_rand_new_with_seed (base);
  guint x, y;

  for (y = 0; y < 8; y++)
    for (x = 0; x < 9; x++) {
      guint v = 0;

      switch (kind) {
        case 0:
          v = base + x;
          break;
        case 1:
          v = base + 8 - x;
          break;
        case 2:
          v = base + (x & 1);
          break;
        case 3:
          v = base + ((x + 1) & 1);
          break;
        default:
          v = g_rand_int_range (rand, 0, 256);
          break;
      }
      t[y * 9 + x] = v;
    }
  g_rand_free (rand);
}

/* Each sample: kind, base (see make_thumb()). */
typedef struct
{
  const gchar *name;
  guint n;
  guint kind[8], base[8];
  /* the samples that are events, hash alone and with thumbnails */
  const gchar *hash_events, *thumb_events;
} ThumbCase;

static const ThumbCase thumb_cases[] = {
  /* a gradient moving 3 levels a sample turns through the vertical at
   * sample 4: every bit flips, the cells move 5 levels on average */
  {"turning gradient", 8, {0, 0, 0, 0, 1, 1, 1, 1},
      {100, 103, 106, 109, 112, 115, 118, 121}, "4 ", ""},
  /* the same motion, then a cut to another picture */
  {"cut", 8, {0, 0, 0, 0, 4, 4, 4, 4}, {100, 103, 106, 109, 7, 7, 7, 7},
      "4 ", "4 "},
  /* a still picture whose cells differ by one level: noise flips them */
  {"flat picture, noise", 6, {2, 2, 2, 2, 3, 3}, {128, 128, 128, 128, 128,
          128}, "4 ", ""},
};

GST_START_TEST (test_change_detector_thumbnail)
{
  const ThumbCase *c = &thumb_cases[__i__];
  ImmChangeDetector hash_det = {.threshold = 20,.interval = 5 * T };
  ImmChangeDetector thumb_det = {.threshold = 20,.interval = 5 * T };
  GString *by_hash = g_string_new (NULL), *by_thumb = g_string_new (NULL);
  guint i;

  imm_change_detector_reset (&hash_det);
  imm_change_detector_reset (&thumb_det);
  for (i = 0; i < c->n; i++) {
    guint8 t[72];
    gint d1, d2;

    make_thumb (t, c->kind[i], c->base[i]);
    if (imm_change_detector_sample (&hash_det, i * 5 * T,
            imm_dhash_from_thumbnail (t), &d1))
      g_string_append_printf (by_hash, "%u ", i);
    if (imm_change_detector_sample_thumbnail (&thumb_det, i * 5 * T, t, &d2))
      g_string_append_printf (by_thumb, "%u ", i);
    /* the distance is the hash's either way */
    fail_unless_equals_int (d1, d2);
  }
  fail_unless_equals_string (by_hash->str, c->hash_events);
  fail_unless_equals_string (by_thumb->str, c->thumb_events);
  g_string_free (by_hash, TRUE);
  g_string_free (by_thumb, TRUE);
}

GST_END_TEST;

/* Data left in the ring is freed with the clip, and nothing twice. */
static gint freed;

static void
count_free (gpointer data)
{
  freed++;
}

GST_START_TEST (test_clip_frees_held_frames)
{
  ImmClipConfig cfg = { 10 * T, 10 * T, 0, 0, 0 };
  ImmClip *clip = imm_clip_new (&cfg, count_free);
  GQueue out = G_QUEUE_INIT;
  ImmClipOutput *o;
  gint i, sent = 0;

  freed = 0;
  for (i = 0; i < 30; i++)
    imm_clip_push_frame (clip, i * T, 10, GINT_TO_POINTER (1), &out);
  /* 19 dropped from the ring, 11 (20..30 tenths) held */
  fail_unless_equals_int (freed, 19);
  fail_unless_equals_int (imm_clip_held_frames (clip), 11);
  fail_unless (imm_clip_event (clip, 29 * T, &out));
  /* 19..29 go out; the ring is empty while the clip runs */
  while ((o = g_queue_pop_head (&out)) != NULL) {
    sent += o->kind == IMM_CLIP_OUT_FRAME;
    imm_clip_output_free (o, count_free);
  }
  fail_unless_equals_int (sent, 11);
  fail_unless_equals_int (freed, 30);
  fail_unless_equals_int (imm_clip_get_state (clip), IMM_CLIP_OPEN);
  imm_clip_push_frame (clip, 40 * T, 10, GINT_TO_POINTER (1), &out);
  fail_unless_equals_int (imm_clip_get_state (clip), IMM_CLIP_IDLE);
  imm_clip_free (clip);
  while ((o = g_queue_pop_head (&out)) != NULL)
    imm_clip_output_free (o, count_free);
  fail_unless_equals_int (freed, 31);
}

GST_END_TEST;

GST_START_TEST (test_change_detector)
{
  ImmChangeDetector det = {.threshold = 10,.interval = 5 * T };
  const guint64 a = 0, b = G_GUINT64_CONSTANT (0xFFFFF0000000), /* 20 bits */
      c = G_GUINT64_CONSTANT (0xFFFFFF);        /* 24 bits */
  gint d;

  imm_change_detector_reset (&det);
  fail_unless (imm_change_detector_due (&det, 0));
  /* the first sample only sets the reference */
  fail_if (imm_change_detector_sample (&det, 0, a, &d));
  fail_unless_equals_int (d, -1);
  fail_if (imm_change_detector_due (&det, 4 * T));
  fail_unless (imm_change_detector_due (&det, 5 * T));
  fail_if (imm_change_detector_sample (&det, 5 * T, a, &d));
  fail_unless_equals_int (d, 0);
  /* a cut differs from both older samples */
  fail_unless (imm_change_detector_sample (&det, 10 * T, b, &d));
  fail_unless_equals_int (d, 20);
  fail_if (imm_change_detector_sample (&det, 15 * T, b, &d));
  /* bits that flip back: the sample two back matches again */
  fail_unless (imm_change_detector_sample (&det, 20 * T, c, &d));
  fail_if (imm_change_detector_sample (&det, 25 * T, b, &d));
  fail_unless_equals_int (d, 44);
  /* the first interval only sets the level of motion */
  imm_change_detector_reset (&det);
  fail_if (imm_change_detector_sample (&det, 0, a, &d));
  fail_if (imm_change_detector_sample (&det, 5 * T, c, &d));
  fail_unless_equals_int (d, 24);
  /* steady motion: every sample far from the one before, as far as the
   * last ones were: no event */
  {
    GRand *rand = g_rand_new_with_seed (3);
    gint i, events = 0;

    imm_change_detector_reset (&det);
    for (i = 0; i < 30; i++) {
      guint64 h = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);

      events += imm_change_detector_sample (&det, i * 5 * T, h, &d);
    }
    fail_unless_equals_int (events, 0);
    g_rand_free (rand);
  }
  /* off */
  det.threshold = -1;
  imm_change_detector_reset (&det);
  fail_if (imm_change_detector_due (&det, 0));
}

GST_END_TEST;

GST_START_TEST (test_events_round_trip)
{
  ImmSnapshotMark mark = { 3, 5 * T, "dhash", 23, 0xABCDEF }, m2;
  ImmClipBounds clip = { 2, 5 * T, 4 * T, 7 * T }, c2;
  GstEvent *ev;

  ev = imm_event_new_snapshot_mark (&mark);
  fail_unless_equals_int (GST_EVENT_TYPE (ev), GST_EVENT_CUSTOM_DOWNSTREAM);
  fail_unless (GST_EVENT_IS_SERIALIZED (ev));
  fail_unless (gst_structure_has_name (gst_event_get_structure (ev),
          "immsnapshot-mark"));
  fail_unless (imm_event_parse_snapshot_mark (ev, &m2));
  fail_unless_equals_int (m2.index, 3);
  fail_unless_equals_uint64 (m2.pts, 5 * T);
  fail_unless_equals_string (m2.mode, "dhash");
  fail_unless_equals_int (m2.distance, 23);
  fail_unless_equals_uint64 (m2.hash, 0xABCDEF);
  fail_if (imm_event_parse_clip_start (ev, &c2));
  gst_event_unref (ev);

  ev = imm_event_new_clip_start (&clip);
  fail_unless (gst_structure_has_name (gst_event_get_structure (ev),
          "immhighlight-clip-start"));
  fail_unless (imm_event_parse_clip_start (ev, &c2));
  fail_unless_equals_int (c2.index, 2);
  fail_unless_equals_uint64 (c2.event_pts, 5 * T);
  fail_unless_equals_uint64 (c2.first_pts, 4 * T);
  fail_unless_equals_uint64 (c2.last_pts, GST_CLOCK_TIME_NONE);
  fail_if (imm_event_parse_clip_end (ev, &c2));
  gst_event_unref (ev);

  ev = imm_event_new_clip_end (&clip);
  fail_unless (gst_structure_has_name (gst_event_get_structure (ev),
          "immhighlight-clip-end"));
  fail_unless (imm_event_parse_clip_end (ev, &c2));
  fail_unless_equals_uint64 (c2.last_pts, 7 * T);
  gst_event_unref (ev);

  /* only index and pts are required of a mark */
  ev = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new ("immsnapshot-mark", "index", G_TYPE_UINT, 1, "pts",
          G_TYPE_UINT64, T, NULL));
  fail_unless (imm_event_parse_snapshot_mark (ev, &m2));
  fail_unless (m2.mode == NULL);
  fail_unless_equals_int (m2.distance, -1);
  gst_event_unref (ev);
}

GST_END_TEST;

static Suite *
clip_suite (void)
{
  Suite *s = suite_create ("clip");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_clip_cases, 0, G_N_ELEMENTS (clip_cases));
  tcase_add_test (tc, test_clip_frees_held_frames);
  tcase_add_test (tc, test_change_detector);
  tcase_add_test (tc, test_clip_ends_with_last_frame);
  tcase_add_test (tc, test_clip_next_due);
  tcase_add_test (tc, test_change_locate);
  tcase_add_loop_test (tc, test_change_detector_thumbnail, 0,
      G_N_ELEMENTS (thumb_cases));
  tcase_add_test (tc, test_events_round_trip);
  return s;
}

GST_CHECK_MAIN (clip);
