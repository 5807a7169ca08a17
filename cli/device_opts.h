/* Options every device command takes (-d, --alt, --wait, ...) and opening the device. */
#ifndef DFUCTL_DEVICE_OPTS_H
#define DFUCTL_DEVICE_OPTS_H

#include "output.h"

typedef struct cli_device_opts {
    const char *device; /* selector */
    const char *alt;    /* number or name */
    uint32_t wait_s;
    uint32_t transfer_size;
    bool has_transfer_size;
    const char *quirks_file;
    bool no_quirks;
    bool no_detach;
    char *quirks_text; /* loaded by cli_open_device, freed by cli_device_opts_free */
} cli_device_opts;

/* The option table entries, to put inside a command's cli_opt array. */
#define CLI_DEVICE_OPTIONS(o) CLI_DEVICE_OPTIONS_WAIT(o, CLI_WAIT_HELP)
/* --wait's help; a command that waits by default appends its default (recover). */
#define CLI_WAIT_HELP "wait this long for the device to appear"
/* The same entries with --wait's help given. */
#define CLI_DEVICE_OPTIONS_WAIT(o, wait_help)                                                      \
    {"device",                                                                                     \
     'd',                                                                                          \
     OPT_STRING,                                                                                   \
     &(o).device,                                                                                  \
     NULL,                                                                                         \
     "SELECTOR",                                                                                   \
     "VID:PID, serial=S, path=P or sim:PROFILE[,...] (default: the only DFU device)"},             \
        {"alt",                                                                                    \
         'a',                                                                                      \
         OPT_STRING,                                                                               \
         &(o).alt,                                                                                 \
         NULL,                                                                                     \
         "N|NAME",                                                                                 \
         "alternate setting (default: the first)"},                                                \
        {"wait", 'w', OPT_SECONDS, &(o).wait_s, NULL, "SECONDS", wait_help},                       \
        {"transfer-size",                                                                          \
         0,                                                                                        \
         OPT_U16,                                                                                  \
         &(o).transfer_size,                                                                       \
         &(o).has_transfer_size,                                                                   \
         "N",                                                                                      \
         "smaller blocks than the device's wTransferSize (raise it with a quirk)"},                \
        {"quirks",                                                                                 \
         0,                                                                                        \
         OPT_STRING,                                                                               \
         &(o).quirks_file,                                                                         \
         NULL,                                                                                     \
         "FILE",                                                                                   \
         "extra device quirks (default: $DFU_QUIRKS)"},                                            \
    {                                                                                              \
        "no-quirks", 0, OPT_FLAG, &(o).no_quirks, NULL, NULL,                                      \
            "ignore the built-in quirk table (to see a device as it is)"                           \
    }

/* Opens the device the options select; reports the error and returns the exit code on failure
 * (EXIT_OK on success). */
int cli_open_device(cli_out *out, cli_device_opts *o, dfu_device **dev);
void cli_device_opts_free(cli_device_opts *o);
/* A command that found the device running its application, detached it and then changed
 * nothing (a dry run, a refusal, a read or verify) starts the application again: the board is
 * left as it was found. */
void cli_return_detached(const cli_out *out, dfu_device *dev);
/* "dfu" or "runtime", as JSON and text output name a device's mode. */
const char *cli_mode_name(dfu_mode mode);
/* Opens a successful command's JSON result line: type, command, ok, exit_code and device. The
 * caller adds its fields, then jw_finish(). */
void cli_json_ok_result(json_w *w, const cli_out *out, dfu_device *dev);
/* Writes the "device" JSON object (path, ids, serial, mode, backend). */
void cli_json_device(json_w *w, const char *key, const dfu_device_info *info);
/* "sim-1 0483:df11 (DfuSe, alt 0 "Internal Flash")" for human output. */
void cli_describe_device(dfu_device *dev, char *buf, size_t cap);

#endif
