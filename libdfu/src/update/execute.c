/* Executing a plan step by step, with progress, cancellation and a result summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/internal.h"
#include "../image/image_internal.h"
#include "exec_internal.h"
#include "journal_internal.h"

const char *dfu_phase_name(dfu_phase phase)
{
    static const char *const names[] = {"connect", "read",  "erase", "write",
                                        "verify",  "leave", "done"};
    return (unsigned)phase < DFU_ARRAY_SIZE(names) ? names[phase] : "unknown";
}

void dfu_exec_data(const dfu_exec *x, int alt, uint32_t address, uint8_t *out, size_t len)
{
    size_t t = (size_t)alt < x->plan->alt_count ? x->plan->alt_target[alt] : SIZE_MAX;
    dfu_image_read(x->plan->image, t, address, out, len, 0xFF);
}

void dfu_exec_progress(dfu_exec *x, dfu_phase phase, uint64_t done, uint64_t total,
                       uint32_t address)
{
    if (x->cancel) return; /* the caller asked to stop: it hears no more */
    dfu_progress *p = &x->prog;
    p->phase = phase;
    p->done = done;
    p->total = total;
    p->address = address;
    if (x->in_step && (unsigned)phase <= DFU_PHASE_DONE) {
        uint64_t in_step = DFU_MIN(done, x->step_weight);
        /* A step's own count becomes the phase's (all its steps together) and the whole
         * plan's, both moving within a step too, so a bar does not sit still through a long
         * write, and never backwards (a retried DFU 1.1 download starts its count again). */
        p->done = DFU_MAX(x->phase_told[phase], x->phase_base[phase] + in_step);
        p->total = x->phase_total[phase];
        x->phase_told[phase] = p->done;
        p->overall_done = DFU_MAX(p->overall_done, x->step_base + in_step);
    }
    if (x->plan->opts.progress && x->plan->opts.progress(p, x->plan->opts.payload) != 0)
        x->cancel = true;
}

/* Asked while the device keeps the update waiting (an erase, a device busy from an earlier
 * session): the last event again, same phase and count, so that a UI shows the update alive
 * through a 30 s mass erase, and the caller's answer to it heard within DFU_WAIT_ASK_MS. */
static int heartbeat(void *payload)
{
    dfu_exec *x = payload;
    const dfu_update_options *o = &x->plan->opts;
    if (!x->cancel && o->progress && o->progress(&x->prog, o->payload) != 0) x->cancel = true;
    return x->cancel;
}

int dfu_exec_reserve(dfu_exec *x, size_t n)
{
    if (n <= x->buf_size) return DFU_OK;
    uint8_t *p = realloc(x->buf, n);
    if (!p) return dfu_err(x->ctx, DFU_ERR_NOMEM, "out of memory");
    x->buf = p;
    x->buf_size = n;
    return DFU_OK;
}

int dfu_exec_compare(dfu_exec *x, uint32_t address, const uint8_t *got, const uint8_t *want,
                     size_t len)
{
    size_t first = SIZE_MAX, last = 0, count = 0;
    for (size_t i = 0; i < len; i++) {
        if (got[i] == want[i]) continue;
        if (first == SIZE_MAX) first = i;
        last = i;
        count++;
    }
    if (!count) return DFU_OK;
    if (count == 1)
        return dfu_err(x->ctx, DFU_ERR_VERIFY,
                       "verify: 0x%08x holds 0x%02x where the image has 0x%02x (the only byte "
                       "that differs)",
                       address + (uint32_t)first, got[first], want[first]);
    return dfu_err(x->ctx, DFU_ERR_VERIFY,
                   "verify: 0x%08x holds 0x%02x where the image has 0x%02x (%zu bytes differ "
                   "in 0x%08x-0x%08x)",
                   address + (uint32_t)first, got[first], want[first], count,
                   address + (uint32_t)first, address + (uint32_t)last);
}

static dfu_phase phase_of(dfu_step_kind k)
{
    switch (k) {
    case DFU_STEP_ERASE:
    case DFU_STEP_MASS_ERASE: return DFU_PHASE_ERASE;
    case DFU_STEP_WRITE: return DFU_PHASE_WRITE;
    case DFU_STEP_VERIFY: return DFU_PHASE_VERIFY;
    default: return DFU_PHASE_LEAVE;
    }
}

