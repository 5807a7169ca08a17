/*
 * DfuSe steps: erase, write, verify, leave. One Set Address per contiguous run, then
 * incrementing block numbers. A block that fails transiently is retried after bringing the
 * device back to dfuIDLE; when the device can upload, the block is read first, because the
 * device may have written it and only the answer was lost (re-programming flash that is not
 * erased fails on parts with ECC, and on the others silently ANDs the bits).
 */
#include <stdio.h>
#include <string.h>

#include "../core/internal.h"
#include "exec_internal.h"

/* Internal outcome: the block is half-written; its sector must be erased again. */
#define NEED_REERASE 1

/* Where the device puts the next block: it places blocks by its own transfer size. */
static uint32_t next_address(const dfu_exec *x)
{
    return x->pointer + (x->next_block - DFUSE_FIRST_DATA_BLOCK) * x->dev->device_transfer_size;
}

static bool all_erased(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xFF) return false;
    return true;
}

/* After a failed write: did the block land? 0 yes, NEED_REERASE half, or an error to retry. */
static int inspect_block(dfu_exec *x, uint32_t address, const uint8_t *data, uint16_t n)
{
    uint8_t got[4096];
    if (!x->dev->can_upload || n > sizeof(got)) return DFU_ERR_GENERIC;
    int rc = dfu_dfuse_read(x->dev, address, got, n);
    if (rc) return rc;
    if (memcmp(got, data, n) == 0) return DFU_OK;
    return all_erased(got, n) ? DFU_ERR_GENERIC : NEED_REERASE;
}

/* Writing option bytes ends with a reset: the ST ROM loads them that way (AN2662 fig.56). The
 * plan writes them last; after the last block of their target, the device going away is the
 * write's success. Before it, it is a failure: the rest was never written. */
static bool resets_after(const dfu_exec *x, size_t step)
{
    const dfu_step *s = &x->plan->steps[step];
    const dfu_layout *l = dfu_device_layout(x->dev, s->alt);
    if (!l || !dfu_layout_named(l, "option")) return false;
    for (size_t j = step + 1; j < x->plan->count; j++)
        if (x->plan->steps[j].kind == DFU_STEP_WRITE && x->plan->steps[j].alt == s->alt &&
            !x->skip[j])
            return false;
    return true;
}

static int write_block(dfu_exec *x, uint32_t address, const uint8_t *data, uint16_t n, bool resets)
{
    int rc = DFU_OK;
    for (unsigned attempt = 1;; attempt++) {
        if (!x->pointer_valid || next_address(x) != address) {
            for (unsigned a = 1;; a++) {
                rc = dfu_dfuse_set_address(x->dev, address);
                if (!dfu_retry_again(x->dev, &x->retry, &rc, a, "set address")) break;
            }
            if (rc) return rc;
            x->pointer = address;
            x->next_block = DFUSE_FIRST_DATA_BLOCK;
            x->pointer_valid = true;
        }
        uint16_t block = (uint16_t)x->next_block;
        rc = resets ? dfu_dfuse_write_block_then_reset(x->dev, block, data, n, address)
                    : dfu_dfuse_write_block(x->dev, block, data, n, address);
        if (!rc) {
            x->next_block++;
            /* A block of another size than the device's breaks pointer + (block - 2) * size
             * (the last, short one; every one when the transfer size was overridden); block
             * numbers must not wrap. */
            if (n != x->dev->device_transfer_size || x->next_block > 0xffff)
                x->pointer_valid = false;
            return DFU_OK;
        }
        char what[64];
        snprintf(what, sizeof(what), "writing 0x%08x", address);
        x->pointer_valid = false;
        if (!dfu_retry_again(x->dev, &x->retry, &rc, attempt, what)) return rc;
        int seen = inspect_block(x, address, data, n);
        if (seen == DFU_OK) {
            dfu_info(x->ctx, "0x%08x: the block had been written; only the answer was lost",
                     address);
            return DFU_OK;
        }
        if (seen == NEED_REERASE) return NEED_REERASE;
        /* It left while being read back, or the caller stopped that: that is the outcome. */
        if (x->dev->gone || seen == DFU_ERR_CANCELLED) return seen;
    }
}

