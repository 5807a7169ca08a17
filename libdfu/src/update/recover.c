/*
 * Finishing an interrupted update. The journal says what was planned and which steps completed,
 * but a step may have completed without being recorded, or been half done: the device is the
 * truth. When it can upload, every sector is read back and only those that differ are erased
 * and written again (in the plan's safe order). When it cannot, every sector with a write the
 * journal does not confirm is erased and written again.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../image/image_internal.h"
#include "exec_internal.h"
#include "journal_internal.h"

/* Did the journal confirm this step? Steps are matched by what they do, not by position, so a
 * plan that differs (no verify steps on a device that can no longer upload) still maps. */
static bool confirmed(const dfu_journal *j, const dfu_step *s)
{
    for (size_t i = 0; j && i < j->count; i++) {
        const dfu_step *b = &j->steps[i];
        if (j->done[i] && s->kind == b->kind && s->alt == b->alt && s->address == b->address &&
            s->size == b->size)
            return true;
    }
    return false;
}

static bool in_sector(const dfu_step *w, const dfu_step *erase)
{
    return w->alt == erase->alt && w->address >= erase->address &&
           w->address < (uint64_t)erase->address + erase->size;
}

/* Steps the journal confirms, minus every sector that has an unconfirmed write: such a sector
 * may hold half a block, and flash cannot be written twice without an erase. */
static bool *confirmed_steps(const dfu_plan *p, const dfu_journal *j)
{
    bool *skip = calloc(p->count ? p->count : 1, sizeof(*skip));
    if (!skip || !j) return skip; /* nothing known: redo everything */
    for (size_t i = 0; i < p->count; i++) skip[i] = confirmed(j, &p->steps[i]);
    for (size_t e = 0; e < p->count; e++) {
        if (p->steps[e].kind != DFU_STEP_ERASE) continue;
        /* A sector is redone when its erase is not confirmed (it will run and wipe what was
         * written, e.g. after a mass-erase update whose plan had no sector erases) or when one
         * of its writes is not confirmed (it may hold half a block). */
        bool dirty = !skip[e];
        for (size_t w = 0; w < p->count; w++)
            if (p->steps[w].kind == DFU_STEP_WRITE && !skip[w] &&
                in_sector(&p->steps[w], &p->steps[e]))
                dirty = true;
        if (!dirty) continue;
        skip[e] = false;
        for (size_t w = 0; w < p->count; w++)
            if (p->steps[w].kind == DFU_STEP_WRITE && in_sector(&p->steps[w], &p->steps[e]))
                skip[w] = false;
    }
    /* Verification and leaving are never taken on trust. */
    for (size_t i = 0; i < p->count; i++)
        if (p->steps[i].kind == DFU_STEP_VERIFY || p->steps[i].kind == DFU_STEP_LEAVE ||
            p->steps[i].kind == DFU_STEP_MANIFEST)
            skip[i] = false;
    /* DFU 1.1 has one write for the whole image: any doubt means all of it again. */
    if (!p->desc.dfuse)
        for (size_t i = 0; i < p->count; i++) skip[i] = false;
    return skip;
}

/* The DFU 1.1 read-back comes before the plan's steps. Its events move the read phase while the
 * overall count stays where the plan starts, of the plan's total (as a DfuSe differential read
 * does inside the plan), so that it never goes back when the steps begin. */
typedef struct read_back_progress {
    const dfu_plan *plan;
    uint64_t overall_total;
} read_back_progress;

static int read_back_event(const dfu_progress *p, void *payload)
{
    const read_back_progress *r = payload;
    dfu_progress q = *p;
    q.overall_done = 0;
    q.overall_total = r->overall_total;
    q.step = 0;
    q.steps = r->plan->count;
    return r->plan->opts.progress(&q, r->plan->opts.payload);
}

