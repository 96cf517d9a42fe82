/* imm-gst launcher tests: end-to-end runs of imm-convert on fixtures made
 * at test time. One binary, so the fixtures are made once (launcher.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "launcher.h"

static Suite *
launcher_suite (void)
{
  Suite *s = suite_create ("launcher");
  TCase *slow = tcase_create ("seeds");
  TCase *anim = tcase_create ("animations");
  TCase *fast = tcase_create ("invalid");

  tcase_add_unchecked_fixture (fast, setup_fixture_dir, NULL);
  tcase_add_unchecked_fixture (slow, setup_fixture_dir, NULL);
  tcase_add_unchecked_fixture (anim, setup_fixture_dir, NULL);
  tcase_set_timeout (slow, 120);
  tcase_set_timeout (anim, 120);
  errors_add_tests (fast, slow, anim);
  seeds_add_tests (fast, slow, anim);
  pipelines_add_tests (fast, slow, anim);
  http_add_tests (fast, slow, anim);
  progress_add_tests (fast, slow, anim);
  suite_add_tcase (s, fast);
  suite_add_tcase (s, slow);
  suite_add_tcase (s, anim);
  return s;
}

GST_CHECK_MAIN (launcher);
