/*
 * Waiting for a device: GETSTATUS polls that honour bwPollTimeout exactly, bounded so that a
 * lying device cannot hang the host, and the cleanup that brings a device back to dfuIDLE. Every
 * wait here can be cancelled (wait.c).
 */
#include <stdio.h>
#include <string.h>

#include "../core/internal.h"
#include "proto.h"

/* Extra time allowed beyond what an operation may legitimately take. */
#define DFU_WAIT_SLACK_MS 10000u

uint32_t dfu_erase_expect_ms(uint32_t size)
{
    /* Datasheet maxima (notes/dfu-protocol.md 5.1): F4 128 KiB 4 s (x8), 64 KiB 2.4 s, 16 KiB
     * 0.8 s; H7 128 KiB 4 s; L4 2 KiB 25 ms; F1 1 KiB 40 ms. About 40 ms per KiB covers them. */
    uint64_t ms = (uint64_t)(size / 1024u) * 40u;
    return (uint32_t)DFU_MAX(ms, 100u);
}

static bool busy_state(uint8_t state)
{
    return state == DFU_STATE_DNBUSY || state == DFU_STATE_DNLOAD_SYNC ||
           state == DFU_STATE_MANIFEST;
}

/* The H7 rev V ROM stays in dfuDNBUSY after a sector erase; ST's tool sends CLRSTATUS twice:
 * the first gives (errUNKNOWN, dfuERROR), the second (OK, dfuIDLE), and the erase is done. */
static int unstick(dfu_device *d, const dfu_wait *w, dfu_status_reply *st)
{
    dfu_info(d->ctx, "%s: device still in dfuDNBUSY after %u ms; clearing (stuck-dnbusy quirk)",
             w->what, w->expect_ms);
    for (int i = 0; i < 2; i++) {
        int rc = dfu_req_clrstatus(d);
        if (!rc) rc = dfu_req_getstatus(d, st, DFU_CONTROL_TIMEOUT_MS);
        if (rc) return dfu_err_prefix(d->ctx, rc, "%s: recovering from dfuDNBUSY", w->what);
        if (st->state == DFU_STATE_DFU_IDLE) return DFU_OK;
    }
    return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st->state, st->status,
                          "%s: device still in %s after CLRSTATUS twice", w->what,
                          dfu_state_name(st->state));
}

