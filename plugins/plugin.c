/* imm-gst: frame capture, resizing and animated images for GStreamer.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstimmanimenc.h"
#include "gstimmhighlight.h"
#include "gstimmscale.h"
#include "gstimmsnapshot.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (immscale, plugin);
  ret |= GST_ELEMENT_REGISTER (immsnapshot, plugin);
  ret |= GST_ELEMENT_REGISTER (immanimenc, plugin);
  ret |= GST_ELEMENT_REGISTER (immhighlight, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, imm,
    "Frame capture, resizing and animated GIF/WebP encoding",
    plugin_init, VERSION, "LGPL", PACKAGE, GST_PACKAGE_ORIGIN)
