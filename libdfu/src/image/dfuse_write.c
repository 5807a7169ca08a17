/*
 * ST DfuSe containers (UM0391), write side: one target per image target, in image order, one
 * element per segment, then a DFU suffix with bcdDFU 0x011A.
 *
 * DFUImageSize is written as the file size without the suffix, as ST's tools, MicroPython and
 * OpenMV do and as UM0391's errata specify (dfu-util ignores the field; our reader accepts both).
 */
#include <string.h>

#include "../core/bytes.h"
#include "../core/internal.h"
#include "formats.h"
#include "libdfu/spec.h"

#define PREFIX_SIZE  11
#define TARGET_SIZE  274
#define ELEMENT_SIZE 8
/* szTargetName is 255 bytes, and all of them may be name: dfu-util's dfuse-pack (Python's "255s")
 * writes a 255-byte name with no NUL, and our reader takes one. Keeping a byte for a NUL made
 * convert fail on such a file, a name it had just read. */
#define NAME_MAX_LEN 255

/* Writes while keeping the running CRC the suffix needs. */
typedef struct crc_sink {
    dfu_sink *out;
    uint32_t crc;
} crc_sink;

static void put(crc_sink *s, const uint8_t *data, size_t len)
{
    dfu_sink_write(s->out, data, len);
    s->crc = dfu_zcrc32(s->crc, data, len);
}

/* dwTargetSize of target t: its elements, 8 bytes of header each. */
static uint64_t target_size(const dfu_target *t)
{
    uint64_t n = 0;
    for (size_t i = 0; i < t->count; i++) n += ELEMENT_SIZE + (uint64_t)t->segs[i].size;
    return n;
}

/* What the file format cannot express, refused before a single byte is written. */
static int check_fits(dfu_ctx *ctx, const dfu_image *img, uint64_t *total)
{
    if (img->count == 0)
        return dfu_err(ctx, DFU_ERR_ARG, "the image has no targets; a DfuSe file needs one");
    if (img->count > 255)
        return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                       "the image has %zu targets; a DfuSe file holds at most 255", img->count);
    *total = PREFIX_SIZE;
    for (size_t i = 0; i < img->count; i++) {
        const dfu_target *t = &img->targets[i];
        if (t->alt > 255)
            return dfu_err(ctx, DFU_ERR_ARG,
                           "target %zu has alternate setting %d; DfuSe stores 0 to 255", i, t->alt);
        if (t->name && strlen(t->name) > NAME_MAX_LEN)
            return dfu_err(ctx, DFU_ERR_ARG,
                           "target %zu's name is %zu bytes long; DfuSe target names hold at most "
                           "%d",
                           i, strlen(t->name), NAME_MAX_LEN);
        uint64_t size = target_size(t);
        if (size > UINT32_MAX)
            return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                           "target %zu holds %llu bytes with its element headers; dwTargetSize "
                           "is 32 bits",
                           i, (unsigned long long)size);
        *total += TARGET_SIZE + size;
    }
    if (*total > UINT32_MAX)
        return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                       "the DfuSe file would be %llu bytes; DFUImageSize is 32 bits",
                       (unsigned long long)*total);
    return DFU_OK;
}

static void put_target(crc_sink *s, const dfu_target *t)
{
    uint8_t p[TARGET_SIZE];
    memset(p, 0, sizeof(p));
    memcpy(p, "Target", 6);
    p[6] = (uint8_t)(t->alt < 0 ? 0 : t->alt);
    if (t->name) {
        dfu_put_le32(p + 7, 1);
        memcpy(p + 11, t->name, strlen(t->name));
    }
    dfu_put_le32(p + 266, (uint32_t)target_size(t));
    dfu_put_le32(p + 270, (uint32_t)t->count);
    put(s, p, sizeof(p));
    for (size_t i = 0; i < t->count; i++) {
        uint8_t e[ELEMENT_SIZE];
        dfu_put_le32(e, t->segs[i].address);
        dfu_put_le32(e + 4, t->segs[i].size);
        put(s, e, sizeof(e));
        put(s, t->segs[i].data, t->segs[i].size);
    }
}

int dfu_write_dfuse(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o)
{
    (void)o;
    uint64_t total = 0;
    int rc = check_fits(ctx, img, &total);
    if (rc) return rc;
    crc_sink s = {out, 0};
    uint8_t prefix[PREFIX_SIZE];
    memcpy(prefix, "DfuSe", 5);
    prefix[5] = 0x01;
    dfu_put_le32(prefix + 6, (uint32_t)total);
    prefix[10] = (uint8_t)img->count;
    put(&s, prefix, sizeof(prefix));
    for (size_t i = 0; i < img->count; i++) put_target(&s, &img->targets[i]);

    dfu_identity id = {
        DFU_IDENTITY_WILDCARD, DFU_IDENTITY_WILDCARD, DFU_IDENTITY_WILDCARD, 0, true, 0};
    dfu_image_identity(img, &id);
    id.bcd_dfu = DFU_VERSION_DFUSE; /* dfu-util refuses DfuSe files with any other version */
    uint8_t suffix[16];
    dfu_suffix_build_streamed(suffix, &id, s.crc);
    dfu_sink_write(out, suffix, sizeof(suffix));
    return DFU_OK;
}
