/*
 * Motorola S-record reader: S0 (header: checked, then ignored), S1/S2/S3 (data at 16/24/32-bit
 * addresses), S5/S6 (count of the data records so far, checked), S7/S8/S9 (end, with the start
 * address at 32/24/16 bits). The S0 header is optional.
 *
 * Tolerated, as in Intel HEX: either case ('s1', hex digits), LF or CRLF, whitespace around a
 * record, blank lines, a UTF-8 byte order mark, padding after the last record (Ctrl-Z, NUL and
 * whitespace, as DOS tools and XMODEM leave; on the end record's own line too), and an end
 * record whose address size differs from the data records'. An end record with address 0 means
 * "no start address": that is what tools write when they have none.
 *
 * A file must end with S7/S8/S9, or with a count record (S5/S6) that matched: srec_cat writes the
 * end record only for a start address, but always closes with a count, and a matching count as
 * the last record proves that no data record was lost. Anything else is a truncated file.
 */
#include "hexdigits.h"
#include "textrec.h"

/* Columns of a record's fields, counted from its 'S'. */
enum { AT_TYPE = 1, AT_COUNT = 2, AT_ADDRESS = 4 };

typedef struct srec_rec {
    unsigned col; /* column of the 'S' */
    char type;    /* '0' to '9' */
    unsigned addr_len;
    uint8_t count;
    uint32_t address;
    uint8_t bytes[1 + 255]; /* count, address, data, checksum */
    const uint8_t *data;
    size_t data_len;
} srec_rec;

typedef struct srec_state {
    uint32_t records; /* S1/S2/S3 records so far */
    bool counted;     /* the last record was a matching S5/S6 */
    unsigned count_line;
    bool ended;    /* by S7/S8/S9, or by padding after a matching S5/S6 */
    bool by_count; /* ended by padding after the count record of count_line */
    unsigned end_line;
} srec_state;

/* Address bytes of each record type; 0 for types that do not exist (S4). */
static unsigned address_length(char type)
{
    static const unsigned len[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};
    return len[type - '0'];
}

static int bad_length(dfu_text_reader *r, const srec_rec *rec, const uint8_t *d, size_t nd,
                      size_t need)
{
    unsigned col = rec->col + AT_COUNT;
    if (nd < need)
        return dfu_text_err(r, col + (unsigned)nd,
                            "line too short for its byte count: 0x%02X bytes need %zu hex digits "
                            "after 'S%c', the line has %zu",
                            rec->count, need, rec->type, nd);
    char cb[8];
    if (dfu_hex_value[d[need]] & DFU_HEX_BAD)
        return dfu_text_err(r, col + (unsigned)need, "unexpected %s after the checksum",
                            dfu_text_char(cb, d[need]));
    return dfu_text_err(r, col + (unsigned)need,
                        "line too long for its byte count: 0x%02X bytes need %zu hex digits "
                        "after 'S%c', the line has more",
                        rec->count, need, rec->type);
}

/* The record type after the 'S': 0 when valid, or an error. */
static int parse_type(dfu_text_reader *r, const uint8_t *s, size_t n, srec_rec *rec)
{
    char cb[8];
    if (s[0] != 'S' && s[0] != 's')
        return dfu_text_err(r, rec->col, "expected 'S' at the start of a record, found %s",
                            dfu_text_char(cb, s[0]));
    if (n < 2) return dfu_text_err(r, rec->col + 1, "truncated record: nothing follows the 'S'");
    if (s[1] < '0' || s[1] > '9' || address_length((char)s[1]) == 0)
        return dfu_text_err(r, rec->col + AT_TYPE,
                            "unknown record type %s after 'S' (S-records have S0-S3 and S5-S9)",
                            dfu_text_char(cb, s[1]));
    rec->type = (char)s[1];
    rec->addr_len = address_length(rec->type);
    return DFU_OK;
}

