/* imm-convert: resolving and probing the sources.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Before anything runs: each Sources[].URI becomes a URI uridecodebin can
 * open (local ones must exist inside the storage root), and the discoverer
 * says whether it decodes, how long it lasts and how big its picture is.
 * An audio-only single source gives its embedded cover picture instead.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imm/imm-template.h"
#include "imm-task-private.h"

#define PROBE_TIMEOUT (30 * GST_SECOND)

/* Resolves Sources[i].URI: sets the uridecodebin URI; local files must
 * exist. Fills the template variables from the first source. */
gboolean
probe_resolve_source (Task * t, guint i)
{
  const ImmSource *src = g_ptr_array_index (t->req->sources, i);
  gchar *path = NULL, *bucket = NULL, *key = NULL;
  const gchar *uri = src->uri;
  GStatBuf st;
  gboolean ok = TRUE;

  if (g_str_has_prefix (uri, "oss://")) {
    const gchar *slash = strchr (uri + 6, '/');

    if (slash == NULL || slash == uri + 6 || slash[1] == '\0')
      return task_fail (t, IMM_CODE_INVALID_ARGUMENT,
          "Sources[%u].URI: expected oss://bucket/key, got '%s'", i, uri);
    bucket = g_strndup (uri + 6, slash - (uri + 6));
    key = g_strdup (slash + 1);
    path = staging_confine (t, uri + 6);
    if (path == NULL) {
      ok = task_fail (t, IMM_CODE_INVALID_ARGUMENT,
          "Sources[%u].URI: '%s' is outside the storage root", i, uri);
      goto done;
    }
  } else if (g_str_has_prefix (uri, "file://")) {
    path = g_filename_from_uri (uri, NULL, NULL);
    if (path == NULL) {
      ok = task_fail (t, IMM_CODE_INVALID_ARGUMENT,
          "Sources[%u].URI: not a valid file:// URI '%s'", i, uri);
      goto done;
    }
  } else if (g_str_has_prefix (uri, "http://")
      || g_str_has_prefix (uri, "https://") || src->live) {
    const gchar *p = strchr (strstr (uri, "://") + 3, '/');

    t->source_uris[i] = g_strdup (uri);
    bucket = g_strdup ("");
    key = g_strdup (p ? p + 1 : "");
  } else if (strstr (uri, "://") != NULL) {
    ok = task_fail (t, IMM_CODE_INVALID_ARGUMENT,
        "Sources[%u].URI: unsupported scheme in '%s' (use oss://, file://, "
        "http(s)://, a path, or a live rtsp://, rtmp://, srt://, udp:// "
        "stream)", i, uri);
    goto done;
  } else {
    path = g_canonicalize_filename (uri, NULL);
  }

  if (path != NULL) {
    if (g_stat (path, &st) != 0) {
      ok = task_fail (t, IMM_CODE_RESOURCE_NOT_FOUND,
          "Sources[%u].URI: '%s' not found (%s)", i, uri, g_strerror (errno));
      goto done;
    }
    if (!S_ISREG (st.st_mode)) {
      ok = task_fail (t, IMM_CODE_INVALID_FILE,
          "Sources[%u].URI: '%s' is not a regular file", i, uri);
      goto done;
    }
    t->source_uris[i] = gst_filename_to_uri (path, NULL);
    if (key == NULL) {
      bucket = g_strdup ("");
      key = g_strdup (path[0] == '/' ? path + 1 : path);
    }
    if (i == 0) {
      GDateTime *mtime = g_date_time_new_from_unix_local (st.st_mtime);

      imm_template_vars_set_time (t->vars, "", mtime);
      g_date_time_unref (mtime);
    }
  } else if (i == 0) {
    /* Remote sources: no modification time known, use the task's. */
    imm_template_vars_set_time (t->vars, "", t->start);
  }
  if (i == 0)
    imm_template_vars_set_location (t->vars, bucket, key);

done:
  g_free (path);
  g_free (bucket);
  g_free (key);
  return ok;
}

/* The descriptions of the missing plugins; *@fatal when one of them is
 * needed for the picture (a missing audio or subtitle decoder is not). */
