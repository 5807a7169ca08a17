/* The text formats' common driver: two scans at most, conflicts named by both lines. */
#include <stdarg.h>
#include <stdio.h>

#include "textrec.h"

int dfu_text_err(dfu_text_reader *r, unsigned col, const char *fmt, ...)
{
    char msg[DFU_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return dfu_err(r->ctx, DFU_ERR_FORMAT, "%s:%u:%u: %s", r->in->name, r->lines.line, col, msg);
}

int dfu_text_missing_end(dfu_text_reader *r, const char *what)
{
    unsigned line = r->lines.line ? r->lines.line : 1;
    return dfu_err(r->ctx, DFU_ERR_FORMAT,
                   "%s:%u:%u: the file ends without %s: truncated or incomplete file", r->in->name,
                   line, (unsigned)r->lines.last_len + 1, what);
}

const char *dfu_text_char(char buf[8], uint8_t c)
{
    if (c >= 0x20 && c < 0x7f && c != '\'')
        snprintf(buf, 8, "'%c'", c);
    else
        snprintf(buf, 8, "\\x%02X", c);
    return buf;
}

int dfu_text_bad_digit(dfu_text_reader *r, const uint8_t *d, size_t nd, unsigned col)
{
    size_t at = 0;
    while (at + 1 < nd && !(dfu_hex_value[d[at]] & DFU_HEX_BAD)) at++;
    char cb[8];
    return dfu_text_err(r, col + (unsigned)at, "%s is not a hex digit", dfu_text_char(cb, d[at]));
}

int dfu_text_start(dfu_text_reader *r, uint32_t address, unsigned col)
{
    if (r->has_start && r->start != address)
        return dfu_text_err(r, col, "start address 0x%08X conflicts with 0x%08X from line %u",
                            address, r->start, r->start_line);
    if (!r->has_start) r->start_line = r->lines.line;
    r->has_start = true;
    r->start = address;
    return DFU_OK;
}

int dfu_text_data(dfu_text_reader *r, uint32_t address, const uint8_t *data, size_t len,
                  unsigned col)
{
    if (!r->rescan) {
        int rc = dfu_builder_add(&r->builder, address, data, len);
        if (rc == DFU_ERR_NOMEM) return dfu_err(r->ctx, rc, "%s: out of memory", r->in->name);
        if (rc) return dfu_text_err(r, col, "data runs past the 4 GiB address space");
        return DFU_OK;
    }
    if (r->conflict < address || r->conflict - address >= len) return DFU_OK;
    uint8_t v = data[r->conflict - address];
    if (!r->seen_first) {
        r->seen_first = true;
        r->first_line = r->lines.line;
        r->first_value = v;
        return DFU_OK;
    }
    if (v == r->first_value) return DFU_OK;
    r->found_line = r->lines.line;
    r->found_col = col + 2 * (r->conflict - address);
    r->found_value = v;
    return DFU_TEXT_STOP;
}

/* The builder found two different bytes for one address: scan again to name both lines. */
static int report_conflict(dfu_text_reader *r, dfu_text_scan_fn scan, uint32_t address)
{
    int rc = dfu_lines_rewind(&r->lines);
    if (rc) return rc;
    r->rescan = true;
    r->conflict = address;
    rc = scan(r);
    if (rc < 0) return rc; /* the file changed between the scans */
    if (rc != DFU_TEXT_STOP)
        return dfu_err(r->ctx, DFU_ERR_FORMAT, "%s: conflicting data for address 0x%08X",
                       r->in->name, address);
    return dfu_err(r->ctx, DFU_ERR_FORMAT,
                   "%s:%u:%u: data for 0x%08X conflicts with line %u (0x%02X vs 0x%02X)",
                   r->in->name, r->found_line, r->found_col, address, r->first_line, r->first_value,
                   r->found_value);
}

static int read_into(dfu_text_reader *r, dfu_image *img, dfu_text_scan_fn scan)
{
    size_t t;
    int rc = dfu_lines_init(&r->lines, r->ctx, r->in);
    if (rc) return rc;
    rc = scan(r);
    if (rc) return rc;
    if (dfu_image_add_target(img, -1, NULL, &t))
        return dfu_err(r->ctx, DFU_ERR_NOMEM, "%s: out of memory", r->in->name);
    uint32_t conflict = 0;
    rc = dfu_builder_commit(&r->builder, img, t, &conflict);
    if (rc == DFU_ERR_NOMEM) return dfu_err(r->ctx, rc, "%s: out of memory", r->in->name);
    if (rc) return report_conflict(r, scan, conflict);
    if (r->has_start) dfu_image_set_start_address(img, &r->start);
    return DFU_OK;
}

int dfu_text_read(dfu_ctx *ctx, const dfu_input *in, dfu_image *img, dfu_text_scan_fn scan)
{
    dfu_text_reader r = {0};
    r.ctx = ctx;
    r.in = in;
    int rc = read_into(&r, img, scan);
    dfu_builder_free(&r.builder);
    dfu_lines_free(&r.lines);
    return rc;
}
