/* Planning for an open device: describe it (layouts, capabilities, quirks) and plan. */
#include <stdlib.h>

#include "../core/internal.h"
#include "../proto/proto.h"
#include "plan_internal.h"

int dfu_plan_new(dfu_plan **out, dfu_ctx *ctx, dfu_device *dev, const dfu_image *img,
                 const dfu_update_options *opts)
{
    if (out) *out = NULL;
    if (!out || !dev || !img) return dfu_err(ctx, DFU_ERR_ARG, "dfu_plan_new: missing argument");
    if (opts &&
        dfu_check_options(ctx, "dfu_update_options", opts->version, DFU_UPDATE_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    if (!dev->can_download && !(opts && opts->verify_only))
        return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                       "%s: its DFU interface does not accept downloads (bitCanDnload is clear)",
                       dev->info.path);
    int rc = dfu_dfu11_check_block_size(dev, dev->info.path ? dev->info.path : "the device",
                                        opts && opts->force);
    if (rc) return rc;
    size_t n = 0;
    for (size_t i = 0; i < dev->info.alt_count; i++)
        if ((size_t)dev->info.alts[i].alt + 1 > n) n = (size_t)dev->info.alts[i].alt + 1;
    const dfu_layout **layouts = calloc(n ? n : 1, sizeof(*layouts));
    if (!layouts) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < dev->info.alt_count; i++) {
        if (dev->info.alts[i].iface != dev->iface) continue;
        layouts[dev->info.alts[i].alt] = dev->layouts[i];
    }
    dfu_plan_device d = {
        .dfuse = dev->dfuse,
        .can_upload = dev->can_upload,
        .manifestation_tolerant =
            (dev->info.func.attributes & DFU_ATTR_MANIFESTATION_TOLERANT) != 0,
        .verify_before_manifest = dev->quirks.verify_before_manifest,
        .transfer_size = dev->transfer_size,
        .default_alt = dev->alt,
        .alt_count = n,
        .layouts = layouts,
        .has_app_base = dev->quirks.has_app_base,
        .app_base = dev->quirks.app_base,
        .ram_start = dev->quirks.ram_start,
        .ram_end = dev->quirks.ram_end,
    };
    rc = dfu_plan_build(out, ctx, &d, img, opts);
    if (!rc) {
        (*out)->dev = dev;
        /* The description points at this call's table of layouts. */
        (*out)->desc.layouts = NULL;
        (*out)->desc.alt_count = 0; /* p->alt_count keeps the count */
    }
    free(layouts);
    return rc;
}
