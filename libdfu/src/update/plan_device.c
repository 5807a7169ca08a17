/* Planning for an open device: describe it (layouts, capabilities, quirks) and plan. */
#include <stdio.h>
#include <stdlib.h>

#include "../core/internal.h"
#include "../proto/proto.h"
#include "journal_internal.h"
#include "plan_internal.h"

static bool ids_match(const dfu_identity *id, uint16_t vid, uint16_t pid)
{
    return (id->vid == 0xffff || id->vid == vid) && (id->pid == 0xffff || id->pid == pid);
}

/* A DFU suffix names the device the file is for (0xffff: any). Firmware for another product is
 * refused unless forced, as dfu-util does; a device detached from its application matches by
 * its run-time ids too, which such files usually carry. */
static int check_file_identity(dfu_ctx *ctx, dfu_device *dev, const dfu_image *img, bool force)
{
    dfu_identity id;
    if (!dfu_image_identity(img, &id) || ids_match(&id, dev->info.vid, dev->info.pid) ||
        (dev->detached && ids_match(&id, dev->runtime_vid, dev->runtime_pid)))
        return DFU_OK;
    char ids[64];
    if (dev->detached)
        snprintf(ids, sizeof(ids), "%04x:%04x (run-time %04x:%04x)", dev->info.vid, dev->info.pid,
                 dev->runtime_vid, dev->runtime_pid);
    else
        snprintf(ids, sizeof(ids), "%04x:%04x", dev->info.vid, dev->info.pid);
    if (force) {
        dfu_warn(ctx,
                 "writing anyway (`force`): the file's DFU suffix is for %04x:%04x, the device "
                 "is %s",
                 id.vid, id.pid, ids);
        return DFU_OK;
    }
    return dfu_err(ctx, DFU_ERR_REFUSED,
                   "the file's DFU suffix says it is for %04x:%04x, but the device is %s: it may "
                   "be another product's firmware (the `force` option writes it anyway)",
                   id.vid, id.pid, ids);
}

/* The journal of another board's interrupted update at this port path would be replaced by
 * this update's, and that board could no longer be recovered from it: refused before the device
 * is touched. The same board's earlier journal is superseded: this update rewrites it all. */
static int check_pending_journal(dfu_ctx *ctx, dfu_device *dev, const dfu_update_options *o)
{
    if (!o || !o->journal_dir || o->verify_only) return DFU_OK;
    dfu_journal *j = NULL;
    if (dfu_journal_open(&j, ctx, o->journal_dir, dev->info.path) != DFU_OK) {
        dfu_ctx_clear_error(ctx); /* none, or unreadable: nothing to keep */
        return DFU_OK;
    }
    int rc = DFU_OK;
    if (dfu_journal_same_board(j, &dev->info, dev->dfuse))
        dfu_info(ctx,
                 "an earlier interrupted update of this board (%zu of %zu steps done) is "
                 "superseded by this one",
                 dfu_journal_steps_done(j), j->count);
    else
        rc = dfu_err(ctx, DFU_ERR_REFUSED,
                     "an interrupted update of another board is recorded for %s: %04x:%04x "
                     "serial \"%s\", %s, %zu of %zu steps done; this update would replace its "
                     "journal: finish that board first, or discard its journal "
                     "(`dfu_journal_discard()`) if it is not coming back",
                     j->path, j->vid, j->pid, j->serial, j->image_path[0] ? j->image_path : "image",
                     dfu_journal_steps_done(j), j->count);
    dfu_journal_free(j);
    return rc;
}

int dfu_plan_new(dfu_plan **out, dfu_ctx *ctx, dfu_device *dev, const dfu_image *img,
                 const dfu_update_options *opts)
{
    return dfu_plan_new_for(out, ctx, dev, img, opts, false);
}

int dfu_plan_new_for(dfu_plan **out, dfu_ctx *ctx, dfu_device *dev, const dfu_image *img,
                     const dfu_update_options *opts, bool planned_before)
{
    if (out) *out = NULL;
    if (!out || !dev || !img) return dfu_err(ctx, DFU_ERR_ARG, "dfu_plan_new: missing argument");
    if (ctx != dev->ctx) return dfu_err(ctx, DFU_ERR_ARG, "dfu_plan_new: " DFU_OTHER_CTX);
    if (opts &&
        dfu_check_options(ctx, "dfu_update_options", opts->version, DFU_UPDATE_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    if (opts && opts->differential && opts->mass_erase)
        return dfu_err(ctx, DFU_ERR_ARG,
                       "dfu_plan_new: differential skips the sectors that already hold the "
                       "image, mass_erase erases them all: choose one");
    if (!dev->can_download && !(opts && opts->verify_only))
        return dfu_err(ctx, DFU_ERR_UNSUPPORTED,
                       "%s: its DFU interface does not accept downloads (bitCanDnload is clear)",
                       dev->info.path);
    /* Only writes need it: reads (a verify) ask for blocks of the device's own size. */
    int rc = opts && opts->verify_only
                 ? DFU_OK
                 : dfu_dfu11_check_block_size(dev, dev->info.path ? dev->info.path : "the device",
                                              opts && opts->force);
    if (!rc && !planned_before && !(opts && opts->verify_only))
        rc = check_file_identity(ctx, dev, img, opts && opts->force);
    if (!rc && !planned_before) rc = check_pending_journal(ctx, dev, opts);
    if (rc) return rc;
    /* Recovering from a journal: its vector table was checked when the update was planned. */
    dfu_update_options checked;
    if (opts && planned_before) {
        checked = *opts;
        checked.force = true;
        opts = &checked;
    }
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
        .not_cortex_m = dev->quirks.not_cortex_m,
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
