/* Raw binaries: bytes at a base address; with a DFU suffix, the "dfu" format. */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "formats.h"

int dfu_read_bin(dfu_ctx *ctx, const dfu_input *in, uint32_t base, dfu_image *img)
{
    size_t t;
    if (dfu_image_add_target(img, -1, NULL, &t))
        return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    if ((uint64_t)base + in->len > 0x100000000ull || (uint64_t)in->len > UINT32_MAX)
        return dfu_err(ctx, DFU_ERR_FORMAT,
                       "%s: %zu bytes at base address 0x%08x would run past the 4 GiB address "
                       "space",
                       in->name, in->len, base);
    dfu_image_builder b = DFU_IMAGE_BUILDER_INIT;
    uint32_t conflict;
    int rc = dfu_builder_add(&b, base, in->data, in->len);
    if (!rc) rc = dfu_builder_commit(&b, img, t, &conflict);
    dfu_builder_free(&b);
    return rc ? dfu_err(ctx, rc, "%s: out of memory", in->name) : DFU_OK;
}

/* Streams the bytes from the lowest to the highest address, gaps filled with 0xFF. */
static int write_span(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o,
                      const char *format, uint32_t *crc)
{
    const dfu_target *tg;
    int rc = dfu_image_single_target(ctx, img, format, &tg);
    if (rc || !tg) return rc;
    uint32_t max_gap = o->max_gap ? o->max_gap : (1u << 20);
    for (size_t i = 1; i < tg->count; i++) {
        uint64_t gap = tg->segs[i].address - dfu_seg_end(&tg->segs[i - 1]);
        if (gap > max_gap)
            return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                           "a %s file cannot hold the image compactly: %llu bytes of gap between "
                           "0x%08llx and 0x%08x would be filled with 0xFF (limit %u); write hex, "
                           "srec or dfuse instead",
                           format, (unsigned long long)gap,
                           (unsigned long long)dfu_seg_end(&tg->segs[i - 1]), tg->segs[i].address,
                           max_gap);
    }
    uint8_t ff[4096];
    memset(ff, 0xFF, sizeof(ff));
    for (size_t i = 0; i < tg->count; i++) {
        if (i > 0) {
            uint64_t gap = tg->segs[i].address - dfu_seg_end(&tg->segs[i - 1]);
            while (gap) {
                size_t n = gap > sizeof(ff) ? sizeof(ff) : (size_t)gap;
                dfu_sink_write(out, ff, n);
                if (crc) *crc = dfu_zcrc32(*crc, ff, n);
                gap -= n;
            }
        }
        dfu_sink_write(out, tg->segs[i].data, tg->segs[i].size);
        if (crc) *crc = dfu_zcrc32(*crc, tg->segs[i].data, tg->segs[i].size);
    }
    return DFU_OK;
}

int dfu_write_bin(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o)
{
    return write_span(ctx, img, out, o, "bin", NULL);
}

int dfu_write_dfu(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o)
{
    uint32_t crc = 0;
    int rc = write_span(ctx, img, out, o, "dfu", &crc);
    if (rc) return rc;
    dfu_identity id = {
        DFU_IDENTITY_WILDCARD, DFU_IDENTITY_WILDCARD, DFU_IDENTITY_WILDCARD, 0x0100, true, 0};
    dfu_image_identity(img, &id);
    /* A DfuSe identity (bcdDFU 0x011A) on a plain binary would make dfu-util expect a DfuSe
     * container: a raw binary with a suffix is DFU 1.0/1.1. */
    if (id.bcd_dfu == 0 || id.bcd_dfu == 0x011A) id.bcd_dfu = 0x0100;
    uint8_t suffix[16];
    dfu_suffix_build_streamed(suffix, &id, crc);
    dfu_sink_write(out, suffix, sizeof(suffix));
    return DFU_OK;
}
