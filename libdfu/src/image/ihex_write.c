/*
 * Intel HEX writer: data records that never cross a 64 KiB boundary, a type 04 record only when
 * the upper 16 address bits change (none for data below 64 KiB), type 05 for a start address,
 * type 01 at the end. Upper-case digits, LF line ends, as most tools write.
 */
#include "../core/bytes.h"
#include "../core/internal.h"
#include "hexdigits.h"
#include "textwrite.h"

#define IHEX_DEFAULT_RECORD 16
#define IHEX_MAX_RECORD     255

/* Formats ":LLAAAATT<data>CC\n" at p; returns its length. */
static size_t put_record(char *p, uint8_t type, uint16_t offset, const uint8_t *data, size_t n)
{
    uint8_t head[4] = {(uint8_t)n, (uint8_t)(offset >> 8), (uint8_t)offset, type};
    uint8_t sum = 0;
    char *q = p;
    *q++ = ':';
    for (int i = 0; i < 4; i++, q += 2) {
        dfu_hex_put(q, head[i]);
        sum = (uint8_t)(sum + head[i]);
    }
    for (size_t i = 0; i < n; i++, q += 2) {
        dfu_hex_put(q, data[i]);
        sum = (uint8_t)(sum + data[i]);
    }
    dfu_hex_put(q, (uint8_t)-sum);
    q[2] = '\n';
    return (size_t)(q + 3 - p);
}

static void emit(dfu_text_out *o, uint8_t type, uint16_t offset, const uint8_t *data, size_t n)
{
    char *p = dfu_text_out_line(o);
    o->len += put_record(p, type, offset, data, n);
}

static void emit_segment(dfu_text_out *o, const dfu_seg *s, unsigned per_record, uint32_t *upper)
{
    uint64_t address = s->address;
    const uint8_t *p = s->data;
    for (size_t left = s->size; left;) {
        uint32_t hi = (uint32_t)(address >> 16);
        if (hi != *upper) {
            uint8_t v[2] = {(uint8_t)(hi >> 8), (uint8_t)hi};
            emit(o, 0x04, 0, v, 2);
            *upper = hi;
        }
        size_t room = 0x10000u - (size_t)(address & 0xFFFF);
        size_t n = DFU_MIN(DFU_MIN(left, (size_t)per_record), room);
        emit(o, 0x00, (uint16_t)address, p, n);
        address += n;
        p += n;
        left -= n;
    }
}

int dfu_write_ihex(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o)
{
    unsigned per_record = o->record_bytes ? o->record_bytes : IHEX_DEFAULT_RECORD;
    if (per_record > IHEX_MAX_RECORD)
        return dfu_err(ctx, DFU_ERR_ARG,
                       "%u data bytes per record is more than an Intel HEX record holds (%u)",
                       per_record, IHEX_MAX_RECORD);
    const dfu_target *t;
    int rc = dfu_image_single_target(ctx, img, "hex", &t);
    if (rc) return rc;
    dfu_text_out text;
    if ((rc = dfu_text_out_init(&text, ctx, out))) return rc;
    uint32_t upper = 0; /* a file starts with a zero base */
    for (size_t i = 0; t && i < t->count; i++) emit_segment(&text, &t->segs[i], per_record, &upper);
    if (img->has_start) {
        uint8_t v[4];
        dfu_put_be32(v, img->start);
        emit(&text, 0x05, 0, v, 4);
    }
    emit(&text, 0x01, 0, NULL, 0);
    dfu_text_out_finish(&text);
    return DFU_OK;
}