int dfu_poll(dfu_device *d, const dfu_wait *w, dfu_status_reply *final)
{
    uint64_t start = dfu_clock_now(d->clock);
    dfu_waiter waiter;
    dfu_waiter_start(d, &waiter);
    uint64_t bound_ms = 2ull * w->expect_ms + DFU_WAIT_SLACK_MS;
    uint64_t deadline = start + bound_ms * 1000u;
    unsigned stalls = 0, lost = 0;
    uint32_t last_poll_ms = w->first_poll_ms;
    bool first = true;
    for (;;) {
        uint64_t now = dfu_clock_now(d->clock);
        uint64_t left_ms = now < deadline ? (deadline - now) / 1000u : 0;
        /* A device may hold GETSTATUS until the operation completes (the ST ROM does): allow it
         * the whole operation, but never past the bound. */
        unsigned timeout = (unsigned)DFU_MIN(DFU_MAX(DFU_CONTROL_TIMEOUT_MS, w->expect_ms + 2000u),
                                             left_ms + 1000u);
        dfu_status_reply st;
        int rc = dfu_req_getstatus(d, &st, timeout);
        if (rc == DFU_ERR_CANCELLED) return dfu_wait_abandon(d, w->what, start, w->expect_ms);
        /* Past the deadline a failure is final; before it, these are worth asking again. */
        now = dfu_clock_now(d->clock);
        left_ms = now < deadline ? (deadline - now) / 1000u : 0;
        /* A garbled GETSTATUS is harmless to repeat: the device only reports, or (in
         * dfuDNLOAD-SYNC) starts what it would start anyway. */
        if (rc == DFU_ERR_USB && lost < 3 && now < deadline) {
            lost++;
            dfu_debug(d->ctx, "%s: GETSTATUS lost (%u); asking again", w->what, lost);
            continue;
        }
        if (rc == DFU_ERR_STALL && stalls < d->quirks.poll_stalls && now < deadline) {
            /* STM32L4 ROMs stall EP0 when polled before an erase ends: wait and ask again,
             * as long as the device last asked, but not past the deadline. */
            stalls++;
            dfu_debug(d->ctx, "%s: GETSTATUS stalled (%u of %u tolerated)", w->what, stalls,
                      d->quirks.poll_stalls);
            if (dfu_wait_sleep(d, &waiter, DFU_MIN(DFU_MAX(last_poll_ms, 10u), left_ms) * 1000u))
                return dfu_wait_abandon(d, w->what, start, w->expect_ms);
            continue;
        }
        /* An operation that ends with a reset: the device going away is how it finishes; one
         * still there answers, and its answer decides. */
        if (rc && w->resets) {
            rc = dfu_confirm_left(d, rc, w->what, &st);
            if (rc < 0) return rc;
            if (rc > 0) {
                memset(final, 0, sizeof(*final));
                return DFU_OK;
            }
        }
        if (rc) return dfu_err_prefix(d->ctx, rc, "%s", w->what);
        lost = 0; /* only consecutive losses count */
        if (st.state == DFU_STATE_ERROR) return dfu_err_status(d, &st, w->what);
        if (!busy_state(st.state)) {
            *final = st;
            return DFU_OK;
        }
        uint64_t elapsed_ms = (dfu_clock_now(d->clock) - start) / 1000u;
        if (w->erase && d->quirks.stuck_dnbusy && st.state == DFU_STATE_DNBUSY &&
            elapsed_ms > w->expect_ms)
            return unstick(d, w, final);
        if (dfu_clock_now(d->clock) >= deadline)
            return dfu_err_device(d->ctx, DFU_ERR_TIMEOUT, st.state, st.status,
                                  "%s: device still in %s after %llu ms (it may take up to %u ms; "
                                  "it asked for another %u ms)",
                                  w->what, dfu_state_name(st.state), (unsigned long long)elapsed_ms,
                                  w->expect_ms, st.poll_ms);
        last_poll_ms = st.poll_ms;
        uint64_t wait = st.poll_ms;
        if (first && w->first_poll_ms > wait) wait = w->first_poll_ms;
        /* Busy with no wait asked for (TinyUSB answers 0): do not hammer the device. */
        if (wait == 0) wait = 1;
        now = dfu_clock_now(d->clock);
        uint64_t left = now < deadline ? (deadline - now) / 1000u : 0;
        if (dfu_wait_sleep(d, &waiter, DFU_MIN(wait, DFU_MAX(left, 1u)) * 1000u))
            return dfu_wait_abandon(d, w->what, start, w->expect_ms);
        first = false;
    }
}

int dfu_dnload_wait(dfu_device *d, uint16_t block, const uint8_t *data, uint16_t len,
                    const dfu_wait *w, dfu_status_reply *final)
{
    for (unsigned attempt = 1;; attempt++) {
        uint64_t start = dfu_clock_now(d->clock);
        int rc = dfu_req_dnload(d, block, data, len);
        if (!rc) return dfu_poll(d, w, final);
        if (rc == DFU_ERR_CANCELLED) return dfu_wait_abandon(d, w->what, start, w->expect_ms);
        if ((rc != DFU_ERR_USB && rc != DFU_ERR_TIMEOUT) || attempt > 3)
            return dfu_err_prefix(d->ctx, rc, "%s", w->what);
        dfu_status_reply st;
        int rc2 = DFU_ERR_USB, probes = 0;
        while (rc2 == DFU_ERR_USB && probes++ < 3)
            rc2 = dfu_req_getstatus(d, &st, DFU_CONTROL_TIMEOUT_MS);
        if (rc2 == DFU_ERR_CANCELLED) return dfu_wait_abandon(d, w->what, start, w->expect_ms);
        if (rc2) return dfu_err_prefix(d->ctx, rc, "%s", w->what);
        switch (st.state) {
        case DFU_STATE_DNLOAD_SYNC:
            dfu_debug(d->ctx, "%s: the answer was lost, the block arrived", w->what);
            return dfu_poll(d, w, final);
        case DFU_STATE_DNBUSY: {
            dfu_debug(d->ctx, "%s: the answer was lost, the block arrived", w->what);
            /* What it asks, but no longer than the operation may take: a lying bwPollTimeout
             * (up to 4.6 hours) must not hold the host. */
            dfu_waiter waiter;
            dfu_waiter_start(d, &waiter);
            uint64_t ms = DFU_MAX(DFU_MIN(st.poll_ms, w->expect_ms), 1u);
            if (dfu_wait_sleep(d, &waiter, ms * 1000u))
                return dfu_wait_abandon(d, w->what, start, w->expect_ms);
            return dfu_poll(d, w, final);
        }
        case DFU_STATE_DFU_IDLE:
            /* Only dfuIDLE proves the block never arrived, and only from a first GETSTATUS (a
             * lost one may itself have moved the device on). dfuDNLOAD-IDLE does not: a device
             * that programs while it answers reports, from dfuDNLOAD-SYNC, the state it enters
             * next. Then the caller finds out (read back, or start the download again): a
             * device that writes blocks in order must never get one twice. */
            if (probes > 1) return dfu_err_prefix(d->ctx, rc, "%s", w->what);
            dfu_debug(d->ctx, "%s: the block was lost; sending it again", w->what);
            break;
        case DFU_STATE_DNLOAD_IDLE: return dfu_err_prefix(d->ctx, rc, "%s", w->what);
        case DFU_STATE_ERROR: return dfu_err_status(d, &st, w->what);
        default:
            return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st.state, st.status,
                                  "%s: after a failed transfer the device is in %s", w->what,
                                  dfu_state_name(st.state));
        }
    }
}

