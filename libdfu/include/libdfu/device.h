/*
 * DFU devices: what enumeration finds, how a selector picks one, and an open device handle.
 *
 * Selectors have one syntax everywhere (CLI, library, tests): comma-separated terms, all of
 * which must match.
 *   VID:PID           hex ids, 0483:df11; "VID:PID,VID:PID" gives the run-time ids and then
 *                     the DFU-mode ids (a device matches either, in the corresponding mode)
 *   serial=S          USB serial number
 *   path=P            USB port path, 1-1.4; a device keeps it across detach, reset and leave
 *   sim:SPEC          one simulated device, sim:stm32f405[,opt=value...]: everything after
 *                     "sim:" is its spec (sim.h), commas included
 * An empty selector or NULL matches every device.
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
    uint8_t iface; /* bInterfaceNumber (not "interface": <windows.h> defines that as a macro) */
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
/* Deep copy; DFU_ERR_NOMEM leaves dst empty (cleared). */
DFU_API int dfu_device_info_copy(dfu_device_info *dst, const dfu_device_info *src);

/* A parsed selector (the syntax is at the top of this header). */
typedef struct dfu_selector dfu_selector;

/* On failure *out is NULL, here and in dfu_device_list (also *count 0) and dfu_device_open. */
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

/* An open DFU device: one interface, one selected alternate setting. */
typedef struct dfu_device dfu_device;

typedef struct dfu_open_options {
    unsigned version;
    int alt;                   /* alternate setting number; -1: by alt_name, else the first */
    const char *alt_name;      /* alternate setting by name ("Internal Flash"), when alt is -1 */
    unsigned wait_ms;          /* wait this long for a matching device to appear (0: it must be
                                  present now) */
    bool no_detach;            /* leave a run-time device alone instead of detaching it into DFU
                                  mode (then only run-time requests are possible) */
    unsigned detach_wait_ms;   /* how long a detached device may take to come back (0: 10 s) */
    uint16_t transfer_size;    /* blocks of this size (0: the device's wTransferSize, quirk-
                                  corrected); never more than that (DFU_ERR_ARG): raise a wrong
                                  descriptor's size with a transfer-size quirk */
    bool no_builtin_quirks;    /* ignore libdfu's quirk table (to see a device as it really is) */
    const char *quirks;        /* extra quirk lines, applied after the table (see
                                  packaging/quirks/libdfu.quirks for the syntax); may be NULL */
    const char *quirks_source; /* what errors in those lines name ("user.quirks:3: ..."),
                                  usually the file they came from; NULL: "quirks" */
} dfu_open_options;

#define DFU_OPEN_OPTIONS_VERSION 1
#define DFU_OPEN_OPTIONS_INIT                                                                      \
    {                                                                                              \
        DFU_OPEN_OPTIONS_VERSION, -1, NULL, 0, false, 0, 0, false, NULL, NULL                      \
    }

/*
 * Opens the one device the selector matches (DFU_ERR_NO_DEVICE, DFU_ERR_AMBIGUOUS listing the
 * candidates), detaches it into DFU mode if it runs its application (following it by port path
 * across the re-enumeration), selects the alternate setting and brings it to dfuIDLE, clearing
 * what an earlier session left (dfuERROR, a stale transfer, a stuck dfuDNBUSY). opts may be NULL;
 * it and its strings (alt_name, quirks, quirks_source) are read during the call only. The device
 * keeps ctx, which must outlive it.
 */
DFU_API int dfu_device_open(dfu_device **out, dfu_ctx *ctx, const char *selector,
                            const dfu_open_options *opts);
DFU_API void dfu_device_close(dfu_device *dev);

/* The device as enumerated (after a detach: in DFU mode). The struct and its strings stay valid
 * and unchanged until dfu_device_close (a device that leaves keeps them); copy them with
 * dfu_device_info_copy to keep them longer. */
DFU_API const dfu_device_info *dfu_device_get_info(const dfu_device *dev);
/* The selected alternate setting. */
DFU_API int dfu_device_alt(const dfu_device *dev);
/* Selects another alternate setting of the same interface; DFU_ERR_ARG, listing those it has,
 * when the device has none of that number (as dfu_device_open). */
DFU_API int dfu_device_set_alt(dfu_device *dev, int alt);
/* True for ST DfuSe devices (bcdDFUVersion 0x011A, memory layouts, addresses). */
DFU_API bool dfu_device_is_dfuse(const dfu_device *dev);
DFU_API bool dfu_device_can_upload(const dfu_device *dev);
/* Effective transfer size (wTransferSize, quirk or option corrected). */
DFU_API unsigned dfu_device_transfer_size(const dfu_device *dev);
/* The parsed memory layout of an alternate setting, or NULL (DFU 1.1 devices have none); valid
 * until dfu_device_close. */
DFU_API const struct dfu_layout *dfu_device_layout(const dfu_device *dev, int alt);
/* DFU 1.1 devices: where the device writes its application, when known (quirk table). */
DFU_API bool dfu_device_app_base(const dfu_device *dev, uint32_t *out);
/* True when dfu_device_open found the device running its application and detached it into
 * DFU mode; its run-time VID:PID then (either pointer may be NULL). A caller that ends up
 * changing nothing can return it to its application with dfu_device_leave. */
DFU_API bool dfu_device_detached(const dfu_device *dev, uint16_t *runtime_vid,
                                 uint16_t *runtime_pid);
/* The quirks applied to this device, as text ("" when none); valid until dfu_device_close. */
DFU_API const char *dfu_device_quirks(const dfu_device *dev);
/* The simulated device behind the handle, or NULL for a real one. */
DFU_API struct dfu_sim *dfu_device_sim(dfu_device *dev);

/* The device's DFU state and status right now (DFU_GETSTATUS). */
DFU_API int dfu_device_get_status(dfu_device *dev, int *state, int *status);
/* USB reset: the device restarts (its boot logic decides where). The handle is then closed for
 * requests; open the device again to talk to it. Unlike every other call, it does not first
 * wait for an operation a cancel left the device doing (update.h): a reset is what a device
 * stuck busy needs, and it ends an erase still under way. */
DFU_API int dfu_device_reset(dfu_device *dev);
/* True once the device has left (leave, reset, manifestation): no further requests. */
DFU_API bool dfu_device_gone(const dfu_device *dev);

/* Control-transfer counters since the device was opened (tests, diagnostics). */
typedef struct dfu_device_stats {
    uint64_t control;
    uint64_t dnload;
    uint64_t upload;
    uint64_t getstatus;
    uint64_t set_address;
    uint64_t erase;
    uint64_t slept_us;
} dfu_device_stats;

DFU_API void dfu_device_get_stats(const dfu_device *dev, dfu_device_stats *out);

#ifdef __cplusplus
}
#endif
#endif
