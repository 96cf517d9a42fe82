/* imm-gst: build and read the live highlight events (see imm-events.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "imm-events.h"

static const GstStructure *
custom_structure (GstEvent * event, const gchar * name)
{
  const GstStructure *s;

  if (event == NULL || GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM)
    return NULL;
  s = gst_event_get_structure (event);
  if (s == NULL || !gst_structure_has_name (s, name))
    return NULL;
  return s;
}

GstEvent *
imm_event_new_snapshot_mark (const ImmSnapshotMark * mark)
{
  GstStructure *s = gst_structure_new (IMM_EVENT_SNAPSHOT_MARK,
      "index", G_TYPE_UINT, mark->index,
      "pts", G_TYPE_UINT64, mark->pts,
      "mode", G_TYPE_STRING, mark->mode,
      "distance", G_TYPE_INT, mark->distance,
      "hash", G_TYPE_UINT64, mark->hash,
      NULL);

  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

/* index and pts are required; the detector's details are optional so that
 * a sender of another mode (or an application) can leave them out. */
gboolean
imm_event_parse_snapshot_mark (GstEvent * event, ImmSnapshotMark * mark)
{
  const GstStructure *s = custom_structure (event, IMM_EVENT_SNAPSHOT_MARK);

  if (s == NULL)
    return FALSE;
  if (!gst_structure_get_uint (s, "index", &mark->index)
      || !gst_structure_get_uint64 (s, "pts", &mark->pts))
    return FALSE;
  mark->mode = gst_structure_get_string (s, "mode");
  if (!gst_structure_get_int (s, "distance", &mark->distance))
    mark->distance = -1;
  if (!gst_structure_get_uint64 (s, "hash", &mark->hash))
    mark->hash = 0;
  return TRUE;
}

GstEvent *
imm_event_new_clip_start (const ImmClipBounds * clip)
{
  GstStructure *s = gst_structure_new (IMM_EVENT_CLIP_START,
      "index", G_TYPE_UINT, clip->index,
      "event-pts", G_TYPE_UINT64, clip->event_pts,
      "first-pts", G_TYPE_UINT64, clip->first_pts,
      NULL);

  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

GstEvent *
imm_event_new_clip_end (const ImmClipBounds * clip)
{
  GstStructure *s = gst_structure_new (IMM_EVENT_CLIP_END,
      "index", G_TYPE_UINT, clip->index,
      "event-pts", G_TYPE_UINT64, clip->event_pts,
      "first-pts", G_TYPE_UINT64, clip->first_pts,
      "last-pts", G_TYPE_UINT64, clip->last_pts,
      NULL);

  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

static gboolean
parse_clip (const GstStructure * s, ImmClipBounds * clip)
{
  return s != NULL && gst_structure_get_uint (s, "index", &clip->index)
      && gst_structure_get_uint64 (s, "event-pts", &clip->event_pts)
      && gst_structure_get_uint64 (s, "first-pts", &clip->first_pts);
}

gboolean
imm_event_parse_clip_start (GstEvent * event, ImmClipBounds * clip)
{
  if (!parse_clip (custom_structure (event, IMM_EVENT_CLIP_START), clip))
    return FALSE;
  clip->last_pts = GST_CLOCK_TIME_NONE;
  return TRUE;
}

gboolean
imm_event_parse_clip_end (GstEvent * event, ImmClipBounds * clip)
{
  const GstStructure *s = custom_structure (event, IMM_EVENT_CLIP_END);

  return parse_clip (s, clip)
      && gst_structure_get_uint64 (s, "last-pts", &clip->last_pts);
}
