/* imm-gst: what a queue worker does with a delivered task and its end.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The decisions behind the worker's promises (see README, "Many
 * machines"), as plain functions of what it knows:
 * - a task id whose result is written was run already (a worker died
 *   between writing the result and XACK): acknowledge, do not run again;
 * - an entry delivered more than max-deliveries times had its runs end
 *   without a result every time (workers killed or crashing): bury it;
 * - a process that printed its result and exited 0/1 is a result, even a
 *   Failed one (an invalid request fails at the first delivery, no retry);
 * - a process killed by a signal may have met a transient trouble (the
 *   OOM killer): retry until the last delivery, then give up;
 * - a process that exited otherwise (2: it could not even read the
 *   request) will do the same again: a Failed result now.
 */
#include "imm-delivery.h"

/**
 * imm_delivery_on_take:
 * @has_result: the task id has its result written
 * @deliveries: how often the entry was delivered, this time included
 * @max_deliveries: the worker's --max-deliveries
 */
ImmDeliveryAction
imm_delivery_on_take (gboolean has_result, guint deliveries,
    guint max_deliveries)
{
  if (has_result)
    return IMM_DELIVERY_ACK;
  if (deliveries > max_deliveries)
    return IMM_DELIVERY_BURY;
  return IMM_DELIVERY_RUN;
}

/**
 * imm_delivery_on_end:
 * @exited: the process exited (else a signal killed it)
 * @status: its exit status, or the signal
 * @printed_result: it printed a result JSON object
 * @deliveries: the delivery it ran for
 * @max_deliveries: the worker's --max-deliveries
 */
ImmDeliveryEnd
imm_delivery_on_end (gboolean exited, gint status, gboolean printed_result,
    guint deliveries, guint max_deliveries)
{
  if (!exited)
    return deliveries >= max_deliveries ? IMM_DELIVERY_GIVE_UP :
        IMM_DELIVERY_RETRY;
  if ((status == 0 || status == 1) && printed_result)
    return IMM_DELIVERY_RECORD;
  return IMM_DELIVERY_RECORD_FAILED;
}
