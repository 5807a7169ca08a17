/*
 * Waiting on a device that the caller may stop. An erase, a mass erase (32 s on an F4 ROM) or a
 * device stuck in dfuDNBUSY can keep the host for tens of seconds; every wait of the protocol
 * layer, and every transfer a device holds, asks at every DFU_WAIT_ASK_MS of it whether to go
 * on: the context's cancel callback, then the hook an update installs (its progress callback's
 * say, and a heartbeat event for its UI). Stopping the wait does not stop the device: an erase
 * goes on to its end, so the device remembers how long it may still be busy, for the caller's
 * message and for the next call, which waits for it.
 */
#include <stdio.h>
#include <string.h>

#include "../core/internal.h"
#include "proto.h"

bool dfu_wait_stop(dfu_device *d)
{
    /* Settling after a cancel: nothing is worth waiting for, and nobody is asked again. */
    if (d->settling) return true;
    if (dfu_ctx_cancelled(d->ctx)) return true;
    return d->wait_hook && d->wait_hook(d->wait_payload) != 0;
}

void dfu_device_set_wait_hook(dfu_device *d, dfu_wait_hook hook, void *payload)
{
    d->wait_hook = hook;
    d->wait_payload = payload;
}

int dfu_wait_stop_arg(void *d)
{
    return dfu_wait_stop(d);
}

void dfu_wait_attach(dfu_device *d)
{
    d->t->waiting = dfu_wait_stop_arg;
    d->t->waiting_arg = d;
}

void dfu_waiter_start(dfu_device *d, dfu_waiter *w)
{
    w->asked_us = dfu_clock_now(d->clock);
}

int dfu_wait_sleep(dfu_device *d, dfu_waiter *w, uint64_t us)
{
    uint64_t now = dfu_clock_now(d->clock), end = now + us;
    for (;;) {
        uint64_t ask_at = w->asked_us + DFU_WAIT_ASK_MS * 1000u;
        /* Time spent in transfers counts too: a device that held one may be asked at once. */
        if (now >= ask_at) {
            w->asked_us = now;
            if (dfu_wait_stop(d)) return DFU_ERR_CANCELLED;
        } else if (now >= end) {
            return DFU_OK;
        } else {
            uint64_t until = DFU_MIN(end, ask_at);
            dfu_clock_sleep(d->clock, until - now);
            d->stats.slept_us += until - now;
        }
        now = dfu_clock_now(d->clock);
    }
}

int dfu_wait_abandon(dfu_device *d, const char *what, uint64_t start_us, uint32_t expect_ms)
{
    uint64_t now = dfu_clock_now(d->clock), waited_ms = (now - start_us) / 1000u;
    uint64_t until = start_us + (uint64_t)expect_ms * 1000u;
    /* The device goes on, and may be busy until the operation's longest time has passed. The
     * waits of settling after a cancel add nothing: they wait for what was abandoned already. */
    if (!d->settling && expect_ms) {
        if (!d->busy_until_us) {
            d->busy_since_us = start_us;
            snprintf(d->busy_what, sizeof(d->busy_what), "%s", what);
        }
        d->busy_until_us = DFU_MAX(d->busy_until_us, until);
    }
    return dfu_err(d->ctx, DFU_ERR_CANCELLED,
                   "%s: cancelled after %llu ms of waiting for the device; it goes on by itself",
                   what, (unsigned long long)waited_ms);
}

uint64_t dfu_device_busy_left_us(const dfu_device *d, uint64_t now)
{
    return d->busy_until_us > now ? d->busy_until_us - now : 0;
}

bool dfu_device_may_be_busy(const dfu_device *d)
{
    return dfu_device_busy_left_us(d, dfu_clock_now(d->clock)) > 0;
}

bool dfu_settle_cancelled(dfu_device *d)
{
    if (d->gone) return false;
    dfu_err_saved cancel;
    dfu_err_save(d->ctx, &cancel);
    d->settling = true;
    int rc = dfu_make_idle(d);
    d->settling = false;
    dfu_err_restore(d->ctx, &cancel);
    return rc == DFU_OK;
}