/* A device that will not leave a busy state: nothing the host can do, the user must. */
static int stuck(dfu_device *d, uint8_t state, const char *why)
{
    char copy[DFU_ERROR_MESSAGE_MAX / 2];
    snprintf(copy, sizeof(copy), "%s", why); /* why may be the context's own message */
    return dfu_err_device(d->ctx, DFU_ERR_TIMEOUT, state, -1,
                          "the device stays in %s (%s): it needs a USB reset or a power cycle",
                          dfu_state_name(state), copy);
}

/* dfuDNLOAD-SYNC or dfuDNBUSY: wait for the operation to end. Still busy, it gets one CLRSTATUS
 * (the H7 stuck-dfuDNBUSY quirk, outside an erase we started); busy again after that, or
 * refusing it, it is stuck. */
static int wait_busy(dfu_device *d, uint8_t state, bool *cleared)
{
    dfu_info(d->ctx, "device was in %s: waiting for it", dfu_state_name(state));
    /* An earlier session may have died in the middle of anything, a mass erase included. */
    dfu_wait w = {"finishing an earlier operation",
                  d->dfuse ? DFU_LONGEST_OPERATION_MS : dfu_erase_expect_ms(128 * 1024), 0, true,
                  false};
    dfu_status_reply fin;
    int rc = dfu_poll(d, &w, &fin);
    if (rc != DFU_ERR_TIMEOUT && rc != DFU_ERR_STALL) return rc == DFU_ERR_DEVICE ? DFU_OK : rc;
    if (*cleared) return stuck(d, state, "still, after a wait and a DFU_CLRSTATUS");
    dfu_info(d->ctx, "device stays busy; sending CLRSTATUS");
    *cleared = true;
    rc = dfu_req_clrstatus(d);
    if (!rc || rc == DFU_ERR_DISCONNECTED) return rc;
    return stuck(d, state, dfu_ctx_error(d->ctx)->message);
}

/* How long to wait before asking again a device that stalled GETSTATUS because it is busy
 * (STM32L4: 2 KiB page erases and writes take 25 ms at most). */
#define DFU_IDLE_STALL_WAIT_MS 50u

/* GETSTATUS for make_idle. A device still busy with an operation whose wait was cancelled may
 * hold it until that ends (the ST ROM holds requests through an erase): it is allowed that long,
 * in a transfer that can be cancelled like any wait. */
static int idle_status(dfu_device *d, dfu_status_reply *st)
{
    /* One reading of the clock: a second one, later, could be past busy_until_us. */
    uint64_t left_us = dfu_device_busy_left_us(d, dfu_clock_now(d->clock));
    bool busy = left_us > 0;
    uint64_t timeout = DFU_CONTROL_TIMEOUT_MS + left_us / 1000u;
    int rc = dfu_req_getstatus(d, st, (unsigned)timeout);
    if (rc == DFU_ERR_CANCELLED && busy)
        dfu_err_prefix(d->ctx, rc, "waiting for the device to finish what it was doing (%s)",
                       d->busy_what);
    return rc;
}

