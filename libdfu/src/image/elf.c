/* Placeholder until the elf reader/writer lands: fails cleanly instead of linking errors. */
#include "../core/internal.h"
#include "formats.h"

int dfu_read_elf(dfu_ctx *ctx, const dfu_input *in, dfu_image *img)
{
    (void)img;
    return dfu_err(ctx, DFU_ERR_UNSUPPORTED, "%s: elf files are not supported yet", in->name);
}
