/* imm-gst: immsnapshot, picks the frames that become snapshots.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_IMM_SNAPSHOT_H__
#define __GST_IMM_SNAPSHOT_H__

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS
#define GST_TYPE_IMM_SNAPSHOT (gst_imm_snapshot_get_type ())
G_DECLARE_FINAL_TYPE (GstImmSnapshot, gst_imm_snapshot, GST, IMM_SNAPSHOT,
    GstBaseTransform);

#define GST_TYPE_IMM_SNAPSHOT_MODE (gst_imm_snapshot_mode_get_type ())
GType gst_imm_snapshot_mode_get_type (void);

#define GST_TYPE_IMM_SNAPSHOT_WHEN_DONE (gst_imm_snapshot_when_done_get_type ())
GType gst_imm_snapshot_when_done_get_type (void);

#define GST_TYPE_IMM_SNAPSHOT_ACTION (gst_imm_snapshot_action_get_type ())
GType gst_imm_snapshot_action_get_type (void);
#define GST_TYPE_IMM_SNAPSHOT_DETECTOR (gst_imm_snapshot_detector_get_type ())
GType gst_imm_snapshot_detector_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (immsnapshot);

G_END_DECLS
#endif /* __GST_IMM_SNAPSHOT_H__ */
