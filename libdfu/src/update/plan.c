/* Planning an update from a device description: which steps, in which order, at what cost. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../core/str.h"
#include "../image/image_internal.h"
#include "../proto/proto.h"
#include "plan_internal.h"

const char *dfu_step_kind_name(dfu_step_kind kind)
{
    static const char *const names[] = {"erase",  "mass-erase", "write",
                                        "verify", "manifest",   "leave"};
    return (unsigned)kind < DFU_ARRAY_SIZE(names) ? names[kind] : "unknown";
}

void dfu_plan_note(dfu_plan *p, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    dfu_buf_printf(&p->notes, "%s\n", line);
    dfu_info(p->ctx, "%s", line);
}

static uint64_t estimate(const dfu_plan *p, dfu_step_kind kind, uint32_t size)
{
    switch (kind) {
    case DFU_STEP_ERASE: return dfu_estimate_erase_us(size);
    case DFU_STEP_MASS_ERASE: return dfu_estimate_mass_erase_us();
    case DFU_STEP_WRITE: return dfu_estimate_write_us(size, p->desc.transfer_size);
    case DFU_STEP_VERIFY: return dfu_estimate_verify_us(size, p->desc.transfer_size);
    case DFU_STEP_MANIFEST: return 500000u;
    case DFU_STEP_LEAVE: return 100000u;
    }
    return 0;
}

int dfu_plan_add_step(dfu_plan *p, dfu_step_kind kind, int alt, uint32_t address, uint32_t size)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        dfu_step *s = realloc(p->steps, cap * sizeof(*s));
        if (!s) return dfu_err(p->ctx, DFU_ERR_NOMEM, "out of memory planning");
        p->steps = s;
        p->cap = cap;
    }
    dfu_step s = {kind, alt, address, size, estimate(p, kind, size)};
    p->steps[p->count++] = s;
    p->estimate_us += s.estimate_us;
    return DFU_OK;
}

uint64_t dfu_step_weight(const dfu_step *s)
{
    return (s->kind == DFU_STEP_LEAVE || s->kind == DFU_STEP_MANIFEST) ? 0 : s->size;
}

uint64_t dfu_plan_weight(const dfu_plan *p)
{
    uint64_t total = 0;
    for (size_t i = 0; i < p->count; i++) total += dfu_step_weight(&p->steps[i]);
    return total;
}

/* Which alternate setting each image target goes to. */
static int map_targets(dfu_plan *p)
{
    p->alt_count = p->desc.alt_count ? p->desc.alt_count : 1;
    p->alt_target = malloc(p->alt_count * sizeof(*p->alt_target));
    if (!p->alt_target) return dfu_err(p->ctx, DFU_ERR_NOMEM, "out of memory");
    for (size_t a = 0; a < p->alt_count; a++) p->alt_target[a] = SIZE_MAX;
    for (size_t t = 0; t < p->image->count; t++) {
        if (!p->image->targets[t].count) continue;
        int alt = p->image->targets[t].alt;
        if (alt < 0) alt = p->opts.alt >= 0 ? p->opts.alt : p->desc.default_alt;
        if ((size_t)alt >= p->alt_count)
            return dfu_err(p->ctx, DFU_ERR_REFUSED,
                           "the image is for alternate setting %d; the device has %zu (0-%zu)", alt,
                           p->alt_count, p->alt_count - 1);
        if (p->alt_target[alt] != SIZE_MAX)
            return dfu_err(p->ctx, DFU_ERR_REFUSED,
                           "the image has two targets for alternate setting %d", alt);
        p->alt_target[alt] = t;
    }
    return DFU_OK;
}

/* A run of writes ending before end continues with the segment at next: next starts in the
 * flash unit where the run ends, in the same erasable sector (erased with it, so the gap between
 * them, written as 0xFF, changes nothing). */
