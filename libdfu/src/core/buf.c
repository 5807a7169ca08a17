/* A growable byte buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "internal.h"

int dfu_buf_reserve(dfu_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1) return DFU_ERR_NOMEM;
    size_t need = b->len + extra + 1; /* room for a terminating NUL */
    if (need <= b->cap) return DFU_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) return DFU_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return DFU_OK;
}

int dfu_buf_append(dfu_buf *b, const void *data, size_t len)
{
    if (dfu_buf_reserve(b, len)) return DFU_ERR_NOMEM;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
    return DFU_OK;
}

int dfu_buf_append_byte(dfu_buf *b, uint8_t byte)
{
    return dfu_buf_append(b, &byte, 1);
}

int dfu_buf_printf(dfu_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return DFU_ERR_GENERIC;
    if (dfu_buf_reserve(b, (size_t)n)) return DFU_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return DFU_OK;
}

void dfu_buf_free(dfu_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *dfu_buf_detach(dfu_buf *b, size_t *len)
{
    if (!b->data && dfu_buf_reserve(b, 0)) return NULL;
    b->data[b->len] = 0; /* a buffer nothing was appended to was never terminated */
    uint8_t *p = b->data;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
