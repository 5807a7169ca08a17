/*
 * Device quirks as data: a table keyed by VID:PID and bcdDevice (packaging/quirks/libdfu.quirks,
 * compiled in), extended or overridden by text the caller gives. See that file for the syntax.
 */
#ifndef DFU_PROTO_QUIRKS_H
#define DFU_PROTO_QUIRKS_H

#include <stdbool.h>
#include <stdint.h>
#include "libdfu/context.h"

typedef struct dfu_quirks {
    bool force_dfuse;
    bool force_dfu11;
    uint16_t transfer_size;      /* 0: the descriptor's */
    uint32_t mass_erase_poll_ms; /* 0: as the device reports */
    uint32_t erase_poll_ms;
    uint8_t poll_stalls;
    bool stuck_dnbusy;
    bool gd32_layout;
    bool utf8_serial;
    bool no_upload;
    bool verify_before_manifest; /* DFU 1.1: blocks are programmed as they arrive */
    bool not_cortex_m;           /* no vector table to check (RISC-V) */
    bool has_app_base;
    uint32_t app_base;
    uint32_t ram_start, ram_end; /* end exclusive; both 0: the generic Cortex-M ranges */
    char names[160];             /* the keys applied, for logs: "mass-erase-poll=35000 ..." */
} dfu_quirks;

/* The built-in table, generated from packaging/quirks/libdfu.quirks. */
extern const char dfu_quirks_data[];

/* The built-in table's text. */
const char *dfu_quirks_builtin(void);

/*
 * Applies every entry of text matching vid:pid/bcd to q (which the caller zeroes first). source
 * names the text in error messages ("built-in quirks", a file name). DFU_ERR_ARG for a bad line.
 */
int dfu_quirks_apply(dfu_ctx *ctx, const char *text, const char *source, uint16_t vid, uint16_t pid,
                     uint16_t bcd, dfu_quirks *q);

#endif
