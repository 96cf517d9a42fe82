/* Linked into the launcher tests of a sanitizer build: no leak check of the
 * test process itself. It makes its fixtures with system encoders and
 * muxers that leak (GStreamer 1.22's avmux_asf keeps itself alive,
 * mpeg2enc its pictures) and otherwise only decodes what imm-convert
 * wrote. Every imm-convert these tests run is still leak-checked.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
int __lsan_is_turned_off (void);

int
__lsan_is_turned_off (void)
{
  return 1;
}