int dfu_confirm_left(dfu_device *d, int rc, const char *what, dfu_status_reply *st)
{
    if (rc != DFU_ERR_DISCONNECTED) {
        if (rc != DFU_ERR_USB && rc != DFU_ERR_TIMEOUT && rc != DFU_ERR_STALL)
            return dfu_err_prefix(d->ctx, rc, "%s", what);
        /* A device that resets as it accepts the request fails the transfer in any of these
         * ways, depending on the host; one still there answers. A short timeout: it has either
         * gone or answers at once. */
        rc = dfu_req_getstatus(d, st, 1000);
        if (rc == DFU_ERR_USB) rc = dfu_req_getstatus(d, st, 1000);
        if (rc == DFU_OK) return 0;
        if (rc != DFU_ERR_DISCONNECTED && rc != DFU_ERR_USB && rc != DFU_ERR_TIMEOUT &&
            rc != DFU_ERR_STALL)
            return dfu_err_prefix(d->ctx, rc, "%s", what);
    }
    dfu_debug(d->ctx, "%s: the device went away (normal: it restarts)", what);
    d->gone = true;
    dfu_ctx_clear_error(d->ctx);
    return 1;
}

static int make_idle(dfu_device *d)
{
    unsigned lost = 0, stalls = 0;
    bool cleared = false;
    uint64_t start = dfu_clock_now(d->clock);
    dfu_waiter waiter;
    dfu_waiter_start(d, &waiter);
    for (int attempt = 0; attempt < 8; attempt++) {
        dfu_status_reply st;
        int rc = idle_status(d, &st);
        /* Every request here is safe to repeat: a garbled one is simply asked again. */
        if (rc == DFU_ERR_USB && lost++ < 3) {
            attempt--;
            continue;
        }
        if (rc == DFU_ERR_STALL && stalls++ < d->quirks.poll_stalls) {
            /* STM32L4 ROMs stall every request while they work: let it finish. */
            dfu_debug(d->ctx, "GETSTATUS stalled (%u of %u tolerated); waiting", stalls,
                      d->quirks.poll_stalls);
            if (dfu_wait_sleep(d, &waiter, DFU_IDLE_STALL_WAIT_MS * 1000u))
                return dfu_wait_abandon(d, "bringing the device back to dfuIDLE", start, 0);
            attempt--;
            continue;
        }
        if (rc) return dfu_err_prefix(d->ctx, rc, "reading the device's state");
        lost = 0;
        switch (st.state) {
        case DFU_STATE_DFU_IDLE: return DFU_OK;
        case DFU_STATE_ERROR:
            dfu_info(d->ctx, "device was in dfuERROR (%s: %s); clearing it",
                     dfu_status_name(st.status), dfu_status_description(st.status));
            if ((rc = dfu_req_clrstatus(d)) && (rc != DFU_ERR_USB || lost++ >= 3)) return rc;
            break;
        case DFU_STATE_DNLOAD_IDLE:
        case DFU_STATE_UPLOAD_IDLE:
            dfu_info(d->ctx, "device was in %s: aborting a previous incomplete transfer",
                     dfu_state_name(st.state));
            if ((rc = dfu_req_abort(d)) && (rc != DFU_ERR_USB || lost++ >= 3)) return rc;
            break;
        case DFU_STATE_DNLOAD_SYNC:
        case DFU_STATE_DNBUSY:
            if ((rc = wait_busy(d, st.state, &cleared))) return rc;
            break;
        case DFU_STATE_APP_IDLE:
        case DFU_STATE_APP_DETACH:
            return dfu_err(d->ctx, DFU_ERR_PROTOCOL,
                           "the device is in %s: it runs its application, not its bootloader",
                           dfu_state_name(st.state));
        default:
            return dfu_err_device(d->ctx, DFU_ERR_PROTOCOL, st.state, st.status,
                                  "the device is in %s; it needs a USB reset or a power cycle "
                                  "before it can be updated",
                                  dfu_state_name(st.state));
        }
    }
    return dfu_err(d->ctx, DFU_ERR_PROTOCOL, "the device did not return to dfuIDLE");
}

int dfu_make_idle(dfu_device *d)
{
    bool nested = d->idling;
    d->idling = true;
    int rc = make_idle(d);
    d->idling = nested;
    if (!rc) d->busy_until_us = 0; /* whatever it was doing, it has finished */
    return rc;
}
