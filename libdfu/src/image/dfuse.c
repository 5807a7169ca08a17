/* Placeholder until the dfuse reader/writer lands: fails cleanly instead of linking errors. */
#include "../core/internal.h"
#include "formats.h"

int dfu_read_dfuse(dfu_ctx *ctx, const dfu_input *in, size_t suffix_len, dfu_image *img)
{
    (void)img, (void)suffix_len;
    return dfu_err(ctx, DFU_ERR_UNSUPPORTED, "%s: dfuse files are not supported yet", in->name);
}

int dfu_write_dfuse(dfu_ctx *ctx, const dfu_image *img, dfu_sink *out, const dfu_save_options *o)
{
    (void)img, (void)out, (void)o;
    return dfu_err(ctx, DFU_ERR_UNSUPPORTED, "writing dfuse is not supported yet");
}
