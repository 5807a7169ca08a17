/* Loading the firmware file of a device command (flash, verify, recover). */
#ifndef DFUCTL_IMAGE_LOAD_H
#define DFUCTL_IMAGE_LOAD_H

#include "output.h"

/* Loads path (format forced when format is not NULL; raw binaries placed at base). Reports the
 * problem and returns the exit code on failure. */
int cli_load_image(cli_out *out, const char *path, const char *format, uint32_t base,
                   dfu_image **img);
/* A raw binary says nothing about where it goes: without --address, a DfuSe device is a usage
 * error and a DFU 1.1 device with a known application base gets it there (the file is read
 * again). Anything else is left as it is. */
int cli_place_raw(cli_out *out, const char *path, const char *format, bool has_address,
                  dfu_device *dev, dfu_image **img);

/* --address places a raw binary: given with a file that says where its data goes (HEX,
 * S-record, ELF, DfuSe), it would be ignored, so it is a usage error. */
int cli_check_address_option(cli_out *out, const char *path, bool has_address,
                             const dfu_image *img);

/* A file whose targets name their alternate settings (DfuSe) says where each goes: --alt (alt,
 * when not NULL) would be ignored, so it is a usage error naming the file's targets. */
int cli_check_alt_option(cli_out *out, const char *path, const char *alt, const dfu_image *img);

#endif
