/* Loading the firmware file of a device command (flash, verify, recover). */
#ifndef DFUCTL_IMAGE_LOAD_H
#define DFUCTL_IMAGE_LOAD_H

#include "output.h"

/* How the command line says to read a firmware file. */
typedef struct cli_image_opts {
    const char *format; /* --format: forced when not NULL */
    uint32_t address;   /* --address: where a raw binary goes */
    bool has_address;
    const char *alt; /* --alt, when given */
} cli_image_opts;

/* Loads path as o says. Options the file makes meaningless are usage errors rather than
 * ignored: --address with a file that says where its data goes (HEX, S-record, ELF, DfuSe), --alt
 * with one whose targets name their alternate settings (DfuSe; the error names them). Reports
 * the problem and returns the exit code on failure (then *img is NULL). */
int cli_load_image(cli_out *out, const char *path, const cli_image_opts *o, dfu_image **img);

/* A raw binary says nothing about where it goes: without --address, a DfuSe device is a usage
 * error and a DFU 1.1 device with a known application base gets it there (the file is read
 * again). Anything else is left as it is. */
int cli_place_raw(cli_out *out, const char *path, const char *format, bool has_address,
                  dfu_device *dev, dfu_image **img);

#endif
