/*
 * What the Intel HEX and S-record readers share: the line reader, the builder, error messages
 * that name file:line:column, the start address, and the second scan that names both lines of
 * a conflict. A format supplies one function that scans the whole input, validating every record
 * and handing data to dfu_text_data(); the driver may run it twice.
 */
#ifndef DFU_IMAGE_TEXTREC_H
#define DFU_IMAGE_TEXTREC_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/internal.h"
#include "formats.h"
#include "hexdigits.h"
#include "lines.h"

/* Returned by a scan when the second pass has found what it was looking for. */
#define DFU_TEXT_STOP 1

typedef struct dfu_text_reader {
    dfu_ctx *ctx;
    const dfu_input *in;
    dfu_lines lines;
    dfu_image_builder builder;
    bool has_start;
    uint32_t start;
    unsigned start_line;
    /* Second pass: who wrote the byte at `conflict`? */
    bool rescan;
    uint32_t conflict;
    bool seen_first;
    unsigned first_line;
    uint8_t first_value;
    unsigned found_line, found_col;
    uint8_t found_value;
} dfu_text_reader;

typedef int (*dfu_text_scan_fn)(dfu_text_reader *r);

/* Runs scan over in, fills one new target of img (alt -1) and the start address. */
int dfu_text_read(dfu_ctx *ctx, const dfu_input *in, dfu_image *img, dfu_text_scan_fn scan);

/* Data of the current line: len bytes at address, the first byte's digits at column col. The
 * caller has checked that the data ends within 4 GiB. DFU_TEXT_STOP ends a second pass. */
int dfu_text_data(dfu_text_reader *r, uint32_t address, const uint8_t *data, size_t len,
                  unsigned col);
/* Records a start address; a second one that differs is an error naming both lines. */
int dfu_text_start(dfu_text_reader *r, uint32_t address, unsigned col);

/* DFU_ERR_FORMAT with "name:line:col: " and the message. */
int dfu_text_err(dfu_text_reader *r, unsigned col, const char *fmt, ...) DFU_PRINTF(3, 4);
/* The error for a file that ends without its end record. */
int dfu_text_missing_end(dfu_text_reader *r, const char *what);
/* A character for a message: 'x', or \xNN when not printable (buf holds 8). */
const char *dfu_text_char(char buf[8], uint8_t c);

/* The error for the first character among the nd at d (column col) that is not a hex digit. */
int dfu_text_bad_digit(dfu_text_reader *r, const uint8_t *d, size_t nd, unsigned col);

/* Decodes nd hex digits at d (column col) into out, adding the bytes to *sum; an odd last digit
 * is only checked. */
static inline int dfu_text_decode(dfu_text_reader *r, const uint8_t *d, size_t nd, uint8_t *out,
                                  unsigned *sum, unsigned col)
{
    if (dfu_hex_decode(d, nd / 2, out, sum) &&
        (nd % 2 == 0 || !(dfu_hex_value[d[nd - 1]] & DFU_HEX_BAD)))
        return DFU_OK;
    return dfu_text_bad_digit(r, d, nd, col);
}

static inline bool dfu_text_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* What may follow the last record: whitespace, and the Ctrl-Z (0x1A) and NUL bytes that DOS
 * tools and XMODEM transfers pad a file with (to a 128-byte block). objcopy and srec_cat accept
 * them. */
static inline bool dfu_text_padding(uint8_t c)
{
    return dfu_text_space(c) || c == 0x1A || c == 0x00;
}

/* The column of the first byte of s (n bytes) that is not padding; 0 when every byte is. */
static inline unsigned dfu_text_not_padding(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!dfu_text_padding(s[i])) return (unsigned)i + 1;
    return 0;
}

/* Whitespace around a record is ignored: *s and *n become the record, *col its first column. */
static inline void dfu_text_trim(const uint8_t **s, size_t *n, unsigned *col)
{
    *col = 1;
    while (*n && dfu_text_space((*s)[*n - 1])) (*n)--;
    while (*n && dfu_text_space(**s)) {
        (*s)++;
        (*n)--;
        (*col)++;
    }
}

#endif
