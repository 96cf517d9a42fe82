/* imm-gst: the mark immsnapshot puts on the frames it would take.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_SNAPSHOT_META_H__
#define __IMM_SNAPSHOT_META_H__

#include <gst/gst.h>

#include "imm-schedule.h"

G_BEGIN_DECLS
/**
 * ImmSnapshotMeta:
 * @index: 1-based number of the frame taken
 * @mode: the capture mode
 * @distance: dhash: the change (Hamming distance to the previous sample,
 *   -1 for the first); else -1
 * @hash: dhash: the frame's 64-bit hash; else 0
 *
 * On a frame immsnapshot (action=mark) would have taken.
 */
    typedef struct
{
  GstMeta meta;
  guint index;
  ImmSnapshotMode mode;
  gint distance;
  guint64 hash;
} ImmSnapshotMeta;

#define IMM_SNAPSHOT_META_API_TYPE (imm_snapshot_meta_api_get_type ())
#define IMM_SNAPSHOT_META_INFO (imm_snapshot_meta_get_info ())

GType imm_snapshot_meta_api_get_type (void);

const GstMetaInfo *imm_snapshot_meta_get_info (void);

ImmSnapshotMeta *imm_buffer_add_snapshot_meta (GstBuffer * buffer,
    guint index, ImmSnapshotMode mode, gint distance, guint64 hash);

ImmSnapshotMeta *imm_buffer_get_snapshot_meta (GstBuffer * buffer);

G_END_DECLS
#endif /* __IMM_SNAPSHOT_META_H__ */
