/* imm-gst: CreateMediaConvertTask request model and validation.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_REQUEST_H__
#define __IMM_REQUEST_H__

#include <glib.h>
#include <json-glib/json-glib.h>

#include "imm-geometry.h"
#include "imm-schedule.h"

G_BEGIN_DECLS

#define IMM_REQUEST_ERROR (imm_request_error_quark ())

/* Why a request or a plan was refused; imm_result_code_from_error() turns
 * them into the result's Code. */
typedef enum
{
  IMM_REQUEST_ERROR_INVALID_ARGUMENT,
  IMM_REQUEST_ERROR_RESOURCE_NOT_FOUND,
  IMM_REQUEST_ERROR_INVALID_FILE,
  IMM_REQUEST_ERROR_DECODE_ERROR,
  IMM_REQUEST_ERROR_INTERNAL,
} ImmRequestError;

/* Most sources a request may join. */
#define IMM_REQUEST_MAX_SOURCES 11

typedef enum
{
  IMM_OUTPUT_JPG,
  IMM_OUTPUT_PNG,
  IMM_OUTPUT_WEBP,
  IMM_OUTPUT_GIF,
} ImmOutputFormat;

typedef struct
{
  gchar *uri;
  gdouble start_time;           /* seconds, 0 = from the start */
  gdouble duration;             /* seconds, 0 = to the end */
  gboolean live;                /* a live stream (SPEC "Live sources") */
} ImmSource;

/**
 * ImmOutput:
 * One `Snapshots[]` or `Animations[]` entry.
 * @path: its JSON path, e.g. `Targets[0].Image.Snapshots[1]`
 * @width/@height: 0 = absent, (0, 1) fraction, >= 1 pixels
 * @interval, @frame_rate: 0 = absent
 * @multi: whether it can produce more than one file (snapshots,
 *   highlights)
 * @highlight: a `Highlights[]` entry: one animation file per event, named
 *   like snapshot files (by {index}); @animation is %FALSE for it
 * @pre_roll, @post_roll, @min_gap: a highlight's clip times, seconds
 */
typedef struct
{
  gboolean animation;
  gboolean highlight;
  gchar *path;
  guint target_index;
  guint entry_index;
  ImmOutputFormat format;
  gchar *uri;
  ImmSnapshotMode mode;         /* a snapshot's Mode (never all) */
  gdouble start_time;
  gdouble interval;
  guint number;
  guint threshold;
  gdouble width;
  gdouble height;
  ImmResizeMode scale_type;
  gdouble frame_rate;
  gboolean multi;
  gdouble pre_roll;
  gdouble post_roll;
  gdouble min_gap;
} ImmOutput;

typedef struct
{
  gchar *project_name;
  gchar *user_data;
  gchar *topic_name;            /* Notification.MNS.TopicName, or NULL */
  gboolean notify;              /* a Notification was given */
  GPtrArray *sources;           /* ImmSource */
  GPtrArray *outputs;           /* ImmOutput, in request order */
  guint n_targets;
  GHashTable *tags;             /* Tags: key -> string */
  JsonNode *root;               /* the request as parsed, for the echo */
} ImmRequest;

GQuark imm_request_error_quark (void);

ImmRequest *imm_request_parse (const gchar * data, gssize length,
    GError ** error);

ImmRequest *imm_request_peek (const gchar * data, gssize length);

void imm_request_free (ImmRequest * req);

const gchar *imm_output_format_extension (ImmOutputFormat format);

gboolean imm_request_uri_is_live (const gchar * uri);

gboolean imm_request_check_live (const ImmRequest * req, GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImmRequest, imm_request_free);

G_END_DECLS

#endif /* __IMM_REQUEST_H__ */
