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
/* in->len excludes the DFU suffix, which the caller has already read and stripped. */
int dfu_read_dfuse(dfu_ctx *ctx, const dfu_input *in, dfu_image *img);
int dfu_read_bin(dfu_ctx *ctx, const dfu_input *in, uint32_t base, dfu_image *img);

/*
 * DFU suffix (last 16 bytes, DFU 1.1 appendix B). Returns 1 and fills *id when data ends in a
 * suffix (signature "UFD", bLength >= 16 and within the file), 0 when there is none, or a
 * negative error for a suffix that is present but malformed. id->crc_valid tells whether dwCRC
 * matched; *suffix_len is bLength (what to strip).
 */
int dfu_suffix_read(dfu_ctx *ctx, const char *name, const uint8_t *data, size_t len,
                    dfu_identity *id, size_t *suffix_len);
/* The CRC check a loader applies: DFU_ERR_FORMAT naming both values unless accept_bad. */
int dfu_suffix_check_crc(dfu_ctx *ctx, const char *name, const dfu_identity *id, bool accept_bad);
/* Builds the 16 suffix bytes for payload (dwCRC covers payload and the first 12 suffix bytes). */
void dfu_suffix_build(uint8_t out[16], const dfu_identity *id, const uint8_t *payload, size_t len);
/* Continues a suffix CRC over bytes already streamed: crc starts at 0 (zlib convention). */
uint32_t dfu_suffix_crc_finish(uint32_t zlib_crc);

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
