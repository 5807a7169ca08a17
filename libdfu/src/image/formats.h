/*
 * The readers and writers of each firmware format, and format detection. load.c and save.c
 * dispatch to these; each format lives in its own file.
 */
#ifndef DFU_IMAGE_FORMATS_H
#define DFU_IMAGE_FORMATS_H

#include <stdint.h>
#include <stdio.h>
#include "../core/file.h"
#include "image_internal.h"

/* What a reader reads: a whole buffer in memory, or (text formats only) a seekable stream. */
typedef struct dfu_input {
    const char *name;    /* path or "<memory>", for messages */
    const uint8_t *data; /* whole content, when in memory */
    size_t len;
    FILE *fp; /* stream, when not in memory (data is then NULL) */
} dfu_input;

/* Text formats add one target (alt -1, unnamed) holding every record's data. Errors name
 * file:line:column. Conflicting overlaps name both lines. */
int dfu_read_ihex(dfu_ctx *ctx, const dfu_input *in, dfu_image *img);
int dfu_read_srec(dfu_ctx *ctx, const dfu_input *in, dfu_image *img);
/* Binary formats need in->data. Errors name byte offsets, segments, targets and elements. */
int dfu_read_elf(dfu_ctx *ctx, const dfu_input *in, dfu_image *img);
/* in->len excludes the DFU suffix, which the caller has already read and stripped;
 * suffix_len is its length (DFUImageSize may or may not count it). */
int dfu_read_dfuse(dfu_ctx *ctx, const dfu_input *in, size_t suffix_len, dfu_image *img);
int dfu_read_bin(dfu_ctx *ctx, const dfu_input *in, uint32_t base, dfu_image *img);

/*
 * DFU suffix (last 16 bytes, DFU 1.1 appendix B). dfu_suffix_read returns 1 and fills *out when
 * data ends in a suffix (signature "UFD"), 0 when there is none, or DFU_ERR_FORMAT for a suffix
 * whose bLength is below 16 or beyond the file. out->id.crc_valid tells whether dwCRC matched;
 * out->length is bLength (what to strip).
 */
typedef struct dfu_suffix {
    dfu_identity id;
    size_t length;       /* bLength */
    uint32_t crc_actual; /* the CRC the file's content gives (id.crc is the stored one) */
} dfu_suffix;

int dfu_suffix_read(dfu_ctx *ctx, const char *name, const uint8_t *data, size_t len,
                    dfu_suffix *out);
/* The CRC check a loader applies: DFU_ERR_FORMAT naming both values unless accept_bad. len is
 * the whole file's length (for the offset of dwCRC). */
int dfu_suffix_check_crc(dfu_ctx *ctx, const char *name, size_t len, const dfu_suffix *s,
                         bool accept_bad);
/* Builds the 16 suffix bytes for payload (dwCRC covers payload and the first 12 suffix bytes). */
void dfu_suffix_build(uint8_t out[16], const dfu_identity *id, const uint8_t *payload, size_t len);
/* Same for a payload already streamed out: zlib_crc is dfu_zcrc32() of the payload. */
void dfu_suffix_build_streamed(uint8_t out[16], const dfu_identity *id, uint32_t zlib_crc);
/* zlib's crc32() continued over any length (zlib takes at most 4 GiB - 1 per call); start at 0. */
uint32_t dfu_zcrc32(uint32_t crc, const uint8_t *data, size_t len);

int dfu_write_ihex(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o);
int dfu_write_srec(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o);
int dfu_write_bin(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o);
int dfu_write_dfu(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o);
int dfu_write_dfuse(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o);

/*
 * Detection by content first (DfuSe prefix, ELF magic, HEX/S-record first line, DFU suffix),
 * then by the extension of name. head is the start of the file, tail its last up-to-16 bytes.
 * Returns DFU_FORMAT_BIN when nothing else fits.
 */
dfu_format dfu_format_detect(const uint8_t *head, size_t head_len, const uint8_t *tail,
                             size_t tail_len, const char *name);
/* By extension only (".hex", ".s19", ...); DFU_FORMAT_AUTO when unknown. */
dfu_format dfu_format_from_extension(const char *name);

#endif