static bool shares_unit(const dfu_layout *l, uint64_t end, uint32_t next)
{
    dfu_sector s;
    return next / DFU_FLASH_UNIT == (end - 1) / DFU_FLASH_UNIT &&
           dfu_layout_find(l, (uint32_t)(end - 1), &s) && (s.access & DFU_MEM_ERASABLE) &&
           next < (uint64_t)s.address + s.size;
}

/* The runs of a target, split at sector boundaries, as write or verify steps. */
static int add_runs(dfu_plan *p, size_t t, int alt, const dfu_layout *l, dfu_step_kind kind,
                    bool vector_sector_only, bool skip_vector_sector, uint32_t vec_sector)
{
    const dfu_target *tg = &p->image->targets[t];
    for (size_t i = 0; i < tg->count; i++) {
        uint64_t a = tg->segs[i].address, end = dfu_seg_end(&tg->segs[i]);
        while (kind == DFU_STEP_WRITE && i + 1 < tg->count &&
               shares_unit(l, end, tg->segs[i + 1].address))
            end = dfu_seg_end(&tg->segs[++i]);
        while (a < end) {
            dfu_sector s;
            dfu_layout_find(l, (uint32_t)a, &s); /* regions were checked */
            uint64_t stop = DFU_MIN(end, (uint64_t)s.address + s.size);
            bool is_vec = s.address == vec_sector;
            if ((!vector_sector_only || is_vec) && !(skip_vector_sector && is_vec)) {
                int rc = dfu_plan_add_step(p, kind, alt, (uint32_t)a, (uint32_t)(stop - a));
                if (rc) return rc;
            }
            a = stop;
        }
    }
    return DFU_OK;
}

/* The last write of a safe-order update: the first bytes of the vector table, which bootloaders
 * check. One flash unit (32 bytes: one flash word on every part with ECC, the H7) holds the
 * initial stack pointer and reset vector. Until it lands the table reads blank; the window in
 * which a power cut leaves a valid-looking table over a half-written application shrinks to
 * programming these 32 bytes. */
#define DFU_VECTOR_HEAD DFU_FLASH_UNIT

/* The vector-table sector's writes start at steps[first]; its first run begins with the vector
 * table. Split that run's first DFU_VECTOR_HEAD bytes off (to the next flash unit boundary, for a
 * table written where none can be used, with `force`) and make them the last write. */
static int move_vector_head_last(dfu_plan *p, size_t first)
{
    if (first >= p->count) return DFU_OK;
    dfu_step head = p->steps[first];
    uint32_t head_size = DFU_VECTOR_HEAD - head.address % DFU_VECTOR_HEAD;
    if (head.size <= head_size) {
        memmove(&p->steps[first], &p->steps[first + 1], (p->count - first - 1) * sizeof(head));
        p->steps[p->count - 1] = head;
        return DFU_OK;
    }
    p->steps[first].address += head_size;
    p->steps[first].size -= head_size;
    p->estimate_us -= head.estimate_us;
    p->steps[first].estimate_us =
        dfu_estimate_write_us(p->steps[first].size, p->desc.transfer_size);
    p->estimate_us += p->steps[first].estimate_us;
    return dfu_plan_add_step(p, DFU_STEP_WRITE, head.alt, head.address, head_size);
}

typedef struct dfuse_target_plan {
    size_t t;
    int alt;
    const dfu_layout *layout;
    dfu_sector *sectors;
    size_t nsectors;
    bool flash, option_bytes, has_vec;
    uint32_t vec_sector;
} dfuse_target_plan;

