/* USB descriptor parsing for DFU (see descriptor.h). */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/bytes.h"
#include "../core/internal.h"
#include "../core/utf8.h"
#include "descriptor.h"
#include "quirks.h"
#include "libdfu/spec.h"

int dfu_desc_parse_device(dfu_desc_device *out, dfu_ctx *ctx, const uint8_t *p, size_t len)
{
    if (len < 18 || p[0] < 18 || p[1] != DFU_DESC_DEVICE)
        return dfu_err(ctx, DFU_ERR_PROTOCOL, "device descriptor: %zu bytes, bLength %u, type %u",
                       len, len ? p[0] : 0u, len > 1 ? p[1] : 0u);
    out->bcd_usb = dfu_le16(p + 2);
    out->max_packet0 = p[7];
    out->vid = dfu_le16(p + 8);
    out->pid = dfu_le16(p + 10);
    out->bcd_device = dfu_le16(p + 12);
    out->i_manufacturer = p[14];
    out->i_product = p[15];
    out->i_serial = p[16];
    out->num_configurations = p[17];
    return DFU_OK;
}

int dfu_desc_parse_functional(dfu_func_desc *out, dfu_ctx *ctx, const uint8_t *p, size_t len)
{
    memset(out, 0, sizeof(*out));
    if (len < 2 || p[1] != DFU_DESC_FUNCTIONAL)
        return dfu_err(ctx, DFU_ERR_PROTOCOL, "DFU functional descriptor: not one (%zu bytes)",
                       len);
    if (p[0] != 7 && p[0] != 9)
        return dfu_err(ctx, DFU_ERR_PROTOCOL,
                       "DFU functional descriptor: bLength %u (7 or 9 expected)", p[0]);
    if (p[0] > len)
        return dfu_err(ctx, DFU_ERR_PROTOCOL,
                       "DFU functional descriptor: bLength %u but only %zu bytes", p[0], len);
    out->present = true;
    out->length = p[0];
    out->attributes = p[2];
    out->detach_timeout_ms = dfu_le16(p + 3);
    out->transfer_size = dfu_le16(p + 5);
    out->dfu_version = p[0] >= 9 ? dfu_le16(p + 7) : 0;
    return DFU_OK;
}

static bool dfu_interface(const uint8_t *d)
{
    return d[5] == DFU_INTERFACE_CLASS && d[6] == DFU_INTERFACE_SUBCLASS && d[7] <= 2;
}

int dfu_desc_parse_config(dfu_desc_config *out, dfu_ctx *ctx, const uint8_t *p, size_t len)
{
    memset(out, 0, sizeof(*out));
    if (len < 9 || p[0] < 9 || p[1] != DFU_DESC_CONFIGURATION || dfu_le16(p + 2) < 9)
        return dfu_err(ctx, DFU_ERR_PROTOCOL, "configuration descriptor: malformed header");
    size_t end = DFU_MIN(len, (size_t)dfu_le16(p + 2));
    out->config_value = p[5];
    bool in_dfu = false;
    for (size_t i = p[0]; i < end;) {
        const uint8_t *d = p + i;
        if (end - i < 2 || d[0] < 2 || d[0] > end - i)
            return dfu_err(ctx, DFU_ERR_PROTOCOL,
                           "configuration descriptor: bad descriptor length at offset %zu", i);
        if (d[1] == DFU_DESC_INTERFACE && d[0] >= 9) {
            in_dfu = dfu_interface(d);
            if (in_dfu) {
                if (out->alt_count == DFU_DESC_MAX_ALTS)
                    return dfu_err(ctx, DFU_ERR_PROTOCOL, "more than %d DFU alternate settings",
                                   DFU_DESC_MAX_ALTS);
                dfu_desc_alt *a = &out->alts[out->alt_count++];
                a->iface = d[2];
                a->alt = d[3];
                a->protocol = d[7];
                a->i_interface = d[8];
            }
        } else if (d[1] == DFU_DESC_FUNCTIONAL && in_dfu && !out->func.present) {
            int rc = dfu_desc_parse_functional(&out->func, ctx, d, d[0]);
            if (rc) return dfu_err_prefix(ctx, rc, "configuration descriptor offset %zu", i);
        }
        i += d[0];
    }
    return DFU_OK;
}

static int put_utf8(dfu_buf *b, uint32_t c)
{
    uint8_t u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (uint8_t)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (uint8_t)(0xC0 | c >> 6);
        u[1] = (uint8_t)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (uint8_t)(0xE0 | c >> 12);
        u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | c >> 18);
        u[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (c & 0x3F));
        n = 4;
    }
    return dfu_buf_append(b, u, n);
}

static int decode_utf16(dfu_buf *b, const uint8_t *p, size_t n)
{
    int rc = DFU_OK;
    for (size_t i = 0; !rc && i + 1 < n; i += 2) {
        uint32_t c = dfu_le16(p + i);
        if (c == 0) break;
        if (c >= 0xD800 && c < 0xDC00 && i + 3 < n && dfu_le16(p + i + 2) >= 0xDC00 &&
            dfu_le16(p + i + 2) < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (dfu_le16(p + i + 2) - 0xDC00u);
            i += 2;
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD; /* unpaired surrogate */
        }
        rc = put_utf8(b, c);
    }
    return rc;
}

static int copy_utf8(dfu_buf *b, const uint8_t *p, size_t n)
{
    int rc = DFU_OK;
    for (size_t i = 0; !rc && i < n && p[i];) {
        uint32_t c;
        size_t k = dfu_utf8_len(p + i, n - i, &c);
        rc = k ? dfu_buf_append(b, p + i, k) : put_utf8(b, 0xFFFD);
        i += k ? k : 1;
    }
    return rc;
}

int dfu_desc_decode_string(char **out, dfu_ctx *ctx, const uint8_t *p, size_t len, bool utf8)
{
    *out = NULL;
    if (len < 2 || p[1] != DFU_DESC_STRING || p[0] < 2)
        return dfu_err(ctx, DFU_ERR_PROTOCOL, "string descriptor: malformed (%zu bytes)", len);
    size_t n = DFU_MIN((size_t)p[0], len) - 2; /* a bLength larger than what came: clamp */
    dfu_buf b = DFU_BUF_INIT;
    int rc = utf8 ? copy_utf8(&b, p + 2, n) : decode_utf16(&b, p + 2, n);
    if (!rc) *out = (char *)dfu_buf_detach(&b, NULL);
    if (rc || !*out) {
        dfu_buf_free(&b);
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory decoding a string descriptor");
    }
    return DFU_OK;
}

bool dfu_desc_string_is_utf8(uint16_t vid, uint16_t pid, uint16_t bcd)
{
    /* Quirks as data: the table says which devices do this (GD32VF103 among them). */
    dfu_quirks q;
    memset(&q, 0, sizeof(q));
    if (dfu_quirks_apply(NULL, dfu_quirks_builtin(), "built-in quirks", vid, pid, bcd, &q))
        return false;
    return q.utf8_serial;
}

dfu_mode dfu_desc_alt_mode(const dfu_desc_alt *alt, const dfu_func_desc *func)
{
    if (alt->protocol == DFU_PROTOCOL_DFU) return DFU_MODE_DFU;
    if (alt->protocol == 0 && func->present && func->dfu_version == DFU_VERSION_DFUSE)
        return DFU_MODE_DFU;
    return DFU_MODE_RUNTIME;
}