static int write_range(dfu_exec *x, size_t step, uint32_t address, uint32_t size, bool report)
{
    const dfu_step *s = &x->plan->steps[step];
    int rc = dfu_exec_reserve(x, size);
    if (rc) return rc;
    dfu_exec_data(x, s->alt, address, x->buf, size);
    uint16_t xfer = x->dev->transfer_size;
    bool resets = resets_after(x, step);
    for (uint32_t off = 0; off < size;) {
        uint16_t n = (uint16_t)DFU_MIN((uint32_t)xfer, size - off);
        /* A block that ends inside a flash unit would leave the rest of the unit to the next
         * block, which the device programs a second time (an H7 answers errPROG): end it at
         * the unit's start instead (a run that starts unaligned, a --transfer-size that is no
         * multiple of the unit). The plan refuses blocks smaller than a unit. */
        uint32_t past = (address + off + n) % DFU_FLASH_UNIT;
        if (off + n < size && past && n > past) n = (uint16_t)(n - past);
        rc = write_block(x, address + off, x->buf + off, n, resets && off + n == size);
        if (rc) return rc;
        off += n;
        x->res->written_bytes += n;
        if (report) {
            dfu_exec_progress(x, DFU_PHASE_WRITE, off, size, address + off);
            if (x->cancel && off < size) return DFU_ERR_CANCELLED;
        }
    }
    return DFU_OK;
}

static int erase_sector(dfu_exec *x, uint32_t address, uint32_t size)
{
    int rc = dfu_dfuse_erase_retrying(x->dev, &x->retry, address, size);
    x->pointer_valid = false;
    if (!rc) {
        x->res->erased_bytes += size;
        x->res->sectors_erased++;
    }
    return rc;
}

/* A block came out half-written: erase its sector again and rewrite everything this update put
 * there so far. */
static int reerase(dfu_exec *x, size_t step)
{
    const dfu_step *s = &x->plan->steps[step];
    const dfu_layout *l = dfu_device_layout(x->dev, s->alt);
    dfu_sector sec;
    if (!l || !dfu_layout_find(l, s->address, &sec))
        return dfu_err(x->ctx, DFU_ERR_DEVICE,
                       "0x%08x: a block was half written and its sector "
                       "is unknown",
                       s->address);
    dfu_warn(x->ctx, "0x%08x: a block was half written; erasing its sector 0x%08x again",
             s->address, sec.address);
    int rc = erase_sector(x, sec.address, sec.size);
    for (size_t j = 0; j <= step && !rc; j++) {
        const dfu_step *w = &x->plan->steps[j];
        if (w->kind != DFU_STEP_WRITE || w->alt != s->alt || x->skip[j]) continue;
        if (w->address < sec.address || w->address >= sec.address + sec.size) continue;
        rc = write_range(x, j, w->address, w->size, false);
        if (rc == NEED_REERASE)
            rc = dfu_err(x->ctx, DFU_ERR_DEVICE,
                         "0x%08x: the block could not be written even after erasing its sector "
                         "again",
                         w->address);
    }
    return rc;
}

int dfu_exec_dfuse_erase(dfu_exec *x, size_t i)
{
    const dfu_step *s = &x->plan->steps[i];
    return erase_sector(x, s->address, s->size);
}

int dfu_exec_dfuse_mass_erase(dfu_exec *x, size_t i)
{
    int rc = dfu_dfuse_mass_erase_retrying(x->dev, &x->retry);
    x->pointer_valid = false;
    uint32_t first;
    uint64_t bytes;
    unsigned sectors;
    if (!rc && dfu_layout_erasable(dfu_device_layout(x->dev, x->plan->steps[i].alt), &first, &bytes,
                                   &sectors)) {
        x->res->erased_bytes += bytes;
        x->res->sectors_erased += sectors;
    }
    return rc;
}

int dfu_exec_dfuse_write(dfu_exec *x, size_t i)
{
    const dfu_step *s = &x->plan->steps[i];
    int rc = write_range(x, i, s->address, s->size, true);
    if (rc == NEED_REERASE) rc = reerase(x, i);
    if (!rc && x->dev->gone) {
        dfu_info(x->ctx, "the device reset to load the option bytes written (alt %d)", s->alt);
        x->res->reset = true;
    }
    return rc;
}

/* Reads [address, address + len) into buf, retrying transient failures. */
static int read_range(dfu_exec *x, uint32_t address, uint8_t *buf, uint32_t len)
{
    int rc = dfu_dfuse_read_retrying(x->dev, &x->retry, address, buf, len);
    x->pointer_valid = false;
    return rc;
}

int dfu_exec_dfuse_verify(dfu_exec *x, size_t i)
{
    const dfu_step *s = &x->plan->steps[i];
    int rc = dfu_exec_reserve(x, 2u * s->size);
    if (rc) return rc;
    uint8_t *want = x->buf, *got = x->buf + s->size;
    dfu_exec_data(x, s->alt, s->address, want, s->size);
    for (uint32_t off = 0; off < s->size;) {
        uint32_t n = DFU_MIN(DFUSE_READ_CHUNK, s->size - off);
        if ((rc = read_range(x, s->address + off, got + off, n))) return rc;
        if ((rc = dfu_exec_compare(x, s->address + off, got + off, want + off, n))) return rc;
        off += n;
        x->res->verified_bytes += n;
        dfu_exec_progress(x, DFU_PHASE_VERIFY, off, s->size, s->address + off);
        if (x->cancel && off < s->size) return DFU_ERR_CANCELLED;
    }
    return DFU_OK;
}