static int check_dfuse_target(dfu_plan *p, dfuse_target_plan *tp)
{
    const dfu_layout *l = (size_t)tp->alt < p->desc.alt_count ? p->desc.layouts[tp->alt] : NULL;
    if (!l)
        return dfu_err(p->ctx, DFU_ERR_REFUSED,
                       "alternate setting %d has no memory layout: the device does not say where "
                       "it can write",
                       tp->alt);
    tp->layout = l;
    int rc = dfu_check_regions(p->ctx, p->image, tp->t, l, tp->alt, &tp->sectors, &tp->nsectors);
    if (rc) return rc;
    /* Short blocks matter only where there are flash words: in erasable sectors. */
    bool short_blocks = p->desc.transfer_size < DFU_FLASH_UNIT;
    for (size_t i = 0; short_blocks && i < tp->nsectors; i++)
        if (tp->sectors[i].access & DFU_MEM_ERASABLE)
            return dfu_err(p->ctx, DFU_ERR_ARG,
                           "blocks of %u bytes would split the %u-byte flash words that some "
                           "parts (STM32H7) program only once: flash with blocks of %u bytes or "
                           "more (`transfer_size`)",
                           (unsigned)p->desc.transfer_size, DFU_FLASH_UNIT, DFU_FLASH_UNIT);
    tp->flash = dfu_layout_named(l, "flash");
    tp->option_bytes = dfu_layout_named(l, "option");
    if (tp->flash) {
        uint32_t start = 0;
        bool at_start =
            dfu_layout_app_start(l, &start) && p->image->targets[tp->t].segs[0].address == start;
        rc = dfu_check_vector_table(p->ctx, p->image, tp->t, at_start, l, &p->desc, p->opts.force);
        if (rc) return rc;
        dfu_sector s;
        tp->has_vec = dfu_layout_find(l, p->image->targets[tp->t].segs[0].address, &s);
        tp->vec_sector = s.address;
    }
    return DFU_OK;
}

static int emit_dfuse_target(dfu_plan *p, const dfuse_target_plan *tp, bool *mass_erased)
{
    /* The sectors are sorted, so the first holds the start of the image: the vector table. A
     * mass erase blanks it along with everything else, so the write order still matters. */
    bool mass = p->opts.mass_erase && tp->flash;
    bool safe = p->opts.order == DFU_ORDER_SAFE && tp->has_vec &&
                (mass || (tp->sectors[0].access & DFU_MEM_ERASABLE));
    int rc = DFU_OK;
    if (mass) {
        /* The step names what it blanks: every erasable sector of the layout. */
        uint32_t first = 0;
        uint64_t bytes = 0;
        unsigned sectors = 0;
        dfu_layout_erasable(tp->layout, &first, &bytes, &sectors);
        if (!*mass_erased)
            rc = dfu_plan_add_step(p, DFU_STEP_MASS_ERASE, tp->alt, first,
                                   (uint32_t)DFU_MIN(bytes, UINT32_MAX));
        *mass_erased = true;
    } else {
        /* Erase: the vector table's sector first in safe order, then the others by address. */
        if (safe)
            rc = dfu_plan_add_step(p, DFU_STEP_ERASE, tp->alt, tp->vec_sector, tp->sectors[0].size);
        for (size_t i = 0; i < tp->nsectors && !rc; i++) {
            if (!(tp->sectors[i].access & DFU_MEM_ERASABLE)) continue;
            if (safe && tp->sectors[i].address == tp->vec_sector) continue;
            rc = dfu_plan_add_step(p, DFU_STEP_ERASE, tp->alt, tp->sectors[i].address,
                                   tp->sectors[i].size);
        }
    }
    /* Write: in safe order the vector table's sector last, and within it the head of the vector
     * table last of all: until it lands, a bootloader that checks the table sees it blank and
     * stays in DFU mode. */
    if (!rc)
        rc = add_runs(p, tp->t, tp->alt, tp->layout, DFU_STEP_WRITE, false, safe, tp->vec_sector);
    if (!rc && safe) {
        size_t first = p->count;
        rc = add_runs(p, tp->t, tp->alt, tp->layout, DFU_STEP_WRITE, true, false, tp->vec_sector);
        if (!rc) rc = move_vector_head_last(p, first);
    }
    return rc;
}