static gchar *
missing_plugins (GstDiscovererInfo * info, gboolean * fatal)
{
  const gchar **details =
      gst_discoverer_info_get_missing_elements_installer_details (info);
  GString *s = g_string_new (NULL);
  guint i;

  *fatal = FALSE;
  for (i = 0; details && details[i]; i++) {
    /* gstreamer|1.0|app|DESCRIPTION|decoder-CAPS */
    gchar **f = g_strsplit (details[i], "|", 5);
    gboolean side = g_strv_length (f) >= 5
        && (g_str_has_prefix (f[4], "decoder-audio/")
        || g_str_has_prefix (f[4], "decoder-text/")
        || g_str_has_prefix (f[4], "decoder-subpicture/")
        || g_str_has_prefix (f[4], "decoder-subtitle/"));

    if (!side) {
      if (s->len)
        g_string_append (s, ", ");
      g_string_append (s, g_strv_length (f) >= 4 ? f[3] : details[i]);
      *fatal = TRUE;
    }
    g_strfreev (f);
  }
  return g_string_free (s, FALSE);
}

static gboolean
tags_cover (const GstTagList * tags, GstSample ** cover)
{
  return tags != NULL && (gst_tag_list_get_sample (tags, GST_TAG_IMAGE, cover)
      || gst_tag_list_get_sample (tags, GST_TAG_PREVIEW_IMAGE, cover));
}

/* The embedded picture: a stream tag (ID3 APIC, FLAC picture) or a
 * container tag (qtdemux posts MP4 covr as a global tag). */
static GstSample *
find_cover (GstDiscovererInfo * info)
{
  GstDiscovererStreamInfo *top = gst_discoverer_info_get_stream_info (info);
  GList *streams = gst_discoverer_info_get_stream_list (info), *l;
  GstSample *cover = NULL;

  for (l = streams; l && cover == NULL; l = l->next)
    tags_cover (gst_discoverer_stream_info_get_tags (l->data), &cover);
  /* the stream list holds the leaves only, not the container */
  if (cover == NULL && top != NULL && GST_IS_DISCOVERER_CONTAINER_INFO (top))
    tags_cover (gst_discoverer_container_info_get_tags
        (GST_DISCOVERER_CONTAINER_INFO (top)), &cover);
  gst_discoverer_stream_info_list_free (streams);
  if (top != NULL)
    gst_discoverer_stream_info_unref (top);
  return cover;
}

static gboolean
write_cover (Task * t, GstSample * cover)
{
  GstBuffer *buf = gst_sample_get_buffer (cover);
  GstCaps *caps = gst_sample_get_caps (cover);
  GstStructure *st = caps ? gst_caps_get_structure (caps, 0) : NULL;
  gboolean jpeg = st != NULL && gst_structure_has_name (st, "image/jpeg");
  GstMapInfo map;
  GError *err = NULL;
  gboolean ok;

  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return task_fail (t, IMM_CODE_INVALID_FILE,
        "Sources[0].URI: the cover picture is empty");
  /* The plan decodes a JPEG cover with its own decoder (imm-plan.c). */
  t->cover_file = g_build_filename (staging_dir (t),
      jpeg ? "cover-source.jpg" : "cover-source", NULL);
  ok = g_file_set_contents (t->cover_file, (const gchar *) map.data,
      map.size, &err);
  gst_buffer_unmap (buf, &map);
  if (!ok)
    return task_fail_error (t, err, IMM_CODE_INTERNAL);
  return TRUE;
}

/* The discoverer reports a remote source it cannot open (connection
 * refused, no such host) with the stream error that followed, not the
 * source's own: opening the source alone tells. Returns that error, or
 * NULL when the source opens. */
static GError *
remote_open_error (const gchar * uri)
{
  GstElement *src = gst_element_make_from_uri (GST_URI_SRC, uri, NULL, NULL);
  GstElement *pipe, *sink;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;

  if (src == NULL)
    return NULL;
  pipe = gst_pipeline_new (NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  gst_bin_add_many (GST_BIN (pipe), src, sink, NULL);
  gst_element_link (src, sink);
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  msg = gst_bus_timed_pop_filtered (bus, PROBE_TIMEOUT,
      GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE);
  if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &err, NULL);
    /* souphttpsrc 1.22 fails a refused connection with a bare flow error */
    if (err->domain != GST_RESOURCE_ERROR
        && GST_MESSAGE_SRC (msg) == GST_OBJECT (src)) {
      GError *open = g_error_new (GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ, "could not connect or read (%s)",
          err->message);

      g_error_free (err);
      err = open;
    }
  }
  if (msg != NULL)
    gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  return err;
}