/* DFU 1.1 devices that can upload: if the device already holds the image, only start it. */
static int dfu11_already_there(dfu_ctx *ctx, dfu_device *dev, const dfu_image *img,
                               const dfu_plan *plan, bool *same, uint64_t *compared)
{
    *same = false;
    *compared = 0;
    size_t t = 0;
    while (t < img->count && !img->targets[t].count) t++;
    if (t == img->count) return DFU_OK;
    const dfu_target *tg = &img->targets[t];
    uint32_t lo = tg->segs[0].address;
    uint64_t size = dfu_seg_end(&tg->segs[tg->count - 1]) - lo;
    dfu_image *got = NULL;
    /* Reported as the read phase, and cancellable at every block like the rest. */
    read_back_progress rp = {plan, dfu_plan_weight(plan)};
    int rc = dfu_device_read(&got, dev, lo, (uint32_t)size,
                             plan->opts.progress ? read_back_event : NULL, &rp);
    if (rc) return rc;
    uint8_t *want = malloc(size ? size : 1), *have = malloc(size ? size : 1);
    if (want && have) {
        dfu_image_read(img, t, lo, want, size, 0xFF);
        dfu_image_read(got, 0, lo, have, size, 0x00);
        *same = memcmp(want, have, size) == 0;
        *compared = size;
    } else {
        rc = dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    free(want);
    free(have);
    dfu_image_free(got);
    return rc;
}

/* The device holds the image already: it is only started, and the progress of the recovery
 * ends complete, as a plan's does. */
static int start_what_is_there(dfu_ctx *ctx, dfu_device *dev, const dfu_plan *plan,
                               uint64_t compared, dfu_update_result *res)
{
    dfu_info(ctx, "the device already holds the whole image; starting it");
    res->verified = true;
    res->verified_bytes = compared;
    res->skipped_bytes = compared;
    int rc = plan->opts.no_leave ? DFU_OK : dfu_device_leave(dev, NULL);
    res->left = !rc && !plan->opts.no_leave;
    if (rc || !plan->opts.progress) return rc;
    uint64_t total = dfu_plan_weight(plan);
    size_t last = plan->count ? plan->count - 1 : 0;
    dfu_progress done = {.phase = DFU_PHASE_DONE,
                         .done = total,
                         .total = total,
                         .overall_done = total,
                         .overall_total = total,
                         .step = last,
                         .steps = plan->count,
                         .device = dev->info.path};
    plan->opts.progress(&done, plan->opts.payload);
    return DFU_OK;
}

static int load_image(dfu_ctx *ctx, const dfu_journal *j, const dfu_image *img, dfu_image **out)
{
    if (!j) {
        if (!img) return dfu_err(ctx, DFU_ERR_ARG, "nothing to recover: no journal and no image");
        return dfu_image_clone(out, img) ? dfu_err(ctx, DFU_ERR_NOMEM, "out of memory") : DFU_OK;
    }
    uint8_t a[32], b[32];
    dfu_journal_digest(j, b);
    if (img) dfu_image_digest(img, a);
    bool same = img && memcmp(a, b, 32) == 0;
    int rc = dfu_journal_image(out, ctx, j);
    if (rc && same) {
        /* The copy beside the journal is missing or damaged (a crash while it was being
         * written); the file the user gave is the same image. */
        dfu_warn(ctx, "%s; using the file given instead, which has the journal's digest",
                 dfu_ctx_error(ctx)->message);
        return dfu_image_clone(out, img) ? dfu_err(ctx, DFU_ERR_NOMEM, "out of memory") : DFU_OK;
    }
    if (rc || !img || same) return rc;
    dfu_image_free(*out);
    *out = NULL;
    return dfu_err(
        ctx, DFU_ERR_REFUSED,
        "the file is not the image of the interrupted update (%s): finish that one "
        "first (recover without a file), or discard it (`dfu_journal_discard()`) and flash anew",
        j->image_path[0] ? j->image_path : "recorded in the journal");
}

/* The journal was recorded for a board; a different one at the same port path (or a device whose
 * port path was reused) must never receive that board's image. */
static int check_identity(dfu_ctx *ctx, const dfu_journal *j, dfu_device *dev)
{
    const dfu_device_info *i = dfu_device_get_info(dev);
    if (dfu_journal_same_board(j, i, dfu_device_is_dfuse(dev))) return DFU_OK;
    return dfu_err(
        ctx, DFU_ERR_REFUSED,
        "the interrupted update was for %04x:%04x serial \"%s\" (%s) at %s, but the "
        "device there now is %04x:%04x serial \"%s\" (%s): refusing to write another "
        "board's image (discard the journal with `dfu_journal_discard()` if that board is gone)",
        j->vid, j->pid, j->serial, j->dfuse ? "DfuSe" : "DFU 1.1", j->path, i->vid, i->pid,
        i->serial ? i->serial : "", dfu_device_is_dfuse(dev) ? "DfuSe" : "DFU 1.1");
}

int dfu_recover(dfu_ctx *ctx, dfu_device *dev, dfu_journal *j, const dfu_image *img,
                const dfu_update_options *opts, dfu_recovery *out)
{
    dfu_recovery scratch;
    if (!out) out = &scratch;
    memset(out, 0, sizeof(*out));
    dfu_update_options o = DFU_UPDATE_OPTIONS_INIT;
    if (!dev) return dfu_err(ctx, DFU_ERR_ARG, "dfu_recover: no device");
    if (ctx != dev->ctx) return dfu_err(ctx, DFU_ERR_ARG, "dfu_recover: " DFU_OTHER_CTX);
    if (opts &&
        dfu_check_options(ctx, "dfu_update_options", opts->version, DFU_UPDATE_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    if (opts) o = *opts;
    dfu_image *image = NULL;
    /* Held throughout: no other update or recovery writes or removes j meanwhile, and nobody
     * discards it. A lock file that cannot be made (a read-only directory) does not stop the
     * recovery, as a journal that cannot be written does not stop an update (execute.c). */
    int rc = j ? dfu_journal_hold(j, ctx) : DFU_OK;
    if (rc == DFU_ERR_BUSY) return rc;
    if (rc) {
        dfu_warn(ctx, "%s; recovering without it", dfu_ctx_error(ctx)->message);
        dfu_ctx_clear_error(ctx);
        rc = DFU_OK;
    }
    if (j) rc = check_identity(ctx, j, dev);
    if (!rc) rc = load_image(ctx, j, img, &image);
    if (rc) {
        if (j) dfu_journal_release(j);
        return rc;
    }
    if (j) {
        out->had_journal = true;
        out->steps = j->count;
        out->steps_confirmed = dfu_journal_steps_done(j);
        o.order = j->order;
        o.no_leave = j->no_leave;
        if (!o.image_path) o.image_path = j->image_path;
        if (!o.selector) o.selector = j->selector;
    }
    o.mass_erase = false; /* what is already right stays; sectors are enough */
    o.no_verify = false;
    o.verify_only = false;
    out->read_back = dfu_device_can_upload(dev);
    o.differential = dfu_device_is_dfuse(dev) && out->read_back;
    /* Planned before the DFU 1.1 read-back, which reports progress of the plan's total. */
    dfu_plan *plan = NULL;
    rc = dfu_plan_new_for(&plan, ctx, dev, image, &o, j != NULL);
    if (!rc) plan->recovering = j;
    bool same = false;
    if (!rc && !dfu_device_is_dfuse(dev) && out->read_back) {
        uint64_t compared;
        rc = dfu11_already_there(ctx, dev, image, plan, &same, &compared);
        if (!rc && same) rc = start_what_is_there(ctx, dev, plan, compared, &out->result);
    }
    bool *skip = NULL;
    if (!rc && !same && !o.differential) {
        skip = confirmed_steps(plan, j);
        if (!skip) rc = dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    }
    if (!rc && !same) rc = dfu_plan_execute_skipping(plan, &out->result, skip);
    out->sectors_intact = out->result.sectors_skipped;
    out->sectors_redone = out->result.sectors_erased;
    /* Without a journal directory of its own, or with nothing to write, the recovery kept no new
     * journal: the old one is done with. */
    if (!rc && j && (same || !o.journal_dir)) rc = dfu_journal_remove(j, ctx);
    if (j) dfu_journal_release(j);
    free(skip);
    dfu_plan_free(plan);
    dfu_image_free(image);
    return rc;
}
