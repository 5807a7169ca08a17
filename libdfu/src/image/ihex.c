/*
 * Intel HEX reader: record types 00 (data), 01 (end of file), 02 (extended segment address),
 * 03 (start segment address), 04 (extended linear address), 05 (start linear address).
 *
 * Tolerated, because real tools and editors produce them: upper- and lower-case hex digits, LF or
 * CRLF line ends, spaces and tabs around a record, blank lines anywhere, a UTF-8 byte order mark,
 * and padding after the end record: any run of DOS end-of-file marks (Ctrl-Z, 0x1A), NUL bytes
 * (XMODEM fills its last 128-byte block with either) and whitespace, on the end record's line
 * or the lines after it. Everything else that is not a well-formed record is an error, data
 * after the end record included.
 *
 * The end-of-file record's address field is 0000, or, in the original 8-bit format (which
 * srec_cat still writes for 16-bit files), the start address: taken as such when nonzero and no
 * type 03/05 record gave one.
 *
 * Under a type 02 base the offset wraps within its 64 KiB segment, as on an 8086; under a type 04
 * base (or none) addresses are linear and data must end within 4 GiB.
 */
#include "../core/bytes.h"
#include "hexdigits.h"
#include "textrec.h"

/* Columns of a record's fields, counted from its ':'. */
enum { AT_COUNT = 1, AT_ADDRESS = 3, AT_TYPE = 7, AT_DATA = 9 };

typedef struct ihex_rec {
    unsigned col; /* column of the ':' */
    uint8_t count, type;
    uint16_t offset;
    uint8_t bytes[4 + 255 + 1]; /* count, offset (2), type, data, checksum */
} ihex_rec;

typedef struct ihex_state {
    uint32_t base;
    bool segmented; /* base came from a type 02 record */
    bool ended;
    unsigned end_line;
} ihex_state;

/* The characters after the ':' do not hold exactly the record the byte count announces. */
static int bad_length(dfu_text_reader *r, const ihex_rec *rec, const uint8_t *d, size_t nd,
                      size_t need)
{
    unsigned col = rec->col + 1;
    if (nd < need)
        return dfu_text_err(r, col + (unsigned)nd,
                            "line too short for its byte count: 0x%02X data bytes need %zu hex "
                            "digits after ':', the line has %zu",
                            rec->count, need, nd);
    char cb[8];
    if (dfu_hex_value[d[need]] & DFU_HEX_BAD)
        return dfu_text_err(r, col + (unsigned)need, "unexpected %s after the checksum",
                            dfu_text_char(cb, d[need]));
    return dfu_text_err(r, col + (unsigned)need,
                        "line too long for its byte count: 0x%02X data bytes need %zu hex digits "
                        "after ':', the line has more",
                        rec->count, need);
}

/* Parses one line: 1 when blank, 0 with *rec filled, or an error. */
static int parse_line(dfu_text_reader *r, const uint8_t *s, size_t n, ihex_rec *rec)
{
    dfu_text_trim(&s, &n, &rec->col);
    if (n == 0) return 1;
    char cb[8];
    if (s[0] != ':')
        return dfu_text_err(r, rec->col, "expected ':' at the start of a record, found %s",
                            dfu_text_char(cb, s[0]));
    const uint8_t *d = s + 1;
    size_t nd = n - 1;
    unsigned col = rec->col + 1, sum = 0;
    if (nd < 10) {
        int rc = dfu_text_decode(r, d, nd, rec->bytes, &sum, col);
        if (rc) return rc;
        return dfu_text_err(r, col + (unsigned)nd,
                            "truncated record: %zu hex digits after ':', a record needs at least "
                            "10 (byte count, address, type, checksum)",
                            nd);
    }
    int rc = dfu_text_decode(r, d, 8, rec->bytes, &sum, col);
    if (rc) return rc;
    rec->count = rec->bytes[0];
    rec->offset = (uint16_t)(rec->bytes[1] << 8 | rec->bytes[2]);
    rec->type = rec->bytes[3];
    size_t need = 10 + 2 * (size_t)rec->count;
    if (rec->type == 0x01 && nd > need && !dfu_text_not_padding(d + need, nd - need))
        nd = need; /* padding right after the end record, in a file without a last line end */
    size_t have = nd < need ? nd : need;
    rc = dfu_text_decode(r, d + 8, have - 8, rec->bytes + 4, &sum, col + 8);
    if (rc) return rc;
    if (nd != need) return bad_length(r, rec, d, nd, need);
    /* All bytes, checksum included, add up to 0 mod 256. */
    uint8_t found = rec->bytes[4 + rec->count], expected = (uint8_t)(found - sum);
    if (expected != found)
        return dfu_text_err(r, col + (unsigned)need - 2,
                            "bad checksum: expected 0x%02X, found 0x%02X", expected, found);
    return 0;
}