/* Reads what a playlist URI serves, at most @max bytes; NULL when it
 * cannot be read (the discoverer then says why). */
static gchar *
read_playlist (const gchar * uri, gsize max)
{
  GstElement *pipe, *src, *sink;
  GstBus *bus;
  GstMessage *msg;
  gchar *tmp, *data = NULL;
  gint fd = g_file_open_tmp ("imm-playlist-XXXXXX", &tmp, NULL);

  if (fd < 0)
    return NULL;
  close (fd);
  /* the bare source: urisourcebin would plug the HLS demuxer */
  src = gst_element_make_from_uri (GST_URI_SRC, uri, NULL, NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  pipe = NULL;
  if (src != NULL && sink != NULL) {
    pipe = gst_pipeline_new (NULL);
    g_object_set (sink, "location", tmp, NULL);
    gst_bin_add_many (GST_BIN (pipe), src, sink, NULL);
    gst_element_link (src, sink);
  } else {
    if (src != NULL)
      gst_object_unref (gst_object_ref_sink (src));
    if (sink != NULL)
      gst_object_unref (gst_object_ref_sink (sink));
  }
  if (pipe != NULL) {
    bus = gst_element_get_bus (pipe);
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gsize len;

      if (g_file_get_contents (tmp, &data, &len, NULL) && len > max) {
        g_free (data);
        data = NULL;
      }
    }
    if (msg != NULL)
      gst_message_unref (msg);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (pipe);
  }
  g_unlink (tmp);
  g_free (tmp);
  return data;
}

/* The URI line after the first #EXT-X-STREAM-INF tag of a master
 * playlist (RFC 8216 4.3.4.2), or NULL when @text has none. */
static gchar *
first_variant (const gchar * text)
{
  gchar **lines = g_strsplit (text, "\n", -1), **l;
  gchar *uri = NULL;
  gboolean after_inf = FALSE;

  for (l = lines; *l != NULL && uri == NULL; l++) {
    gchar *line = g_strstrip (*l);

    if (g_str_has_prefix (line, "#EXT-X-STREAM-INF"))
      after_inf = TRUE;
    else if (after_inf && line[0] != '\0' && line[0] != '#')
      uri = g_strdup (line);
  }
  g_strfreev (lines);
  return uri;
}

/* An HLS media playlist without #EXT-X-ENDLIST is a live stream (RFC 8216
 * 4.3.3.4): the discoverer calls it seekable and not live. A master
 * playlist (#EXT-X-STREAM-INF) is followed to its first variant's media
 * playlist, its URI resolved against the master's; once only, as a
 * variant is a media playlist. */
static gboolean
is_live_hls (const gchar * uri)
{
  gchar *lower = g_ascii_strdown (uri, -1), *q, *text;
  gboolean live = FALSE;

  q = strchr (lower, '?');
  if (q != NULL)
    *q = '\0';
  if (g_str_has_suffix (lower, ".m3u8")
      && (text = read_playlist (uri, 1 << 20)) != NULL) {
    gchar *variant = g_str_has_prefix (text, "#EXTM3U") ?
        first_variant (text) : NULL;

    if (variant != NULL) {
      gchar *media = gst_uri_join_strings (uri, variant);

      g_free (text);
      text = media != NULL ? read_playlist (media, 1 << 20) : NULL;
      g_free (media);
      g_free (variant);
    }
    live = text != NULL && g_str_has_prefix (text, "#EXTM3U")
        && strstr (text, "#EXT-X-TARGETDURATION") != NULL
        && strstr (text, "#EXT-X-ENDLIST") == NULL;
    g_free (text);
  }
  g_free (lower);
  return live;
}

/* Checks that every source can be decoded; an audio-only single source
 * switches to its cover picture. Live streams are not probed: they may
 * not send anything yet, and --stall-timeout covers one that never
 * does. */
