/*
 * Motorola S-record writer: an S0 header, data in the smallest record type whose address field
 * fits every address (S1, S2 or S3, start address included), an S5 count (S6 above 65535
 * records), and the matching S9/S8/S7 end record with the start address, or 0 without one.
 */
#include <string.h>

#include "../core/internal.h"
#include "hexdigits.h"
#include "textwrite.h"

#define SREC_DEFAULT_RECORD 32
#define SREC_HEADER         "libdfu"

/* Formats "S<type><count><address><data><checksum>\n" at p; returns its length. */
static size_t put_record(char *p, char type, unsigned addr_len, uint32_t address,
                         const uint8_t *data, size_t n)
{
    uint8_t count = (uint8_t)(addr_len + n + 1), sum = count;
    char *q = p;
    *q++ = 'S';
    *q++ = type;
    dfu_hex_put(q, count);
    q += 2;
    for (unsigned i = addr_len; i-- > 0; q += 2) {
        uint8_t b = (uint8_t)(address >> (8 * i));
        dfu_hex_put(q, b);
        sum = (uint8_t)(sum + b);
    }
    for (size_t i = 0; i < n; i++, q += 2) {
        dfu_hex_put(q, data[i]);
        sum = (uint8_t)(sum + data[i]);
    }
    dfu_hex_put(q, (uint8_t)~sum);
    q[2] = '\n';
    return (size_t)(q + 3 - p);
}

static void emit(dfu_text_out *o, char type, unsigned addr_len, uint32_t address,
                 const uint8_t *data, size_t n)
{
    char *p = dfu_text_out_line(o);
    o->len += put_record(p, type, addr_len, address, data, n);
}

/* Bytes of address every record needs: 2, 3 or 4. */
static unsigned address_bytes(const dfu_image *img, const dfu_target *t)
{
    uint32_t max = img->has_start ? img->start : 0;
    if (t && t->count) max = DFU_MAX(max, (uint32_t)(dfu_seg_end(&t->segs[t->count - 1]) - 1));
    return max <= 0xFFFF ? 2 : max <= 0xFFFFFF ? 3 : 4;
}

/* Emits the data records of t; returns how many. */
static uint64_t emit_data(dfu_text_out *o, const dfu_target *t, unsigned addr_len, unsigned per)
{
    char type = (char)('0' + addr_len - 1); /* S1, S2, S3 */
    uint64_t records = 0;
    for (size_t i = 0; t && i < t->count; i++) {
        const dfu_seg *s = &t->segs[i];
        for (uint32_t done = 0; done < s->size; records++) {
            size_t n = DFU_MIN((size_t)per, (size_t)(s->size - done));
            emit(o, type, addr_len, s->address + done, s->data + done, n);
            done += (uint32_t)n;
        }
    }
    return records;
}

int dfu_write_srec(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o)
{
    const dfu_target *t;
    int rc = dfu_image_single_target(ctx, img, "srec", &t);
    if (rc) return rc;
    unsigned addr_len = address_bytes(img, t);
    unsigned per = o->record_bytes ? o->record_bytes : SREC_DEFAULT_RECORD;
    if (per > 255 - addr_len - 1)
        return dfu_err(ctx, DFU_ERR_ARG,
                       "%u data bytes per record is more than an S%u record holds (%u)", per,
                       addr_len - 1, 255 - addr_len - 1);
    dfu_text_out text;
    if ((rc = dfu_text_out_init(&text, ctx, out))) return rc;
    emit(&text, '0', 2, 0, (const uint8_t *)SREC_HEADER, strlen(SREC_HEADER));
    uint64_t records = emit_data(&text, t, addr_len, per);
    /* The count record is optional; beyond what S6 can say, leave it out. */
    if (records <= 0xFFFF)
        emit(&text, '5', 2, (uint32_t)records, NULL, 0);
    else if (records <= 0xFFFFFF)
        emit(&text, '6', 3, (uint32_t)records, NULL, 0);
    emit(&text, (char)('0' + 11 - addr_len), addr_len, img->has_start ? img->start : 0, NULL, 0);
    dfu_text_out_finish(&text);
    return DFU_OK;
}
