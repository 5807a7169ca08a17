/*
 * The library context: error details of the last failing call, and the log callback.
 *
 * libdfu keeps no global state. A context is used by one thread at a time; give each thread its
 * own, or serialise access with your own lock. The same holds for everything made with it
 * (devices, plans, journals). Devices and plans keep it and report their errors into it, so it
 * must outlive them; other calls use the context they are given during the call only. The
 * library never prints and never exits: it reports through the log callback set here and
 * through return codes.
 *
 * Callbacks (log, progress, cancel) run on the calling thread, inside the call that reports.
 * What they are given (a log line, a dfu_progress and the strings it points to) is valid only
 * until they return: copy what you keep. They must not call libdfu with the objects that call
 * is using, except for the getters that take a const pointer (dfu_plan_step_count(),
 * dfu_plan_step(), dfu_plan_notes(), dfu_device_get_info(), dfu_device_alt(), dfu_ctx_error(),
 * ...): those only read, and a running call changes no plan and leaves its device consistent
 * at every event.
 */
#ifndef LIBDFU_CONTEXT_H
#define LIBDFU_CONTEXT_H

#include <stdint.h>
#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dfu_ctx dfu_ctx;

typedef enum dfu_log_level {
    DFU_LOG_ERROR = 0,
    DFU_LOG_WARN = 1,
    DFU_LOG_INFO = 2,
    DFU_LOG_DEBUG = 3,
} dfu_log_level;

/* Receives one complete line (no trailing newline), valid only until the callback returns. */
typedef void (*dfu_log_cb)(dfu_log_level level, const char *line, void *payload);

/* Details of the last error recorded in a context. */
typedef struct dfu_error_info {
    int code;            /* a dfu_error code, DFU_OK when none */
    const char *message; /* what and where; never NULL ("" when none) */
    int dfu_status;      /* DFU bStatus the device reported, or -1 */
    int dfu_state;       /* DFU bState the device reported, or -1 */
} dfu_error_info;

/* *out is NULL on failure (out of memory), as for every out pointer (error.h). */
DFU_API int dfu_ctx_new(dfu_ctx **out);
DFU_API void dfu_ctx_free(dfu_ctx *ctx);

/* Lines at or below max_level go to cb; cb NULL disables logging (the default). */
DFU_API void dfu_ctx_set_log(dfu_ctx *ctx, dfu_log_cb cb, dfu_log_level max_level, void *payload);

/*
 * Asked while libdfu waits: for a device to appear (dfu_open_options.wait_ms, and the return in
 * DFU mode after a detach), and while an open device keeps a call waiting (an erase, a mass
 * erase, a device busy or stuck in dfuDNBUSY: every wait of dfu_plan_execute(), dfu_recover()
 * and the single operations, dfu_device_mass_erase() included). Asked at least every 100 ms of
 * waiting (of the device's clock: virtual time on a simulated board); non-zero ends the wait at
 * once and the call returns DFU_ERR_CANCELLED: a "Cancel" button while "waiting for the board"
 * or through a long erase. Waits shorter than 100 ms (a block's own programming) are not
 * interrupted, and a device left busy finishes what it was doing by itself (update.h,
 * dfu_progress_cb, says what state it is left in). Between blocks, updates are cancelled through
 * their progress callback, which lets the current block finish. cb NULL (the default) waits until
 * the device comes or the wait ends.
 */
typedef int (*dfu_cancel_cb)(void *payload);
DFU_API void dfu_ctx_set_cancel(dfu_ctx *ctx, dfu_cancel_cb cb, void *payload);

/* The last error recorded in ctx: by the last failing call that was given ctx or acted on a
 * device or plan made with it. A success does not clear it, and a failing call with neither
 * records nothing (error.h). The pointer lasts as long as ctx; what it points to changes with
 * the next error recorded. */
DFU_API const dfu_error_info *dfu_ctx_error(const dfu_ctx *ctx);
DFU_API void dfu_ctx_clear_error(dfu_ctx *ctx);

/* libdfu version, "MAJOR.MINOR.PATCH". */
DFU_API const char *dfu_version(void);

#ifdef __cplusplus
}
#endif
#endif
