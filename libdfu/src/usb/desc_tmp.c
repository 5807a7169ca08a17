/* TEMPORARY: see desc_tmp.h. Replaced by proto/descriptor.c after merging branch `sim`. */
#include <stdlib.h>

#include "../core/bytes.h"
#include "desc_tmp.h"
#include "libdfu/spec.h"

bool dfu_tmp_find_func_desc(const uint8_t *buf, size_t len, dfu_func_desc *out)
{
    for (size_t i = 0; buf && i + 2 <= len && buf[i] >= 2; i += buf[i]) {
        size_t n = buf[i];
        if (n > len - i) n = len - i; /* a last descriptor cut short by the stack */
        if (buf[i + 1] != DFU_DESC_FUNCTIONAL || n < 7) continue;
        const uint8_t *d = buf + i;
        out->present = true;
        out->length = d[0];
        out->attributes = d[2];
        out->detach_timeout_ms = dfu_le16(d + 3);
        out->transfer_size = dfu_le16(d + 5);
        out->dfu_version = n >= 9 ? dfu_le16(d + 7) : 0;
        return true;
    }
    return false;
}

static size_t put_utf8(char *p, uint32_t c)
{
    if (c < 0x80) {
        p[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        p[0] = (char)(0xC0 | (c >> 6));
        p[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        p[0] = (char)(0xE0 | (c >> 12));
        p[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        p[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | (c >> 18));
    p[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    p[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    p[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

char *dfu_tmp_string_desc_utf8(const uint8_t *desc, size_t len)
{
    if (!desc || len < 2 || desc[1] != 3) return NULL;
    if (desc[0] < len) len = desc[0];
    size_t units = (len - 2) / 2;
    char *s = malloc(units * 3 + 1); /* a unit or a pair never takes more than 3 bytes each */
    if (!s) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = dfu_le16(desc + 2 + 2 * i);
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < units) {
            uint32_t lo = dfu_le16(desc + 4 + 2 * i);
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
        }
        o += put_utf8(s + o, c);
    }
    s[o] = '\0';
    return s;
}