int dfu_exec_dfuse_leave(dfu_exec *x, size_t i)
{
    const dfu_step *s = &x->plan->steps[i];
    /* No application in the image: start the one the device holds, as dfuctl leave does. */
    return s->address == DFU_ADDRESS_NONE ? dfu_device_leave(x->dev, NULL)
                                          : dfu_dfuse_leave(x->dev, &s->address);
}

/* Does the device already hold what the writes of this sector would put there? */
static int sector_matches(dfu_exec *x, const dfu_step *erase, bool *same)
{
    *same = true;
    for (size_t j = 0; j < x->plan->count && *same; j++) {
        const dfu_step *w = &x->plan->steps[j];
        if (w->kind != DFU_STEP_WRITE || w->alt != erase->alt || w->address < erase->address ||
            w->address >= erase->address + erase->size)
            continue;
        int rc = dfu_exec_reserve(x, 2u * w->size);
        if (rc) return rc;
        dfu_exec_data(x, w->alt, w->address, x->buf, w->size);
        if ((rc = read_range(x, w->address, x->buf + w->size, w->size))) return rc;
        *same = memcmp(x->buf, x->buf + w->size, w->size) == 0;
    }
    return DFU_OK;
}

/* Un-skips the erase of the sector holding address (of alt) and every write in it. */
static void redo_sector_of(dfu_exec *x, int alt, uint32_t address)
{
    for (size_t i = 0; i < x->plan->count; i++) {
        const dfu_step *e = &x->plan->steps[i];
        if (e->kind != DFU_STEP_ERASE || e->alt != alt || address < e->address ||
            address >= (uint64_t)e->address + e->size)
            continue;
        x->skip[i] = false;
        for (size_t j = 0; j < x->plan->count; j++) {
            const dfu_step *w = &x->plan->steps[j];
            if (w->kind == DFU_STEP_WRITE && w->alt == alt && w->address >= e->address &&
                w->address < (uint64_t)e->address + e->size)
                x->skip[j] = false;
        }
    }
}

/* Safe order must survive differential flashing: when any sector of a target is rewritten, its
 * vector table's sector is rewritten too (erased first, its head written last), or the old
 * table would stand over a half-written application until the update ends. */
static void keep_safe_order(dfu_exec *x)
{
    if (x->plan->opts.order != DFU_ORDER_SAFE) return;
    for (size_t i = 0; i < x->plan->count; i++) {
        const dfu_step *e = &x->plan->steps[i];
        if (e->kind != DFU_STEP_ERASE || x->skip[i]) continue;
        uint32_t lowest = UINT32_MAX;
        for (size_t j = 0; j < x->plan->count; j++)
            if (x->plan->steps[j].kind == DFU_STEP_WRITE && x->plan->steps[j].alt == e->alt)
                lowest = DFU_MIN(lowest, x->plan->steps[j].address);
        if (lowest != UINT32_MAX) redo_sector_of(x, e->alt, lowest);
    }
}

int dfu_exec_dfuse_diff(dfu_exec *x)
{
    if (!x->dev->can_upload) {
        dfu_warn(x->ctx, "the device cannot upload: writing every sector (no differential)");
        return DFU_OK;
    }
    /* The read phase counts every sector compared, so a recover's progress moves as it reads. */
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < x->plan->count; i++)
        if (x->plan->steps[i].kind == DFU_STEP_ERASE) total += x->plan->steps[i].size;
    for (size_t i = 0; i < x->plan->count; i++) {
        const dfu_step *e = &x->plan->steps[i];
        if (e->kind != DFU_STEP_ERASE) continue;
        dfu_exec_progress(x, DFU_PHASE_READ, done, total, e->address);
        bool same;
        int rc = dfu_device_set_alt(x->dev, e->alt);
        if (!rc) rc = sector_matches(x, e, &same);
        if (rc) return rc;
        done += e->size;
        dfu_exec_progress(x, DFU_PHASE_READ, done, total, e->address + e->size);
        if (x->cancel) return DFU_ERR_CANCELLED;
        if (!same) continue;
        x->skip[i] = true;
        for (size_t j = 0; j < x->plan->count; j++) {
            const dfu_step *w = &x->plan->steps[j];
            if (w->kind == DFU_STEP_WRITE && w->alt == e->alt && w->address >= e->address &&
                w->address < e->address + e->size)
                x->skip[j] = true;
        }
    }
    keep_safe_order(x);
    return DFU_OK;
}