gboolean
probe_sources (Task * t)
{
  GError *err = NULL;
  GstDiscoverer *disc;
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < t->req->sources->len; i++) {
    ImmSource *src = g_ptr_array_index (t->req->sources, i);

    if (!src->live && is_live_hls (t->source_uris[i]))
      src->live = TRUE;
  }
  if (((ImmSource *) g_ptr_array_index (t->req->sources, 0))->live) {
    t->range_known = FALSE;
    return TRUE;
  }
  disc = gst_discoverer_new (PROBE_TIMEOUT, &err);
  if (disc == NULL)
    return task_fail_error (t, err, IMM_CODE_INTERNAL);
  t->range_known = TRUE;
  for (i = 0; i < t->req->sources->len && ok; i++) {
    const ImmSource *src = g_ptr_array_index (t->req->sources, i);
    GstDiscovererInfo *info =
        gst_discoverer_discover_uri (disc, t->source_uris[i], &err);
    GstDiscovererResult r = info ? gst_discoverer_info_get_result (info) :
        GST_DISCOVERER_ERROR;
    GList *video;
    gboolean fatal = FALSE;
    gchar *missing = r == GST_DISCOVERER_MISSING_PLUGINS ?
        missing_plugins (info, &fatal) : NULL;

    if (fatal) {
      ok = task_fail (t, IMM_CODE_INVALID_FILE,
          "Sources[%u].URI: cannot decode '%s': missing GStreamer plugin: "
          "%s", i, src->uri, missing);
    } else if (r != GST_DISCOVERER_OK && r != GST_DISCOVERER_MISSING_PLUGINS) {
      /* Remote sources fail to open with a resource error (404, refused
       * connection, ...); local ones were checked to exist already. */
      if (gst_uri_is_valid (t->source_uris[i])
          && !g_str_has_prefix (t->source_uris[i], "file:")
          && (err == NULL || err->domain != GST_RESOURCE_ERROR)) {
        GError *open = remote_open_error (t->source_uris[i]);

        if (open != NULL) {
          g_clear_error (&err);
          err = open;
        }
      }
      /* The message says which step failed, the table gives the Code. */
      if (err && err->domain == GST_RESOURCE_ERROR
          && err->code == GST_RESOURCE_ERROR_NOT_FOUND) {
        ok = task_fail (t, imm_result_code_from_error (err,
                IMM_CODE_INVALID_FILE), "Sources[%u].URI: '%s' not found (%s)",
            i, src->uri, err->message);
      } else if (err && err->domain == GST_RESOURCE_ERROR) {
        ok = task_fail (t, imm_result_code_from_error (err,
                IMM_CODE_INVALID_FILE), "Sources[%u].URI: cannot open '%s': "
            "%s", i, src->uri, err->message);
      } else {
        ok = task_fail (t, imm_result_code_from_error (err,
                IMM_CODE_INVALID_FILE), "Sources[%u].URI: cannot read '%s' as "
            "media: %s", i, src->uri, err ? err->message : "timed out");
      }
    } else if ((video = gst_discoverer_info_get_video_streams (info))) {
      GstClockTime d = gst_discoverer_info_get_duration (info);

      /* Animations keep the size they get on this picture (the plan). */
      if (i == 0)
        t->first_video = g_object_ref (video->data);

      if (GST_CLOCK_TIME_IS_VALID (d)) {
        /* On the joined timeline a source lasts up to the end of its
         * range (a StartTime leaves its gap, see the plan). */
        if (src->duration > 0)
          d = MIN (d, (GstClockTime) ((src->start_time + src->duration) *
                  GST_SECOND));
        t->range += d;
      } else {
        t->range_known = FALSE;
      }
      gst_discoverer_stream_info_list_free (video);
    } else if (t->req->sources->len > 1) {
      ok = task_fail (t, IMM_CODE_INVALID_FILE,
          "Sources[%u].URI: '%s' has no video stream; only a single "
          "audio source can give its cover picture", i, src->uri);
    } else {
      GstSample *cover = find_cover (info);

      if (cover == NULL) {
        ok = task_fail (t, IMM_CODE_INVALID_FILE,
            "Sources[0].URI: '%s' has no video stream and no embedded cover "
            "picture", src->uri);
      } else {
        ok = write_cover (t, cover);
        gst_sample_unref (cover);
      }
    }
    g_free (missing);
    g_clear_error (&err);
    if (info)
      gst_discoverer_info_unref (info);
  }
  g_object_unref (disc);
  return ok;
}