static int plan_dfuse(dfu_plan *p)
{
    dfuse_target_plan tps[256];
    size_t n = 0;
    int rc = DFU_OK;
    /* Option bytes go last: writing them resets the device. */
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (size_t alt = 0; alt < p->alt_count && !rc; alt++) {
            if (p->alt_target[alt] == SIZE_MAX || n == DFU_ARRAY_SIZE(tps)) continue;
            dfuse_target_plan tp = {
                p->alt_target[alt], (int)alt, NULL, NULL, 0, false, false, false, 0};
            const dfu_layout *l = alt < p->desc.alt_count ? p->desc.layouts[alt] : NULL;
            bool ob = l && dfu_layout_named(l, "option");
            if ((pass == 0) == ob) continue;
            rc = check_dfuse_target(p, &tp);
            tps[n++] = tp;
        }
    }
    bool mass_erased = false, option_bytes = false;
    for (size_t i = 0; i < n && !rc; i++)
        if (!tps[i].option_bytes) rc = emit_dfuse_target(p, &tps[i], &mass_erased);
    bool verify = !p->opts.no_verify && p->desc.can_upload;
    for (size_t i = 0; i < n && !rc && verify; i++)
        if (!tps[i].option_bytes)
            rc = add_runs(p, tps[i].t, tps[i].alt, tps[i].layout, DFU_STEP_VERIFY, false, false, 0);
    /* Option bytes last of all: writing them resets the device, which then starts whatever its
     * boot configuration says. No leave can follow; reading them back can, when it comes back in
     * DFU mode (an ST ROM with BOOT0 high), which the execution waits a little for. */
    for (size_t i = 0; i < n && !rc; i++) {
        if (!tps[i].option_bytes) continue;
        option_bytes = true;
        dfu_plan_note(p, "writing option bytes (alt %d) resets the device afterwards%s", tps[i].alt,
                      verify ? "; they are read back if it comes back in DFU mode" : "");
        rc = emit_dfuse_target(p, &tps[i], &mass_erased);
        if (!rc && verify)
            rc = add_runs(p, tps[i].t, tps[i].alt, tps[i].layout, DFU_STEP_VERIFY, false, false, 0);
    }
    const dfuse_target_plan *app = NULL;
    for (size_t i = 0; i < n; i++)
        if (tps[i].flash && !app) app = &tps[i];
    /* Leave with the image's address only when it starts with a usable vector table: the ROM
     * loads the stack pointer and reset vector from it, and a data image there would crash it.
     * Otherwise the application's start, where a reset would boot it. */
    if (!rc && !p->opts.no_leave && !option_bytes && app) {
        uint32_t at = DFU_ADDRESS_NONE;
        if (dfu_starts_with_vector_table(p->image, app->t, &p->desc))
            at = p->image->targets[app->t].segs[0].address;
        else if (!dfu_layout_app_start(app->layout, &at))
            at = DFU_ADDRESS_NONE;
        rc = dfu_plan_add_step(p, DFU_STEP_LEAVE, app->alt, at, 0);
    }
    for (size_t i = 0; i < n; i++) free(tps[i].sectors);
    return rc;
}

