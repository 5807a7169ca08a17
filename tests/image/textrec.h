/* Writing Intel HEX and S-record text by hand in tests: records get correct counts and
 * checksums computed here, independently of the library's writers. */
#ifndef DFU_TEST_TEXTREC_H
#define DFU_TEST_TEXTREC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdfu/libdfu.h>

#include "testutil.h"

typedef struct text {
    char s[1 << 17];
    size_t n;
} text;

/* A line as given, plus "\n". */
static inline void put(text *t, const char *line)
{
    t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "%s\n", line);
}

static inline unsigned hex_sum(const char *hex)
{
    unsigned sum = 0, b;
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
        sscanf(hex + i, "%2x", &b);
        sum += b;
    }
    return sum;
}

/* An Intel HEX record ":LLAAAATT<hex>CC". */
static inline void ihex(text *t, unsigned type, unsigned offset, const char *hex)
{
    unsigned n = (unsigned)strlen(hex) / 2;
    unsigned sum = n + (offset >> 8) + (offset & 0xFF) + type + hex_sum(hex);
    t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, ":%02X%04X%02X%s%02X\n", n, offset,
                             type, hex, (0x100 - (sum & 0xFF)) & 0xFF);
}

/* An S-record "S<type><count><address><hex><checksum>", the address in addr_len bytes. */
static inline void srec(text *t, char type, unsigned addr_len, uint32_t address, const char *hex)
{
    unsigned count = addr_len + (unsigned)strlen(hex) / 2 + 1, sum = count + hex_sum(hex);
    t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "S%c%02X", type, count);
    for (unsigned i = addr_len; i-- > 0;) {
        unsigned b = (address >> (8 * i)) & 0xFF;
        sum += b;
        t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "%02X", b);
    }
    t->n += (size_t)snprintf(t->s + t->n, sizeof(t->s) - t->n, "%s%02X\n", hex, ~sum & 0xFF);
}

static const char *const DATA16 = "000102030405060708090A0B0C0D0E0F";

/* How a test program reads its format: parse (from memory, failing the test unless it loads
 * as that format), and the tmpdir and file name to load the same text from a file. */
typedef struct text_reader {
    dfu_image *(*parse)(const text *t);
    const char *dir, *file;
} text_reader;

/* text plus padding (pad_len bytes of pad), from memory and from a file (read as a stream),
 * must load as text alone. same_line: the padding takes the place of the last line end. */
static inline void expect_padding_ignored(const text_reader *rd, const text *t, const char *pad,
                                          size_t pad_len, bool same_line)
{
    static text padded;
    memcpy(padded.s, t->s, t->n);
    padded.n = t->n - (same_line ? 1 : 0); /* without the last line end */
    memcpy(padded.s + padded.n, pad, pad_len);
    padded.n += pad_len;
    dfu_image *plain = rd->parse(t), *mem = rd->parse(&padded);
    assert_true(dfu_image_equal(plain, mem));
    char *dir = tu_tmpdir(rd->dir);
    char *path = tu_path(dir, rd->file);
    tu_write_file(path, padded.s, padded.n);
    dfu_ctx *ctx;
    dfu_ctx_new(&ctx);
    dfu_image *file;
    if (dfu_image_load(&file, ctx, path, NULL)) fail_msg("%s", dfu_ctx_error(ctx)->message);
    assert_true(dfu_image_equal(plain, file));
    dfu_image_free(file);
    dfu_ctx_free(ctx);
    dfu_image_free(mem);
    dfu_image_free(plain);
    free(path);
    free(dir);
}

#endif
