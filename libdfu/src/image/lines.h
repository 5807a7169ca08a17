/*
 * A buffered line reader for the text formats (Intel HEX, S-record). It reads from memory or a
 * seekable stream alike, numbers lines for error messages, strips LF or CRLF line ends and a
 * leading UTF-8 BOM, and can rewind so that a reader can scan the input a second time.
 */
#ifndef DFU_IMAGE_LINES_H
#define DFU_IMAGE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "formats.h"

/* No record is longer than ~520 characters; a line beyond this is not a text firmware file, and
 * refusing it bounds the reader's memory whatever the input. */
#define DFU_LINE_MAX 65536

typedef struct dfu_lines {
    dfu_ctx *ctx;
    const dfu_input *in;
    const uint8_t *base; /* in->data, or buf for a stream */
    size_t start;        /* next unread byte of base */
    size_t end;          /* end of the bytes available in base */
    bool eof;            /* nothing more beyond end */
    uint8_t *buf;        /* stream input only */
    size_t cap;
    long origin;     /* stream position of the first byte, for rewinding */
    unsigned line;   /* number of the line last returned, 1-based */
    size_t last_len; /* length of that line, for pointing just past it */
} dfu_lines;

/* DFU_OK, or DFU_ERR_NOMEM with a message. */
int dfu_lines_init(dfu_lines *l, dfu_ctx *ctx, const dfu_input *in);
/* Starts again from the first line. */
int dfu_lines_rewind(dfu_lines *l);
void dfu_lines_free(dfu_lines *l);
/* dfu_lines_next() when the line is not simply there: reads, the first line, the last line. */
int dfu_lines_next_slow(dfu_lines *l, const uint8_t **line, size_t *len);

/* 1 and the next line (without its line end) in *line, *len, valid until the next call; 0 at the
 * end of the input; a negative error (message set) on a read error or an overlong line. */
static inline int dfu_lines_next(dfu_lines *l, const uint8_t **line, size_t *len)
{
    const uint8_t *p = l->base + l->start;
    const uint8_t *nl = l->line ? memchr(p, '\n', l->end - l->start) : NULL;
    if (!nl || nl - p > DFU_LINE_MAX) return dfu_lines_next_slow(l, line, len);
    size_t n = (size_t)(nl - p);
    l->start += n + 1;
    l->line++;
    if (n && p[n - 1] == '\r') n--;
    l->last_len = n;
    *line = p;
    *len = n;
    return 1;
}

#endif