static int plan_dfu11(dfu_plan *p)
{
    if (p->opts.mass_erase)
        return dfu_err(p->ctx, DFU_ERR_REFUSED,
                       "a DFU 1.1 device has no mass erase (it erases what it writes, as it "
                       "writes): flash without it");
    size_t t = SIZE_MAX, targets = 0;
    int alt = 0;
    for (size_t a = 0; a < p->alt_count; a++) {
        if (p->alt_target[a] != SIZE_MAX) {
            t = p->alt_target[a];
            alt = (int)a;
            targets++;
        }
    }
    if (targets == 0) return dfu_err(p->ctx, DFU_ERR_ARG, "the image holds no data");
    if (targets > 1)
        return dfu_err(p->ctx, DFU_ERR_REFUSED,
                       "a DFU 1.1 device takes one image; this one has %zu targets", targets);
    const dfu_target *tg = &p->image->targets[t];
    uint32_t lo = tg->segs[0].address;
    uint64_t hi = dfu_seg_end(&tg->segs[tg->count - 1]);
    if (hi - lo > 64u * 1024 * 1024 && tg->count > 1)
        return dfu_err(p->ctx, DFU_ERR_REFUSED,
                       "the image spans 0x%08x-0x%08llx with gaps; a DFU 1.1 device takes one "
                       "contiguous image",
                       lo, (unsigned long long)hi - 1);
    if (p->desc.has_app_base && lo != p->desc.app_base && !p->opts.force)
        return dfu_err(p->ctx, DFU_ERR_REFUSED,
                       "the device writes its application at 0x%08x, but the image starts at "
                       "0x%08x (the `force` option writes it anyway)",
                       p->desc.app_base, lo);
    bool known = p->desc.has_app_base || lo != 0;
    if (!known)
        dfu_plan_note(p, "cannot check the vector table: neither the image nor the device says "
                         "where the application goes");
    int rc = known
                 ? dfu_check_vector_table(p->ctx, p->image, t, true, NULL, &p->desc, p->opts.force)
                 : DFU_OK;
    if (!rc) rc = dfu_plan_add_step(p, DFU_STEP_WRITE, alt, lo, (uint32_t)(hi - lo));
    bool can_verify = !p->opts.no_verify && p->desc.can_upload &&
                      (p->desc.manifestation_tolerant || p->desc.verify_before_manifest);
    if (!rc && p->desc.manifestation_tolerant) {
        rc = dfu_plan_add_step(p, DFU_STEP_MANIFEST, alt, lo, 0);
        if (!rc && can_verify)
            rc = dfu_plan_add_step(p, DFU_STEP_VERIFY, alt, lo, (uint32_t)(hi - lo));
        if (!rc && !p->opts.no_leave) rc = dfu_plan_add_step(p, DFU_STEP_LEAVE, alt, lo, 0);
    } else if (!rc && can_verify) {
        /* Blocks are programmed as they arrive: read them back before the device restarts. */
        rc = dfu_plan_add_step(p, DFU_STEP_VERIFY, alt, lo, (uint32_t)(hi - lo));
        if (!rc && !p->opts.no_leave) rc = dfu_plan_add_step(p, DFU_STEP_LEAVE, alt, lo, 0);
    } else if (!rc) {
        if (p->opts.no_leave)
            dfu_plan_note(p, "the device takes the new firmware only by restarting after the "
                             "download: it cannot stay in DFU mode (`no_leave`)");
        rc = dfu_plan_add_step(p, DFU_STEP_MANIFEST, alt, lo, 0);
    }
    return rc;
}

/* dfuctl verify: read back every run of the image and compare, nothing else. */
static int plan_verify_only(dfu_plan *p)
{
    if (!p->desc.can_upload)
        return dfu_err(p->ctx, DFU_ERR_UNSUPPORTED,
                       "the device cannot be read back (it does not support DFU upload), so "
                       "verification is impossible");
    int rc = DFU_OK;
    for (size_t alt = 0; alt < p->alt_count && !rc; alt++) {
        size_t t = p->alt_target[alt];
        if (t == SIZE_MAX) continue;
        const dfu_target *tg = &p->image->targets[t];
        if (!p->desc.dfuse) {
            uint64_t hi = dfu_seg_end(&tg->segs[tg->count - 1]);
            /* The device reads back from where it keeps the application, whatever the image
             * says: an image for another address would be compared with the wrong bytes. */
            if (p->desc.has_app_base && tg->segs[0].address != p->desc.app_base && !p->opts.force)
                return dfu_err(p->ctx, DFU_ERR_REFUSED,
                               "the device holds its application at 0x%08x, but the image starts "
                               "at 0x%08x: it would be compared with the wrong bytes",
                               p->desc.app_base, tg->segs[0].address);
            rc = dfu_plan_add_step(p, DFU_STEP_VERIFY, (int)alt, tg->segs[0].address,
                                   (uint32_t)(hi - tg->segs[0].address));
            continue;
        }
        const dfu_layout *l = alt < p->desc.alt_count ? p->desc.layouts[alt] : NULL;
        if (!l)
            return dfu_err(p->ctx, DFU_ERR_REFUSED, "alternate setting %zu has no memory layout",
                           alt);
        /* Only the regions are checked: reading protected memory is fine. */
        rc = dfu_check_readable(p->ctx, p->image, t, l, (int)alt);
        if (!rc) rc = add_runs(p, t, (int)alt, l, DFU_STEP_VERIFY, false, false, 0);
    }
    return rc;
}

