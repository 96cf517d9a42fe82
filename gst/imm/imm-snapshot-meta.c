/* imm-gst: the mark immsnapshot puts on the frames it would take.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-snapshot-meta.h"

GType
imm_snapshot_meta_api_get_type (void)
{
  static gsize type = 0;
  /* no tags: the mark stays on a frame through converters and scalers */
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("ImmSnapshotMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
snapshot_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  ImmSnapshotMeta *m = (ImmSnapshotMeta *) meta;

  m->index = 0;
  m->mode = IMM_SNAPSHOT_INTERVAL;
  m->distance = -1;
  m->hash = 0;
  return TRUE;
}

/* Copies go along; other transforms (a scale) keep the frame's identity
 * too. */
static gboolean
snapshot_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * src,
    GQuark type, gpointer data)
{
  ImmSnapshotMeta *m = (ImmSnapshotMeta *) meta;

  return imm_buffer_add_snapshot_meta (dest, m->index, m->mode, m->distance,
      m->hash) != NULL;
}

const GstMetaInfo *
imm_snapshot_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *i = gst_meta_register (IMM_SNAPSHOT_META_API_TYPE,
        "ImmSnapshotMeta", sizeof (ImmSnapshotMeta), snapshot_meta_init,
        NULL, snapshot_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) i);
  }
  return info;
}

/**
 * imm_buffer_add_snapshot_meta:
 * @buffer: a writable buffer
 *
 * Returns: (transfer none): the mark added to @buffer.
 */
ImmSnapshotMeta *
imm_buffer_add_snapshot_meta (GstBuffer * buffer, guint index,
    ImmSnapshotMode mode, gint distance, guint64 hash)
{
  ImmSnapshotMeta *m;

  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  m = (ImmSnapshotMeta *) gst_buffer_add_meta (buffer,
      IMM_SNAPSHOT_META_INFO, NULL);
  m->index = index;
  m->mode = mode;
  m->distance = distance;
  m->hash = hash;
  return m;
}

/**
 * imm_buffer_get_snapshot_meta:
 *
 * Returns: (transfer none) (nullable): the mark on @buffer, if any.
 */
ImmSnapshotMeta *
imm_buffer_get_snapshot_meta (GstBuffer * buffer)
{
  return (ImmSnapshotMeta *) gst_buffer_get_meta (buffer,
      IMM_SNAPSHOT_META_API_TYPE);
}
