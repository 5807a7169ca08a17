/* The DFU 1.1 file suffix (appendix B): identity and CRC in the last 16 bytes. */
#include <string.h>
#include <zlib.h>

#include "../core/bytes.h"
#include "../core/internal.h"
#include "formats.h"

#define SUFFIX_SIZE 16

/* The suffix CRC is CRC-32 with initial value 0xffffffff and no final XOR, which is zlib's
 * crc32() (final XOR included) XORed back. */
uint32_t dfu_suffix_crc_finish(uint32_t zlib_crc)
{
    return zlib_crc ^ 0xffffffffu;
}

static uint32_t crc_of(const uint8_t *data, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = crc32(crc, data, n);
        data += n;
        len -= n;
    }
    return dfu_suffix_crc_finish((uint32_t)crc);
}

int dfu_suffix_read(dfu_ctx *ctx, const char *name, const uint8_t *data, size_t len,
                    dfu_identity *id, size_t *suffix_len)
{
    if (len < SUFFIX_SIZE) return 0;
    const uint8_t *s = data + len - SUFFIX_SIZE;
    if (memcmp(s + 8, "UFD", 3) != 0) return 0;
    uint8_t blength = s[11];
    if (blength < SUFFIX_SIZE)
        return dfu_err(
            ctx, DFU_ERR_FORMAT,
            "%s: offset %zu: DFU suffix bLength is %u, less than the 16 bytes the suffix "
            "itself needs",
            name, len - 5, blength);
    if (blength > len)
        return dfu_err(ctx, DFU_ERR_FORMAT,
                       "%s: offset %zu: DFU suffix bLength %u is larger than the %zu-byte file",
                       name, len - 5, blength, len);
    id->bcd_device = dfu_le16(s + 0);
    id->pid = dfu_le16(s + 2);
    id->vid = dfu_le16(s + 4);
    id->bcd_dfu = dfu_le16(s + 6);
    id->crc = dfu_le32(s + 12);
    id->crc_valid = crc_of(data, len - 4) == id->crc;
    *suffix_len = blength;
    return 1;
}

int dfu_suffix_check_crc(dfu_ctx *ctx, const char *name, const dfu_identity *id, bool accept_bad)
{
    if (id->crc_valid || accept_bad) return DFU_OK;
    return dfu_err(ctx, DFU_ERR_FORMAT,
                   "%s: DFU suffix CRC mismatch: the file stores 0x%08x but its content gives a "
                   "different CRC (corrupt, or changed after the suffix was added)",
                   name, id->crc);
}

void dfu_suffix_build(uint8_t out[16], const dfu_identity *id, const uint8_t *payload, size_t len)
{
    dfu_put_le16(out + 0, id->bcd_device);
    dfu_put_le16(out + 2, id->pid);
    dfu_put_le16(out + 4, id->vid);
    dfu_put_le16(out + 6, id->bcd_dfu);
    memcpy(out + 8, "UFD", 3);
    out[11] = SUFFIX_SIZE;
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = crc32(crc, payload, n);
        payload += n;
        len -= n;
    }
    crc = crc32(crc, out, 12);
    dfu_put_le32(out + 12, dfu_suffix_crc_finish((uint32_t)crc));
}
