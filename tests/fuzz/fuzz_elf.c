/* ELF reader on anything: never crashes, errors always say what, images keep the model's rules. */
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) return 0;
    dfu_load_options o = DFU_LOAD_OPTIONS_INIT;
    o.format = DFU_FORMAT_ELF;
    dfu_image *img = fuzz_parse(ctx, data, size, "fuzz.elf", &o);
    if (img) {
        if (dfu_image_target_count(img) != 1 || dfu_image_data_size(img, 0) == 0) abort();
        dfu_image_free(img);
    }
    dfu_ctx_free(ctx);
    return 0;
}