static int data_record(dfu_text_reader *r, const ihex_state *st, const ihex_rec *rec)
{
    const uint8_t *data = rec->bytes + 4;
    unsigned col = rec->col + AT_DATA;
    if (st->segmented) {
        /* The offset wraps at 64 KiB within the segment. */
        size_t first = DFU_MIN((size_t)rec->count, 0x10000u - rec->offset);
        int rc = dfu_text_data(r, st->base + rec->offset, data, first, col);
        if (rc || first == rec->count) return rc;
        return dfu_text_data(r, st->base, data + first, rec->count - first,
                             col + 2 * (unsigned)first);
    }
    uint64_t address = (uint64_t)st->base + rec->offset;
    if (address + rec->count > 0x100000000ull)
        return dfu_text_err(r, rec->col + AT_ADDRESS,
                            "data record of %u bytes at 0x%08llX runs past the 4 GiB address "
                            "space",
                            rec->count, (unsigned long long)address);
    return dfu_text_data(r, (uint32_t)address, data, rec->count, col);
}

/* Types 02 to 05 carry a value in a fixed-size data field and no address. */
static int check_shape(dfu_text_reader *r, const ihex_rec *rec, uint8_t count, const char *what)
{
    if (rec->count != count)
        return dfu_text_err(r, rec->col + AT_COUNT,
                            "%s record (type %02X) needs byte count %02X, found %02X", what,
                            rec->type, count, rec->count);
    if (rec->offset != 0)
        return dfu_text_err(r, rec->col + AT_ADDRESS,
                            "%s record (type %02X) must have address field 0000, found %04X", what,
                            rec->type, rec->offset);
    return DFU_OK;
}

static int apply(dfu_text_reader *r, ihex_state *st, const ihex_rec *rec)
{
    const uint8_t *v = rec->bytes + 4;
    int rc;
    switch (rec->type) {
    case 0x00: return data_record(r, st, rec);
    case 0x01:
        if (rec->count != 0)
            return dfu_text_err(r, rec->col + AT_COUNT,
                                "end-of-file record (type 01) needs byte count 00, found %02X",
                                rec->count);
        st->ended = true;
        st->end_line = r->lines.line;
        if (rec->offset && !r->has_start)
            return dfu_text_start(r, rec->offset, rec->col + AT_ADDRESS);
        return DFU_OK;
    case 0x02:
    case 0x04:
        rc = check_shape(r, rec, 2,
                         rec->type == 2 ? "extended segment address" : "extended linear address");
        if (rc) return rc;
        st->segmented = rec->type == 2;
        st->base = st->segmented ? (uint32_t)dfu_be16(v) << 4 : (uint32_t)dfu_be16(v) << 16;
        return DFU_OK;
    case 0x03:
        rc = check_shape(r, rec, 4, "start segment address");
        return rc ? rc
                  : dfu_text_start(r, ((uint32_t)dfu_be16(v) << 4) + dfu_be16(v + 2),
                                   rec->col + AT_DATA);
    case 0x05:
        rc = check_shape(r, rec, 4, "start linear address");
        return rc ? rc : dfu_text_start(r, dfu_be32(v), rec->col + AT_DATA);
    default:
        return dfu_text_err(r, rec->col + AT_TYPE,
                            "unknown record type %02X (Intel HEX has types 00 to 05)", rec->type);
    }
}

/* After the end record only padding may follow. */
static int after_end(dfu_text_reader *r, const ihex_state *st, const uint8_t *s, size_t n)
{
    unsigned col = dfu_text_not_padding(s, n);
    if (col == 0) return DFU_OK;
    return dfu_text_err(r, col, "data after the end-of-file record of line %u", st->end_line);
}

static int scan(dfu_text_reader *r)
{
    ihex_state st = {0};
    ihex_rec rec;
    const uint8_t *line;
    size_t len;
    int rc;
    while ((rc = dfu_lines_next(&r->lines, &line, &len)) > 0) {
        if (st.ended) {
            rc = after_end(r, &st, line, len);
        } else {
            rc = parse_line(r, line, len, &rec);
            if (rc == 1) continue; /* a blank line */
            if (rc == 0) rc = apply(r, &st, &rec);
        }
        if (rc) return rc;
    }
    if (rc < 0) return rc;
    if (!st.ended) return dfu_text_missing_end(r, "an end-of-file record (:00000001FF)");
    return DFU_OK;
}

int dfu_read_ihex(dfu_ctx *ctx, const dfu_input *in, dfu_image *img)
{
    return dfu_text_read(ctx, in, img, scan);
}
