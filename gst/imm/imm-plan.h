/* imm-gst: validated request -> gst-launch pipeline descriptions.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_PLAN_H__
#define __IMM_PLAN_H__

#include <glib.h>

#include "imm-request.h"

G_BEGIN_DECLS

/**
 * ImmPlanInput:
 * @source_uris: one URI per request source, as uridecodebin opens it
 * @locations: one sink location per request output; a printf pattern with
 *   `%d` (index from 1, literal `%` doubled) for snapshot outputs, a plain
 *   path for animations
 * @cover_location: (nullable): set when the (single) source has no video:
 *   the extracted cover picture file snapshot outputs are made from; a
 *   name ending in `.jpg` says it is a JPEG (decoded with avdec_mjpeg)
 * @first_width: width of the first source's picture (as probed), 0 when
 *   unknown; animations keep the size worked out on it
 * @first_height: its height
 * @first_par_n: its pixel aspect ratio numerator (0 means 1:1)
 * @first_par_d: its pixel aspect ratio denominator
 * @first_transposed: the first picture is shown turned by 90 or 270
 *   degrees (its image-orientation tag, see
 *   imm_plan_orientation_transposes()): the sizes above are as stored, the
 *   upright picture swaps them
 */
typedef struct
{
  const gchar *const *source_uris;
  const gchar *const *locations;
  const gchar *cover_location;
  gint first_width, first_height;
  gint first_par_n, first_par_d;
  gboolean first_transposed;
} ImmPlanInput;

/**
 * ImmPlanFlags:
 * @IMM_PLAN_NO_SEEK: no output may seek (for an HTTP server that refused
 *   a Range request: souphttpsrc fails the seek instead of reading on)
 */
typedef enum
{
  IMM_PLAN_DEFAULT = 0,
  IMM_PLAN_NO_SEEK = 1 << 0,
} ImmPlanFlags;

/**
 * ImmPlanPipeline:
 * @argv: the gst-launch-1.0 arguments, %NULL-terminated; run them with
 *   gst_parse_launchv() to get exactly what the printed line does
 * @outputs: indices (guint) of the request outputs this pipeline writes
 */
typedef struct
{
  gchar **argv;
  GArray *outputs;
} ImmPlanPipeline;

typedef struct
{
  GPtrArray *pipelines;         /* ImmPlanPipeline */
} ImmPlan;

ImmPlan *imm_plan_build (const ImmRequest * req, const ImmPlanInput * in,
    GError ** error);

ImmPlan *imm_plan_build_full (const ImmRequest * req, const ImmPlanInput * in,
    ImmPlanFlags flags, GError ** error);

void imm_plan_free (ImmPlan * plan);

gchar *imm_plan_pipeline_to_string (const ImmPlanPipeline * pipeline);

gchar *imm_plan_pipeline_to_shell (const ImmPlanPipeline * pipeline);

gchar *imm_plan_snapshot_name (guint output_index);

void imm_plan_frame_rate (const ImmOutput * out, gint * num, gint * den);

gdouble imm_plan_side (gdouble requested, gdouble other);

gboolean imm_plan_orientation_transposes (const gchar * orientation);
gboolean imm_plan_animation_size (const ImmOutput * out,
    const ImmPlanInput * in, gint * width, gint * height,
    ImmResizeMode * mode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImmPlan, imm_plan_free);

G_END_DECLS

#endif /* __IMM_PLAN_H__ */
