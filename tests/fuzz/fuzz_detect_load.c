/*
 * Detection and every reader behind it (dfu_image_parse with DFU_FORMAT_AUTO) on anything,
 * under a name whose extension the first byte chooses, with and without accept_bad_crc.
 */
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {NULL,    "f.bin", "f.dfu", "f.elf",
                                        "f.hex", "f.s19", "f.axf", "noext"};
    const char *name = size ? names[data[0] % 8] : NULL;
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) return 0;
    for (int accept = 0; accept < 2; accept++) {
        dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
        o.accept_bad_crc = accept;
        o.base_address = 0x08000000;
        dfu_image *img = fuzz_parse(ctx, data, size, name, &o);
        if (img) {
            if (dfu_image_format(img) == DFU_FORMAT_AUTO) abort();
            dfu_image_free(img);
        }
    }
    dfu_ctx_free(ctx);
    return 0;
}
