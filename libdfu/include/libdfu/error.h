/*
 * Error codes. Every fallible libdfu call returns 0 on success or one of these negative codes; the
 * human-readable specifics (file:line:column, address, block, device status) are kept in the
 * dfu_ctx the call was given, or the one the device or plan it acts on was made with (see
 * dfu_ctx_error()). Codes are stable: bindings map them.
 *
 * dfu_ctx_error() describes the last failing call that recorded into that context; a success
 * does not clear it. Calls that take no context and act on no device or plan report by their
 * return code alone and record nothing, so after one of them fails dfu_ctx_error() still shows
 * an older, unrelated message: dfu_image_new, dfu_image_add_target, dfu_image_set_target,
 * dfu_image_segment, dfu_image_clone, dfu_device_info_copy, dfu_format_from_name, and the
 * simulator's dfu_sim_set_interface, dfu_sim_descriptors, dfu_sim_peek, dfu_sim_poke and
 * dfu_sim_region_at. Their codes are listed where they are declared.
 *
 * A call that hands back an object or buffer through an out pointer (`dfu_image **out`) sets
 * *out to NULL before anything else (when out is not NULL), so after a failure it is NULL, never
 * what the caller left there, and every _free() takes NULL:
 *     dfu_image *img;
 *     if (dfu_image_load(&img, ctx, path, NULL)) goto out;
 *     ...
 *   out:
 *     dfu_image_free(img);
 */
#ifndef LIBDFU_ERROR_H
#define LIBDFU_ERROR_H

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dfu_error {
    DFU_OK = 0,
    DFU_ERR_GENERIC = -1,       /* anything not covered below */
    DFU_ERR_NOMEM = -2,         /* out of memory */
    DFU_ERR_ARG = -3,           /* invalid argument or option from the caller, including a
                                   number or name the device, image or simulator does not
                                   have (alternate setting, target, profile) */
    DFU_ERR_IO = -4,            /* reading or writing a file failed */
    DFU_ERR_FORMAT = -5,        /* malformed firmware file */
    DFU_ERR_UNSUPPORTED = -6,   /* valid request that this build, file or device cannot do */
    DFU_ERR_EXISTS = -7,        /* output file exists and overwriting was not asked for */
    DFU_ERR_NO_DEVICE = -8,     /* no device matches the selector */
    DFU_ERR_AMBIGUOUS = -9,     /* several devices match the selector */
    DFU_ERR_ACCESS = -10,       /* permission denied opening a device */
    DFU_ERR_BUSY = -11,         /* device held by another driver or program (a simulated
                                   board's state file by another instance), or a recovery
                                   journal in use by another update or recovery (journal.h) */
    DFU_ERR_STALL = -12,        /* the device stalled a request */
    DFU_ERR_TIMEOUT = -13,      /* a transfer or a wait timed out */
    DFU_ERR_DISCONNECTED = -14, /* the device went away */
    DFU_ERR_USB = -15,          /* other USB I/O error */
    DFU_ERR_DEVICE = -16,       /* the device reported an error status (see dfu_error_info) */
    DFU_ERR_PROTOCOL = -17,     /* the device broke the protocol (bad state, bad payload) */
    DFU_ERR_VERIFY = -18,       /* read-back differs from what was written */
    DFU_ERR_REFUSED = -19,      /* a safety check refused the operation */
    DFU_ERR_CANCELLED = -20,    /* the caller cancelled through a callback */
    DFU_ERR_NOT_FOUND = -21,    /* no recovery journal where one was looked for (journal.h) */
} dfu_error;

/* Short stable name of a code ("format", "no-device", ...), for logs and JSON. */
DFU_API const char *dfu_error_name(int code);

#ifdef __cplusplus
}
#endif
#endif
