/* Unit tests of the worker's delivery decisions.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "imm/imm-delivery.h"

typedef struct
{
  gboolean has_result;
  guint deliveries, max;
  ImmDeliveryAction want;
} TakeCase;

static const TakeCase take_cases[] = {
  {FALSE, 1, 5, IMM_DELIVERY_RUN},
  {FALSE, 5, 5, IMM_DELIVERY_RUN},      /* the last allowed delivery runs */
  {FALSE, 6, 5, IMM_DELIVERY_BURY},
  {FALSE, 2, 1, IMM_DELIVERY_BURY},
  {TRUE, 1, 5, IMM_DELIVERY_ACK},       /* a resubmitted id: no 2nd result */
  {TRUE, 2, 5, IMM_DELIVERY_ACK},       /* died between result and XACK */
  {TRUE, 9, 5, IMM_DELIVERY_ACK},       /* recorded beats buried */
};

GST_START_TEST (test_take)
{
  const TakeCase *c = &take_cases[__i__];

  fail_unless_equals_int (imm_delivery_on_take (c->has_result,
          c->deliveries, c->max), c->want);
}

GST_END_TEST;

typedef struct
{
  gboolean exited;
  gint status;
  gboolean printed;
  guint deliveries, max;
  ImmDeliveryEnd want;
} EndCase;

static const EndCase end_cases[] = {
  {TRUE, 0, TRUE, 1, 5, IMM_DELIVERY_RECORD},
  {TRUE, 1, TRUE, 1, 5, IMM_DELIVERY_RECORD},   /* Failed: no retry */
  {TRUE, 1, TRUE, 5, 5, IMM_DELIVERY_RECORD},
  {TRUE, 0, FALSE, 1, 5, IMM_DELIVERY_RECORD_FAILED},
  {TRUE, 2, TRUE, 1, 5, IMM_DELIVERY_RECORD_FAILED},
  {TRUE, 127, FALSE, 1, 5, IMM_DELIVERY_RECORD_FAILED}, /* no exec */
  {FALSE, 11, FALSE, 1, 5, IMM_DELIVERY_RETRY},
  {FALSE, 9, FALSE, 4, 5, IMM_DELIVERY_RETRY},
  {FALSE, 11, FALSE, 5, 5, IMM_DELIVERY_GIVE_UP},
  {FALSE, 6, TRUE, 1, 1, IMM_DELIVERY_GIVE_UP},
};

GST_START_TEST (test_end)
{
  const EndCase *c = &end_cases[__i__];

  fail_unless_equals_int (imm_delivery_on_end (c->exited, c->status,
          c->printed, c->deliveries, c->max), c->want);
}

GST_END_TEST;

static Suite *
delivery_suite (void)
{
  Suite *s = suite_create ("delivery");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_take, 0, G_N_ELEMENTS (take_cases));
  tcase_add_loop_test (tc, test_end, 0, G_N_ELEMENTS (end_cases));
  return s;
}

GST_CHECK_MAIN (delivery);
