/* imm-gst: what a queue worker does with a delivered task and its end.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __IMM_DELIVERY_H__
#define __IMM_DELIVERY_H__

#include <glib.h>

G_BEGIN_DECLS

/* What to do with a task entry as it is delivered. */
typedef enum
{
  IMM_DELIVERY_RUN,             /* run it */
  IMM_DELIVERY_ACK,             /* its result is written already: XACK only */
  IMM_DELIVERY_BURY,            /* delivered too often: Failed, imm:dead, XACK */
} ImmDeliveryAction;

/* What to do once the task's process ended. */
typedef enum
{
  IMM_DELIVERY_RECORD,          /* write the result it printed, XACK */
  IMM_DELIVERY_RECORD_FAILED,   /* it printed none: write a Failed one, XACK */
  IMM_DELIVERY_RETRY,           /* crashed: leave pending for a redelivery */
  IMM_DELIVERY_GIVE_UP,         /* crashed at the last delivery: bury it */
} ImmDeliveryEnd;

ImmDeliveryAction imm_delivery_on_take (gboolean has_result,
    guint deliveries, guint max_deliveries);

ImmDeliveryEnd imm_delivery_on_end (gboolean exited, gint status,
    gboolean printed_result, guint deliveries, guint max_deliveries);

G_END_DECLS

#endif /* __IMM_DELIVERY_H__ */
