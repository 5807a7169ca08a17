/*
 * The whole DfuSe load path (suffix, then container) on anything. The suffix CRC is accepted
 * even when wrong, or the fuzzer would never get past it. An image that loads must write back
 * as DfuSe and read back equal (unless a target name is too long for the writer).
 */
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool names_fit(const dfu_image *img)
{
    for (size_t t = 0; t < dfu_image_target_count(img); t++) {
        const char *name = dfu_image_target_name(img, t);
        if (name && strlen(name) > 254) return false;
    }
    return true;
}

static void roundtrip(dfu_ctx *ctx, const dfu_image *img)
{
    dfu_save_options so = DFU_SAVE_OPTIONS_INIT;
    so.format = DFU_FORMAT_DFUSE;
    uint8_t *out;
    size_t len;
    if (dfu_image_serialize(&out, &len, ctx, img, &so) != DFU_OK) abort();
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    dfu_image *back = fuzz_parse(ctx, out, len, "roundtrip.dfu", &o);
    if (!back || !dfu_image_equal(img, back) || dfu_image_format(back) != DFU_FORMAT_DFUSE) abort();
    dfu_image_free(back);
    dfu_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) return 0;
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = DFU_FORMAT_DFUSE;
    o.accept_bad_crc = true;
    dfu_image *img = fuzz_parse(ctx, data, size, "fuzz.dfu", &o);
    if (img) {
        /* Every element byte comes from the file: the image cannot be larger than it. */
        if (dfu_image_data_size(img, DFU_ALL_TARGETS) > size) abort();
        if (names_fit(img)) roundtrip(ctx, img);
        dfu_image_free(img);
    }
    dfu_ctx_free(ctx);
    return 0;
}