/* Parses one line: 1 when blank, 0 with *rec filled, or an error. */
static int parse_line(dfu_text_reader *r, const uint8_t *s, size_t n, srec_rec *rec)
{
    dfu_text_trim(&s, &n, &rec->col);
    if (n == 0) return 1;
    int rc = parse_type(r, s, n, rec);
    if (rc) return rc;
    const uint8_t *d = s + 2;
    size_t nd = n - 2, min = 2 + 2 * (rec->addr_len + 1);
    unsigned col = rec->col + AT_COUNT, sum = 0;
    rc = dfu_text_decode(r, d, nd < 2 ? nd : 2, rec->bytes, &sum, col);
    if (rc) return rc;
    if (nd < 2)
        return dfu_text_err(r, col + (unsigned)nd, "truncated record: no byte count after 'S%c'",
                            rec->type);
    rec->count = rec->bytes[0];
    if (rec->count < rec->addr_len + 1)
        return dfu_text_err(r, col,
                            "byte count 0x%02X is too small for an S%c record (its address and "
                            "checksum take %u bytes)",
                            rec->count, rec->type, rec->addr_len + 1);
    size_t need = 2 + 2 * (size_t)rec->count;
    if (rec->type >= '7' && nd > need && !dfu_text_not_padding(d + need, nd - need))
        nd = need; /* padding right after the end record, in a file without a last line end */
    size_t have = nd < need ? nd : need;
    rc = dfu_text_decode(r, d + 2, have - 2, rec->bytes + 1, &sum, col + 2);
    if (rc) return rc;
    if (nd < min)
        return dfu_text_err(r, col + (unsigned)nd,
                            "truncated record: an S%c record needs at least %zu hex digits after "
                            "'S%c', the line has %zu",
                            rec->type, min, rec->type, nd);
    if (nd != need) return bad_length(r, rec, d, nd, need);
    /* The checksum is the ones' complement of the sum of the other bytes. */
    uint8_t found = rec->bytes[rec->count], expected = (uint8_t) ~(sum - found);
    if (expected != found)
        return dfu_text_err(r, col + (unsigned)need - 2,
                            "bad checksum: expected 0x%02X, found 0x%02X", expected, found);
    rec->address = 0;
    for (unsigned i = 0; i < rec->addr_len; i++)
        rec->address = rec->address << 8 | rec->bytes[1 + i];
    rec->data = rec->bytes + 1 + rec->addr_len;
    rec->data_len = rec->count - rec->addr_len - 1u;
    return 0;
}

static int data_record(dfu_text_reader *r, srec_state *st, const srec_rec *rec)
{
    st->records++;
    if ((uint64_t)rec->address + rec->data_len > 0x100000000ull)
        return dfu_text_err(r, rec->col + AT_ADDRESS,
                            "S%c record of %zu bytes at 0x%08X runs past the 4 GiB address space",
                            rec->type, rec->data_len, rec->address);
    return dfu_text_data(r, rec->address, rec->data, rec->data_len,
                         rec->col + AT_ADDRESS + 2 * rec->addr_len);
}

/* S5-S9 hold only their address field. */
static int check_no_data(dfu_text_reader *r, const srec_rec *rec)
{
    if (rec->data_len == 0) return DFU_OK;
    return dfu_text_err(r, rec->col + AT_COUNT,
                        "an S%c record needs byte count %02X (no data), found %02X", rec->type,
                        rec->addr_len + 1, rec->count);
}

static int apply(dfu_text_reader *r, srec_state *st, const srec_rec *rec)
{
    int rc;
    st->counted = false;
    switch (rec->type) {
    case '0': return DFU_OK;
    case '1':
    case '2':
    case '3': return data_record(r, st, rec);
    case '5':
    case '6':
        if ((rc = check_no_data(r, rec))) return rc;
        if (rec->address != st->records)
            return dfu_text_err(r, rec->col + AT_ADDRESS,
                                "record count mismatch: S%c says %u data records, the file has "
                                "%u before this line",
                                rec->type, rec->address, st->records);
        st->counted = true;
        st->count_line = r->lines.line;
        return DFU_OK;
    default: /* '7' to '9' */
        if ((rc = check_no_data(r, rec))) return rc;
        st->ended = true;
        st->end_line = r->lines.line;
        return rec->address ? dfu_text_start(r, rec->address, rec->col + AT_ADDRESS) : DFU_OK;
    }
}

/* After the end record only padding may follow. */
static int after_end(dfu_text_reader *r, const srec_state *st, const uint8_t *s, size_t n)
{
    unsigned col = dfu_text_not_padding(s, n);
    if (col == 0) return DFU_OK;
    if (st->by_count)
        return dfu_text_err(r, col,
                            "data after the padding that ends the file after the count record "
                            "(S5/S6) of line %u",
                            st->count_line);
    return dfu_text_err(r, col, "data after the end record (S7/S8/S9) of line %u", st->end_line);
}

/* Padding (not just whitespace) after a closing count ends the records, as an end record does:
 * srec_cat writes no end record without a start address. */
static bool padding_after_count(const srec_state *st, const uint8_t *s, size_t n)
{
    if (!st->counted || dfu_text_not_padding(s, n)) return false;
    for (size_t i = 0; i < n; i++)
        if (!dfu_text_space(s[i])) return true;
    return false;
}

static int scan(dfu_text_reader *r)
{
    srec_state st = {0};
    srec_rec rec;
    const uint8_t *line;
    size_t len;
    int rc;
    while ((rc = dfu_lines_next(&r->lines, &line, &len)) > 0) {
        if (!st.ended && padding_after_count(&st, line, len)) st.ended = st.by_count = true;
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
    if (!st.ended && !st.counted)
        return dfu_text_missing_end(r, "an end record (S7, S8 or S9) or a closing count (S5/S6)");
    return DFU_OK;
}

int dfu_read_srec(dfu_ctx *ctx, const dfu_input *in, dfu_image *img)
{
    return dfu_text_read(ctx, in, img, scan);
}