/* The strings are read when the plan executes (the journal), long after dfu_plan_new returned,
 * when a caller's temporary (a QString's bytes) is gone: the plan keeps its own copies. */
static int own_strings(dfu_plan *p)
{
    const char **strings[] = {&p->opts.journal_dir, &p->opts.selector, &p->opts.image_path};
    for (size_t i = 0; i < DFU_ARRAY_SIZE(strings); i++) {
        if (!*strings[i]) continue;
        p->owned[i] = dfu_strdup(*strings[i]);
        if (!p->owned[i]) return dfu_err(p->ctx, DFU_ERR_NOMEM, "out of memory");
        *strings[i] = p->owned[i];
    }
    return DFU_OK;
}

int dfu_plan_build(dfu_plan **out, dfu_ctx *ctx, const dfu_plan_device *dev, const dfu_image *img,
                   const dfu_update_options *opts)
{
    dfu_update_options defaults = DFU_UPDATE_OPTIONS_INIT;
    if (opts &&
        dfu_check_options(ctx, "dfu_update_options", opts->version, DFU_UPDATE_OPTIONS_VERSION))
        return DFU_ERR_ARG;
    dfu_plan *p = calloc(1, sizeof(*p));
    if (!p) return dfu_err(ctx, DFU_ERR_NOMEM, "out of memory");
    p->ctx = ctx;
    p->opts = opts ? *opts : defaults;
    p->desc = *dev;
    int rc = own_strings(p);
    if (!rc && dfu_image_clone(&p->image, img))
        rc = dfu_err(ctx, DFU_ERR_NOMEM, "out of memory copying the image");
    if (!rc) rc = map_targets(p);
    if (!rc)
        rc = p->opts.verify_only ? plan_verify_only(p)
             : p->desc.dfuse     ? plan_dfuse(p)
                                 : plan_dfu11(p);
    if (!rc && dev->not_cortex_m && !p->opts.verify_only)
        dfu_plan_note(p, "the device is not a Cortex-M (quirk not-cortex-m): the image's start is "
                         "not checked for a vector table");
    if (!rc && !p->opts.no_verify && !dev->can_upload)
        dfu_plan_note(p, "the device cannot upload: verification is not possible");
    else if (!rc && !p->opts.no_verify && !p->desc.dfuse && !dev->manifestation_tolerant &&
             !dev->verify_before_manifest)
        dfu_plan_note(p, "the device restarts after the download and cannot be read back: "
                         "verification is not possible");
    if (rc) {
        dfu_plan_free(p);
        return rc;
    }
    *out = p;
    return DFU_OK;
}

void dfu_plan_free(dfu_plan *plan)
{
    if (!plan) return;
    dfu_image_free(plan->image);
    free(plan->alt_target);
    free(plan->steps);
    for (size_t i = 0; i < DFU_ARRAY_SIZE(plan->owned); i++) free(plan->owned[i]);
    dfu_buf_free(&plan->notes);
    free(plan);
}

size_t dfu_plan_step_count(const dfu_plan *plan)
{
    return plan->count;
}

const dfu_step *dfu_plan_step(const dfu_plan *plan, size_t index)
{
    return index < plan->count ? &plan->steps[index] : NULL;
}

uint64_t dfu_plan_estimate_us(const dfu_plan *plan)
{
    return plan->estimate_us;
}

const char *dfu_plan_notes(const dfu_plan *plan)
{
    return plan->notes.data ? (const char *)plan->notes.data : "";
}