static int run_step(dfu_exec *x, size_t i)
{
    const dfu_step *s = &x->plan->steps[i];
    if (s->kind != DFU_STEP_LEAVE || x->plan->desc.dfuse) {
        int rc = dfu_device_set_alt(x->dev, s->alt);
        if (rc) return rc;
    }
    if (x->plan->desc.dfuse) {
        switch (s->kind) {
        case DFU_STEP_ERASE: return dfu_exec_dfuse_erase(x, i);
        case DFU_STEP_MASS_ERASE: return dfu_exec_dfuse_mass_erase(x, i);
        case DFU_STEP_WRITE: return dfu_exec_dfuse_write(x, i);
        case DFU_STEP_VERIFY: return dfu_exec_dfuse_verify(x, i);
        case DFU_STEP_LEAVE: return dfu_exec_dfuse_leave(x, i);
        default: break;
        }
    } else {
        switch (s->kind) {
        case DFU_STEP_WRITE: return dfu_exec_dfu11_write(x, i);
        case DFU_STEP_VERIFY: return dfu_exec_dfu11_verify(x, i);
        case DFU_STEP_MANIFEST: return dfu_exec_dfu11_manifest(x, i);
        case DFU_STEP_LEAVE: return dfu_exec_dfu11_leave(x, i);
        default: break;
        }
    }
    return dfu_err(x->ctx, DFU_ERR_UNSUPPORTED, "step %zu (%s) does not apply to this device", i,
                   dfu_step_kind_name(s->kind));
}

/* Stops without waiting for the device: back in dfuIDLE at a block boundary, so the next session
 * finds it clean; still busy when the cancel came during an operation that goes on by itself (an
 * erase: the next call on this device waits for it). The journal stays as it was: the step
 * under way is not marked done. */
static int cancelled(dfu_exec *x)
{
    dfu_device *d = x->dev;
    char after[80];
    snprintf(after, sizeof(after), "cancelled after %llu of %llu bytes",
             (unsigned long long)x->prog.overall_done, (unsigned long long)x->prog.overall_total);
    if (dfu_settle_cancelled(d))
        return dfu_err(x->ctx, DFU_ERR_CANCELLED, "%s; the device is back in dfuIDLE", after);
    if (d->gone) return dfu_err(x->ctx, DFU_ERR_CANCELLED, "%s; the device has left", after);
    if (!d->busy_until_us)
        return dfu_err(x->ctx, DFU_ERR_CANCELLED,
                       "%s; the device is not back in dfuIDLE (the next session brings it back)",
                       after);
    uint64_t now = dfu_clock_now(d->clock), left_us = dfu_device_busy_left_us(d, now);
    if (left_us)
        return dfu_err(x->ctx, DFU_ERR_CANCELLED,
                       "%s, while the device was busy (%s): it finishes that by itself, within "
                       "%llu s",
                       after, d->busy_what, (unsigned long long)(left_us + 999999u) / 1000000u);
    /* Busy for longer than that may take: a device that is stuck, not slow. */
    return dfu_err(x->ctx, DFU_ERR_CANCELLED,
                   "%s, while the device was busy (%s) for %llu ms, longer than that may take: if "
                   "it stays busy, it needs a USB reset or a power cycle",
                   after, d->busy_what, (unsigned long long)(now - d->busy_since_us) / 1000u);
}

/*
 * The journal must never be what breaks an update: a full disk or a file another program holds
 * leaves the device mid-sector if the update stops for it. A journal that cannot be written is
 * dropped with a warning (a later interruption then needs `recover FILE`); one that lags behind
 * is conservative (recovery redoes more, never less).
 */
static void journal_dropped(dfu_exec *x, dfu_journal **j)
{
    dfu_warn(x->ctx, "%s; continuing without a journal", dfu_ctx_error(x->ctx)->message);
    dfu_ctx_clear_error(x->ctx);
    dfu_journal_free(*j);
    *j = NULL;
}

/* Before the device is touched: the journal's lock. */
static int journal_reserve(dfu_exec *x, dfu_journal **j)
{
    int rc = dfu_journal_reserve(j, x->ctx, x->plan);
    /* The exception: another update or recovery is using this journal. Nothing was touched. */
    if (rc == DFU_OK || rc == DFU_ERR_BUSY) return rc;
    journal_dropped(x, j);
    return DFU_OK;
}

/* Before the first erase: what is being done, in case it is interrupted. */
static void journal_begin(dfu_exec *x, dfu_journal **j)
{
    if (*j && dfu_journal_begin(*j, x->ctx, x->plan) != DFU_OK) journal_dropped(x, j);
}

