/* A growable byte buffer. */
#ifndef DFU_CORE_BUF_H
#define DFU_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include "libdfu/export.h"

typedef struct dfu_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} dfu_buf;

#define DFU_BUF_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Each returns DFU_OK or DFU_ERR_NOMEM; on failure the buffer is unchanged. */
int dfu_buf_reserve(dfu_buf *b, size_t extra);
int dfu_buf_append(dfu_buf *b, const void *data, size_t len);
int dfu_buf_append_byte(dfu_buf *b, uint8_t byte);
int dfu_buf_printf(dfu_buf *b, const char *fmt, ...) DFU_PRINTF(2, 3);
void dfu_buf_free(dfu_buf *b);
/* Hands the data to the caller (NUL-terminated for convenience) and empties the buffer. */
uint8_t *dfu_buf_detach(dfu_buf *b, size_t *len);

#endif
