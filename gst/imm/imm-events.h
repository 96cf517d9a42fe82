/* imm-gst: the serialized custom events that carry live highlights between
 * elements (immsnapshot in marking mode, immhighlight, immanimenc).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_EVENTS_H__
#define __IMM_EVENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* All three are GST_EVENT_CUSTOM_DOWNSTREAM (serialized): they stay in
 * order with the buffers around them. */

/* Sent by immsnapshot in marking mode right after a frame it would have
 * taken: index (guint, from 1), pts (guint64), mode (string),
 * distance (gint, -1 when not dhash), hash (guint64, 0 when not dhash). */
#define IMM_EVENT_SNAPSHOT_MARK "immsnapshot-mark"

/* Sent by immhighlight before a clip's first buffer: index (guint, from 1),
 * event-pts (guint64, the event that opened the clip), first-pts (guint64). */
#define IMM_EVENT_CLIP_START "immhighlight-clip-start"

/* Sent by immhighlight after a clip's last buffer: index, event-pts,
 * first-pts, last-pts (guint64). */
#define IMM_EVENT_CLIP_END "immhighlight-clip-end"

typedef struct
{
  guint index;
  guint64 pts;
  /* owned by the event; NULL when the sender left it out */
  const gchar *mode;
  gint distance;
  guint64 hash;
} ImmSnapshotMark;

typedef struct
{
  guint index;
  guint64 event_pts;
  guint64 first_pts;
  /* GST_CLOCK_TIME_NONE in a clip-start event */
  guint64 last_pts;
} ImmClipBounds;

GstEvent *imm_event_new_snapshot_mark (const ImmSnapshotMark * mark);

gboolean imm_event_parse_snapshot_mark (GstEvent * event,
    ImmSnapshotMark * mark);

GstEvent *imm_event_new_clip_start (const ImmClipBounds * clip);

GstEvent *imm_event_new_clip_end (const ImmClipBounds * clip);

gboolean imm_event_parse_clip_start (GstEvent * event, ImmClipBounds * clip);

gboolean imm_event_parse_clip_end (GstEvent * event, ImmClipBounds * clip);

G_END_DECLS

#endif /* __IMM_EVENTS_H__ */