static void journal_mark(dfu_exec *x, dfu_journal **j, size_t step)
{
    if (!*j || x->journal_stale || dfu_journal_mark(*j, x->ctx, step) == DFU_OK) return;
    dfu_warn(x->ctx, "%s; the journal stays at the last step it recorded",
             dfu_ctx_error(x->ctx)->message);
    dfu_ctx_clear_error(x->ctx);
    x->journal_stale = true; /* still removed if the update completes */
}

/* How long a device that reset to load its option bytes may take to come back in DFU mode: an
 * ST ROM (BOOT0 high) is back within a second or two. One that starts its application instead
 * never comes back, and this wait is all that costs. */
#define DFU_RESET_RETURN_MS 5000u

/* The device went away after step i - 1 succeeded. After option bytes it reset to load them, and
 * what follows reads them back: it is waited for (a wait like any other: heartbeats, and a
 * cancel ends it), and *back is true when it came back in DFU mode. */
static int back_after_reset(dfu_exec *x, size_t i, bool *back)
{
    const dfu_plan *p = x->plan;
    *back = false;
    if (x->res->reset && p->steps[i].kind == DFU_STEP_VERIFY) {
        dfu_info(x->ctx,
                 "waiting up to %u ms for the device to come back in DFU mode to read its "
                 "option bytes back",
                 DFU_RESET_RETURN_MS);
        int rc = dfu_device_reopen(x->dev, DFU_RESET_RETURN_MS);
        if (rc == DFU_ERR_CANCELLED) return cancelled(x);
        *back = rc == DFU_OK;
        if (rc) {
            dfu_info(x->ctx, "the option bytes are not read back: %s",
                     dfu_ctx_error(x->ctx)->message);
            dfu_ctx_clear_error(x->ctx);
        }
        return DFU_OK;
    }
    /* A manifestation-tolerant device that restarted anyway: the firmware is written and
     * starting, and what is left (reading back, leaving) has nothing to act on. */
    dfu_warn(x->ctx,
             "the device left after %s, so the update could not be read back: %zu step%s not "
             "done",
             dfu_step_kind_name(p->steps[i - 1].kind), p->count - i, p->count - i == 1 ? "" : "s");
    return DFU_OK;
}

/* Reading option bytes back after the reset that loaded them failed, for another reason than a
 * difference: they may now protect the device against reads (RDP). They were written (the
 * device reset to load them): a warning, not a failure. */
static bool options_unreadable(dfu_exec *x, const dfu_step *s, int rc)
{
    if (!x->res->reset || s->kind != DFU_STEP_VERIFY || rc == DFU_ERR_VERIFY ||
        rc == DFU_ERR_CANCELLED)
        return false;
    dfu_warn(x->ctx, "the option bytes could not be read back: %s", dfu_ctx_error(x->ctx)->message);
    dfu_ctx_clear_error(x->ctx);
    dfu_settle(x->dev, &x->retry);
    return true;
}

static bool verify_left(const dfu_plan *p, size_t from)
{
    for (size_t i = from; i < p->count; i++)
        if (p->steps[i].kind == DFU_STEP_VERIFY) return true;
    return false;
}

int dfu_plan_execute(dfu_plan *plan, dfu_update_result *result)
{
    return dfu_plan_execute_skipping(plan, result, NULL);
}

