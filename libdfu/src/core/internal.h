/* Internal helpers shared by every layer of libdfu: error recording and logging. */
#ifndef DFU_CORE_INTERNAL_H
#define DFU_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "libdfu/context.h"
#include "libdfu/error.h"

#define DFU_ERROR_MESSAGE_MAX 1024

struct dfu_ctx {
    dfu_log_cb log_cb;
    void *log_payload;
    dfu_log_level log_max;
    dfu_cancel_cb cancel_cb;
    void *cancel_payload;
    dfu_error_info err; /* err.message points at err_message */
    char err_message[DFU_ERROR_MESSAGE_MAX];
};

/* Whether the caller asked to stop waiting (dfu_ctx_set_cancel). */
bool dfu_ctx_cancelled(dfu_ctx *ctx);
/* The same as a callback (a transport's `waiting`): ctx is the context. */
int dfu_ctx_stop(void *ctx);
/* Records an error in ctx (which may be NULL) and returns code, so callers write
 * "return dfu_err(ctx, DFU_ERR_FORMAT, "%s:%u:%u: ...", ...);". */
int dfu_err(dfu_ctx *ctx, int code, const char *fmt, ...) DFU_PRINTF(3, 4);
/* A device's string (serial, alternate setting name) or a file's target name for a message:
 * copied into buf with control characters (C0, DEL, and C1 whether UTF-8-encoded or a raw byte)
 * as \n, \t or \xNN, so that it cannot break a message's lines (lists in messages go
 * "\n  item") or reach a terminal as an escape sequence. Returns buf. */
const char *dfu_shown(const char *s, char *buf, size_t cap);
/* DFU_ERR_ARG unless an options struct's version is one this library knows (1 to max): 0 is a
 * struct not made with its _INIT macro, above max one from newer headers (it may be larger). */
int dfu_check_options(dfu_ctx *ctx, const char *what, unsigned version, unsigned max);
/* Same, remembering the DFU state and status the device reported (-1 when unknown). */
int dfu_err_device(dfu_ctx *ctx, int code, int state, int status, const char *fmt, ...)
    DFU_PRINTF(5, 6);
/* Prefixes the current message: "while writing block 7: <old message>". Returns the code. */
int dfu_err_prefix(dfu_ctx *ctx, int code, const char *fmt, ...) DFU_PRINTF(3, 4);
/* An I/O error from errno, naming the path and what was being done. */
int dfu_err_errno(dfu_ctx *ctx, const char *what, const char *path);

/* The current error, kept across cleanup that may record its own. */
typedef struct dfu_err_saved {
    dfu_error_info info;
    char message[DFU_ERROR_MESSAGE_MAX];
} dfu_err_saved;
void dfu_err_save(const dfu_ctx *ctx, dfu_err_saved *out);
void dfu_err_restore(dfu_ctx *ctx, const dfu_err_saved *saved);

void dfu_log(dfu_ctx *ctx, dfu_log_level level, const char *fmt, ...) DFU_PRINTF(3, 4);
#define dfu_warn(ctx, ...)  dfu_log((ctx), DFU_LOG_WARN, __VA_ARGS__)
#define dfu_info(ctx, ...)  dfu_log((ctx), DFU_LOG_INFO, __VA_ARGS__)
#define dfu_debug(ctx, ...) dfu_log((ctx), DFU_LOG_DEBUG, __VA_ARGS__)
/* True when a line at this level would be delivered (to skip formatting work). */
int dfu_log_enabled(const dfu_ctx *ctx, dfu_log_level level);

#define DFU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DFU_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define DFU_MAX(a, b)     ((a) > (b) ? (a) : (b))

#endif
