/* imm-gst launcher tests: what the test files share.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The tool is found through the IMM_CONVERT variable tests/meson.build
 * sets. The fixtures are made once per test binary (fixtures.c):
 * - Winemaking.mov: 40 s of 320x240 H.264 at 10 fps + AAC in QuickTime, an
 *   IDR frame every 5 s (no scene-cut keyframes), cuts between still
 *   patterns at 10, 20, 30 and 35 s, and a 32x32 block in the top-left
 *   corner whose luma encodes the second (8 + 6 * s), so every image can be
 *   dated (read at (8, 8): inside the block at full and at half size).
 * - clip.* (and hls/clip.m3u8): 3 s in each container of the seed
 *   documents' list (see containers[]).
 * - test.mp3 with a 200x100 JPEG cover in an ID3v2 APIC frame, cover.flac
 *   and cover.m4a with covers of their own (see covers[]); nocover.mp3
 *   without one; notmedia.mov (text) and empty.mov.
 * run.c runs the tool in a storage root of its own per test and decodes
 * what it wrote.
 */
#ifndef __LAUNCHER_H__
#define __LAUNCHER_H__

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>

#include "../common/remove-tree.h"

#define FPS 10
#define SECONDS 40
#define BLOCK 32

#define X264 "x264enc key-int-max=50 speed-preset=ultrafast " \
  "option-string=scenecut=0 ! h264parse"

#define HLS_DIR "hls"

#define MP3_CHAIN "lamemp3enc ! id3v2mux name=mux"

#define RED_COVER "videotestsrc num-buffers=1 pattern=red ! " \
  "video/x-raw,width=200,height=100 ! jpegenc"

#define JPEG_MAGIC "\xff\xd8\xff", 3

#define PNG_MAGIC "\x89PNG\r\n\x1a\n", 8

#define WEBP_MAGIC "RIFF", 4

#define HEAD "{\"ProjectName\":\"test-project\",\"Notification\":{\"MNS\":" \
  "{\"TopicName\":\"test-mns-topic\"}},"
#define SRC "\"Sources\":[{\"URI\":" \
  "\"oss://test-bucket/video-demo/Winemaking.mov\"}],"
#define SNAPS(x) HEAD SRC "\"Targets\":[{\"Image\":{\"Snapshots\":[" x "]}}]}"
#define D "test-bucket/video-demo/"

typedef struct
{
  const gchar *name;
  const gchar *video_enc;
  const gchar *audio_enc;
  const gchar *mux;             /* NULL: made by make_rm() */
  gboolean hls;                 /* hlssink, segments of 1 s */
  gint fps;
} Container;

typedef struct
{
  const gchar *name;
  const gchar *format;
  const gchar *mux;
} DeepClip;

typedef struct
{
  const gchar *name;
  const gchar *chain;
  const gchar *cover;
  gint width, height;
  guint8 r, g, b;
} Cover;

typedef struct
{
  gchar *root;                  /* storage root */
  gchar *demo;                  /* root/test-bucket/video-demo */
  gchar *request;               /* the request file, outside the root */
  gchar **envp;                 /* environment of the tool, NULL: ours */
  gboolean loud;                /* without --quiet */
  gint status;
  gchar *out;
  gchar *err;
  JsonParser *parser;
  JsonObject *result;
} Run;

typedef struct
{
  gint width, height;
  guint8 corner_luma;           /* centre of the top-left block */
  guint8 r, g, b;               /* centre pixel */
} Image;

/* The ten examples of the two seed documents (seeds.c). */
enum
{
  SEED_THUMBNAIL, SEED_AI_TRAINING, SEED_SEGMENT, SEED_EVENT_KEYFRAMES,
  SEED_REPRESENTATIVE, SEED_IDR, SEED_AVERAGE, SEED_AUDIO_COVER,
  SEED_ANIMATION_WHOLE, SEED_ANIMATION_RANGE
};

/* One example of the seed documents and the files it writes (sorted). */
typedef struct
{
  const gchar *request;
  const gchar *files;
} SeedExample;

extern const SeedExample seed_examples[];
extern const guint n_seed_examples;

extern gchar *fixture_dir;
extern const Container containers[];
extern const guint n_containers;
extern const DeepClip deep_clips[];
extern const guint n_deep_clips;
extern const Cover covers[];
extern const guint n_covers;

gint pattern_at (gint second);

guint8 block_luma (gint second);

GstPadProbeReturn paint_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data);

void run_to_eos (GstElement * pipeline);

GstElement * parse (const gchar * desc);

GstPadProbeReturn running_time_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data);

void add_running_time_probes (GstElement * mux);

void make_clip (const gchar * path, gint seconds, gint fps,
    const gchar * video_enc, const gchar * audio_enc, const gchar * mux,
    const gchar * sink);

void make_movie (const gchar * path);

void make_rm (const gchar * path, gint seconds);

GstSample * make_picture (const gchar * desc);

void make_audio (const gchar * path, const gchar * chain, const gchar * cover);

gchar * fixture (const gchar * name);

void remove_fixtures (void);

void setup_fixture_dir (void);

void make_fixtures (void);

Run * run_new (void);

void run_free (Run * r);

void run_tool (Run * r, const gchar * json, const gchar * opt1,
    const gchar * opt2);

void assert_status (Run * r, gint status);

const gchar * result_string (Run * r, const gchar * name);

void list_files (const gchar * root, const gchar * rel, GPtrArray * out);

gint cmp_str (gconstpointer a, gconstpointer b);

gchar * written_files (Run * r);

void assert_files (Run * r, const gchar * expected);

void decode_image (const gchar * path, Image * img);

void check_image (Run * r, const gchar * name, const gchar * magic,
    gsize magic_len, gint width, gint height, gint sec);

JsonObject * result_entry (Run * r, guint target, const gchar * kind,
    guint index);

void check_succeeded (Run * r, gint frames);

/* Each test file adds its tests: @fast ones (invalid requests, small
 * runs), @slow ones (the 40 s movie), @anim ones (animations). */
void errors_add_tests (TCase * fast, TCase * slow, TCase * anim);
void seeds_add_tests (TCase * fast, TCase * slow, TCase * anim);
void pipelines_add_tests (TCase * fast, TCase * slow, TCase * anim);
void http_add_tests (TCase * fast, TCase * slow, TCase * anim);
void progress_add_tests (TCase * fast, TCase * slow, TCase * anim);

#endif /* __LAUNCHER_H__ */