int dfu_plan_execute_skipping(dfu_plan *plan, dfu_update_result *result, const bool *skip)
{
    dfu_update_result scratch;
    dfu_exec x = {0};
    x.plan = plan;
    x.dev = plan->dev;
    x.ctx = plan->ctx;
    x.res = result ? result : &scratch;
    memset(x.res, 0, sizeof(*x.res));
    /* In version 1 options, 0 meant the default. */
    x.retry.limit =
        plan->opts.retries || plan->opts.version >= 2 ? plan->opts.retries : DFU_RETRIES_DEFAULT;
    if (!x.dev) return dfu_err(x.ctx, DFU_ERR_ARG, "this plan was made without a device");
    if (x.dev->gone)
        return dfu_err(x.ctx, DFU_ERR_DISCONNECTED, "the device has left; open it again");
    x.skip = calloc(plan->count ? plan->count : 1, sizeof(*x.skip));
    if (!x.skip) return dfu_err(x.ctx, DFU_ERR_NOMEM, "out of memory");
    if (skip) memcpy(x.skip, skip, plan->count * sizeof(*x.skip));
    /* First, as it may refuse: another update or recovery is using the journal this one would
     * keep (it must not be replaced), and the device is left alone for it. */
    dfu_journal *journal = NULL;
    if (plan->opts.journal_dir && !plan->opts.verify_only &&
        journal_reserve(&x, &journal) != DFU_OK) {
        free(x.skip);
        return DFU_ERR_BUSY;
    }
    uint64_t start = dfu_clock_now(x.dev->clock);
    dfu_device_set_wait_hook(x.dev, heartbeat, &x);
    x.prog.steps = plan->count;
    x.prog.device = x.dev->info.path;
    for (size_t i = 0; i < plan->count; i++) {
        x.prog.overall_total += dfu_step_weight(&plan->steps[i]);
        x.phase_total[phase_of(plan->steps[i].kind)] += dfu_step_weight(&plan->steps[i]);
    }

    /* The first event, while the device is brought to dfuIDLE: that may mean waiting out an
     * operation an earlier session left running (up to 40 s). */
    dfu_exec_progress(&x, DFU_PHASE_CONNECT, 0, 0, 0);
    int rc = x.cancel ? DFU_ERR_CANCELLED : dfu_make_idle(x.dev);
    if (!rc && plan->opts.differential && plan->desc.dfuse) rc = dfu_exec_dfuse_diff(&x);
    if (rc == DFU_ERR_CANCELLED) rc = cancelled(&x);
    if (!rc) journal_begin(&x, &journal);
    bool verified_any = false, verify_planned = false, verify_missed = false;
    for (size_t i = 0; i < plan->count && !rc; i++) {
        /* Only after a step that succeeded: i > 0. */
        bool back = true;
        if (x.dev->gone && (rc = back_after_reset(&x, i, &back)) == DFU_OK && !back)
            verify_missed = verify_left(plan, i);
        if (rc || !back) break;
        const dfu_step *s = &plan->steps[i];
        x.prog.step = i;
        if (s->kind == DFU_STEP_VERIFY) verify_planned = true;
        if (x.skip[i]) {
            if (s->kind == DFU_STEP_WRITE) x.res->skipped_bytes += s->size;
            if (s->kind == DFU_STEP_ERASE) x.res->sectors_skipped++;
            x.prog.overall_done += dfu_step_weight(s);
            x.phase_base[phase_of(s->kind)] += dfu_step_weight(s);
            journal_mark(&x, &journal, i);
            continue;
        }
        x.in_step = true;
        x.step_base = x.prog.overall_done;
        x.step_weight = dfu_step_weight(s);
        dfu_exec_progress(&x, phase_of(s->kind), 0, s->size, s->address);
        if (x.cancel) {
            x.in_step = false;
            rc = cancelled(&x);
            break;
        }
        rc = run_step(&x, i);
        if (rc && options_unreadable(&x, s, rc)) {
            rc = DFU_OK;
            verify_missed = true;
        }
        /* After a failure or a cancel it stays where the last event put it: what the caller saw,
         * and what the cancel message counts (a cancelled caller hears no more events). */
        if (!rc) dfu_exec_progress(&x, phase_of(s->kind), s->size, s->size, s->address + s->size);
        x.in_step = false;
        if (!rc) {
            x.phase_base[phase_of(s->kind)] += dfu_step_weight(s);
            if (s->kind == DFU_STEP_VERIFY) verified_any = true;
            if (s->kind == DFU_STEP_LEAVE || s->kind == DFU_STEP_MANIFEST) x.res->left = true;
            journal_mark(&x, &journal, i);
        } else if (rc == DFU_ERR_CANCELLED) {
            rc = cancelled(&x);
        }
        if (!rc && x.cancel && i + 1 < plan->count) rc = cancelled(&x);
    }
    /* Not when cancelled: that settled already. */
    if (rc && rc != DFU_ERR_CANCELLED) dfu_settle(x.dev, &x.retry);
    x.res->retries = x.retry.used;
    x.res->verified = !rc && verify_planned && verified_any && !verify_missed;
    /* Done, and verified where the device allows it: nothing left to recover. */
    if (journal && !rc && dfu_journal_remove(journal, x.ctx))
        dfu_warn(x.ctx, "%s", dfu_ctx_error(x.ctx)->message);
    dfu_journal_free(journal);
    dfu_device_set_wait_hook(x.dev, NULL, NULL);
    x.res->elapsed_us = dfu_clock_now(x.dev->clock) - start;
    if (!rc)
        dfu_exec_progress(&x, DFU_PHASE_DONE, x.prog.overall_total, x.prog.overall_total,
                          x.prog.address);
    free(x.skip);
    free(x.buf);
    return rc;
}
