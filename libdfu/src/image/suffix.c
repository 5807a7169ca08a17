/* The DFU 1.1 file suffix (appendix B): identity and CRC in the last 16 bytes. */
#include <string.h>
#include <zlib.h>

#include "../core/bytes.h"
#include "../core/internal.h"
#include "formats.h"

#define SUFFIX_SIZE 16

uint32_t dfu_zcrc32(uint32_t crc, const uint8_t *data, size_t len)
{
    uLong c = crc;
    while (len) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        c = crc32(c, data, n);
        data += n;
        len -= n;
    }
    return (uint32_t)c;
}

/* The suffix CRC is CRC-32 with initial value 0xffffffff and no final XOR: zlib's crc32()
 * (which does XOR at the end) XORed back. dfu-util and dfuse-pack compute the same. */
static uint32_t suffix_crc(uint32_t zlib_crc)
{
    return zlib_crc ^ 0xffffffffu;
}

int dfu_suffix_read(dfu_ctx *ctx, const char *name, const uint8_t *data, size_t len,
                    dfu_suffix *out)
{
    if (len < SUFFIX_SIZE) return 0;
    const uint8_t *s = data + len - SUFFIX_SIZE;
    if (memcmp(s + 8, "UFD", 3) != 0) return 0;
    uint8_t blength = s[11];
    if (blength < SUFFIX_SIZE)
        return dfu_err(ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: DFU suffix bLength is %u, less than the 16 bytes the "
                       "suffix itself takes",
                       name, len - 5, blength);
    if (blength > len)
        return dfu_err(ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: DFU suffix bLength %u is larger than the %zu-byte file",
                       name, len - 5, blength, len);
    if (blength > SUFFIX_SIZE)
        dfu_warn(ctx,
                 "%s: DFU suffix bLength is %u: stripping %u bytes, of which only the last "
                 "16 are understood",
                 name, blength, blength);
    out->id.bcd_device = dfu_le16(s + 0);
    out->id.pid = dfu_le16(s + 2);
    out->id.vid = dfu_le16(s + 4);
    out->id.bcd_dfu = dfu_le16(s + 6);
    out->id.crc = dfu_le32(s + 12);
    out->crc_actual = suffix_crc(dfu_zcrc32(0, data, len - 4));
    out->id.crc_valid = out->crc_actual == out->id.crc;
    out->length = blength;
    return 1;
}

int dfu_suffix_check_crc(dfu_ctx *ctx, const char *name, size_t len, const dfu_suffix *s,
                         bool accept_bad)
{
    if (s->id.crc_valid || accept_bad) return DFU_OK;
    return dfu_err(ctx, DFU_ERR_FORMAT,
                   "%s: offset %zu: DFU suffix CRC mismatch: the file stores 0x%08x but its first "
                   "%zu bytes give 0x%08x (corrupt, or changed after the suffix was added)",
                   name, len - 4, s->id.crc, len - 4, s->crc_actual);
}

void dfu_suffix_build_streamed(uint8_t out[16], const dfu_identity *id, uint32_t zlib_crc)
{
    dfu_put_le16(out + 0, id->bcd_device);
    dfu_put_le16(out + 2, id->pid);
    dfu_put_le16(out + 4, id->vid);
    dfu_put_le16(out + 6, id->bcd_dfu);
    memcpy(out + 8, "UFD", 3);
    out[11] = SUFFIX_SIZE;
    dfu_put_le32(out + 12, suffix_crc(dfu_zcrc32(zlib_crc, out, 12)));
}

void dfu_suffix_build(uint8_t out[16], const dfu_identity *id, const uint8_t *payload, size_t len)
{
    dfu_suffix_build_streamed(out, id, dfu_zcrc32(0, payload, len));
}
