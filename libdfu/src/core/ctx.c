/* The library context: last error details and the log callback. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int dfu_ctx_new(dfu_ctx **out)
{
    if (!out) return DFU_ERR_ARG;
    *out = calloc(1, sizeof(**out));
    if (!*out) return DFU_ERR_NOMEM;
    (*out)->log_max = DFU_LOG_INFO;
    dfu_ctx_clear_error(*out);
    return DFU_OK;
}

void dfu_ctx_free(dfu_ctx *ctx)
{
    free(ctx);
}

void dfu_ctx_set_log(dfu_ctx *ctx, dfu_log_cb cb, dfu_log_level max_level, void *payload)
{
    if (!ctx) return;
    ctx->log_cb = cb;
    ctx->log_max = max_level;
    ctx->log_payload = payload;
}

void dfu_ctx_set_cancel(dfu_ctx *ctx, dfu_cancel_cb cb, void *payload)
{
    if (!ctx) return;
    ctx->cancel_cb = cb;
    ctx->cancel_payload = payload;
}

bool dfu_ctx_cancelled(dfu_ctx *ctx)
{
    return ctx && ctx->cancel_cb && ctx->cancel_cb(ctx->cancel_payload) != 0;
}

int dfu_ctx_stop(void *ctx)
{
    return dfu_ctx_cancelled(ctx);
}

const dfu_error_info *dfu_ctx_error(const dfu_ctx *ctx)
{
    static const dfu_error_info none = {DFU_OK, "", -1, -1};
    return ctx ? &ctx->err : &none;
}

void dfu_ctx_clear_error(dfu_ctx *ctx)
{
    if (!ctx) return;
    ctx->err_message[0] = '\0';
    ctx->err.code = DFU_OK;
    ctx->err.message = ctx->err_message;
    ctx->err.dfu_status = -1;
    ctx->err.dfu_state = -1;
}

DFU_PRINTF(5, 0)
static int record(dfu_ctx *ctx, int code, int state, int status, const char *fmt, va_list ap)
{
    if (!ctx) return code;
    vsnprintf(ctx->err_message, sizeof(ctx->err_message), fmt, ap);
    ctx->err.code = code;
    ctx->err.message = ctx->err_message;
    ctx->err.dfu_state = state;
    ctx->err.dfu_status = status;
    return code;
}

int dfu_err(dfu_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(ctx, code, -1, -1, fmt, ap);
    va_end(ap);
    return code;
}

int dfu_err_device(dfu_ctx *ctx, int code, int state, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(ctx, code, state, status, fmt, ap);
    va_end(ap);
    return code;
}

int dfu_err_prefix(dfu_ctx *ctx, int code, const char *fmt, ...)
{
    if (!ctx) return code;
    char prefix[DFU_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    /* message = prefix + ": " + old message, truncated to fit. */
    size_t cap = sizeof(ctx->err_message), plen = strlen(prefix);
    if (plen > cap - 3) plen = cap - 3;
    size_t olen = strlen(ctx->err_message);
    if (plen + 2 + olen > cap - 1) olen = cap - 1 - plen - 2;
    memmove(ctx->err_message + plen + 2, ctx->err_message, olen);
    memcpy(ctx->err_message, prefix, plen);
    memcpy(ctx->err_message + plen, ": ", 2);
    ctx->err_message[plen + 2 + olen] = '\0';
    ctx->err.code = code;
    return code;
}

int dfu_err_errno(dfu_ctx *ctx, const char *what, const char *path)
{
    int e = errno;
    int code = (e == ENOMEM) ? DFU_ERR_NOMEM : DFU_ERR_IO;
    if (e == EEXIST) code = DFU_ERR_EXISTS;
    return dfu_err(ctx, code, "%s: %s: %s", path ? path : "(none)", what, strerror(e));
}

void dfu_err_save(const dfu_ctx *ctx, dfu_err_saved *out)
{
    const dfu_error_info *e = dfu_ctx_error(ctx);
    out->info = *e;
    snprintf(out->message, sizeof(out->message), "%s", e->message);
}

void dfu_err_restore(dfu_ctx *ctx, const dfu_err_saved *saved)
{
    if (!ctx) return;
    ctx->err = saved->info;
    snprintf(ctx->err_message, sizeof(ctx->err_message), "%s", saved->message);
    ctx->err.message = ctx->err_message;
}

int dfu_log_enabled(const dfu_ctx *ctx, dfu_log_level level)
{
    return ctx && ctx->log_cb && level <= ctx->log_max;
}

void dfu_log(dfu_ctx *ctx, dfu_log_level level, const char *fmt, ...)
{
    if (!dfu_log_enabled(ctx, level)) return;
    char line[DFU_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    ctx->log_cb(level, line, ctx->log_payload);
}
