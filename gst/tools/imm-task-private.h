/* imm-convert: what the task runner's modules share.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * imm-task.c runs the steps, imm-probe.c resolves and probes the sources,
 * imm-staging.c owns every output path (temporary and final) and
 * imm-pipeline.c runs one planned pipeline.
 */
#ifndef __IMM_TASK_PRIVATE_H__
#define __IMM_TASK_PRIVATE_H__

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#include "imm/imm-plan.h"
#include "imm/imm-request.h"
#include "imm/imm-result.h"
#include "imm-task.h"

G_BEGIN_DECLS

typedef struct _Staging Staging;

typedef struct
{
  ImmTaskOptions opts;
  gchar *storage_root;          /* canonical */

  ImmRequest *req;
  gchar *task_id;
  GDateTime *start;
  GHashTable *vars;             /* template variables, without index */

  /* sources (imm-probe.c) */
  gchar **source_uris;          /* for uridecodebin */
  GstDiscovererVideoInfo *first_video;  /* of the first source */
  GstClockTime range;           /* of the joined sources, 0 unknown */
  gboolean range_known;         /* every source told its duration */
  gchar *cover_file;
  gboolean live;                /* the (single) source is a live stream */

  /* outputs (imm-staging.c) */
  Staging *staging;
  ImmOutputResult *results;

  /* progress (imm-pipeline.c) */
  gboolean progress_shown;      /* a progress line is on the terminal */
  gint64 started_us;            /* monotonic time the first pipeline ran */
  guint pipeline, n_pipelines;  /* the one running, of how many */
  guint frames_seen;

  /* outcome: the first failure */
  ImmResultCode code;
  gchar *message;
} Task;

/* imm-task.c */
gboolean task_fail (Task * t, ImmResultCode code, const gchar * fmt, ...)
    G_GNUC_PRINTF (3, 4);
gboolean task_fail_error (Task * t, GError * err, ImmResultCode otherwise);
void note (Task * t, const gchar * fmt, ...) G_GNUC_PRINTF (2, 3);
gboolean task_interrupted (void);

/* imm-probe.c */
gboolean probe_resolve_source (Task * t, guint i);
gboolean probe_sources (Task * t);

/* imm-staging.c */
Staging *staging_new (void);
gchar *staging_confine (Task * t, const gchar * path);
gboolean staging_resolve_outputs (Task * t);
gboolean staging_check_collisions (Task * t);
gboolean staging_open (Task * t);
const gchar *staging_dir (Task * t);
void staging_keep (Task * t);
const gchar *const *staging_sink_locations (Task * t, gboolean final);
gint staging_output_of_sink (Task * t, const gchar * location);
gboolean staging_output_uri (Task * t, guint output, guint index,
    gchar ** uri, gchar ** path);
void staging_discard (Task * t, const ImmPlanPipeline * pp);
gboolean staging_collect (Task * t);
gboolean staging_fail_no_frame (Task * t, const ImmOutput * out);
gboolean staging_commit (Task * t);
gboolean staging_commit_file (Task * t, guint output, guint index);
guint staging_committed (Task * t);
void staging_free (Task * t, gboolean succeeded);

/* imm-pipeline.c */
gboolean pipeline_run (Task * t, const ImmPlanPipeline * pp,
    gboolean * seek_refused);
void pipeline_show_progress (Task * t, gint64 pos, gboolean final,
    gboolean ok);

G_END_DECLS

#endif /* __IMM_TASK_PRIVATE_H__ */
