/* immsnapshot and immanimenc on a live source: a bounded run stopped with
 * EOS, as a highlight capture ends, leaves complete files.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

static gchar *
read_file (const gchar * dir, const gchar * name, gsize * len)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *data = NULL;

  if (!g_file_get_contents (path, &data, len, NULL))
    data = NULL;
  g_free (path);
  return data;
}

static void
run_live (const gchar * format)
{
  gchar *dir = g_dir_make_tmp ("imm-live-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("videotestsrc is-live=true pattern=ball ! "
      "video/x-raw,width=160,height=120,framerate=10/1 ! tee name=t "
      "t. ! queue ! immsnapshot interval=0.5 ! videoconvert ! jpegenc ! "
      "multifilesink location=%s/%%d.jpg index=1 "
      "t. ! queue ! immsnapshot mode=all ! videoconvert ! "
      "immanimenc format=%s frame-rate=10/1 ! filesink location=%s/a.anim",
      dir, format, dir);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  gchar *data;
  gsize len;
  gint i, jpegs = 0;

  fail_unless (pipe != NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* about 2 s of the live source, then stop the way an application does */
  msg = gst_bus_timed_pop_filtered (bus, 2 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg == NULL, "error while live");
  fail_unless (gst_element_send_event (pipe, gst_event_new_eos ()));
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS within 20 s of sending it");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);

  /* a frame every 0.5 s: 4 or 5 in 2 s, each a whole JPEG */
  for (i = 1; i < 100; i++) {
    gchar *name = g_strdup_printf ("%d.jpg", i);
    data = read_file (dir, name, &len);
    g_free (name);
    if (data == NULL)
      break;
    fail_unless (len > 4 && (guint8) data[0] == 0xFF
        && (guint8) data[1] == 0xD8 && (guint8) data[len - 2] == 0xFF
        && (guint8) data[len - 1] == 0xD9, "%d.jpg is not whole", i);
    g_free (data);
    jpegs++;
  }
  fail_unless (jpegs >= 3 && jpegs <= 7, "%d snapshots", jpegs);

  /* the animation is complete: its format's ending is there */
  data = read_file (dir, "a.anim", &len);
  fail_unless (data != NULL && len > 32);
  if (strcmp (format, "gif") == 0)
    fail_unless (memcmp (data, "GIF89a", 6) == 0 && data[len - 1] == 0x3B);
  else
    fail_unless (memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP",
            4) == 0 && GST_READ_UINT32_LE (data + 4) + 8 == len);
  g_free (data);

  {
    gchar *argv[] = { (gchar *) "rm", (gchar *) "-rf", dir, NULL };
    g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
        NULL, NULL, NULL);
  }
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  g_free (dir);
}

GST_START_TEST (test_live_gif)
{
  run_live ("gif");
}

GST_END_TEST;

GST_START_TEST (test_live_webp)
{
  run_live ("webp");
}

GST_END_TEST;

static Suite *
live_suite (void)
{
  Suite *s = suite_create ("live");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_live_gif);
  tcase_add_test (tc, test_live_webp);
  return s;
}

GST_CHECK_MAIN (live);
