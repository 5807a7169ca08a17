/* Printing an update plan (dry run) and an update's result, as text or JSON. */
#ifndef DFUCTL_PLAN_OUTPUT_H
#define DFUCTL_PLAN_OUTPUT_H

#include "output.h"

void cli_print_plan(const cli_out *out, dfu_device *dev, const char *file, const dfu_plan *plan);
/* The final line of flash/verify: what was erased, written, verified, skipped, and how long. */
void cli_print_result(const cli_out *out, dfu_device *dev, const char *file,
                      const dfu_update_result *r, int err, int exit_code);
/* What the result's end says of a device that reset to load its option bytes ("" otherwise). */
const char *cli_reset_text(const dfu_update_result *r);

#endif
