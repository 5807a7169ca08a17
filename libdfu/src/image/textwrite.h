/*
 * What the Intel HEX and S-record writers share: a 64 KiB output buffer that records are
 * formatted into directly (one sink write per buffer, not per byte).
 */
#ifndef DFU_IMAGE_TEXTWRITE_H
#define DFU_IMAGE_TEXTWRITE_H

#include <stddef.h>

#include "formats.h"

#define DFU_TEXT_OUT_SIZE (64 * 1024)
/* The longest line either writer formats: 'S3' + 255 bytes as hex + line end, with margin. */
#define DFU_TEXT_LINE_MAX 528

typedef struct dfu_text_out {
    dfu_sink *sink;
    char *buf;
    size_t len;
} dfu_text_out;

/* DFU_OK or DFU_ERR_NOMEM (message set). */
int dfu_text_out_init(dfu_text_out *o, dfu_ctx *ctx, dfu_sink *sink);
/* Room for one line of up to DFU_TEXT_LINE_MAX characters; advance o->len past what was put. */
char *dfu_text_out_line(dfu_text_out *o);
/* Flushes into the sink and frees the buffer. */
void dfu_text_out_finish(dfu_text_out *o);

#endif
