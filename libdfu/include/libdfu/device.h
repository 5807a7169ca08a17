/*
 * DFU devices: what enumeration finds, how a selector picks one, and an open device handle.
 *
 * Selectors (one syntax everywhere: CLI, library, tests), comma-separated terms that all must
 * match: 0483:df11            VID:PID (a second pair, "1234:5678,0483:df11", gives run-time and DFU
 * ids) serial=...           USB serial number string path=1-1.4           USB port path; a device
 * keeps it across detach, reset and leave sim:stm32f405[,opt=value...]   a simulated device (see
 * sim.h)
 */
#ifndef LIBDFU_DEVICE_H
#define LIBDFU_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "context.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dfu_mode {
    DFU_MODE_RUNTIME = 1, /* an application exposing a DFU run-time interface (protocol 1) */
    DFU_MODE_DFU = 2,     /* the bootloader, in DFU mode (protocol 2) */
} dfu_mode;

/* The DFU functional descriptor as the device sent it. */
typedef struct dfu_func_desc {
    bool present;       /* false: no functional descriptor found at all */
    uint8_t length;     /* bLength as sent: 9 in DFU 1.1, 7 when truncated (DFU 1.0 style) */
    uint8_t attributes; /* bmAttributes, DFU_ATTR_* */
    uint16_t detach_timeout_ms;
    uint16_t transfer_size; /* wTransferSize as sent (0 and 0xffff occur in the wild) */
    uint16_t dfu_version;   /* bcdDFUVersion; 0 when the descriptor is truncated */
} dfu_func_desc;

/* One alternate setting of a DFU interface. */
typedef struct dfu_alt_info {
    uint8_t interface;
    uint8_t alt;
    uint8_t protocol; /* DFU_PROTOCOL_RUNTIME, DFU_PROTOCOL_DFU, or 0 (DFU 1.0) */
    char *name;       /* interface string (DfuSe: a memory layout), NULL when none */
} dfu_alt_info;

/* A DFU-capable device as enumeration finds it. */
typedef struct dfu_device_info {
    char *backend; /* "usb" or "sim" */
    uint16_t vid, pid, bcd_device;
    char *manufacturer; /* NULL when the device has none or it could not be read */
    char *product;
    char *serial;
    char *path; /* port path, "1-1.4"; for a simulated device as configured */
    uint8_t bus;
    uint8_t address; /* device number on the bus; changes on every re-enumeration */
    dfu_mode mode;
    dfu_func_desc func;
    size_t alt_count;
    dfu_alt_info *alts;
} dfu_device_info;

/* Frees the strings and arrays inside info (not info itself). */
DFU_API void dfu_device_info_clear(dfu_device_info *info);
/* Deep copy. */
DFU_API int dfu_device_info_copy(dfu_device_info *dst, const dfu_device_info *src);

/*
 * Selectors. Terms are comma-separated and all must match:
 *   VID:PID             hex ids; "VID:PID,VID:PID" gives the run-time ids and then the DFU-mode
 *                       ids (a device matches either, in the corresponding mode)
 *   serial=S            USB serial number
 *   path=P              USB port path ("1-1.4")
 * "sim:SPEC" names one simulated device; everything after "sim:" is its spec (sim.h), commas
 * included. An empty selector or NULL matches every device.
 */
typedef struct dfu_selector dfu_selector;

DFU_API int dfu_selector_parse(dfu_selector **out, dfu_ctx *ctx, const char *text);
DFU_API void dfu_selector_free(dfu_selector *sel);
DFU_API bool dfu_selector_match(const dfu_selector *sel, const dfu_device_info *info);
/* The simulator spec when the selector names a simulated device, else NULL. */
DFU_API const char *dfu_selector_sim_spec(const dfu_selector *sel);

/* Every DFU-capable device (run-time and DFU mode) that selector matches (NULL: all), found
 * through the backend the selector implies (libusb, or the simulator for "sim:"). */
DFU_API int dfu_device_list(dfu_device_info **out, size_t *count, dfu_ctx *ctx,
                            const char *selector);
DFU_API void dfu_device_list_free(dfu_device_info *list, size_t count);

#ifdef __cplusplus
}
#endif
#endif
